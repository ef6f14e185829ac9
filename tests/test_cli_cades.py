"""``eyazisma cades sign | upgrade | verify`` end to end (DESIGN.md §2.13; signatures.md §3, §4).

Real parts only: the live test PKI with its TSA / OCSP / CRL services, PKCS#12 files and the
SoftHSM2 ``pki_token``. PINs and passwords come from the environment or a replaced prompt.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from cades import parse_signed_data
from eyazisma.cli import _cades, _keyspec, main
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.services import DEFAULT_KAMUSM_ACCOUNT, Fault, FaultKind, LiveServices
from eyazisma.testing.softhsm import SoftHsmToken

CONTENT = b"%PDF-1.7 belge icerigi\n" * 200


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "belge.pdf"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture
def p12_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PKCS#12 password from the environment; any prompt fails the test."""
    monkeypatch.setenv(_keyspec.PASSWORD_ENV, PKCS12_PASSWORD)
    monkeypatch.setattr(_keyspec, "password_prompt", _no_prompt)
    monkeypatch.setattr(_keyspec, "pin_prompt", _no_prompt)


def _no_prompt(text: str) -> str:
    raise AssertionError(f"unexpected prompt: {text}")


def _token_uri(token: SoftHsmToken, key_id: str = "%01") -> str:
    return f"pkcs11:module={token.module_path};token={token.label};id={key_id}"


def _verify_json(
    signature: Path, pki: TestPki, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["cades", "verify", str(signature), "--trust", str(pki.root.cert_path), "--json",
                 *extra])  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def _signer(report: dict[str, object]) -> dict[str, object]:
    signers = report["signers"]
    assert isinstance(signers, list)
    assert len(signers) == 1
    first = signers[0]
    assert isinstance(first, dict)
    return first


def _overall(report: dict[str, object]) -> str:
    overall = report["overall"]
    assert isinstance(overall, dict)
    return str(overall["indication"])


# --- sign → verify ---------------------------------------------------------------------------


