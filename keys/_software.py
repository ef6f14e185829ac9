"""Software keys from PKCS#12 and PEM files (for tests, demos and users without tokens).

Implements :class:`keys.PrivateKey` with ``cryptography``. Same secure defaults as token keys
(signatures.md §1.7): no SHA-1 signatures, no RSA < 2048 and no PKCS#1 v1.5 decryption unless
``legacy=True`` was given when the key was loaded / the operation was requested.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.serialization import pkcs12

from keys._hostcrypto import (
    check_decrypt_allowed,
    check_key_allowed,
    check_sign_allowed,
    generic_decryption_error,
    key_type_of,
    pss_padding,
)
from keys._mechanisms import (
    DecryptPadding,
    KeyType,
    SignatureMechanism,
)
from keys.errors import KeyFileError, UnsupportedMechanismError

__all__ = ["SoftwareKey", "load_pem", "load_pkcs12"]

PathOrBytes = bytes | str | os.PathLike[str]
Password = str | bytes | None


def _read(source: PathOrBytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"Cannot read key file {os.fspath(source)!r}: {exc.strerror}.") from exc


def _password(password: Password) -> bytes | None:
    if password is None:
        return None
    return password.encode("utf-8") if isinstance(password, str) else bytes(password)


class SoftwareKey:
    """A private key held in memory, with its certificate and chain."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        *,
        legacy: bool = False,
    ) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise UnsupportedMechanismError("Only RSA and EC private keys are supported.")
        cert_pub = certificate.public_key()
        if cert_pub != private_key.public_key():
            raise KeyFileError(
                "The private key does not belong to the certificate. Check that the key and "
                "certificate files are from the same pair."
            )
        self._key = private_key
        self._certificate = certificate
        self._certificate_der = certificate.public_bytes(serialization.Encoding.DER)
        self._chain = tuple(chain)
        self._key_type = key_type_of(cert_pub)
        self._legacy = legacy
        check_key_allowed(self._key_type, legacy=legacy)

    def __repr__(self) -> str:
        return f"<SoftwareKey {self._key_type} {self._certificate.subject.rfc4514_string()!r}>"

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def certificate_der(self) -> bytes:
        return self._certificate_der

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    @property
    def key_type(self) -> KeyType:
        return self._key_type

    @property
    def supported_mechanisms(self) -> frozenset[SignatureMechanism]:
        return frozenset(
            m
            for m in SignatureMechanism
            if m.key_algorithm is self._key_type.algorithm and (self._legacy or not m.is_legacy)
        )

    def sign(self, data: bytes, mechanism: SignatureMechanism) -> bytes:
        check_sign_allowed(self._key_type, mechanism, legacy=self._legacy)
        return self._sign(data, mechanism, mechanism.hash_algorithm.cryptography_hash())

    def sign_digest(self, digest: bytes, mechanism: SignatureMechanism) -> bytes:
        check_sign_allowed(self._key_type, mechanism, legacy=self._legacy)
        hash_alg = mechanism.hash_algorithm
        if len(digest) != hash_alg.digest_size:
            raise UnsupportedMechanismError(
                f"A {hash_alg.name} digest must be {hash_alg.digest_size} bytes, got {len(digest)}."
            )
        return self._sign(digest, mechanism, utils.Prehashed(hash_alg.cryptography_hash()))

    def _sign(
        self,
        message: bytes,
        mechanism: SignatureMechanism,
        algorithm: utils.Prehashed | object,
    ) -> bytes:
        key = self._key
        if isinstance(key, rsa.RSAPrivateKey):
            pad: asym_padding.AsymmetricPadding = (
                pss_padding(mechanism.hash_algorithm)
                if mechanism.is_pss
                else asym_padding.PKCS1v15()
            )
            return key.sign(message, pad, algorithm)  # type: ignore[arg-type]
        return key.sign(message, ec.ECDSA(algorithm))  # type: ignore[arg-type]

    def decrypt_key(
        self, encrypted: bytes, padding: DecryptPadding, *, legacy: bool = False
    ) -> bytes:
        check_decrypt_allowed(self._key_type, padding, legacy=legacy or self._legacy)
        key = self._key
        assert isinstance(key, rsa.RSAPrivateKey)  # guaranteed by check_decrypt_allowed
        hash_alg = padding.hash_algorithm
        pad: asym_padding.AsymmetricPadding
        if hash_alg is None:
            pad = asym_padding.PKCS1v15()
        else:
            pad = asym_padding.OAEP(
                mgf=asym_padding.MGF1(hash_alg.cryptography_hash()),
                algorithm=hash_alg.cryptography_hash(),
                label=None,
            )
        try:
            return key.decrypt(encrypted, pad)
        except ValueError:
            # One generic error whatever failed, without a cause chain (signatures.md §6.7).
            raise generic_decryption_error() from None

    def derive_ecdh(self, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        key = self._key
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise UnsupportedMechanismError(
                f"ECDH needs an EC key; this key is {self._key_type}. Use decrypt_key()."
            )
        peer = _peer_key(peer_public_key, key.curve)
        return key.exchange(ec.ECDH(), peer)


def _peer_key(
    peer_public_key: ec.EllipticCurvePublicKey | bytes, curve: ec.EllipticCurve
) -> ec.EllipticCurvePublicKey:
    if isinstance(peer_public_key, ec.EllipticCurvePublicKey):
        if peer_public_key.curve.name != curve.name:
            raise UnsupportedMechanismError(
                f"The peer key is on {peer_public_key.curve.name}, this key on {curve.name}."
            )
        return peer_public_key
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, bytes(peer_public_key))
    except ValueError as exc:
        raise UnsupportedMechanismError(
            f"The peer public key is not a valid {curve.name} point."
        ) from exc


