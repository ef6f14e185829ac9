"""Digest algorithms allowed for new time-stamp imprints (signatures.md §1.7, §5.1)."""

from __future__ import annotations

import enum
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes

from cades.errors import TimestampConfigError

__all__ = ["HashAlgorithm"]

_CHUNK = 1024 * 1024


class HashAlgorithm(enum.Enum):
    """Imprint digest algorithm; the value is the OID (RFC 5754 §2).

    SHA-1 is deliberately absent: it is rejected for new requests (§1.7). Kamu SM reportedly
    supports only SHA-256 and SHA-512 [3P]; SHA-384 is offered for other TSAs.
    """

    SHA256 = "2.16.840.1.101.3.4.2.1"
    SHA384 = "2.16.840.1.101.3.4.2.2"
    SHA512 = "2.16.840.1.101.3.4.2.3"

    @property
    def oid(self) -> str:
        """Dotted OID string."""
        return self.value

    @property
    def asn1_name(self) -> str:
        """Name used by asn1crypto's ``DigestAlgorithmId`` (``"sha256"`` …)."""
        return self.name.lower()

    @property
    def digest_size(self) -> int:
        """Digest length in bytes."""
        return self.hash().digest_size

    def hash(self) -> hashes.HashAlgorithm:
        """A fresh cryptography hash object for this algorithm."""
        if self is HashAlgorithm.SHA384:
            return hashes.SHA384()
        if self is HashAlgorithm.SHA512:
            return hashes.SHA512()
        return hashes.SHA256()

    def digest(self, data: bytes | BinaryIO) -> bytes:
        """Digest ``data``; streams are read in chunks so memory stays flat."""
        ctx = hashes.Hash(self.hash())
        if isinstance(data, bytes | bytearray | memoryview):
            ctx.update(bytes(data))
        else:
            while chunk := data.read(_CHUNK):
                ctx.update(chunk)
        return ctx.finalize()

    @classmethod
    def from_name(cls, name: str) -> HashAlgorithm:
        """Parse ``sha256`` / ``SHA-256`` style names; unknown names raise our error."""
        key = name.replace("-", "").replace("_", "").upper()
        try:
            return cls[key]
        except KeyError:
            raise TimestampConfigError(
                f"unsupported time-stamp hash {name!r}: use sha256, sha384 or sha512"
            ) from None

    @classmethod
    def from_oid(cls, oid: str) -> HashAlgorithm:
        """Map an OID to a member; unknown OIDs raise our error."""
        try:
            return cls(oid)
        except ValueError:
            raise TimestampConfigError(f"unsupported time-stamp hash OID {oid}") from None
