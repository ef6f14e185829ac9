"""Byte-level TLV reading and splicing (signatures.md §3.11 rules 2–4).

CAdES upgrades must add unsigned attributes *without touching the existing bytes*: archive
time-stamps hash the stored encodings, and asn1crypto re-sorts SETs when it re-serialises a
modified object. This module therefore works on offsets in the original buffer:

* :func:`read_tlv` parses one BER TLV header (definite or indefinite length) and returns a
  :class:`Tlv` with the offsets of the tag, the contents and the end;
* :func:`children` lists the TLVs inside a constructed TLV;
* :func:`insert` inserts bytes at an offset and rewrites the length octets of every enclosing
  definite-length TLV (indefinite ones stay indefinite, §3.11 rule 4).

Only the structural layer lives here; meaning is given by :mod:`cades._view`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cades.errors import CadesFormatError

__all__ = ["Tlv", "children", "encode_length", "insert", "read_tlv", "tlv"]

#: Deepest nesting we follow; CMS signatures nest about 12 levels, hostile input may nest more.
_MAX_DEPTH = 64


@dataclass(frozen=True)
class Tlv:
    """One TLV located in a buffer; ``end`` includes end-of-contents octets when indefinite."""

    tag_byte: int
    tag_number: int
    start: int
    content_start: int
    end: int
    indefinite: bool

    @property
    def constructed(self) -> bool:
        return bool(self.tag_byte & 0x20)

    @property
    def content_end(self) -> int:
        """Offset just after the last content octet (before the end-of-contents octets)."""
        return self.end - 2 if self.indefinite else self.end

    def raw(self, buf: bytes) -> bytes:
        """The complete TLV exactly as stored."""
        return buf[self.start : self.end]

    def content(self, buf: bytes) -> bytes:
        """The content octets exactly as stored (for indefinite length: without the EOC)."""
        return buf[self.content_start : self.content_end]


def encode_length(length: int) -> bytes:
    """DER length octets (X.690 §8.1.3, minimal form)."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag_byte: int, content: bytes) -> bytes:
    """A definite-length TLV with a one-byte tag."""
    return bytes([tag_byte]) + encode_length(len(content)) + content


def read_tlv(buf: bytes, offset: int, limit: int | None = None, *, _depth: int = 0) -> Tlv:
    """Parse the TLV starting at ``offset``; it must end at or before ``limit``."""
    limit = len(buf) if limit is None else limit
    if _depth > _MAX_DEPTH:
        raise CadesFormatError("the ASN.1 structure is nested too deeply")
    if offset >= limit:
        raise CadesFormatError("the ASN.1 data ends where a value was expected")
    tag_byte = buf[offset]
    pos = offset + 1
    tag_number = tag_byte & 0x1F
    if tag_number == 0x1F:
        tag_number = 0
        while True:
            if pos >= limit:
                raise CadesFormatError("the ASN.1 data ends inside a tag")
            octet = buf[pos]
            pos += 1
            tag_number = (tag_number << 7) | (octet & 0x7F)
            if not octet & 0x80:
                break
            if tag_number > 0xFFFFFF:
                raise CadesFormatError("an ASN.1 tag number is out of range")
    if pos >= limit:
        raise CadesFormatError("the ASN.1 data ends inside a length")
    first = buf[pos]
    pos += 1
    if first == 0x80:
        if not tag_byte & 0x20:
            raise CadesFormatError("a primitive ASN.1 value uses the indefinite length")
        cursor = pos
        while True:
            if cursor + 2 <= limit and buf[cursor] == 0 and buf[cursor + 1] == 0:
                return Tlv(tag_byte, tag_number, offset, pos, cursor + 2, True)
            child = read_tlv(buf, cursor, limit, _depth=_depth + 1)
            cursor = child.end
    if first & 0x80:
        count = first & 0x7F
        if count > 8 or pos + count > limit:
            raise CadesFormatError("an ASN.1 length is out of range")
        length = int.from_bytes(buf[pos : pos + count], "big")
        pos += count
    else:
        length = first
    end = pos + length
    if end > limit:
        raise CadesFormatError("an ASN.1 value is longer than the data that holds it (truncated?)")
    return Tlv(tag_byte, tag_number, offset, pos, end, False)


def children(buf: bytes, parent: Tlv) -> list[Tlv]:
    """The TLVs directly inside a constructed ``parent``."""
    if not parent.constructed:
        raise CadesFormatError("expected a constructed ASN.1 value")
    found: list[Tlv] = []
    cursor = parent.content_start
    stop = parent.content_end
    while cursor < stop:
        child = read_tlv(buf, cursor, stop)
        found.append(child)
        cursor = child.end
    return found


def insert(buf: bytes, ancestors: Sequence[Tlv], at: int, data: bytes) -> bytes:
    """Insert ``data`` at offset ``at`` inside every TLV of ``ancestors`` (outermost first).

    Length octets of definite-length ancestors are rewritten (innermost first, so the offsets of
    the outer headers, which lie before the inner ones, stay valid); indefinite-length ancestors
    keep their form. Nothing else in ``buf`` changes.
    """
    for outer in ancestors:
        if not outer.content_start <= at <= outer.content_end:
            raise CadesFormatError("internal error: insertion point outside its parent")
    out = bytearray(buf[:at] + data + buf[at:])
    delta = len(data)
    for node in reversed(ancestors):
        if node.indefinite:
            continue
        old_header = bytes(out[node.start : node.content_start])
        tag = old_header[: len(old_header) - _length_octets(old_header)]
        new_length = node.end - node.content_start + delta
        new_header = tag + encode_length(new_length)
        out[node.start : node.content_start] = new_header
        delta += len(new_header) - len(old_header)
    return bytes(out)


def _length_octets(header: bytes) -> int:
    """How many trailing octets of a TLV header are the length."""
    pos = 1
    if header[0] & 0x1F == 0x1F:
        while header[pos] & 0x80:
            pos += 1
        pos += 1
    first = header[pos]
    return 1 + (first & 0x7F if first & 0x80 else 0)
