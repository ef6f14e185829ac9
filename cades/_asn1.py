"""ASN.1 types of CAdES that asn1crypto does not define (signatures.md §3.1).

ETSI TS 101 733 / EN 319 122-1 structures (explicit-tag syntax module), defined on asn1crypto.
We do **not** register them in asn1crypto's global attribute maps (pyHanko registers some of the
same OIDs with its own classes); instead :func:`attribute_values` parses an attribute's values
with the spec from :data:`ATTRIBUTE_SPECS`. Parsing always starts from stored bytes and nothing
parsed here is ever re-serialised into a signed structure (§3.11 rule 3).
"""

from __future__ import annotations

from typing import Any

from asn1crypto import algos, cms, core, crl, ocsp, tsp, x509

from cades.errors import CadesFormatError

__all__ = [
    "ATTRIBUTE_SPECS",
    "AtsHashIndex",
    "AtsHashIndexV3",
    "CertificateValues",
    "CommitmentTypeIndication",
    "CompleteCertificateRefs",
    "CompleteRevocationRefs",
    "CrlIdentifier",
    "CrlOcspRef",
    "OcspIdentifier",
    "Oid",
    "OtherCertId",
    "OtherHash",
    "OtherHashAlgAndValue",
    "RevocationValues",
    "SignaturePolicyIdentifier",
    "SignerLocation",
    "attribute_values",
]


class Oid:
    """Dotted OIDs used by the CAdES code (signatures.md §3.1 table)."""

    DATA = "1.2.840.113549.1.7.1"
    SIGNED_DATA = "1.2.840.113549.1.7.2"
    TST_INFO = "1.2.840.113549.1.9.16.1.4"
    CONTENT_TYPE = "1.2.840.113549.1.9.3"
    MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
    SIGNING_TIME = "1.2.840.113549.1.9.5"
    COUNTER_SIGNATURE = "1.2.840.113549.1.9.6"
    SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
    SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
    SIGNATURE_POLICY = "1.2.840.113549.1.9.16.2.15"
    CONTENT_HINTS = "1.2.840.113549.1.9.16.2.4"
    CONTENT_IDENTIFIER = "1.2.840.113549.1.9.16.2.7"
    CONTENT_REFERENCE = "1.2.840.113549.1.9.16.2.10"
    COMMITMENT_TYPE = "1.2.840.113549.1.9.16.2.16"
    SIGNER_LOCATION = "1.2.840.113549.1.9.16.2.17"
    SIGNER_ATTRIBUTES = "1.2.840.113549.1.9.16.2.18"
    SIGNER_ATTRIBUTES_V2 = "0.4.0.19122.1.1"
    CONTENT_TIME_STAMP = "1.2.840.113549.1.9.16.2.20"
    MIME_TYPE = "0.4.0.1733.2.1"
    SIGNATURE_TIME_STAMP = "1.2.840.113549.1.9.16.2.14"
    CERTIFICATE_REFS = "1.2.840.113549.1.9.16.2.21"
    REVOCATION_REFS = "1.2.840.113549.1.9.16.2.22"
    ATTRIBUTE_CERTIFICATE_REFS = "1.2.840.113549.1.9.16.2.44"
    ATTRIBUTE_REVOCATION_REFS = "1.2.840.113549.1.9.16.2.45"
    CERTIFICATE_VALUES = "1.2.840.113549.1.9.16.2.23"
    REVOCATION_VALUES = "1.2.840.113549.1.9.16.2.24"
    ESC_TIME_STAMP = "1.2.840.113549.1.9.16.2.25"
    CERTS_CRLS_TIME_STAMP = "1.2.840.113549.1.9.16.2.26"
    ARCHIVE_TIME_STAMP_V1 = "1.2.840.113549.1.9.16.2.27"
    ARCHIVE_TIME_STAMP_V2 = "1.2.840.113549.1.9.16.2.48"
    ARCHIVE_TIME_STAMP_V3 = "0.4.0.1733.2.4"
    ATS_HASH_INDEX = "0.4.0.1733.2.5"
    ATS_HASH_INDEX_V2 = "0.4.0.19122.1.4"
    ATS_HASH_INDEX_V3 = "0.4.0.19122.1.5"
    SIGNATURE_POLICY_STORE = "0.4.0.19122.1.3"
    CMS_ALGORITHM_PROTECTION = "1.2.840.113549.1.9.52"
    SPQ_URI = "1.2.840.113549.1.9.16.5.1"
    SPQ_UNOTICE = "1.2.840.113549.1.9.16.5.2"
    OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1"
    RI_OCSP_RESPONSE = "1.3.6.1.5.5.7.16.2"
    SHA1 = "1.3.14.3.2.26"
    SHA256 = "2.16.840.1.101.3.4.2.1"
    SHA384 = "2.16.840.1.101.3.4.2.2"
    SHA512 = "2.16.840.1.101.3.4.2.3"


