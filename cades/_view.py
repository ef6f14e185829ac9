"""A byte-exact view of a CMS SignedData and byte-preserving edits (signatures.md §3.2, §3.11).

:func:`parse_signed_data` locates every field of the ContentInfo/SignedData/SignerInfo tree by
offset (BER and indefinite lengths included), so that

* verification hashes exactly the stored bytes (signed attributes with ``31`` instead of ``A0``,
  archive time-stamp imprints over the stored TLVs, §3.9, §3.10);
* upgrades append attributes, certificates or SignerInfos with :func:`cades._der.insert`, which
  rewrites only enclosing length octets (§3.11 rule 4).

asn1crypto objects are offered next to the offsets (``parsed``) for reading values; they are
loaded from the stored bytes and never dumped back into the signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from asn1crypto import cms

from cades import _der
from cades._asn1 import Oid, attribute_values
from cades._der import Tlv
from cades.errors import CadesFormatError

__all__ = [
    "AttributeView",
    "SignedDataView",
    "SignerInfoView",
    "add_certificates",
    "add_digest_algorithm",
    "add_revocation_choices",
    "add_signer_info",
    "add_unsigned_attribute",
    "attribute_der",
    "parse_signed_data",
    "set_version",
]

_SEQUENCE = 0x30
_SET = 0x31
_OID = 0x06
_INTEGER = 0x02
_OCTET_STRING = 0x04
_OCTET_STRING_CONSTRUCTED = 0x24
_CTX0_CONSTRUCTED = 0xA0
_CTX1_CONSTRUCTED = 0xA1


def _oid_text(buf: bytes, node: Tlv) -> str:
    if node.tag_byte != _OID:
        raise CadesFormatError("expected an OBJECT IDENTIFIER")
    try:
        return str(cms.ObjectIdentifier.load(node.raw(buf)).dotted)
    except ValueError as exc:
        raise CadesFormatError("an OBJECT IDENTIFIER is malformed") from exc


def _int_value(buf: bytes, node: Tlv) -> int:
    if node.tag_byte != _INTEGER:
        raise CadesFormatError("expected an INTEGER")
    return int.from_bytes(node.content(buf), "big", signed=True)


def _octets(buf: bytes, node: Tlv) -> bytes:
    """Value octets of an OCTET STRING; a constructed (BER) one is the concatenated segments."""
    if node.tag_byte in (_OCTET_STRING, 0x80):
        return node.content(buf)
    if node.tag_byte in (_OCTET_STRING_CONSTRUCTED, _CTX0_CONSTRUCTED):
        return b"".join(_octets(buf, child) for child in _der.children(buf, node))
    raise CadesFormatError("expected an OCTET STRING")


@dataclass(frozen=True)
class AttributeView:
    """One ``Attribute { attrType, attrValues SET }`` as stored."""

    buf: bytes = field(repr=False)
    tlv: Tlv
    oid: str
    values_tlv: Tlv
    value_tlvs: tuple[Tlv, ...]

    @property
    def der(self) -> bytes:
        """The complete Attribute TLV as stored."""
        return self.tlv.raw(self.buf)

    def value_der(self, index: int = 0) -> bytes:
        return self.value_tlvs[index].raw(self.buf)

    def values(self) -> list[Any]:
        """Parsed values (see :func:`cades._asn1.attribute_values`)."""
        return attribute_values(self.oid, [v.raw(self.buf) for v in self.value_tlvs])


def _attributes(buf: bytes, container: Tlv | None) -> tuple[AttributeView, ...]:
    if container is None:
        return ()
    found: list[AttributeView] = []
    for node in _der.children(buf, container):
        if node.tag_byte != _SEQUENCE:
            raise CadesFormatError("an attribute is not a SEQUENCE")
        parts = _der.children(buf, node)
        if len(parts) != 2 or parts[1].tag_byte != _SET:
            raise CadesFormatError("an attribute is not { type, SET OF values }")
        values = tuple(_der.children(buf, parts[1]))
        found.append(AttributeView(buf, node, _oid_text(buf, parts[0]), parts[1], values))
    return tuple(found)


@dataclass(frozen=True)
class SignerInfoView:
    """A SignerInfo with the offsets of its fields (RFC 5652 §5.3)."""

    buf: bytes = field(repr=False)
    tlv: Tlv
    ancestors: tuple[Tlv, ...] = field(repr=False)
    path: str
    version: int
    sid_tlv: Tlv
    digest_algorithm_tlv: Tlv
    signed_attrs_tlv: Tlv | None
    signature_algorithm_tlv: Tlv
    signature_tlv: Tlv
    unsigned_attrs_tlv: Tlv | None
    signed_attributes: tuple[AttributeView, ...] = field(repr=False)
    unsigned_attributes: tuple[AttributeView, ...] = field(repr=False)
    counter_signers: tuple[SignerInfoView, ...] = field(repr=False)

    @property
    def der(self) -> bytes:
        return self.tlv.raw(self.buf)

    @cached_property
    def parsed(self) -> Any:
        """asn1crypto ``SignerInfo`` loaded from the stored bytes (read only)."""
        try:
            return cms.SignerInfo.load(self.der)
        except ValueError as exc:
            raise CadesFormatError("a SignerInfo is malformed") from exc

    @property
    def signature_value(self) -> bytes:
        """Value octets of ``signature`` (input of the signature-time-stamp imprint, §3.5)."""
        return _octets(self.buf, self.signature_tlv)

    @property
    def signed_attrs_for_signature(self) -> bytes | None:
        """The signed attributes as received, first byte ``31`` (RFC 5652 §5.4; §3.11 rule 2)."""
        if self.signed_attrs_tlv is None:
            return None
        raw = self.signed_attrs_tlv.raw(self.buf)
        return b"\x31" + raw[1:]

    @property
    def digest_algorithm_oid(self) -> str:
        return str(self.parsed["digest_algorithm"]["algorithm"].dotted)

    @property
    def signature_algorithm_oid(self) -> str:
        return str(self.parsed["signature_algorithm"]["algorithm"].dotted)

    def field_tlvs(self) -> tuple[Tlv, ...]:
        """version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature (§3.9.1)."""
        first = _der.read_tlv(self.buf, self.tlv.content_start, self.tlv.content_end)
        fields = [first, self.sid_tlv, self.digest_algorithm_tlv]
        if self.signed_attrs_tlv is not None:
            fields.append(self.signed_attrs_tlv)
        fields.extend((self.signature_algorithm_tlv, self.signature_tlv))
        return tuple(fields)

    def signed(self, oid: str) -> tuple[AttributeView, ...]:
        return tuple(a for a in self.signed_attributes if a.oid == oid)

    def unsigned(self, oid: str) -> tuple[AttributeView, ...]:
        return tuple(a for a in self.unsigned_attributes if a.oid == oid)

    def walk(self) -> tuple[SignerInfoView, ...]:
        """This signer and all countersigners, depth first."""
        out: list[SignerInfoView] = [self]
        for counter in self.counter_signers:
            out.extend(counter.walk())
        return tuple(out)


def _signer_info(buf: bytes, node: Tlv, ancestors: tuple[Tlv, ...], path: str) -> SignerInfoView:
    if node.tag_byte != _SEQUENCE:
        raise CadesFormatError("a SignerInfo is not a SEQUENCE")
    parts = _der.children(buf, node)
    if len(parts) < 5:
        raise CadesFormatError("a SignerInfo has too few fields")
    version = _int_value(buf, parts[0])
    sid, digest_alg = parts[1], parts[2]
    index = 3
    signed_attrs = None
    if parts[index].tag_byte == _CTX0_CONSTRUCTED:
        signed_attrs = parts[index]
        index += 1
    if len(parts) < index + 2:
        raise CadesFormatError("a SignerInfo lacks its signature")
    signature_alg, signature = parts[index], parts[index + 1]
    if signature.tag_byte not in (_OCTET_STRING, _OCTET_STRING_CONSTRUCTED):
        raise CadesFormatError("a SignerInfo signature is not an OCTET STRING")
    unsigned_attrs = None
    rest = parts[index + 2 :]
    if rest:
        if rest[0].tag_byte != _CTX1_CONSTRUCTED or len(rest) > 1:
            raise CadesFormatError("a SignerInfo has unexpected trailing fields")
        unsigned_attrs = rest[0]
    unsigned = _attributes(buf, unsigned_attrs)
    counters: list[SignerInfoView] = []
    own = (*ancestors, node)
    for attribute in unsigned:
        if attribute.oid != Oid.COUNTER_SIGNATURE:
            continue
        assert unsigned_attrs is not None
        for value in attribute.value_tlvs:
            counters.append(
                _signer_info(
                    buf,
                    value,
                    (*own, unsigned_attrs, attribute.tlv, attribute.values_tlv),
                    f"{path}.{len(counters)}",
                )
            )
    return SignerInfoView(
        buf=buf,
        tlv=node,
        ancestors=ancestors,
        path=path,
        version=version,
        sid_tlv=sid,
        digest_algorithm_tlv=digest_alg,
        signed_attrs_tlv=signed_attrs,
        signature_algorithm_tlv=signature_alg,
        signature_tlv=signature,
        unsigned_attrs_tlv=unsigned_attrs,
        signed_attributes=_attributes(buf, signed_attrs),
        unsigned_attributes=unsigned,
        counter_signers=tuple(counters),
    )


@dataclass(frozen=True)
class SignedDataView:
    """ContentInfo(SignedData) with the offsets of its fields (RFC 5652 §5.1)."""

    buf: bytes = field(repr=False)
    content_info: Tlv
    explicit_content: Tlv
    signed_data: Tlv
    version_tlv: Tlv
    digest_algorithms_tlv: Tlv
    encap_tlv: Tlv
    econtent_type: str
    econtent_tlv: Tlv | None
    certificates_tlv: Tlv | None
    crls_tlv: Tlv | None
    signer_infos_tlv: Tlv
    signers: tuple[SignerInfoView, ...]

    @property
    def version(self) -> int:
        return _int_value(self.buf, self.version_tlv)

    @property
    def attached(self) -> bool:
        return self.econtent_tlv is not None

    def econtent(self) -> bytes | None:
        """eContent value octets (segments of a constructed OCTET STRING joined, §3.10)."""
        if self.econtent_tlv is None:
            return None
        return _octets(self.buf, self.econtent_tlv)

    def certificate_tlvs(self) -> tuple[Tlv, ...]:
        if self.certificates_tlv is None:
            return ()
        return tuple(_der.children(self.buf, self.certificates_tlv))

    def crl_tlvs(self) -> tuple[Tlv, ...]:
        if self.crls_tlv is None:
            return ()
        return tuple(_der.children(self.buf, self.crls_tlv))

    def certificates_der(self) -> tuple[bytes, ...]:
        """Each ``certificate`` choice (plain X.509) as stored; other choices are skipped."""
        return tuple(
            node.raw(self.buf) for node in self.certificate_tlvs() if node.tag_byte == _SEQUENCE
        )

    def digest_algorithm_oids(self) -> tuple[str, ...]:
        oids = []
        for node in _der.children(self.buf, self.digest_algorithms_tlv):
            inner = _der.children(self.buf, node)
            oids.append(_oid_text(self.buf, inner[0]))
        return tuple(oids)

    def all_signers(self) -> tuple[SignerInfoView, ...]:
        out: list[SignerInfoView] = []
        for signer in self.signers:
            out.extend(signer.walk())
        return tuple(out)

    def signer(self, path: str) -> SignerInfoView:
        for candidate in self.all_signers():
            if candidate.path == path:
                return candidate
        raise CadesFormatError(f"no signer with path {path!r} in this signature")


def parse_signed_data(data: bytes) -> SignedDataView:
    """Locate every field; raises :class:`CadesFormatError` on anything that is not SignedData."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CadesFormatError("a CMS signature must be given as bytes")
    buf = bytes(data)
    content_info = _der.read_tlv(buf, 0)
    if content_info.tag_byte != _SEQUENCE:
        raise CadesFormatError("not a CMS ContentInfo (DER/BER SEQUENCE expected)")
    if content_info.end != len(buf):
        raise CadesFormatError("there are extra bytes after the CMS ContentInfo")
    ci_parts = _der.children(buf, content_info)
    if len(ci_parts) != 2 or ci_parts[1].tag_byte != _CTX0_CONSTRUCTED:
        raise CadesFormatError("the ContentInfo has no [0] content")
    if _oid_text(buf, ci_parts[0]) != Oid.SIGNED_DATA:
        raise CadesFormatError("the ContentInfo does not hold SignedData")
    explicit = ci_parts[1]
    inner = _der.children(buf, explicit)
    if len(inner) != 1 or inner[0].tag_byte != _SEQUENCE:
        raise CadesFormatError("the SignedData is not a SEQUENCE")
    signed_data = inner[0]
    parts = _der.children(buf, signed_data)
    if len(parts) < 4:
        raise CadesFormatError("the SignedData has too few fields")
    version, digest_algs, encap = parts[0], parts[1], parts[2]
    _int_value(buf, version)
    if digest_algs.tag_byte != _SET or encap.tag_byte != _SEQUENCE:
        raise CadesFormatError("the SignedData fields are malformed")
    encap_parts = _der.children(buf, encap)
    if not encap_parts:
        raise CadesFormatError("the encapContentInfo is empty")
    econtent_type = _oid_text(buf, encap_parts[0])
    econtent = None
    if len(encap_parts) > 1:
        holder = encap_parts[1]
        if holder.tag_byte != _CTX0_CONSTRUCTED:
            raise CadesFormatError("the eContent is not [0] EXPLICIT")
        content_nodes = _der.children(buf, holder)
        if len(content_nodes) != 1:
            raise CadesFormatError("the eContent holds more than one value")
        econtent = content_nodes[0]
    certificates = crls = None
    index = 3
    if index < len(parts) and parts[index].tag_byte == _CTX0_CONSTRUCTED:
        certificates = parts[index]
        index += 1
    if index < len(parts) and parts[index].tag_byte == _CTX1_CONSTRUCTED:
        crls = parts[index]
        index += 1
    if index != len(parts) - 1 or parts[index].tag_byte != _SET:
        raise CadesFormatError("the SignedData has no signerInfos SET at its end")
    signer_infos = parts[index]
    ancestors = (content_info, explicit, signed_data, signer_infos)
    signers = tuple(
        _signer_info(buf, node, ancestors, str(i))
        for i, node in enumerate(_der.children(buf, signer_infos))
    )
    view = SignedDataView(
        buf=buf,
        content_info=content_info,
        explicit_content=explicit,
        signed_data=signed_data,
        version_tlv=version,
        digest_algorithms_tlv=digest_algs,
        encap_tlv=encap,
        econtent_type=econtent_type,
        econtent_tlv=econtent,
        certificates_tlv=certificates,
        crls_tlv=crls,
        signer_infos_tlv=signer_infos,
        signers=signers,
    )
    if econtent is not None:
        view.econtent()  # validates primitive/constructed OCTET STRING shape
    return view


