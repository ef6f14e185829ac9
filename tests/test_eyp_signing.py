"""Paraf, sign, seal and verify whole packages with CAdES (issue 5; eyp.md §1.2, §8).

Real parts only: the live test TSA/OCSP/CRL, software keys from the test PKI's PKCS#12 files,
the SoftHSM2 token for the full flow, and BouncyCastle as the independent checker.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cades import sign as cades_sign
from cades import upgrade
from cades.profiles import Level, Profile
from cades.tsp import TimestampClient
from eyazisma.cli import main
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.services import LiveServices
from eyazisma.testing.softhsm import SoftHsmToken
from eyp import Component, EypBuilder, EypPackage, verify_package
from eyp.errors import SigningRefusedError
from eyp.signing import (
    AddMode,
    SignatureRole,
    SigningServices,
    check_certificate_kind,
    nihai_ustveri_for,
    paraf,
    seal,
    sign,
)
from eyp.verify import SignatureTrust
from keys import SoftwareKey, load_pkcs12
from tests.eyp_helpers import builder_with_files
from tests.java_tools import run_java
from tests.test_eyp_tamper import _flip, _rewrite

BELGE_NO = "E-82223362-010-7"


@pytest.fixture
def services(live_pki: TestPki, live_services: LiveServices) -> SigningServices:
    root = live_pki.root.certificate
    return SigningServices(
        tsa=TimestampClient(live_services.tsa_url, trust_roots=[root]), trust_roots=[root]
    )


@pytest.fixture(scope="module")
def person(live_pki: TestPki) -> SoftwareKey:
    return load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def seal_key(live_pki: TestPki) -> SoftwareKey:
    return load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)


def _trust(pki: TestPki) -> SignatureTrust:
    return SignatureTrust(trust_anchors=[pki.root.certificate])


def _build(
    builder: EypBuilder,
    out: Path,
    signer: SoftwareKey,
    sealer: SoftwareKey,
    services: SigningServices,
    *,
    signers: int = 1,
) -> Path:
    with builder.open(out) as session:
        paraf(session, [signer], services)
        sign(session, [signer] * signers, services, mode=AddMode.SERIAL)
        seal(session, sealer, services, belge_no=BELGE_NO)
        session.save()
    return out


@pytest.fixture(scope="module")
def sealed(
    tmp_path_factory: pytest.TempPathFactory,
    live_pki: TestPki,
    person: SoftwareKey,
    seal_key: SoftwareKey,
    _live_services_process: LiveServices,
) -> Path:
    folder = tmp_path_factory.mktemp("sealed")
    root = live_pki.root.certificate
    services = SigningServices(
        tsa=TimestampClient(_live_services_process.tsa_url, trust_roots=[root]),
        trust_roots=[root],
    )
    return _build(builder_with_files(folder), folder / "sealed.eyp", person, seal_key, services)


def test_sealed_package_verifies_total_passed_offline(sealed: Path, live_pki: TestPki) -> None:
    report = verify_package(sealed, trust=_trust(live_pki))
    assert report.valid, report.to_text()
    assert report.indication == "TOTAL_PASSED", report.to_text()
    by_role = {s.role.value: s for s in report.signatures}
    assert set(by_role) == {"paraf", "imza", "muhur"}
    assert by_role["paraf"].level == "X-L" and by_role["imza"].level == "X-L"
    assert by_role["muhur"].level == "A"
    assert {s.profile for s in report.signatures} == {"P4"}
    assert "/Ustveri/Ustveri.xml" in by_role["imza"].covers
    assert "/Imzalar/ImzaCades.imz" in by_role["muhur"].covers
    signer = by_role["imza"].signers[0]
    assert signer["tckn"] == "10000000146" and signer["role"] == "imza"
    assert signer["time"] is not None
    assert by_role["muhur"].signers[0]["certificate_type"] in ("kurumsal-muhur", "nitelikli-muhur")
    assert "EYP-NUV-005" not in report.rules()


def test_nihai_ustveri_tarih_and_signers_come_from_the_signature(sealed: Path) -> None:
    with EypPackage(sealed) as package:
        imza = package.open_signature(Component.IMZA)
        nihai = package.nihai_ustveri
    assert imza is not None and nihai is not None
    expected = nihai_ustveri_for(imza, BELGE_NO)
    assert nihai.tarih == expected.tarih
    assert nihai.tarih is not None and str(nihai.tarih).endswith("+03:00")
    names = [(i.imzalayan.kisi.ilk_adi, i.imzalayan.kisi.soyadi) for i in nihai.belge_imzalar]
    assert names == [("AHMET", "YILMAZ")]


def test_without_trust_anchors_certificates_stay_indeterminate(sealed: Path) -> None:
    report = verify_package(sealed)
    assert report.valid  # nothing is wrong ...
    assert report.indication == "INDETERMINATE"  # ... but nothing vouches for the certificates


def test_serial_signers_are_countersignatures_listed_in_nihai_ustveri(
    tmp_path: Path,
    live_pki: TestPki,
    person: SoftwareKey,
    seal_key: SoftwareKey,
    services: SigningServices,
) -> None:
    out = _build(
        builder_with_files(tmp_path), tmp_path / "two.eyp", person, seal_key, services, signers=2
    )
    report = verify_package(out, trust=_trust(live_pki))
    assert report.indication == "TOTAL_PASSED", report.to_text()
    imza = next(s for s in report.signatures if s.role is SignatureRole.IMZA)
    assert [s["path"] for s in imza.signers] == ["0", "0.0"]
    with EypPackage(out) as package:
        nihai = package.nihai_ustveri
    assert nihai is not None and len(nihai.belge_imzalar) == 2


@pytest.mark.parametrize(
    ("part", "rule"),
    [
        ("Ustveri/Ustveri.xml", "EYP-DIG-012"),
        ("UstYazi/ustyazi.pdf", "EYP-DIG-012"),
        ("Ekler/EkBir.pdf", "EYP-DIG-012"),
        ("NihaiUstveri/NihaiUstveri.xml", "EYP-DIG-012"),
        ("Imzalar/ImzaCades.imz", "EYP-DIG-012"),
        ("Muhur/MuhurCades.imz", "EYP-SIG-005"),
    ],
)
def test_tampering_a_part_fails_with_its_rule(
    sealed: Path, live_pki: TestPki, tmp_path: Path, part: str, rule: str
) -> None:
    with zipfile.ZipFile(sealed) as zf:
        original = zf.read(part)
    data = original
    if part.endswith(".imz"):
        # flip a byte of the signature value: the CMS still parses, the signature must not verify
        from cades._view import parse_signed_data

        signer = parse_signed_data(original).signers[0]
        index = signer.signature_tlv.content_start + 10
        data = original[:index] + bytes([original[index] ^ 0x01]) + original[index + 1 :]
    else:
        data = _flip(original)
    bad = _rewrite(sealed, tmp_path / "bad.eyp", {part: data})
    report = verify_package(bad, trust=_trust(live_pki))
    assert report.indication == "TOTAL_FAILED"
    assert rule in {f.rule for f in report.errors()}, report.to_text()


def test_a_seal_made_with_a_person_certificate_is_flagged(
    tmp_path: Path,
    live_pki: TestPki,
    person: SoftwareKey,
    services: SigningServices,
) -> None:
    with pytest.raises(SigningRefusedError, match="e-seal certificate"):
        check_certificate_kind(person.certificate, SignatureRole.MUHUR)
    out = tmp_path / "wrong-seal.eyp"
    with builder_with_files(tmp_path).open(out) as session:
        sign(session, [person], services)
        session.add_nihai_ustveri(
            nihai_ustveri_for(session.signature_bytes(Component.IMZA) or b"", BELGE_NO)
        )
        # bypass the workflow's refusal to build what a careless signer could produce
        cms = cades_sign(
            session.nihai_ozet(), person, profile=Profile.P4, mime_type="application/xml"
        )
        session.add_seal(upgrade(cms, Level.A, services.sources()))
        session.save()
    report = verify_package(out, trust=_trust(live_pki))
    assert any(f.rule == "EYP-SIG-008" and "e-seal" in f.message for f in report.errors()), (
        report.to_text()
    )
    assert report.indication == "TOTAL_FAILED"


class _CountingSigner:
    """A real key that records whether it was asked to sign."""

    def __init__(self, key: SoftwareKey) -> None:
        self._key = key
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._key, name)

    def sign(self, data: bytes, mechanism: object) -> bytes:
        self.calls += 1
        return self._key.sign(data, mechanism)  # type: ignore[arg-type]


def test_wrong_kind_and_revoked_certificates_are_refused_before_the_key_is_used(
    tmp_path: Path,
    live_pki: TestPki,
    seal_key: SoftwareKey,
    services: SigningServices,
) -> None:
    counting = _CountingSigner(seal_key)
    with (
        builder_with_files(tmp_path).open(tmp_path / "x.eyp") as session,
        pytest.raises(SigningRefusedError, match="NES"),
    ):
        paraf(session, [counting], services)  # type: ignore[list-item]
    assert counting.calls == 0
    revoked = _CountingSigner(load_pkcs12(live_pki.person_revoked.p12_path, PKCS12_PASSWORD))
    with (
        builder_with_files(tmp_path).open(tmp_path / "y.eyp") as session,
        pytest.raises(SigningRefusedError, match="revoked"),
    ):
        sign(session, [revoked], services)  # type: ignore[list-item]
    assert revoked.calls == 0


def test_official_sample_rebuilt_signed_and_sealed(
    samples_dir: Path,
    tmp_path: Path,
    live_pki: TestPki,
    person: SoftwareKey,
    seal_key: SoftwareKey,
    services: SigningServices,
) -> None:
    from tests.test_model_byte_identity import official_ustveri

    sample = samples_dir / "20250512142310.eyp"
    ustveri = official_ustveri()
    with EypPackage(sample) as package:
        files = {
            ek.id: package.read(f"/{'Ekler' if ek.imzali_mi else 'ImzasizEkler'}/{ek.dosya_adi}")
            for ek in ustveri.ekler
            if ek.dosya_adi
        }
        cover = package.read("/UstYazi/ustyazi.pdf")
        sample_ustveri = package.read("/Ustveri/Ustveri.xml")
    builder = EypBuilder(dataclasses.replace(ustveri, ekler=())).with_ust_yazi(
        cover, file_name="ustyazi.pdf"
    )
    for ek in ustveri.ekler:
        builder = builder.with_ek(ek, files.get(ek.id))
    out = _build(builder, tmp_path / "official.eyp", person, seal_key, services)
    with EypPackage(out) as package:
        assert package.read("/Ustveri/Ustveri.xml") == sample_ustveri
    report = verify_package(out, trust=_trust(live_pki))
    assert report.indication == "TOTAL_PASSED", report.to_text()


def _extract(package: Path, folder: Path) -> Iterator[Path]:
    with EypPackage(package) as opened:
        for component in (Component.PARAF_IMZA, Component.IMZA, Component.MUHUR):
            data = opened.open_signature(component)
            assert data is not None
            path = folder / f"{component.name}.imz"
            path.write_bytes(data)
            yield path


def test_bouncycastle_verifies_the_three_signatures(
    sealed: Path, tmp_path: Path, live_pki: TestPki
) -> None:
    for path in _extract(sealed, tmp_path):
        result = run_java("BcCadesCheck.java", [str(path), "--trust", str(live_pki.root.cert_path)])
        assert result.returncode == 0, f"{path.name}: {result.stdout}\n{result.stderr}"
        assert "FAIL" not in result.stdout


@pytest.mark.softhsm
def test_full_flow_on_the_token_through_the_cli(
    pki_token: SoftHsmToken,
    live_pki: TestPki,
    live_services: LiveServices,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EYAZISMA_PIN", pki_token.user_pin)
    uri = f"pkcs11:token={pki_token.label};id=%{{}}?module-path={pki_token.module_path}"
    common = ["--tsa", live_services.tsa_url, "--trust", str(live_pki.root.cert_path)]
    draft = tmp_path / "draft.eyp"
    spec = Path(__file__).resolve().parent.parent / "examples" / "package.yaml"
    assert main(["create", "--spec", str(spec), "--draft", "--out", str(draft)]) == 0
    assert main(["sign", str(draft), "--paraf", "--key", uri.format("01"), *common]) == 0
    assert main(["sign", str(draft), "--key", uri.format("01"), *common]) == 0
    assert main(["sign", str(draft), "--key", uri.format("01"), "--parallel", *common]) == 0
    before = draft.read_bytes()
    # the seal key is a seal certificate; the person key is refused for the seal
    assert (
        main(["seal", str(draft), "--belge-no", BELGE_NO, "--key", uri.format("01"), *common]) == 2
    )
    assert draft.read_bytes() == before
    out = tmp_path / "final.eyp"
    assert (
        main(
            [
                "seal",
                str(draft),
                "--belge-no",
                BELGE_NO,
                "--out",
                str(out),
                "--key",
                uri.format("02"),
                *common,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["verify", str(out), "--trust", str(live_pki.root.cert_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["indication"] == "TOTAL_PASSED"
    roles = sorted(s["role"] for s in data["signatures"])
    assert roles == ["imza", "muhur", "paraf"]
    imza = next(s for s in data["signatures"] if s["role"] == "imza")
    assert [s["path"] for s in imza["signers"]] == ["0", "1"]  # a parallel signer
    assert imza["level"] == "X-L" and imza["profile"] == "P4"
    assert "/PaketOzeti/PaketOzeti.xml" not in imza["covers"]
    assert "/Ustveri/Ustveri.xml" in imza["covers"]
    muhur = next(s for s in data["signatures"] if s["role"] == "muhur")
    assert muhur["level"] == "A" and muhur["signer"]["certificate_type"] != "nes"
