"""The Kamu SM ``identity`` header and credit imprint against signatures.md Appendix A."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from cades import TimestampConfigError
from cades.tsp import (
    KAMUSM_IDENTITY_OID,
    KAMUSM_POLICY_OID,
    KamuSmAuth,
    credit_imprint,
    kamusm_identity,
)

SALT = bytes(range(16))
IV = bytes(range(16, 32))
IMPRINT = hashlib.sha256(b"abc").digest()
A5_KEY = "c0f30f44eed2f7d7d147d59618c5e91e54afabb4eaaa5870323ea1338dc53228"
A5_CIPHERTEXT = (
    "bbee53e0484169b59d80b49013dfc1c75fc5d81df650ee09c776c71c2f279ecb"
    "b87353ef2975c96b3e43f558b09fb142"
)
A5_HEADER = (
    "305d020203e70410000102030405060708090a0b0c0d0e0f0201640410101112131415161718191a1b1c1d1e1f"
    "0430bbee53e0484169b59d80b49013dfc1c75fc5d81df650ee09c776c71c2f279ecbb87353ef2975c96b3e43f5"
    "58b09fb142"
)


def test_appendix_a5_intermediate_values() -> None:
    key = PBKDF2HMAC(hashes.SHA256(), 32, SALT, 100).derive(b"12345678")
    assert key.hex() == A5_KEY
    decryptor = Cipher(algorithms.AES(key), modes.CBC(IV)).decryptor()
    plain = decryptor.update(bytes.fromhex(A5_CIPHERTEXT)) + decryptor.finalize()
    assert plain == IMPRINT + bytes([16]) * 16  # PKCS#7: a full block of padding


def test_appendix_a5_header() -> None:
    der = kamusm_identity(999, "12345678", IMPRINT, salt=SALT, iv=IV, iterations=100)
    assert der.hex() == A5_HEADER


def test_auth_header_is_lowercase_hex_with_fresh_salt_and_iv() -> None:
    auth = KamuSmAuth(999, "12345678")
    first = auth.headers_for(IMPRINT)["identity"]
    second = auth.headers_for(IMPRINT)["identity"]
    assert first != second
    assert first == first.lower()
    assert first.startswith("30")
    parsed = core.Sequence.load(bytes.fromhex(first))
    userid, salt, iterations, iv, ciphertext = (parsed[i] for i in range(5))
    assert userid.native == 999
    assert len(core.OctetString.load(salt.dump()).native) == 16
    assert core.Integer.load(iterations.dump()).native == 100
    assert len(core.OctetString.load(iv.dump()).native) == 16
    assert len(core.OctetString.load(ciphertext.dump()).native) == 48  # 32-byte imprint


def test_appendix_a6_credit_imprint() -> None:
    assert credit_imprint(999, "1700000000000").hex() == "10d7d5992c7a77b8a9ca13a9ecf7bacb652a7461"


def test_credit_identity_has_32_byte_ciphertext() -> None:
    der = kamusm_identity(999, "12345678", credit_imprint(999, "1700000000000"))
    parsed = core.Sequence.load(der)
    assert len(core.OctetString.load(parsed[4].dump()).native) == 32


def test_appendix_a7_oids() -> None:
    assert core.ObjectIdentifier(KAMUSM_IDENTITY_OID).dump().hex() == "060a2b06010401d82f0a0201"
    assert KAMUSM_POLICY_OID == "2.16.792.1.2.1.1.5.7.3.1"


def test_empty_password_is_a_configuration_error() -> None:
    with pytest.raises(TimestampConfigError, match="password is empty"):
        KamuSmAuth(999, "")
    with pytest.raises(TimestampConfigError):
        kamusm_identity(999, "", IMPRINT)


def test_password_is_not_in_repr() -> None:
    auth = KamuSmAuth(999, "very-secret-password")
    assert "very-secret-password" not in repr(auth)
    assert auth.charges_per_request is True


def test_customer_number_must_be_positive() -> None:
    with pytest.raises(TimestampConfigError, match="customer number"):
        KamuSmAuth(0, "12345678")
