"""Licence gate: issue → load → require, lookup order, dates, maintenance, renewal, test rule.

signatures.md §8.1 (facts 1, 3, 4), §8.2 (maintenance vs release date, exclusive end dates,
test licences) and §8.3; DESIGN.md §2.7 (one distinct error per cause).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

import licensing
from eyazisma.testing import licences
from eyazisma.testing.pki import TestPki
from keys.errors import EYazismaError
from licensing import (
    RELEASE_DATE,
    TURKEY_TIME,
    Licence,
    LicenceExpiredError,
    LicenceIssueError,
    LicenceMaintenanceError,
    LicenceMissingError,
    LicenceProductError,
    LicenceTamperedError,
    Licensee,
    Product,
    TestLicenceError,
)

ENC = Product.EYP_ENCRYPTION
DEC = Product.EYP_DECRYPTION


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    # No services are needed: only the certificates' names matter for the licence gate.
    return TestPki.create(tmp_path_factory.mktemp("lic-pki"), base_url="http://127.0.0.1:9")


@pytest.fixture(autouse=True)
def clean_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(licensing.LICENSE_ENV, raising=False)
    monkeypatch.delenv(licensing.PASSWORD_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    licensing.clear_license()
    yield
    licensing.clear_license()
    licensing.reset_trusted_authorities()


@pytest.fixture
def vendor() -> licences.TestAuthority:
    """A vendor authority trusted for production licences (a deployment decision)."""
    authority = licences.new_authority("Örnek Entegratör Lisans Otoritesi")
    licensing.trust_authority(authority.certificate)
    return authority


@pytest.fixture
def production_cert() -> x509.Certificate:
    return licences.issued_certificate("Örnek Bakanlığı Şifreleme", subject_o="Örnek Bakanlığı")


def _production_licence(vendor: licences.TestAuthority, **terms: object) -> bytes:
    base: dict[str, object] = {
        "licensee": Licensee("Örnek Bakanlığı", kkk="23456789", vkn="1234567890"),
        "products": [ENC, DEC],
        "not_before": dt.date(2026, 1, 1),
        "not_after": dt.date(2031, 1, 1),
        "maintenance_end": dt.date(2028, 1, 1),
    }
    base.update(terms)
    return vendor.issue(**base)


NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)


# -- the shipped test licence ------------------------------------------------------------------


def test_shipped_test_licence_is_reproducible_and_long_lived() -> None:
    data = licences.test_licence_bytes()
    assert data == licences.regenerate_shipped_test_licence()  # file and key cannot drift
    licence = licensing.load_licence(data)
    assert licence.test
    assert licence.licence_id == licences.SHIPPED_TEST_LICENCE_ID
    assert licence.products == {ENC, DEC}
    assert licence.not_after >= dt.datetime(2046, 1, 1, tzinfo=dt.UTC)
    assert licence.covers_release(RELEASE_DATE)
    assert licence.valid_at()


def test_release_date_is_not_in_the_future() -> None:
    assert dt.date.today() >= RELEASE_DATE


def test_install_test_licence_allows_test_pki_certificates(pki: TestPki) -> None:
    installed = licences.install_test_licence()
    assert licensing.current_licence() is installed
    recipients = [pki.enc_rsa.certificate, pki.enc_ec.certificate, pki.person.certificate]
    assert licensing.require(ENC, certificates=recipients) is installed
    assert licensing.require(DEC, certificates=[pki.enc_rsa.certificate]) is installed


# -- sources ------------------------------------------------------------------------------------


def test_every_source_kind_gives_the_same_licence(tmp_path: Path) -> None:
    data = licences.issue_test_licence()
    path = tmp_path / "lic.xml"
    path.write_bytes(data)
    loaded = [
        licensing.set_license_xml(data),
        licensing.set_license_xml(bytearray(data)),
        licensing.set_license_xml(path),
        licensing.set_license_xml(str(path)),
        licensing.set_license_xml(io.BytesIO(data)),
        licensing.set_license_xml(data.decode("utf-8")),
    ]
    assert len({lic.licence_id for lic in loaded}) == 1
    assert licensing.current_licence() is loaded[-1]
    assert loaded[0].xml == data  # the exact bytes are kept


def test_env_var_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pki: TestPki) -> None:
    path = licences.write_test_licence(tmp_path / "conf" / "lic.xml")
    monkeypatch.setenv(licensing.LICENSE_ENV, str(path))
    licence = licensing.require(ENC, certificates=[pki.enc_rsa.certificate])
    assert licence.licence_id == licences.SHIPPED_TEST_LICENCE_ID
    assert licensing.current_licence() is licence  # loaded once and kept


def test_env_var_protected_file_uses_password_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = licences.write_test_licence(tmp_path / "lic.bin", password="Gizli Şifre 1")
    monkeypatch.setenv(licensing.LICENSE_ENV, str(path))
    with pytest.raises(licensing.LicencePasswordError):
        licensing.current_licence()
    monkeypatch.setenv(licensing.PASSWORD_ENV, "Gizli Şifre 1")
    licence = licensing.current_licence()
    assert licence is not None and licence.protected


def test_env_var_pointing_nowhere_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(licensing.LICENSE_ENV, str(tmp_path / "nope.xml"))
    with pytest.raises(LicenceMissingError, match=licensing.LICENSE_ENV):
        licensing.require(ENC)


def test_default_path_honours_xdg_config_home(tmp_path: Path, pki: TestPki) -> None:
    expected = tmp_path / "xdg" / "eyazisma" / "licence.xml"
    assert licensing.default_licence_path() == expected
    assert licensing.current_licence() is None
    licences.write_test_licence(expected)
    licence = licensing.require(DEC, certificates=[pki.enc_ec.certificate])
    assert licence.test


def test_default_path_without_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert licensing.default_licence_path() == tmp_path / "home/.config/eyazisma/licence.xml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # ignored, per the XDG spec
    assert licensing.default_licence_path() == tmp_path / "home/.config/eyazisma/licence.xml"


def test_env_var_wins_over_default_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendor: licences.TestAuthority
) -> None:
    licences.write_test_licence(licensing.default_licence_path())
    env_file = tmp_path / "env.xml"
    env_file.write_bytes(_production_licence(vendor))
    monkeypatch.setenv(licensing.LICENSE_ENV, str(env_file))
    licence = licensing.current_licence()
    assert licence is not None and not licence.test


def test_missing_licence_explains_every_way_to_install_one() -> None:
    with pytest.raises(LicenceMissingError) as info:
        licensing.require(ENC, certificates=[])
    message = str(info.value)
    assert "set_license_xml" in message
    assert licensing.LICENSE_ENV in message
    assert str(licensing.default_licence_path()) in message
    assert info.value.code == "LICENCE_MISSING"


def test_a_bad_default_file_is_reported_not_ignored() -> None:
    path = licensing.default_licence_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(licences.test_licence_bytes().replace(b"eyazisma test", b"eyazisma TEST"))
    with pytest.raises(LicenceTamperedError):
        licensing.require(ENC)


def test_failed_set_keeps_previous_and_clear_forgets() -> None:
    first = licences.install_test_licence()
    with pytest.raises(licensing.LicenceMalformedError):
        licensing.set_license_xml(b"not a licence")
    assert licensing.current_licence() is first
    licensing.clear_license()
    assert licensing.current_licence() is None


def test_concurrent_set_and_read() -> None:
    blobs = [licences.issue_test_licence() for _ in range(3)]
    ids = {licensing.load_licence(b).licence_id for b in blobs}
    errors: list[BaseException] = []
    seen: set[object] = set()

    def worker(index: int) -> None:
        try:
            for _ in range(5):
                licensing.set_license_xml(blobs[index % 3])
                current = licensing.current_licence()
                assert current is not None
                seen.add(current.licence_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert seen <= ids
    final = licensing.current_licence()
    assert final is not None and final.licence_id in ids


# -- validity (§8.2 date semantics) -------------------------------------------------------------


def test_validity_window_is_end_exclusive(vendor: licences.TestAuthority) -> None:
    licence = licensing.set_license_xml(_production_licence(vendor))
    end = dt.datetime(2031, 1, 1, tzinfo=TURKEY_TIME)
    assert licence.not_after == end
    licensing.require(ENC, now=end - dt.timedelta(seconds=1))
    with pytest.raises(LicenceExpiredError) as info:
        licensing.require(ENC, now=end)
    assert "expired" in str(info.value)
    assert "2031-01-01T00:00:00+03:00" in str(info.value)
    assert info.value.not_after == end


def test_dates_are_turkey_midnight_whatever_the_machine_zone(
    vendor: licences.TestAuthority,
) -> None:
    licensing.set_license_xml(_production_licence(vendor))
    licensing.require(ENC, now=dt.datetime(2030, 12, 31, 20, 59, 59, tzinfo=dt.UTC))
    with pytest.raises(LicenceExpiredError):
        licensing.require(ENC, now=dt.datetime(2030, 12, 31, 21, 0, 0, tzinfo=dt.UTC))


def test_not_yet_valid(vendor: licences.TestAuthority) -> None:
    licensing.set_license_xml(_production_licence(vendor))
    with pytest.raises(LicenceExpiredError) as info:
        licensing.require(ENC, now=dt.datetime(2025, 12, 31, tzinfo=dt.UTC))
    assert "not valid yet" in str(info.value)
    assert "2026-01-01T00:00:00+03:00" in str(info.value)


# -- maintenance (§8.2 maintenance check) -------------------------------------------------------


def test_maintenance_compared_with_release_date(vendor: licences.TestAuthority) -> None:
    # The licence is valid today, but maintenance ended on the release day (exclusive end).
    licensing.set_license_xml(
        _production_licence(
            vendor,
            not_before=dt.date(2025, 1, 1),
            maintenance_end=RELEASE_DATE,
            not_after=RELEASE_DATE + dt.timedelta(days=3650),
        )
    )
    with pytest.raises(LicenceMaintenanceError) as info:
        licensing.require(ENC)
    assert "Renew the maintenance" in str(info.value)
    assert "older" in str(info.value) or "before the maintenance end" in str(info.value)


def test_maintenance_ending_after_release_passes_even_if_today_is_later(
    vendor: licences.TestAuthority,
) -> None:
    licence = licensing.set_license_xml(
        _production_licence(
            vendor,
            not_before=dt.date(2025, 1, 1),
            maintenance_end=RELEASE_DATE + dt.timedelta(days=1),
            not_after=RELEASE_DATE + dt.timedelta(days=3650),
        )
    )
    # Years later the same release still works: maintenance is about releases, not today.
    later = dt.datetime.combine(RELEASE_DATE, dt.time(), TURKEY_TIME) + dt.timedelta(days=900)
    assert licensing.require(ENC, now=later) is licence
    assert not licence.covers_release(RELEASE_DATE + dt.timedelta(days=1))


# -- products -----------------------------------------------------------------------------------


def test_product_not_licensed_names_it(vendor: licences.TestAuthority) -> None:
    licensing.set_license_xml(_production_licence(vendor, products=["eyp-encryption"]))
    licensing.require(ENC, now=NOW)
    with pytest.raises(LicenceProductError) as info:
        licensing.require(DEC, now=NOW)
    assert "eyp-decryption" in str(info.value)
    assert "opening encrypted e-Yazışma packages" in str(info.value)


def test_unknown_product_id_is_refused_when_issuing(vendor: licences.TestAuthority) -> None:
    with pytest.raises(LicenceIssueError, match="eyp-encryption"):
        _production_licence(vendor, products=["cms-envelope"])


# -- test licences ------------------------------------------------------------------------------


def test_test_licence_refuses_production_certificate(
    pki: TestPki, production_cert: x509.Certificate
) -> None:
    licences.install_test_licence()
    with pytest.raises(TestLicenceError) as info:
        licensing.require(ENC, certificates=[pki.enc_rsa.certificate, production_cert])
    assert "production licence" in str(info.value)
    assert "Örnek Bakanlığı Şifreleme" in str(info.value)
    with pytest.raises(TestLicenceError):
        licensing.require(DEC, certificates=[production_cert])


def test_test_licence_needs_certificates_to_check() -> None:
    licences.install_test_licence()
    with pytest.raises(TestLicenceError, match="none were given"):
        licensing.require(ENC)


def test_production_licence_works_with_any_certificate(
    vendor: licences.TestAuthority, pki: TestPki, production_cert: x509.Certificate
) -> None:
    licence = licensing.set_license_xml(_production_licence(vendor))
    assert not licence.test
    assert licensing.require(ENC, certificates=[production_cert], now=NOW) is licence
    assert licensing.require(ENC, certificates=[pki.enc_rsa.certificate], now=NOW) is licence
    # Sending needs no institution certificate (§8.3): no certificate is not an error here.
    assert licensing.require(ENC, now=NOW) is licence


@pytest.mark.parametrize(
    ("issuer_cn", "expected"),
    [
        ("Test Kamu SM NES Hizmet Sağlayıcısı - S1", True),
        ("KAMU SM TEST CA", True),
        ("Kamu SM test-ca 2", True),
        ("Ｔｅｓｔ CA", True),  # full-width letters fold under NFKC
        ("CA1 Test1", True),
        ("Testere Sertifika Hizmetleri", False),
        ("Contest Trust CA", False),
        ("Kamu SM NES Hizmet Sağlayıcısı - S1", False),
    ],
)
def test_test_certificate_rule_looks_at_issuer_names(issuer_cn: str, expected: bool) -> None:
    cert = licences.issued_certificate("Ali Veli", issuer_cn=issuer_cn, issuer_o="Bir Kurum")
    assert licensing.is_test_certificate(cert) is expected


def test_subject_named_test_does_not_make_a_test_certificate() -> None:
    cert = licences.issued_certificate("TEST KULLANICI", subject_o="Test Yazılım A.Ş.")
    assert not licensing.is_test_certificate(cert)
    issuer_o_only = licences.issued_certificate("X", issuer_o="Test Kamu Sertifikasyon Merkezi")
    assert licensing.is_test_certificate(issuer_o_only)


# -- renewal (§8.1 fact 3) ----------------------------------------------------------------------


def test_renewal_maintenance_starts_24_hours_before_previous_end(
    vendor: licences.TestAuthority,
) -> None:
    old = licensing.load_licence(_production_licence(vendor))
    new_xml = _production_licence(
        vendor,
        not_before=dt.date(2027, 12, 31),
        not_after=dt.date(2033, 1, 1),
        maintenance_end=dt.date(2029, 1, 1),
        renews=old,
    )
    new = licensing.load_licence(new_xml)
    assert new.renews is not None
    assert new.renews.licence_id == old.licence_id
    assert new.maintenance_start == old.maintenance_end - dt.timedelta(hours=24)
    assert old.maintenance_end - new.maintenance_start == licensing.RENEWAL_OVERLAP
    assert b"<Renews>" in new_xml
    # A release made on the last day of the old maintenance is covered by both (the overlap);
    # a release on the old end date only by the renewal (exclusive end, no gap: §8.3).
    last_day = dt.date(2027, 12, 31)
    assert old.covers_release(last_day) and new.covers_release(last_day)
    assert not old.covers_release(dt.date(2028, 1, 1))
    assert new.covers_release(dt.date(2028, 1, 1))


def test_renewal_with_other_maintenance_start_is_refused(vendor: licences.TestAuthority) -> None:
    old = licensing.load_licence(_production_licence(vendor))
    with pytest.raises(LicenceIssueError, match="24 hours before"):
        _production_licence(
            vendor,
            maintenance_end=dt.date(2029, 1, 1),
            maintenance_start=dt.date(2028, 1, 1),  # no overlap: refused
            renews=old,
        )


def test_renewal_via_renewal_value(vendor: licences.TestAuthority) -> None:
    previous = licensing.Renewal(
        licences.SHIPPED_TEST_LICENCE_ID, dt.datetime(2028, 1, 1, tzinfo=TURKEY_TIME)
    )
    licence = licensing.load_licence(
        _production_licence(vendor, maintenance_end=dt.date(2030, 1, 1), renews=previous)
    )
    assert licence.maintenance_start == dt.datetime(2027, 12, 31, tzinfo=TURKEY_TIME)


# -- model details ------------------------------------------------------------------------------


def test_licensee_identifiers_are_validated() -> None:
    with pytest.raises(LicenceIssueError, match="8 digits"):
        Licensee("Kurum", kkk="01234567")
    with pytest.raises(LicenceIssueError, match="10 digits"):
        Licensee("Kurum", vkn="123")
    with pytest.raises(LicenceIssueError):
        Licensee("   ")


def test_naive_issue_dates_are_refused(vendor: licences.TestAuthority) -> None:
    with pytest.raises(LicenceIssueError, match="time zone"):
        _production_licence(vendor, not_after=dt.datetime(2031, 1, 1))


def test_inconsistent_windows_are_refused(vendor: licences.TestAuthority) -> None:
    with pytest.raises(LicenceIssueError, match="NotBefore"):
        _production_licence(vendor, not_after=dt.date(2025, 1, 1))


def test_to_dict_reports_every_field(vendor: licences.TestAuthority) -> None:
    licence: Licence = licensing.load_licence(_production_licence(vendor))
    data = licence.to_dict()
    assert data["kind"] == "production"
    assert data["licensee"] == {"name": "Örnek Bakanlığı", "kkk": "23456789", "vkn": "1234567890"}
    assert data["products"] == ["eyp-decryption", "eyp-encryption"]
    assert data["maintenance_end"] == "2028-01-01T00:00:00+03:00"
    assert data["authority_sha256"] == licence.authority_fingerprint


def test_every_error_has_its_own_code_and_the_common_root() -> None:
    classes = [getattr(licensing, name) for name in licensing.__all__ if name.endswith("Error")]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)) == 11
    for cls in classes:
        assert issubclass(cls, licensing.LicenceError)
        assert issubclass(cls, EYazismaError)
