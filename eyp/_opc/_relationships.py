"""Relationships parts (ECMA-376 Part 2 §9.3): ``/_rels/.rels`` and ``<folder>/_rels/<name>.rels``.

Package-level targets are written absolute (``/Ustveri/Ustveri.xml``), part-level targets relative
to the source part (``../Imzalar/ImzaCades.imz``), as the official writer does (Teknik Rehber
§2.1). Readers accept both forms.
"""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass

from eyp._opc._partname import PartName, resolve_target
from eyp._opc._xmlbytes import empty_element, single_line_document
from eyp._xmlsafe import parse_xml
from eyp.errors import UnsafePackageError, XmlError

__all__ = [
    "PACKAGE_RELS_PART",
    "Relationship",
    "TargetMode",
    "parse_relationships",
    "relative_target",
    "serialize_relationships",
]

NS = "http://schemas.openxmlformats.org/package/2006/relationships"
PACKAGE_RELS_PART = "/_rels/.rels"


class TargetMode(enum.Enum):
    INTERNAL = "Internal"
    EXTERNAL = "External"


@dataclass(frozen=True)
class Relationship:
    """One ``<Relationship>``. ``source`` is ``None`` for package relationships."""

    id: str
    type: str
    target: str
    source: PartName | None = None
    mode: TargetMode = TargetMode.INTERNAL

    @property
    def target_part(self) -> PartName:
        """The resolved internal target part (raises for external or unsafe targets)."""
        if self.mode is TargetMode.EXTERNAL:
            raise UnsafePackageError(f"relationship {self.id} targets an external resource")
        base = self.source.folder if self.source is not None else "/"
        return resolve_target(base, self.target)


def relative_target(source: PartName, target: PartName) -> str:
    """The target of a part relationship written relative to ``source``'s folder."""
    return posixpath.relpath(target, source.folder)


def serialize_relationships(relationships: list[Relationship] | tuple[Relationship, ...]) -> bytes:
    """Single-line bytes in the official profile; attribute order Type, Target, Id."""
    children = []
    for rel in relationships:
        attrs = [("Type", rel.type), ("Target", rel.target)]
        if rel.mode is TargetMode.EXTERNAL:
            attrs.append(("TargetMode", rel.mode.value))
        attrs.append(("Id", rel.id))
        children.append(empty_element("Relationship", attrs))
    return single_line_document("Relationships", NS, children)


def parse_relationships(
    data: bytes, rels_part: str, source: PartName | None
) -> tuple[Relationship, ...]:
    """Parse a relationships part; duplicate Ids and malformed entries raise :class:`XmlError`."""
    root = parse_xml(data, rels_part)
    if root.tag != f"{{{NS}}}Relationships":
        raise XmlError(f"{rels_part}: root element is {root.tag}, expected Relationships")
    result: list[Relationship] = []
    seen: set[str] = set()
    for child in root:
        if child.tag != f"{{{NS}}}Relationship":
            continue
        rel_id, rel_type, target = child.get("Id"), child.get("Type"), child.get("Target")
        if not rel_id or not rel_type or target is None:
            raise XmlError(f"{rels_part}: a Relationship lacks Id, Type or Target")
        if rel_id in seen:
            raise XmlError(f"{rels_part}: duplicate relationship Id {rel_id!r}")
        seen.add(rel_id)
        mode_text = child.get("TargetMode", "Internal")
        try:
            mode = TargetMode(mode_text)
        except ValueError as exc:
            raise XmlError(f"{rels_part}: unknown TargetMode {mode_text!r}") from exc
        result.append(Relationship(rel_id, rel_type, target, source, mode))
    return tuple(result)
