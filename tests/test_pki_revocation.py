"""OCSP and CRL fetched from the live services (signatures.md §1.5; RFC 6960, RFC 5280)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from cades import CrlError, OcspError
from cades.revocation import (
    CertStatus,
    crl_urls,
    fetch_crl,
    fetch_ocsp,
    load_crl,
    ocsp_urls,
)
from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import Fault, FaultKind, LiveServices


def test_certificates_point_at_the_live_services(live_pki: TestPki) -> None:
    assert ocsp_urls(live_pki.person.certificate) == (live_pki.ocsp_url,)
    assert crl_urls(live_pki.person.certificate) == (live_pki.crl_url("qualified_ca"),)
    assert crl_urls(live_pki.qualified_ca.certificate) == (live_pki.crl_url("root"),)
    assert crl_urls(live_pki.root.certificate) == ()


def test_ocsp_good(live_services: LiveServices, live_pki: TestPki) -> None:
    result = fetch_ocsp(live_pki.person.certificate, live_pki.qualified_ca.certificate)
    assert result.status is CertStatus.GOOD
    assert result.revocation_time is None
    assert result.nonce_echoed
    assert result.responder_certificate == live_pki.ocsp.certificate
    assert result.next_update is not None
    assert result.this_update <= datetime.now(UTC) + timedelta(seconds=5)
    assert live_services.stats().request_count("ocsp") == 1


def test_ocsp_revoked_with_time(live_services: LiveServices, live_pki: TestPki) -> None:
    result = fetch_ocsp(live_pki.person_revoked.certificate, live_pki.qualified_ca.certificate)
    assert result.status is CertStatus.REVOKED
    assert result.revocation_time == live_pki.revocation_time
    assert result.revocation_reason == "keyCompromise"


def test_ocsp_unknown_serial(live_services: LiveServices, live_pki: TestPki) -> None:
    # The TSA certificate was issued by the root; asking the qualified CA about it is "unknown".
    result = fetch_ocsp(
        live_pki.tsa.certificate, live_pki.qualified_ca.certificate, url=live_services.ocsp_url
    )
    assert result.status is CertStatus.UNKNOWN


def test_ocsp_for_root_issued_certificate_is_signed_by_the_root(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    result = fetch_ocsp(live_pki.qualified_ca.certificate, live_pki.root.certificate)
    assert result.status is CertStatus.GOOD
    assert result.responder_certificate == live_pki.root.certificate


def test_ocsp_asked_with_wrong_issuer_answers_unknown(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    result = fetch_ocsp(
        live_pki.person.certificate, live_pki.root.certificate, url=live_services.ocsp_url
    )
    assert result.status is CertStatus.UNKNOWN
    assert result.responder_certificate == live_pki.root.certificate


def test_ocsp_signed_by_unauthorised_responder_is_refused(live_pki: TestPki) -> None:
    # A response made by the qualified CA's delegate, checked as if the root had issued the
    # certificate: the delegate is not authorised by the root (RFC 6960 §4.2.2.2).
    from cryptography.x509 import ocsp

    from cades.revocation._ocsp import _responder

    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            live_pki.person.certificate, live_pki.qualified_ca.certificate, hashes.SHA256()
        )
        .build()
    )
    from eyazisma.testing._responders import build_ocsp_response

    response = ocsp.load_der_ocsp_response(
        build_ocsp_response(live_pki, request.public_bytes(serialization.Encoding.DER))
    )
    assert _responder(response, live_pki.qualified_ca.certificate) == live_pki.ocsp.certificate
    with pytest.raises(OcspError, match="not signed by the issuing CA"):
        _responder(response, live_pki.root.certificate)


def test_ocsp_garbage_answer(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.GARBAGE, endpoint="ocsp", body="not ocsp"))
    with pytest.raises(OcspError, match="not an OCSP response"):
        fetch_ocsp(live_pki.person.certificate, live_pki.qualified_ca.certificate)


def test_openssl_ocsp_client_agrees(live_services: LiveServices, live_pki: TestPki) -> None:
    # A second, independent client checks that our responder speaks RFC 6960.
    result = subprocess.run(
        [
            "openssl", "ocsp",
            "-issuer", str(live_pki.qualified_ca.cert_path),
            "-cert", str(live_pki.person_revoked.cert_path),
            "-url", live_services.ocsp_url,
            "-CAfile", str(live_pki.ca_bundle_path),
        ],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    assert ": revoked" in result.stdout


def test_crl_lists_the_revoked_certificate(live_services: LiveServices, live_pki: TestPki) -> None:
    crl = fetch_crl(crl_urls(live_pki.person.certificate)[0], live_pki.qualified_ca.certificate)
    entry = crl.revocation_of(live_pki.person_revoked.serial_number)
    assert entry is not None
    assert entry.revocation_time == live_pki.revocation_time
    assert entry.reason == "keyCompromise"
    assert crl.revocation_of(live_pki.person.serial_number) is None
    assert crl.is_revoked(live_pki.person_revoked.certificate)
    assert not crl.is_revoked(
        live_pki.person_revoked.certificate, at=live_pki.revocation_time - timedelta(1)
    )
    assert not crl.is_revoked(live_pki.person.certificate)
    assert crl.is_fresh()
    assert live_services.stats().request_count("crl") == 1


def test_live_crls_are_freshly_signed(live_services: LiveServices, live_pki: TestPki) -> None:
    first = fetch_crl(live_pki.crl_url("root"), live_pki.root.certificate)
    second = fetch_crl(live_pki.crl_url("root"), live_pki.root.certificate)
    assert first.this_update >= live_pki.created_at
    assert first.crl_der != second.crl_der  # CRL number increments
    assert list(first.crl) == []


def test_crl_signed_by_another_ca_is_refused(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    with pytest.raises(CrlError, match="issued by"):
        fetch_crl(live_pki.crl_url("qualified_ca"), live_pki.root.certificate)


def test_crl_with_forged_signature_is_refused(live_pki: TestPki) -> None:
    data = bytearray(live_pki.crl_path("qualified_ca").read_bytes())
    data[-5] ^= 0x01  # inside the signature value
    with pytest.raises(CrlError, match="signature"):
        load_crl(bytes(data), live_pki.qualified_ca.certificate)


def test_crl_download_failure(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.HTTP_STATUS, status=404, endpoint="crl"))
    with pytest.raises(CrlError, match="404"):
        fetch_crl(live_pki.crl_url("root"), live_pki.root.certificate)


def test_static_crl_files_parse(live_pki: TestPki) -> None:
    crl = load_crl(
        live_pki.crl_path("qualified_ca").read_bytes(), live_pki.qualified_ca.certificate
    )
    assert crl.revocation_of(live_pki.person_revoked.serial_number) is not None
