"""``eyazisma license issue|show|check`` through ``eyazisma.cli.main`` (DESIGN.md §2.13)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import licensing
from eyazisma.cli import _license, main
from eyazisma.testing import licences
from eyazisma.testing.pki import TestPki

KEY_PASSWORD = "otorite-şifresi"
FILE_PASSWORD = "lisans-şifresi"


@pytest.fixture(autouse=True)
def clean_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (licensing.LICENSE_ENV, licensing.PASSWORD_ENV, _license.AUTHORITY_PASSWORD_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))

    def no_prompt(prompt: str) -> str:
        raise AssertionError(f"unexpected prompt {prompt!r}")

    monkeypatch.setattr(_license, "password_prompt", no_prompt)
    licensing.clear_license()
    yield
    licensing.clear_license()
    licensing.reset_trusted_authorities()


@pytest.fixture
def test_authority_files(tmp_path: Path) -> tuple[Path, Path]:
    authority = licences.test_authority()
    key = tmp_path / "test-authority.key.pem"
    cert = tmp_path / "test-authority.cert.pem"
    key.write_bytes(authority.key_pem())
    cert.write_bytes(authority.cert_pem)
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki.create(tmp_path_factory.mktemp("cli-pki"), base_url="http://127.0.0.1:9")


def _issue_args(key: Path, out: Path, *extra: str, cert: Path | None = None) -> list[str]:
    args = ["license", "issue", "--authority-key", str(key)]
    if cert is not None:
        args += ["--authority-cert", str(cert)]
    return [
        *args,
        "--institution", "Test Bakanlığı", "--kkk", "12345678", "--vkn", "1234567890",
        "--product", "eyp-encryption", "--product", "eyp-decryption",
        "--not-before", "2026-11-01", "--not-after", "2031-11-01",
        "--maintenance-end", "2030-11-01", "--out", str(out), *extra,
    ]  # fmt: skip


def test_issue_show_round_trip(
    tmp_path: Path, test_authority_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, cert = test_authority_files
    out = tmp_path / "out" / "licence.xml"
    assert main(_issue_args(key, out, "--test", cert=cert)) == 0
    printed = capsys.readouterr().out
    assert f"licence written to {out}" in printed
    assert "2031-11-01T00:00:00+03:00" in printed
    licence = licensing.load_licence(out)
    assert licence.test and licence.licensee.kkk == "12345678"

    assert main(["license", "show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "signature:         verified" in shown
    assert "eyazisma Test Licence Authority" in shown
    assert "Test Bakanlığı (KKK 12345678, VKN 1234567890)" in shown
    assert "valid now:         yes" in shown

    assert main(["licence", "show", "--json", str(out)]) == 0  # British alias
    data = json.loads(capsys.readouterr().out)
    assert data["verified"] is True
    assert data["licence"]["licence_id"] == str(licence.licence_id)
    assert data["status"]["maintenance_covers_release"] is True


def test_issue_with_encrypted_pem_key_password_from_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = licences.new_authority("CLI Vendor Authority")
    key = tmp_path / "vendor.key.pem"
    cert = tmp_path / "vendor.cert.pem"
    key.write_bytes(authority.key_pem(KEY_PASSWORD))
    cert.write_bytes(authority.cert_pem)
    monkeypatch.setenv(_license.AUTHORITY_PASSWORD_ENV, KEY_PASSWORD)
    out = tmp_path / "vendor-licence.xml"
    assert main(_issue_args(key, out, cert=cert)) == 0
    licensing.trust_authority(authority.certificate)
    assert not licensing.load_licence(out).test


def test_issue_with_p12_and_protect_prompts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    authority = licences.test_authority()
    p12 = tmp_path / "authority.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"authority",
            authority.key,
            authority.certificate,
            None,
            serialization.BestAvailableEncryption(KEY_PASSWORD.encode()),
        )
    )
    prompts: list[str] = []
    answers = {"Authority key password: ": KEY_PASSWORD}

    def prompt(text: str) -> str:
        prompts.append(text)
        return answers.get(text, FILE_PASSWORD)

    monkeypatch.setattr(_license, "password_prompt", prompt)
    out = tmp_path / "protected.lic"
    assert main(_issue_args(p12, out, "--test", "--protect")) == 0
    assert "(password-protected)" in capsys.readouterr().out
    assert prompts == [
        "Authority key password: ",
        "New licence file password: ",
        "Repeat the password: ",
    ]
    assert licensing.is_protected(out.read_bytes())
    assert licensing.load_licence(out, FILE_PASSWORD).test
    # show asks for the file password (prompt), never takes it from argv
    prompts.clear()
    assert main(["license", "show", str(out)]) == 0
    assert prompts == ["Licence file password: "]


def test_protect_passwords_must_match(
    tmp_path: Path, test_authority_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    key, cert = test_authority_files
    replies = iter(["eins", "zwei"])
    monkeypatch.setattr(_license, "password_prompt", lambda _text: next(replies))
    out = tmp_path / "x.lic"
    assert main(_issue_args(key, out, "--test", "--protect", cert=cert)) == 2
    assert not out.exists()


def test_issue_production_with_test_authority_is_a_usage_error(
    tmp_path: Path, test_authority_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, cert = test_authority_files
    out = tmp_path / "prod.xml"
    assert main(_issue_args(key, out, cert=cert)) == 2
    assert "LICENCE_ISSUE" in capsys.readouterr().err
    assert not out.exists()


def test_issue_needs_cert_with_pem_key(
    tmp_path: Path, test_authority_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, _ = test_authority_files
    assert main(_issue_args(key, tmp_path / "x.xml", "--test")) == 2
    assert "--authority-cert" in capsys.readouterr().err


def test_bad_date_is_a_usage_error(
    tmp_path: Path, test_authority_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, cert = test_authority_files
    args = _issue_args(key, tmp_path / "x.xml", "--test", cert=cert)
    args[args.index("--not-after") + 1] = "01.11.2031"
    assert main(args) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_renewal_from_previous_file(
    tmp_path: Path, test_authority_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, cert = test_authority_files
    first = tmp_path / "first.xml"
    assert main(_issue_args(key, first, "--test", cert=cert)) == 0
    second = tmp_path / "second.xml"
    args = _issue_args(key, second, "--test", "--renews", str(first), cert=cert)
    args[args.index("--maintenance-end") + 1] = "2031-11-01"
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "maintenance:       2030-10-31T00:00:00+03:00" in printed
    old = licensing.load_licence(first)
    new = licensing.load_licence(second)
    assert new.renews is not None and new.renews.licence_id == old.licence_id


def test_renewal_by_id_needs_previous_end(
    tmp_path: Path, test_authority_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, cert = test_authority_files
    previous = str(licences.SHIPPED_TEST_LICENCE_ID)
    out = tmp_path / "r.xml"
    args = _issue_args(key, out, "--test", "--renews", previous, cert=cert)
    assert main(args) == 2
    assert "--previous-maintenance-end" in capsys.readouterr().err
    args += ["--previous-maintenance-end", "2030-01-01", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["maintenance_start"] == "2029-12-31T00:00:00+03:00"
    assert data["renews"]["licence_id"] == previous


def test_show_tampered_exits_1_and_marks_fields_untrusted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(
        licences.test_licence_bytes().replace(b"2046-11-01T00:00:00", b"2099-11-01T00:00:00")
    )
    assert main(["license", "show", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED [LICENCE_TAMPERED]" in out
    assert "fields as written (untrusted)" in out
    assert "2099-11-01" in out


def test_show_untrusted_and_malformed_and_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = tmp_path / "stranger.xml"
    stranger.write_bytes(licences.issue_test_licence(authority=licences.new_authority("Yabancı")))
    assert main(["license", "show", "--json", str(stranger)]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "LICENCE_UNTRUSTED"
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"<html/>")
    assert main(["license", "show", str(junk)]) == 1
    assert "LICENCE_MALFORMED" in capsys.readouterr().err
    assert main(["license", "show", str(tmp_path / "none.xml")]) == 2


def test_check_file_with_certificates(
    tmp_path: Path, pki: TestPki, capsys: pytest.CaptureFixture[str]
) -> None:
    path = licences.write_test_licence(tmp_path / "lic.xml")
    test_cert = str(pki.enc_rsa.cert_path)
    assert main(["license", "check", str(path), "--cert", test_cert]) == 0
    assert "OK for: eyp-decryption, eyp-encryption" in capsys.readouterr().out
    production = tmp_path / "prod.pem"
    production.write_bytes(
        licences.issued_certificate("Örnek Kurum").public_bytes(serialization.Encoding.PEM)
    )
    code = main(["license", "check", str(path), "--cert", test_cert, "--cert", str(production)])
    assert code == 1
    assert "[LICENCE_TEST_ONLY]" in capsys.readouterr().err
    assert main(["license", "check", str(path)]) == 0
    assert "test certificates" in capsys.readouterr().out


def test_check_installed_licence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["license", "check", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["error"]["code"] == "LICENCE_MISSING"
    path = licences.write_test_licence(tmp_path / "lic.bin", password=FILE_PASSWORD)
    monkeypatch.setenv(licensing.LICENSE_ENV, str(path))
    monkeypatch.setenv(licensing.PASSWORD_ENV, FILE_PASSWORD)
    assert main(["license", "check", "--product", "eyp-decryption", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["checked_products"] == ["eyp-decryption"]
    assert data["licence"]["protected"] is True


def test_license_without_action_is_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["license"]) == 2
    assert "issue" in capsys.readouterr().err
