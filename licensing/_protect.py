"""Optional password protection of a licence file (our container, no §8.2 counterpart).

Layout of ``EYAZISMA-LICENCE-PROTECTED v1`` (all integers one unsigned byte)::

    magic   b"EYAZISMA-LICENCE-PROTECTED v1\\n"
    kdf     1 = scrypt          log2(N)   15          r  8          p  1
    salt_len 16                 salt      16 random bytes
    aead    1 = AES-256-GCM     nonce_len 12          nonce 12 random bytes
    ciphertext || 16-byte tag   (AES-256-GCM over the signed licence XML)

The key is scrypt(password, salt, N=2**15, r=8, p=1) → 32 bytes (RFC 7914); the password is
NFC-normalised UTF-8 so the same Turkish password typed on different systems gives the same key.
The whole header is the GCM additional data, so changing a parameter breaks the tag. Readers
refuse parameters outside conservative bounds before running scrypt, so a hostile file cannot
ask for gigabytes of memory. Protection hides the licence's content; it adds nothing to its
authenticity, which comes from the XML signature inside.
"""

from __future__ import annotations

import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from licensing.errors import LicenceMalformedError, LicencePasswordError

__all__ = ["MAGIC", "is_protected", "protect", "unprotect"]

MAGIC = b"EYAZISMA-LICENCE-PROTECTED v1\n"
_KDF_SCRYPT = 1
_AEAD_AES256_GCM = 1
_LOG2_N = 15
_R = 8
_P = 1
_SALT_LEN = 16
_NONCE_LEN = 12
_TAG_LEN = 16
_MAX_SCRYPT_MEMORY = 128 * 1024 * 1024  # bytes; 128 * r * N


def is_protected(data: bytes) -> bool:
    return data.startswith(MAGIC)


def _key(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    return Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p).derive(secret)


def protect(xml: bytes, password: str) -> bytes:
    """Wrap signed licence XML in the password-protected container."""
    if not password:
        raise LicencePasswordError("An empty password cannot protect a licence file.")
    salt = os.urandom(_SALT_LEN)
    nonce = os.urandom(_NONCE_LEN)
    header = (
        MAGIC
        + bytes([_KDF_SCRYPT, _LOG2_N, _R, _P, _SALT_LEN])
        + salt
        + bytes([_AEAD_AES256_GCM, _NONCE_LEN])
        + nonce
    )
    sealed = AESGCM(_key(password, salt, _LOG2_N, _R, _P)).encrypt(nonce, xml, header)
    return header + sealed


def _damaged(detail: str) -> LicenceMalformedError:
    return LicenceMalformedError(
        f"The protected licence file is damaged ({detail}); use the file as issued."
    )


def unprotect(data: bytes, password: str | None) -> bytes:
    """The signed XML inside a protected container; wrong or missing password → our error."""
    pos = len(MAGIC)
    fixed = data[pos : pos + 5]
    if len(fixed) < 5:
        raise _damaged("truncated header")
    kdf, log2_n, r, p, salt_len = fixed
    pos += 5
    if kdf != _KDF_SCRYPT:
        raise _damaged(f"unknown key derivation {kdf}")
    if not (14 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 4 and 16 <= salt_len <= 64):
        raise _damaged("scrypt parameters out of range")
    if 128 * r * (1 << log2_n) > _MAX_SCRYPT_MEMORY:
        raise _damaged("scrypt parameters need too much memory")
    salt = data[pos : pos + salt_len]
    pos += salt_len
    aead_nonce = data[pos : pos + 2]
    if len(salt) != salt_len or len(aead_nonce) != 2:
        raise _damaged("truncated header")
    aead, nonce_len = aead_nonce
    pos += 2
    if aead != _AEAD_AES256_GCM or nonce_len != _NONCE_LEN:
        raise _damaged("unknown cipher")
    nonce = data[pos : pos + nonce_len]
    pos += nonce_len
    header, sealed = data[:pos], data[pos:]
    if len(nonce) != nonce_len or len(sealed) < _TAG_LEN:
        raise _damaged("truncated content")
    if password is None or password == "":
        raise LicencePasswordError(
            "The licence file is password-protected and no password was given. Pass "
            "password= to set_license_xml, or set EYAZISMA_LICENSE_PASSWORD."
        )
    try:
        return AESGCM(_key(password, salt, log2_n, r, p)).decrypt(nonce, sealed, header)
    except InvalidTag:
        # Wrong password and a damaged file look the same to AES-GCM; the password is by far
        # the likelier cause, and the message says so without repeating it.
        raise LicencePasswordError(
            "The password of the protected licence file is wrong (or the file is damaged). "
            "Check the password you were given with the licence."
        ) from None
