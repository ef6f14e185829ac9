"""Streaming encryption into CMS EnvelopedData / AuthEnvelopedData (signatures.md §7.2–§7.8).

Private on purpose: the licence gate (signatures.md §8.1 fact 4) allows encryption only as part
of creating an ``.eyps``, so :func:`encrypt_stream` is reached through eyp's licence-gated API and
is not exported by :mod:`encryption`.

Memory stays O(``chunk_size``) whatever the content size:

* size known (a path, bytes or a seekable stream): every length is computed up front
  (CBC ciphertext = ``16 × (⌊n/16⌋ + 1)``, GCM ciphertext = ``n``) and the envelope is DER with
  ``encryptedContent`` as one primitive ``[0]`` OCTET STRING;
* size unknown (a pipe): indefinite-length BER, ``encryptedContent`` a constructed ``[0]`` of
  64 KiB primitive OCTET STRING segments closed by end-of-contents octets (signatures.md §7.8).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from encryption._algorithms import (
    OID_DATA,
    ContentCipher,
    EnvelopeKind,
    RecipientIdType,
    RecipientKind,
)
from encryption._der import (
    EOC,
    der_header,
    der_integer,
    der_octet_string,
    der_oid,
    der_sequence,
    der_set_of,
)
from encryption._io import (
    BinarySink,
    BinarySource,
    Progress,
    Source,
    Target,
    io_error,
    open_source,
    open_target,
)
from encryption._model import EnvelopeInfo, RecipientSummary
from encryption._recipients import PreparedRecipient, build_recipient_info, prepare_recipient
from encryption.errors import (
    EncryptionError,
    EncryptionIOError,
    RecipientCertificateError,
    UnsupportedAlgorithmError,
)

__all__ = ["DEFAULT_CHUNK_SIZE", "SEGMENT_SIZE", "encrypt_stream"]

#: Plaintext read per step; also the size of each of the two working buffers.
DEFAULT_CHUNK_SIZE = 1 << 20
#: OCTET STRING segment size of indefinite-length output (signatures.md §7.8).
SEGMENT_SIZE = 64 << 10
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16
_WRITABLE = (ContentCipher.AES256_CBC, ContentCipher.AES256_GCM)


def encrypt_stream(
    source: Source,
    target: Target,
    recipients: Iterable[x509.Certificate],
    *,
    cipher: ContentCipher = ContentCipher.AES256_CBC,
    recipient_id: RecipientIdType = RecipientIdType.ISSUER_SERIAL,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
    durable: bool = True,
) -> EnvelopeInfo:
    """Encrypt ``source`` for ``recipients`` into ``target``; return what was written.

    ``source`` is a path, bytes or a binary stream (read from its current position);
    ``target`` a path (written atomically: temporary file, fsync unless ``durable=False``,
    :func:`os.replace`) or a writable binary stream (written progressively; on error its content
    is incomplete and must be discarded).

    Every recipient certificate is checked first (RSA ≥ 2048 with keyEncipherment, or an EC
    key with keyAgreement; signatures.md §7.2, §7.10) and the envelope is written
    only if all pass. Certificate path, validity and revocation checks (signatures.md §7.7) are
    the caller's. A fresh random 32-byte CEK and IV / nonce are drawn for every call.

    ``cipher``: :attr:`ContentCipher.AES256_CBC` writes EnvelopedData (default),
    :attr:`ContentCipher.AES256_GCM` writes AuthEnvelopedData with a 12-byte nonce, ICV length
    16 written explicitly and no authAttrs (signatures.md §7.6). ``recipient_id`` selects
    issuerAndSerialNumber (default) or subjectKeyIdentifier. ``progress(done, total)`` is called
    after every chunk with plaintext bytes done and the total (``None`` if unknown).

    Raises :class:`~encryption.errors.RejectedAlgorithmError` (e.g. an RSA-1024 recipient),
    :class:`~encryption.errors.RecipientCertificateError`,
    :class:`~encryption.errors.UnsupportedAlgorithmError`,
    :class:`~encryption.errors.EncryptionIOError`.
    """
    if not isinstance(cipher, ContentCipher) or cipher not in _WRITABLE:
        raise UnsupportedAlgorithmError(
            f"Envelopes are written with AES-256-CBC or AES-256-GCM (signatures.md §7.2), not "
            f"{getattr(cipher, 'display_name', cipher)}."
        )
    if not isinstance(recipient_id, RecipientIdType):
        raise UnsupportedAlgorithmError(f"Unknown recipient identifier type {recipient_id!r}.")
    prepared = _prepare_all(recipients)
    chunk = max(SEGMENT_SIZE, chunk_size // SEGMENT_SIZE * SEGMENT_SIZE)
    cek = os.urandom(cipher.key_size)
    built = [build_recipient_info(p, cek, recipient_id) for p in prepared]
    recipient_set = der_set_of(*(der for der, _ in built))
    summaries = tuple(summary for _, summary in built)
    kind = EnvelopeKind.AUTH_ENVELOPED_DATA if cipher.is_aead else EnvelopeKind.ENVELOPED_DATA
    version = _version(kind, summaries)
    if cipher.is_aead:
        iv = os.urandom(GCM_NONCE_SIZE)
        algorithm = der_sequence(
            der_oid(cipher.oid),
            der_sequence(der_octet_string(iv), der_integer(GCM_TAG_SIZE)),
        )
        encryptor: Any = Cipher(algorithms.AES(cek), modes.GCM(iv)).encryptor()
    else:
        iv = os.urandom(16)
        algorithm = der_sequence(der_oid(cipher.oid), der_octet_string(iv))
        encryptor = Cipher(algorithms.AES(cek), modes.CBC(iv)).encryptor()
    prefix = der_integer(version) + recipient_set
    content_prefix = der_oid(OID_DATA) + algorithm
    try:
        with open_source(source) as (stream, size), open_target(target, durable=durable) as out:
            if size is None:
                writer: _ContentWriter = _SegmentedWriter(out)
                out.write(
                    b"\x30\x80"
                    + der_oid(kind.oid)
                    + b"\xa0\x80\x30\x80"
                    + prefix
                    + b"\x30\x80"
                    + content_prefix
                    + b"\xa0\x80"
                )
            else:
                writer = _DirectWriter(out)
                out.write(_definite_header(kind, cipher, size, prefix, content_prefix))
            written = _encrypt_content(stream, writer, encryptor, cipher, size, chunk, progress)
            ciphertext_length = writer.finish()
            if size is not None and written != size:
                raise EncryptionIOError(
                    f"The source changed while it was being encrypted ({size} bytes expected, "
                    f"{written} read); nothing was saved to a path target. Try again."
                )
            trailer = b""
            if size is None:
                trailer += EOC + EOC  # [0] encryptedContent, encryptedContentInfo
            if cipher.is_aead:
                trailer += der_octet_string(encryptor.tag)
            if size is None:
                trailer += EOC * 3  # EnvelopedData body, [0] EXPLICIT, ContentInfo
            out.write(trailer)
    except EncryptionError:
        raise
    except OSError as exc:
        raise io_error("Encrypting", exc) from exc
    return EnvelopeInfo(
        kind=kind,
        version=version,
        content_type=OID_DATA,
        content_encryption_algorithm=cipher.oid,
        content_encryption_name=cipher.display_name,
        cipher=cipher,
        recipients=summaries,
        encrypted_content_length=ciphertext_length,
        definite_length=size is not None,
        constructed_content=size is None,
        icv_length=GCM_TAG_SIZE if cipher.is_aead else None,
    )


def _prepare_all(recipients: Iterable[x509.Certificate]) -> list[PreparedRecipient]:
    if isinstance(recipients, x509.Certificate):
        recipients = [recipients]
    prepared: list[PreparedRecipient] = []
    seen: set[tuple[bytes, int]] = set()
    for certificate in recipients:
        recipient = prepare_recipient(certificate)
        key = (recipient.cert_id.issuer_der, recipient.cert_id.serial_number)
        if key not in seen:  # the same certificate twice would only add a duplicate
            seen.add(key)
            prepared.append(recipient)
    if not prepared:
        raise RecipientCertificateError(
            "At least one recipient certificate is needed to encrypt (signatures.md §7.7)."
        )
    return prepared


def _version(kind: EnvelopeKind, recipients: tuple[RecipientSummary, ...]) -> int:
    """CMSVersion per RFC 5652 §6.1 (EnvelopedData) and RFC 5083 §2.1 (always 0)."""
    if kind is EnvelopeKind.AUTH_ENVELOPED_DATA:
        return 0
    all_v0 = all(r.kind is RecipientKind.KEY_TRANSPORT and r.version == 0 for r in recipients)
    return 0 if all_v0 else 2


def _definite_header(
    kind: EnvelopeKind, cipher: ContentCipher, size: int, prefix: bytes, content_prefix: bytes
) -> bytes:
    """All bytes before the ciphertext, with every length computed from ``size``."""
    ciphertext = size if cipher.is_aead else 16 * (size // 16 + 1)
    content_header = der_header(0x80, ciphertext)
    eci_length = len(content_prefix) + len(content_header) + ciphertext
    eci_header = der_header(0x30, eci_length)
    body_length = len(prefix) + len(eci_header) + eci_length
    if cipher.is_aead:
        body_length += 2 + GCM_TAG_SIZE
    body_header = der_header(0x30, body_length)
    explicit_length = len(body_header) + body_length
    explicit_header = der_header(0xA0, explicit_length)
    kind_oid = der_oid(kind.oid)
    outer_header = der_header(0x30, len(kind_oid) + len(explicit_header) + explicit_length)
    return (
        outer_header
        + kind_oid
        + explicit_header
        + body_header
        + prefix
        + eci_header
        + content_prefix
        + content_header
    )


class _ContentWriter(Protocol):
    """Where ciphertext goes: one primitive OCTET STRING or 64 KiB segments."""

    def write(self, data: memoryview | bytes) -> None: ...

    def finish(self) -> int:
        """Close the content and return the ciphertext length written."""
        ...


class _DirectWriter:
    """Primitive definite-length content: the ciphertext goes straight to the target."""

    def __init__(self, out: BinarySink) -> None:
        self._out = out
        self._total = 0

    def write(self, data: memoryview | bytes) -> None:
        if len(data):
            self._out.write(data)
            self._total += len(data)

    def finish(self) -> int:
        return self._total


class _SegmentedWriter:
    """Constructed content: 64 KiB primitive OCTET STRING segments (signatures.md §7.8)."""

    _HEADER = der_header(0x04, SEGMENT_SIZE)

    def __init__(self, out: BinarySink) -> None:
        self._out = out
        self._carry = bytearray()
        self._total = 0

    def write(self, data: memoryview | bytes) -> None:
        view = memoryview(data)
        self._total += len(view)
        out = self._out
        if self._carry:
            take = min(SEGMENT_SIZE - len(self._carry), len(view))
            self._carry += view[:take]
            view = view[take:]
            if len(self._carry) < SEGMENT_SIZE:
                return
            out.write(self._HEADER)
            out.write(self._carry)
            self._carry = bytearray()
        while len(view) >= SEGMENT_SIZE:
            out.write(self._HEADER)
            out.write(view[:SEGMENT_SIZE])
            view = view[SEGMENT_SIZE:]
        if len(view):
            self._carry += view

    def finish(self) -> int:
        if self._carry:
            self._out.write(der_header(0x04, len(self._carry)))
            self._out.write(self._carry)
            self._carry = bytearray()
        return self._total


def _fill(stream: BinarySource, view: memoryview) -> int:
    """Read until ``view`` is full or the stream ends."""
    readinto = getattr(stream, "readinto", None)
    filled = 0
    size = len(view)
    while filled < size:
        if readinto is not None:
            count = readinto(view[filled:])
        else:
            data = stream.read(size - filled)
            count = len(data)
            view[filled : filled + count] = data
        if not count:
            break
        filled += count
    return filled


def _encrypt_content(
    stream: BinarySource,
    writer: _ContentWriter,
    encryptor: object,
    cipher: ContentCipher,
    size: int | None,
    chunk: int,
    progress: Progress | None,
) -> int:
    """Encrypt the whole source through ``encryptor`` into ``writer``; returns bytes read.

    Two fixed buffers, ``readinto`` and ``update_into``: no per-chunk allocation in the loop.
    CBC padding (PKCS#7, RFC 5652 §6.3) is added in place to the last, short chunk.
    """
    update_into = encryptor.update_into  # type: ignore[attr-defined]
    in_buffer = bytearray(chunk + 16)
    in_view = memoryview(in_buffer)
    out_buffer = bytearray(chunk + 32)
    out_view = memoryview(out_buffer)
    done = 0
    while True:
        count = _fill(stream, in_view[:chunk])
        done += count
        last = count < chunk
        if last and not cipher.is_aead:
            pad = 16 - count % 16
            in_view[count : count + pad] = bytes((pad,)) * pad
            count += pad
        if count:
            produced = update_into(in_view[:count], out_buffer)
            writer.write(out_view[:produced])
        if progress is not None:
            progress(done, size)
        if last:
            break
    writer.write(encryptor.finalize())  # type: ignore[attr-defined]
    return done
