"""``eyazisma tokens`` lists slots, tokens and certificates without a PIN (signatures.md §6.2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_keys import SPY_MODULE, SoftHsmTokens, TestPki

from eyazisma.cli import main

pytestmark = pytest.mark.softhsm


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eyazisma", *args],
        env=env,
        stdin=subprocess.DEVNULL,  # a PIN prompt would fail: there is none
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tokens_json_lists_certificates_without_pin(
    softhsm_tokens: SoftHsmTokens, keys_pki: TestPki, tmp_path: Path
) -> None:
    env = softhsm_tokens.main.environ()
    log = tmp_path / "spy.log"
    env.update(PKCS11SPY=softhsm_tokens.module_path, PKCS11SPY_OUTPUT=str(log))
    done = _run(["tokens", "--module", SPY_MODULE, "--json"], env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    slots = {s["token"]["label"]: s for s in report["slots"] if s["token"]}
    main_slot = slots["keys-main"]
    assert main_slot["token"]["serial"] == softhsm_tokens.main.serial
    certs = {c["label"]: c for c in main_slot["certificates"]}
    assert set(certs) == {*keys_pki.keys, "ca"}
    sign = certs["sign-rsa"]
    material = keys_pki["sign-rsa"]
    assert sign["serial_number"] == format(material.certificate.serial_number, "x")
    assert sign["qc_type"] == "nes"
    assert sign["key_usage"] == ["nonRepudiation"]
    assert "CN=Test sign-rsa" in sign["subject"]
    assert sign["not_after"] == material.certificate.not_valid_after_utc.isoformat()
    assert certs["seal-rsa"]["qc_type"] == "kurumsal-muhur"
    assert certs["enc-ec"]["encryption_candidate"] is True
    assert certs["ca"]["is_ca"] is True
    assert slots["keys-locked"]["token"]["pin_status"]["locked"] is True
    spy = log.read_text(errors="replace")
    assert "C_FindObjectsInit" in spy
    assert "C_Login" not in spy  # no login, no PIN


def test_tokens_text_output(softhsm_tokens: SoftHsmTokens) -> None:
    done = _run(["tokens", "--module", softhsm_tokens.module_path], softhsm_tokens.main.environ())
    assert done.returncode == 0, done.stderr
    assert "Token 'keys-main'" in done.stdout
    assert "type nes" in done.stdout
    assert "PIN: locked" in done.stdout


def test_tokens_unknown_module_is_exit_code_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tokens", "--module", "/nonexistent/libnothing.so"]) == 3
    assert "KEYS_MODULE_LOAD" in capsys.readouterr().err
