"""The licence XML vocabulary, a hardened parser, and strict field reading (signatures.md §8).

Format ``urn:eyazisma:licence:1`` (our own; §8.2's CMS container is deliberately not copied)::

    <Licence xmlns="urn:eyazisma:licence:1" FormatVersion="1">
      <LicenceId>8c6b2a0e-…</LicenceId>               canonical lower-case GUID
      <IssuedAt>2026-11-21T10:00:00+00:00</IssuedAt>
      <Kind>production|test</Kind>
      <Licensee><Name>…</Name><Kkk>…</Kkk>?<Vkn>…</Vkn>?</Licensee>
      <Products><Product>eyp-encryption</Product>+</Products>
      <Validity><NotBefore>…</NotBefore><NotAfter>…</NotAfter></Validity>
      <Maintenance><Start>…</Start><End>…</End></Maintenance>
      <Renews><LicenceId>…</LicenceId><MaintenanceEnd>…</MaintenanceEnd></Renews>?
      <ds:Signature>…</ds:Signature>                  enveloped XMLDSig, last child
    </Licence>

Reading is strict: every element in this order, no other elements or attributes, no text outside
leaves. Our own format has no extension points that an attacker could use to smuggle data next
to the signed values. Parsing never loads DTDs, never resolves entities and never touches the
network; documents that declare a DOCTYPE or entities are refused before the signature is looked
at (XXE / billion laughs, DESIGN.md §2.12).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from licensing._model import Licensee, Product, Renewal, format_instant
from licensing.errors import LicenceIssueError, LicenceMalformedError, LicenceTamperedError

__all__ = [
    "DS_NS",
    "FORMAT_VERSION",
    "NS",
    "LicenceFields",
    "build_document",
    "parse_document",
    "read_fields",
]

NS = "urn:eyazisma:licence:1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
FORMAT_VERSION = "1"
#: A licence is a few kilobytes; anything much larger is not one (and is not read into memory).
MAX_LICENCE_BYTES = 1 << 20
_MAX_TEXT = 512


def _q(local: str) -> str:
    return f"{{{NS}}}{local}"


@dataclass(frozen=True)
class LicenceFields:
    """The signed values of a licence document, before trust is established."""

    licence_id: uuid.UUID
    issued_at: dt.datetime
    test: bool
    licensee: Licensee
    products: frozenset[Product]
    other_products: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    maintenance_start: dt.datetime
    maintenance_end: dt.datetime
    renews: Renewal | None


def hardened_parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entity and never uses the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_document(data: bytes) -> etree._Element:
    """Parse licence XML bytes with :func:`hardened_parser`; refuse DTDs and entities."""
    if len(data) > MAX_LICENCE_BYTES:
        raise LicenceMalformedError(
            f"The licence file is larger than {MAX_LICENCE_BYTES} bytes; it is not a licence."
        )
    # Our files are UTF-8. Other encodings could hide "<!DOCTYPE" from the byte check below.
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00")) or b"\x00" in data:
        raise LicenceMalformedError("The licence file is not UTF-8 XML; use the file as issued.")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise LicenceMalformedError(
            "The licence file declares a DTD or entities, which licence files never contain; "
            "it was refused unread. Use the file as issued by the licence authority."
        )
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise LicenceMalformedError(
            "The licence file is not well-formed XML. Use the file as issued (and its password "
            "if it is protected)."
        ) from exc
    docinfo = root.getroottree().docinfo
    doctype = getattr(docinfo, "doctype", "")  # not in lxml-stubs
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise LicenceMalformedError("The licence file declares a DTD; it was refused.")
    for _ in root.iter(etree.Entity):
        raise LicenceMalformedError("The licence file contains entity references; refused.")
    if root.tag != _q("Licence"):
        raise LicenceMalformedError(
            f"This is not an eyazisma licence (root element {root.tag!r}, expected Licence in "
            f"namespace {NS})."
        )
    version = root.get("FormatVersion")
    if version != FORMAT_VERSION:
        raise LicenceMalformedError(
            f"Licence format version {version!r} is not supported by this release (it reads "
            f"version {FORMAT_VERSION}). Update eyazisma or ask for a version-{FORMAT_VERSION} "
            "licence."
        )
    return root


# -- building ----------------------------------------------------------------------------------


def _add(parent: etree._Element, local: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(local))
    if text is not None:
        child.text = text
    return child


def build_document(fields: LicenceFields) -> etree._Element:
    """The unsigned ``Licence`` element for ``fields`` (indented; the signature is appended)."""
    root = etree.Element(_q("Licence"), nsmap={None: NS})  # type: ignore[dict-item]
    root.set("FormatVersion", FORMAT_VERSION)
    _add(root, "LicenceId", str(fields.licence_id))
    _add(root, "IssuedAt", format_instant(fields.issued_at))
    _add(root, "Kind", "test" if fields.test else "production")
    licensee = _add(root, "Licensee")
    _add(licensee, "Name", fields.licensee.name)
    if fields.licensee.kkk is not None:
        _add(licensee, "Kkk", fields.licensee.kkk)
    if fields.licensee.vkn is not None:
        _add(licensee, "Vkn", fields.licensee.vkn)
    products = _add(root, "Products")
    for product_id in [*sorted(p.value for p in fields.products), *fields.other_products]:
        _add(products, "Product", product_id)
    validity = _add(root, "Validity")
    _add(validity, "NotBefore", format_instant(fields.not_before))
    _add(validity, "NotAfter", format_instant(fields.not_after))
    maintenance = _add(root, "Maintenance")
    _add(maintenance, "Start", format_instant(fields.maintenance_start))
    _add(maintenance, "End", format_instant(fields.maintenance_end))
    if fields.renews is not None:
        renews = _add(root, "Renews")
        _add(renews, "LicenceId", str(fields.renews.licence_id))
        _add(renews, "MaintenanceEnd", format_instant(fields.renews.maintenance_end))
    etree.indent(root, space="  ")
    return root


# -- strict reading ----------------------------------------------------------------------------


def _bad(message: str) -> LicenceTamperedError:
    return LicenceTamperedError(
        f"The licence structure is invalid ({message}). The file was changed after it was "
        "issued or is damaged; use the file as issued by the licence authority."
    )


class _Children:
    """Walks the element children of ``parent`` in order, refusing anything unexpected."""

    def __init__(self, parent: etree._Element, *, allow_signature: bool = False) -> None:
        self._parent = parent
        if parent.attrib and parent.tag != _q("Licence"):
            raise _bad(f"unexpected attributes on {etree.QName(parent).localname}")
        if (parent.text or "").strip():
            raise _bad(f"text directly inside {etree.QName(parent).localname}")
        items = []
        for child in parent:
            if not isinstance(child.tag, str):
                continue  # comments / processing instructions are not data
            if (child.tail or "").strip():
                raise _bad(f"text after {etree.QName(child).localname}")
            if allow_signature and child.tag == f"{{{DS_NS}}}Signature":
                continue
            items.append(child)
        self._items: Iterator[etree._Element] = iter(items)
        self._peeked: etree._Element | None = next(self._items, None)

    def optional(self, local: str) -> etree._Element | None:
        if self._peeked is not None and self._peeked.tag == _q(local):
            found = self._peeked
            self._peeked = next(self._items, None)
            return found
        return None

    def required(self, local: str) -> etree._Element:
        found = self.optional(local)
        if found is None:
            raise _bad(f"missing {local} in {etree.QName(self._parent).localname}")
        return found

    def text(self, local: str, *, optional: bool = False) -> str | None:
        element = self.optional(local) if optional else self.required(local)
        if element is None:
            return None
        if len(element) or element.attrib:
            raise _bad(f"{local} must hold text only")
        value = element.text or ""
        if not value or len(value) > _MAX_TEXT or value != value.strip():
            raise _bad(f"{local} is empty, too long or padded")
        return value

    def end(self) -> None:
        if self._peeked is not None:
            raise _bad(f"unexpected element {self._peeked.tag}")


def _required_text(children: _Children, local: str) -> str:
    value = children.text(local)
    assert value is not None
    return value


def _instant(text: str, what: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _bad(f"{what} {text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise _bad(f"{what} has no UTC offset")
    return value


def _guid(text: str, what: str) -> uuid.UUID:
    try:
        value = uuid.UUID(text)
    except ValueError:
        raise _bad(f"{what} is not a GUID") from None
    if str(value) != text:
        raise _bad(f"{what} is not a canonical lower-case GUID")
    return value


def read_issued_at(root: etree._Element) -> dt.datetime:
    """``IssuedAt`` of a (not yet verified) document; used only to pick the verification time."""
    element = root.find(_q("IssuedAt"))
    # comments split .text, so join every text node
    text = "".join(str(t) for t in element.itertext()) if element is not None else ""
    if not text:
        raise _bad("missing IssuedAt")
    return _instant(text, "IssuedAt")


def read_fields(root: etree._Element) -> LicenceFields:
    """Read every field of a ``Licence`` element strictly (module docs)."""
    if root.tag != _q("Licence"):
        raise _bad("the signed element is not Licence")
    if set(root.attrib) != {"FormatVersion"}:
        raise _bad("unexpected attributes on Licence")
    top = _Children(root, allow_signature=True)
    licence_id = _guid(_required_text(top, "LicenceId"), "LicenceId")
    issued_at = _instant(_required_text(top, "IssuedAt"), "IssuedAt")
    kind = _required_text(top, "Kind")
    if kind not in ("production", "test"):
        raise _bad(f"Kind {kind!r} is neither production nor test")
    lic = _Children(top.required("Licensee"))
    name = _required_text(lic, "Name")
    kkk = lic.text("Kkk", optional=True)
    vkn = lic.text("Vkn", optional=True)
    lic.end()
    try:
        licensee = Licensee(name, kkk=kkk, vkn=vkn)
    except LicenceIssueError as exc:
        raise _bad(exc.message) from None
    prod = _Children(top.required("Products"))
    ids: list[str] = []
    while (element := prod.optional("Product")) is not None:
        ids.append(_leaf_text(element))
    prod.end()
    if not ids:
        raise _bad("no Product")
    if len(set(ids)) != len(ids):
        raise _bad("a Product is listed twice")
    known = {p.value for p in Product}
    products = frozenset(Product(i) for i in ids if i in known)
    other = tuple(i for i in ids if i not in known)
    val = _Children(top.required("Validity"))
    not_before = _instant(_required_text(val, "NotBefore"), "NotBefore")
    not_after = _instant(_required_text(val, "NotAfter"), "NotAfter")
    val.end()
    mnt = _Children(top.required("Maintenance"))
    m_start = _instant(_required_text(mnt, "Start"), "Maintenance Start")
    m_end = _instant(_required_text(mnt, "End"), "Maintenance End")
    mnt.end()
    renews: Renewal | None = None
    renews_element = top.optional("Renews")
    if renews_element is not None:
        ren = _Children(renews_element)
        renews = Renewal(
            _guid(_required_text(ren, "LicenceId"), "Renews LicenceId"),
            _instant(_required_text(ren, "MaintenanceEnd"), "Renews MaintenanceEnd"),
        )
        ren.end()
    top.end()
    fields = LicenceFields(
        licence_id=licence_id,
        issued_at=issued_at,
        test=kind == "test",
        licensee=licensee,
        products=products,
        other_products=other,
        not_before=not_before,
        not_after=not_after,
        maintenance_start=m_start,
        maintenance_end=m_end,
        renews=renews,
    )
    problem = consistency_problem(fields)
    if problem:
        raise _bad(problem)
    return fields


def _leaf_text(element: etree._Element) -> str:
    if len(element) or element.attrib:
        raise _bad("Product must hold text only")
    value = element.text or ""
    if not value or len(value) > 64 or value != value.strip():
        raise _bad("Product is empty, too long or padded")
    return value


def consistency_problem(fields: LicenceFields) -> str | None:
    """What is inconsistent between the fields (None when they fit), for issuing and reading."""
    if fields.not_before >= fields.not_after:
        return "NotBefore is not before NotAfter"
    if fields.maintenance_start >= fields.maintenance_end:
        return "maintenance Start is not before End"
    if fields.renews is not None:
        if fields.renews.licence_id == fields.licence_id:
            return "a licence cannot renew itself"
        if fields.maintenance_start != fields.renews.maintenance_start:
            return (
                "a renewal's maintenance must start 24 hours before the renewed licence's "
                f"maintenance end ({format_instant(fields.renews.maintenance_start)}), "
                f"not at {format_instant(fields.maintenance_start)}"
            )
    return None
