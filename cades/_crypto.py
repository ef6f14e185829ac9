"""Digests by OID and verification of a CMS SignerInfo signature value (signatures.md §1.7, §4.2).

Shared by signing (self-check, §3.11 rule 7), time-stamp token checks and the verifier. Only
the algorithms of §1.7 are understood; everything else is a :class:`CryptoCheckError` that names
the algorithm. SHA-1 is accepted here only when the caller passes ``allow_sha1=True`` (legacy
input, reported as weak by the verifier).
"""

from __future__ import annotations

import hashlib
from typing import Any

from asn1crypto import core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cades._asn1 import Oid
from cades.errors import CadesError

__all__ = [
    "DIGEST_NAMES",
    "CryptoCheckError",
    "digest",
    "digest_algorithm_der",
    "digest_name",
    "verify_signature_value",
]

#: hashlib names of the digest OIDs we understand.
DIGEST_NAMES = {
    Oid.SHA1: "sha1",
    Oid.SHA256: "sha256",
    Oid.SHA384: "sha384",
    Oid.SHA512: "sha512",
}
_CRYPTO_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_MIN_RSA_BITS = 2048


class CryptoCheckError(CadesError):
    """A signature value or algorithm check failed (reason in the message)."""

    code = "CADES_CRYPTO"


def digest_name(oid: str, *, allow_sha1: bool = False) -> str:
    """hashlib name for a digest OID; unknown or (unless allowed) SHA-1 raise our error."""
    name = DIGEST_NAMES.get(oid)
    if name is None:
        raise CryptoCheckError(f"unsupported digest algorithm {oid}")
    if name == "sha1" and not allow_sha1:
        raise CryptoCheckError("SHA-1 is not accepted for this use (signatures.md §1.7)")
    return name


def digest(oid: str, data: bytes, *, allow_sha1: bool = False) -> bytes:
    """Digest ``data`` with the algorithm named by ``oid``."""
    return hashlib.new(digest_name(oid, allow_sha1=allow_sha1), data).digest()


def digest_algorithm_der(oid: str) -> bytes:
    """DER AlgorithmIdentifier for a SHA-2 digest, parameters absent (RFC 5754 §2)."""
    # asn1crypto writes NULL parameters for SHA-2; RFC 5754 §2 wants them absent on output
    oid_der = bytes(core.ObjectIdentifier(oid).dump())
    return b"\x30" + bytes([len(oid_der)]) + oid_der


def _hash_for(name: str) -> hashes.HashAlgorithm:
    return _CRYPTO_HASHES[name]()


def verify_signature_value(
    certificate: x509.Certificate,
    signature_algorithm: Any,
    digest_algorithm_oid: str,
    signed_bytes: bytes,
    signature: bytes,
    *,
    allow_sha1: bool = False,
) -> None:
    """Check ``signature`` over ``signed_bytes`` with the certificate's public key.

    ``signature_algorithm`` is the parsed asn1crypto ``SignedDigestAlgorithm`` of the
    SignerInfo. ``rsaEncryption`` as a signature algorithm (RFC 3370 §3.2) takes its hash from
    the SignerInfo's digestAlgorithm. Raises :class:`CryptoCheckError` with the reason.
    """
    key = certificate.public_key()
    try:
        sig_name = signature_algorithm.signature_algo
    except ValueError as exc:
        oid = signature_algorithm["algorithm"].dotted
        raise CryptoCheckError(f"unsupported signature algorithm {oid}") from exc
    try:
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < _MIN_RSA_BITS:
            raise CryptoCheckError(f"RSA key of {key.key_size} bits is below 2048 (§1.7)")
        if sig_name == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            algo_oid = signature_algorithm["algorithm"].dotted
            if algo_oid == "1.2.840.113549.1.1.1":
                hash_name = digest_name(digest_algorithm_oid, allow_sha1=allow_sha1)
            else:
                hash_name = str(signature_algorithm.hash_algo)
                digest_name(_oid_of(hash_name), allow_sha1=allow_sha1)
            key.verify(signature, signed_bytes, padding.PKCS1v15(), _hash_for(hash_name))
        elif sig_name == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = signature_algorithm["parameters"]
            pss_hash = str(params["hash_algorithm"]["algorithm"].native)
            mgf_hash = str(params["mask_gen_algorithm"]["parameters"]["algorithm"].native)
            for name in (pss_hash, mgf_hash):
                digest_name(_oid_of(name), allow_sha1=allow_sha1)
            key.verify(
                signature,
                signed_bytes,
                padding.PSS(padding.MGF1(_hash_for(mgf_hash)), int(params["salt_length"].native)),
                _hash_for(pss_hash),
            )
        elif sig_name == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            hash_name = str(signature_algorithm.hash_algo)
            digest_name(_oid_of(hash_name), allow_sha1=allow_sha1)
            key.verify(signature, signed_bytes, ec.ECDSA(_hash_for(hash_name)))
        else:
            oid = signature_algorithm["algorithm"].dotted
            raise CryptoCheckError(
                f"signature algorithm {oid} does not match the certificate's key type"
            )
    except InvalidSignature:
        raise CryptoCheckError("the signature value does not verify") from None
    except (UnsupportedAlgorithm, ValueError, KeyError) as exc:
        raise CryptoCheckError(f"the signature could not be checked: {exc}") from exc


def _oid_of(name: str) -> str:
    for oid, known in DIGEST_NAMES.items():
        if known == name:
            return oid
    raise CryptoCheckError(f"unsupported digest algorithm {name}")
