"""Named signature mechanisms, decryption paddings, hash algorithms and key types.

signatures.md §1.7 (algorithms) and §6.6/§6.7 (token mechanisms). Every member carries the OID a
CMS writer needs, so no other package has to map names to OIDs again.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

from keys.errors import UnsupportedMechanismError

__all__ = [
    "DecryptPadding",
    "HashAlgorithm",
    "KeyAlgorithm",
    "KeyType",
    "SignatureMechanism",
]


class HashAlgorithm(enum.Enum):
    """Digest algorithms; the value is the OID (RFC 5754 §2, RFC 3370 §2.1)."""

    SHA1 = "1.3.14.3.2.26"
    SHA256 = "2.16.840.1.101.3.4.2.1"
    SHA384 = "2.16.840.1.101.3.4.2.2"
    SHA512 = "2.16.840.1.101.3.4.2.3"

    @property
    def oid(self) -> str:
        return self.value

    @property
    def digest_size(self) -> int:
        return _DIGEST_SIZES[self]

    def cryptography_hash(self) -> hashes.HashAlgorithm:
        """A fresh ``cryptography`` hash object for this algorithm."""
        return _CRYPTO_HASHES[self]()

    def digest(self, data: bytes) -> bytes:
        return hashlib.new(_HASHLIB_NAMES[self], data).digest()


_HASHLIB_NAMES = {
    HashAlgorithm.SHA1: "sha1",
    HashAlgorithm.SHA256: "sha256",
    HashAlgorithm.SHA384: "sha384",
    HashAlgorithm.SHA512: "sha512",
}
_DIGEST_SIZES = {
    HashAlgorithm.SHA1: 20,
    HashAlgorithm.SHA256: 32,
    HashAlgorithm.SHA384: 48,
    HashAlgorithm.SHA512: 64,
}
_CRYPTO_HASHES: dict[HashAlgorithm, type[hashes.HashAlgorithm]] = {
    HashAlgorithm.SHA1: hashes.SHA1,
    HashAlgorithm.SHA256: hashes.SHA256,
    HashAlgorithm.SHA384: hashes.SHA384,
    HashAlgorithm.SHA512: hashes.SHA512,
}


class KeyAlgorithm(enum.Enum):
    """Public-key algorithm; the value is the SubjectPublicKeyInfo algorithm OID."""

    RSA = "1.2.840.113549.1.1.1"
    EC = "1.2.840.10045.2.1"


@dataclass(frozen=True)
class KeyType:
    """Algorithm plus size (RSA modulus bits) or curve (EC, cryptography curve name)."""

    algorithm: KeyAlgorithm
    size_bits: int
    curve: str | None = None

    def __str__(self) -> str:
        if self.algorithm is KeyAlgorithm.EC:
            return f"EC {self.curve}"
        return f"RSA-{self.size_bits}"


class SignatureMechanism(enum.Enum):
    """Signature mechanisms. Values are stable names; :attr:`oid` is the CMS signatureAlgorithm.

    RSA-PSS uses MGF1 with the same hash and salt length = hash length (RFC 4055 §3.1); its OID
    is ``id-RSASSA-PSS`` with those parameters. ECDSA output is DER ``ECDSA-Sig-Value``
    (RFC 3279 §2.2.3). The ``*_SHA1`` members are legacy and refused unless ``legacy=True``.
    """

    RSA_PKCS1_SHA256 = "rsa-pkcs1-sha256"
    RSA_PKCS1_SHA384 = "rsa-pkcs1-sha384"
    RSA_PKCS1_SHA512 = "rsa-pkcs1-sha512"
    RSA_PSS_SHA256 = "rsa-pss-sha256"
    RSA_PSS_SHA384 = "rsa-pss-sha384"
    RSA_PSS_SHA512 = "rsa-pss-sha512"
    ECDSA_SHA256 = "ecdsa-sha256"
    ECDSA_SHA384 = "ecdsa-sha384"
    ECDSA_SHA512 = "ecdsa-sha512"
    RSA_PKCS1_SHA1 = "rsa-pkcs1-sha1"
    ECDSA_SHA1 = "ecdsa-sha1"

    @property
    def hash_algorithm(self) -> HashAlgorithm:
        return _MECH_INFO[self][0]

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        return _MECH_INFO[self][1]

    @property
    def oid(self) -> str:
        return _MECH_INFO[self][2]

    @property
    def is_pss(self) -> bool:
        return self.value.startswith("rsa-pss")

    @property
    def is_legacy(self) -> bool:
        return self.hash_algorithm is HashAlgorithm.SHA1

    @classmethod
    def from_name(cls, name: str) -> SignatureMechanism:
        try:
            return cls(name)
        except ValueError as exc:
            raise UnsupportedMechanismError(
                f"Unknown signature mechanism {name!r}; use one of "
                + ", ".join(m.value for m in cls)
            ) from exc


_H = HashAlgorithm
_K = KeyAlgorithm
_MECH_INFO: dict[SignatureMechanism, tuple[HashAlgorithm, KeyAlgorithm, str]] = {
    SignatureMechanism.RSA_PKCS1_SHA256: (_H.SHA256, _K.RSA, "1.2.840.113549.1.1.11"),
    SignatureMechanism.RSA_PKCS1_SHA384: (_H.SHA384, _K.RSA, "1.2.840.113549.1.1.12"),
    SignatureMechanism.RSA_PKCS1_SHA512: (_H.SHA512, _K.RSA, "1.2.840.113549.1.1.13"),
    SignatureMechanism.RSA_PSS_SHA256: (_H.SHA256, _K.RSA, "1.2.840.113549.1.1.10"),
    SignatureMechanism.RSA_PSS_SHA384: (_H.SHA384, _K.RSA, "1.2.840.113549.1.1.10"),
    SignatureMechanism.RSA_PSS_SHA512: (_H.SHA512, _K.RSA, "1.2.840.113549.1.1.10"),
    SignatureMechanism.ECDSA_SHA256: (_H.SHA256, _K.EC, "1.2.840.10045.4.3.2"),
    SignatureMechanism.ECDSA_SHA384: (_H.SHA384, _K.EC, "1.2.840.10045.4.3.3"),
    SignatureMechanism.ECDSA_SHA512: (_H.SHA512, _K.EC, "1.2.840.10045.4.3.4"),
    SignatureMechanism.RSA_PKCS1_SHA1: (_H.SHA1, _K.RSA, "1.2.840.113549.1.1.5"),
    SignatureMechanism.ECDSA_SHA1: (_H.SHA1, _K.EC, "1.2.840.10045.4.1"),
}


class DecryptPadding(enum.Enum):
    """RSA key-transport paddings; the value is the CMS keyEncryptionAlgorithm OID.

    OAEP uses MGF1 with the same hash and an empty label (RFC 4055 §4.1, RFC 8017 §7.1).
    ``PKCS1V15`` is legacy (signatures.md §7.10) and needs ``legacy=True``.
    """

    OAEP_SHA256 = "rsaes-oaep-sha256"
    OAEP_SHA384 = "rsaes-oaep-sha384"
    OAEP_SHA512 = "rsaes-oaep-sha512"
    OAEP_SHA1 = "rsaes-oaep-sha1"
    PKCS1V15 = "rsaes-pkcs1-v1_5"

    @property
    def oid(self) -> str:
        return "1.2.840.113549.1.1.1" if self is DecryptPadding.PKCS1V15 else "1.2.840.113549.1.1.7"

    @property
    def hash_algorithm(self) -> HashAlgorithm | None:
        if self is DecryptPadding.OAEP_SHA256:
            return HashAlgorithm.SHA256
        if self is DecryptPadding.OAEP_SHA384:
            return HashAlgorithm.SHA384
        if self is DecryptPadding.OAEP_SHA512:
            return HashAlgorithm.SHA512
        if self is DecryptPadding.OAEP_SHA1:
            return HashAlgorithm.SHA1
        return None
