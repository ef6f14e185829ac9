"""The signed content as the verifier sees it: attached eContent or caller-supplied detached data.

Digests are computed once per algorithm (message-digest, content time-stamp and archive imprints
all hash the same value octets, signatures.md §3.10). A detached stream or path is read once,
in chunks, into every digest needed up front; its bytes are only kept when an archive
time-stamp over detached content needs them (§3.9.2 hashes the content itself).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import BinaryIO

from cades._crypto import DIGEST_NAMES
from cades._view import SignedDataView

__all__ = ["ContentSource", "content_family", "declared_family", "families_conflict"]

_CHUNK = 1024 * 1024
_SNIFF = 512


class ContentSource:
    """Digests and a short prefix of the signed content (``None`` when unavailable)."""

    def __init__(
        self,
        view: SignedDataView,
        detached: bytes | BinaryIO | os.PathLike[str] | str | None,
        wanted: Iterable[str],
        keep_bytes: bool,
    ) -> None:
        self._digests: dict[str, bytes] = {}
        self._bytes: bytes | None = None
        self.available = True
        self.attached = view.attached
        self.size: int | None = None
        self.prefix = b""
        econtent = view.econtent()
        if econtent is not None:
            self._bytes = econtent
            self.size = len(econtent)
            self.prefix = econtent[:_SNIFF]
            return
        if detached is None:
            self.available = False
            return
        if isinstance(detached, bytes | bytearray | memoryview):
            self._bytes = bytes(detached)
            self.size = len(self._bytes)
            self.prefix = self._bytes[:_SNIFF]
            return
        names = {oid: DIGEST_NAMES[oid] for oid in set(wanted) if oid in DIGEST_NAMES}
        hashers = {oid: hashlib.new(name) for oid, name in names.items()}
        kept: list[bytes] = []
        size = 0
        stream: BinaryIO
        if isinstance(detached, os.PathLike | str):
            with open(detached, "rb") as stream:
                size = self._consume(stream, hashers, kept, keep_bytes)
        else:
            size = self._consume(detached, hashers, kept, keep_bytes)
        self.size = size
        self._digests.update({oid: h.digest() for oid, h in hashers.items()})
        if keep_bytes:
            self._bytes = b"".join(kept)

    def _consume(
        self,
        stream: BinaryIO,
        hashers: dict[str, hashlib._Hash],
        kept: list[bytes],
        keep_bytes: bool,
    ) -> int:
        size = 0
        while chunk := stream.read(_CHUNK):
            if size < _SNIFF:
                self.prefix = (self.prefix + chunk)[:_SNIFF]
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
            if keep_bytes:
                kept.append(chunk)
        return size

    @property
    def data(self) -> bytes | None:
        """The content bytes when held in memory (attached, bytes, or kept for archives)."""
        return self._bytes

    def digest(self, oid: str) -> bytes | None:
        """Digest of the content under ``oid``; ``None`` when the content is unavailable."""
        known = self._digests.get(oid)
        if known is not None:
            return known
        if self._bytes is None or oid not in DIGEST_NAMES:
            return None
        value = hashlib.new(DIGEST_NAMES[oid], self._bytes).digest()
        self._digests[oid] = value
        return value


# --- mime-type consistency (signatures.md §1.3, EYP-SIG-007) ---------------------------------

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
)


def content_family(prefix: bytes) -> str | None:
    """A coarse type of the content from its first bytes (``None``: cannot tell)."""
    for magic, family in _MAGIC:
        if prefix.startswith(magic):
            return family
    text = prefix.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"<?xml") or (text.startswith(b"<") and b">" in text):
        return "xml"
    return None


def declared_family(mime: str) -> str | None:
    """The family a mime-type declares; ``None`` for generic types (octet-stream, text/plain)."""
    value = mime.split(";", 1)[0].strip().lower()
    if value in ("application/xml", "text/xml") or value.endswith("+xml"):
        return "xml"
    if value == "application/pdf":
        return "pdf"
    if value in ("image/jpeg", "image/jpg", "image/pjpeg"):
        return "jpeg"
    if value == "image/png":
        return "png"
    if value == "image/gif":
        return "gif"
    if value in ("application/zip", "application/x-zip-compressed") or value.endswith("+zip"):
        return "zip"
    if value.startswith("image/"):
        return "image"
    return None


def families_conflict(declared: str | None, found: str | None) -> bool:
    """True when the declared type clearly contradicts the content (§1.3 mime-type)."""
    if declared is None or found is None:
        return False
    if declared == "image":
        return found not in ("jpeg", "png", "gif")
    if declared == "zip" and found == "zip":
        return False
    return declared != found
