"""OPC part names (ECMA-376 Part 2 §9.1.1), stricter than the standard.

A :class:`PartName` that exists is valid: absolute, ``/``-separated, no empty, ``.`` or ``..``
segments, no backslash, no trailing slash, no control characters. Comparison in OPC is
case-insensitive; :meth:`PartName.key` gives the comparison key.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from eyp.errors import UnsafePackageError

__all__ = ["PartName"]


class PartName(str):
    """An absolute, validated OPC part name such as ``/Ustveri/Ustveri.xml``."""

    __slots__ = ()

    def __new__(cls, value: str) -> PartName:
        _validate(value)
        return super().__new__(cls, value)

    @classmethod
    def from_zip_name(cls, name: str) -> PartName:
        """The part name stored as ZIP entry ``name`` (which has no leading slash)."""
        if name.startswith("/"):
            raise UnsafePackageError(
                f"ZIP entry {name!r} has an absolute name; refusing the archive"
            )
        return cls("/" + name)

    @property
    def zip_name(self) -> str:
        """The ZIP entry name of this part (no leading slash)."""
        return self[1:]

    def key(self) -> str:
        """Case-insensitive comparison key (OPC part names compare case-insensitively)."""
        return unquote(self).casefold()

    @property
    def folder(self) -> str:
        """The folder part, e.g. ``/Ustveri`` (``/`` for a root part)."""
        return posixpath.dirname(self) or "/"

    @property
    def filename(self) -> str:
        """The last segment, e.g. ``Ustveri.xml``."""
        return posixpath.basename(self)

    @property
    def extension(self) -> str:
        """The extension without dot, lower-cased ('' when none)."""
        base = self.filename
        return base.rsplit(".", 1)[1].lower() if "." in base else ""

    @property
    def rels_part(self) -> PartName:
        """The relationships part of this part: ``/a/_rels/b.xml.rels``."""
        return PartName(posixpath.join(self.folder, "_rels", self.filename + ".rels"))

    def resolve(self, target: str) -> PartName:
        """Resolve a relationship ``target`` relative to this part (or absolute)."""
        return resolve_target(self.folder, target)


def resolve_target(base_folder: str, target: str) -> PartName:
    """Resolve ``target`` against ``base_folder`` (``/`` for package relationships).

    Absolute targets (``/Ustveri/Ustveri.xml``) are used as they are; relative ones
    (``../Imzalar/ImzaCades.imz``) are joined and normalised. A target that climbs above the
    package root is refused.
    """
    if "\\" in target:
        raise UnsafePackageError(f"relationship target {target!r} contains a backslash")
    if target.startswith("/"):
        return PartName(target)
    depth = 0
    for segment in posixpath.join(base_folder, target).split("/")[1:]:
        if segment == "..":
            depth -= 1
            if depth < 0:
                raise UnsafePackageError(
                    f"relationship target {target!r} points outside the package"
                )
        elif segment not in ("", "."):
            depth += 1
    return PartName(posixpath.normpath(posixpath.join(base_folder, target)))


def _validate(value: str) -> None:
    if not isinstance(value, str) or not value.startswith("/") or value == "/":
        raise UnsafePackageError(f"invalid part name {value!r}: must be an absolute path like /a/b")
    if "\\" in value:
        raise UnsafePackageError(f"invalid part name {value!r}: backslashes are not allowed")
    if value.endswith("/"):
        raise UnsafePackageError(f"invalid part name {value!r}: ends with a slash")
    for segment in value[1:].split("/"):
        if segment in ("", ".", ".."):
            raise UnsafePackageError(
                f"invalid part name {value!r}: empty, '.' or '..' segment (path traversal?)"
            )
        if segment.endswith("."):
            raise UnsafePackageError(f"invalid part name {value!r}: a segment ends with '.'")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in segment):
            raise UnsafePackageError(f"invalid part name {value!r}: control characters")
        if len(segment) > 255:
            raise UnsafePackageError(f"invalid part name {value[:40]!r}...: segment too long")
