"""Read-only view of an OPC package: parts, content types and relationships.

Sits on :class:`ZipReader`. Only an unreadable or unsafe archive raises here; missing or malformed
OPC parts are recorded in :attr:`OpcPackage.problems` so that a verifier can report them as
findings (Teknik Rehber rule EYP-OPC-001) while still looking at the rest of the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from eyp._opc._content_types import CONTENT_TYPES_PART, ContentTypes
from eyp._opc._limits import ZipLimits
from eyp._opc._partname import PartName
from eyp._opc._relationships import PACKAGE_RELS_PART, Relationship, parse_relationships
from eyp._opc._zipread import PackageSource, ZipReader
from eyp.errors import EypError

__all__ = ["OpcPackage", "OpcProblem"]


@dataclass(frozen=True)
class OpcProblem:
    """A structural OPC defect: ``kind`` is ``content-types`` or ``relationships``."""

    kind: str
    part: str
    message: str


class OpcPackage:
    """An opened OPC package. Use as a context manager; closes the underlying file."""

    def __init__(self, source: PackageSource, limits: ZipLimits | None = None) -> None:
        self.zip = ZipReader(source, limits)
        self.problems: list[OpcProblem] = []
        self.content_types: ContentTypes | None = None
        self._rels_cache: dict[str, tuple[Relationship, ...]] = {}
        ct_part = self.zip.find(CONTENT_TYPES_PART)
        if ct_part is None:
            self.problems.append(
                OpcProblem("content-types", CONTENT_TYPES_PART, "[Content_Types].xml is missing")
            )
        else:
            try:
                self.content_types = ContentTypes.from_xml(self.zip.read(ct_part))
            except EypError as exc:
                self.problems.append(OpcProblem("content-types", CONTENT_TYPES_PART, str(exc)))
        if self.zip.find(PACKAGE_RELS_PART) is None:
            self.problems.append(
                OpcProblem("relationships", PACKAGE_RELS_PART, "/_rels/.rels is missing")
            )

    @property
    def description(self) -> str:
        return self.zip.description

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> OpcPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parts(self) -> list[PartName]:
        """Every content part (excluding ``[Content_Types].xml`` and ``.rels`` parts)."""
        return [
            p
            for p in self.zip.parts()
            if p.key() != CONTENT_TYPES_PART.casefold() and not p.key().endswith(".rels")
        ]

    def find(self, name: str) -> PartName | None:
        return self.zip.find(name)

    def content_type(self, part: str) -> str | None:
        return self.content_types.for_part(part) if self.content_types else None

    def relationships(self, source: PartName | None = None) -> tuple[Relationship, ...]:
        """Relationships whose source is ``source`` (``None``: the package); cached.

        A malformed relationships part is recorded as a problem and yields no relationships.
        """
        rels_name = PACKAGE_RELS_PART if source is None else source.rels_part
        key = rels_name.casefold()
        if key in self._rels_cache:
            return self._rels_cache[key]
        rels: tuple[Relationship, ...] = ()
        stored = self.zip.find(rels_name)
        if stored is not None:
            try:
                rels = parse_relationships(self.zip.read(stored), stored, source)
            except EypError as exc:
                self.problems.append(OpcProblem("relationships", stored, str(exc)))
        self._rels_cache[key] = rels
        return rels

    def read(self, part: str, max_size: int | None = None) -> bytes:
        return self.zip.read(part, max_size)

    def open(self, part: str) -> BinaryIO:
        return self.zip.open(part)
