"""CAdES verification against signatures made with the live test TSA/OCSP/CRL (signatures.md §4).

Signatures are produced by ``sign()`` + ``upgrade()`` (software keys and, marked ``softhsm``,
the SoftHSM2 token), by OpenSSL (``cms -sign -cades``) and, for the forms this library never
writes (ATSv2, ATS index v2/v3, X-type time-stamps, ATS v1), by splicing live time-stamps with
the byte-preserving editor of :mod:`cades._view`.
"""

from __future__ import annotations

import io
import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID

import keys
from cades import _der, _view
from cades._asn1 import Oid, SignaturePolicyIdentifier
from cades._ats import ats_hash_index_entries, ats_v2_imprints, ats_v3_imprint, splice_hash_index
from cades._crypto import digest, digest_algorithm_der
from cades._sign import add_parallel_signer, countersign, sign
from cades._upgrade import ValidationSources, upgrade
from cades.profiles import Level, Profile
from cades.revocation import fetch_crl, fetch_ocsp
from cades.tsp import HashAlgorithm, TimestampClient
from cades.tsp._token import TimeStampResp
from cades.verify import (
    CheckStatus,
    Indication,
    Maturity,
    SignatureReport,
    SignerReport,
    ValidationPolicy,
    VerificationConfigError,
    VerificationInputError,
    verify,
)
from eyazisma.testing._responders import TokenOptions, build_tsa_response
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.services import TEST_TSA_POLICY
from eyazisma.testing.softhsm import SoftHsmToken
from keys import QcType, SoftwareKey