class OtherHashAlgAndValue(core.Sequence):  # type: ignore[misc]
    """TS 101 733 §5.8.1."""

    _fields = [("hash_algorithm", algos.DigestAlgorithm), ("hash_value", core.OctetString)]


class OtherHash(core.Choice):  # type: ignore[misc]
    """``sha1Hash`` (bare SHA-1, read only) or ``otherHash`` (§3.6)."""

    _alternatives = [("sha1_hash", core.OctetString), ("other_hash", OtherHashAlgAndValue)]


class OtherCertId(core.Sequence):  # type: ignore[misc]
    """TS 101 733 §6.2.1."""

    _fields = [
        ("other_cert_hash", OtherHash),
        ("issuer_serial", cms.IssuerSerial, {"optional": True}),
    ]


class CompleteCertificateRefs(core.SequenceOf):  # type: ignore[misc]
    _child_spec = OtherCertId


class CrlIdentifier(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("crlissuer", x509.Name),
        ("crl_issued_time", core.UTCTime),
        ("crl_number", core.Integer, {"optional": True}),
    ]


class CrlValidatedId(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("crl_hash", OtherHash),
        ("crl_identifier", CrlIdentifier, {"optional": True}),
    ]


class CrlValidatedIds(core.SequenceOf):  # type: ignore[misc]
    _child_spec = CrlValidatedId


class CrlListId(core.Sequence):  # type: ignore[misc]
    _fields = [("crls", CrlValidatedIds)]


class OcspIdentifier(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("ocsp_responder_id", ocsp.ResponderId),
        ("produced_at", core.GeneralizedTime),
    ]


class OcspResponsesId(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("ocsp_identifier", OcspIdentifier),
        ("ocsp_rep_hash", OtherHash, {"optional": True}),
    ]


class OcspResponsesIds(core.SequenceOf):  # type: ignore[misc]
    _child_spec = OcspResponsesId


class OcspListId(core.Sequence):  # type: ignore[misc]
    _fields = [("ocsp_responses", OcspResponsesIds)]


class OtherRevRefs(core.Sequence):  # type: ignore[misc]
    _fields = [("other_rev_ref_type", core.ObjectIdentifier), ("other_rev_refs", core.Any)]


class CrlOcspRef(core.Sequence):  # type: ignore[misc]
    """TS 101 733 §6.2.2, explicit tags."""

    _fields = [
        ("crlids", CrlListId, {"explicit": 0, "optional": True}),
        ("ocspids", OcspListId, {"explicit": 1, "optional": True}),
        ("other_rev", OtherRevRefs, {"explicit": 2, "optional": True}),
    ]


class CompleteRevocationRefs(core.SequenceOf):  # type: ignore[misc]
    _child_spec = CrlOcspRef


class CertificateValues(core.SequenceOf):  # type: ignore[misc]
    _child_spec = x509.Certificate


class CertificateLists(core.SequenceOf):  # type: ignore[misc]
    _child_spec = crl.CertificateList


class BasicOcspResponses(core.SequenceOf):  # type: ignore[misc]
    _child_spec = ocsp.BasicOCSPResponse


class OtherRevVals(core.Sequence):  # type: ignore[misc]
    _fields = [("other_rev_val_type", core.ObjectIdentifier), ("other_rev_vals", core.Any)]


class RevocationValues(core.Sequence):  # type: ignore[misc]
    """TS 101 733 §6.3.4, explicit tags."""

    _fields = [
        ("crl_vals", CertificateLists, {"explicit": 0, "optional": True}),
        ("ocsp_vals", BasicOcspResponses, {"explicit": 1, "optional": True}),
        ("other_rev_vals", OtherRevVals, {"explicit": 2, "optional": True}),
    ]


class OctetStrings(core.SequenceOf):  # type: ignore[misc]
    _child_spec = core.OctetString


class AtsHashIndex(core.Sequence):  # type: ignore[misc]
    """ATSHashIndex v1 (0.4.0.1733.2.5) and v2 (0.4.0.19122.1.4); algorithm DEFAULT sha256.

    Use for *writing* only: asn1crypto cannot parse the DER form that omits the DEFAULT
    algorithm (it takes the first SEQUENCE OF for the AlgorithmIdentifier). Read indexes with
    :func:`cades._ats.parse_ats_hash_index`.
    """

    _fields = [
        ("hash_ind_algorithm", algos.DigestAlgorithm, {"default": {"algorithm": "sha256"}}),
        ("certificates_hash_index", OctetStrings),
        ("crls_hash_index", OctetStrings),
        ("unsigned_attrs_hash_index", OctetStrings),
    ]


