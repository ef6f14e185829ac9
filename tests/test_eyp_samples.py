"""The real sample packages (../shared/samples) read and verify as their README says."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from eyp import EypPackage, Severity, verify_package

MAIN = {
    "20250512142310.eyp": ("eyp", "2.0"),
    "20250512142310.eyps": ("eyps", "2.0"),
    "20250512142310.eypg": ("eypg", "2.1"),
    "thirdparty-v1x.eyp": ("eyp", "1.3"),
}


@pytest.mark.parametrize("name", sorted(MAIN))
def test_main_samples_read_and_all_digests_pass(samples_dir: Path, name: str) -> None:
    path = samples_dir / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    report = verify_package(path)
    kind, version = MAIN[name]
    assert (report.kind, report.version) == (kind, version)
    all_findings = list(report.findings) + [f for r in report.inner for f in r.findings]
    assert not [f for f in all_findings if f.rule.startswith("EYP-DIG")], all_findings
    placeholder = [f for f in all_findings if f.rule == "EYP-SIG-001"]
    assert placeholder and all("not a CMS signature" in f.message for f in placeholder)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # input untouched
    with EypPackage(path) as package:
        assert package.describe()["kind"] == kind


def test_official_sample_reports_coverage(samples_dir: Path) -> None:
    report = verify_package(samples_dir / "20250512142310.eyp")
    assert report.belge_id == "4F9E2E9B-F4E6-4428-8F99-2E0A0D1D42D9"
    assert report.manifests["ParafOzeti"] == [
        "/Ustveri/Ustveri.xml",
        "/UstYazi/ustyazi.pdf",
        "/Ekler/dosya1.pdf",
        "/Ekler/dosya3.docx",
    ]
    assert "/Imzalar/ImzaCades.imz" in report.manifests["NihaiOzet"]
    assert len(report.manifests["PaketOzeti"]) == 6
    errors = {(f.rule, f.part) for f in report.errors()}
    assert errors == {
        ("EYP-SIG-001", "/Paraflar/ParafImzaCades.imz"),
        ("EYP-SIG-001", "/Imzalar/ImzaCades.imz"),
        ("EYP-SIG-001", "/Muhur/MuhurCades.imz"),
    }
    as_json = report.to_dict()
    assert as_json["valid"] is False and as_json["kind"] == "eyp"


def test_official_eyps_inner_package_matches_outer_nihai_ozet(samples_dir: Path) -> None:
    report = verify_package(samples_dir / "20250512142310.eyps")
    assert "EYP-ENC-005" in {f.rule for f in report.findings}
    assert "EYP-DIG-019" not in report.rules()
    assert len(report.inner) == 1 and report.inner[0].belge_id == report.belge_id


def test_update_sample_verifies_original_recursively(samples_dir: Path) -> None:
    report = verify_package(samples_dir / "20250512142310.eypg")
    assert report.manifests["NihaiOzet"][:2] == [
        "/GuncellemeBilgisi/GuncellemeBilgisi.xml",
        "/OrijinalPaket/OrijinalPaket.eyp",
    ]
    assert report.inner and report.inner[0].kind == "eyp"


@pytest.mark.parametrize(
    ("name", "expected", "absent"),
    [
        ("official-earlybuild.eyp", {"EYP-DIG-013", "EYP-DIG-015"}, {"EYP-DIG-012"}),
        ("thirdparty-paketv2x.eyp", {"EYP-OPC-006", "EYP-UV-005", "EYP-UV-012"}, {"EYP-DIG-012"}),
        ("thirdparty-sifrelipaketv1x.eyps", {"EYP-ENC-005"}, {"EYP-DIG-019", "EYP-DIG-012"}),
        ("thirdparty-sifrelipaketv2x.eyps", {"EYP-ENC-005"}, {"EYP-DIG-019"}),
        ("thirdparty-sifrelipaketv1xicerikbos.eyps", {"EYP-OPC-003", "EYP-ENC-001"}, set()),
        ("thirdparty-sifrelipaketv2xicerikbos.eyps", {"EYP-OPC-003", "EYP-ENC-001"}, set()),
    ],
)
def test_flawed_samples_give_the_expected_findings(
    samples_dir: Path, name: str, expected: set[str], absent: set[str]
) -> None:
    report = verify_package(samples_dir / "more" / name)
    rules = report.rules()
    assert expected <= rules, sorted(rules)
    assert not absent & rules
    opc006 = [f for f in report.findings if f.rule == "EYP-OPC-006"]
    assert all(f.severity is Severity.WARNING for f in opc006)


def test_earlybuild_official_codes(samples_dir: Path) -> None:
    report = verify_package(samples_dir / "more" / "official-earlybuild.eyp")
    codes = {f.official_code for f in report.findings if f.rule in ("EYP-DIG-013", "EYP-DIG-015")}
    assert {27, 26, 19, 21} <= codes
