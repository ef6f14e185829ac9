"""Host-side pieces shared by software and token keys.

* DigestInfo for ``CKM_RSA_PKCS`` over a host hash (RFC 8017 §9.2, signatures.md §6.6);
* ECDSA ``r ‖ s`` → DER ``ECDSA-Sig-Value`` (RFC 3279 §2.2.3, signatures.md §6.6);
* EME-OAEP decoding for the ``CKM_RSA_X_509`` fallback (RFC 8017 §7.1.2, signatures.md §6.7),
  written so that every failure takes the same path and raises the same generic error;
* the secure-default policy checks of signatures.md §1.7;
* host verification of a signature against the certificate (signatures.md §6.6, last bullet).
"""

from __future__ import annotations

import hmac

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from keys._mechanisms import (
    DecryptPadding,
    HashAlgorithm,
    KeyAlgorithm,
    KeyType,
    SignatureMechanism,
)
from keys.errors import (
    DecryptionError,
    SignatureCheckError,
    UnsupportedMechanismError,
    WeakAlgorithmError,
)

__all__ = [
    "check_decrypt_allowed",
    "check_sign_allowed",
    "digest_info",
    "ecdsa_der_to_raw",
    "ecdsa_raw_to_der",
    "key_type_of",
    "oaep_decode",
    "verify_signature",
]

MIN_RSA_BITS = 2048

# DER prefixes of DigestInfo ::= SEQUENCE { AlgorithmIdentifier (params NULL), OCTET STRING }.
_DIGEST_INFO_PREFIX = {
    HashAlgorithm.SHA1: bytes.fromhex("3021300906052b0e03021a05000414"),
    HashAlgorithm.SHA256: bytes.fromhex("3031300d060960864801650304020105000420"),
    HashAlgorithm.SHA384: bytes.fromhex("3041300d060960864801650304020205000430"),
    HashAlgorithm.SHA512: bytes.fromhex("3051300d060960864801650304020305000440"),
}

_GENERIC_DECRYPT_MESSAGE = (
    "Decryption failed. The data was not encrypted for this key, or it is damaged."
)


def digest_info(hash_algorithm: HashAlgorithm, digest: bytes) -> bytes:
    """DER DigestInfo for an RSA PKCS#1 v1.5 signature over a precomputed digest."""
    if len(digest) != hash_algorithm.digest_size:
        raise UnsupportedMechanismError(
            f"A {hash_algorithm.name} digest must be {hash_algorithm.digest_size} bytes, "
            f"got {len(digest)}."
        )
    return _DIGEST_INFO_PREFIX[hash_algorithm] + digest


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der_uint(raw: bytes) -> bytes:
    stripped = raw.lstrip(b"\x00") or b"\x00"
    if stripped[0] & 0x80:
        stripped = b"\x00" + stripped
    return b"\x02" + _der_length(len(stripped)) + stripped


def ecdsa_raw_to_der(raw: bytes) -> bytes:
    """Convert a PKCS#11 ECDSA signature ``r ‖ s`` (equal halves) to DER ``ECDSA-Sig-Value``."""
    if not raw or len(raw) % 2:
        raise SignatureCheckError("The token returned a malformed ECDSA signature.")
    half = len(raw) // 2
    body = _der_uint(raw[:half]) + _der_uint(raw[half:])
    return b"\x30" + _der_length(len(body)) + body


