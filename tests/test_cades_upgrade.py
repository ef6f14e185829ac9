"""CAdES upgrades against the live test TSA/OCSP/CRL (signatures.md §1.6, §2.4, §3.5–§3.9, §3.12).

The P4 X-Long shape follows the incumbent reference (§3.12): certificate refs ×3 [OCSP
responder, issuing CA, root], revocation refs ×4 with two empty entries, values equal to refs.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, ocsp, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp as x509_ocsp

import keys
from cades import _der, _view
from cades._asn1 import Oid
from cades._ats import (
    ats_hash_index_entries,
    ats_v3_imprint,
    parse_ats_hash_index,
)
from cades._http import RetryPolicy
from cades._sign import add_parallel_signer, countersign, sign
from cades._upgrade import ValidationSources, signer_level, upgrade
from cades.errors import (
    CadesError,
    OcspError,
    TimestampError,
    TimestampVerificationError,
    UpgradeError,
)
from cades.profiles import Level, Profile
from cades.tsp import TimestampClient
from eyazisma.testing._responders import build_ocsp_response
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki, build_crl
from eyazisma.testing.services import Fault, FaultKind, LiveServices
from keys import SoftwareKey

CONTENT = "\ufeff<NihaiOzet/>\r\n".encode()
NO_RETRY = RetryPolicy.no_retry()
XL_ORDER = [
    Oid.SIGNATURE_TIME_STAMP,
    Oid.CERTIFICATE_REFS,
    Oid.REVOCATION_REFS,
    Oid.CERTIFICATE_VALUES,
    Oid.REVOCATION_VALUES,
]


@pytest.fixture(scope="module")
def person(live_pki: TestPki) -> SoftwareKey:
    return keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def seal(live_pki: TestPki) -> SoftwareKey:
    return keys.load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)


def _sources(live_pki: TestPki, services: LiveServices, **kwargs: Any) -> ValidationSources:
    tsa = TimestampClient(services.tsa_url, retry=NO_RETRY, read_timeout=5.0)
    options: dict[str, Any] = {
        "tsa": tsa,
        "trust_roots": [live_pki.root.certificate],
        "retry": NO_RETRY,
        "ocsp_timeout": 5.0,
    }
    options.update(kwargs)
    return ValidationSources(**options)


@pytest.fixture
def sources(live_pki: TestPki, live_services: LiveServices) -> ValidationSources:
    return _sources(live_pki, live_services)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _tst_info(token_der: bytes) -> Any:
    info = cms.ContentInfo.load(token_der)
    return tsp.TSTInfo.load(info["content"]["encap_content_info"]["content"].contents)


def _openssl_ok(signature: bytes, live_pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "sig.der"
    path.write_bytes(signature)
    result = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(path),
            "-CAfile",
            str(live_pki.ca_bundle_path),
            "-purpose",
            "any",
            "-binary",
            "-out",
            str(tmp_path / "out.bin"),
        ],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.bin").read_bytes() == CONTENT


# --- T ----------------------------------------------------------------------------------------


def test_t_level(person: SoftwareKey, sources: ValidationSources) -> None:
    epes = sign(CONTENT, person, mime_type="application/xml")
    signed = upgrade(epes, Level.T, sources)
    view = _view.parse_signed_data(signed)
    signer = view.signers[0]
    assert [a.oid for a in signer.unsigned_attributes] == [Oid.SIGNATURE_TIME_STAMP]
    assert signer_level(signer) is Level.T
    token = signer.unsigned_attributes[0].value_der()
    info = _tst_info(token)
    assert info["message_imprint"]["hashed_message"].native == _sha256(signer.signature_value)
    signing_time = signer.signed(Oid.SIGNING_TIME)[0].values()[0].native
    assert timedelta(seconds=-300) <= info["gen_time"].native - signing_time <= timedelta(hours=2)
    # Only the unsigned part grew: the signed bytes are identical.
    before = _view.parse_signed_data(epes).signers[0]
    fields = [n.raw(signed) for n in signer.field_tlvs()]
    assert fields == [n.raw(epes) for n in before.field_tlvs()]
    # Upgrading to the level it already has changes nothing.
    assert upgrade(signed, Level.T, sources) == signed
    with pytest.raises(UpgradeError, match="sign"):
        upgrade(epes, Level.EPES, sources)
    with pytest.raises(UpgradeError, match="XL"):
        upgrade(epes, "X", sources)


# --- X-Long -----------------------------------------------------------------------------------


def _children(buf: bytes, node: _der.Tlv) -> list[_der.Tlv]:
    return _der.children(buf, node)


def test_p4_xlong_shape(
    person: SoftwareKey,
    sources: ValidationSources,
    live_pki: TestPki,
    live_services: LiveServices,
    tmp_path: Path,
) -> None:
    signature = upgrade(sign(CONTENT, person, mime_type="application/xml"), Level.XL, sources)
    view = _view.parse_signed_data(signature)
    assert view.version == 1
    assert view.certificates_der() == (person.certificate_der,)  # chain lives in the values
    assert view.crls_tlv is None
    signer = view.signers[0]
    assert [a.oid for a in signer.unsigned_attributes] == XL_ORDER
    assert signer_level(signer) is Level.XL
    responder, ca, root = live_pki.ocsp, live_pki.qualified_ca, live_pki.root
    expected_v = [responder.cert_der, ca.cert_der, root.cert_der]

    refs = signer.unsigned(Oid.CERTIFICATE_REFS)[0].values()[0]
    assert [r["other_cert_hash"].chosen["hash_value"].native for r in refs] == [
        _sha256(d) for d in expected_v
    ]
    for ref, der in zip(refs, expected_v, strict=True):
        other = ref["other_cert_hash"].chosen
        assert other["hash_algorithm"].dump() == bytes.fromhex("300b0609608648016503040201")
        issuer = cms.Certificate.load(der)["tbs_certificate"]["issuer"].dump()
        directory_name = ref["issuer_serial"]["issuer"][0].dump()
        assert directory_name[0] == 0xA4 and directory_name.endswith(issuer)  # copied bytes

    values = signer.unsigned(Oid.CERTIFICATE_VALUES)[0]
    value_tlvs = _children(view.buf, values.value_tlvs[0])
    assert [n.raw(view.buf) for n in value_tlvs] == expected_v

    rev_attr = signer.unsigned(Oid.REVOCATION_REFS)[0]
    entries = [n.raw(view.buf) for n in _children(view.buf, rev_attr.value_tlvs[0])]
    assert len(entries) == 4
    assert entries[1] == entries[3] == b"\x30\x00"  # nocheck responder, root
    rev_refs = rev_attr.values()[0]
    rev_values = signer.unsigned(Oid.REVOCATION_VALUES)[0].values()[0]
    (basic,) = rev_values["ocsp_vals"]
    (crl,) = rev_values["crl_vals"]
    assert not rev_values["other_rev_vals"].native
    ocsp_ref = rev_refs[0]["ocspids"]["ocsp_responses"][0]
    basic_der = basic.dump()
    assert ocsp_ref["ocsp_rep_hash"].chosen["hash_value"].native == _sha256(basic_der)
    tbs = basic["tbs_response_data"]
    assert ocsp_ref["ocsp_identifier"]["ocsp_responder_id"].name == "by_key"
    assert ocsp_ref["ocsp_identifier"]["ocsp_responder_id"].dump() == tbs["responder_id"].dump()
    assert ocsp_ref["ocsp_identifier"]["produced_at"].dump() == tbs["produced_at"].dump()
    assert (
        tbs["responses"][0]["cert_id"]["serial_number"].native == person.certificate.serial_number
    )
    crl_ref = rev_refs[2]["crlids"]["crls"][0]
    crl_der = crl.dump()
    assert crl_ref["crl_hash"].chosen["hash_value"].native == _sha256(crl_der)
    identifier = crl_ref["crl_identifier"]
    assert identifier["crlissuer"].dump() == crl["tbs_cert_list"]["issuer"].dump()
    crl_obj = x509.load_der_x509_crl(crl_der)
    assert crl_obj.issuer == root.certificate.subject  # CRL for the CA comes from the root
    assert identifier["crl_issued_time"].native == crl_obj.last_update_utc
    assert (
        identifier["crl_number"].native
        == crl_obj.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    )
    assert identifier.dump().count(b"\x17\x0d") == 1  # UTCTime

    # §1.6 rule 3: OCSP after the time-stamp (producedAt has whole-second precision).
    token = signer.unsigned(Oid.SIGNATURE_TIME_STAMP)[0].value_der()
    gen_time = _tst_info(token)["gen_time"].native
    assert tbs["produced_at"].native >= gen_time.replace(microsecond=0)
    stats = live_services.stats()
    assert stats.request_count("ocsp") == 1 and stats.request_count("tsa") == 1
    _openssl_ok(signature, live_pki, tmp_path)


def test_p3_needs_crl_after_caution_period(
    person: SoftwareKey, live_pki: TestPki, live_services: LiveServices
) -> None:
    t_form = upgrade(
        sign(CONTENT, person, profile=Profile.P3, mime_type="application/xml"),
        Level.T,
        _sources(live_pki, live_services),
    )
    with pytest.raises(UpgradeError, match="caution"):
        upgrade(t_form, Level.XL, _sources(live_pki, live_services))
    # A day later a new CRL exists; here it is handed in as pre-fetched data.
    gen_time = _tst_info(
        _view.parse_signed_data(t_form).signers[0].unsigned_attributes[0].value_der()
    )["gen_time"].native
    later = gen_time.replace(microsecond=0) + timedelta(days=1, minutes=1)
    crls = [
        build_crl(
            live_pki[ca].certificate,
            live_pki[ca].key,
            live_pki.revoked_serials(ca),
            number=77,
            this_update=later,
            next_update=later + timedelta(days=1),
        ).public_bytes(serialization.Encoding.DER)
        for ca in ("qualified_ca", "root")
    ]
    signature = upgrade(t_form, Level.XL, _sources(live_pki, live_services, crls=crls))
    signer = _view.parse_signed_data(signature).signers[0]
    assert [a.oid for a in signer.unsigned_attributes] == XL_ORDER
    refs = signer.unsigned(Oid.CERTIFICATE_REFS)[0].values()[0]
    assert len(refs) == 2  # [issuing CA, root]: no OCSP responder for a CRL profile
    rev = signer.unsigned(Oid.REVOCATION_REFS)[0].values()[0]
    assert [r.dump() == b"\x30\x00" for r in rev] == [False, False, True]
    values = signer.unsigned(Oid.REVOCATION_VALUES)[0].values()[0]
    assert [c.dump() for c in values["crl_vals"]] == crls
    assert live_services.stats().request_count("ocsp") == 0


def _ocsp_response_produced_at(
    live_pki: TestPki, cert: x509.Certificate, produced_at: datetime
) -> bytes:
    """A genuine responder answer whose producedAt is set to ``produced_at`` and re-signed."""
    request = (
        x509_ocsp.OCSPRequestBuilder()
        .add_certificate(cert, live_pki.qualified_ca.certificate, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = ocsp.OCSPResponse.load(build_ocsp_response(live_pki, request, now=produced_at))
    basic = response["response_bytes"]["response"].parsed
    tbs = basic["tbs_response_data"]
    tbs["produced_at"] = produced_at
    key = live_pki.ocsp.key
    assert isinstance(key, rsa.RSAPrivateKey)
    basic["signature"] = key.sign(tbs.dump(force=True), padding.PKCS1v15(), hashes.SHA256())
    response["response_bytes"]["response"] = basic
    return bytes(response.dump(force=True))


def test_ocsp_produced_before_timestamp_is_refused(
    person: SoftwareKey, live_pki: TestPki, live_services: LiveServices
) -> None:
    early = _ocsp_response_produced_at(
        live_pki,
        person.certificate,
        datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5),
    )
    sources = _sources(live_pki, live_services, ocsp_responses=[early])
    epes = sign(CONTENT, person, mime_type="application/xml")
    with pytest.raises(UpgradeError, match="before the signature time-stamp"):
        upgrade(epes, Level.XL, sources)
    assert live_services.stats().request_count("ocsp") == 0  # the pre-fetched one was used
    # A pre-fetched answer produced after the time-stamp is embedded as it is.
    t_form = upgrade(epes, Level.T, sources)
    late = _ocsp_response_produced_at(
        live_pki,
        person.certificate,
        datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1),
    )
    xl = upgrade(t_form, Level.XL, _sources(live_pki, live_services, ocsp_responses=[late]))
    values = _view.parse_signed_data(xl).signers[0].unsigned(Oid.REVOCATION_VALUES)[0]
    (basic,) = values.values()[0]["ocsp_vals"]
    assert basic.dump() == ocsp.OCSPResponse.load(late)["response_bytes"]["response"].contents
    assert live_services.stats().request_count("ocsp") == 0


# --- A ----------------------------------------------------------------------------------------


def _ats_tokens(signer: _view.SignerInfoView) -> list[bytes]:
    return [a.value_der() for a in signer.unsigned(Oid.ARCHIVE_TIME_STAMP_V3)]


def _index_of(token_der: bytes) -> bytes:
    tst_signer = _view.parse_signed_data(token_der).signers[0]
    assert [a.oid for a in tst_signer.unsigned_attributes] == [Oid.ATS_HASH_INDEX]
    return tst_signer.unsigned_attributes[0].value_der()


def test_archive_and_renewal(
    person: SoftwareKey,
    sources: ValidationSources,
    live_pki: TestPki,
    tmp_path: Path,
) -> None:
    xl = upgrade(sign(CONTENT, person, mime_type="application/xml"), Level.XL, sources)
    archived = upgrade(xl, Level.A, sources)
    view = _view.parse_signed_data(archived)
    signer = view.signers[0]
    assert [a.oid for a in signer.unsigned_attributes] == [*XL_ORDER, Oid.ARCHIVE_TIME_STAMP_V3]
    assert signer_level(signer) is Level.A
    (token,) = _ats_tokens(signer)
    index_der = _index_of(token)
    index = parse_ats_hash_index(index_der)
    assert not index.algorithm_present  # SHA-256 DEFAULT omitted
    assert index.certificates == (_sha256(person.certificate_der),)
    assert index.crls == ()
    assert index.unsigned_attrs == tuple(_sha256(a.der) for a in signer.unsigned_attributes[:5])
    imprint = ats_v3_imprint(view, signer, index_der, Oid.SHA256)
    assert _tst_info(token)["message_imprint"]["hashed_message"].native == imprint
    assert view.digest_algorithm_oids() == (Oid.SHA256,)
    # The XL part is byte-identical: the ATS was appended.
    xl_signer = _view.parse_signed_data(xl).signers[0]
    assert [a.der for a in signer.unsigned_attributes[:5]] == [
        a.der for a in xl_signer.unsigned_attributes
    ]
    _openssl_ok(archived, live_pki, tmp_path)

    renewed = upgrade(archived, Level.A, sources)
    view2 = _view.parse_signed_data(renewed)
    signer2 = view2.signers[0]
    first, second = _ats_tokens(signer2)
    assert first == token
    # §3.9.4: the first ATS's TSA certificate path and its revocation data were added first.
    tsa_der, root_der = live_pki.tsa.cert_der, live_pki.root.cert_der
    assert view2.certificates_der() == (person.certificate_der, tsa_der, root_der)
    (crl_node,) = view2.crl_tlvs()
    crl = x509.load_der_x509_crl(crl_node.raw(renewed))
    assert crl.issuer == live_pki.root.certificate.subject
    assert view2.version == 1  # a CRL (not OCSP) keeps SignedData v1
    index2 = parse_ats_hash_index(_index_of(second))
    assert _sha256(signer2.unsigned_attributes[5].der) in index2.unsigned_attrs  # covers ATS #1
    assert index2.certificates == tuple(
        _sha256(d) for d in (person.certificate_der, tsa_der, root_der)
    )
    assert index2.crls == (_sha256(crl_node.raw(renewed)),)
    assert ats_hash_index_entries(view2, signer2, Oid.SHA256, 1, upto=6).unsigned_whole == (
        index2.unsigned_attrs
    )
    _openssl_ok(renewed, live_pki, tmp_path)


def test_detached_archive_needs_content(person: SoftwareKey, sources: ValidationSources) -> None:
    detached = sign(CONTENT, person, detached=True, mime_type="application/xml")
    with pytest.raises(UpgradeError, match="detached"):
        upgrade(detached, Level.A, sources)
    archived = upgrade(detached, Level.A, sources, content=CONTENT)
    view = _view.parse_signed_data(archived)
    signer = view.signers[0]
    (token,) = _ats_tokens(signer)
    index_der = _index_of(token)
    expected = ats_v3_imprint(view, signer, index_der, Oid.SHA256, content=CONTENT)
    assert _tst_info(token)["message_imprint"]["hashed_message"].native == expected
    with pytest.raises(UpgradeError, match="message-digest"):
        upgrade(detached, Level.A, sources, content=CONTENT + b"x")


# --- several signers --------------------------------------------------------------------------


def test_countersigner_and_parallel_signer_upgrade(
    person: SoftwareKey,
    seal: SoftwareKey,
    sources: ValidationSources,
    live_pki: TestPki,
    tmp_path: Path,
) -> None:
    first = sign(CONTENT, person, mime_type="application/xml")
    signature = add_parallel_signer(countersign(first, seal), seal, mime_type="application/xml")
    xl = upgrade(signature, Level.XL, sources)
    view = _view.parse_signed_data(xl)
    assert [s.path for s in view.all_signers()] == ["0", "0.0", "1"]
    for signer in view.all_signers():
        oids = [a.oid for a in signer.unsigned_attributes]
        assert [o for o in oids if o != Oid.COUNTER_SIGNATURE] == XL_ORDER
        token = signer.unsigned(Oid.SIGNATURE_TIME_STAMP)[0].value_der()
        imprint = _tst_info(token)["message_imprint"]["hashed_message"].native
        assert imprint == _sha256(signer.signature_value)  # its own signature value
        basic = signer.unsigned(Oid.REVOCATION_VALUES)[0].values()[0]["ocsp_vals"][0]
        serial = basic["tbs_response_data"]["responses"][0]["cert_id"]["serial_number"].native
        owner = person if signer.path == "0" else seal
        assert serial == owner.certificate.serial_number
    # The countersigner was finished before its parent's attributes were appended.
    top = view.signers[0]
    assert top.unsigned_attributes[0].oid == Oid.COUNTER_SIGNATURE
    _openssl_ok(xl, live_pki, tmp_path)

    archived = upgrade(xl, Level.A, sources)
    view = _view.parse_signed_data(archived)
    assert [len(_ats_tokens(s)) for s in view.all_signers()] == [1, 0, 1]
    assert signer_level(view.signer("0.0")) is Level.XL
    with pytest.raises(UpgradeError, match="archive time-stamp over countersigner"):
        upgrade(archived, Level.A, sources, signer="0.0")
    _openssl_ok(archived, live_pki, tmp_path)


# --- failures leave the input untouched -------------------------------------------------------


def test_ocsp_down(
    person: SoftwareKey, sources: ValidationSources, live_services: LiveServices
) -> None:
    epes = sign(CONTENT, person, mime_type="application/xml")
    original = bytes(epes)
    live_services.inject(Fault(FaultKind.HTTP_STATUS, endpoint="ocsp", status=503, count=3))
    with pytest.raises(OcspError):
        upgrade(epes, Level.XL, sources)
    assert epes == original
    live_services.inject(Fault(FaultKind.GARBAGE, endpoint="ocsp", count=1))
    with pytest.raises(OcspError):
        upgrade(epes, Level.XL, sources)
    assert live_services.stats().request_count("tsa") == 2  # T was done, then abandoned


def test_tsa_down_and_untrusted_tsa(
    person: SoftwareKey, live_pki: TestPki, live_services: LiveServices
) -> None:
    xl = upgrade(
        sign(CONTENT, person, mime_type="application/xml"),
        Level.XL,
        _sources(live_pki, live_services),
    )
    live_services.inject(Fault(FaultKind.HTTP_STATUS, endpoint="tsa", status=503, count=1))
    with pytest.raises(TimestampError):
        upgrade(xl, Level.A, _sources(live_pki, live_services))
    live_services.inject(Fault(FaultKind.WRONG_IMPRINT, endpoint="tsa", count=1))
    with pytest.raises(TimestampError):
        upgrade(xl, Level.A, _sources(live_pki, live_services))
    # The TSA chains to the root, which is not trusted here: its token must not be used.
    ca_only = _sources(live_pki, live_services, trust_roots=[live_pki.qualified_ca.certificate])
    with pytest.raises(TimestampVerificationError):
        upgrade(sign(CONTENT, person, mime_type="application/xml"), Level.T, ca_only)


def test_revoked_signer_refused(live_pki: TestPki, sources: ValidationSources) -> None:
    revoked = keys.load_pkcs12(live_pki.person_revoked.p12_path, PKCS12_PASSWORD)
    epes = sign(CONTENT, revoked, mime_type="application/xml")
    with pytest.raises(UpgradeError, match="revoked"):
        upgrade(epes, Level.XL, sources)


def test_malformed_input(sources: ValidationSources) -> None:
    with pytest.raises(CadesError):
        upgrade(b"\x30\x03\x02\x01\x01", Level.T, sources)
    with pytest.raises(UpgradeError):
        upgrade("not bytes", Level.T, sources)  # type: ignore[arg-type]


@pytest.mark.softhsm
def test_token_signature_to_archive(
    pki_token: Any, sources: ValidationSources, live_pki: TestPki, tmp_path: Path
) -> None:
    from keys.pkcs11 import open_token

    token = open_token(pki_token.module_path, label=pki_token.label)
    with token.open_key(b"\x02", lambda info: pki_token.user_pin) as key:
        signature = sign(CONTENT, key, mime_type="application/xml")
    archived = upgrade(signature, Level.A, sources)
    signer = _view.parse_signed_data(archived).signers[0]
    assert [a.oid for a in signer.unsigned_attributes] == [*XL_ORDER, Oid.ARCHIVE_TIME_STAMP_V3]
    _openssl_ok(archived, live_pki, tmp_path)
