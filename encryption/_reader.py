"""Streaming decryption of CMS EnvelopedData / AuthEnvelopedData (signatures.md §7.8, §7.9).

Private on purpose: the licence gate (signatures.md §8.1 fact 4) allows decryption only as part
of opening an ``.eyps``, so :func:`decrypt_stream` is reached through eyp's licence-gated API and
is not exported by :mod:`encryption`.

Order of work, so that nothing reaches the key (or prompts for a PIN) unless it can succeed:

1. parse the header incrementally (definite or indefinite lengths, BER);
2. refuse rejected / unsupported content-encryption algorithms (signatures.md §7.10);
3. select the RecipientInfo naming one of the given keys' certificates by identifier only —
   never every RecipientInfo with every key (§7.9) — else
   :class:`~encryption.errors.NoMatchingRecipientError`;
4. refuse rejected / legacy key-encryption algorithms unless ``legacy=True``;
5. unwrap the CEK with that one key and check its length;
6. decrypt the content in O(``chunk_size``) memory.

After step 5 every failure (wrong key, damaged encrypted key, wrong CEK, bad CBC padding, GCM
tag mismatch) raises the same :class:`~encryption.errors.DecryptionFailedError`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from encryption._ber import BerReader
from encryption._envelope import EnvelopeHead, EnvelopeTail, envelope_info, read_head, read_tail
from encryption._io import (
    BinarySink,
    BinarySource,
    Progress,
    Source,
    Target,
    io_error,
    is_path,
    open_source,
    open_target,
)
from encryption._model import DecryptResult
from encryption._recipients import decryption_failed, select_recipient, unwrap_cek
from encryption.errors import (
    EncryptionError,
    MalformedEnvelopeError,
    UnsupportedAlgorithmError,
)
from keys import KeyHolder

__all__ = ["DEFAULT_CHUNK_SIZE", "SPOOL_MEMORY", "decrypt_stream"]

#: Ciphertext read per step (a multiple of the AES block size).
DEFAULT_CHUNK_SIZE = 1 << 20
#: GCM output to a stream is spooled here in memory up to this size, then in a temporary file.
SPOOL_MEMORY = 8 << 20


@dataclass
class _Context:
    reader: BerReader
    source_size: int | None
    chunk: int
    progress: Progress | None

    def report(self) -> None:
        if self.progress is not None:
            self.progress(self.reader.pos, self.source_size)


class _AadRequired(Exception):
    def __init__(self, aad: bytes) -> None:
        super().__init__("authAttrs present")
        self.aad = aad


def decrypt_stream(
    source: Source,
    target: Target,
    key: KeyHolder | Sequence[KeyHolder],
    *,
    legacy: bool = False,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    durable: bool = True,
) -> DecryptResult:
    """Decrypt the envelope ``source`` into ``target`` with ``key``; return what was done.

    ``key`` is one key or several (e.g. every encryption key of an institution, old ones
    included, signatures.md §7.9 step 1): a :class:`keys.Decrypter` for RSA recipients or a
    :class:`keys.KeyAgreer` for EC recipients (software or PKCS#11). The first RecipientInfo
    naming one of their certificates is used, with that key only.

    ``target``:

    * a path — written to a temporary file in its directory and moved into place with
      :func:`os.replace` only after the CBC padding / GCM tag verified (fsync unless
      ``durable=False``); on any failure the target is untouched;
    * a writable binary stream — CBC plaintext is written progressively (the last block only
      after the padding check; on error what was written must be discarded); GCM plaintext is
      first spooled (memory up to :data:`SPOOL_MEMORY`, then a file in the system temporary
      directory) and written to the stream only after the tag verified (signatures.md §7.8).

    ``legacy=True`` accepts PKCS#1 v1.5 and OAEP-SHA-1 key transport and the SHA-1 ECDH KDF for
    old envelopes (signatures.md §7.10); the result names them in ``legacy_algorithms``.
    ``progress(done, total)`` receives envelope bytes read and the envelope size (``None`` if
    unknown).

    Raises :class:`~encryption.errors.NoMatchingRecipientError` (before any key operation),
    :class:`~encryption.errors.RejectedAlgorithmError` /
    :class:`~encryption.errors.LegacyAlgorithmError`,
    :class:`~encryption.errors.UnsupportedAlgorithmError`,
    :class:`~encryption.errors.MalformedEnvelopeError` /
    :class:`~encryption.errors.TruncatedEnvelopeError`,
    :class:`~encryption.errors.DecryptionFailedError`,
    :class:`~encryption.errors.EncryptionIOError`, and the key's own :mod:`keys.errors`
    (PIN, token).
    """
    keys = _keys(key)
    chunk = max(16, chunk_size // 16 * 16)
    try:
        with open_source(source) as (stream, size):
            start = _tell(stream)
            context = _Context(BerReader(stream), size, chunk, progress)
            head = read_head(context.reader)
            if head.problem is not None:
                raise head.problem
            assert head.cipher is not None
            recipient, chosen = select_recipient(head.recipients, keys)
            cek, legacy_used = unwrap_cek(recipient, chosen, head.cipher.key_size, legacy=legacy)
            try:
                length, tail = _content_pass(context, head, cek, target, None, durable)
            except _AadRequired as needed:
                if start is None:
                    raise UnsupportedAlgorithmError(
                        "This AuthEnvelopedData has authenticated attributes, which are read "
                        "after the content; decrypt it from a file or a seekable stream."
                    ) from None
                stream.seek(start)  # type: ignore[attr-defined]
                context = _Context(BerReader(stream), size, chunk, progress)
                head = read_head(context.reader)
                length, tail = _content_pass(context, head, cek, target, needed.aad, durable)
    except EncryptionError:
        raise
    except OSError as exc:
        raise io_error("Decrypting", exc) from exc
    summary = recipient.summary
    notes = _certificate_notes(chosen)
    return DecryptResult(envelope_info(head, tail), summary, length, legacy_used, notes)


def _certificate_notes(key: KeyHolder) -> tuple[str, ...]:
    """Validity remarks on the decryption certificate (signatures.md §7.9 step 6)."""
    certificate = key.certificate
    now = datetime.now(UTC)
    if certificate.not_valid_after_utc < now:
        return (
            f"The decryption certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}; "
            "decryption does not require a valid certificate (signatures.md §7.9).",
        )
    if certificate.not_valid_before_utc > now:
        return (
            f"The decryption certificate is valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d}.",
        )
    return ()


def _keys(key: KeyHolder | Sequence[KeyHolder]) -> list[KeyHolder]:
    if hasattr(key, "certificate"):
        return [key]  # type: ignore[list-item]
    keys = list(key)
    if not keys or not all(hasattr(k, "certificate") for k in keys):
        raise EncryptionError(
            "decrypt_stream needs a key (keys.Decrypter / keys.KeyAgreer) or a list of keys.",
            code="ENCRYPTION_USAGE",
        )
    return keys


def _tell(stream: BinarySource) -> int | None:
    try:
        if getattr(stream, "seekable", lambda: False)():
            return int(stream.tell())  # type: ignore[attr-defined]
    except (OSError, ValueError):
        pass
    return None


def _content_pass(
    context: _Context,
    head: EnvelopeHead,
    cek: bytes,
    target: Target,
    aad: bytes | None,
    durable: bool,
) -> tuple[int, EnvelopeTail]:
    """Decrypt the content into ``target``; returns (plaintext length, tail)."""
    assert head.cipher is not None
    if not head.cipher.is_aead:
        with open_target(target, durable=durable) as out:
            length = _decrypt_cbc(context, head, cek, out)
            tail = read_tail(context.reader, head)
        return length, tail
    if is_path(target):
        with open_target(target, durable=durable) as out:
            return _decrypt_gcm(context, head, cek, out, aad)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY) as spool:
        result = _decrypt_gcm(context, head, cek, spool, aad)
        spool.seek(0)
        with open_target(target, durable=durable) as out:
            shutil.copyfileobj(spool, out, context.chunk)
    return result


def _decrypt_cbc(context: _Context, head: EnvelopeHead, cek: bytes, out: BinarySink) -> int:
    """AES-CBC with PKCS#7 padding (RFC 3565, RFC 5652 §6.3); the last block is held back."""
    decryptor = Cipher(algorithms.AES(cek), modes.CBC(head.iv)).decryptor()
    update_into = decryptor.update_into
    chunk = context.chunk
    in_view = memoryview(bytearray(chunk))
    out_buffer = bytearray(chunk + 16)
    out_view = memoryview(out_buffer)
    held = b""
    written = 0
    content = head.content
    while True:
        count = content.fill(in_view)
        if not count:
            break
        produced = update_into(in_view[:count], out_buffer)
        if produced:
            if held:
                out.write(held)
                written += len(held)
            out.write(out_view[: produced - 16])
            written += produced - 16
            held = bytes(out_view[produced - 16 : produced])
        context.report()
    try:
        decryptor.finalize()  # raises if the ciphertext is not whole blocks
        unpadder = sym_padding.PKCS7(128).unpadder()
        last = unpadder.update(held) + unpadder.finalize()
    except ValueError:
        raise decryption_failed() from None
    if not held:
        raise decryption_failed()
    out.write(last)
    return written + len(last)


def _decrypt_gcm(
    context: _Context,
    head: EnvelopeHead,
    cek: bytes,
    out: BinarySink,
    aad: bytes | None,
) -> tuple[int, EnvelopeTail]:
    """AES-GCM (RFC 5084); the tag is checked before the caller releases any plaintext."""
    assert head.icv_length is not None
    decryptor = Cipher(
        algorithms.AES(cek), modes.GCM(head.iv, min_tag_length=head.icv_length)
    ).decryptor()
    if aad is not None:
        decryptor.authenticate_additional_data(aad)
    update_into = decryptor.update_into
    chunk = context.chunk
    in_view = memoryview(bytearray(chunk))
    out_buffer = bytearray(chunk + 16)
    out_view = memoryview(out_buffer)
    written = 0
    content = head.content
    while True:
        count = content.fill(in_view)
        if not count:
            break
        produced = update_into(in_view[:count], out_buffer)
        out.write(out_view[:produced])
        written += produced
        context.report()
    tail = read_tail(context.reader, head)
    if tail.auth_attributes is not None and aad is None:
        raise _AadRequired(tail.auth_attributes)
    if tail.auth_attributes != aad:
        raise MalformedEnvelopeError("The envelope changed while it was being read.")
    if tail.mac is None or len(tail.mac) != head.icv_length:
        raise MalformedEnvelopeError(
            f"The envelope is malformed (the GCM tag has {len(tail.mac or b'')} bytes, the "
            f"parameters announce {head.icv_length})."
        )
    try:
        decryptor.finalize_with_tag(tail.mac)
    except InvalidTag:
        raise decryption_failed() from None
    return written, tail
