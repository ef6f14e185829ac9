"""RFC 3161 ``TimeStampReq`` (RFC 3161 §2.4.1; signatures.md §5.1)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import algos, tsp

from cades.errors import TimestampConfigError
from cades.tsp._hash import HashAlgorithm

__all__ = ["TimestampRequest", "new_nonce"]

_NONCE_BITS = 128


def new_nonce() -> int:
    """A positive random nonce of ≥ 64 bits (§5.1); the top bit is set so it is never short."""
    return secrets.randbits(_NONCE_BITS - 1) | (1 << (_NONCE_BITS - 2))


@dataclass(frozen=True)
class TimestampRequest:
    """A time-stamp request for one imprint. Build with :meth:`for_data` or :meth:`for_digest`.

    ``policy`` is sent as ``reqPolicy`` when given (Kamu SM accepts requests without it, §5.1).
    The Kamu SM ``identity`` structure is never put into the request extensions (§5.3): it
    travels only as an HTTP header.
    """

    imprint: bytes
    hash_algorithm: HashAlgorithm = HashAlgorithm.SHA256
    nonce: int | None = None
    policy: str | None = None
    cert_req: bool = True

    def __post_init__(self) -> None:
        if len(self.imprint) != self.hash_algorithm.digest_size:
            raise TimestampConfigError(
                f"imprint has {len(self.imprint)} bytes but {self.hash_algorithm.name} "
                f"digests have {self.hash_algorithm.digest_size}"
            )
        if self.nonce is not None and self.nonce <= 0:
            raise TimestampConfigError("the time-stamp nonce must be a positive integer")

    @classmethod
    def for_digest(
        cls,
        imprint: bytes,
        hash_algorithm: HashAlgorithm = HashAlgorithm.SHA256,
        *,
        policy: str | None = None,
        cert_req: bool = True,
    ) -> TimestampRequest:
        """Request for a pre-computed digest, with a fresh random nonce."""
        return cls(imprint, hash_algorithm, new_nonce(), policy, cert_req)

    @classmethod
    def for_data(
        cls,
        data: bytes | BinaryIO,
        hash_algorithm: HashAlgorithm = HashAlgorithm.SHA256,
        *,
        policy: str | None = None,
        cert_req: bool = True,
    ) -> TimestampRequest:
        """Request for ``data`` (bytes or a binary stream, hashed in chunks)."""
        return cls.for_digest(
            hash_algorithm.digest(data), hash_algorithm, policy=policy, cert_req=cert_req
        )

    def to_asn1(self) -> tsp.TimeStampReq:
        """The asn1crypto value (parameters of the hash algorithm absent, RFC 5754 §2)."""
        fields: dict[str, object] = {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm(
                    {"algorithm": self.hash_algorithm.asn1_name, "parameters": None}
                ),
                "hashed_message": self.imprint,
            },
            "cert_req": self.cert_req,
        }
        if self.policy is not None:
            fields["req_policy"] = self.policy
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return tsp.TimeStampReq(fields)

    def to_der(self) -> bytes:
        """DER encoding, the HTTP body (§5.2)."""
        return bytes(self.to_asn1().dump())
