"""``[Content_Types].xml`` (ECMA-376 Part 2 §10.1.2): Default and Override entries."""

from __future__ import annotations

from dataclasses import dataclass, field

from eyp._opc._partname import PartName
from eyp._opc._xmlbytes import empty_element, single_line_document
from eyp._xmlsafe import parse_xml
from eyp.errors import XmlError

__all__ = ["CONTENT_TYPES_PART", "ContentTypes"]

CONTENT_TYPES_PART = "/[Content_Types].xml"
NS = "http://schemas.openxmlformats.org/package/2006/content-types"


@dataclass(frozen=True)
class ContentTypes:
    """Default (by extension, lower-case) and Override (by part name) content types, in order."""

    defaults: tuple[tuple[str, str], ...] = ()
    overrides: tuple[tuple[str, str], ...] = field(default=())

    def for_part(self, part: str) -> str | None:
        """The content type of ``part``: an Override wins over the Default of its extension."""
        key = PartName(part).key()
        for name, content_type in self.overrides:
            if name.casefold() == key:
                return content_type
        extension = PartName(part).extension
        for ext, content_type in self.defaults:
            if ext.lower() == extension:
                return content_type
        return None

    def with_default(self, extension: str, content_type: str) -> ContentTypes:
        """Add a Default for ``extension`` unless one exists (first registration wins)."""
        ext = extension.lower()
        if any(e.lower() == ext for e, _ in self.defaults):
            return self
        return ContentTypes((*self.defaults, (ext, content_type)), self.overrides)

    def with_override(self, part: str, content_type: str) -> ContentTypes:
        return ContentTypes(self.defaults, (*self.overrides, (str(PartName(part)), content_type)))

    def to_xml(self) -> bytes:
        children = [
            empty_element("Default", [("Extension", ext), ("ContentType", ct)])
            for ext, ct in self.defaults
        ] + [
            empty_element("Override", [("PartName", name), ("ContentType", ct)])
            for name, ct in self.overrides
        ]
        return single_line_document("Types", NS, children)

    @classmethod
    def from_xml(cls, data: bytes) -> ContentTypes:
        root = parse_xml(data, CONTENT_TYPES_PART)
        if root.tag != f"{{{NS}}}Types":
            raise XmlError(f"{CONTENT_TYPES_PART}: root element is {root.tag}, expected Types")
        defaults: list[tuple[str, str]] = []
        overrides: list[tuple[str, str]] = []
        for child in root:
            if child.tag == f"{{{NS}}}Default":
                ext, ct = child.get("Extension"), child.get("ContentType")
                if ext is None or ct is None:
                    raise XmlError(f"{CONTENT_TYPES_PART}: Default without Extension/ContentType")
                defaults.append((ext, ct))
            elif child.tag == f"{{{NS}}}Override":
                name, ct = child.get("PartName"), child.get("ContentType")
                if name is None or ct is None:
                    raise XmlError(f"{CONTENT_TYPES_PART}: Override without PartName/ContentType")
                overrides.append((name, ct))
        return cls(tuple(defaults), tuple(overrides))
