"""Pieces shared by the writers of the three package kinds."""

from __future__ import annotations

import uuid

from eyp._digests import MultiHasher
from eyp._names import CORE_CONTENT_TYPE, CORE_FOLDER, CORE_REL_TYPE, RELS_CONTENT_TYPE
from eyp._opc import (
    Compression,
    ContentTypes,
    PartName,
    Relationship,
    ZipWriter,
    serialize_relationships,
)
from eyp._opc._content_types import CONTENT_TYPES_PART
from eyp._opc._relationships import PACKAGE_RELS_PART, relative_target
from eyp._opc._zipwrite import PartSource
from eyp.model import DigestAlgorithm, DigestItem, Reference, ReferenceType

__all__ = ["PartsWriter", "new_core_name"]


def new_core_name() -> tuple[str, str]:
    """A fresh core part hex name and ``R<16 hex>`` relationship id (eyp.md §2.1)."""
    return uuid.uuid4().hex, "R" + uuid.uuid4().hex[:16]


class PartsWriter:
    """A ZIP writer that also records digests, relationships and content types."""

    def __init__(
        self, writer: ZipWriter, algorithms: tuple[DigestAlgorithm, ...], compression: Compression
    ) -> None:
        self.writer = writer
        self.algorithms = algorithms
        self.compression = compression
        self.digests: dict[str, dict[DigestAlgorithm, bytes]] = {}
        self.package_rels: list[Relationship] = []
        self.part_rels: dict[str, list[Relationship]] = {}
        self.content_types = ContentTypes()

    def write(
        self,
        part: str,
        data: PartSource,
        content_type: str,
        *,
        hashed: bool = True,
        override: bool = False,
    ) -> None:
        hasher = MultiHasher(self.algorithms) if hashed else None
        self.writer.write(
            part, data, compression=self.compression, hashers=[hasher] if hasher else []
        )
        if hasher is not None:
            self.digests[part] = hasher.digests()
        self.register_content_type(part, content_type, override=override)

    def register_content_type(
        self, part: str, content_type: str, *, override: bool = False
    ) -> None:
        name = PartName(part)
        if not override and self.content_types.for_part(name) == content_type:
            return
        has_default = any(e == name.extension for e, _ in self.content_types.defaults)
        if name.extension and not has_default and not override:
            self.content_types = self.content_types.with_default(name.extension, content_type)
        else:
            self.content_types = self.content_types.with_override(name, content_type)

    def relate(self, rel_id: str, rel_type: str, part: str, source: str | None = None) -> None:
        if source is None:
            self.package_rels.append(Relationship(rel_id, rel_type, part))
        else:
            src = PartName(source)
            rel = Relationship(rel_id, rel_type, relative_target(src, PartName(part)), src)
            self.part_rels.setdefault(source, []).append(rel)

    def reference(self, part: str) -> Reference:
        digests = self.digests[part]
        return Reference(
            part, ReferenceType.DAHILI, tuple(DigestItem(a, digests[a]) for a in self.algorithms)
        )

    def write_core(self, data: bytes, core_name: tuple[str, str] | None) -> str:
        hex_name, rel_id = core_name or new_core_name()
        part = f"{CORE_FOLDER}{hex_name}.psmdcp"
        self.write(part, data, CORE_CONTENT_TYPE)
        self.package_rels.append(Relationship(rel_id, CORE_REL_TYPE, part))
        return part

    def finish(self) -> None:
        """Write relationships and content types, then commit atomically."""
        try:
            self.writer.write(PACKAGE_RELS_PART, serialize_relationships(self.package_rels))
            for source, rels in self.part_rels.items():
                self.writer.write(PartName(source).rels_part, serialize_relationships(rels))
            types = self.content_types.with_default("rels", RELS_CONTENT_TYPE)
            self.writer.write(CONTENT_TYPES_PART, types.to_xml())
            self.writer.commit()
        except BaseException:
            self.writer.abort()
            raise
