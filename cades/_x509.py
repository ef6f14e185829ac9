"""Small X.509 helpers shared by the time-stamp and revocation code.

Full RFC 5280 path validation (policies, name constraints, revocation) belongs to the CAdES
verifier; here we only need "does this certificate chain, by signatures and validity periods, to
one of these anchors" for TSA and OCSP responder certificates (signatures.md §4.4 items 4–5).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

__all__ = ["aia_urls", "build_chain", "is_issued_by", "load_certificate", "valid_at"]

_MAX_DEPTH = 8


def load_certificate(data: bytes) -> x509.Certificate:
    """Load a DER or PEM certificate (raises ``ValueError`` on garbage)."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def aia_urls(cert: x509.Certificate, method: x509.ObjectIdentifier) -> tuple[str, ...]:
    """HTTP(S) URLs of one AIA access method (OCSP or caIssuers; RFC 5280 §4.2.2.1)."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(
        str(desc.access_location.value)
        for desc in aia
        if desc.access_method == method
        and isinstance(desc.access_location, x509.UniformResourceIdentifier)
        and str(desc.access_location.value).startswith(("http://", "https://"))
    )


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def is_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s name and key produced ``cert``'s signature."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def valid_at(cert: x509.Certificate, when: datetime) -> bool:
    """True when ``when`` lies inside the certificate's validity period."""
    moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    return cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def build_chain(
    leaf: x509.Certificate,
    *,
    roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    at: datetime,
) -> tuple[x509.Certificate, ...]:
    """Return ``(leaf, …, root)`` or raise ``ValueError`` saying why no chain exists.

    Every certificate on the path must be valid at ``at``; every issuer must be a CA
    (basicConstraints cA=TRUE). A leaf that is itself one of ``roots`` is accepted as is.
    """
    root_ders = {_der(r) for r in roots}
    chain = [leaf]
    current = leaf
    for _ in range(_MAX_DEPTH):
        if not valid_at(current, at):
            raise ValueError(
                f"certificate {current.subject.rfc4514_string()} is not valid at {at.isoformat()}"
            )
        if _der(current) in root_ders:
            return tuple(chain)
        for root in roots:
            if root.subject == current.issuer and _is_ca(root) and is_issued_by(current, root):
                if not valid_at(root, at):
                    raise ValueError(f"trust anchor {root.subject.rfc4514_string()} has expired")
                chain.append(root)
                return tuple(chain)
        used = {_der(c) for c in chain}
        for candidate in intermediates:
            if (
                _der(candidate) not in used
                and candidate.subject == current.issuer
                and _is_ca(candidate)
                and is_issued_by(current, candidate)
            ):
                chain.append(candidate)
                current = candidate
                break
        else:
            raise ValueError(
                f"no trusted issuer found for {current.subject.rfc4514_string()} "
                f"(issuer {current.issuer.rfc4514_string()})"
            )
    raise ValueError("certificate chain is too long")
