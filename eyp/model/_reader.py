"""Namespace-aware helpers for reading component XML into models (spec/eyp.md §5).

Readers accept any prefix choice (the official per-child default namespace and the ``tipler:``
prefixes of other producers look identical here). Unknown or repeated children do not stop
reading; they become :class:`Problem` entries so the verifier can report them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

from lxml import etree

from eyp._xmlsafe import parse_xml
from eyp.errors import ModelError, XmlError
from eyp.model._base import ModelBase, Problem, RawText
from eyp.model._ns import XSI

T = TypeVar("T")
M = TypeVar("M", bound=ModelBase)

__all__ = ["Ctx", "Seq", "local", "namespace", "parse_root"]


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def namespace(el: etree._Element) -> str:
    return etree.QName(el).namespace or ""


def parse_root(data: bytes, part: str) -> etree._Element:
    """Hardened parse (no DTD, no entities) of one part; :class:`XmlError` on failure."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise XmlError(f"{part}: expected the part's bytes, got {type(data).__name__}")
    return parse_xml(bytes(data), part)


def expect_root(root: etree._Element, part: str, names: dict[str, str]) -> str:
    """Check the root's local name is one of ``names`` (name → description); return it."""
    name = local(root)
    if name not in names:
        expected = " or ".join(names.values())
        raise XmlError(
            f"{part}: root element is {{{namespace(root)}}}{name}, expected {expected}; "
            "this is not the component it is supposed to be"
        )
    return name


class Ctx:
    """Problems collected while reading one part."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))


class Seq:
    """The element children of ``el`` (all expected in namespace ``ns``), consumed by name."""

    def __init__(self, el: etree._Element, ns: str, ctx: Ctx, path: str) -> None:
        self.ctx = ctx
        self.ns = ns
        self.path = path
        self._items: list[tuple[str, etree._Element]] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions carry no data
            if namespace(child) != ns:
                ctx.add(
                    f"{path}/{local(child)}",
                    f"element in namespace {namespace(child)!r}, expected {ns!r}; ignored",
                )
                continue
            self._items.append((local(child), child))
        self._used: set[int] = set()

    def all(self, name: str) -> list[etree._Element]:
        found = []
        for i, (n, child) in enumerate(self._items):
            if n == name:
                self._used.add(i)
                found.append(child)
        return found

    def one(self, name: str) -> etree._Element | None:
        found = self.all(name)
        if len(found) > 1:
            self.ctx.add(
                f"{self.path}/{name}",
                f"element occurs {len(found)} times, at most once allowed; first used",
            )
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        el = self.one(name)
        if el is None:
            return None
        for attr in el.attrib:
            if attr != f"{{{XSI}}}nil":
                # e.g. languageID of UN/CEFACT TextType: legal, but the model does not keep it,
                # so a re-serialization would lose it. Say so instead of dropping it silently.
                self.ctx.add(
                    f"{self.path}/{name}/@{etree.QName(attr).localname}",
                    "attribute is not kept by the model; ignored",
                )
        return text_of(el)

    def value(self, name: str, convert: Callable[[str], T]) -> T | RawText | None:
        """Text of child ``name`` converted, or :class:`RawText` when ``convert`` rejects it."""
        raw = self.text(name)
        return None if raw is None else convert_or_raw(raw, convert)

    def done(self) -> None:
        """Report children that no field consumed."""
        for i, (name, _) in enumerate(self._items):
            if i not in self._used:
                self.ctx.add(f"{self.path}/{name}", "unexpected element; ignored")


def text_of(el: etree._Element) -> str | None:
    """Element text; ``""`` for an empty element, ``None`` for ``xsi:nil="true"``."""
    if el.get(f"{{{XSI}}}nil") in ("true", "1"):
        return None
    return el.text or ""


def convert_or_raw(raw: str, convert: Callable[[str], T]) -> T | RawText:
    try:
        return convert(raw)
    except ModelError as exc:
        return RawText(raw, str(exc))


def parse_int(text: str) -> int:
    """``xsd:int`` (32-bit signed); surrounding whitespace is allowed by the schema."""
    try:
        value = int(text.strip(), 10)
    except ValueError as exc:
        raise ModelError(f"{text!r} is not an integer") from exc
    if not -(2**31) <= value < 2**31:
        raise ModelError(f"{text!r} is outside the xsd:int range")
    return value


def parse_bool(text: str) -> bool:
    """``xsd:boolean``: true/false/1/0."""
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ModelError(f"{text!r} is not an xsd:boolean (true/false)")


def parse_base64(text: str) -> bytes:
    """Standard base64 with padding (whitespace tolerated, as in xsd:base64Binary)."""
    compact = "".join(text.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ModelError(f"{text!r} is not valid base64") from exc


def finish(value: M, strict: bool, part: str) -> M:
    """In strict mode, turn the collected problems of ``value`` into a :class:`ModelError`."""
    if strict:
        problems = value.problems()
        if problems:
            listed = "; ".join(str(p) for p in problems[:20])
            more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
            raise ModelError(f"{part}: {len(problems)} problem(s): {listed}{more}")
    return value
