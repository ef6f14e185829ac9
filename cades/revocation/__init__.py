"""Revocation data: OCSP (RFC 6960) and CRLs (RFC 5280), fetched over HTTP (signatures.md §1.5)."""

from cades.revocation._crl import CrlResult, RevokedEntry, crl_urls, fetch_crl, load_crl
from cades.revocation._ocsp import (
    CertStatus,
    OcspResult,
    check_ocsp_response,
    fetch_ocsp,
    ocsp_urls,
)

__all__ = [
    "CertStatus",
    "CrlResult",
    "OcspResult",
    "RevokedEntry",
    "check_ocsp_response",
    "crl_urls",
    "fetch_crl",
    "fetch_ocsp",
    "load_crl",
    "ocsp_urls",
]
