"""The CLI contract of issue 2: create / inspect / verify, JSON shape and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from eyazisma.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_create_from_spec_then_inspect_and_verify_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.eyp"
    assert main(["create", "--spec", str(EXAMPLES / "package.yaml"), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["kind"] == "eyp" and described["konu"] == "Toplantı Daveti"
    assert {e["tur"] for e in described["ekler"]} == {"DED", "HRF", "FZK"}
    assert main(["verify", str(out), "--json"]) == 1  # unsigned draft: e-signature and seal missing
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"valid", "kind", "version", "belge_id", "findings", "manifests"}
    assert report["valid"] is False and report["kind"] == "eyp" and report["version"] == "2.0"
    assert {f["rule"] for f in report["findings"] if f["severity"] == "error"} == {
        "EYP-CMP-014",
        "EYP-CMP-015",
    }
    assert set(report["findings"][0]) >= {"rule", "severity", "part", "message"}
    assert "/Ustveri/Ustveri.xml" in report["manifests"]["PaketOzeti"]


def test_create_with_simple_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "yazi.pdf").write_bytes(b"%PDF-1.4 cover")
    (tmp_path / "ek 1.pdf").write_bytes(b"%PDF-1.4 ek")
    out = tmp_path / "p.eyp"
    args = [
        "create",
        "--konu",
        "Bilgi",
        "--ust-yazi",
        str(tmp_path / "yazi.pdf"),
        "--ek",
        str(tmp_path / "ek 1.pdf"),
        "--olusturan-kkk",
        "82223362",
        "--dagitim-kkk",
        "24301050",
        "--dagitim-kkk",
        "24322010",
        "--imzalayan",
        "Ali Veli",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    with zipfile.ZipFile(out) as zf:
        assert "Ekler/ek1.pdf" in zf.namelist()
    capsys.readouterr()
    assert main(["verify", str(out), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["manifests"]["ParafOzeti"][2] == "/Ekler/ek1.pdf"


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create", "--out", str(tmp_path / "x.eyp"), "--konu", "x"]) == 2
    assert "--ust-yazi" in capsys.readouterr().err
    assert main(["verify"]) == 2
    assert main(["no-such-command"]) == 2
    bad_spec = tmp_path / "s.yaml"
    bad_spec.write_text("konu: [unclosed", encoding="utf-8")
    assert main(["create", "--spec", str(bad_spec), "--out", str(tmp_path / "x.eyp")]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    assert not (tmp_path / "x.eyp").exists()


def test_verify_valid_package_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.eyp_helpers import build_signed_package

    out = build_signed_package(tmp_path, tmp_path / "ok.eyp")
    # plain CMS (not CAdES) signatures: structure and digests are fine, the signatures are not
    assert main(["verify", str(out), "--no-signatures"]) == 0
    assert "VALID" in capsys.readouterr().out
    assert main(["verify", str(out)]) == 1
    assert "EYP-SIG-006" in capsys.readouterr().out


def test_console_script_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "eyazisma", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "eyazisma" in result.stdout


@pytest.mark.softhsm
def test_demo_example_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo OK" in result.stdout
    work = tmp_path / "work"
    sealed = [p for p in work.glob("*.eyp") if p.name not in ("taslak.eyp", "acilan.eyp")]
    assert len(sealed) == 1 and (work / "acilan.eyp").read_bytes() == sealed[0].read_bytes()
    assert sealed[0].with_suffix(".eyps").is_file()
    assert result.stdout.count("overall: TOTAL_PASSED") == 2