def ecdsa_der_to_raw(der: bytes, size: int) -> bytes:
    """Convert DER ``ECDSA-Sig-Value`` to ``r ‖ s`` with halves of ``size`` bytes."""
    r, s = utils.decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def key_type_of(public_key: object) -> KeyType:
    """:class:`KeyType` of a ``cryptography`` public key."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return KeyType(KeyAlgorithm.RSA, public_key.key_size)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return KeyType(KeyAlgorithm.EC, public_key.curve.key_size, public_key.curve.name)
    raise UnsupportedMechanismError(
        "Only RSA and EC keys are supported (signatures.md §1.7); this certificate has a "
        f"{type(public_key).__name__}."
    )


def check_key_allowed(key_type: KeyType, *, legacy: bool) -> None:
    """Refuse RSA keys shorter than 2048 bits unless ``legacy`` (signatures.md §1.7)."""
    if key_type.algorithm is KeyAlgorithm.RSA and key_type.size_bits < MIN_RSA_BITS and not legacy:
        raise WeakAlgorithmError(
            f"RSA-{key_type.size_bits} keys are too weak (minimum {MIN_RSA_BITS} bits). "
            "Use a newer certificate, or pass legacy=True to read old data only."
        )


def check_sign_allowed(key_type: KeyType, mechanism: SignatureMechanism, *, legacy: bool) -> None:
    """Check algorithm/key match and the secure defaults (no SHA-1, no RSA < 2048)."""
    if mechanism.key_algorithm is not key_type.algorithm:
        raise UnsupportedMechanismError(
            f"{mechanism.value} needs an {mechanism.key_algorithm.name} key; this key is "
            f"{key_type}."
        )
    check_key_allowed(key_type, legacy=legacy)
    if mechanism.is_legacy and not legacy:
        raise WeakAlgorithmError(
            f"{mechanism.value} uses SHA-1, which is rejected for new signatures "
            "(signatures.md §1.7). Use a SHA-256 mechanism."
        )


def check_decrypt_allowed(key_type: KeyType, pad: DecryptPadding, *, legacy: bool) -> None:
    if key_type.algorithm is not KeyAlgorithm.RSA:
        raise UnsupportedMechanismError(
            f"RSA decryption needs an RSA key; this key is {key_type}. Use derive_ecdh()."
        )
    check_key_allowed(key_type, legacy=legacy)
    if pad is DecryptPadding.PKCS1V15 and not legacy:
        raise WeakAlgorithmError(
            "RSA PKCS#1 v1.5 decryption is legacy only (signatures.md §7.10); "
            "pass legacy=True to decrypt old data."
        )


def _mgf1(seed: bytes, length: int, hash_algorithm: HashAlgorithm) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hash_algorithm.digest(seed + counter.to_bytes(4, "big"))
        counter += 1
    return bytes(out[:length])


def _xor(left: bytes, right: bytes) -> bytes:
    value = int.from_bytes(left, "big") ^ int.from_bytes(right, "big")
    return value.to_bytes(len(left), "big")


def oaep_decode(encoded: bytes, modulus_bytes: int, hash_algorithm: HashAlgorithm) -> bytes:
    """EME-OAEP decoding (RFC 8017 §7.1.2 step 3) with an empty label.

    ``encoded`` is the raw RSA output (``CKM_RSA_X_509``), left-padded here to the modulus
    length. The checks on the leading byte, lHash′ and the 0x01 separator are accumulated
    without early exit, and any failure raises the same :class:`DecryptionError` after the
    same work, so no Manger-style oracle is exposed through distinct errors.
    """
    h_len = hash_algorithm.digest_size
    k = modulus_bytes
    bad = 0
    if len(encoded) > k or k < 2 * h_len + 2:
        raise DecryptionError(_GENERIC_DECRYPT_MESSAGE)
    em = encoded.rjust(k, b"\x00")
    l_hash = hash_algorithm.digest(b"")
    y = em[0]
    masked_seed = em[1 : 1 + h_len]
    masked_db = em[1 + h_len :]
    seed = _xor(masked_seed, _mgf1(masked_db, h_len, hash_algorithm))
    db = _xor(masked_db, _mgf1(seed, k - h_len - 1, hash_algorithm))
    bad |= y
    bad |= 0 if hmac.compare_digest(db[:h_len], l_hash) else 1
    # Scan the whole PS ‖ 0x01 ‖ M area; remember the first 0x01 after zeros without branching
    # on secret data beyond simple integer arithmetic.
    found = 0
    index = 0
    invalid_ps = 0
    for position in range(h_len, len(db)):
        byte = db[position]
        is_one = int(byte == 1)
        is_zero = int(byte == 0)
        take = is_one & (1 - found)
        index = index | (position * take)
        # a non-zero, non-one byte before the separator is invalid
        invalid_ps |= (1 - found) & (1 - is_zero) & (1 - is_one)
        found |= is_one
    bad |= (1 - found) | invalid_ps
    if bad:
        raise DecryptionError(_GENERIC_DECRYPT_MESSAGE)
    return db[index + 1 :]


def generic_decryption_error() -> DecryptionError:
    return DecryptionError(_GENERIC_DECRYPT_MESSAGE)


def signature_hash(hash_algorithm: HashAlgorithm) -> hashes.HashAlgorithm:
    return hash_algorithm.cryptography_hash()


def pss_padding(hash_algorithm: HashAlgorithm) -> padding.PSS:
    return padding.PSS(
        mgf=padding.MGF1(hash_algorithm.cryptography_hash()),
        salt_length=hash_algorithm.digest_size,
    )


def verify_signature(
    certificate: x509.Certificate | rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    mechanism: SignatureMechanism,
    signature: bytes,
    *,
    data: bytes | None = None,
    digest: bytes | None = None,
) -> None:
    """Verify ``signature`` over ``data`` (or a precomputed ``digest``) with the certificate key.

    Raises :class:`SignatureCheckError`: a token that signs with the wrong key (mis-paired
    certificate) or a faulty module must not produce a document signature.
    """
    # Callers on hot paths pass the cached public key: re-parsing it per signature is costly.
    public_key = (
        certificate.public_key() if isinstance(certificate, x509.Certificate) else certificate
    )
    hash_alg = mechanism.hash_algorithm
    algorithm: hashes.HashAlgorithm | utils.Prehashed
    if digest is not None:
        algorithm = utils.Prehashed(hash_alg.cryptography_hash())
        message = digest
    else:
        algorithm = hash_alg.cryptography_hash()
        message = data if data is not None else b""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = (
                pss_padding(hash_alg) if mechanism.is_pss else padding.PKCS1v15()
            )
            public_key.verify(signature, message, pad, algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(algorithm))
        else:
            raise UnsupportedMechanismError("Only RSA and EC certificates are supported.")
    except InvalidSignature as exc:
        raise SignatureCheckError(
            "The signature made by the key does not match its certificate. The key and "
            "certificate are mis-paired or the token misbehaves; the signature was discarded."
        ) from exc
