"""Bad input and tampering at package level: our findings or exceptions, never a raw traceback,
and the input file is never modified (issue 2 item 10)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from eyazisma.cli import main
from eyp import PackageFormatError, UnsafePackageError
from tests.eyp_helpers import build_signed_package, verify_structure


def _rewrite(src: Path, dst: Path, replace: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                data = replace[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info.filename, zin.read(info.filename))
    return dst


@pytest.fixture
def signed(tmp_path: Path) -> Path:
    return build_signed_package(tmp_path, tmp_path / "ok.eyp")


def _flip(data: bytes) -> bytes:
    index = len(data) // 2
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize(
    ("part", "rule"),
    [
        ("Ustveri/Ustveri.xml", "EYP-DIG-012"),
        ("UstYazi/ustyazi.pdf", "EYP-DIG-012"),
        ("Ekler/EkBir.pdf", "EYP-DIG-012"),
        ("NihaiUstveri/NihaiUstveri.xml", "EYP-DIG-012"),
        ("Imzalar/ImzaCades.imz", "EYP-DIG-012"),
        ("PaketOzeti/PaketOzeti.xml", "EYP-SIG-002"),
        ("NihaiOzet/NihaiOzet.xml", "EYP-SIG-004"),
    ],
)
def test_tampering_any_part_is_detected(signed: Path, tmp_path: Path, part: str, rule: str) -> None:
    with zipfile.ZipFile(signed) as zf:
        original = zf.read(part)
    bad = _rewrite(signed, tmp_path / "bad.eyp", {part: _flip(original)})
    report = verify_structure(bad)
    assert not report.valid
    assert rule in {f.rule for f in report.errors()}, report.to_text()


def test_unsigned_attachment_is_not_covered_so_changing_it_is_not_a_digest_error(
    signed: Path, tmp_path: Path
) -> None:
    bad = _rewrite(signed, tmp_path / "bad.eyp", {"ImzasizEkler/not.txt": b"changed"})
    assert verify_structure(bad).valid


def test_missing_manifest_and_dangling_relationship(signed: Path, tmp_path: Path) -> None:
    bad = _rewrite(signed, tmp_path / "bad.eyp", {"PaketOzeti/PaketOzeti.xml": None})
    rules = {f.rule for f in verify_structure(bad).errors()}
    assert "EYP-OPC-003" in rules  # the relationship points to a missing part
    assert "EYP-DIG-011" in rules  # NihaiÖzet lists it
    bad2 = _rewrite(signed, tmp_path / "bad2.eyp", {"Ekler/EkBir.pdf": None})
    rules2 = {f.rule for f in verify_structure(bad2).errors()}
    assert {"EYP-OPC-003", "EYP-EK-001", "EYP-DIG-011"} <= rules2


def test_xml_part_with_dtd_or_entities_is_a_finding(signed: Path, tmp_path: Path) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<UstVeri xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-2">&b;</UstVeri>'
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NihaiUstVeri>&e;</NihaiUstVeri>'
    bad = _rewrite(
        signed,
        tmp_path / "bad.eyp",
        {"Ustveri/Ustveri.xml": laughs, "NihaiUstveri/NihaiUstveri.xml": xxe},
    )
    report = verify_structure(bad)
    messages = [f.message for f in report.findings if f.rule in ("EYP-UV-001", "EYP-NUV-001")]
    assert len(messages) == 2 and all("DOCTYPE" in m for m in messages)


def test_rels_to_missing_part_and_wrong_case_type(signed: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(signed) as zf:
        rels = zf.read("_rels/.rels")
    rels = rels.replace(b"/Ekler/EkBir.pdf", b"/Ekler/Yok.pdf").replace(
        b"iliskiler/paketozeti", b"iliskiler/PaketOzeti"
    )
    bad = _rewrite(signed, tmp_path / "bad.eyp", {"_rels/.rels": rels})
    report = verify_structure(bad)
    assert any(f.rule == "EYP-OPC-003" and "Yok.pdf" in f.message for f in report.findings)
    assert any(f.rule == "EYP-OPC-006" and f.severity.value == "warning" for f in report.findings)


def test_truncated_package_and_zip_bomb_raise_our_errors(signed: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "t.eyp"
    truncated.write_bytes(signed.read_bytes()[:-200])
    digest = hashlib.sha256(truncated.read_bytes()).hexdigest()
    with pytest.raises(PackageFormatError, match=r"truncated|damaged"):
        verify_structure(truncated)
    assert hashlib.sha256(truncated.read_bytes()).hexdigest() == digest
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Ekler/a.pdf", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(UnsafePackageError, match="zip bomb"):
        verify_structure(bomb.getvalue())


def test_cli_reports_bad_input_without_traceback(
    signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "t.eyp"
    truncated.write_bytes(signed.read_bytes()[:100])
    assert main(["verify", str(truncated)]) == 2
    err = capsys.readouterr().err
    assert "EYP_FORMAT" in err and "Traceback" not in err
    assert main(["inspect", str(tmp_path / "missing.eyp")]) == 2
    assert "file not found" in capsys.readouterr().err
