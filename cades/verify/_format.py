"""Encoding findings: SignedData versions (RFC 5652 §5.1, §5.3) and DER of signed attributes
(X.690 §10, §11.6; signatures.md §3.11 rules 1–2, checks FMT-001 and FMT-003)."""

from __future__ import annotations

from cades import _der
from cades._asn1 import Oid
from cades._der import Tlv
from cades._view import SignedDataView

__all__ = ["der_problems", "version_problems"]

_STRING_CONSTRUCTED = {0x23, 0x24, 0x2C, 0x32, 0x33, 0x34, 0x36, 0x3A, 0x3C, 0x3E}


def _expected_version(view: SignedDataView) -> int:
    cert_tags = {node.tag_byte for node in view.certificate_tlvs()}
    crl_tags = {node.tag_byte for node in view.crl_tlvs()}
    if 0xA3 in cert_tags or 0xA1 in crl_tags:
        return 5
    if 0xA2 in cert_tags:
        return 4
    signer_v3 = any(s.version == 3 for s in view.all_signers())
    if 0xA1 in cert_tags or signer_v3 or view.econtent_type != Oid.DATA:
        return 3
    return 1


def version_problems(view: SignedDataView) -> list[str]:
    """Differences from the versions RFC 5652 prescribes for this content."""
    problems: list[str] = []
    expected = _expected_version(view)
    if view.version != expected:
        problems.append(f"SignedData version is {view.version}, RFC 5652 §5.1 gives {expected}")
    for signer in view.all_signers():
        wanted = 1 if signer.sid_tlv.tag_byte == 0x30 else 3
        if signer.version != wanted:
            problems.append(
                f"SignerInfo {signer.path} version is {signer.version}, "
                f"its sid gives {wanted} (RFC 5652 §5.3)"
            )
    declared = set(view.digest_algorithm_oids())
    for signer in view.signers:
        try:
            oid = signer.digest_algorithm_oid
        except ValueError:
            continue
        if oid not in declared:
            problems.append(f"digestAlgorithms lacks {oid} used by SignerInfo {signer.path}")
    return problems


def _header_minimal(buf: bytes, node: Tlv) -> bool:
    tag_len = 1
    if buf[node.start] & 0x1F == 0x1F:
        pos = node.start + 1
        while buf[pos] & 0x80:
            pos += 1
        tag_len = pos - node.start + 1
    expected = tag_len + len(_der.encode_length(node.end - node.content_start))
    return node.content_start - node.start == expected


def _walk(buf: bytes, node: Tlv, problems: list[str], depth: int) -> None:
    if node.indefinite:
        problems.append("indefinite length")
        return
    if not _header_minimal(buf, node):
        problems.append("non-minimal length octets")
    if node.tag_byte in _STRING_CONSTRUCTED:
        problems.append("constructed string")
        return
    if node.constructed and depth < 32:
        for child in _der.children(buf, node):
            _walk(buf, child, problems, depth + 1)


def _sorted(buf: bytes, nodes: list[Tlv]) -> bool:
    raws = [n.raw(buf) for n in nodes]
    return raws == sorted(raws)


def der_problems(buf: bytes, signed_attrs: Tlv) -> list[str]:
    """Why the stored signed attributes are not DER (empty list: they are)."""
    problems: list[str] = []
    _walk(buf, signed_attrs, problems, 0)
    if signed_attrs.indefinite:
        return sorted(set(problems))
    attributes = _der.children(buf, signed_attrs)
    if not _sorted(buf, attributes):
        problems.append("attributes not in DER SET OF order (X.690 §11.6)")
    for attribute in attributes:
        parts = _der.children(buf, attribute)
        if len(parts) == 2 and not parts[1].indefinite:
            values = _der.children(buf, parts[1])
            if not _sorted(buf, values):
                problems.append("attribute values not in DER SET OF order")
    return sorted(set(problems))
