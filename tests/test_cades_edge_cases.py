"""Time and revocation edge cases of CAdES verification (signatures.md §1.6, §4.3, §4.5).

The test PKI revokes ``person_revoked`` at ``live_pki.revocation_time`` (one hour before the
PKI was issued) and ``person_expired`` expired a year ago. A time-stamp before the revocation
comes from the test PKI's own TSA responder code (what the live service runs) called
in-process with that moment as its clock; everything else comes from the live services. An
OCSP response produced before the time-stamp is fetched live and the time-stamp taken a
second later (the responder stamps producedAt with the real clock). X-Long attributes for
evidence that ``upgrade()`` rightly refuses to collect are assembled with the DER builders
``upgrade()`` itself uses (``cades._collect``).
"""

from __future__ import annotations

import itertools
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

import keys
from cades import _view
from cades._asn1 import Oid
from cades._ats import ats_v3_imprint, build_ats_hash_index, splice_hash_index
from cades._collect import (
    CertEntry,
    Evidence,
    RevocationKind,
    basic_ocsp_response,
    certificate_refs_attribute,
    certificate_values_attribute,
    crl_reference,
    ocsp_reference,
    revocation_refs_attribute,
    revocation_values_attribute,
)
from cades._crypto import digest
from cades._sign import sign
from cades._upgrade import ValidationSources, upgrade
from cades.errors import SignerCertificateError
from cades.profiles import Level, Profile
from cades.revocation import fetch_crl, fetch_ocsp
from cades.tsp import HashAlgorithm, TimestampClient, TimestampRequest
from cades.tsp._token import TimeStampResp
from cades.verify import CheckStatus, Indication, Maturity, ValidationPolicy, verify
from eyazisma.testing._responders import TokenOptions, build_tsa_response
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki, build_crl
from eyazisma.testing.services import TEST_TSA_POLICY

CONTENT = "\ufeff<?xml version='1.0' encoding='UTF-8'?>\r\n<PaketOzeti/>\r\n".encode()
_SERIALS = itertools.count(90_000)


