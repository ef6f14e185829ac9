"""Archive time-stamp imprints and hash indexes (signatures.md §3.9, §3.10).

Everything here hashes **stored bytes** taken from a :class:`cades._view.SignedDataView`; nothing
is re-encoded (§3.11 rule 3). Used by the writer (:mod:`cades._upgrade`) and by the verifier:

* :func:`build_ats_hash_index` — ATSHashIndex v1 (0.4.0.1733.2.5) DER, §3.9.1 step 3;
* :func:`ats_v3_imprint` — the ATSv3 message imprint, §3.9.1 step 4
  (TS 101 733 v2.2.1 §6.4.3; EN 319 122-1 §5.5.3);
* :func:`ats_hash_index_entries` — the entries a v1/v2/v3 index may hold, with both formulas
  for unsigned attributes (§3.9.1 "Options for other validators");
* :func:`ats_v2_imprints` — both readings of the ATSv2 imprint, §3.9.2 (TS 101 733 §6.4.1,
  Annex K);
* :func:`splice_hash_index` — put the index into the time-stamp token's own SignerInfo as an
  unsigned attribute (§3.9.1 step 6) without touching the token's signed bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from asn1crypto import core

from cades import _der, _view
from cades._asn1 import Oid
from cades._attributes import algorithm_identifier_der
from cades._crypto import digest
from cades._view import SignedDataView, SignerInfoView
from cades.errors import CadesFormatError

__all__ = [
    "ATS_V2_READINGS",
    "AtsHashIndexEntries",
    "ParsedAtsHashIndex",
    "ats_hash_index_entries",
    "ats_v2_imprints",
    "ats_v3_imprint",
    "ats_v3_imprint_input",
    "build_ats_hash_index",
    "parse_ats_hash_index",
    "splice_hash_index",
]

_SEQUENCE = 0x30
_OCTET_STRING = 0x04
_CTX1_CONSTRUCTED = 0xA1

#: Names of the two ATSv2 imprint readings of §3.9.2, in the order validators should try them.
ATS_V2_READINGS = ("v2.2.1", "v1.8.3")


@dataclass(frozen=True)
class AtsHashIndexEntries:
    """The hashes an ATS hash index may contain for one signer (§3.9.1 step 3).

    ``unsigned_whole`` has one entry per unsigned Attribute, ``H′(Attribute TLV as stored)``
    (index v1, the default we write). ``unsigned_per_value`` has one entry per attribute
    *value*, ``H′(DER(attrType) ‖ DER(value))`` (index v3, EN 319 122-1 §5.5.2). Index v2 is
    ambiguous in practice, so validators try both lists. Tuples unpack as
    ``(certs, crls, unsigned_whole, unsigned_per_value)``.
    """

    certificates: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    unsigned_whole: tuple[bytes, ...]
    unsigned_per_value: tuple[bytes, ...]

    def __iter__(self) -> Iterator[tuple[bytes, ...]]:
        return iter((self.certificates, self.crls, self.unsigned_whole, self.unsigned_per_value))


def _octet_string(value: bytes) -> bytes:
    return _der.tlv(_OCTET_STRING, value)


def _sequence_of_octets(values: Iterable[bytes]) -> bytes:
    return _der.tlv(_SEQUENCE, b"".join(_octet_string(v) for v in values))


def _check_signer(view: SignedDataView, signer: SignerInfoView) -> None:
    if signer.buf is not view.buf and signer.buf != view.buf:
        raise CadesFormatError("internal error: the SignerInfo view belongs to other bytes")


def _unsigned_upto(signer: SignerInfoView, upto: int | None) -> tuple[_view.AttributeView, ...]:
    attributes = signer.unsigned_attributes
    if upto is None:
        return attributes
    if not 0 <= upto <= len(attributes):
        raise CadesFormatError(f"unsigned attribute index {upto} is out of range")
    return attributes[:upto]


def ats_hash_index_entries(
    view: SignedDataView,
    signer: SignerInfoView,
    hash_oid: str,
    version: int = 1,
    *,
    upto: int | None = None,
) -> AtsHashIndexEntries:
    """Hashes of certificates, CRLs and unsigned attributes as an ATS hash index lists them.

    ``version`` (1, 2 or 3) names the index being compared with and is only validated: the
    certificate and CRL entries are the same for all three, and both unsigned-attribute
    formulas are always returned because validators must try both (§3.9.1).
    ``upto`` limits the unsigned attributes to those before that position (e.g. the attributes
    that existed when an ATS at that position was made).

    * certificates: ``H′(DER of each CertificateChoices in SignedData.certificates)``, in order;
    * CRLs: ``H′(DER of each RevocationInfoChoice in SignedData.crls)``, in order.
    """
    if version not in (1, 2, 3):
        raise CadesFormatError(f"unknown ATS hash index version {version}")
    _check_signer(view, signer)
    buf = view.buf
    certs = tuple(digest(hash_oid, node.raw(buf)) for node in view.certificate_tlvs())
    crls = tuple(digest(hash_oid, node.raw(buf)) for node in view.crl_tlvs())
    attributes = _unsigned_upto(signer, upto)
    whole = tuple(digest(hash_oid, attribute.der) for attribute in attributes)
    per_value: list[bytes] = []
    for attribute in attributes:
        type_tlv = _der.read_tlv(buf, attribute.tlv.content_start, attribute.tlv.content_end)
        type_der = type_tlv.raw(buf)
        for value in attribute.value_tlvs:
            per_value.append(digest(hash_oid, type_der + value.raw(buf)))
    return AtsHashIndexEntries(certs, crls, whole, tuple(per_value))


def build_ats_hash_index(
    view: SignedDataView, signer: SignerInfoView, hash_oid: str = Oid.SHA256
) -> bytes:
    """DER of an ATSHashIndex (v1, attribute 0.4.0.1733.2.5) over the current state (§3.9.1).

    ``hashIndAlgorithm`` is omitted when it is SHA-256 (DEFAULT, X.690 §11.5); unsigned
    attribute entries hash each whole Attribute TLV as stored; ``crlsHashIndex`` is an empty
    SEQUENCE when SignedData has no crls.
    """
    certs, crls, whole, _ = ats_hash_index_entries(view, signer, hash_oid, 1)
    algorithm = b"" if hash_oid == Oid.SHA256 else algorithm_identifier_der(hash_oid)
    return _der.tlv(
        _SEQUENCE,
        algorithm
        + _sequence_of_octets(certs)
        + _sequence_of_octets(crls)
        + _sequence_of_octets(whole),
    )


@dataclass(frozen=True)
class ParsedAtsHashIndex:
    """An ATS hash index read from its stored DER (v1, v2 or v3 layout)."""

    hash_oid: str
    algorithm_present: bool
    certificates: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    unsigned_attrs: tuple[bytes, ...]


def parse_ats_hash_index(index_der: bytes) -> ParsedAtsHashIndex:
    """Read an ATSHashIndex / ats-hash-index-v2 / -v3 value (§3.9.1).

    Parsed by hand because asn1crypto cannot place an omitted DEFAULT AlgorithmIdentifier in
    front of a SEQUENCE OF (both start with tag 30) and misreads the v1 form we write.
    """
    try:
        outer = _der.read_tlv(index_der, 0)
        if outer.tag_byte != _SEQUENCE or outer.end != len(index_der):
            raise CadesFormatError("an ATS hash index is not one SEQUENCE")
        parts = _der.children(index_der, outer)
        hash_oid = Oid.SHA256
        present = len(parts) == 4
        if present:
            algorithm = _der.children(index_der, parts[0])
            if not algorithm or algorithm[0].tag_byte != 0x06:
                raise CadesFormatError("an ATS hash index algorithm is malformed")
            hash_oid = _oid_dotted(algorithm[0].raw(index_der))
            parts = parts[1:]
        if len(parts) != 3:
            raise CadesFormatError("an ATS hash index must hold three hash lists")
        lists: list[tuple[bytes, ...]] = []
        for part in parts:
            if part.tag_byte != _SEQUENCE:
                raise CadesFormatError("an ATS hash index list is not a SEQUENCE")
            entries = []
            for entry in _der.children(index_der, part):
                if entry.tag_byte != _OCTET_STRING:
                    raise CadesFormatError("an ATS hash index entry is not an OCTET STRING")
                entries.append(entry.content(index_der))
            lists.append(tuple(entries))
    except CadesFormatError:
        raise
    except (ValueError, IndexError) as exc:
        raise CadesFormatError(f"an ATS hash index is malformed: {exc}") from exc
    return ParsedAtsHashIndex(hash_oid, present, lists[0], lists[1], lists[2])


def _oid_dotted(der: bytes) -> str:
    try:
        return str(core.ObjectIdentifier.load(der).dotted)
    except ValueError as exc:
        raise CadesFormatError("an OBJECT IDENTIFIER is malformed") from exc


def _content_digest(
    view: SignedDataView,
    hash_oid: str,
    content: bytes | None,
    content_digest: bytes | None,
) -> bytes:
    econtent = view.econtent()
    if econtent is not None:
        return digest(hash_oid, econtent)
    if content_digest is not None:
        return content_digest
    if content is not None:
        return digest(hash_oid, content)
    raise CadesFormatError(
        "the signature is detached: pass the signed content to compute the archive imprint"
    )


def _signer_fields(signer: SignerInfoView) -> bytes:
    """version ‖ sid ‖ digestAlgorithm ‖ signedAttrs (A0, as stored) ‖ sigAlg ‖ signature."""
    return b"".join(node.raw(signer.buf) for node in signer.field_tlvs())


def ats_v3_imprint_input(
    view: SignedDataView,
    signer: SignerInfoView,
    index_der: bytes,
    hash_oid: str,
    *,
    content: bytes | None = None,
    content_digest: bytes | None = None,
) -> bytes:
    """The concatenation hashed by :func:`ats_v3_imprint` (for diagnostics and tests)."""
    _check_signer(view, signer)
    type_tlv = _der.children(view.buf, view.encap_tlv)[0]
    return (
        type_tlv.raw(view.buf)
        + _content_digest(view, hash_oid, content, content_digest)
        + _signer_fields(signer)
        + index_der
    )


def ats_v3_imprint(
    view: SignedDataView,
    signer: SignerInfoView,
    index_der: bytes,
    hash_oid: str,
    *,
    content: bytes | None = None,
    content_digest: bytes | None = None,
) -> bytes:
    """Message imprint of an archive-time-stamp-v3 (§3.9.1 step 4).

    ``H′( DER(eContentType) ‖ H′(eContent) ‖ SignerInfo fields ‖ DER(ATSHashIndex) )`` where the
    SignerInfo fields are version, sid, digestAlgorithm, signedAttrs (``A0`` as stored),
    signatureAlgorithm and signature, each as its stored TLV. ``index_der`` is the index
    SEQUENCE (not the Attribute). For a detached signature pass ``content`` (or its
    ``content_digest`` under ``hash_oid``).
    """
    data = ats_v3_imprint_input(
        view, signer, index_der, hash_oid, content=content, content_digest=content_digest
    )
    return digest(hash_oid, data)


def ats_v2_imprints(
    view: SignedDataView,
    signer: SignerInfoView,
    ats_attribute_index: int,
    hash_oid: str,
    content: bytes | None = None,
) -> dict[str, bytes]:
    """Both readings of an archive-time-stamp-v2 imprint (§3.9.2; TS 101 733 §6.4.1, Annex K).

    ``ats_attribute_index`` is the position of the ATSv2 attribute in the signer's unsigned
    attributes; only the attributes before it are covered. Returns
    ``{"v2.2.1": imprint with "A1 ‖ len" before the attributes, "v1.8.3": without}``. When no
    unsigned attribute precedes the ATS both readings hash nothing for that part. ``content``
    is needed only for a detached signature.
    """
    _check_signer(view, signer)
    buf = view.buf
    parts = [view.encap_tlv.raw(buf)]
    if view.econtent_tlv is None:
        if content is None:
            raise CadesFormatError(
                "the signature is detached: pass the signed content to compute the ATSv2 imprint"
            )
        parts.append(content)
    if view.certificates_tlv is not None:
        parts.append(view.certificates_tlv.raw(buf))
    if view.crls_tlv is not None:
        parts.append(view.crls_tlv.raw(buf))
    parts.append(_signer_fields(signer))
    prefix = b"".join(parts)
    before = b"".join(a.der for a in _unsigned_upto(signer, ats_attribute_index))
    with_header = _der.tlv(_CTX1_CONSTRUCTED, before) if before else b""
    return {
        "v2.2.1": digest(hash_oid, prefix + with_header),
        "v1.8.3": digest(hash_oid, prefix + before),
    }


def splice_hash_index(
    token_der: bytes, index_der: bytes, index_oid: str = Oid.ATS_HASH_INDEX
) -> bytes:
    """Add ``{index_oid, SET {index}}`` to the unsigned attributes of the token's SignerInfo.

    The token's signature covers only its signed attributes, so the splice keeps it valid
    (§3.9.1 step 6). The token must have exactly one SignerInfo (RFC 3161 §2.4.2).
    """
    token_view = _view.parse_signed_data(token_der)
    if len(token_view.signers) != 1:
        raise CadesFormatError("a time-stamp token must have exactly one SignerInfo")
    tst_signer = token_view.signers[0]
    if tst_signer.unsigned(index_oid):
        raise CadesFormatError("the time-stamp token already carries a hash index")
    attribute = _view.attribute_der(index_oid, index_der)
    return _view.add_unsigned_attribute(token_view, tst_signer, attribute)
