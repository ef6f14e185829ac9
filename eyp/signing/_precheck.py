"""Checks before the token is asked for a signature (signatures.md §2.6; Kamu SM requirement).

1. The certificate is valid now and suits the role (§1.8, :mod:`eyp.signing._roles`).
2. Its issuer is known and chains to a configured anchor.
3. Its revocation status is good now: OCSP from the AIA, else the CRL from the CRLDP. This
   evidence is *not* embedded — P4 needs fresh post-time-stamp OCSP (§1.6 rule 3), which the
   CAdES upgrade fetches later.

A refused check raises :class:`~eyp.errors.SigningRefusedError` before the key is used, so a
wrong card costs no PIN entry and no time-stamp credit.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509

from cades import signer_path
from cades.errors import RevocationError, UpgradeError
from cades.revocation import CertStatus, crl_urls, fetch_crl, fetch_ocsp, ocsp_urls
from eyp.errors import SigningRefusedError
from eyp.signing._roles import SignatureRole, check_certificate_kind
from eyp.signing._services import SigningServices
from keys import KeyHolder

__all__ = ["check_before_signing"]


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def check_before_signing(
    key: KeyHolder, role: SignatureRole, services: SigningServices, now: datetime
) -> None:
    """Refuse unsuitable, expired or revoked signer certificates (§2.6)."""
    cert = key.certificate
    check_certificate_kind(cert, role)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SigningRefusedError(
            f"the signer certificate {_subject(cert)} is not valid now (valid "
            f"{cert.not_valid_before_utc:%Y-%m-%d} – {cert.not_valid_after_utc:%Y-%m-%d}); "
            "renew it before signing"
        )
    try:
        path = signer_path(cert, services.sources(), at=now, extra=key.chain)
    except UpgradeError as exc:
        raise SigningRefusedError(
            f"{_subject(cert)} does not chain to a configured trust anchor now: {exc.message}"
        ) from exc
    issuer = path[1] if len(path) > 1 else cert
    if services.check_revocation:
        _check_revocation(cert, issuer, services, now)


def _check_revocation(
    cert: x509.Certificate, issuer: x509.Certificate, services: SigningServices, now: datetime
) -> None:
    try:
        if ocsp_urls(cert):
            answer = fetch_ocsp(
                cert,
                issuer,
                use_nonce=services.use_ocsp_nonce,
                timeout=services.ocsp_timeout,
                now=now,
            )
            if answer.status is CertStatus.GOOD:
                return
            when = f" on {answer.revocation_time:%Y-%m-%d}" if answer.revocation_time else ""
            raise SigningRefusedError(
                f"the signer certificate {_subject(cert)} is {answer.status.value}{when} "
                "according to its OCSP responder; it must not sign"
            )
        urls = crl_urls(cert)
        if not urls:
            raise SigningRefusedError(
                f"{_subject(cert)} names no OCSP responder and no CRL; its status cannot be checked"
            )
        crl = fetch_crl(urls[0], issuer)
        if crl.is_revoked(cert, now):
            raise SigningRefusedError(
                f"the signer certificate {_subject(cert)} is revoked according to its CRL"
            )
    except RevocationError as exc:
        raise SigningRefusedError(
            f"the revocation status of {_subject(cert)} could not be checked before signing: "
            f"{exc.message}"
        ) from exc
