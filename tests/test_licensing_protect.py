"""Password-protected licence files (licensing._protect): scrypt + AES-256-GCM container."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

import licensing
from eyazisma.testing import licences
from licensing import LicenceMalformedError, LicencePasswordError

PASSWORD = "Şifre-İğüç 2026"


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    licensing.clear_license()
    yield
    licensing.clear_license()


@pytest.fixture(scope="module")
def protected() -> bytes:
    return licensing.protect_licence(licences.test_licence_bytes(), PASSWORD)


def test_round_trip(protected: bytes) -> None:
    assert licensing.is_protected(protected)
    assert b"eyazisma test licence" not in protected  # content is hidden
    licence = licensing.set_license_xml(protected, password=PASSWORD)
    assert licence.protected
    assert licence.xml == licences.test_licence_bytes()
    assert licence.licence_id == licences.SHIPPED_TEST_LICENCE_ID


def test_wrong_password_has_its_own_error_without_the_password(protected: bytes) -> None:
    with pytest.raises(LicencePasswordError) as info:
        licensing.set_license_xml(protected, password="yanlış şifre")
    assert "wrong" in str(info.value)
    assert "yanlış" not in str(info.value)
    assert PASSWORD not in str(info.value)
    assert info.value.code == "LICENCE_PASSWORD"
    assert licensing.current_licence() is None


def test_missing_password(protected: bytes) -> None:
    with pytest.raises(LicencePasswordError, match=licensing.PASSWORD_ENV):
        licensing.load_licence(protected)


def test_password_is_unicode_normalised(protected: bytes) -> None:
    decomposed = unicodedata.normalize("NFD", PASSWORD)
    assert decomposed != PASSWORD
    assert licensing.load_licence(protected, decomposed).protected


def test_each_protection_is_salted(protected: bytes) -> None:
    again = licensing.protect_licence(licences.test_licence_bytes(), PASSWORD)
    assert again != protected


def test_header_is_authenticated(protected: bytes) -> None:
    magic = len(b"EYAZISMA-LICENCE-PROTECTED v1\n")
    salt_at = magic + 5
    changed = protected[:salt_at] + bytes([protected[salt_at] ^ 1]) + protected[salt_at + 1 :]
    with pytest.raises(LicencePasswordError):
        licensing.load_licence(changed, PASSWORD)


def test_hostile_parameters_are_refused_before_scrypt(protected: bytes) -> None:
    magic = len(b"EYAZISMA-LICENCE-PROTECTED v1\n")
    greedy = protected[: magic + 1] + bytes([30]) + protected[magic + 2 :]  # N = 2**30
    with pytest.raises(LicenceMalformedError, match="out of range"):
        licensing.load_licence(greedy, PASSWORD)
    with pytest.raises(LicenceMalformedError, match="truncated"):
        licensing.load_licence(protected[: magic + 20], PASSWORD)


def test_protecting_twice_or_protecting_garbage_is_refused(protected: bytes) -> None:
    with pytest.raises(licensing.LicenceIssueError, match="already"):
        licensing.protect_licence(protected, PASSWORD)
    with pytest.raises(LicenceMalformedError):
        licensing.protect_licence(b"<x/>", PASSWORD)
    with pytest.raises(LicencePasswordError, match="empty"):
        licensing.protect_licence(licences.test_licence_bytes(), "")


def test_write_test_licence_protected(tmp_path: Path) -> None:
    path = licences.write_test_licence(tmp_path / "sub" / "lic.bin", password=PASSWORD)
    assert licensing.is_protected(path.read_bytes())
    assert licensing.load_licence(path, PASSWORD).test
    assert not list(path.parent.glob(".licence-*"))  # no temp file left behind


def test_password_ignored_for_plain_file() -> None:
    assert not licensing.load_licence(licences.test_licence_bytes(), "unused").protected
