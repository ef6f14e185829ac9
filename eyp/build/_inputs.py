"""Files that go into a package: the ÜstYazı and Ek files (eyp.md §3.1)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eyp._opc._zipwrite import PartSource
from eyp.errors import BuildError

__all__ = ["FileInput"]


@dataclass(frozen=True)
class FileInput:
    """A file to store: a path, bytes or a binary stream, with its original name and MIME type.

    A stream is read exactly once, while the package is written (digests are computed during
    that single pass), so it need not be seekable.
    """

    source: PartSource
    file_name: str
    mime_type: str

    @classmethod
    def of(
        cls,
        source: str | os.PathLike[str] | bytes | BinaryIO,
        *,
        file_name: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> FileInput:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.is_file():
                raise BuildError(f"{path}: no such file")
            return cls(path, file_name or path.name, mime_type)
        if file_name is None:
            raise BuildError(
                "a file name is required when the content is given as bytes or a stream"
            )
        if isinstance(source, bytearray | memoryview):
            source = bytes(source)
        if not isinstance(source, bytes | io.IOBase) and not hasattr(source, "read"):
            raise BuildError(f"unsupported content source {type(source).__name__}")
        return cls(source, file_name, mime_type)
