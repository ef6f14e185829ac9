"""Issuing with an authority key that never leaves its token (keys.Signer → signxml adapter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

import licensing
from eyazisma.testing.pki import TestPki
from eyazisma.testing.softhsm import SoftHsmToken
from keys.pkcs11 import open_token
from licensing import Licensee, Product

pytestmark = pytest.mark.softhsm


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    yield
    licensing.reset_trusted_authorities()


def test_issue_with_pkcs11_authority_key(pki_token: SoftHsmToken, live_pki: TestPki) -> None:
    token = open_token(pki_token.module_path, label=pki_token.label)
    with token.open_key(b"\x02", lambda info: pki_token.user_pin) as key:
        xml = licensing.issue_licence(
            key,
            licensee=Licensee("Örnek Bakanlığı", kkk="23456789"),
            products=[Product.EYP_ENCRYPTION],
            not_before=dt.date(2026, 1, 1),
            not_after=dt.date(2030, 1, 1),
            maintenance_end=dt.date(2030, 1, 1),
        )
    assert key.certificate == live_pki.seal.certificate
    with pytest.raises(licensing.LicenceUntrustedError):
        licensing.load_licence(xml)
    licensing.trust_authority(live_pki.seal.certificate)
    licence = licensing.load_licence(xml)
    assert licence.authority == live_pki.seal.certificate
    assert licence.products == {Product.EYP_ENCRYPTION}
