"""Hardened physical ZIP reading.

Everything ``zipfile`` might raise is turned into :class:`PackageFormatError`; anything that looks
like an attack (zip bomb, overlapping entries, traversal or duplicate names, absurd sizes) into
:class:`UnsafePackageError`. Parts are read as streams: memory does not grow with part size.
ZIP64 archives are read transparently by ``zipfile``.
"""

from __future__ import annotations

import io
import itertools
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from eyp._opc._limits import ZipLimits
from eyp._opc._partname import PartName
from eyp.errors import PackageFormatError, UnsafePackageError

__all__ = ["PackageSource", "ZipReader"]

PackageSource = str | os.PathLike[str] | bytes | BinaryIO

_CHUNK = 1024 * 1024
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


class ZipReader:
    """Read-only access to the entries of a ZIP archive, validated up front.

    ``source`` is a path, the archive bytes, or a seekable binary stream (not closed by us).
    On opening, the central directory is checked against ``limits``: entry count, declared sizes,
    compression ratio, overlapping entries, and part names (absolute, ``..``, backslashes,
    duplicates, case-insensitive collisions).
    """

    def __init__(self, source: PackageSource, limits: ZipLimits | None = None) -> None:
        self.limits = limits or ZipLimits()
        self.description = _describe(source)
        self._owned: IO[bytes] | None = None
        try:
            if isinstance(source, bytes):
                fileobj: IO[bytes] = io.BytesIO(source)
            elif isinstance(source, (str, os.PathLike)):
                fileobj = open(source, "rb")  # noqa: SIM115 - closed in close()
                self._owned = fileobj
            else:
                fileobj = source
            self._zip = zipfile.ZipFile(fileobj, "r")
        except FileNotFoundError as exc:
            raise PackageFormatError(f"{self.description}: file not found") from exc
        except IsADirectoryError as exc:
            raise PackageFormatError(f"{self.description}: is a directory, not a package") from exc
        except PermissionError as exc:
            raise PackageFormatError(f"{self.description}: permission denied") from exc
        except _READ_ERRORS as exc:
            self.close()
            raise PackageFormatError(
                f"{self.description}: not a readable ZIP archive ({exc}); the file is truncated, "
                "damaged or not an e-Yazışma package"
            ) from exc
        try:
            self._entries = self._check_directory()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        zf = getattr(self, "_zip", None)
        if zf is not None:
            zf.close()
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> ZipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- directory -------------------------------------------------------------------------
    def _check_directory(self) -> dict[str, tuple[PartName, zipfile.ZipInfo]]:
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_entries:
            raise UnsafePackageError(
                f"{self.description}: {len(infos)} ZIP entries exceed the limit of "
                f"{limits.max_entries}; refusing a possible resource-exhaustion archive"
            )
        entries: dict[str, tuple[PartName, zipfile.ZipInfo]] = {}
        exact: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if name in exact:
                raise UnsafePackageError(f"{self.description}: duplicate ZIP entry {name!r}")
            exact.add(name)
            if "\\" in name:
                raise UnsafePackageError(
                    f"{self.description}: ZIP entry {name!r} uses backslashes; refusing it"
                )
            part = PartName.from_zip_name(name)
            key = part.key()
            if key in entries:
                raise UnsafePackageError(
                    f"{self.description}: ZIP entries {entries[key][0].zip_name!r} and {name!r} "
                    "differ only in case; OPC part names are case-insensitive"
                )
            if info.file_size > limits.max_entry_size:
                raise UnsafePackageError(
                    f"{self.description}: entry {name!r} declares {info.file_size} bytes, over the "
                    f"per-entry limit of {limits.max_entry_size}"
                )
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise UnsafePackageError(
                    f"{self.description}: entry {name!r} has a compression ratio over "
                    f"{limits.max_ratio:g}:1 (zip bomb?)"
                )
            total += info.file_size
            entries[key] = (part, info)
        if total > limits.max_total_size:
            raise UnsafePackageError(
                f"{self.description}: entries declare {total} bytes in total, over the limit of "
                f"{limits.max_total_size}"
            )
        _check_overlaps(self.description, infos)
        return entries

    def parts(self) -> list[PartName]:
        """Part names in archive order."""
        return [part for part, _ in self._entries.values()]

    def find(self, name: str) -> PartName | None:
        """The stored part name matching ``name`` case-insensitively, if any."""
        try:
            key = PartName(name).key()
        except UnsafePackageError:
            return None
        entry = self._entries.get(key)
        return entry[0] if entry else None

    def info(self, part: str) -> zipfile.ZipInfo:
        entry = self._entries.get(PartName(part).key())
        if entry is None:
            raise PackageFormatError(f"{self.description}: part {part} is not in the package")
        return entry[1]

    def size(self, part: str) -> int:
        return self.info(part).file_size

    # -- content ---------------------------------------------------------------------------
    def open(self, part: str) -> BinaryIO:
        """A stream over the uncompressed bytes of ``part``; errors become our exceptions."""
        info = self.info(part)
        try:
            raw = self._zip.open(info, "r")
        except _READ_ERRORS as exc:
            raise PackageFormatError(f"{self.description}: cannot open {part}: {exc}") from exc
        return _GuardedStream(raw, part, info, self)  # type: ignore[return-value]

    def read(self, part: str, max_size: int | None = None) -> bytes:
        """Read a (small) part completely; refuses parts larger than ``max_size``."""
        limit = self.limits.max_xml_part_size if max_size is None else max_size
        size = self.size(part)
        if size > limit:
            raise UnsafePackageError(
                f"{self.description}: part {part} has {size} bytes, more than the {limit} bytes "
                "allowed for a part read into memory"
            )
        with self.open(part) as stream:
            return stream.read()

    def iter_chunks(self, part: str, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        """Stream ``part`` in chunks (for hashing multi-GB attachments)."""
        with self.open(part) as stream:
            while chunk := stream.read(chunk_size):
                yield chunk


class _GuardedStream(io.RawIOBase):
    """Wraps ``ZipExtFile``: maps dependency errors and enforces the actual inflated size."""

    def __init__(self, raw: IO[bytes], part: str, info: zipfile.ZipInfo, reader: ZipReader) -> None:
        super().__init__()
        self._raw = raw
        self._part = part
        self._info = info
        self._reader = reader
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def read(self, size: int | None = -1) -> bytes:
        try:
            data = self._raw.read(-1 if size is None else size)
        except _READ_ERRORS as exc:
            raise PackageFormatError(
                f"{self._reader.description}: part {self._part} is damaged ({exc}); the package "
                "is truncated or corrupted"
            ) from exc
        self._produced += len(data)
        if self._produced > self._info.file_size:
            raise UnsafePackageError(
                f"{self._reader.description}: part {self._part} inflates beyond its declared size"
            )
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _check_overlaps(description: str, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse entries whose data ranges overlap (the "overlapping files" zip-bomb technique)."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for current, following in itertools.pairwise(ordered):
        if current.header_offset + 30 + current.compress_size > following.header_offset:
            raise UnsafePackageError(
                f"{description}: ZIP entries {current.filename!r} and {following.filename!r} "
                "overlap (zip bomb?)"
            )


def _describe(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(Path(source))
    if isinstance(source, bytes):
        return "<package bytes>"
    return getattr(source, "name", None) or "<package stream>"
