"""Fetch and check CRLs (RFC 5280 §5, §6.3; signatures.md §1.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from cades import _http
from cades.errors import CrlError

__all__ = ["CrlResult", "RevokedEntry", "crl_urls", "fetch_crl", "load_crl"]


@dataclass(frozen=True)
class RevokedEntry:
    """One entry of a CRL."""

    serial_number: int
    revocation_time: datetime
    reason: str | None


@dataclass(frozen=True)
class CrlResult:
    """A CRL whose signature was checked against ``issuer``."""

    crl: x509.CertificateRevocationList
    crl_der: bytes
    issuer: x509.Certificate
    this_update: datetime
    next_update: datetime | None

    def revocation_of(self, serial_number: int) -> RevokedEntry | None:
        """The entry for ``serial_number``, or ``None`` when the CRL does not list it."""
        entry = self.crl.get_revoked_certificate_by_serial_number(serial_number)
        if entry is None:
            return None
        try:
            reason_ext = entry.extensions.get_extension_for_class(x509.CRLReason)
            reason: str | None = reason_ext.value.reason.value
        except x509.ExtensionNotFound:
            reason = None
        return RevokedEntry(serial_number, entry.revocation_date_utc, reason)

    def is_revoked(self, cert: x509.Certificate, at: datetime | None = None) -> bool:
        """True when ``cert`` is listed, revoked at or before ``at`` (default: any time)."""
        if cert.issuer != self.crl.issuer:
            raise CrlError("the certificate was not issued by this CRL's issuer")
        entry = self.revocation_of(cert.serial_number)
        return entry is not None and (at is None or entry.revocation_time <= at)

    def is_fresh(self, now: datetime | None = None) -> bool:
        """True while ``nextUpdate`` has not passed."""
        moment = now or datetime.now(UTC)
        return self.next_update is None or moment <= self.next_update


def crl_urls(cert: x509.Certificate) -> tuple[str, ...]:
    """HTTP(S) URLs from the certificate's CRL distribution points (RFC 5280 §4.2.1.13)."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return ()
    urls: list[str] = []
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return tuple(urls)


def load_crl(data: bytes, issuer: x509.Certificate) -> CrlResult:
    """Parse a DER or PEM CRL and check it was signed by ``issuer`` (RFC 5280 §6.3.3 (f))."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            crl = x509.load_pem_x509_crl(data)
        else:
            crl = x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise CrlError("the data is not a CRL") from exc
    if crl.issuer != issuer.subject:
        raise CrlError(
            f"the CRL was issued by {crl.issuer.rfc4514_string()}, "
            f"not by {issuer.subject.rfc4514_string()}"
        )
    try:
        valid = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise CrlError(f"the CRL signature cannot be checked: {exc}") from exc
    if not valid:
        raise CrlError("the CRL signature does not verify with the issuer's key")
    return CrlResult(
        crl=crl,
        crl_der=crl.public_bytes(Encoding.DER),
        issuer=issuer,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
    )


def fetch_crl(
    url: str,
    issuer: x509.Certificate,
    *,
    timeout: float = 30.0,
    retry: _http.RetryPolicy | None = None,
) -> CrlResult:
    """Download the CRL at ``url`` and check it against ``issuer``."""
    try:
        answer = _http.request(
            "GET", url, connect_timeout=timeout, read_timeout=timeout, retry=retry
        )
    except _http.HttpFailure as failure:
        raise CrlError(f"downloading the CRL from {url} failed: {failure.message}") from failure
    return load_crl(answer.body, issuer)
