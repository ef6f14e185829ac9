"""Streaming parse of ContentInfo → EnvelopedData / AuthEnvelopedData (signatures.md §7.3, §7.8).

The header (version, originatorInfo, recipientInfos, content-encryption algorithm) is read
element by element with :class:`~encryption._ber.BerReader`; the encrypted content is then
exposed as a byte stream (:class:`ContentStream`) whatever its encoding: one primitive
``[0]`` OCTET STRING, or a constructed ``[0]`` of OCTET STRING segments (definite or indefinite
length, nested as BER allows). The trailer (unprotectedAttrs; or authAttrs, mac, unauthAttrs)
is read after the content. Nothing larger than a header element is ever held in memory.

RFC 5652 §6.1 (EnvelopedData), RFC 5083 §2.1 (AuthEnvelopedData), RFC 3565 §4.1 (AES-CBC
parameters), RFC 5084 §3.2 (GCMParameters).
"""

from __future__ import annotations

from dataclasses import dataclass

from encryption._algorithms import (
    REJECTED_CONTENT_CIPHERS,
    UNSUPPORTED_CONTENT_CIPHERS,
    ContentCipher,
    EnvelopeKind,
)
from encryption._ber import BerReader, Header, integer, malformed, octets, oid, parse
from encryption._model import EnvelopeInfo
from encryption._recipients import (
    KeyAgreement,
    KeyTransport,
    ParsedRecipient,
    parse_recipient_infos,
)
from encryption.errors import (
    EncryptionError,
    MalformedEnvelopeError,
    RejectedAlgorithmError,
    TruncatedEnvelopeError,
    UnsupportedAlgorithmError,
)

__all__ = [
    "ContentStream",
    "EnvelopeHead",
    "EnvelopeTail",
    "envelope_info",
    "read_head",
    "read_tail",
]

_MAX_RECIPIENT_INFOS = 4 << 20
_MAX_ORIGINATOR_INFO = 16 << 20
_MAX_ATTRIBUTES = 16 << 20
_MAX_SMALL = 4096
_MAX_SEGMENT_DEPTH = 8


@dataclass
class EnvelopeHead:
    """Everything before the encrypted content; ``content`` streams the ciphertext."""

    kind: EnvelopeKind
    version: int
    has_originator_info: bool
    recipients: list[ParsedRecipient]
    content_type: str
    algorithm_oid: str
    algorithm_name: str
    cipher: ContentCipher | None
    iv: bytes
    icv_length: int | None
    problem: EncryptionError | None
    definite_length: bool
    content: ContentStream


@dataclass(frozen=True)
class EnvelopeTail:
    """Everything after the encrypted content."""

    mac: bytes | None
    auth_attributes: bytes | None  # DER with the SET OF tag, as MACed (RFC 5083 §2.2)
    has_unprotected_attributes: bool
    definite_length: bool


class ContentStream:
    """The ciphertext bytes of ``encryptedContent`` [0], across OCTET STRING segments."""

    def __init__(self, reader: BerReader, header: Header) -> None:
        self._reader = reader
        self.constructed = header.constructed
        self.indefinite = header.indefinite
        self.total = 0
        self._remaining = 0
        self._depth = 0
        self._done = False
        if header.constructed:
            reader.open(header)
            self._depth = 1
        else:
            assert header.length is not None
            self._remaining = header.length

    @property
    def finished(self) -> bool:
        """True once the end of the content was reached."""
        return self._done

    def _advance(self) -> bool:
        """Move to the next non-empty segment; False at the end of the content."""
        reader = self._reader
        what = "encryptedContent"
        while not self._remaining:
            if self._done:
                return False
            if not self.constructed:
                self._done = True
                return False
            if reader.at_end(what):
                reader.close(what)
                self._depth -= 1
                if self._depth == 0:
                    self._done = True
                    return False
                continue
            header = reader.read_header(what)
            if not header.is_universal(4):
                raise malformed(what, "segments must be OCTET STRINGs")
            if header.constructed:
                if self._depth >= _MAX_SEGMENT_DEPTH:
                    raise malformed(what, "segments nested too deeply")
                reader.open(header)
                self._depth += 1
                if header.indefinite:
                    self.indefinite = True
            else:
                assert header.length is not None
                self._remaining = header.length
        return True

    def readinto(self, view: memoryview) -> int:
        """Read up to ``len(view)`` ciphertext bytes; 0 at the end of the content."""
        if not self._advance():
            return 0
        count = self._reader.readinto(view[: min(len(view), self._remaining)])
        if not count:
            raise TruncatedEnvelopeError(
                "The envelope is truncated (it ends inside the encrypted content). The file "
                "was cut short; ask the sender for a complete copy."
            )
        self._remaining -= count
        self.total += count
        return count

    def fill(self, view: memoryview) -> int:
        """Read until ``view`` is full or the content ends; returns the number of bytes."""
        filled = 0
        size = len(view)
        while filled < size:
            count = self.readinto(view[filled:])
            if not count:
                break
            filled += count
        return filled

    def skip_all(self) -> None:
        """Skip the rest of the content (seeking when possible); counts it in :attr:`total`."""
        while self._advance():
            self._reader.skip(self._remaining, "encryptedContent")
            self.total += self._remaining
            self._remaining = 0


