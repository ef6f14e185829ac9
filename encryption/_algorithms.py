"""Identifiers of the envelope: content ciphers, key transport / agreement, key wrap, hashes.

signatures.md §7.2 (defaults and what is also accepted on read) and §7.10 (rejected and legacy
algorithms). Identifiers are enums whose members carry their OID (DESIGN.md §2.8); tables map the
OIDs met when reading to what the reader does with them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from keys import HashAlgorithm

__all__ = [
    "ContentCipher",
    "EnvelopeKind",
    "KdfScheme",
    "RecipientIdType",
    "RecipientKind",
]

# Content types (RFC 5652 §4, §6.1; RFC 5083 §1).
OID_DATA = "1.2.840.113549.1.7.1"
OID_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
OID_AUTH_ENVELOPED_DATA = "1.2.840.113549.1.9.16.1.23"

# Key transport (RFC 3560 §2, RFC 4055 §4.1).
OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
OID_RSAES_OAEP = "1.2.840.113549.1.1.7"
OID_MGF1 = "1.2.840.113549.1.1.8"
OID_P_SPECIFIED = "1.2.840.113549.1.1.9"

# Key agreement (RFC 5753 §7.1.2, §7.1.4).
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"

# Hashes by OID (RFC 5754 §2; SHA-224 only to name it in errors).
HASH_BY_OID: dict[str, HashAlgorithm] = {h.oid: h for h in HashAlgorithm}
OID_SHA224 = "2.16.840.1.101.3.4.2.4"


class EnvelopeKind(enum.Enum):
    """The CMS content type of the envelope; the value is its OID."""

    ENVELOPED_DATA = OID_ENVELOPED_DATA
    AUTH_ENVELOPED_DATA = OID_AUTH_ENVELOPED_DATA

    @property
    def oid(self) -> str:
        return self.value


class ContentCipher(enum.Enum):
    """Content-encryption algorithms (RFC 3565 §4.1, RFC 5084 §3.2); the value is the OID.

    Envelopes are written with :attr:`AES256_CBC` (default, EnvelopedData) or
    :attr:`AES256_GCM` (AuthEnvelopedData, on request, signatures.md §7.6). The AES-128/192
    members are accepted when reading (signatures.md §7.2).
    """

    AES128_CBC = "2.16.840.1.101.3.4.1.2"
    AES192_CBC = "2.16.840.1.101.3.4.1.22"
    AES256_CBC = "2.16.840.1.101.3.4.1.42"
    AES128_GCM = "2.16.840.1.101.3.4.1.6"
    AES192_GCM = "2.16.840.1.101.3.4.1.26"
    AES256_GCM = "2.16.840.1.101.3.4.1.46"

    @property
    def oid(self) -> str:
        return self.value

    @property
    def key_size(self) -> int:
        """Length of the content-encryption key in bytes."""
        return {"128": 16, "192": 24, "256": 32}[self.name[3:6]]

    @property
    def is_aead(self) -> bool:
        """True for GCM, which only appears inside AuthEnvelopedData (signatures.md §7.6)."""
        return self.name.endswith("_GCM")

    @property
    def display_name(self) -> str:
        return f"AES-{self.name[3:6]}-{self.name[7:]}"

    @classmethod
    def from_oid(cls, oid: str) -> ContentCipher | None:
        try:
            return cls(oid)
        except ValueError:
            return None


class RecipientIdType(enum.Enum):
    """How a RecipientInfo names the recipient certificate (RFC 5652 §6.2.1, §6.2.2)."""

    ISSUER_SERIAL = "issuerAndSerialNumber"
    SUBJECT_KEY_IDENTIFIER = "subjectKeyIdentifier"


class RecipientKind(enum.Enum):
    """The RecipientInfo CHOICE alternative (RFC 5652 §6.2)."""

    KEY_TRANSPORT = "ktri"
    KEY_AGREEMENT = "kari"
    KEK = "kekri"
    PASSWORD = "pwri"  # noqa: S105 - a RecipientInfo kind, not a secret
    OTHER = "ori"


# Content-encryption OIDs refused by signatures.md §7.10, with the name used in the error.
REJECTED_CONTENT_CIPHERS: dict[str, str] = {
    "1.2.840.113549.3.7": "3DES (des-ede3-cbc)",
    "1.2.840.113549.3.2": "RC2-CBC",
    "1.2.840.113549.3.4": "RC4",
    "1.3.14.3.2.7": "DES-CBC",
    "1.3.14.3.2.6": "DES-ECB",
    "1.3.14.3.2.17": "DES-EDE",
    "2.16.840.1.101.3.4.1.1": "AES-128-ECB",
    "2.16.840.1.101.3.4.1.21": "AES-192-ECB",
    "2.16.840.1.101.3.4.1.41": "AES-256-ECB",
}

# Recognised but not implemented (named in the error rather than reported as unknown).
UNSUPPORTED_CONTENT_CIPHERS: dict[str, str] = {
    "2.16.840.1.101.3.4.1.7": "AES-128-CCM",
    "2.16.840.1.101.3.4.1.27": "AES-192-CCM",
    "2.16.840.1.101.3.4.1.47": "AES-256-CCM",
    "2.16.840.1.101.3.4.1.3": "AES-128-OFB",
    "2.16.840.1.101.3.4.1.4": "AES-128-CFB",
    "2.16.840.1.101.3.4.1.43": "AES-256-OFB",
    "2.16.840.1.101.3.4.1.44": "AES-256-CFB",
    "1.2.840.113549.1.9.16.3.18": "ChaCha20-Poly1305",
}


@dataclass(frozen=True)
class KeyWrap:
    """An AES key-wrap algorithm (RFC 3394, RFC 3565 §2.3.2); parameters are absent."""

    oid: str
    key_size: int
    name: str


KEY_WRAPS: dict[str, KeyWrap] = {
    w.oid: w
    for w in (
        KeyWrap("2.16.840.1.101.3.4.1.5", 16, "AES-128 key wrap"),
        KeyWrap("2.16.840.1.101.3.4.1.25", 24, "AES-192 key wrap"),
        KeyWrap("2.16.840.1.101.3.4.1.45", 32, "AES-256 key wrap"),
    )
}
AES256_WRAP = KEY_WRAPS["2.16.840.1.101.3.4.1.45"]

UNSUPPORTED_KEY_WRAPS: dict[str, str] = {
    "2.16.840.1.101.3.4.1.8": "AES-128 key wrap with padding",
    "2.16.840.1.101.3.4.1.28": "AES-192 key wrap with padding",
    "2.16.840.1.101.3.4.1.48": "AES-256 key wrap with padding",
    "1.2.840.113549.1.9.16.3.6": "3DES key wrap",
    "1.2.840.113549.1.9.16.3.7": "RC2 key wrap",
}


@dataclass(frozen=True)
class KdfScheme:
    """An ECDH key-agreement scheme with the ANSI X9.63 KDF (RFC 5753 §7.1.4).

    ``cofactor`` schemes multiply by the curve cofactor; on the prime curves supported (all with
    cofactor 1) Z is the same as with the standard primitive (signatures.md §7.2).
    ``legacy`` schemes (SHA-1 KDF) are read only with the explicit legacy opt-in.
    """

    oid: str
    hash_algorithm: HashAlgorithm
    cofactor: bool
    name: str
    legacy: bool = False


KDF_SCHEMES: dict[str, KdfScheme] = {
    s.oid: s
    for s in (
        KdfScheme("1.3.132.1.11.1", HashAlgorithm.SHA256, False, "ECDH stdDH SHA-256 KDF"),
        KdfScheme("1.3.132.1.11.2", HashAlgorithm.SHA384, False, "ECDH stdDH SHA-384 KDF"),
        KdfScheme("1.3.132.1.11.3", HashAlgorithm.SHA512, False, "ECDH stdDH SHA-512 KDF"),
        KdfScheme("1.3.132.1.14.1", HashAlgorithm.SHA256, True, "ECDH cofactorDH SHA-256 KDF"),
        KdfScheme("1.3.132.1.14.2", HashAlgorithm.SHA384, True, "ECDH cofactorDH SHA-384 KDF"),
        KdfScheme("1.3.132.1.14.3", HashAlgorithm.SHA512, True, "ECDH cofactorDH SHA-512 KDF"),
        KdfScheme("1.3.133.16.840.63.0.2", HashAlgorithm.SHA1, False, "ECDH stdDH SHA-1 KDF", True),
        KdfScheme(
            "1.3.133.16.840.63.0.3", HashAlgorithm.SHA1, True, "ECDH cofactorDH SHA-1 KDF", True
        ),
    )
}
ECDH_SHA256_KDF = KDF_SCHEMES["1.3.132.1.11.1"]

UNSUPPORTED_KDF_SCHEMES: dict[str, str] = {
    "1.3.132.1.11.0": "ECDH stdDH SHA-224 KDF",
    "1.3.132.1.14.0": "ECDH cofactorDH SHA-224 KDF",
    "1.3.133.16.840.63.0.16": "ECMQV SHA-1 KDF",
    "1.3.132.1.15.0": "ECMQV SHA-224 KDF",
    "1.3.132.1.15.1": "ECMQV SHA-256 KDF",
    "1.3.132.1.15.2": "ECMQV SHA-384 KDF",
    "1.3.132.1.15.3": "ECMQV SHA-512 KDF",
}


def hash_name(hash_algorithm: HashAlgorithm) -> str:
    """``SHA-256`` style name for messages."""
    return f"SHA-{hash_algorithm.name[3:]}"