def test_bes_with_pkcs12_then_verify(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "belge.p7s"
    code = main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(out), "--level", "BES"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert f"signature written to {out}" in printed
    assert "level: BES" in printed and "profile: P1" in printed
    view = parse_signed_data(out.read_bytes())
    assert view.econtent() == CONTENT  # attached by default
    code, report = _verify_json(out, live_pki, capsys, "--online")
    assert code == 0, report
    assert _overall(report) == "TOTAL_PASSED"
    signer = _signer(report)
    assert signer["level_achieved"] == "BES"
    assert "YILMAZ" in str(signer["subject"])


def test_xl_with_token_uri_and_pin_from_environment(
    live_pki: TestPki,
    live_services: LiveServices,
    pki_token: SoftHsmToken,
    document: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(_keyspec.PIN_ENV, pki_token.user_pin)
    monkeypatch.setattr(_keyspec, "pin_prompt", _no_prompt)
    out = tmp_path / "belge-xl.p7s"
    # no --level: profile P4's minimum level, X-L (signatures.md §1.1)
    code = main(["cades", "sign", str(document), "--key", _token_uri(pki_token), "--out",
                 str(out), "--tsa", live_services.tsa_url, "--trust",
                 str(live_pki.root.cert_path), "--json"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    assert summary["level"] == "X-L"
    assert summary["profile"] == "P4"
    assert summary["detached"] is False
    assert summary["out"] == str(out)
    stats = live_services.stats()
    assert stats.request_count("tsa") == 1
    assert stats.request_count("ocsp") >= 1
    # offline verification: everything needed is inside the signature now
    code, report = _verify_json(out, live_pki, capsys, "--offline")
    assert code == 0, report
    assert _overall(report) == "TOTAL_PASSED"
    assert report["mode"] == "offline"
    signer = _signer(report)
    assert signer["level_achieved"] == "X-L"
    assert signer["profile"] == "P4"
    assert signer["timestamps"]
    assert signer["revocation"]
    assert {c["id"] for c in signer["checks"]} >= {"BES-001"}  # type: ignore[union-attr]


def test_archive_level_detached_needs_the_content(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "belge-a.p7s"
    code = main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(out), "--level", "A", "--detached", "--tsa",
                 live_services.tsa_url, "--trust", str(live_pki.root.cert_path)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert parse_signed_data(out.read_bytes()).econtent() is None
    assert live_services.stats().tokens["tsa"] == 2  # signature + archive time-stamp
    code, report = _verify_json(out, live_pki, capsys, "--content", str(document))
    assert code == 0, report
    assert _signer(report)["level_achieved"] == "A"
    # without the detached content the signature cannot be checked
    code, report = _verify_json(out, live_pki, capsys)
    assert code == 1
    assert _overall(report) != "TOTAL_PASSED"
    # text output, Turkish
    capsys.readouterr()
    assert main(["cades", "verify", str(out), "--content", str(document), "--trust",
                 str(live_pki.root.cert_path), "--lang", "tr"]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip()


def test_kamusm_time_stamp_and_caution_period(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(_cades.KAMUSM_PASSWORD_ENV, DEFAULT_KAMUSM_ACCOUNT.password)
    monkeypatch.setattr(_cades, "kamusm_password_prompt", _no_prompt)
    customer = str(DEFAULT_KAMUSM_ACCOUNT.customer_id)
    for profile in ("P1", "P2"):
        out = tmp_path / f"belge-{profile}.p7s"
        code = main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                     "--out", str(out), "--profile", profile, "--level", "T", "--tsa",
                     live_services.kamusm_url, "--kamusm-customer", customer, "--trust",
                     str(live_pki.root.cert_path)])  # fmt: skip
        assert code == 0, capsys.readouterr().err
    assert live_services.stats().spent(DEFAULT_KAMUSM_ACCOUNT.customer_id) == 2
    code, report = _verify_json(tmp_path / "belge-P1.p7s", live_pki, capsys, "--online")
    assert code == 0, report
    signer = _signer(report)
    assert signer["level_achieved"] == "T"
    timestamps = signer["timestamps"]
    assert isinstance(timestamps, list)
    assert timestamps[0]["policy"] == "2.16.792.1.2.1.1.5.7.3.1"  # Kamu SM's TSA policy
    # P2 has a one-day caution period (signatures.md §1.1): not final yet → INDETERMINATE, 1
    code, report = _verify_json(tmp_path / "belge-P2.p7s", live_pki, capsys, "--online")
    assert code == 1
    assert report["overall"] == {
        "indication": "INDETERMINATE",
        "sub_indication": "TRY_LATER",
        "retry_after": report["overall"]["retry_after"],  # type: ignore[index]
    }


# --- upgrade ---------------------------------------------------------------------------------


def test_upgrade_epes_to_xl(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    epes = tmp_path / "belge-epes.p7s"
    assert main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(epes), "--level", "EPES"]) == 0  # fmt: skip
    capsys.readouterr()
    before = epes.read_bytes()
    xl = tmp_path / "belge-xl.p7s"
    code = main(["cades", "upgrade", str(epes), "--to", "XL", "--out", str(xl), "--tsa",
                 live_services.tsa_url, "--trust", str(live_pki.root.cert_path),
                 "--json"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    assert summary["level"] == "X-L"
    assert epes.read_bytes() == before  # the input is never modified
    upgraded = xl.read_bytes()
    # bytes are the truth: the original SignerInfo's signed part is carried over unchanged
    signature_value = parse_signed_data(before).signers[0].signature_value
    assert parse_signed_data(upgraded).signers[0].signature_value == signature_value
    code, report = _verify_json(xl, live_pki, capsys)
    assert code == 0, report
    assert _signer(report)["level_achieved"] == "X-L"


def test_failed_upgrade_leaves_no_output(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    epes = tmp_path / "belge-epes.p7s"
    assert main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(epes), "--level", "EPES"]) == 0  # fmt: skip
    before = epes.read_bytes()
    live_services.inject(Fault(FaultKind.REJECT, endpoint="tsa"))
    out = tmp_path / "belge-t.p7s"
    capsys.readouterr()
    trust = ["--trust", str(live_pki.root.cert_path)]
    code = main(["cades", "upgrade", str(epes), "--to", "T", "--out", str(out), "--tsa",
                 live_services.tsa_url, *trust])  # fmt: skip
    assert code == 4
    assert "CADES_TSP_REJECTED" in capsys.readouterr().err
    assert not out.exists()
    assert epes.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    # in-place upgrade: on failure the input stays as it was
    live_services.inject(Fault(FaultKind.REJECT, endpoint="tsa"))
    assert main(["cades", "upgrade", str(epes), "--to", "T", "--out", str(epes), "--tsa",
                 live_services.tsa_url, *trust]) == 4  # fmt: skip
    assert epes.read_bytes() == before


# --- bad input -------------------------------------------------------------------------------


def test_tampered_content_is_exit_1_and_garbage_is_exit_2(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = tmp_path / "belge.p7s"
    assert main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(good), "--level", "BES"]) == 0  # fmt: skip
    data = good.read_bytes()
    at = data.index(CONTENT) + 100
    tampered = tmp_path / "tampered.p7s"
    tampered.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
    code, report = _verify_json(tampered, live_pki, capsys, "--online")
    assert code == 1
    assert _overall(report) == "TOTAL_FAILED"

    garbage = tmp_path / "garbage.p7s"
    garbage.write_bytes(b"this is not a signature\n" * 10)
    capsys.readouterr()
    assert main(["cades", "verify", str(garbage), "--trust", str(live_pki.root.cert_path)]) == 2
    err = capsys.readouterr().err
    assert "is not a CMS/CAdES signature" in err
    assert "[CLI_USAGE]" in err
    truncated = tmp_path / "truncated.p7s"
    truncated.write_bytes(data[: len(data) // 2])
    assert main(["cades", "verify", str(truncated)]) == 2
    assert main(["cades", "verify", str(tmp_path / "missing.p7s")]) == 2


def test_pem_armoured_signature_is_accepted(
    live_pki: TestPki,
    live_services: LiveServices,
    document: Path,
    tmp_path: Path,
    p12_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    der = tmp_path / "belge.p7s"
    assert main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(der), "--level", "BES"]) == 0  # fmt: skip
    body = base64.encodebytes(der.read_bytes()).decode()
    pem = tmp_path / "belge.pem"
    pem.write_text(f"-----BEGIN CMS-----\n{body}-----END CMS-----\n")
    code, report = _verify_json(pem, live_pki, capsys, "--online")
    assert code == 0, report


def test_usage_errors_ask_for_no_secret(
    live_pki: TestPki, document: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv(_keyspec.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(_keyspec, "password_prompt", _no_prompt)
    out = tmp_path / "o.p7s"
    key = str(live_pki.person.p12_path)
    cases = [
        (["--level", "XL"], "needs a time-stamp"),
        (["--level", "BES", "--profile", "P4"], "--profile P1"),
        (["--level", "EPES", "--profile", "P1"], "P1 has no policy"),
        (["--level", "XL", "--tsa", "http://127.0.0.1:9"], "give --trust"),
        (["--level", "T", "--tsa", "http://127.0.0.1:9"], "give --trust"),
        (["--level", "T", "--tsa", "http://127.0.0.1:9", "--trust", str(document)],
         "not a certificate file"),
    ]  # fmt: skip
    for extra, message in cases:
        capsys.readouterr()
        code = main(["cades", "sign", str(document), "--key", key, "--out", str(out), *extra])
        assert code == 2, extra
        assert message in capsys.readouterr().err, extra
    assert main(["cades", "sign", str(document), "--key", key, "--out", str(out), "--level",
                 "C"]) == 2  # fmt: skip
    assert "invalid level 'C'" in capsys.readouterr().err
    assert main(["cades", "verify", str(out), "--at", "yesterday"]) == 2
    assert main(["cades"]) == 2
    assert not out.exists()


def test_wrong_pin_is_exit_3_and_never_printed(
    live_pki: TestPki,
    pki_token: SoftHsmToken,
    document: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "97531"
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return wrong

    monkeypatch.delenv(_keyspec.PIN_ENV, raising=False)
    monkeypatch.setattr(_keyspec, "pin_prompt", prompt)
    out = tmp_path / "o.p7s"
    code = main(["cades", "sign", str(document), "--key", _token_uri(pki_token), "--out",
                 str(out), "--level", "EPES"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 3
    assert prompts == [f"PIN for token {pki_token.label!r}: "]  # asked once, tried once
    assert "[KEYS_WRONG_PIN]" in captured.err
    assert wrong not in captured.err + captured.out
    assert not out.exists()
    # the right PIN from the environment works (and resets the token's wrong-PIN counter)
    monkeypatch.setenv(_keyspec.PIN_ENV, pki_token.user_pin)
    prompts.clear()
    assert main(["cades", "sign", str(document), "--key", _token_uri(pki_token), "--out",
                 str(out), "--level", "EPES"]) == 0  # fmt: skip
    assert prompts == []
    assert pki_token.user_pin not in capsys.readouterr().err


def test_key_password_prompt_and_refused_pin_value(
    live_pki: TestPki,
    document: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return PKCS12_PASSWORD

    monkeypatch.delenv(_keyspec.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(_keyspec, "password_prompt", prompt)
    out = tmp_path / "o.p7s"
    assert main(["cades", "sign", str(document), "--key", str(live_pki.person.p12_path),
                 "--out", str(out), "--level", "BES"]) == 0  # fmt: skip
    assert prompts == [f"Password for {live_pki.person.p12_path.name}: "]
    capsys.readouterr()
    code = main(["cades", "sign", str(document), "--key",
                 "pkcs11:token=x;id=%01?pin-value=246813", "--out", str(tmp_path / "p.p7s"),
                 "--level", "EPES"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "[KEYS_PKCS11_URI]" in err
    assert "246813" not in err
