"""One flipped byte anywhere that matters makes a P4 CAdES-A fail verification (§3.10, §4.6).

A single P4 e-seal signature is built once (sign → T → X-Long → A with the live TSA/OCSP/CRL).
Each case flips one bit at a fixed offset found through :mod:`cades._view` (so the test is
deterministic) inside one region — eContent, signed attributes, signature value, the
signature-time-stamp token (TSTInfo and its signature), the archive-time-stamp token (TSTInfo,
signature, ATSHashIndex), a certificate-values entry, a revocation-values entry, and an unsigned
attribute covered by the ATSHashIndex — and asserts that the verifier

* returns a report (never raises),
* is not TOTAL_PASSED, and
* marks the check ids the spec ties to that region FAILED (§4.6 catalogue).

Further cases: structure-breaking flips and truncation (FMT-001); a renamed archive
time-stamp attribute, which only the expected level catches (A-001); flips that make embedded
certificates or OCSP responses unloadable by ``cryptography`` (a report, never the dependency's
exception or warning). Hypothesis adds random single-byte changes over the signed region
(eContent, signed attributes, signature value: never TOTAL_PASSED, never an exception) and
anywhere in the file (never an exception).

A one-off scan of every byte (even offsets flipped with 0x01, odd ones with 0x80) found
TOTAL_PASSED only for bytes that nothing protects and that do not change the meaning:
SignedData version and digestAlgorithms (FMT-001 WARNING), the ATS attribute type (the level
drops to X-Long, see above) and, inside the last archive token, its digestAlgorithms,
SignerInfo version, algorithm parameters and a spare copy of the TSA certificate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keys
from cades import Level, Oid, Profile, ValidationSources, _der, _view, sign, upgrade
from cades.tsp import TimestampClient
from cades.verify import CheckStatus, Indication, SignatureReport, ValidationPolicy, verify
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki

CONTENT = "\ufeff<?xml version='1.0'?>\r\n<NihaiOzet>tamper</NihaiOzet>\r\n".encode()


@pytest.fixture(scope="module")
def sealed(live_pki: TestPki) -> bytes:
    seal = keys.load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)
    tsa = TimestampClient(live_pki.tsa_url, trust_roots=[live_pki.root.certificate])
    sources = ValidationSources(
        tsa=tsa,
        trust_roots=[live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
    )
    signature = sign(CONTENT, seal, profile=Profile.P4, mime_type="application/xml")
    return upgrade(signature, Level.A, sources)


@pytest.fixture(scope="module")
def policy(live_pki: TestPki) -> ValidationPolicy:
    return ValidationPolicy(trust_anchors=[live_pki.root.certificate])


def _statuses(report: SignatureReport) -> dict[str, set[CheckStatus]]:
    out: dict[str, set[CheckStatus]] = {}
    checks = [*report.format_checks]
    for signer in report.all_signers():
        checks.extend(signer.checks)
    for check in checks:
        out.setdefault(check.id, set()).add(check.status)
    return out


def _failed(report: SignatureReport) -> set[str]:
    return {k for k, v in _statuses(report).items() if CheckStatus.FAILED in v}


def _flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    assert 0 <= offset < len(data)
    broken = bytearray(data)
    broken[offset] ^= mask
    return bytes(broken)


# --- where the bytes are ----------------------------------------------------------------------


def _signer(view: _view.SignedDataView) -> _view.SignerInfoView:
    assert len(view.signers) == 1
    return view.signers[0]


def _token_value(view: _view.SignedDataView, oid: str) -> _der.Tlv:
    attributes = _signer(view).unsigned(oid)
    assert len(attributes) == 1
    return attributes[0].value_tlvs[0]


def _tst_info_serial(view: _view.SignedDataView, token: _der.Tlv) -> int:
    """Last content byte of TSTInfo.serialNumber inside a token (RFC 3161 §2.4.2).

    Not part of the imprint, so only the token's own integrity (its message-digest over the
    TSTInfo) can notice.
    """
    inner = _view.parse_signed_data(token.raw(view.buf))
    assert inner.econtent_tlv is not None
    tst_info = _der.read_tlv(inner.buf, inner.econtent_tlv.content_start)
    fields = _der.children(inner.buf, tst_info)  # version, policy, messageImprint, serialNumber
    assert fields[3].tag_byte == 0x02
    return token.start + fields[3].end - 1


def _token_signature(view: _view.SignedDataView, token: _der.Tlv) -> int:
    inner = _view.parse_signed_data(token.raw(view.buf))
    return token.start + _signer(inner).signature_tlv.end - 7


def _token_index_entry(view: _view.SignedDataView, token: _der.Tlv) -> int:
    inner = _view.parse_signed_data(token.raw(view.buf))
    index = _signer(inner).unsigned(Oid.ATS_HASH_INDEX)
    assert len(index) == 1
    return token.start + index[0].tlv.end - 3  # inside the last unsigned-attribute hash


def _values_entry(view: _view.SignedDataView, oid: str, which: Callable[[bytes], bool]) -> int:
    """A byte near the end (signature bits) of the first element satisfying ``which``."""
    attribute = _signer(view).unsigned(oid)
    assert len(attribute) == 1
    outer = attribute[0].value_tlvs[0]
    candidates: list[_der.Tlv] = []
    for child in _der.children(view.buf, outer):
        if oid == Oid.REVOCATION_VALUES:  # [0] crlVals / [1] ocspVals, explicit SEQUENCE OF
            (inner,) = _der.children(view.buf, child)
            candidates.extend(_der.children(view.buf, inner))
        else:
            candidates.append(child)
    for element in candidates:
        if which(element.raw(view.buf)):
            return element.end - 3
    raise AssertionError(f"no matching element in {oid}")


@dataclass(frozen=True)
class Case:
    offset: Callable[[_view.SignedDataView, TestPki], int]
    failed: frozenset[str]


def _econtent(view: _view.SignedDataView, pki: TestPki) -> int:
    assert view.econtent_tlv is not None
    return view.econtent_tlv.content_start + 10


def _mime_type_char(view: _view.SignedDataView, pki: TestPki) -> int:
    # "application/xml" -> "applicatinn/xml": still a valid UTF8String, DER order unchanged.
    value = _signer(view).signed(Oid.MIME_TYPE)[0].value_tlvs[0]
    return value.content_start + 9


def _signature_value(view: _view.SignedDataView, pki: TestPki) -> int:
    return _signer(view).signature_tlv.end - 1


def _cert_refs_hash(view: _view.SignedDataView, pki: TestPki) -> int:
    attribute = _signer(view).unsigned(Oid.CERTIFICATE_REFS)[0]
    first = _der.children(view.buf, attribute.value_tlvs[0])[0]  # OtherCertID
    other_hash = _der.children(view.buf, first)[0]
    return other_hash.end - 1  # last byte of the hash value


CASES: dict[str, Case] = {
    "econtent": Case(_econtent, frozenset({"BES-002", "A-002"})),
    "signed-attributes": Case(_mime_type_char, frozenset({"BES-003", "A-002"})),
    "signature-value": Case(_signature_value, frozenset({"BES-003", "T-002", "A-002"})),
    "signature-timestamp-tstinfo": Case(
        lambda v, p: _tst_info_serial(v, _token_value(v, Oid.SIGNATURE_TIME_STAMP)),
        frozenset({"T-003", "A-002"}),
    ),
    "signature-timestamp-signature": Case(
        lambda v, p: _token_signature(v, _token_value(v, Oid.SIGNATURE_TIME_STAMP)),
        frozenset({"T-003", "A-002"}),
    ),
    "archive-timestamp-tstinfo": Case(
        lambda v, p: _tst_info_serial(v, _token_value(v, Oid.ARCHIVE_TIME_STAMP_V3)),
        frozenset({"A-004"}),
    ),
    "archive-timestamp-signature": Case(
        lambda v, p: _token_signature(v, _token_value(v, Oid.ARCHIVE_TIME_STAMP_V3)),
        frozenset({"A-004"}),
    ),
    "archive-timestamp-hash-index": Case(
        lambda v, p: _token_index_entry(v, _token_value(v, Oid.ARCHIVE_TIME_STAMP_V3)),
        frozenset({"A-002"}),
    ),
    "certificate-values-entry": Case(
        lambda v, p: _values_entry(
            v, Oid.CERTIFICATE_VALUES, lambda der: der == p.qualified_ca.cert_der
        ),
        frozenset({"XL-001", "A-002"}),
    ),
    "revocation-values-entry": Case(
        lambda v, p: _values_entry(v, Oid.REVOCATION_VALUES, lambda der: True),
        frozenset({"XL-002", "A-002"}),
    ),
    "indexed-unsigned-attribute": Case(_cert_refs_hash, frozenset({"C-001", "A-002"})),
}


def test_untampered_signature_is_total_passed(sealed: bytes, policy: ValidationPolicy) -> None:
    report = verify(sealed, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, report.to_json()
    assert report.signer("0").level is Level.A


@pytest.mark.parametrize("case", sorted(CASES))
def test_flipped_byte_fails_the_expected_checks(
    sealed: bytes, policy: ValidationPolicy, live_pki: TestPki, case: str
) -> None:
    view = _view.parse_signed_data(sealed)
    offset = CASES[case].offset(view, live_pki)
    report = verify(_flip(sealed, offset), policy=policy)
    assert report.indication is not Indication.TOTAL_PASSED, report.to_json()
    missing = CASES[case].failed - _failed(report)
    assert not missing, f"{case}: expected FAILED {sorted(missing)}; got {report.to_json()}"


@pytest.mark.parametrize("offset", [0, 1, 2, 4])
def test_structure_breaking_flip_is_fmt_001(
    sealed: bytes, policy: ValidationPolicy, offset: int
) -> None:
    """The outer tag, length and contentType tag: the ContentInfo no longer parses."""
    report = verify(_flip(sealed, offset, 0x80), policy=policy)
    assert report.indication is Indication.TOTAL_FAILED
    assert "FMT-001" in _failed(report), report.to_json()


def test_truncated_signature_is_fmt_001(sealed: bytes, policy: ValidationPolicy) -> None:
    for cut in (1, 100, len(sealed) // 2, len(sealed) - 1):
        report = verify(sealed[:cut], policy=policy)
        assert report.indication is Indication.TOTAL_FAILED
        assert "FMT-001" in _failed(report)


def test_renamed_archive_timestamp_is_caught_by_the_minimum_level(
    sealed: bytes, live_pki: TestPki
) -> None:
    """The ATS attribute type is covered by nothing: a changed OID hides the ATS (§4.6 A-001).

    The remainder is a valid X-Long, so only the expected level (e-seal: A) can catch it.
    """
    view = _view.parse_signed_data(sealed)
    attribute = _signer(view).unsigned(Oid.ARCHIVE_TIME_STAMP_V3)[0]
    oid_tlv = _der.read_tlv(view.buf, attribute.tlv.content_start)
    renamed = _flip(sealed, oid_tlv.end - 1)  # 0.4.0.1733.2.4 -> 0.4.0.1733.2.5
    anchors = [live_pki.root.certificate]
    lenient = verify(renamed, policy=ValidationPolicy(trust_anchors=anchors))
    assert lenient.signer("0").level is Level.XL, lenient.to_json()
    strict = verify(renamed, policy=ValidationPolicy(trust_anchors=anchors, minimum_level=Level.A))
    assert strict.indication is Indication.TOTAL_FAILED, strict.to_json()
    assert "A-001" in _failed(strict)


# --- hostile bytes inside embedded certificates and revocation data --------------------------
#
# Each flip below makes a certificate or OCSP response that ``cryptography`` refuses to load
# (or loads with a warning). The verifier must turn that into FAILED/INDETERMINATE checks of a
# report, never let the dependency's exception (or warning) escape (§4.6 FMT-001; RULES: wrap
# dependency errors at the boundary).

_KEY_USAGE_OID = bytes.fromhex("0603551d0f")  # 2.5.29.15; flipped -> 2.5.29.14 (duplicate SKI)
_LOCALITY_OID = bytes.fromhex("0603550407")  # 2.5.4.7 "Ankara"; flipped -> countryName
_SHA1_OID = bytes.fromhex("06052b0e03021a")  # OCSP CertID hash; flipped -> 1.3.14.3.2.27


def _certificate_tlv(view: _view.SignedDataView, where: str, der: bytes) -> _der.Tlv:
    """The stored TLV of certificate ``der`` inside ``where`` (see :data:`HOSTILE`)."""
    if where == "signed-data":
        nodes = list(view.certificate_tlvs())
        base = 0
    elif where == "certificate-values":
        nodes = list(_der.children(view.buf, _token_value(view, Oid.CERTIFICATE_VALUES)))
        base = 0
    else:  # the signature-time-stamp token's own certificates
        token = _token_value(view, Oid.SIGNATURE_TIME_STAMP)
        inner = _view.parse_signed_data(token.raw(view.buf))
        nodes = list(inner.certificate_tlvs())
        base = token.start
        view = inner
    for node in nodes:
        if node.raw(view.buf) == der:
            return _der.Tlv(
                node.tag_byte,
                node.tag_number,
                base + node.start,
                base + node.content_start,
                base + node.end,
                node.indefinite,
            )
    raise AssertionError(f"certificate not found in {where}")


def _tbs_fields(buf: bytes, cert: _der.Tlv) -> list[_der.Tlv]:
    tbs = _der.children(buf, cert)[0]
    return _der.children(buf, tbs)  # [0] version, serial, sigAlg, issuer, validity, subject, spki…


def _hostile_offset(view: _view.SignedDataView, pki: TestPki, case: str) -> int:
    where, who, field = case.split(":")
    der = {"ca": pki.qualified_ca.cert_der, "seal": pki.seal.cert_der, "tsa": pki.tsa.cert_der}[who]
    cert = _certificate_tlv(view, where, der)
    fields = _tbs_fields(view.buf, cert)
    if field == "version":  # [0] EXPLICIT INTEGER 2 (v3) -> 3
        assert fields[0].tag_byte == 0xA0
        return fields[0].end - 1
    if field == "key-algorithm":  # last byte of the SubjectPublicKeyInfo algorithm OID
        algorithm = _der.children(view.buf, _der.children(view.buf, fields[6])[0])[0]
        return algorithm.end - 1
    needle = _KEY_USAGE_OID if field == "duplicate-extension" else _LOCALITY_OID
    raw = cert.raw(view.buf)
    assert needle in raw, field
    # The last occurrence: the subject's locality (the issuer's comes first) or the only
    # keyUsage extension.
    return cert.start + raw.rindex(needle) + len(needle) - 1


def _ocsp_hash_oid_offset(view: _view.SignedDataView) -> int:
    values = _token_value(view, Oid.REVOCATION_VALUES)
    raw = values.raw(view.buf)
    assert _SHA1_OID in raw
    return values.start + raw.index(_SHA1_OID) + len(_SHA1_OID) - 1


HOSTILE = [
    "certificate-values:ca:version",
    "certificate-values:ca:key-algorithm",
    "certificate-values:ca:duplicate-extension",
    "certificate-values:ca:name-attribute",
    "signed-data:seal:version",
    "signed-data:seal:key-algorithm",
    "signed-data:seal:duplicate-extension",
    "timestamp:tsa:version",
    "timestamp:tsa:key-algorithm",
    "ocsp-certid-hash",
]


@pytest.mark.parametrize("case", HOSTILE)
def test_unloadable_embedded_data_gives_a_report(
    sealed: bytes, policy: ValidationPolicy, live_pki: TestPki, case: str
) -> None:
    view = _view.parse_signed_data(sealed)
    if case == "ocsp-certid-hash":
        offset = _ocsp_hash_oid_offset(view)
    else:
        offset = _hostile_offset(view, live_pki, case)
    report = verify(_flip(sealed, offset), policy=policy)  # must not raise (nor warn: -W error)
    assert report.indication is not Indication.TOTAL_PASSED, report.to_json()
    # Everything flipped here is covered by the archive time-stamp's hash index (§3.9.1).
    assert "A-002" in _failed(report), report.to_json()


def _signed_region(signature: bytes) -> list[range]:
    view = _view.parse_signed_data(signature)
    signer = _signer(view)
    assert view.econtent_tlv is not None and signer.signed_attrs_tlv is not None
    return [
        range(view.econtent_tlv.content_start, view.econtent_tlv.end),
        range(signer.signed_attrs_tlv.start, signer.signed_attrs_tlv.end),
        range(signer.signature_tlv.content_start, signer.signature_tlv.end),
    ]


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=255))
def test_random_flip_in_signed_region_never_passes(
    sealed: bytes, policy: ValidationPolicy, position: int, mask: int
) -> None:
    offsets = [o for span in _signed_region(sealed) for o in span]
    offset = offsets[position % len(offsets)]
    report = verify(_flip(sealed, offset, mask), policy=policy)
    assert report.indication is not Indication.TOTAL_PASSED, (offset, mask)
    assert _failed(report), (offset, mask)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=255))
def test_random_flip_anywhere_gives_a_report(
    sealed: bytes, policy: ValidationPolicy, position: int, mask: int
) -> None:
    """Any byte of the file (unsigned parts included): a report, never an exception.

    Not every byte is protected (e.g. the SignedData version or digestAlgorithms are covered
    by no signature or imprint), so only "no exception, well-formed report" is asserted here.
    """
    offset = position % len(sealed)
    report = verify(_flip(sealed, offset, mask), policy=policy)
    assert isinstance(report, SignatureReport)
    assert report.to_json()
    if report.indication is not Indication.TOTAL_PASSED:
        assert _failed(report) or report.indication is Indication.INDETERMINATE, (offset, mask)
