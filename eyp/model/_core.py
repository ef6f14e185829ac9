"""OPC core properties (``.psmdcp``) as e-Yazışma uses them (spec/eyp.md §6, §2.2).

The official writer emits properties in the order they were set, so the element order is data:
:attr:`CoreProperties.order` keeps it (normal packages use :data:`CORE_ORDER_NORMAL`, the
update package :data:`CORE_ORDER_UPDATE`). The part is written on a single line.
"""

from __future__ import annotations

import dataclasses
import re

from eyp.errors import XmlError
from eyp.model._base import Generation, ModelBase, Problem, RawText, lenient, raw_problems
from eyp.model._codec_tipler import lex
from eyp.model._datetime import DotNetDateTime
from eyp.model._enums import PackageCategory
from eyp.model._ns import CP, DC, DCTERMS, XSI
from eyp.model._reader import Ctx, convert_or_raw, expect_root, finish, local, namespace, parse_root
from eyp.model._writer import Node, render_compact

__all__ = [
    "CONTENT_TYPE_EYAZISMA",
    "CORE_ORDER_NORMAL",
    "CORE_ORDER_UPDATE",
    "CoreProperties",
]

#: ``contentType`` of every e-Yazışma package (§6, K.73).
CONTENT_TYPE_EYAZISMA = "application/eyazisma"

#: Official property order of normal (and encrypted) packages (§6).
CORE_ORDER_NORMAL = (
    "identifier",
    "created",
    "creator",
    "subject",
    "category",
    "content_type",
    "version",
    "revision",
)
#: Official property order of the update package (§6).
CORE_ORDER_UPDATE = (
    "subject",
    "creator",
    "identifier",
    "created",
    "category",
    "content_type",
    "version",
    "revision",
)

# field → (namespace, qualified name as written, is a W3CDTF date)
_PROPS: dict[str, tuple[str, str, bool]] = {
    "identifier": (DC, "dc:identifier", False),
    "created": (DCTERMS, "dcterms:created", True),
    "creator": (DC, "dc:creator", False),
    "subject": (DC, "dc:subject", False),
    "category": (CP, "category", False),
    "content_type": (CP, "contentType", False),
    "version": (CP, "version", False),
    "revision": (CP, "revision", False),
    "title": (DC, "dc:title", False),
    "description": (DC, "dc:description", False),
    "keywords": (CP, "keywords", False),
    "language": (DC, "dc:language", False),
    "last_modified_by": (CP, "lastModifiedBy", False),
    "modified": (DCTERMS, "dcterms:modified", True),
    "last_printed": (CP, "lastPrinted", False),
    "content_status": (CP, "contentStatus", False),
}
_BY_XML = {(ns_, qn.split(":")[-1]): name for name, (ns_, qn, _) in _PROPS.items()}
_VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CoreProperties(ModelBase):
    """Core properties; every property is optional at model level (the verifier decides what a
    package kind needs, §12.1)."""

    identifier: str | None = None
    created: DotNetDateTime | RawText | None = None
    creator: str | None = None
    subject: str | None = None
    category: PackageCategory | RawText | None = None
    content_type: str | None = None
    version: str | None = None
    revision: str | None = None
    title: str | None = None
    description: str | None = None
    keywords: str | None = None
    language: str | None = None
    last_modified_by: str | None = None
    modified: DotNetDateTime | RawText | None = None
    last_printed: DotNetDateTime | RawText | None = None
    content_status: str | None = None
    #: Element order in the bytes (field names); properties set but not listed follow in the
    #: order of the fields above. Not part of equality.
    order: tuple[str, ...] = dataclasses.field(default=CORE_ORDER_NORMAL, compare=False)
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "coreProperties"

    def _own_problems(self, path: str) -> list[Problem]:
        out = raw_problems(
            path,
            created=self.created,
            category=self.category,
            modified=self.modified,
            lastPrinted=self.last_printed,
        )
        out += [
            Problem(f"{path}/@order", f"unknown property name {n!r}")
            for n in self.order
            if n not in _PROPS
        ]
        return out

    @property
    def generation(self) -> Generation | None:
        """1.x or 2.x from ``version`` (``major.minor``, §6), ``None`` if unusable."""
        m = _VERSION.fullmatch(self.version or "")
        if m is None:
            return None
        return {"1": Generation.V1, "2": Generation.V2}.get(m.group(1))

    def to_xml(self) -> bytes:
        """Single-line official layout (§2.2)."""
        names = [n for n in self.order if n in _PROPS]
        names += [n for n in _PROPS if n not in names]
        children = []
        for name in names:
            value = getattr(self, name)
            if value is None:
                continue
            _, qname, is_date = _PROPS[name]
            attrs = (("xsi:type", "dcterms:W3CDTF"),) if is_date and ":" in qname else ()
            children.append(Node(qname, attrs, lex(value)))
        root_attrs = (
            ("xmlns:dc", DC),
            ("xmlns:dcterms", DCTERMS),
            ("xmlns:xsi", XSI),
            ("xmlns", CP),
        )
        return render_compact(Node("coreProperties", root_attrs, children=tuple(children)))

    @classmethod
    def from_xml(
        cls, data: bytes, *, part: str = "core properties", strict: bool = False
    ) -> CoreProperties:
        """Parse a ``.psmdcp`` part (any prefixes, any element order)."""
        root = parse_root(data, part)
        expect_root(root, part, {"coreProperties": "coreProperties"})
        if namespace(root) != CP:
            raise XmlError(f"{part}: coreProperties in unexpected namespace {namespace(root)!r}")
        ctx = Ctx(part)
        values: dict[str, object] = {}
        order: list[str] = []
        for el in root:
            if not isinstance(el.tag, str):
                continue
            name = _BY_XML.get((namespace(el), local(el)))
            if name is None:
                ctx.add(f"coreProperties/{local(el)}", "unknown core property; ignored")
                continue
            if name in values:
                ctx.add(f"coreProperties/{local(el)}", "property repeated; first kept")
                continue
            text = el.text or ""
            if _PROPS[name][2] or name == "last_printed":
                values[name] = convert_or_raw(text, DotNetDateTime.parse)
            elif name == "category":
                values[name] = convert_or_raw(text, PackageCategory.from_text)
            else:
                values[name] = text
            order.append(name)
        with lenient():
            value = cls(**values, order=tuple(order), parse_problems=tuple(ctx.problems))  # type: ignore[arg-type]
        return finish(value, strict, part)