def _expect(header: Header, tag: int, what: str, *, constructed: bool = True) -> None:
    if not header.is_universal(tag) or header.constructed != constructed:
        raise malformed(what, "unexpected element")


def _small(reader: BerReader, what: str, limit: int = _MAX_SMALL) -> bytes:
    return reader.read_element(what, limit)


def _content_algorithm(
    der: bytes, kind: EnvelopeKind
) -> tuple[str, str, ContentCipher | None, bytes, int | None, EncryptionError | None]:
    """(OID, name, cipher, IV/nonce, ICV length, problem) of contentEncryptionAlgorithm."""
    what = "contentEncryptionAlgorithm"
    node = parse(der, what)
    if not node.is_universal(16) or not node.constructed or not 1 <= len(node.children) <= 2:
        raise malformed(what, "expected an AlgorithmIdentifier")
    alg_oid = oid(node.children[0], what)
    params = node.children[1] if len(node.children) == 2 else None
    cipher = ContentCipher.from_oid(alg_oid)
    if cipher is None:
        if alg_oid in REJECTED_CONTENT_CIPHERS:
            name = REJECTED_CONTENT_CIPHERS[alg_oid]
            problem: EncryptionError = RejectedAlgorithmError(
                f"The envelope is encrypted with {name}, which is rejected (signatures.md "
                "§7.10). Ask the sender to re-encrypt with AES-256-CBC.",
                algorithm=name,
            )
        else:
            name = UNSUPPORTED_CONTENT_CIPHERS.get(alg_oid, alg_oid)
            problem = UnsupportedAlgorithmError(
                f"The content-encryption algorithm {name} is not supported; AES-CBC and "
                "AES-GCM are (signatures.md §7.2)."
            )
        return alg_oid, name, None, b"", None, problem
    name = cipher.display_name
    if cipher.is_aead != (kind is EnvelopeKind.AUTH_ENVELOPED_DATA):
        detail = (
            "GCM inside EnvelopedData is non-standard and rejected (signatures.md §7.6)"
            if cipher.is_aead
            else "AuthEnvelopedData needs an authenticated cipher such as AES-GCM (RFC 5083)"
        )
        problem = RejectedAlgorithmError(
            f"The envelope uses {name} in {kind.name}: {detail}.", algorithm=name
        )
        return alg_oid, name, None, b"", None, problem
    if params is None:
        raise malformed(what, f"{name} without parameters")
    if not cipher.is_aead:
        iv = octets(params, what)
        if len(iv) != 16:
            raise malformed(what, f"{name} IV of {len(iv)} bytes (expected 16)")
        return alg_oid, name, cipher, iv, None, None
    if not params.is_universal(16) or not params.constructed or not 1 <= len(params.children) <= 2:
        raise malformed(what, "invalid GCMParameters")
    nonce = octets(params.children[0], what)
    icv = integer(params.children[1], what) if len(params.children) == 2 else 12
    if not 8 <= len(nonce) <= 64:
        raise malformed(what, f"GCM nonce of {len(nonce)} bytes")
    if not 12 <= icv <= 16:
        raise malformed(what, f"GCM ICV length {icv} (RFC 5084 allows 12 to 16)")
    return alg_oid, name, cipher, nonce, icv, None


