"""Bytes of the single-line OPC XML parts in the official writer's profile (Teknik Rehber §2.2).

``[Content_Types].xml`` and ``.rels`` parts start with the UTF-8 BOM and the XML declaration,
have no whitespace between elements and close empty elements with ``" />"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

__all__ = ["PROLOG", "empty_element", "single_line_document"]

_ATTR_ENTITIES = {"\n": "&#xA;", "\r": "&#xD;", "\t": "&#x9;"}
PROLOG = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>'


def empty_element(name: str, attributes: Iterable[tuple[str, str]]) -> str:
    attrs = "".join(f" {key}={quoteattr(value, _ATTR_ENTITIES)}" for key, value in attributes)
    return f"<{name}{attrs} />"


def single_line_document(root: str, namespace: str, children: Iterable[str]) -> bytes:
    body = "".join(children)
    if not body:
        return PROLOG + f'<{root} xmlns="{namespace}" />'.encode()
    return PROLOG + f'<{root} xmlns="{namespace}">{body}</{root}>'.encode()