CONTENT = "\ufeff<?xml version='1.0' encoding='UTF-8'?>\r\n<PaketOzeti/>\r\n".encode()
OK = {CheckStatus.PASSED, CheckStatus.NOT_APPLICABLE}
XL_IDS = {
    "FMT-003", "BES-001", "BES-002", "BES-003", "BES-004", "BES-005", "BES-006", "BES-007",
    "TRP-001", "TRP-002", "TRP-003", "TRP-004", "TRP-005", "TRP-006",
    "T-001", "T-002", "T-003", "T-004", "C-001", "C-002", "C-003", "X-001",
    "XL-001", "XL-002", "XL-003", "A-001", "A-002", "A-003", "A-004",
    "PKX-001", "PKX-002", "PKX-003", "PKX-004", "PKX-005", "MAT-001",
}  # fmt: skip


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def person(live_pki: TestPki) -> SoftwareKey:
    return keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def seal(live_pki: TestPki) -> SoftwareKey:
    return keys.load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def tsa(live_pki: TestPki) -> TimestampClient:
    return TimestampClient(live_pki.tsa_url, trust_roots=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def sources(live_pki: TestPki, tsa: TimestampClient) -> ValidationSources:
    return ValidationSources(tsa=tsa, trust_roots=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def policy(live_pki: TestPki) -> ValidationPolicy:
    return ValidationPolicy(trust_anchors=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def p4_xl(person: SoftwareKey, sources: ValidationSources) -> bytes:
    signature = sign(CONTENT, person, profile=Profile.P4, mime_type="application/xml")
    return upgrade(signature, Level.XL, sources)


@pytest.fixture(scope="module")
def p4_a(p4_xl: bytes, sources: ValidationSources) -> bytes:
    return upgrade(p4_xl, Level.A, sources)


# --- helpers --------------------------------------------------------------------------------


def statuses(signer: SignerReport) -> dict[str, CheckStatus]:
    return {c.id: c.status for c in signer.checks}


def not_ok(signer: SignerReport) -> dict[str, str]:
    return {c.id: f"{c.status.value} {c.reason}" for c in signer.checks if c.status not in OK}


def splice(signature: bytes, oid: str, value: bytes, path: str = "0") -> bytes:
    view = _view.parse_signed_data(signature)
    return _view.add_unsigned_attribute(view, view.signer(path), _view.attribute_der(oid, value))


def live_token(tsa: TimestampClient, data: bytes) -> bytes:
    return tsa.timestamp_digest(digest(Oid.SHA256, data), HashAlgorithm.SHA256).token_der


def openssl_sign(
    pki_identity: Any, content: bytes, tmp_path: Path, *, md: str = "sha256", stream: bool = False
) -> bytes:
    data = tmp_path / "content.xml"
    data.write_bytes(content)
    out = tmp_path / "sig.p7s"
    subprocess.run(
        [
            "openssl", "cms", "-sign", "-cades", "-binary", "-nodetach", "-md", md,
            "-signer", str(pki_identity.cert_path), "-inkey", str(pki_identity.key_path),
            "-in", str(data), "-outform", "DER", "-out", str(out),
            *(["-stream"] if stream else []),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return out.read_bytes()


def other_root() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated Root")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


# --- the normal cases -----------------------------------------------------------------------


def test_p4_xlong_passes_offline_with_every_check(p4_xl: bytes, policy: ValidationPolicy) -> None:
    report = verify(p4_xl, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert report.passed and report.mode == "offline"
    signer = report.signer("0")
    assert set(statuses(signer)) == XL_IDS
    assert not not_ok(signer)
    assert signer.profile is Profile.P4
    assert signer.level is Level.XL and signer.level_claimed is Level.XL
    assert signer.maturity is Maturity.MATURE
    assert signer.best_signature_time_source == "signature-time-stamp"
    assert signer.signing_time is not None
    assert signer.signing_time <= signer.best_signature_time
    assert [t.kind for t in signer.timestamps] == ["signature"]
    assert signer.timestamps[0].trusted and signer.timestamps[0].imprint_matches
    kinds = {(r.role, r.type, r.source, r.fresh) for r in signer.revocation}
    assert ("signer", "OCSP", "embedded", True) in kinds
    assert ("ca", "CRL", "embedded", True) in kinds
    assert ("tsa", "CRL", "embedded", True) in kinds
    assert signer.check("TRP-005").reason == "TS_WITHIN_WINDOW"
    assert signer.check("C-003").status is CheckStatus.PASSED  # every reference was used


def test_p4_archive_reports_the_index_variant(p4_a: bytes, policy: ValidationPolicy) -> None:
    report = verify(p4_a, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    signer = report.signer("0")
    assert signer.level is Level.A
    assert signer.check("A-002").evidence["variants"] == ["archive-v3/index-v1/whole-attribute"]
    archive = [t for t in signer.timestamps if t.kind == "archive-v3"]
    assert len(archive) == 1
    assert archive[0].index_version == 1 and archive[0].variant == "whole-attribute"
    assert archive[0].trusted
    signature_ts = next(t for t in signer.timestamps if t.kind == "signature")
    assert archive[0].gen_time is not None and signature_ts.gen_time is not None
    assert archive[0].gen_time >= signature_ts.gen_time


def test_renewed_archive_time_stamps_chain(
    p4_a: bytes, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    renewed = upgrade(p4_a, Level.A, sources)
    report = verify(renewed, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    signer = report.signer("0")
    assert len([t for t in signer.timestamps if t.kind == "archive-v3"]) == 2
    assert signer.check("A-004").status is CheckStatus.PASSED


def test_report_json_has_the_documented_shape(p4_a: bytes, policy: ValidationPolicy) -> None:
    report = verify(p4_a, policy=policy)
    data = json.loads(report.to_json())
    assert data == report.to_dict()
    assert {"document", "validation_time", "mode", "overall", "signers"} <= set(data)
    assert data["overall"] == {
        "indication": "TOTAL_PASSED",
        "sub_indication": None,
        "retry_after": None,
    }
    assert data["document"]["attached"] is True
    signer = data["signers"][0]
    assert signer["path"] == "0"
    assert signer["certificate_type"] == "NES"
    assert signer["type_marker_source"] == "qcStatements"
    assert signer["profile"] == "P4"
    assert signer["level_claimed"] == "A" and signer["level_achieved"] == "A"
    assert signer["best_signature_time"]["source"] == "signature-time-stamp"
    assert signer["best_signature_time"]["value"].endswith("Z")
    assert signer["maturity"] == "MATURE"
    assert "certificate" not in signer
    window = next(c for c in signer["checks"] if c["id"] == "TRP-005")
    assert window["status"] == "PASSED" and window["reason"] == "TS_WITHIN_WINDOW"
    assert (
        window["message"]["en"].startswith("Time-stamp") and "sn sonra" in window["message"]["tr"]
    )
    assert set(window["evidence"]) == {"signing_time", "ts_time", "delay_seconds"}
    assert {t["kind"] for t in signer["timestamps"]} == {"signature", "archive-v3"}
    assert all(r["source"] == "embedded" for r in signer["revocation"])
    assert signer["countersigners"] == []


def test_text_rendering_groups_like_imzager(p4_a: bytes, policy: ValidationPolicy) -> None:
    report = verify(p4_a, policy=policy)
    english = report.to_text()
    turkish = report.to_text("tr")
    for heading in ("Signature details", "Signer", "Time-stamps", "Legal quality", "Checks"):
        assert heading in english
    for heading in ("İmza ayrıntıları", "İmzacı", "Zaman damgaları", "Yasal nitelik"):
        assert heading in turkish
    assert "TC identity no: 10000000146" in english
    assert "A-002" in english and "kesinleşmiş" in turkish
    with pytest.raises(ValueError, match="lang"):
        report.to_text("de")


def test_seal_identity_and_certificate_type(
    seal: SoftwareKey, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    signature = upgrade(sign(CONTENT, seal, mime_type="application/xml"), Level.A, sources)
    signer = verify(signature, policy=policy).signer("0")
    assert signer.indication is Indication.TOTAL_PASSED, not_ok(signer)
    assert signer.certificate_type is QcType.KURUMSAL_MUHUR
    assert signer.identity["organization"] == "Test Bakanlığı"
    assert "tckn" not in signer.identity


def test_expected_profile_and_minimum_level(p4_xl: bytes, live_pki: TestPki) -> None:
    anchors = [live_pki.root.certificate]
    wrong = verify(p4_xl, policy=ValidationPolicy(anchors, expected_profile=Profile.P3))
    check = wrong.signer("0").check("TRP-001")
    assert check.status is CheckStatus.FAILED and check.reason == "PROFILE_MISMATCH"
    assert wrong.indication is Indication.TOTAL_FAILED
    assert wrong.sub_indication == "POLICY_PROCESSING_ERROR"
    right = verify(p4_xl, policy=ValidationPolicy(anchors, expected_profile=Profile.P4))
    assert right.passed
    archive = verify(p4_xl, policy=ValidationPolicy(anchors, minimum_level=Level.A))
    signer = archive.signer("0")
    assert signer.check("TRP-004").reason == "LEVEL_BELOW_MINIMUM"
    assert signer.check("A-001").status is CheckStatus.FAILED
    assert archive.indication is Indication.TOTAL_FAILED


def test_unknown_anchor_is_indeterminate(p4_xl: bytes) -> None:
    report = verify(p4_xl, policy=ValidationPolicy(trust_anchors=[other_root()]))
    signer = report.signer("0")
    assert report.indication is Indication.INDETERMINATE
    assert signer.check("PKX-001").sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert signer.check("T-003").reason == "TSA_NOT_TRUSTED"
    assert signer.best_signature_time_source == "validation-time"
    assert signer.check("BES-003").status is CheckStatus.PASSED  # the maths still holds


def test_tsa_anchors_are_separate(p4_xl: bytes, live_pki: TestPki) -> None:
    policy = ValidationPolicy([live_pki.root.certificate], tsa_trust_anchors=[other_root()])
    signer = verify(p4_xl, policy=policy).signer("0")
    assert signer.check("PKX-001").status is CheckStatus.PASSED
    assert signer.check("T-003").status is CheckStatus.INDETERMINATE
    assert not signer.timestamps[0].trusted


def test_countersigner_is_verified_recursively(
    p4_xl: bytes, seal: SoftwareKey, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    countersigned = upgrade(countersign(p4_xl, seal, target="0"), Level.XL, sources)
    report = verify(countersigned, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    top = report.signer("0")
    counter = report.signer("0.0")
    assert top.countersigners == (counter,)
    assert counter.certificate_type is QcType.KURUMSAL_MUHUR
    assert counter.check("BES-001").reason == "COUNTER_NO_CONTENT_TYPE"
    assert counter.check("BES-002").reason == "COUNTER_DIGEST_OK"
    assert counter.check("BES-007").reason == "COUNTER_NO_MIME_TYPE"
    assert counter.level is Level.XL
    assert [s.path for s in report.all_signers()] == ["0", "0.0"]
    assert report.to_dict()["signers"][0]["countersigners"][0]["path"] == "0.0"
    assert "Countersignature 0.0" in report.to_text()
    assert "Seri imza 0.0" in report.to_text("tr")


def test_parallel_signers_each_get_a_report(
    p4_xl: bytes, seal: SoftwareKey, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    both = upgrade(add_parallel_signer(p4_xl, seal, mime_type="application/xml"), Level.XL, sources)
    report = verify(both, policy=policy)
    assert [s.path for s in report.signers] == ["0", "1"]
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert report.signer("1").certificate_type is QcType.KURUMSAL_MUHUR


def test_one_bad_parallel_signer_fails_the_whole(
    p4_xl: bytes, seal: SoftwareKey, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    both = upgrade(add_parallel_signer(p4_xl, seal, mime_type="image/png"), Level.XL, sources)
    report = verify(both, policy=policy)
    assert report.signer("0").passed
    assert report.signer("1").check("BES-007").reason == "MIME_TYPE_CONTRADICTS_CONTENT"
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication == "SIG_CONSTRAINTS_FAILURE"


def test_detached_content_from_bytes_stream_or_path(
    person: SoftwareKey, sources: ValidationSources, policy: ValidationPolicy, tmp_path: Path
) -> None:
    signature = upgrade(
        sign(CONTENT, person, detached=True, mime_type="application/xml"),
        Level.XL,
        sources,
        content=CONTENT,
    )
    path = tmp_path / "content.xml"
    path.write_bytes(CONTENT)
    for content in (CONTENT, io.BytesIO(CONTENT), path):
        report = verify(signature, policy=policy, content=content)
        assert report.indication is Indication.TOTAL_PASSED, report.to_text()
        assert report.document["attached"] is False
    missing = verify(signature, policy=policy)
    check = missing.signer("0").check("BES-002")
    assert check.status is CheckStatus.INDETERMINATE
    assert check.sub_indication == "SIGNED_DATA_NOT_FOUND"
    assert missing.indication is Indication.INDETERMINATE
    other = verify(signature, policy=policy, content=CONTENT + b" ")
    assert other.signer("0").check("BES-002").reason == "MESSAGE_DIGEST_MISMATCH"
    assert other.sub_indication == "HASH_FAILURE"


def test_expected_content_binds_the_manifest(p4_xl: bytes, policy: ValidationPolicy) -> None:
    same = verify(p4_xl, policy=policy, expected_content=CONTENT)
    assert same.format_checks[1].id == "FMT-002"
    assert same.format_checks[1].status is CheckStatus.PASSED
    different = verify(p4_xl, policy=policy, expected_content=CONTENT.replace(b"Paket", b"Nihai"))
    assert different.format_checks[1].status is CheckStatus.FAILED
    assert different.indication is Indication.TOTAL_FAILED
    assert different.sub_indication == "HASH_FAILURE"


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"\x30\x03\x06\x01\x00", b"\x30\x80\x00\x00", bytes.fromhex("3000")],
)
def test_malformed_input_is_a_report(data: bytes, policy: ValidationPolicy) -> None:
    report = verify(data, policy=policy)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication == "FORMAT_FAILURE"
    assert report.format_checks[0].id == "FMT-001"
    assert report.signers == ()
    json.loads(report.to_json())


def test_truncations_never_raise(p4_a: bytes, policy: ValidationPolicy) -> None:
    for cut in range(0, len(p4_a), max(1, len(p4_a) // 97)):
        report = verify(p4_a[:cut], policy=policy)
        assert report.indication is Indication.TOTAL_FAILED


def test_bad_arguments_raise(p4_xl: bytes, policy: ValidationPolicy, tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        verify(1234, policy=policy)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify(p4_xl, policy="strict")  # type: ignore[arg-type]
    with pytest.raises(VerificationInputError, match="cannot read"):
        verify(tmp_path / "missing.p7s", policy=policy)
    stored = tmp_path / "signature.p7s"
    stored.write_bytes(p4_xl)
    assert verify(stored, policy=policy).passed
    assert verify(str(stored), policy=policy).passed


def test_policy_rejects_unusable_values(live_pki: TestPki) -> None:
    anchors = [live_pki.root.certificate]
    with pytest.raises(VerificationConfigError, match="timezone"):
        ValidationPolicy(anchors, validation_time=datetime(2026, 1, 1))
    with pytest.raises(VerificationConfigError, match=r"x509\.Certificate"):
        ValidationPolicy([live_pki.root.cert_der])  # type: ignore[list-item]
    with pytest.raises(VerificationConfigError, match="non-negative"):
        ValidationPolicy(anchors, caution_period=timedelta(seconds=-1))


# --- online mode and P1 ----------------------------------------------------------------------


def test_p1_time_stamped_signature_online_and_offline(
    person: SoftwareKey, sources: ValidationSources, live_pki: TestPki
) -> None:
    signature = upgrade(
        sign(CONTENT, person, profile=Profile.P1, mime_type="application/xml"), Level.T, sources
    )
    offline = verify(
        signature,
        policy=ValidationPolicy(
            [live_pki.root.certificate], certificates=[live_pki.qualified_ca.certificate]
        ),
    )
    signer = offline.signer("0")
    assert signer.profile is None and signer.level is Level.T
    assert offline.indication is Indication.INDETERMINATE
    assert signer.check("PKX-003").reason == "REVOCATION_MISSING"
    online = verify(
        signature,
        policy=ValidationPolicy(
            [live_pki.root.certificate],
            certificates=[live_pki.qualified_ca.certificate],
            offline=False,
        ),
    )
    assert online.mode == "online"
    assert online.indication is Indication.TOTAL_PASSED, online.to_text()
    fetched = {(r.role, r.type) for r in online.signer("0").revocation if r.source == "fetched"}
    assert ("signer", "OCSP") in fetched
    assert online.signer("0").maturity is Maturity.MATURE


def test_prefetched_revocation_data_offline(
    person: SoftwareKey, sources: ValidationSources, live_pki: TestPki
) -> None:
    signature = upgrade(sign(CONTENT, person, profile=Profile.P1), Level.T, sources)
    ca = live_pki.qualified_ca.certificate
    ocsp = fetch_ocsp(live_pki.person.certificate, ca).response_der
    crl = fetch_crl(live_pki.crl_url("root"), live_pki.root.certificate).crl_der
    policy = ValidationPolicy(
        [live_pki.root.certificate], certificates=[ca], crls=[crl], ocsp_responses=[ocsp]
    )
    report = verify(signature, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert {r.source for r in report.signer("0").revocation} == {"policy"}


def test_p4_below_xlong_fails_the_profile_even_online(
    person: SoftwareKey, sources: ValidationSources, live_pki: TestPki
) -> None:
    signature = upgrade(sign(CONTENT, person, mime_type="application/xml"), Level.T, sources)
    report = verify(
        signature,
        policy=ValidationPolicy(
            [live_pki.root.certificate],
            certificates=[live_pki.qualified_ca.certificate],
            offline=False,
        ),
    )
    signer = report.signer("0")
    assert signer.check("PKX-003").status is CheckStatus.PASSED
    assert signer.check("TRP-004").reason == "FORM_BELOW_PROFILE"
    assert report.indication is Indication.TOTAL_FAILED


# --- signatures from OpenSSL ------------------------------------------------------------------


def test_openssl_cades_bes(live_pki: TestPki, tmp_path: Path) -> None:
    signature = openssl_sign(live_pki.person, CONTENT, tmp_path)
    ca = live_pki.qualified_ca.certificate
    policy = ValidationPolicy(
        [live_pki.root.certificate],
        certificates=[ca],
        ocsp_responses=[fetch_ocsp(live_pki.person.certificate, ca).response_der],
        crls=[fetch_crl(live_pki.crl_url("root"), live_pki.root.certificate).crl_der],
    )
    report = verify(signature, policy=policy)
    signer = report.signer("0")
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert signer.level is Level.BES and signer.profile is None
    assert signer.check("BES-004").reason == "SIGNING_CERT_MATCHES"
    assert signer.check("BES-007").reason == "MIME_TYPE_ABSENT"
    assert signer.best_signature_time_source == "validation-time"
    assert signer.maturity is Maturity.NOT_APPLICABLE
    trusted = ValidationPolicy(
        policy.trust_anchors,
        certificates=[ca],
        ocsp_responses=policy.ocsp_responses,
        crls=policy.crls,
        trust_signing_time=True,
    )
    assert verify(signature, policy=trusted).signer("0").best_signature_time_source == (
        "signing-time"
    )


def test_openssl_streamed_ber_signature(live_pki: TestPki, tmp_path: Path) -> None:
    """``-stream`` writes indefinite lengths and a segmented eContent (BER, §4.8)."""
    signature = openssl_sign(live_pki.person, CONTENT * 200, tmp_path, stream=True)
    view = _view.parse_signed_data(signature)
    assert view.content_info.indefinite
    report = verify(signature, policy=_online(live_pki))
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert report.format_checks[0].evidence["indefinite_length"] is True
    assert report.signer("0").check("FMT-003").status is CheckStatus.PASSED
    assert report.signer("0").check("BES-002").status is CheckStatus.PASSED


def test_openssl_bes_with_spliced_signature_time_stamp(
    live_pki: TestPki, tsa: TimestampClient, tmp_path: Path
) -> None:
    bes = openssl_sign(live_pki.person, CONTENT, tmp_path)
    value = _view.parse_signed_data(bes).signers[0].signature_value
    stamped = splice(bes, Oid.SIGNATURE_TIME_STAMP, live_token(tsa, value))
    policy = ValidationPolicy(
        [live_pki.root.certificate], certificates=[live_pki.qualified_ca.certificate], offline=False
    )
    signer = verify(stamped, policy=policy).signer("0")
    assert signer.level is Level.T
    assert signer.check("T-002").status is CheckStatus.PASSED
    assert signer.indication is Indication.TOTAL_PASSED, not_ok(signer)
    wrong = splice(bes, Oid.SIGNATURE_TIME_STAMP, live_token(tsa, value + b"x"))
    bad = verify(wrong, policy=policy).signer("0")
    assert bad.check("T-002").reason == "SIGNATURE_TS_IMPRINT_MISMATCH"
    assert bad.indication is Indication.TOTAL_FAILED


def test_sha1_is_legacy_and_needs_the_policy_knob(live_pki: TestPki, tmp_path: Path) -> None:
    signature = openssl_sign(live_pki.person, CONTENT, tmp_path, md="sha1")
    ca = live_pki.qualified_ca.certificate
    base: dict[str, Any] = {
        "certificates": [ca],
        "ocsp_responses": [fetch_ocsp(live_pki.person.certificate, ca).response_der],
        "crls": [fetch_crl(live_pki.crl_url("root"), live_pki.root.certificate).crl_der],
    }
    strict = verify(signature, policy=ValidationPolicy([live_pki.root.certificate], **base))
    check = strict.signer("0").check("BES-005")
    assert check.status is CheckStatus.INDETERMINATE
    assert check.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    assert strict.signer("0").check("BES-003").status is CheckStatus.PASSED
    legacy = verify(
        signature, policy=ValidationPolicy([live_pki.root.certificate], allow_sha1=True, **base)
    )
    assert legacy.signer("0").check("BES-005").status is CheckStatus.WARNING
    assert legacy.indication is Indication.TOTAL_PASSED


def test_mime_type_contradicting_content_fails(
    person: SoftwareKey, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    signature = upgrade(sign(CONTENT, person, mime_type="image/jpeg"), Level.XL, sources)
    check = verify(signature, policy=policy).signer("0").check("BES-007")
    assert check.status is CheckStatus.FAILED
    assert check.evidence["content_looks_like"] == "xml"


# --- archive and X forms this library only reads ----------------------------------------------


def _atsv2(signature: bytes, tsa: TimestampClient, reading: str) -> bytes:
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    imprint = ats_v2_imprints(view, signer, len(signer.unsigned_attributes), Oid.SHA256)[reading]
    token = tsa.timestamp_digest(imprint, HashAlgorithm.SHA256).token_der
    return splice(signature, Oid.ARCHIVE_TIME_STAMP_V2, token)


@pytest.mark.parametrize("reading", ["v2.2.1", "v1.8.3"])
def test_archive_time_stamp_v2_readings(
    p4_xl: bytes, tsa: TimestampClient, policy: ValidationPolicy, reading: str
) -> None:
    archived = _atsv2(p4_xl, tsa, reading)
    report = verify(archived, policy=policy)
    signer = report.signer("0")
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert signer.level is Level.A
    assert signer.check("A-003").evidence["variants"] == [f"archive-v2/{reading}"]
    archive = next(t for t in signer.timestamps if t.kind == "archive-v2")
    assert archive.variant == reading
    # An ATSv2 freezes the attributes before it: one more attribute in front breaks it.
    view = _view.parse_signed_data(archived)
    broken = splice(p4_xl, Oid.CONTENT_HINTS, b"\x05\x00")
    broken = splice(
        broken, Oid.ARCHIVE_TIME_STAMP_V2, view.signers[0].unsigned_attributes[-1].value_der()
    )
    assert verify(broken, policy=policy).signer("0").check("A-003").reason == "ATS_IMPRINT_MISMATCH"


def _index_der(view: _view.SignedDataView, version: int, per_value: bool) -> bytes:
    certs, crls, whole, values = ats_hash_index_entries(view, view.signers[0], Oid.SHA256, version)
    unsigned = values if per_value else whole

    def seq(items: tuple[bytes, ...]) -> bytes:
        return _der.tlv(0x30, b"".join(_der.tlv(0x04, i) for i in items))

    algorithm = digest_algorithm_der(Oid.SHA256) if version == 3 else b""
    return _der.tlv(0x30, algorithm + seq(certs) + seq(crls) + seq(unsigned))


@pytest.mark.parametrize(
    ("version", "per_value", "oid"),
    [(2, False, Oid.ATS_HASH_INDEX_V2), (3, True, Oid.ATS_HASH_INDEX_V3)],
)
def test_archive_v3_with_index_v2_and_v3(
    p4_xl: bytes,
    tsa: TimestampClient,
    policy: ValidationPolicy,
    version: int,
    per_value: bool,
    oid: str,
) -> None:
    view = _view.parse_signed_data(p4_xl)
    index = _index_der(view, version, per_value)
    imprint = ats_v3_imprint(view, view.signers[0], index, Oid.SHA256)
    token = tsa.timestamp_digest(imprint, HashAlgorithm.SHA256).token_der
    archived = splice(p4_xl, Oid.ARCHIVE_TIME_STAMP_V3, splice_hash_index(token, index, oid))
    report = verify(archived, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    archive = next(t for t in report.signer("0").timestamps if t.kind == "archive-v3")
    assert archive.index_version == version
    assert archive.variant == ("per-value" if per_value else "whole-attribute")


def test_archive_time_stamp_v1_is_reported_indeterminate(
    p4_xl: bytes, tsa: TimestampClient, policy: ValidationPolicy
) -> None:
    token = live_token(tsa, p4_xl)
    report = verify(splice(p4_xl, Oid.ARCHIVE_TIME_STAMP_V1, token), policy=policy)
    check = report.signer("0").check("A-003")
    assert check.status is CheckStatus.INDETERMINATE and check.reason == "ATS_V1_NOT_VERIFIED"
    assert report.indication is Indication.INDETERMINATE
    assert report.signer("0").level is Level.XL


def _t(attribute: _view.AttributeView) -> bytes:
    return attribute.buf[attribute.tlv.content_start : attribute.tlv.content_end]


@pytest.mark.parametrize("variant", ["T(x)", "attribute"])
def test_x_type_time_stamps_both_variants(
    p4_xl: bytes, tsa: TimestampClient, policy: ValidationPolicy, variant: str
) -> None:
    signer = _view.parse_signed_data(p4_xl).signers[0]
    pick = _t if variant == "T(x)" else (lambda a: a.der)
    sig_ts = pick(signer.unsigned(Oid.SIGNATURE_TIME_STAMP)[0])
    refs = pick(signer.unsigned(Oid.CERTIFICATE_REFS)[0]) + pick(
        signer.unsigned(Oid.REVOCATION_REFS)[0]
    )
    with_esc = splice(
        p4_xl, Oid.ESC_TIME_STAMP, live_token(tsa, signer.signature_value + sig_ts + refs)
    )
    both = splice(with_esc, Oid.CERTS_CRLS_TIME_STAMP, live_token(tsa, refs))
    report = verify(both, policy=policy)
    signer_report = report.signer("0")
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert signer_report.check("X-001").evidence["variants"] == [
        f"esc:{variant}",
        f"certs-crls:{variant}",
    ]
    assert {t.kind for t in signer_report.timestamps} == {"signature", "esc", "certs-crls"}
    wrong = splice(p4_xl, Oid.ESC_TIME_STAMP, live_token(tsa, refs))
    assert verify(wrong, policy=policy).signer("0").check("X-001").status is CheckStatus.FAILED


def handmade(
    identity: Any, content: bytes, extra: list[tuple[str, bytes]], *, der_order: bool = True
) -> bytes:
    """A CAdES-BES built with asn1crypto, for signed attributes sign() does not write."""
    cert = asn1_x509.Certificate.load(identity.cert_der)
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest(Oid.SHA256, content)]}),
        cms.CMSAttribute(
            {"type": "signing_time", "values": [cms.Time({"utc_time": datetime.now(UTC)})]}
        ),
        cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [{"certs": [{"cert_hash": digest(Oid.SHA256, identity.cert_der)}]}],
            }
        ),
    ]
    for oid, value in extra:
        attributes.append(cms.CMSAttribute({"type": oid, "values": [core.Any.load(value)]}))
    attributes.sort(key=lambda a: a.dump(), reverse=not der_order)
    # Encode the SET in the order given (asn1crypto would sort it), as a careless producer would.
    body = b"".join(a.dump() for a in attributes)
    signed_attrs = cms.CMSAttributes.load(_der.tlv(0x31, body))
    signature = identity.key.sign(_der.tlv(0x31, body), padding.PKCS1v15(), hashes.SHA256())
    signed_data = {
        "version": "v1",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "data", "content": content},
        "certificates": [cert],
        "signer_infos": [
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={"issuer": cert.issuer, "serial_number": cert.serial_number},
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attrs,
                "signature_algorithm": {"algorithm": "sha256_rsa"},
                "signature": signature,
            }
        ],
    }
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def test_content_time_stamp(live_pki: TestPki, tsa: TimestampClient) -> None:
    policy = ValidationPolicy(
        [live_pki.root.certificate], certificates=[live_pki.qualified_ca.certificate], offline=False
    )
    good = handmade(live_pki.person, CONTENT, [(Oid.CONTENT_TIME_STAMP, live_token(tsa, CONTENT))])
    value = _view.parse_signed_data(good).signers[0].signature_value
    stamped = splice(good, Oid.SIGNATURE_TIME_STAMP, live_token(tsa, value))
    report = verify(stamped, policy=policy)
    signer = report.signer("0")
    assert signer.check("T-004").reason == "CONTENT_TS_OK"
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert [t.kind for t in signer.timestamps] == ["signature", "content"]
    other = handmade(live_pki.person, CONTENT, [(Oid.CONTENT_TIME_STAMP, live_token(tsa, b"x"))])
    check = verify(other, policy=policy).signer("0").check("T-004")
    assert check.status is CheckStatus.FAILED and check.reason == "CONTENT_TS_IMPRINT_MISMATCH"


def test_unsorted_signed_attributes_verify_with_a_warning(
    live_pki: TestPki, tsa: TimestampClient
) -> None:
    signature = handmade(live_pki.person, CONTENT, [], der_order=False)
    signer = verify(signature, policy=_online(live_pki)).signer("0")
    check = signer.check("FMT-003")
    assert check.status is CheckStatus.WARNING
    assert "attributes not in DER SET OF order (X.690 §11.6)" in check.evidence["problems"]
    assert signer.check("BES-003").status is CheckStatus.PASSED


def _policy_attribute(oid: str, hash_oid: str, value: bytes, spuri: str | None) -> bytes:
    policy: dict[str, Any] = {
        "sig_policy_id": oid,
        "sig_policy_hash": {"hash_algorithm": {"algorithm": hash_oid}, "hash_value": value},
    }
    if spuri is not None:
        policy["sig_policy_qualifiers"] = [
            {
                "sig_policy_qualifier_id": Oid.SPQ_URI,
                "sig_qualifier": core.IA5String(spuri),
            }
        ]
    return bytes(SignaturePolicyIdentifier({"signature_policy_id": policy}).dump())


def test_policy_identifier_variants(live_pki: TestPki) -> None:
    policy = _online(live_pki)
    unknown = handmade(
        live_pki.person,
        CONTENT,
        [(Oid.SIGNATURE_POLICY, _policy_attribute("1.2.3.4", Oid.SHA256, b"\x00" * 32, "x"))],
    )
    signer = verify(unknown, policy=policy).signer("0")
    assert signer.check("TRP-001").reason == "POLICY_UNKNOWN"
    assert signer.check("TRP-001").status is CheckStatus.INDETERMINATE
    assert signer.profile is None and signer.policy_oid == "1.2.3.4"
    sha1 = handmade(
        live_pki.person,
        CONTENT,
        [
            (
                Oid.SIGNATURE_POLICY,
                _policy_attribute(
                    Profile.P4.policy_oid or "",
                    Oid.SHA1,
                    bytes.fromhex("7E3B50D9020C676BBBF07A998E75E63734909CD8"),
                    None,
                ),
            )
        ],
    )
    signer = verify(sha1, policy=policy).signer("0")
    assert signer.profile is Profile.P4
    assert signer.check("TRP-002").status is CheckStatus.FAILED
    assert signer.check("TRP-003").status is CheckStatus.FAILED
    assert signer.check("TRP-006").status is CheckStatus.WARNING
    assert signer.check("BES-007").reason == "MIME_TYPE_MISSING"  # mandatory for P4
    assert signer.check("T-001").reason == "SIGNATURE_TS_MISSING"


def _online(live_pki: TestPki) -> ValidationPolicy:
    return ValidationPolicy(
        [live_pki.root.certificate], certificates=[live_pki.qualified_ca.certificate], offline=False
    )


def test_p2_time_stamp_form_waits_for_its_caution_period(
    person: SoftwareKey, sources: ValidationSources, live_pki: TestPki
) -> None:
    signature = upgrade(sign(CONTENT, person, profile=Profile.P2), Level.T, sources)
    report = verify(signature, policy=_online(live_pki))
    signer = report.signer("0")
    assert signer.check("TRP-004").reason == "FORM_MEETS_PROFILE"
    assert signer.maturity is Maturity.PREMATURE
    assert report.indication is Indication.INDETERMINATE and report.sub_indication == "TRY_LATER"
    assert report.retry_after == signer.best_signature_time + timedelta(days=1)


def test_sha1_time_stamp_imprint_is_legacy(live_pki: TestPki, tmp_path: Path) -> None:
    bes = openssl_sign(live_pki.person, CONTENT, tmp_path)
    value = _view.parse_signed_data(bes).signers[0].signature_value
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha1"},
                "hashed_message": digest(Oid.SHA1, value, allow_sha1=True),
            },
            "cert_req": True,
        }
    )
    response = build_tsa_response(
        live_pki, request.dump(), TokenOptions(policy=TEST_TSA_POLICY, serial=4242)
    )
    token = bytes(TimeStampResp.load(response)["time_stamp_token"].dump())
    stamped = splice(bes, Oid.SIGNATURE_TIME_STAMP, token)
    strict = verify(stamped, policy=_online(live_pki)).signer("0")
    assert strict.check("T-002").status is CheckStatus.PASSED
    assert strict.check("T-003").reason == "TST_WEAK_ALGORITHM"
    legacy_policy = ValidationPolicy(
        [live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
        offline=False,
        allow_sha1=True,
    )
    legacy = verify(stamped, policy=legacy_policy).signer("0")
    assert legacy.check("T-003").status is CheckStatus.PASSED
    assert legacy.indication is Indication.TOTAL_PASSED


def test_expired_tsa_needs_an_archive_time_stamp(p4_xl: bytes, live_pki: TestPki) -> None:
    later = live_pki.tsa.certificate.not_valid_after_utc + timedelta(days=30)
    report = verify(
        p4_xl, policy=ValidationPolicy([live_pki.root.certificate], validation_time=later)
    )
    signer = report.signer("0")
    assert signer.check("T-003").reason == "TSA_EXPIRED_NO_POE"
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    # The signer certificate is judged at the time-stamp, not at the (later) validation time.
    assert signer.check("PKX-002").status is CheckStatus.PASSED
    assert signer.best_signature_time_source == "signature-time-stamp"


# --- token signing and performance ------------------------------------------------------------


@pytest.mark.softhsm
def test_softhsm_signature_to_archive(
    pki_token: SoftHsmToken, sources: ValidationSources, policy: ValidationPolicy
) -> None:
    from keys.pkcs11 import open_token

    token = open_token(pki_token.module_path, label=pki_token.label)
    with token.open_key(b"\x01", lambda info: pki_token.user_pin) as key:
        signature = sign(CONTENT, key, mime_type="application/xml")
    archived = upgrade(signature, Level.A, sources)
    report = verify(archived, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert report.signer("0").identity["tckn"] == "10000000146"


def test_offline_verification_takes_milliseconds(p4_a: bytes, policy: ValidationPolicy) -> None:
    verify(p4_a, policy=policy)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        report: SignatureReport = verify(p4_a, policy=policy)
    per_call = (time.perf_counter() - start) / rounds
    assert report.passed
    assert per_call < 0.05, f"{per_call * 1000:.1f} ms per verification"