def read_head(reader: BerReader) -> EnvelopeHead:
    """Parse up to the first byte of the encrypted content."""
    header = reader.read_header("ContentInfo")
    if not header.is_universal(16) or not header.constructed:
        raise MalformedEnvelopeError(
            "The input is not a CMS envelope (it does not start with a ContentInfo SEQUENCE). "
            "Give the DER/BER file of the EnvelopedData, not PEM/S/MIME or another format."
        )
    definite = not header.indefinite
    reader.open(header)
    content_type = oid(
        parse(_small(reader, "ContentInfo.contentType", 256), "contentType"), "contentType"
    )
    try:
        kind = EnvelopeKind(content_type)
    except ValueError:
        raise MalformedEnvelopeError(
            f"The CMS object has content type {content_type}, not EnvelopedData "
            f"({EnvelopeKind.ENVELOPED_DATA.oid}) or AuthEnvelopedData "
            f"({EnvelopeKind.AUTH_ENVELOPED_DATA.oid}); it is not an encrypted envelope."
        ) from None
    explicit = reader.read_header("ContentInfo.content")
    if not explicit.is_context(0) or not explicit.constructed:
        raise malformed("ContentInfo.content", "expected [0] EXPLICIT")
    reader.open(explicit)
    body = reader.read_header(kind.name)
    _expect(body, 16, kind.name)
    reader.open(body)
    definite = definite and not explicit.indefinite and not body.indefinite
    version = integer(parse(_small(reader, "version", 16), "version"), "version")
    has_originator = reader.peek_byte() == 0xA0
    if has_originator:
        reader.read_element("originatorInfo", _MAX_ORIGINATOR_INFO)
    recipients = parse_recipient_infos(reader.read_element("recipientInfos", _MAX_RECIPIENT_INFOS))
    eci = reader.read_header("encryptedContentInfo")
    _expect(eci, 16, "encryptedContentInfo")
    reader.open(eci)
    definite = definite and not eci.indefinite
    inner_type = oid(parse(_small(reader, "contentType", 256), "contentType"), "contentType")
    alg_oid, alg_name, cipher, iv, icv, problem = _content_algorithm(
        _small(reader, "contentEncryptionAlgorithm"), kind
    )
    if reader.at_end("encryptedContentInfo"):
        raise UnsupportedAlgorithmError(
            "The envelope has no encrypted content (detached); this library needs the content "
            "inside the envelope (signatures.md §7.3)."
        )
    content_header = reader.read_header("encryptedContent")
    if not content_header.is_context(0):
        raise malformed("encryptedContent", "expected [0]")
    return EnvelopeHead(
        kind,
        version,
        has_originator,
        recipients,
        inner_type,
        alg_oid,
        alg_name,
        cipher,
        iv,
        icv,
        problem,
        definite,
        ContentStream(reader, content_header),
    )


def read_tail(reader: BerReader, head: EnvelopeHead) -> EnvelopeTail:
    """Parse everything after the content and check that the input ends with the envelope."""
    if not head.content.finished:  # the caller must consume the content first
        raise malformed("encryptedContent", "content not fully read")
    reader.close("encryptedContentInfo")
    mac: bytes | None = None
    auth: bytes | None = None
    unprotected = False
    what = head.kind.name
    if head.kind is EnvelopeKind.ENVELOPED_DATA:
        if not reader.at_end(what):
            if reader.peek_byte() != 0xA1:
                raise malformed(what, "unexpected element after encryptedContentInfo")
            reader.read_element("unprotectedAttrs", _MAX_ATTRIBUTES)
            unprotected = True
    else:
        if reader.peek_byte() == 0xA1:
            raw = reader.read_element("authAttrs", _MAX_ATTRIBUTES)
            auth = b"\x31" + raw[1:]
        mac = octets(parse(_small(reader, "mac", 256), "mac"), "mac")
        if not reader.at_end(what):
            if reader.peek_byte() != 0xA2:
                raise malformed(what, "unexpected element after mac")
            reader.read_element("unauthAttrs", _MAX_ATTRIBUTES)
            unprotected = True
    reader.close(what)
    reader.close("ContentInfo.content")
    reader.close("ContentInfo")
    if not reader.at_eof():
        raise malformed("ContentInfo", "trailing data after the envelope")
    return EnvelopeTail(
        mac, auth, unprotected, head.definite_length and not head.content.indefinite
    )


def envelope_info(head: EnvelopeHead, tail: EnvelopeTail | None) -> EnvelopeInfo:
    """The public description of a parsed envelope."""
    summaries = tuple(r.summary for r in head.recipients)
    notes: list[str] = []
    if head.problem is not None:
        notes.append(head.problem.message)
    for recipient in head.recipients:
        if isinstance(recipient, KeyTransport | KeyAgreement) and recipient.problem is not None:
            notes.append(f"{recipient.summary.describe()}: {recipient.problem.message}")
    return EnvelopeInfo(
        kind=head.kind,
        version=head.version,
        content_type=head.content_type,
        content_encryption_algorithm=head.algorithm_oid,
        content_encryption_name=head.algorithm_name,
        cipher=head.cipher,
        recipients=summaries,
        encrypted_content_length=head.content.total if tail is not None else None,
        definite_length=tail.definite_length if tail is not None else head.definite_length,
        constructed_content=head.content.constructed,
        icv_length=head.icv_length,
        has_originator_info=head.has_originator_info,
        has_unprotected_attributes=tail.has_unprotected_attributes if tail else False,
        has_authenticated_attributes=bool(tail and tail.auth_attributes is not None),
        notes=tuple(notes),
    )