@pytest.fixture(scope="module")
def tsa(live_pki: TestPki) -> TimestampClient:
    return TimestampClient(live_pki.tsa_url, trust_roots=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def policy(live_pki: TestPki) -> ValidationPolicy:
    return ValidationPolicy(trust_anchors=[live_pki.root.certificate])


# --- evidence builders ----------------------------------------------------------------------


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _splice(signature: bytes, attribute: bytes) -> bytes:
    view = _view.parse_signed_data(signature)
    return _view.add_unsigned_attribute(view, view.signers[0], attribute)


def _signature_value(signature: bytes) -> bytes:
    return _view.parse_signed_data(signature).signers[0].signature_value


def live_time_stamp(signature: bytes, tsa: TimestampClient) -> bytes:
    """Append a signature-time-stamp from the live TSA (§3.5)."""
    imprint = digest(Oid.SHA256, _signature_value(signature))
    token = tsa.timestamp_digest(imprint, HashAlgorithm.SHA256).token_der
    return _splice(signature, _view.attribute_der(Oid.SIGNATURE_TIME_STAMP, token))


def time_stamp_at(signature: bytes, pki: TestPki, when: datetime) -> bytes:
    """Append a signature-time-stamp issued by the test TSA code with its clock at ``when``."""
    request = TimestampRequest.for_digest(
        digest(Oid.SHA256, _signature_value(signature)), HashAlgorithm.SHA256
    )
    response = build_tsa_response(
        pki, request.to_der(), TokenOptions(policy=TEST_TSA_POLICY, serial=next(_SERIALS)), now=when
    )
    token = bytes(TimeStampResp.load(response)["time_stamp_token"].dump())
    return _splice(signature, _view.attribute_der(Oid.SIGNATURE_TIME_STAMP, token))


def live_crl(pki: TestPki, ca: str) -> bytes:
    return fetch_crl(pki.crl_url(ca), pki[ca].certificate).crl_der


def _crl_evidence(der: bytes) -> Evidence:
    return Evidence(
        RevocationKind.CRL, crl_reference(der, x509.load_der_x509_crl(der)), crl_der=der
    )


def _empty() -> Evidence:
    return Evidence(RevocationKind.NONE, b"\x30\x00")


def x_long(
    signature: bytes,
    pki: TestPki,
    *,
    signer_ocsp: bytes | None = None,
    signer_crl: bytes | None = None,
    root_crl: bytes,
) -> bytes:
    """Refs and values (§3.6, §3.8) for the given evidence, built like ``upgrade()`` does."""
    if signer_ocsp is not None:
        basic = basic_ocsp_response(signer_ocsp)
        first = Evidence(RevocationKind.OCSP, ocsp_reference(basic), basic_ocsp_der=basic)
        chain = [pki.ocsp, pki.qualified_ca, pki.root]
        evidence = [first, _empty(), _crl_evidence(root_crl), _empty()]
    else:
        assert signer_crl is not None
        chain = [pki.qualified_ca, pki.root]
        evidence = [_crl_evidence(signer_crl), _crl_evidence(root_crl), _empty()]
    validation_set = [CertEntry.of(_der(i.certificate)) for i in chain]
    crls = [e.crl_der for e in evidence if e.crl_der]
    ocsps = [e.basic_ocsp_der for e in evidence if e.basic_ocsp_der]
    for attribute in (
        certificate_refs_attribute(validation_set),
        revocation_refs_attribute(evidence),
        certificate_values_attribute(validation_set),
        revocation_values_attribute(list(dict.fromkeys(crls)), ocsps),
    ):
        signature = _splice(signature, attribute)
    return signature


def _key(pki: TestPki, name: str) -> keys.SoftwareKey:
    return keys.load_pkcs12(pki[name].p12_path, PKCS12_PASSWORD)


def _t_best(signature: bytes, policy: ValidationPolicy) -> datetime:
    return verify(signature, policy=policy).signer("0").best_signature_time


# --- revocation ----------------------------------------------------------------------------


def test_signer_revoked_before_the_time_stamp_fails(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    revoked = live_pki.person_revoked
    stamped = live_time_stamp(sign(CONTENT, _key(live_pki, "person_revoked")), tsa)
    signature = x_long(
        stamped,
        live_pki,
        signer_ocsp=fetch_ocsp(revoked.certificate, live_pki.qualified_ca.certificate).response_der,
        root_crl=live_crl(live_pki, "root"),
    )
    report = verify(signature, policy=policy)
    assert report.indication is Indication.TOTAL_FAILED, report.to_text()
    assert report.sub_indication == "REVOKED"
    check = report.signer("0").check("PKX-003")
    assert check.status is CheckStatus.FAILED and check.reason == "SIGNER_REVOKED"
    assert check.evidence["revocation_time"] == live_pki.revocation_time
    assert check.evidence["revocation_reason"] == "keyCompromise"
    signer_data = [r for r in report.signer("0").revocation if r.role == "signer"]
    assert [(r.type, r.status) for r in signer_data] == [("OCSP", "revoked")]


def test_revocation_found_online_for_a_time_stamped_signature(
    live_pki: TestPki, tsa: TimestampClient
) -> None:
    signature = live_time_stamp(
        sign(CONTENT, _key(live_pki, "person_revoked"), profile=Profile.P1), tsa
    )
    policy = ValidationPolicy(
        [live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
        offline=False,
    )
    report = verify(signature, policy=policy)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication == "REVOKED"
    assert {r.source for r in report.signer("0").revocation if r.role == "signer"} == {"fetched"}


def test_signer_revoked_after_the_time_stamp_is_not_failed(
    live_pki: TestPki, policy: ValidationPolicy
) -> None:
    revocation = live_pki.revocation_time
    signing_time = revocation - timedelta(hours=1)
    signed = sign(CONTENT, _key(live_pki, "person_revoked"), signing_time=signing_time)
    stamped = time_stamp_at(signed, live_pki, signing_time + timedelta(seconds=20))
    signature = x_long(
        stamped,
        live_pki,
        signer_ocsp=fetch_ocsp(
            live_pki.person_revoked.certificate, live_pki.qualified_ca.certificate
        ).response_der,
        root_crl=live_crl(live_pki, "root"),
    )
    report = verify(signature, policy=policy)
    signer = report.signer("0")
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    check = signer.check("PKX-003")
    assert check.status is CheckStatus.WARNING
    assert check.reason == "SIGNER_REVOKED_AFTER_T_BEST"
    assert check.evidence["revocation_time"] == revocation
    assert signer.best_signature_time < revocation
    assert signer.maturity is Maturity.MATURE
    assert [r.status for r in signer.revocation if r.role == "signer"] == ["revoked"]


# --- the signature time-stamp window (§1.6 rule 1) -------------------------------------------


def test_time_stamp_outside_the_window_fails(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    signed = sign(
        CONTENT,
        _key(live_pki, "person"),
        profile=Profile.P2,
        signing_time=datetime.now(UTC) - timedelta(hours=3),
    )
    report = verify(live_time_stamp(signed, tsa), policy=policy)
    check = report.signer("0").check("TRP-005")
    assert check.status is CheckStatus.FAILED and check.reason == "TS_OUTSIDE_WINDOW"
    assert check.sub_indication == "SIG_CONSTRAINTS_FAILURE"
    assert 3 * 3600 - 60 < check.evidence["delay_seconds"] < 3 * 3600 + 60
    assert report.indication is Indication.TOTAL_FAILED


def test_delay_between_ten_minutes_and_two_hours_warns(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    signed = sign(
        CONTENT,
        _key(live_pki, "person"),
        mime_type="application/xml",
        signing_time=datetime.now(UTC) - timedelta(minutes=30),
    )
    sources = ValidationSources(tsa=tsa, trust_roots=[live_pki.root.certificate])
    report = verify(upgrade(signed, Level.XL, sources), policy=policy)
    check = report.signer("0").check("TRP-005")
    assert check.status is CheckStatus.WARNING and check.reason == "TS_DELAYED"
    assert 1790 < check.evidence["delay_seconds"] < 1900
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()


def test_time_stamp_before_signing_time_beyond_skew_fails(
    live_pki: TestPki, policy: ValidationPolicy
) -> None:
    signing_time = datetime.now(UTC) - timedelta(hours=1)
    signed = sign(CONTENT, _key(live_pki, "person"), profile=Profile.P2, signing_time=signing_time)
    stamped = time_stamp_at(signed, live_pki, signing_time - timedelta(minutes=6))
    check = verify(stamped, policy=policy).signer("0").check("TRP-005")
    assert check.status is CheckStatus.FAILED
    assert check.evidence["delay_seconds"] == pytest.approx(-360, abs=2)


# --- freshness, caution period and maturity (§4.3) -------------------------------------------


def test_ocsp_produced_before_the_time_stamp_is_not_fresh_for_p4(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    signed = sign(CONTENT, _key(live_pki, "person"), mime_type="application/xml")
    early = fetch_ocsp(live_pki.person.certificate, live_pki.qualified_ca.certificate)
    # producedAt has whole seconds: let the time-stamp fall into a later second.
    wait = early.produced_at + timedelta(seconds=1.05) - datetime.now(UTC)
    time.sleep(max(0.0, wait.total_seconds()))
    signature = x_long(
        live_time_stamp(signed, tsa),
        live_pki,
        signer_ocsp=early.response_der,
        root_crl=live_crl(live_pki, "root"),
    )
    report = verify(signature, policy=policy)
    signer = report.signer("0")
    assert report.indication is Indication.INDETERMINATE, report.to_text()
    assert report.sub_indication == "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    assert signer.check("XL-003").status is CheckStatus.INDETERMINATE
    assert signer.check("PKX-003").reason == "REVOCATION_STALE"
    assert signer.check("TRP-004").status is CheckStatus.PASSED  # the OCSP itself is usable
    assert [r.fresh for r in signer.revocation if r.role == "signer"] == [False]
    online = verify(
        signature,
        policy=ValidationPolicy([live_pki.root.certificate], offline=False),
    )
    assert online.indication is Indication.TOTAL_PASSED, online.to_text()
    fresh = [r for r in online.signer("0").revocation if r.role == "signer" and r.fresh]
    assert [r.source for r in fresh] == ["fetched"]


def test_p3_caution_period_premature_stale_then_mature(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    signed = sign(CONTENT, _key(live_pki, "person"), profile=Profile.P3, mime_type="text/xml")
    stamped = live_time_stamp(signed, tsa)
    signature = x_long(
        stamped,
        live_pki,
        signer_crl=live_crl(live_pki, "qualified_ca"),
        root_crl=live_crl(live_pki, "root"),
    )
    now = verify(signature, policy=policy)
    signer = now.signer("0")
    t_best = signer.best_signature_time
    assert signer.profile is Profile.P3 and signer.level is Level.XL
    assert now.indication is Indication.INDETERMINATE
    assert now.sub_indication == "TRY_LATER"
    assert signer.maturity is Maturity.PREMATURE
    assert signer.retry_after == t_best + timedelta(days=1)
    assert now.retry_after == t_best + timedelta(days=1)
    assert now.to_dict()["overall"]["retry_after"] is not None
    assert signer.check("MAT-001").reason == "PREMATURE"

    later = t_best + timedelta(days=2)
    stale = verify(signature, policy=ValidationPolicy(policy.trust_anchors, validation_time=later))
    assert stale.indication is Indication.INDETERMINATE
    assert stale.sub_indication == "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    assert stale.signer("0").maturity is Maturity.INDETERMINATE

    issued = t_best + timedelta(days=1, minutes=5)
    fresh_crls = [
        build_crl(
            live_pki[ca].certificate,
            live_pki[ca].key,
            live_pki.revoked_serials(ca),
            number=1000,
            this_update=issued,
            next_update=issued + timedelta(days=7),
        ).public_bytes(serialization.Encoding.DER)
        for ca in ("qualified_ca", "root")
    ]
    mature = verify(
        signature,
        policy=ValidationPolicy(policy.trust_anchors, validation_time=later, crls=fresh_crls),
    )
    assert mature.indication is Indication.TOTAL_PASSED, mature.to_text()
    assert mature.signer("0").maturity is Maturity.MATURE
    assert {r.source for r in mature.signer("0").revocation if r.fresh} >= {"policy"}


def test_configured_caution_period_makes_p4_premature(
    live_pki: TestPki, tsa: TimestampClient
) -> None:
    sources = ValidationSources(tsa=tsa, trust_roots=[live_pki.root.certificate])
    signed = sign(CONTENT, _key(live_pki, "person"), mime_type="application/xml")
    signature = upgrade(signed, Level.XL, sources)
    policy = ValidationPolicy([live_pki.root.certificate], caution_period=timedelta(hours=1))
    report = verify(signature, policy=policy)
    signer = report.signer("0")
    assert report.indication is Indication.INDETERMINATE and report.sub_indication == "TRY_LATER"
    assert signer.retry_after == signer.best_signature_time + timedelta(hours=1)
    assert signer.check("XL-003").reason == "REVOCATION_PREMATURE"


# --- certificate validity ------------------------------------------------------------------


def test_expired_signer_certificate_is_refused_by_sign(live_pki: TestPki) -> None:
    with pytest.raises(SignerCertificateError):
        sign(CONTENT, _key(live_pki, "person_expired"))


def test_signature_by_an_expired_certificate_fails(
    live_pki: TestPki, tsa: TimestampClient, tmp_path: Path
) -> None:
    folder = tmp_path
    (folder / "c.xml").write_bytes(CONTENT)
    expired = live_pki.person_expired
    subprocess.run(
        [
            "openssl", "cms", "-sign", "-cades", "-binary", "-nodetach", "-md", "sha256",
            "-signer", str(expired.cert_path), "-inkey", str(expired.key_path),
            "-in", str(folder / "c.xml"), "-outform", "DER", "-out", str(folder / "s.p7s"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    signature = live_time_stamp((folder / "s.p7s").read_bytes(), tsa)
    policy = ValidationPolicy(
        [live_pki.root.certificate], certificates=[live_pki.qualified_ca.certificate]
    )
    report = verify(signature, policy=policy)
    check = report.signer("0").check("PKX-002")
    assert check.status is CheckStatus.FAILED and check.reason == "CERT_EXPIRED"
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication == "EXPIRED"


# --- evidence that is present but not usable (§4.5) -----------------------------------------


def test_p4_with_only_a_crl_for_the_signer_fails_the_profile(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    signed = sign(CONTENT, _key(live_pki, "person"), mime_type="application/xml")
    signature = x_long(
        live_time_stamp(signed, tsa),
        live_pki,
        signer_crl=live_crl(live_pki, "qualified_ca"),
        root_crl=live_crl(live_pki, "root"),
    )
    report = verify(signature, policy=policy)
    signer = report.signer("0")
    assert signer.check("TRP-004").reason == "P4_NO_OCSP"
    pkx = signer.check("PKX-003")
    assert pkx.status is CheckStatus.INDETERMINATE
    assert "only CRL data" in pkx.message
    assert report.indication is Indication.TOTAL_FAILED


def _p1_time_stamped(pki: TestPki, tsa: TimestampClient) -> bytes:
    return live_time_stamp(sign(CONTENT, _key(pki, "person"), profile=Profile.P1), tsa)


def test_ocsp_from_an_unauthorised_responder_is_rejected(
    live_pki: TestPki, tsa: TimestampClient
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    forged = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=live_pki.person.certificate,
            issuer=live_pki.qualified_ca.certificate,
            algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + timedelta(hours=1),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, live_pki.tsa.certificate)
        .certificates([live_pki.tsa.certificate])
        .sign(live_pki.tsa.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    policy = ValidationPolicy(
        [live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
        ocsp_responses=[forged],
        crls=[live_crl(live_pki, "root")],
    )
    signer = verify(_p1_time_stamped(live_pki, tsa), policy=policy).signer("0")
    assert signer.check("PKX-003").status is CheckStatus.INDETERMINATE
    (info,) = [r for r in signer.revocation if r.role == "signer"]
    assert not info.authentic and info.problem is not None
    assert "not signed by the CA" in info.problem


def test_crl_with_a_wrong_signature_is_rejected(live_pki: TestPki, tsa: TimestampClient) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    wrong = build_crl(
        live_pki.qualified_ca.certificate,
        live_pki.root.key,  # not the issuing CA's key
        {},
        number=77,
        this_update=now,
        next_update=now + timedelta(days=1),
    ).public_bytes(serialization.Encoding.DER)
    policy = ValidationPolicy(
        [live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
        crls=[wrong, live_crl(live_pki, "root")],
    )
    signer = verify(_p1_time_stamped(live_pki, tsa), policy=policy).signer("0")
    assert signer.check("PKX-003").reason == "REVOCATION_MISSING"
    (info,) = [r for r in signer.revocation if r.role == "signer"]
    assert info.type == "CRL" and not info.authentic
    assert info.problem is not None and info.problem.startswith("signature")


def test_archive_time_stamp_older_than_what_it_covers_is_an_order_failure(
    live_pki: TestPki, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    sources = ValidationSources(tsa=tsa, trust_roots=[live_pki.root.certificate])
    xl = upgrade(sign(CONTENT, _key(live_pki, "person"), mime_type="text/xml"), Level.XL, sources)
    view = _view.parse_signed_data(xl)
    index = build_ats_hash_index(view, view.signers[0], Oid.SHA256)
    imprint = ats_v3_imprint(view, view.signers[0], index, Oid.SHA256)
    request = TimestampRequest.for_digest(imprint, HashAlgorithm.SHA256)
    response = build_tsa_response(
        live_pki,
        request.to_der(),
        TokenOptions(policy=TEST_TSA_POLICY, serial=next(_SERIALS)),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    token = splice_hash_index(bytes(TimeStampResp.load(response)["time_stamp_token"].dump()), index)
    archived = _splice(xl, _view.attribute_der(Oid.ARCHIVE_TIME_STAMP_V3, token))
    signer = verify(archived, policy=policy).signer("0")
    assert signer.check("A-002").status is CheckStatus.PASSED  # the imprint itself is right
    check = signer.check("A-004")
    assert check.status is CheckStatus.FAILED and check.reason == "ATS_ORDER"
    assert check.sub_indication == "TIMESTAMP_ORDER_FAILURE"
    assert signer.indication is Indication.TOTAL_FAILED
