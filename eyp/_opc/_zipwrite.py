"""Deterministic, streaming and atomic ZIP writing.

* Deterministic: entries are written in the order the caller gives, with a fixed timestamp,
  no extra attributes, so equal inputs give equal archives.
* Streaming: parts come from bytes, paths or binary streams and are copied in 1 MiB chunks while
  any number of hash objects are updated (digests are computed while writing, not in a second
  pass). ZIP64 is used automatically for entries over 4 GiB.
* Atomic: when writing to a path, bytes go to a temporary file in the same folder which replaces
  the target only on :meth:`ZipWriter.commit`; on any failure the temporary file is removed and an
  existing target (possibly the input package itself) is left untouched.
"""

from __future__ import annotations

import contextlib
import enum
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

from eyp._opc._partname import PartName
from eyp.errors import EypError

__all__ = ["Compression", "Hasher", "PartSource", "ZipWriter"]

PartSource = bytes | str | os.PathLike[str] | BinaryIO

_CHUNK = 1024 * 1024
#: DOS date of every entry: fixed so that output is reproducible (ECMA-376 does not use it).
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP64_THRESHOLD = 0x7FFF_FFFF


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


class Compression(enum.Enum):
    """How an entry is compressed. Conformance does not depend on it (Teknik Rehber §2.1)."""

    #: Deflate, except content that does not compress (first MiB shrinks by < 3 %): stored.
    AUTO = "auto"
    DEFLATE = "deflate"
    STORE = "store"


class ZipWriter:
    """Write a ZIP archive to a path (atomically) or to a writable binary stream."""

    def __init__(
        self,
        target: str | os.PathLike[str] | BinaryIO,
        *,
        date_time: tuple[int, int, int, int, int, int] = FIXED_DATE_TIME,
        compresslevel: int = 6,
    ) -> None:
        self._date_time = date_time
        self._level = compresslevel
        self._target_path: Path | None = None
        self._tmp_path: Path | None = None
        self._names: set[str] = set()
        self._done = False
        if isinstance(target, (str, os.PathLike)):
            self._target_path = Path(target)
            folder = self._target_path.resolve().parent
            try:
                fd, tmp = tempfile.mkstemp(
                    prefix=f".{self._target_path.name}.", suffix=".tmp", dir=folder
                )
            except OSError as exc:
                raise EypError(f"cannot write to {folder}: {exc.strerror}") from exc
            self._tmp_path = Path(tmp)
            self._stream: IO[bytes] = os.fdopen(fd, "w+b")
        else:
            self._stream = target
        self._zip = zipfile.ZipFile(self._stream, "w", allowZip64=True)

    def __enter__(self) -> ZipWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def write(
        self,
        part: str,
        source: PartSource,
        *,
        compression: Compression = Compression.AUTO,
        hashers: Sequence[Hasher] = (),
    ) -> int:
        """Add ``part`` from ``source``; update ``hashers`` with its bytes; return its size."""
        name = PartName(part).zip_name
        key = name.casefold()
        if key in self._names:
            raise EypError(f"part {part} written twice")
        self._names.add(key)
        if isinstance(source, bytes):
            return self._write_chunks(name, [source], len(source), compression, hashers)
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            try:
                size = path.stat().st_size
                with path.open("rb") as stream:
                    return self._write_chunks(name, _chunks(stream), size, compression, hashers)
            except OSError as exc:
                raise EypError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return self._write_chunks(name, _chunks(source), None, compression, hashers)

    def _write_chunks(
        self,
        name: str,
        chunks: Iterable[bytes],
        size: int | None,
        compression: Compression,
        hashers: Sequence[Hasher],
    ) -> int:
        iterator = iter(chunks)
        first = next(iterator, b"")
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.create_system = 0
        info.external_attr = 0
        info.compress_type = _choose(compression, first)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            info._compresslevel = self._level  # type: ignore[attr-defined]
        if size is not None:
            info.file_size = size
        force64 = size is None or size > _ZIP64_THRESHOLD
        written = 0
        try:
            with self._zip.open(info, "w", force_zip64=force64) as out:
                for chunk in _prepend(first, iterator):
                    for hasher in hashers:
                        hasher.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
        except OSError as exc:
            raise EypError(f"writing {name} failed: {exc.strerror or exc}") from exc
        if size is not None and written != size:
            raise EypError(f"{name}: source changed while it was being written")
        return written

    def commit(self) -> None:
        """Finish the archive; for a path target, atomically move it into place."""
        if self._done:
            return
        self._done = True
        try:
            self._zip.close()
            if self._tmp_path is not None and self._target_path is not None:
                self._stream.flush()
                os.fsync(self._stream.fileno())
                self._stream.close()
                os.replace(self._tmp_path, self._target_path)
                self._tmp_path = None
        except OSError as exc:
            self._cleanup()
            raise EypError(f"saving {self._target_path} failed: {exc.strerror or exc}") from exc

    def abort(self) -> None:
        """Discard everything written; the target path is not touched."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(Exception):
            self._zip.close()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp_path is not None:
            with contextlib.suppress(OSError):
                self._stream.close()
            with contextlib.suppress(OSError):
                self._tmp_path.unlink()
            self._tmp_path = None

    def __del__(self) -> None:  # a writer dropped without commit must not leave temp files
        if not getattr(self, "_done", True):
            self.abort()


def _chunks(stream: Any) -> Iterable[bytes]:
    try:
        while chunk := stream.read(_CHUNK):
            yield bytes(chunk)
    except OSError as exc:
        raise EypError(f"reading the part source failed: {exc}") from exc


def _prepend(first: bytes, rest: Iterable[bytes]) -> Iterable[bytes]:
    if first:
        yield first
    yield from rest


def _choose(compression: Compression, sample: bytes) -> int:
    if compression is Compression.STORE:
        return zipfile.ZIP_STORED
    if compression is Compression.DEFLATE or len(sample) < 4096:
        return zipfile.ZIP_DEFLATED
    probe = zlib.compress(sample[: 256 * 1024], 1)
    return (
        zipfile.ZIP_DEFLATED
        if len(probe) < 0.97 * min(len(sample), 256 * 1024)
        else zipfile.ZIP_STORED
    )
