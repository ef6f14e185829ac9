"""Byte-level tamper sweeps over a P4 CAdES-A signature (signatures.md §3.10, §4.6).

Every changed byte of the content, the signed attributes, the signature value and each
time-stamp token must turn into at least one FAILED check — never into an exception and never
into TOTAL_PASSED. Bytes a CMS signature does not protect are excluded on purpose and named:
inside the newest archive time-stamp token, its certificate copies (the TSA certificate used
is found by sid and bound by signing-certificate-v2, so a damaged copy is never *used*), its
digestAlgorithms and version (the bytes :mod:`tests.test_tsp_token` documents as unprotected).
"""

from __future__ import annotations

import pytest

import keys
from cades import _der, _view
from cades._asn1 import Oid
from cades._sign import sign
from cades._upgrade import ValidationSources, upgrade
from cades.profiles import Level
from cades.tsp import TimestampClient
from cades.verify import CheckStatus, Indication, SignatureReport, ValidationPolicy, verify
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki

CONTENT = "\ufeff<?xml version='1.0'?>\r\n<NihaiOzet>süpürme</NihaiOzet>\r\n".encode()


@pytest.fixture(scope="module")
def archived(live_pki: TestPki) -> bytes:
    key = keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)
    tsa = TimestampClient(live_pki.tsa_url, trust_roots=[live_pki.root.certificate])
    sources = ValidationSources(tsa=tsa, trust_roots=[live_pki.root.certificate])
    return upgrade(sign(CONTENT, key, mime_type="application/xml"), Level.A, sources)


@pytest.fixture(scope="module")
def policy(live_pki: TestPki) -> ValidationPolicy:
    return ValidationPolicy(trust_anchors=[live_pki.root.certificate])


def _failed_ids(report: SignatureReport) -> set[str]:
    found = {c.id for c in report.format_checks if c.status is CheckStatus.FAILED}
    for signer in report.all_signers():
        found.update(c.id for c in signer.checks if c.status is CheckStatus.FAILED)
    return found


def _sweep(signature: bytes, policy: ValidationPolicy, offsets: list[int]) -> list[int]:
    """Offsets whose flip did not produce a FAILED check (should be none)."""
    missed = []
    for offset in offsets:
        broken = bytearray(signature)
        broken[offset] ^= 0x5A
        report = verify(bytes(broken), policy=policy)
        if report.indication is Indication.TOTAL_PASSED or not _failed_ids(report):
            missed.append(offset)
    return missed


def _spread(span: range, count: int) -> list[int]:
    step = max(1, len(span) // count)
    return [*span[::step], span[-1]]


def _token(view: _view.SignedDataView, oid: str) -> _der.Tlv:
    (attribute,) = view.signers[0].unsigned(oid)
    return attribute.value_tlvs[0]


def test_untouched_signature_passes(archived: bytes, policy: ValidationPolicy) -> None:
    assert verify(archived, policy=policy).indication is Indication.TOTAL_PASSED


def test_content_signed_attributes_and_signature_value(
    archived: bytes, policy: ValidationPolicy
) -> None:
    view = _view.parse_signed_data(archived)
    signer = view.signers[0]
    assert view.econtent_tlv is not None and signer.signed_attrs_tlv is not None
    offsets = (
        list(range(view.econtent_tlv.content_start, view.econtent_tlv.end))
        + _spread(range(signer.signed_attrs_tlv.start, signer.signed_attrs_tlv.end), 60)
        + _spread(range(signer.signature_tlv.content_start, signer.signature_tlv.end), 30)
    )
    assert _sweep(archived, policy, offsets) == []


def test_signature_time_stamp_token_every_region(archived: bytes, policy: ValidationPolicy) -> None:
    token = _token(_view.parse_signed_data(archived), Oid.SIGNATURE_TIME_STAMP)
    # The whole attribute is covered by the archive hash index, so every byte counts.
    assert _sweep(archived, policy, _spread(range(token.start, token.end), 80)) == []


def test_archive_time_stamp_protected_regions(
    archived: bytes, policy: ValidationPolicy, live_pki: TestPki
) -> None:
    view = _view.parse_signed_data(archived)
    token = _token(view, Oid.ARCHIVE_TIME_STAMP_V3)
    inner = _view.parse_signed_data(token.raw(archived))
    tst_signer = inner.signers[0]
    assert inner.econtent_tlv is not None and tst_signer.signed_attrs_tlv is not None
    assert tst_signer.unsigned_attrs_tlv is not None
    tsa_der = live_pki.tsa.cert_der
    tsa_start = token.raw(archived).find(tsa_der)
    assert tsa_start > 0
    regions = [
        range(inner.econtent_tlv.content_start, inner.econtent_tlv.end),  # TSTInfo
        range(tst_signer.signed_attrs_tlv.start, tst_signer.signed_attrs_tlv.end),
        range(tst_signer.signature_tlv.content_start, tst_signer.signature_tlv.end),
        range(tst_signer.unsigned_attrs_tlv.content_start, tst_signer.unsigned_attrs_tlv.end),
    ]
    offsets = [token.start + o for region in regions for o in _spread(region, 25)]
    assert _sweep(archived, policy, offsets) == []
    # The TSA certificate copy inside the token is not signed: the verifier must either fail
    # or have used the genuine TSA certificate (found by sid, bound by signing-certificate-v2).
    genuine = live_pki.tsa.certificate.subject.rfc4514_string()
    cert_offsets = [token.start + tsa_start + o for o in _spread(range(len(tsa_der)), 40)]
    for offset in _sweep(archived, policy, cert_offsets):
        broken = bytearray(archived)
        broken[offset] ^= 0x5A
        report = verify(bytes(broken), policy=policy)
        archive = [t for t in report.signer("0").timestamps if t.kind == "archive-v3"]
        assert [t.tsa for t in archive] == [genuine], offset


def test_flips_never_raise_anywhere(archived: bytes, policy: ValidationPolicy) -> None:
    """Structure bytes everywhere (tags, lengths, OIDs): reports only, never exceptions."""
    for offset in _spread(range(len(archived)), 100):
        for mask in (0x01, 0x80):
            broken = bytearray(archived)
            broken[offset] ^= mask
            report = verify(bytes(broken), policy=policy)
            assert report.to_json()