class AtsHashIndexV3(core.Sequence):  # type: ignore[misc]
    """ats-hash-index-v3 (EN 319 122-1 §5.5.2): the algorithm is always present."""

    _fields = [
        ("hash_ind_algorithm", algos.DigestAlgorithm),
        ("certificates_hash_index", OctetStrings),
        ("crls_hash_index", OctetStrings),
        ("unsigned_attrs_hash_index", OctetStrings),
    ]


class SigPolicyQualifierInfo(core.Sequence):  # type: ignore[misc]
    _fields = [("sig_policy_qualifier_id", core.ObjectIdentifier), ("sig_qualifier", core.Any)]


class SigPolicyQualifierInfos(core.SequenceOf):  # type: ignore[misc]
    _child_spec = SigPolicyQualifierInfo


class SignaturePolicyId(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("sig_policy_id", core.ObjectIdentifier),
        ("sig_policy_hash", OtherHashAlgAndValue),
        ("sig_policy_qualifiers", SigPolicyQualifierInfos, {"optional": True}),
    ]


class SignaturePolicyIdentifier(core.Choice):  # type: ignore[misc]
    """TS 101 733 §5.8.1 (signatures.md §1.2)."""

    _alternatives = [
        ("signature_policy_id", SignaturePolicyId),
        ("signature_policy_implied", core.Null),
    ]


class CommitmentTypeQualifiers(core.SequenceOf):  # type: ignore[misc]
    _child_spec = core.Any


class CommitmentTypeIndication(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("commitment_type_id", core.ObjectIdentifier),
        ("commitment_type_qualifier", CommitmentTypeQualifiers, {"optional": True}),
    ]


class PostalAddress(core.SequenceOf):  # type: ignore[misc]
    _child_spec = x509.DirectoryString


class SignerLocation(core.Sequence):  # type: ignore[misc]
    """TS 101 733 §5.11.2, explicit tags."""

    _fields = [
        ("country_name", x509.DirectoryString, {"explicit": 0, "optional": True}),
        ("locality_name", x509.DirectoryString, {"explicit": 1, "optional": True}),
        ("postal_address", PostalAddress, {"explicit": 2, "optional": True}),
    ]


#: Value spec of every attribute we interpret; other attributes are kept as opaque bytes.
ATTRIBUTE_SPECS: dict[str, type[Any]] = {
    Oid.CONTENT_TYPE: cms.ContentType,
    Oid.MESSAGE_DIGEST: core.OctetString,
    Oid.SIGNING_TIME: cms.Time,
    Oid.COUNTER_SIGNATURE: cms.SignerInfo,
    Oid.SIGNING_CERTIFICATE: tsp.SigningCertificate,
    Oid.SIGNING_CERTIFICATE_V2: tsp.SigningCertificateV2,
    Oid.SIGNATURE_POLICY: SignaturePolicyIdentifier,
    Oid.COMMITMENT_TYPE: CommitmentTypeIndication,
    Oid.SIGNER_LOCATION: SignerLocation,
    Oid.MIME_TYPE: core.UTF8String,
    Oid.CONTENT_TIME_STAMP: cms.ContentInfo,
    Oid.SIGNATURE_TIME_STAMP: cms.ContentInfo,
    Oid.ESC_TIME_STAMP: cms.ContentInfo,
    Oid.CERTS_CRLS_TIME_STAMP: cms.ContentInfo,
    Oid.ARCHIVE_TIME_STAMP_V1: cms.ContentInfo,
    Oid.ARCHIVE_TIME_STAMP_V2: cms.ContentInfo,
    Oid.ARCHIVE_TIME_STAMP_V3: cms.ContentInfo,
    Oid.CERTIFICATE_REFS: CompleteCertificateRefs,
    Oid.REVOCATION_REFS: CompleteRevocationRefs,
    Oid.CERTIFICATE_VALUES: CertificateValues,
    Oid.REVOCATION_VALUES: RevocationValues,
    Oid.ATS_HASH_INDEX: AtsHashIndex,
    Oid.ATS_HASH_INDEX_V2: AtsHashIndex,
    Oid.ATS_HASH_INDEX_V3: AtsHashIndexV3,
}


def attribute_values(oid: str, values_der: list[bytes]) -> list[Any]:
    """Parse each stored value of an attribute with its spec (opaque ``core.Any`` if unknown).

    Raises :class:`CadesFormatError` when a value does not parse (checked eagerly, so callers
    never meet asn1crypto's lazy parsing errors later).
    """
    spec = ATTRIBUTE_SPECS.get(oid, core.Any)
    parsed: list[Any] = []
    for der in values_der:
        try:
            value = spec.load(der, strict=True)
            _ = value.native  # force the lazy parse now
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            raise CadesFormatError(f"attribute {oid} has a malformed value: {exc}") from exc
        parsed.append(value)
    return parsed
