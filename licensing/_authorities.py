"""Trusted licence authorities: pinned certificates, never the one a licence brings along.

Decisions (signatures.md §8; §8.2 notes that the incumbent builds its verifying certificate into
the library, and we do the same with our own authority):

* **Production authority** — ``data/authority-production.pem``: a self-signed ECDSA P-384
  certificate ("eyazisma Licence Authority 2026", valid 2026-11-21 … 2036-11-21). Only the
  certificate ships. Its private key is held offline by the eyazisma project; the copy used to
  create the certificate was never written to disk. Before the certificate ends, a release adds
  the next authority certificate, so licences issued by either verify.
* **Test authority** — ``data/authority-test.pem``: RSA-3072, self-signed, valid until 2066. Its
  private key is *published* in :mod:`eyazisma.testing.licences` so tests and demos can issue
  licences. It is therefore trusted **only for test licences**: a production licence signed
  with it is refused (:class:`~licensing.errors.LicenceUntrustedError`).
* **Vendor authorities** — :func:`trust_authority` adds a certificate for the running process.
  This is a deliberate deployment decision of whoever ships eyazisma with their own licensing
  (e.g. an integrator licensing its own customers); it is never done implicitly, and a licence
  cannot add its own authority.

Pinning is by the exact certificate (DER equality), not by name or chain building. The
certificate must be valid at the licence's signed ``IssuedAt``; that keeps licences issued
during an authority's lifetime usable after the authority certificate ends (old releases keep
working, §8.2 "Maintenance check") while an authority cannot issue after its end.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from licensing.errors import LicenceError

__all__ = [
    "Authority",
    "builtin_authorities",
    "find_authority",
    "reset_trusted_authorities",
    "trust_authority",
    "trusted_authorities",
]

_PRODUCTION_FILE = "authority-production.pem"
_TEST_FILE = "authority-test.pem"
_MIN_RSA_BITS = 2048
_MIN_EC_BITS = 256


@dataclass(frozen=True)
class Authority:
    """A trusted licence authority certificate and what it may sign."""

    certificate: x509.Certificate
    #: True: only licences with ``Kind`` test are accepted from this authority.
    test_only: bool
    #: True for the two authorities built into this release.
    builtin: bool
    name: str

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def _load_builtin(filename: str) -> x509.Certificate:
    data = resources.files("licensing").joinpath("data", filename).read_bytes()
    return x509.load_pem_x509_certificate(data)


def _builtin() -> tuple[Authority, ...]:
    return (
        Authority(
            _load_builtin(_PRODUCTION_FILE), test_only=False, builtin=True, name="production"
        ),
        Authority(_load_builtin(_TEST_FILE), test_only=True, builtin=True, name="test"),
    )


_BUILTIN = _builtin()
_lock = threading.Lock()
_trusted: tuple[Authority, ...] = _BUILTIN


def builtin_authorities() -> tuple[Authority, ...]:
    """The production and test authorities shipped with this release."""
    return _BUILTIN


def trusted_authorities() -> tuple[Authority, ...]:
    """Every authority currently trusted by this process (built-in first)."""
    with _lock:
        return _trusted


def _check_key(certificate: x509.Certificate) -> None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= _MIN_RSA_BITS:
        return
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size >= _MIN_EC_BITS:
        return
    raise LicenceError(
        "A licence authority needs an RSA (>= 2048 bits) or EC (>= P-256) key; this "
        "certificate's key is refused (signatures.md §1.7)."
    )


def trust_authority(
    certificate: x509.Certificate, *, test_only: bool = False, name: str | None = None
) -> Authority:
    """Trust ``certificate`` as a licence authority in this process (a deployment decision).

    With ``test_only=True`` only test licences signed by it are accepted. Adding a certificate
    that is already trusted returns the existing entry unchanged.
    """
    _check_key(certificate)
    authority = Authority(
        certificate,
        test_only=test_only,
        builtin=False,
        name=name or certificate.subject.rfc4514_string(),
    )
    global _trusted
    with _lock:
        for existing in _trusted:
            if existing.der == authority.der:
                return existing
        _trusted = (*_trusted, authority)
    return authority


def reset_trusted_authorities() -> None:
    """Forget every :func:`trust_authority` call; only the built-in authorities stay."""
    global _trusted
    with _lock:
        _trusted = _BUILTIN


def find_authority(der: bytes) -> Authority | None:
    """The trusted authority whose certificate is exactly ``der``, if any."""
    for authority in trusted_authorities():
        if authority.der == der:
            return authority
    return None
