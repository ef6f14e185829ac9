"""A tiny XML writer that reproduces the bytes of the official .NET writer (spec/eyp.md §2.2).

We do not use lxml's serializer for the bytes: .NET writes ``<Name />`` (space before the slash),
CRLF line breaks, no newline after the root, ``&gt;`` in text and namespace declarations exactly
where the serializer emitted them. Each component's codec therefore builds :class:`Node` trees
whose tag names and attribute lists (including ``xmlns`` declarations) are literal, in output
order, and this module only escapes and lays them out.
"""

from __future__ import annotations

import dataclasses
import re

from eyp.errors import ModelError

__all__ = ["BOM_DECL", "Node", "render_compact", "render_pretty"]

#: UTF-8 BOM + the declaration .NET writes (§2.2).
BOM_DECL = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>'
_CRLF = "\r\n"
_INDENT = "  "

# Characters XML 1.0 cannot carry at all (XmlWriter with CheckCharacters throws on them too).
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEWLINES = re.compile("\r\n|\r|\n")


@dataclasses.dataclass(frozen=True)
class Node:
    """One element: literal (possibly prefixed) tag, attributes in output order, text or kids."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    text: str | None = None
    children: tuple[Node, ...] = ()


def _check_chars(value: str) -> None:
    bad = _INVALID_XML_CHARS.search(value)
    if bad is not None:
        raise ModelError(
            f"character U+{ord(bad.group()):04X} cannot be written in XML 1.0; remove it from "
            f"the value {value!r}"
        )


def escape_text(value: str) -> str:
    """Escape element content as .NET ``XmlWriter`` does (newlines normalized to CRLF)."""
    _check_chars(value)
    out = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _NEWLINES.sub(_CRLF, out)


def escape_attr(value: str) -> str:
    """Escape an attribute value as .NET ``XmlWriter`` does (whitespace kept via entities)."""
    _check_chars(value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#xD;")
        .replace("\n", "&#xA;")
        .replace("\t", "&#x9;")
    )


def _start(node: Node) -> str:
    attrs = "".join(f' {name}="{escape_attr(value)}"' for name, value in node.attrs)
    return f"<{node.tag}{attrs}"


def _pretty(node: Node, depth: int, out: list[str]) -> None:
    pad = _INDENT * depth
    if node.children:
        out.append(f"{pad}{_start(node)}>")
        for child in node.children:
            _pretty(child, depth + 1, out)
        out.append(f"{pad}</{node.tag}>")
    elif node.text:
        out.append(f"{pad}{_start(node)}>{escape_text(node.text)}</{node.tag}>")
    else:
        out.append(f"{pad}{_start(node)} />")


def render_pretty(root: Node) -> bytes:
    """Indented component XML: BOM, declaration, CRLF, two spaces, no final newline."""
    lines: list[str] = []
    _pretty(root, 0, lines)
    return BOM_DECL + (_CRLF + _CRLF.join(lines)).encode("utf-8")


def _compact(node: Node, out: list[str]) -> None:
    if node.children:
        out.append(_start(node) + ">")
        for child in node.children:
            _compact(child, out)
        out.append(f"</{node.tag}>")
    elif node.text:
        out.append(f"{_start(node)}>{escape_text(node.text)}</{node.tag}>")
    else:
        out.append(_start(node) + " />")


def render_compact(root: Node) -> bytes:
    """Single-line XML (core properties, §2.2): BOM, declaration, no whitespace at all."""
    parts: list[str] = []
    _compact(root, parts)
    return BOM_DECL + "".join(parts).encode("utf-8")
