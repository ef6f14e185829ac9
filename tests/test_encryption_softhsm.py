"""Decryption with keys on a PKCS#11 token (SoftHSM2), signatures.md §6.7 and §7.9.

The ``pki_token`` fixture holds the live test PKI's encryption keys: CKA_ID 03 ``enc`` (RSA-2048)
and 05 ``enc-ec`` (P-256). SoftHSM2 2.6.1 refuses SHA-256 OAEP parameters, so RSA-OAEP-SHA-256
goes through the key's raw ``CKM_RSA_X_509`` fallback with host-side OAEP decoding (§6.9);
ECDH is ``CKM_ECDH1_DERIVE`` on the token with the X9.63 KDF and AES unwrap on the host.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from encryption import ContentCipher, RecipientKind
from encryption._reader import decrypt_stream
from encryption._writer import encrypt_stream
from encryption.errors import DecryptionFailedError, NoMatchingRecipientError
from eyazisma.testing.pki import TestPki
from eyazisma.testing.softhsm import SoftHsmToken
from keys import HashAlgorithm
from keys.pkcs11 import open_token

pytestmark = pytest.mark.softhsm


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
def test_token_keys_decrypt_rsa_oaep_and_ecdh(
    pki_token: SoftHsmToken, live_pki: TestPki, tmp_path: Path, cipher: ContentCipher
) -> None:
    data = os.urandom(300_000)
    envelope = tmp_path / "package.eyps.p7m"
    encrypt_stream(
        data, envelope, [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate], cipher=cipher
    )
    token = open_token(pki_token.module_path, label=pki_token.label)
    with token.open_key(b"\x03", lambda info: pki_token.user_pin) as rsa_key:
        out = tmp_path / "rsa.eyp"
        result = decrypt_stream(envelope, out, rsa_key)
        assert out.read_bytes() == data
        assert result.recipient.kind is RecipientKind.KEY_TRANSPORT
        # SoftHSM2 refused OAEP-SHA-256 parameters: the raw CKM_RSA_X_509 route was taken.
        assert rsa_key._oaep_on_token[HashAlgorithm.SHA256] is False
    with token.open_key(b"\x05", lambda info: pki_token.user_pin) as ec_key:
        sink = io.BytesIO()
        result = decrypt_stream(envelope, sink, ec_key)
        assert sink.getvalue() == data
        assert result.recipient.kind is RecipientKind.KEY_AGREEMENT


def test_token_key_list_and_openssl_envelope(
    pki_token: SoftHsmToken, live_pki: TestPki, tmp_path: Path
) -> None:
    plain = tmp_path / "inner.eyp"
    plain.write_bytes(os.urandom(70_000))
    envelope = tmp_path / "openssl.p7m"
    subprocess.run(
        [
            "openssl", "cms", "-encrypt", "-binary", "-aes-256-gcm", "-stream",
            "-in", str(plain), "-outform", "DER", "-out", str(envelope),
            "-recip", str(live_pki.enc_ec.cert_path), "-keyopt", "ecdh_kdf_md:sha256",
        ],
        check=True,
    )  # fmt: skip
    token = open_token(pki_token.module_path, label=pki_token.label)
    pin = lambda info: pki_token.user_pin  # noqa: E731
    with (
        token.open_key(b"\x01", pin) as person,
        token.open_key(b"\x03", pin) as rsa_key,
        token.open_key(b"\x05", pin) as ec_key,
    ):
        # Every key of the institution may be offered; the envelope names the EC one.
        out = io.BytesIO()
        result = decrypt_stream(envelope, out, [person, rsa_key, ec_key])
        assert out.getvalue() == plain.read_bytes()
        assert result.recipient.matches(ec_key.certificate)
        with pytest.raises(NoMatchingRecipientError):
            decrypt_stream(envelope, io.BytesIO(), [person, rsa_key])
        # Damaged GCM ciphertext after a token unwrap: the same generic failure.
        damaged = bytearray(envelope.read_bytes())
        damaged[-40] ^= 0x01  # inside the GCM ciphertext / tag area
        with pytest.raises(DecryptionFailedError):
            decrypt_stream(bytes(damaged), io.BytesIO(), ec_key)
