"""``eyazisma timestamp`` and ``eyazisma timestamp-credit`` (signatures.md §5; DESIGN.md §2.13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eyazisma.cli import _timestamp, main
from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import DEFAULT_KAMUSM_ACCOUNT, Fault, FaultKind, LiveServices

CUSTOMER = str(DEFAULT_KAMUSM_ACCOUNT.customer_id)


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "belge.pdf"
    path.write_bytes(b"%PDF-1.7 test document\n" * 100)
    return path


def _openssl_reply_text(tsr: Path) -> str:
    result = subprocess.run(
        ["openssl", "ts", "-reply", "-in", str(tsr), "-text"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_timestamp_writes_a_tsr_openssl_reads(
    live_services: LiveServices,
    live_pki: TestPki,
    document: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = document.with_suffix(".tsr")
    code = main(
        ["timestamp", "--url", live_services.tsa_url, "--hash", "sha512", "--out", str(out),
         "--ca-file", str(live_pki.ca_bundle_path), str(document)]
    )  # fmt: skip
    assert code == 0
    text = _openssl_reply_text(out)
    assert "Status: Granted." in text
    assert "Hash Algorithm: sha512" in text
    printed = capsys.readouterr().out
    assert f"time-stamp written to {out}" in printed
    assert "chain_checked: True" in printed
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(document), "-in", str(out), "-CAfile",
         str(live_pki.ca_bundle_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr


def test_timestamp_default_output_and_json(
    live_services: LiveServices, document: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["timestamp", "--url", live_services.tsa_url, "--json", str(document)]) == 0
    summary = json.loads(capsys.readouterr().out)
    out = Path(summary["out"])
    assert out == document.with_name(document.name + ".tsr")
    assert out.exists()
    assert summary["status"] == "granted"
    assert summary["chain_checked"] is False
    assert "Policy OID: " + summary["policy"] in _openssl_reply_text(out)


def test_kamusm_timestamp_with_password_from_environment(
    live_services: LiveServices,
    document: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(_timestamp.PASSWORD_ENV, DEFAULT_KAMUSM_ACCOUNT.password)
    code = main(
        ["timestamp", "--url", live_services.kamusm_url, "--kamusm-id", CUSTOMER, "--json",
         str(document)]
    )  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["policy"] == "2.16.792.1.2.1.1.5.7.3.1"
    assert live_services.stats().spent(int(CUSTOMER)) == 1


def test_kamusm_wrong_password_from_prompt(
    live_services: LiveServices,
    document: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(_timestamp.PASSWORD_ENV, raising=False)
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return "definitely-wrong"

    monkeypatch.setattr(_timestamp, "password_prompt", prompt)
    code = main(["timestamp", "--url", live_services.kamusm_url, "--kamusm-id", CUSTOMER,
                 str(document)])  # fmt: skip
    assert code == 2
    assert prompts == ["Kamu SM password: "]
    err = capsys.readouterr().err
    assert "[CADES_TSP_AUTH]" in err
    assert "Account could not be authenticated" in err
    assert "definitely-wrong" not in err
    assert not document.with_name(document.name + ".tsr").exists()
    assert live_services.stats().spent(int(CUSTOMER)) == 0


def test_password_is_never_taken_from_argv(
    live_services: LiveServices, document: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["timestamp-credit", "--url", live_services.kamusm_url, "--kamusm-id", CUSTOMER,
                 "--password", "12345678"])  # fmt: skip
    assert code == 2
    assert "unrecognized arguments: --password" in capsys.readouterr().err
    assert live_services.stats().requests == {}


def test_timestamp_credit_spends_nothing(
    live_services: LiveServices, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(_timestamp.PASSWORD_ENV, DEFAULT_KAMUSM_ACCOUNT.password)
    code = main(["timestamp-credit", "--url", live_services.kamusm_url, "--kamusm-id", CUSTOMER,
                 "--json"])  # fmt: skip
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer == {"customer_id": int(CUSTOMER), "credit": DEFAULT_KAMUSM_ACCOUNT.credit}
    stats = live_services.stats()
    assert stats.credit_queries == 1
    assert stats.tokens == {}
    assert stats.spent(int(CUSTOMER)) == 0


def test_network_failure_exit_code(
    live_services: LiveServices, document: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live_services.inject(Fault(FaultKind.HTTP_STATUS, status=500, count=10, endpoint="tsa"))
    code = main(["timestamp", "--url", live_services.tsa_url, str(document)])
    assert code == 4
    assert "[CADES_TSP_HTTP]" in capsys.readouterr().err


def test_missing_file_is_a_usage_error(
    live_services: LiveServices, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["timestamp", "--url", live_services.tsa_url, str(tmp_path / "missing.xml")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err
    assert live_services.stats().requests == {}


def test_console_entry_point(live_services: LiveServices, document: Path) -> None:
    env = dict(os.environ)
    env[_timestamp.PASSWORD_ENV] = DEFAULT_KAMUSM_ACCOUNT.password
    result = subprocess.run(
        [sys.executable, "-m", "eyazisma", "timestamp-credit", "--url", live_services.kamusm_url,
         "--kamusm-id", CUSTOMER],
        capture_output=True, text=True, check=False, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"remaining credit for customer {CUSTOMER}: {DEFAULT_KAMUSM_ACCOUNT.credit}"
    )
