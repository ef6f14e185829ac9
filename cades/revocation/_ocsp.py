"""Fetch and check OCSP responses (RFC 6960; signatures.md §1.5, §1.6 rule 3).

Used by CAdES X-Long work to collect the signer's status after the signature time-stamp.
"""

from __future__ import annotations

import enum
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from cades import _http
from cades._x509 import aia_urls, is_issued_by, valid_at
from cades.errors import OcspError

__all__ = ["CertStatus", "OcspResult", "check_ocsp_response", "fetch_ocsp", "ocsp_urls"]

_REQUEST_TYPE = "application/ocsp-request"
_NONCE_BYTES = 16
#: Clock skew tolerated between us and the responder.
_SKEW = timedelta(minutes=5)


class CertStatus(enum.Enum):
    """``CertStatus`` of RFC 6960 §4.2.1."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class OcspResult:
    """A checked OCSP answer for one certificate.

    ``nonce_echoed`` is ``False`` when the responder omitted the nonce (allowed by RFC 5019
    pre-produced responses); a *different* nonce is an error.
    """

    status: CertStatus
    revocation_time: datetime | None
    revocation_reason: str | None
    produced_at: datetime
    this_update: datetime
    next_update: datetime | None
    responder_certificate: x509.Certificate
    nonce_echoed: bool
    response_der: bytes


def ocsp_urls(cert: x509.Certificate) -> tuple[str, ...]:
    """OCSP responder URLs from the certificate's AIA extension (RFC 5280 §4.2.2.1)."""
    return aia_urls(cert, AuthorityInformationAccessOID.OCSP)


def _verify(response: ocsp.OCSPResponse, signer: x509.Certificate) -> None:
    key = signer.public_key()
    tbs = response.tbs_response_bytes
    algorithm = response.signature_hash_algorithm
    if algorithm is None:
        raise OcspError("OCSP response uses an unsupported signature algorithm")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(response.signature, tbs, ec.ECDSA(algorithm))
        else:
            raise OcspError("OCSP responder key type is not supported")
    except InvalidSignature:
        raise OcspError("the OCSP response signature is invalid") from None


def _responder(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate:
    """RFC 6960 §4.2.2.2: the CA itself, or a delegate issued by it with id-kp-OCSPSigning."""
    if _matches_responder_id(response, issuer):
        return issuer
    for cert in response.certificates:
        if not _matches_responder_id(response, cert):
            continue
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in eku and is_issued_by(cert, issuer):
            return cert
    raise OcspError(
        "the OCSP response is not signed by the issuing CA or a responder it authorised"
    )


def _matches_responder_id(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return response.responder_name == cert.subject
    key_hash = response.responder_key_hash
    if key_hash is None:
        return False
    ski = x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
    return hmac.compare_digest(ski, key_hash)


def fetch_ocsp(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    url: str | None = None,
    use_nonce: bool = True,
    cert_id_hash: hashes.HashAlgorithm | None = None,
    timeout: float = 10.0,
    retry: _http.RetryPolicy | None = None,
    now: datetime | None = None,
) -> OcspResult:
    """Ask the responder about ``cert`` and return the checked answer.

    ``url`` defaults to the first OCSP URL in the AIA. The CertID hash defaults to SHA-1, the
    value RFC 5019 §2.1.1 requires responders to support (it is a lookup key, not a signature).
    Checks: response status, CertID, nonce, responder authorisation and signature, freshness.
    """
    target = url or next(iter(ocsp_urls(cert)), None)
    if target is None:
        raise OcspError("the certificate has no OCSP URL; pass url= explicitly")
    nonce = os.urandom(_NONCE_BYTES) if use_nonce else None
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        cert,
        issuer,
        cert_id_hash or hashes.SHA1(),  # noqa: S303 - RFC 5019 CertID
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    body = builder.build().public_bytes(Encoding.DER)
    try:
        answer = _http.request(
            "POST",
            target,
            body=body,
            headers={"Content-Type": _REQUEST_TYPE},
            connect_timeout=timeout,
            read_timeout=timeout,
            retry=retry,
        )
    except _http.HttpFailure as failure:
        raise OcspError(f"OCSP request to {target} failed: {failure.message}") from failure
    try:
        response = ocsp.load_der_ocsp_response(answer.body)
    except ValueError as exc:
        raise OcspError(f"the answer from {target} is not an OCSP response") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspError(f"the OCSP responder refused: {response.response_status.name.lower()}")
    try:
        return _check(response, cert, issuer, nonce, answer.body, now or datetime.now(UTC))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise OcspError(f"the OCSP response is malformed: {exc}") from exc


def check_ocsp_response(
    response_der: bytes,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    now: datetime | None = None,
) -> OcspResult:
    """Check a pre-fetched or embedded OCSPResponse for ``cert`` (same checks as a fetch).

    No nonce is expected (the response was not requested by us now). Raises :class:`OcspError`.
    """
    try:
        response = ocsp.load_der_ocsp_response(response_der)
    except ValueError as exc:
        raise OcspError("not an OCSP response") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspError(f"the OCSP response says {response.response_status.name.lower()}")
    try:
        return _check(response, cert, issuer, None, response_der, now or datetime.now(UTC))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise OcspError(f"the OCSP response is malformed: {exc}") from exc


def _check(
    response: ocsp.OCSPResponse,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    nonce: bytes | None,
    der: bytes,
    now: datetime,
) -> OcspResult:
    single = None
    for candidate in response.responses:
        if candidate.serial_number == cert.serial_number:
            expected = (
                ocsp.OCSPRequestBuilder()
                .add_certificate(cert, issuer, candidate.hash_algorithm)
                .build()
            )
            if hmac.compare_digest(
                candidate.issuer_key_hash, expected.issuer_key_hash
            ) and hmac.compare_digest(candidate.issuer_name_hash, expected.issuer_name_hash):
                single = candidate
                break
    if single is None:
        raise OcspError("the OCSP response does not answer for the requested certificate")
    echoed = False
    if nonce is not None:
        try:
            got = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            got = None
        if got is not None:
            if not hmac.compare_digest(got, nonce):
                raise OcspError("the OCSP response nonce does not echo the request nonce")
            echoed = True
    responder = _responder(response, issuer)
    _verify(response, responder)
    if not valid_at(responder, now):
        raise OcspError("the OCSP responder certificate is not valid now")
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    if this_update > now + _SKEW:
        raise OcspError("the OCSP response is dated in the future")
    if next_update is not None and next_update < now - _SKEW:
        raise OcspError("the OCSP response is stale (nextUpdate has passed)")
    status = {
        ocsp.OCSPCertStatus.GOOD: CertStatus.GOOD,
        ocsp.OCSPCertStatus.REVOKED: CertStatus.REVOKED,
        ocsp.OCSPCertStatus.UNKNOWN: CertStatus.UNKNOWN,
    }[single.certificate_status]
    reason = single.revocation_reason
    return OcspResult(
        status=status,
        revocation_time=single.revocation_time_utc,
        revocation_reason=reason.value if reason is not None else None,
        produced_at=response.produced_at_utc,
        this_update=this_update,
        next_update=next_update,
        responder_certificate=responder,
        nonce_echoed=echoed,
        response_der=der,
    )
