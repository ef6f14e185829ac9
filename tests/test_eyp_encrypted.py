"""Encrypted packages (.eyps) end to end, behind the licence gate (issue 6 items 2–5).

The inner package is a real sealed package (CAdES, live TSA/OCSP/CRL); encryption targets the
test PKI's institution certificates; decryption runs with software keys and on SoftHSM2.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import licensing
from cades.tsp import TimestampClient
from encryption import ContentCipher
from eyazisma.cli import main
from eyazisma.testing.licences import install_test_licence, issue_test_licence, write_test_licence
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.services import LiveServices
from eyazisma.testing.softhsm import SoftHsmToken
from eyp import EypError, EypPackage, verify_package
from eyp.encrypted import EncryptedPackageError, decrypt_package, encrypt_package
from eyp.signing import SigningServices, paraf, seal, sign
from eyp.verify import SignatureTrust
from keys import load_pkcs12
from tests.eyp_helpers import builder_with_files
from tests.test_eyp_tamper import _rewrite


@pytest.fixture(autouse=True)
def _licence() -> Iterator[None]:
    install_test_licence()
    yield
    licensing.clear_license()


@pytest.fixture(scope="module")
def sealed(
    tmp_path_factory: pytest.TempPathFactory,
    live_pki: TestPki,
    _live_services_process: LiveServices,
) -> Path:
    folder = tmp_path_factory.mktemp("inner")
    root = live_pki.root.certificate
    services = SigningServices(
        tsa=TimestampClient(_live_services_process.tsa_url, trust_roots=[root]),
        trust_roots=[root],
    )
    person = load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)
    sealer = load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)
    out = folder / "inner.eyp"
    with builder_with_files(folder).open(out) as session:
        paraf(session, [person], services)
        sign(session, [person], services)
        seal(session, sealer, services, belge_no="E-1")
        session.save()
    return out


def _trust(pki: TestPki) -> SignatureTrust:
    return SignatureTrust(trust_anchors=[pki.root.certificate])


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
def test_round_trip_with_rsa_and_ec_recipients(
    sealed: Path, tmp_path: Path, live_pki: TestPki, cipher: ContentCipher
) -> None:
    eyps = tmp_path / "x.eyps"
    result = encrypt_package(
        sealed,
        eyps,
        [live_pki.enc_rsa.certificate],
        sender=live_pki.enc_ec.certificate,
        cipher=cipher,
    )
    assert len(result.recipients) == 2
    outer = verify_package(eyps, signatures=False)
    assert outer.valid, outer.to_text()
    for name in ("enc_rsa", "enc_ec"):
        key = load_pkcs12(live_pki[name].p12_path, PKCS12_PASSWORD)
        out = tmp_path / f"{name}.eyp"
        opened = decrypt_package(eyps, key, out, trust=_trust(live_pki))
        assert out.read_bytes() == sealed.read_bytes()
        assert opened.report.indication == "TOTAL_PASSED", opened.report.to_text()


def test_outer_nihai_ozet_must_equal_the_inner_one(
    sealed: Path, tmp_path: Path, live_pki: TestPki
) -> None:
    eyps = encrypt_package(sealed, tmp_path / "x.eyps", [live_pki.enc_rsa.certificate]).path
    with zipfile.ZipFile(eyps) as zf:
        nihai = zf.read("NihaiOzet/NihaiOzet.xml")
    swapped = _rewrite(eyps, tmp_path / "y.eyps", {"NihaiOzet/NihaiOzet.xml": nihai + b" "})
    key = load_pkcs12(live_pki.enc_rsa.p12_path, PKCS12_PASSWORD)
    opened = decrypt_package(swapped, key, tmp_path / "out.eyp", trust=_trust(live_pki))
    assert "EYP-DIG-019" in {f.rule for f in opened.report.errors()}
    assert not opened.valid


def test_wrong_key_fails_before_writing_anything(
    sealed: Path, tmp_path: Path, live_pki: TestPki
) -> None:
    eyps = encrypt_package(sealed, tmp_path / "x.eyps", [live_pki.enc_rsa.certificate]).path
    other = load_pkcs12(live_pki.enc_ec.p12_path, PKCS12_PASSWORD)
    out = tmp_path / "out.eyp"
    with pytest.raises(EncryptedPackageError):
        decrypt_package(eyps, other, out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.eyps"]


def test_only_sealed_packages_are_encrypted(tmp_path: Path, live_pki: TestPki) -> None:
    draft = tmp_path / "draft.eyp"
    with builder_with_files(tmp_path).open(draft) as session:
        session.save_draft()
    with pytest.raises(EypError, match=r"sealed|NihaiÖzet"):
        encrypt_package(draft, tmp_path / "x.eyps", [live_pki.enc_rsa.certificate])
    assert not (tmp_path / "x.eyps").exists()


def test_every_eyps_path_is_licence_gated(sealed: Path, tmp_path: Path, live_pki: TestPki) -> None:
    eyps = encrypt_package(sealed, tmp_path / "x.eyps", [live_pki.enc_rsa.certificate]).path
    licensing.clear_license()
    with pytest.raises(licensing.LicenceMissingError):
        encrypt_package(sealed, tmp_path / "y.eyps", [live_pki.enc_rsa.certificate])
    key = load_pkcs12(live_pki.enc_rsa.p12_path, PKCS12_PASSWORD)
    with pytest.raises(licensing.LicenceMissingError):
        decrypt_package(eyps, key, tmp_path / "out.eyp")
    licensing.set_license_xml(issue_test_licence(products=[licensing.Product.EYP_ENCRYPTION]))
    encrypt_package(sealed, tmp_path / "z.eyps", [live_pki.enc_rsa.certificate])
    with pytest.raises(licensing.LicenceProductError):
        decrypt_package(eyps, key, tmp_path / "out.eyp")
    assert not (tmp_path / "out.eyp").exists() and not (tmp_path / "y.eyps").exists()


def test_cli_encrypt_and_decrypt(
    sealed: Path,
    tmp_path: Path,
    live_pki: TestPki,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    licensing.clear_license()
    licence = write_test_licence(tmp_path / "licence.xml")
    eyps = tmp_path / "x.eyps"
    argv = ["encrypt", str(sealed), "--to", str(live_pki.enc_rsa.cert_path), "--out", str(eyps)]
    assert main(argv) == 5  # no licence configured: a clear error, exit 5 (licence)
    assert "licen" in capsys.readouterr().err.lower()
    assert main([*argv, "--license", str(licence)]) == 0
    monkeypatch.setenv("EYAZISMA_KEY_PASSWORD", PKCS12_PASSWORD)
    out = tmp_path / "out.eyp"
    code = main(
        [
            "decrypt",
            str(eyps),
            "--key",
            str(live_pki.enc_rsa.p12_path),
            "--out",
            str(out),
            "--trust",
            str(live_pki.root.cert_path),
            "--license",
            str(licence),
        ]
    )
    assert code == 0, capsys.readouterr()
    assert out.read_bytes() == sealed.read_bytes()
    assert "TOTAL_PASSED" in capsys.readouterr().out


@pytest.mark.softhsm
def test_decrypt_with_the_institution_key_on_the_token(
    pki_token: SoftHsmToken, sealed: Path, tmp_path: Path, live_pki: TestPki
) -> None:
    from keys.pkcs11 import open_token

    eyps = encrypt_package(
        sealed,
        tmp_path / "x.eyps",
        [live_pki.enc_rsa.certificate],
        sender=live_pki.enc_ec.certificate,
    ).path
    token = open_token(pki_token.module_path, label=pki_token.label)
    for key_id in (b"\x03", b"\x05"):
        with token.open_key(key_id, lambda info: pki_token.user_pin) as key:
            out = tmp_path / f"{key_id.hex()}.eyp"
            opened = decrypt_package(eyps, key, out, trust=_trust(live_pki))
            assert out.read_bytes() == sealed.read_bytes()
            assert opened.report.indication == "TOTAL_PASSED"
    with EypPackage(eyps) as package:
        assert package.belge_id is not None