def load_pkcs12(source: PathOrBytes, password: Password, *, legacy: bool = False) -> SoftwareKey:
    """Load a key, its certificate and the chain from a PKCS#12 (.p12/.pfx) file or bytes."""
    data = _read(source)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password(password))
    except ValueError as exc:
        raise KeyFileError(
            "Cannot open the PKCS#12 file: the password is wrong or the file is damaged."
        ) from exc
    if key is None or cert is None:
        raise KeyFileError("The PKCS#12 file must contain a private key and its certificate.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyFileError("Only RSA and EC keys are supported in PKCS#12 files.")
    return SoftwareKey(key, cert, extra, legacy=legacy)


def load_pem(
    key: PathOrBytes,
    certificate: PathOrBytes,
    *,
    password: Password = None,
    chain: Iterable[PathOrBytes] = (),
    legacy: bool = False,
) -> SoftwareKey:
    """Load a PEM private key (optionally encrypted) and PEM/DER certificate(s).

    ``certificate`` may hold several PEM certificates; the one matching the key is the
    end-entity certificate and the others become the chain.
    """
    key_data = _read(key)
    try:
        private_key = serialization.load_pem_private_key(key_data, _password(password))
    except TypeError as exc:
        raise KeyFileError(
            "The PEM key is encrypted and needs a password (or is not encrypted and a "
            "password was given)."
        ) from exc
    except ValueError as exc:
        raise KeyFileError(
            "Cannot read the PEM key: the password is wrong or the file is damaged."
        ) from exc
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyFileError("Only RSA and EC keys are supported.")
    certs = _load_certs(_read(certificate))
    for source in chain:
        certs.extend(_load_certs(_read(source)))
    public = private_key.public_key()
    leaf = next((c for c in certs if c.public_key() == public), None)
    if leaf is None:
        raise KeyFileError("None of the certificates belongs to the private key.")
    return SoftwareKey(private_key, leaf, [c for c in certs if c is not leaf], legacy=legacy)


def _load_certs(data: bytes) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise KeyFileError("Cannot read the certificate file (expected PEM or DER).") from exc
