"""Recognise a CMS EnvelopedData / AuthEnvelopedData from its first bytes (eyp.md §9, EYP-ENC-005).

Only the outer ``ContentInfo`` header and content-type OID are read, so multi-GB encrypted
content is never loaded into memory.
"""

from __future__ import annotations

__all__ = ["envelope_kind"]

_OIDS = {
    bytes.fromhex("06092a864886f70d010703"): "enveloped_data",
    bytes.fromhex("060b2a864886f70d0109100117"): "authenticated_enveloped_data",
    bytes.fromhex("06092a864886f70d010702"): "signed_data",
    bytes.fromhex("06092a864886f70d010701"): "data",
}


def envelope_kind(head: bytes) -> str | None:
    """The CMS content type named by the DER/BER ``ContentInfo`` starting ``head``, if any."""
    if len(head) < 2 or head[0] != 0x30:
        return None
    length_byte = head[1]
    if length_byte == 0x80 or length_byte < 0x80:  # BER indefinite length (streamed CMS)
        offset = 2
    else:
        count = length_byte & 0x7F
        if count > 8:
            return None
        offset = 2 + count
    for oid, name in _OIDS.items():
        if head[offset : offset + len(oid)] == oid:
            return name
    return None
