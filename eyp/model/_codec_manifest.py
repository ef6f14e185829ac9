"""Manifests ⇄ XML (spec/eyp.md §5.4; layout §2.2).

Official layout: the root declares ``xmlns:xsi``, ``xmlns:xsd``, ``Id`` and its own default
namespace; inside ParafÖzeti/NihaiÖzet each ``Reference`` re-declares the PaketOzeti namespace.
"""

from __future__ import annotations

from lxml import etree

from eyp.errors import XmlError
from eyp.model._base import Generation, lenient
from eyp.model._codec_tipler import lex
from eyp.model._enums import DigestAlgorithm, ReferenceType
from eyp.model._manifest import DigestItem, Manifest, ManifestKind, Reference
from eyp.model._ns import XSD, XSI, generation_of, ns
from eyp.model._reader import (
    Ctx,
    Seq,
    convert_or_raw,
    expect_root,
    finish,
    local,
    namespace,
    parse_base64,
    parse_root,
)
from eyp.model._writer import Node, render_pretty

__all__ = ["read_manifest", "write_manifest"]


def _digest_nodes(item: DigestItem) -> tuple[Node, Node]:
    return (
        Node("DigestMethod", (("Algorithm", lex(item.algorithm)),)),
        Node("DigestValue", text=lex(item.value)),
    )


def _reference_node(ref: Reference, gen: Generation, redeclare: str | None) -> Node:
    attrs: list[tuple[str, str]] = []
    if ref.id is not None:
        attrs.append(("Id", ref.id))
    attrs.append(("URI", ref.uri))
    if ref.type is not None:
        attrs.append(
            ("Type", ref.type.uri if isinstance(ref.type, ReferenceType) else ref.type.text)
        )
    if redeclare is not None:
        attrs.append(("xmlns", redeclare))
    if gen is Generation.V1:
        children: tuple[Node, ...] = tuple(n for d in ref.digests for n in _digest_nodes(d))
    else:
        children = tuple(Node("DigestItem", children=_digest_nodes(d)) for d in ref.digests)
    return Node("Reference", tuple(attrs), children=children)


def write_manifest(m: Manifest) -> bytes:
    gen = m.generation
    po = ns("PaketOzeti", gen)
    redeclare = None if m.kind is ManifestKind.PAKET_OZETI else po
    attrs: list[tuple[str, str]] = [("xmlns:xsi", XSI), ("xmlns:xsd", XSD)]
    if m.id is not None:
        attrs.append(("Id", m.id))
    attrs.append(("xmlns", ns(m.kind.root_name, gen)))
    refs = tuple(_reference_node(r, gen, redeclare) for r in m.references)
    return render_pretty(Node(m.kind.root_name, tuple(attrs), children=refs))


def _read_digest(holder: etree._Element, po: str, ctx: Ctx, path: str) -> DigestItem:
    s = Seq(holder, po, ctx, path)
    method = s.one("DigestMethod")
    value_text = s.text("DigestValue")
    s.done()
    alg_text = None if method is None else method.get("Algorithm")
    if alg_text is None:
        ctx.add(f"{path}/DigestMethod", "DigestMethod or its Algorithm is missing")
    algorithm = convert_or_raw(alg_text or "", DigestAlgorithm.from_uri)
    if value_text is None or not value_text.strip():
        ctx.add(f"{path}/DigestValue", "DigestValue is missing or empty")
    value = convert_or_raw(value_text or "", parse_base64)
    return DigestItem(algorithm, value)


def _read_reference(el: etree._Element, po: str, gen: Generation, ctx: Ctx, path: str) -> Reference:
    uri = el.get("URI")
    if uri is None:
        ctx.add(f"{path}/@URI", "URI is missing")
    type_text = el.get("Type")
    ref_type = None if type_text is None else convert_or_raw(type_text, ReferenceType.from_uri)
    items = [
        c for c in el if isinstance(c.tag, str) and namespace(c) == po and local(c) == "DigestItem"
    ]
    direct = [
        c for c in el if isinstance(c.tag, str) and local(c) in ("DigestMethod", "DigestValue")
    ]
    digests: list[DigestItem] = []
    if gen is Generation.V2 and direct:
        ctx.add(path, "1.x style DigestMethod/DigestValue directly in a 2.x Reference")
    if gen is Generation.V1 and items:
        ctx.add(path, "2.x style DigestItem in a 1.x Reference")
    for i, item in enumerate(items, start=1):
        digests.append(_read_digest(item, po, ctx, f"{path}/DigestItem[{i}]"))
    if direct:
        # 1.x: DigestMethod + DigestValue sit directly in Reference.
        digests.append(_read_digest(el, po, ctx, path))
    return Reference(uri or "", ref_type, tuple(digests), el.get("Id"))


def read_manifest(data: bytes, part: str, kind: ManifestKind | None, strict: bool) -> Manifest:
    root = parse_root(data, part)
    names = {k.root_name: k.root_name for k in ManifestKind}
    if kind is not None:
        names = {kind.root_name: kind.root_name}
    root_kind = ManifestKind(expect_root(root, part, names))
    gen = generation_of(namespace(root), root_kind.root_name)
    if gen is None:
        raise XmlError(f"{part}: {root_kind.root_name} in unknown namespace {namespace(root)!r}")
    po = ns("PaketOzeti", gen)
    ctx = Ctx(part)
    path = root_kind.root_name
    with lenient():
        refs = []
        i = 0
        for child in root:
            if not isinstance(child.tag, str):
                continue
            if local(child) != "Reference" or namespace(child) != po:
                ctx.add(f"{path}/{local(child)}", f"unexpected element {child.tag}; ignored")
                continue
            i += 1
            refs.append(_read_reference(child, po, gen, ctx, f"{path}/Reference[{i}]"))
        if not refs:
            ctx.add(path, "no Reference element")
        value = Manifest(
            kind=root_kind,
            id=root.get("Id"),
            references=tuple(refs),
            generation=gen,
            parse_problems=tuple(ctx.problems),
        )
    return finish(value, strict, part)