# --- byte-preserving edits ------------------------------------------------------------------


def attribute_der(oid: str, *values_der: bytes) -> bytes:
    """DER of ``Attribute { oid, SET { values } }``; values are kept in the given order.

    A SET OF with several values would need DER sorting; our writers only ever add one value
    per attribute, so the order question does not arise for output we create.
    """
    oid_der = cms.ObjectIdentifier(oid).dump()
    return _der.tlv(_SEQUENCE, oid_der + _der.tlv(_SET, b"".join(values_der)))


def add_unsigned_attribute(view: SignedDataView, signer: SignerInfoView, attr: bytes) -> bytes:
    """Append ``attr`` (a complete Attribute TLV) to the signer's unsignedAttrs (§3.11 rule 4)."""
    if signer.unsigned_attrs_tlv is not None:
        node = signer.unsigned_attrs_tlv
        return _der.insert(view.buf, (*signer.ancestors, signer.tlv, node), node.content_end, attr)
    return _der.insert(
        view.buf,
        (*signer.ancestors, signer.tlv),
        signer.signature_tlv.end,
        _der.tlv(_CTX1_CONSTRUCTED, attr),
    )


def _sd_ancestors(view: SignedDataView) -> tuple[Tlv, ...]:
    return (view.content_info, view.explicit_content, view.signed_data)


