"""A minimal DER encoder for the envelope header (ITU-T X.690 §8, §10).

The writer builds the few structures it needs by hand so that every byte is under control
(signatures.md Appendix A.2/A.3 give the exact DER expected) and so that lengths can be computed
up front for definite-length streaming (signatures.md §7.8).
"""

from __future__ import annotations

__all__ = [
    "EOC",
    "der_bit_string",
    "der_header",
    "der_integer",
    "der_length",
    "der_null",
    "der_octet_string",
    "der_oid",
    "der_sequence",
    "der_set_of",
    "der_tlv",
]

#: End-of-contents octets closing an indefinite-length element (X.690 §8.1.5).
EOC = b"\x00\x00"

TAG_INTEGER = 0x02
TAG_BIT_STRING = 0x03
TAG_OCTET_STRING = 0x04
TAG_NULL = 0x05
TAG_OID = 0x06
TAG_SEQUENCE = 0x30
TAG_SET = 0x31


def der_length(length: int) -> bytes:
    """Definite length octets, short form below 128 and minimal long form above."""
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der_header(tag: int, length: int) -> bytes:
    """Identifier and length octets for a single-byte ``tag``."""
    return bytes([tag]) + der_length(length)


def der_tlv(tag: int, content: bytes) -> bytes:
    return der_header(tag, len(content)) + content


def der_sequence(*parts: bytes) -> bytes:
    return der_tlv(TAG_SEQUENCE, b"".join(parts))


def der_set_of(*parts: bytes) -> bytes:
    """SET OF with its elements sorted by their encodings, as DER requires (X.690 §11.6)."""
    return der_tlv(TAG_SET, b"".join(sorted(parts)))


def der_integer(value: int) -> bytes:
    length = (value.bit_length() + 8) // 8 if value >= 0 else (value + 1).bit_length() // 8 + 1
    return der_tlv(TAG_INTEGER, value.to_bytes(max(length, 1), "big", signed=True))


def der_octet_string(value: bytes) -> bytes:
    return der_tlv(TAG_OCTET_STRING, value)


def der_null() -> bytes:
    return b"\x05\x00"


def der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    if len(parts) < 2 or parts[0] > 2 or (parts[0] < 2 and parts[1] >= 40):
        raise ValueError(f"invalid OID {dotted!r}")
    body = bytearray()
    for value in [parts[0] * 40 + parts[1], *parts[2:]]:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        body.extend(reversed(chunk))
    return der_tlv(TAG_OID, bytes(body))


def der_bit_string(value: bytes) -> bytes:
    """BIT STRING with no unused bits (keys and points are whole octets)."""
    return der_tlv(TAG_BIT_STRING, b"\x00" + value)
