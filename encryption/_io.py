"""Sources and targets: paths, bytes or binary streams; atomic writes to paths (DESIGN.md §2.9).

A path target is written to a temporary file in the same directory (mode 0600: it may hold
plaintext), flushed, fsync'ed and moved into place with :func:`os.replace`; on any failure the
temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from encryption.errors import EncryptionIOError

__all__ = [
    "BinarySink",
    "BinarySource",
    "Progress",
    "Source",
    "Target",
    "io_error",
    "is_path",
    "open_source",
    "open_target",
]


class BinarySource(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class BinarySink(Protocol):
    def write(self, data: bytes | bytearray | memoryview, /) -> int | None: ...


Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinarySource
Target = str | os.PathLike[str] | BinarySink
#: ``progress(bytes_done, bytes_total_or_None)``, called after every chunk.
Progress = Callable[[int, int | None], object]


def io_error(action: str, exc: OSError) -> EncryptionIOError:
    detail = exc.strerror or str(exc) or type(exc).__name__
    name = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
    return EncryptionIOError(f"{action}{name} failed: {detail}.")


def is_path(value: object) -> bool:
    """True for ``str`` / :class:`os.PathLike` (a path), False for bytes and streams."""
    return isinstance(value, str | os.PathLike)


@contextlib.contextmanager
def open_source(source: Source) -> Iterator[tuple[BinarySource, int | None]]:
    """The source as a readable binary stream and its remaining size (None if unknown)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        yield io.BytesIO(data), len(data)
        return
    if is_path(source):
        assert isinstance(source, str | os.PathLike)
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise io_error("Opening the source", exc) from exc
        with stream:
            try:
                size = os.fstat(stream.fileno()).st_size
            except OSError as exc:
                raise io_error("Reading the source", exc) from exc
            yield stream, size
        return
    if not callable(getattr(source, "read", None)):
        raise EncryptionIOError(
            f"The source must be a path, bytes or a binary stream, not {type(source).__name__}."
        )
    yield cast(BinarySource, source), _remaining(source)


def _remaining(stream: object) -> int | None:
    try:
        if not getattr(stream, "seekable", lambda: False)():
            return None
        here: int = stream.tell()  # type: ignore[attr-defined]
        end: int = stream.seek(0, io.SEEK_END)  # type: ignore[attr-defined]
        stream.seek(here)  # type: ignore[attr-defined]
        return max(end - here, 0)
    except (OSError, ValueError, AttributeError):
        return None


@contextlib.contextmanager
def open_target(target: Target, *, durable: bool = True) -> Iterator[BinarySink]:
    """A writable stream for ``target``; a path is replaced atomically only on success."""
    if not is_path(target):
        if not callable(getattr(target, "write", None)):
            raise EncryptionIOError(
                f"The target must be a path or a writable binary stream, not "
                f"{type(target).__name__}."
            )
        yield target  # type: ignore[misc]
        return
    assert isinstance(target, str | os.PathLike)
    path = Path(target)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else "."
        )
    except OSError as exc:
        raise io_error("Creating a temporary file next to the target", exc) from exc
    tmp = Path(tmp_name)
    stream: BinaryIO = os.fdopen(fd, "wb", buffering=1 << 20)
    try:
        yield stream
        stream.flush()
        if durable:
            os.fsync(stream.fileno())
        stream.close()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            stream.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