def add_certificates(view: SignedDataView, certificates_der: list[bytes]) -> bytes:
    """Append certificates to ``SignedData.certificates`` (created after encapContentInfo)."""
    if not certificates_der:
        return view.buf
    payload = b"".join(certificates_der)
    if view.certificates_tlv is not None:
        node = view.certificates_tlv
        return _der.insert(view.buf, (*_sd_ancestors(view), node), node.content_end, payload)
    return _der.insert(
        view.buf, _sd_ancestors(view), view.encap_tlv.end, _der.tlv(_CTX0_CONSTRUCTED, payload)
    )


def add_revocation_choices(view: SignedDataView, choices_der: list[bytes]) -> bytes:
    """Append RevocationInfoChoices to ``SignedData.crls`` (re-archiving only, §3.9.4)."""
    if not choices_der:
        return view.buf
    payload = b"".join(choices_der)
    if view.crls_tlv is not None:
        node = view.crls_tlv
        return _der.insert(view.buf, (*_sd_ancestors(view), node), node.content_end, payload)
    anchor = view.certificates_tlv.end if view.certificates_tlv is not None else view.encap_tlv.end
    return _der.insert(view.buf, _sd_ancestors(view), anchor, _der.tlv(_CTX1_CONSTRUCTED, payload))


def set_version(view: SignedDataView, version: int) -> bytes:
    """Replace the one-octet SignedData version (1 → 3/4/5; RFC 5652 §5.1)."""
    node = view.version_tlv
    if node.end - node.content_start != 1 or not 0 <= version < 0x80:
        raise CadesFormatError("unexpected SignedData version encoding")
    return view.buf[: node.content_start] + bytes([version]) + view.buf[node.end :]


def add_signer_info(view: SignedDataView, signer_info_der: bytes) -> bytes:
    """Append a parallel SignerInfo to ``signerInfos`` (§2.4)."""
    node = view.signer_infos_tlv
    return _der.insert(view.buf, (*_sd_ancestors(view), node), node.content_end, signer_info_der)


def add_digest_algorithm(view: SignedDataView, algorithm_der: bytes) -> bytes:
    """Append a DigestAlgorithmIdentifier to ``digestAlgorithms`` unless already present."""
    node = view.digest_algorithms_tlv
    existing = [c.raw(view.buf) for c in _der.children(view.buf, node)]
    if algorithm_der in existing:
        return view.buf
    return _der.insert(view.buf, (*_sd_ancestors(view), node), node.content_end, algorithm_der)
