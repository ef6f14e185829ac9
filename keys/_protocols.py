"""The one small key interface (DESIGN.md §2.3, signatures.md §6.6–§6.7).

Software keys (:mod:`keys._software`) and PKCS#11 keys (:mod:`keys.pkcs11`) implement
:class:`PrivateKey`; callers that only sign can type against :class:`Signer`, callers that only
decrypt against :class:`Decrypter` / :class:`KeyAgreer`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keys._mechanisms import DecryptPadding, KeyType, SignatureMechanism

__all__ = ["Decrypter", "KeyAgreer", "KeyHolder", "PrivateKey", "Signer"]


@runtime_checkable
class KeyHolder(Protocol):
    """A private key together with its certificate and chain."""

    @property
    def certificate(self) -> x509.Certificate:
        """The end-entity certificate of the key."""
        ...

    @property
    def certificate_der(self) -> bytes:
        """The certificate's exact DER bytes (never re-encoded)."""
        ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Other certificates available with the key (issuers), possibly empty."""
        ...

    @property
    def key_type(self) -> KeyType: ...


@runtime_checkable
class Signer(KeyHolder, Protocol):
    """Sign data or a precomputed digest with a named mechanism."""

    @property
    def supported_mechanisms(self) -> frozenset[SignatureMechanism]:
        """Mechanisms this key can use under the current policy (legacy ones only if enabled)."""
        ...

    def sign(self, data: bytes, mechanism: SignatureMechanism) -> bytes:
        """Sign ``data`` (hashing is part of the mechanism). ECDSA output is DER."""
        ...

    def sign_digest(self, digest: bytes, mechanism: SignatureMechanism) -> bytes:
        """Sign a digest already computed with ``mechanism.hash_algorithm``."""
        ...


@runtime_checkable
class Decrypter(KeyHolder, Protocol):
    """Decrypt an RSA-encrypted content-encryption key (CMS KeyTransRecipientInfo)."""

    def decrypt_key(
        self, encrypted: bytes, padding: DecryptPadding, *, legacy: bool = False
    ) -> bytes: ...


@runtime_checkable
class KeyAgreer(KeyHolder, Protocol):
    """Compute the raw ECDH shared secret Z with a peer (CMS KeyAgreeRecipientInfo)."""

    def derive_ecdh(self, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        """``peer_public_key`` may be a key object or an X9.62 encoded point."""
        ...


@runtime_checkable
class PrivateKey(Signer, Decrypter, KeyAgreer, Protocol):
    """Everything a key can do; operations the key type cannot do raise our errors."""
