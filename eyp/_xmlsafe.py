"""Hardened XML parsing for every XML part of a package.

No DTDs, no entity expansion, no network, no huge trees. A document that declares a DOCTYPE is
refused outright (billion laughs and XXE both need one), even though lxml would not expand it.
"""

from __future__ import annotations

from lxml import etree

from eyp.errors import XmlError

__all__ = ["parse_xml"]

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
    remove_pis=False,
)


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse ``data`` (the bytes of ``part``) and return the root element.

    Raises :class:`XmlError` with the part name for malformed input or any DTD.
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlError(
            f"{part}: XML with a DOCTYPE/ENTITY declaration is refused (possible XXE or "
            "entity-expansion attack); e-Yazışma parts never use DTDs"
        )
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(
            f"{part}: malformed XML ({exc.msg}); the part is damaged or not XML"
        ) from exc
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise XmlError(f"{part}: unreadable XML ({exc})") from exc
    if root is None:
        raise XmlError(f"{part}: empty XML document")
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise XmlError(f"{part}: XML with a DTD is refused")
    return root
