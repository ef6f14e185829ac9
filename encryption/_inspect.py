"""Read-only description of an envelope (public: reveals no plaintext, needs no key).

Safe to expose beside the licence gate (signatures.md §8.1 fact 4): it only reads the structure
of a CMS EnvelopedData / AuthEnvelopedData — recipients, algorithms, lengths — and skips the
encrypted content without decrypting it (seeking over it when the source allows).
"""

from __future__ import annotations

from encryption._ber import BerReader
from encryption._envelope import envelope_info, read_head, read_tail
from encryption._io import Source, io_error, open_source
from encryption._model import EnvelopeInfo
from encryption.errors import EncryptionError

__all__ = ["inspect_envelope"]


def inspect_envelope(source: Source) -> EnvelopeInfo:
    """Describe the envelope in ``source`` (path, bytes or binary stream) without decrypting.

    The whole structure is checked, including the end of the content and the trailer, so a
    truncated or malformed envelope raises
    :class:`~encryption.errors.MalformedEnvelopeError` here too. Algorithms that decryption
    would refuse (e.g. 3DES, signatures.md §7.10) are reported in
    :attr:`EnvelopeInfo.notes` rather than raised.
    """
    try:
        with open_source(source) as (stream, _size):
            reader = BerReader(stream)
            head = read_head(reader)
            head.content.skip_all()
            tail = read_tail(reader, head)
    except EncryptionError:
        raise
    except OSError as exc:
        raise io_error("Reading the envelope", exc) from exc
    return envelope_info(head, tail)
