"""BER decoding with hard limits: small elements in memory, the envelope as a stream.

X.690 §8 (BER: definite and indefinite lengths, constructed strings). Two tools:

* :func:`parse` decodes one small element held in memory (recipientInfos, an algorithm
  identifier, a certificate) into a :class:`Tlv` tree that keeps each element's original bytes;
* :class:`BerReader` reads the envelope from a binary stream one header at a time, so the
  encrypted content is never held in memory (signatures.md §7.8).

Hostile input is refused early with :class:`~encryption.errors.MalformedEnvelopeError`: nesting
deeper than :data:`MAX_DEPTH`, more than :data:`MAX_NODES` elements, lengths longer than eight
octets, elements that overrun their parent, and small elements larger than the caller's cap (a
declared length is checked before anything is read, so a huge length costs nothing).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

from encryption.errors import EncryptionIOError, MalformedEnvelopeError, TruncatedEnvelopeError

__all__ = [
    "MAX_DEPTH",
    "BerReader",
    "Header",
    "Tlv",
    "bit_string",
    "integer",
    "malformed",
    "octets",
    "oid",
    "parse",
]

#: Deepest nesting accepted; real envelopes stay below 15 (certificates in originatorInfo).
MAX_DEPTH = 32
#: Most elements accepted in one in-memory parse.
MAX_NODES = 100_000

UNIVERSAL = 0
CONTEXT = 2


class BinaryReadable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _malformed(what: str, reason: str) -> MalformedEnvelopeError:
    return MalformedEnvelopeError(
        f"The envelope is malformed ({what}: {reason}). It is not a valid CMS EnvelopedData "
        "or AuthEnvelopedData; ask the sender for a new copy."
    )


def _truncated(what: str) -> TruncatedEnvelopeError:
    return TruncatedEnvelopeError(
        f"The envelope is truncated (it ends inside {what}). The file was cut short; ask the "
        "sender for a complete copy."
    )


@dataclass(frozen=True, slots=True)
class Tlv:
    """One decoded element; ``buffer[start:end]`` are its exact original bytes."""

    tag_class: int
    constructed: bool
    tag: int
    buffer: bytes
    start: int
    content_start: int
    content_end: int
    end: int
    indefinite: bool
    children: tuple[Tlv, ...]

    @property
    def raw(self) -> bytes:
        return self.buffer[self.start : self.end]

    @property
    def content(self) -> bytes:
        return self.buffer[self.content_start : self.content_end]

    def is_universal(self, tag: int) -> bool:
        return self.tag_class == UNIVERSAL and self.tag == tag

    def is_context(self, tag: int) -> bool:
        return self.tag_class == CONTEXT and self.tag == tag


def _decode_identifier(data: bytes, pos: int, what: str) -> tuple[int, bool, int, int]:
    """(class, constructed, tag number, position after the identifier octets)."""
    if pos >= len(data):
        raise _truncated(what)
    first = data[pos]
    pos += 1
    tag = first & 0x1F
    if tag == 0x1F:
        tag = 0
        for count in range(4):
            if pos >= len(data):
                raise _truncated(what)
            byte = data[pos]
            pos += 1
            if count == 0 and byte == 0x80:
                raise _malformed(what, "non-minimal tag encoding")
            tag = (tag << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        else:
            raise _malformed(what, "tag number too large")
    return first >> 6, bool(first & 0x20), tag, pos


def _decode_length(data: bytes, pos: int, constructed: bool, what: str) -> tuple[int | None, int]:
    """(length or None for indefinite, position after the length octets)."""
    if pos >= len(data):
        raise _truncated(what)
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    if first == 0x80:
        if not constructed:
            raise _malformed(what, "indefinite length on a primitive element")
        return None, pos
    count = first & 0x7F
    if count > 8 or first == 0xFF:
        raise _malformed(what, f"length field of {count} octets")
    if pos + count > len(data):
        raise _truncated(what)
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


class _Parser:
    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.what = what
        self.nodes = 0

    def element(self, pos: int, limit: int, depth: int) -> Tlv:
        if depth > MAX_DEPTH:
            raise _malformed(self.what, f"nested deeper than {MAX_DEPTH} levels")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _malformed(self.what, f"more than {MAX_NODES} elements")
        data = self.data
        tag_class, constructed, tag, pos_after_id = _decode_identifier(data, pos, self.what)
        length, content_start = _decode_length(data, pos_after_id, constructed, self.what)
        if content_start > limit:
            raise _malformed(self.what, "element overruns its parent")
        children: list[Tlv] = []
        if length is not None:
            content_end = content_start + length
            if content_end > limit:
                if content_end > len(data) and limit == len(data):
                    raise _truncated(self.what)
                raise _malformed(self.what, "element overruns its parent")
            if constructed:
                cursor = content_start
                while cursor < content_end:
                    child = self.element(cursor, content_end, depth + 1)
                    children.append(child)
                    cursor = child.end
            end = content_end
        else:
            cursor = content_start
            while True:
                if cursor + 2 > limit:
                    raise (
                        _truncated(self.what)
                        if limit == len(data)
                        else _malformed(
                            self.what, "indefinite-length element without end-of-contents"
                        )
                    )
                if data[cursor] == 0 and data[cursor + 1] == 0:
                    break
                if data[cursor] == 0:
                    raise _malformed(self.what, "invalid end-of-contents octets")
                child = self.element(cursor, limit, depth + 1)
                children.append(child)
                cursor = child.end
            content_end = cursor
            end = cursor + 2
        if tag_class == UNIVERSAL and tag == 0:
            raise _malformed(self.what, "unexpected end-of-contents octets")
        return Tlv(
            tag_class,
            constructed,
            tag,
            data,
            pos,
            content_start,
            content_end,
            end,
            length is None,
            tuple(children),
        )


def parse(data: bytes, what: str) -> Tlv:
    """Decode exactly one BER element filling ``data``; ``what`` names it in errors."""
    data = bytes(data)
    node = _Parser(data, what).element(0, len(data), 0)
    if node.end != len(data):
        raise _malformed(what, "trailing bytes after the element")
    return node


def oid(node: Tlv, what: str) -> str:
    """Dotted OBJECT IDENTIFIER (X.690 §8.19)."""
    if not node.is_universal(6) or node.constructed:
        raise _malformed(what, "expected an OBJECT IDENTIFIER")
    body = node.content
    if not body or len(body) > 64 or body[-1] & 0x80:
        raise _malformed(what, "invalid OBJECT IDENTIFIER")
    values: list[int] = []
    value = 0
    for index, byte in enumerate(body):
        if value == 0 and byte == 0x80 and (index == 0 or not body[index - 1] & 0x80):
            raise _malformed(what, "non-minimal OBJECT IDENTIFIER")
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    first = values[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(v) for v in head + values[1:])


def integer(node: Tlv, what: str, *, max_octets: int = 128) -> int:
    if not node.is_universal(2) or node.constructed:
        raise _malformed(what, "expected an INTEGER")
    body = node.content
    if not body or len(body) > max_octets:
        raise _malformed(what, "invalid INTEGER")
    return int.from_bytes(body, "big", signed=True)


def octets(node: Tlv, what: str, *, tag_class: int = UNIVERSAL, tag: int = 4) -> bytes:
    """Value of an OCTET STRING (or an implicitly tagged one), primitive or BER-constructed."""
    if node.tag_class != tag_class or node.tag != tag:
        raise _malformed(what, "expected an OCTET STRING")
    if not node.constructed:
        return node.content
    return b"".join(octets(child, what) for child in node.children)


def bit_string(node: Tlv, what: str) -> bytes:
    """Value of a primitive BIT STRING whose length is a whole number of octets."""
    if not node.is_universal(3) or node.constructed:
        raise _malformed(what, "expected a primitive BIT STRING")
    body = node.content
    if not body or body[0] != 0:
        raise _malformed(what, "BIT STRING with unused bits")
    return body[1:]


def malformed(what: str, reason: str) -> MalformedEnvelopeError:
    """The error every envelope structure problem raises (shared wording)."""
    return _malformed(what, reason)


@dataclass(frozen=True, slots=True)
class Header:
    """Identifier and length octets of an element read from a stream."""

    tag_class: int
    constructed: bool
    tag: int
    length: int | None
    raw: bytes

    @property
    def indefinite(self) -> bool:
        return self.length is None

    def is_universal(self, tag: int) -> bool:
        return self.tag_class == UNIVERSAL and self.tag == tag

    def is_context(self, tag: int) -> bool:
        return self.tag_class == CONTEXT and self.tag == tag


class BerReader:
    """Reads BER from a binary stream, tracking the position and the open definite lengths.

    ``open``/``close`` bracket a constructed element being streamed; every header read inside
    is checked against the innermost definite end, so nothing can overrun its parent.
    """

    def __init__(self, stream: BinaryReadable) -> None:
        self._stream = stream
        self._readinto = getattr(stream, "readinto", None)
        self._pending = b""
        self.pos = 0
        self._ends: list[int | None] = []

    # --- raw bytes --------------------------------------------------------------------------
    def _read_some(self, size: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        try:
            return self._stream.read(size)
        except OSError as exc:
            raise _io_error(exc) from exc

    def read_exact(self, size: int, what: str) -> bytes:
        parts: list[bytes] = []
        needed = size
        while needed:
            data = self._read_some(needed)
            if not data:
                raise _truncated(what)
            parts.append(data)
            needed -= len(data)
        self.pos += size
        return b"".join(parts)

    def peek_byte(self) -> int | None:
        """The next byte without consuming it, or None at the end of the stream."""
        if not self._pending:
            self._pending = self._read_some(1)
        return self._pending[0] if self._pending else None

    def readinto(self, view: memoryview) -> int:
        """Read up to ``len(view)`` bytes into ``view``; 0 only at the end of the stream."""
        if not len(view):
            return 0
        if self._pending:
            count = len(self._pending)
            view[:count] = self._pending
            self._pending = b""
            self.pos += count
            return count
        try:
            if self._readinto is not None:
                count = self._readinto(view)
            else:
                data = self._stream.read(len(view))
                count = len(data)
                view[:count] = data
        except OSError as exc:
            raise _io_error(exc) from exc
        count = count or 0
        self.pos += count
        return count

    def skip(self, size: int, what: str) -> None:
        """Move forward ``size`` bytes, seeking when the stream allows it."""
        if size <= 0:
            return
        stream = self._stream
        if not self._pending and _seekable(stream):
            try:
                here = stream.tell()  # type: ignore[attr-defined]
                end = stream.seek(0, io.SEEK_END)  # type: ignore[attr-defined]
                if here + size > end:
                    stream.seek(end)  # type: ignore[attr-defined]
                    self.pos += end - here
                    raise _truncated(what)
                stream.seek(here + size)  # type: ignore[attr-defined]
            except OSError as exc:
                raise _io_error(exc) from exc
            self.pos += size
            return
        buffer = memoryview(bytearray(min(size, 1 << 20)))
        remaining = size
        while remaining:
            count = self.readinto(buffer[: min(remaining, len(buffer))])
            if not count:
                raise _truncated(what)
            remaining -= count

    # --- elements ---------------------------------------------------------------------------
    def read_header(self, what: str) -> Header:
        first = self.read_exact(1, what)
        raw = bytearray(first)
        tag = first[0] & 0x1F
        if tag == 0x1F:
            tag = 0
            for _ in range(4):
                byte = self.read_exact(1, what)[0]
                raw.append(byte)
                tag = (tag << 7) | (byte & 0x7F)
                if not byte & 0x80:
                    break
            else:
                raise _malformed(what, "tag number too large")
        constructed = bool(first[0] & 0x20)
        length_byte = self.read_exact(1, what)[0]
        raw.append(length_byte)
        length: int | None
        if length_byte < 0x80:
            length = length_byte
        elif length_byte == 0x80:
            if not constructed:
                raise _malformed(what, "indefinite length on a primitive element")
            length = None
        else:
            count = length_byte & 0x7F
            if count > 8 or length_byte == 0xFF:
                raise _malformed(what, f"length field of {count} octets")
            body = self.read_exact(count, what)
            raw.extend(body)
            length = int.from_bytes(body, "big")
        limit = self.limit
        if limit is not None and (self.pos > limit or (length and self.pos + length > limit)):
            raise _malformed(what, "element overruns its parent")
        if first[0] == 0 and length != 0:
            raise _malformed(what, "invalid end-of-contents octets")
        return Header(first[0] >> 6, constructed, tag, length, bytes(raw))

    @property
    def limit(self) -> int | None:
        """The innermost definite end among the open containers (None if unbounded)."""
        for end in reversed(self._ends):
            if end is not None:
                return end
        return None

    def open(self, header: Header) -> None:
        """Enter a constructed element whose header was just read."""
        if len(self._ends) >= MAX_DEPTH:
            raise _malformed("envelope", f"nested deeper than {MAX_DEPTH} levels")
        self._ends.append(None if header.length is None else self.pos + header.length)

    def at_end(self, what: str) -> bool:
        """True when the innermost open element has no more children."""
        end = self._ends[-1]
        if end is not None:
            if self.pos > end:
                raise _malformed(what, "element overruns its parent")
            return self.pos == end
        byte = self.peek_byte()
        if byte is None:
            raise _truncated(what)
        return byte == 0

    def close(self, what: str) -> None:
        """Leave the innermost open element, consuming its end-of-contents octets if any."""
        end = self._ends.pop()
        if end is None:
            if self.read_exact(2, what) != b"\x00\x00":
                raise _malformed(what, "expected end-of-contents octets")
        elif self.pos != end:
            raise _malformed(what, "unexpected data at the end of the element")

    def read_element(self, what: str, max_size: int) -> bytes:
        """The exact bytes of the next whole element (at most ``max_size`` of them)."""
        parts: list[bytes] = []
        self._collect(parts, what, max_size, self.pos, 0)
        return b"".join(parts)

    def _collect(
        self, parts: list[bytes], what: str, max_size: int, start: int, depth: int
    ) -> None:
        if depth > MAX_DEPTH:
            raise _malformed(what, f"nested deeper than {MAX_DEPTH} levels")
        header = self.read_header(what)
        parts.append(header.raw)
        if header.length is not None:
            if self.pos + header.length - start > max_size:
                raise _malformed(what, f"larger than the {max_size}-byte limit")
            parts.append(self.read_exact(header.length, what))
            return
        while True:
            if self.pos - start + 2 > max_size:
                raise _malformed(what, f"larger than the {max_size}-byte limit")
            if self.peek_byte() == 0:
                eoc = self.read_exact(2, what)
                if eoc != b"\x00\x00":
                    raise _malformed(what, "invalid end-of-contents octets")
                parts.append(eoc)
                return
            self._collect(parts, what, max_size, start, depth + 1)

    def at_eof(self) -> bool:
        return self.peek_byte() is None


def _seekable(stream: object) -> bool:
    try:
        return bool(getattr(stream, "seekable", lambda: False)())
    except (OSError, ValueError):
        return False


def _io_error(exc: OSError) -> EncryptionIOError:
    return EncryptionIOError(f"Reading the envelope failed: {exc.strerror or exc}.")
