"""NihaiÜstveri / BelgeHedef / BelgeImza ⇄ XML (spec/eyp.md §5.3, §5.5, §5.10; layout §2.2).

All three are written by the official (and the 1.x) producers with ``tipler:`` prefixes and only
``xmlns:tipler`` + the default namespace on the root.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from eyp.errors import XmlError
from eyp.model._base import Generation, lenient
from eyp.model._codec_tipler import Names, imza_node, kids, leaf, party_node, read_imza, read_party
from eyp.model._datetime import DotNetDateTime
from eyp.model._nihai import BelgeHedef, BelgeImza, NihaiUstveri
from eyp.model._ns import generation_of, ns, tipler
from eyp.model._parties import Party
from eyp.model._reader import Ctx, Seq, expect_root, finish, namespace, parse_root
from eyp.model._writer import Node, render_pretty

__all__ = [
    "read_belge_hedef",
    "read_belge_imza",
    "read_nihai_ustveri",
    "write_belge_hedef",
    "write_belge_imza",
    "write_nihai_ustveri",
]

_T = Names("tipler:")


def _root(name: str, component: str, gen: Generation, children: tuple[Node, ...]) -> bytes:
    attrs = (("xmlns:tipler", tipler(gen)), ("xmlns", ns(component, gen)))
    return render_pretty(Node(name, attrs, children=children))


def write_nihai_ustveri(n: NihaiUstveri) -> bytes:
    return _root(
        "NihaiUstVeri",
        "NihaiUstveri",
        Generation.V2,
        kids(
            leaf(_T("Tarih"), n.tarih),
            leaf(_T("BelgeNo"), n.belge_no),
            Node(_T("BelgeImzalar"), children=tuple(imza_node(_T, i) for i in n.belge_imzalar)),
        ),
    )


def write_belge_hedef(b: BelgeHedef) -> bytes:
    hedefler = tuple(Node(_T("Hedef"), children=(party_node(_T, p),)) for p in b.hedef_listesi)
    return _root(
        "BelgeHedef", "BelgeHedef", b.generation, (Node(_T("HedefListesi"), children=hedefler),)
    )


def write_belge_imza(b: BelgeImza) -> bytes:
    imzalar = tuple(imza_node(_T, i) for i in b.imza_listesi)
    return _root(
        "BelgeImza", "BelgeImza", Generation.V1, (Node(_T("ImzaListesi"), children=imzalar),)
    )


def _open(
    data: bytes, part: str, root_name: str, component: str, gens: tuple[Generation, ...]
) -> tuple[etree._Element, Generation]:
    root = parse_root(data, part)
    expect_root(root, part, {root_name: root_name})
    gen = generation_of(namespace(root), component)
    if gen is None or gen not in gens:
        raise XmlError(f"{part}: {root_name} in unexpected namespace {namespace(root)!r}")
    return root, gen


def _list(s: Seq, name: str, item: str) -> list[etree._Element]:
    el = s.one(name)
    if el is None:
        s.ctx.add(f"{s.path}/{name}", "mandatory element is missing")
        return []
    inner = Seq(el, s.ns, s.ctx, f"{s.path}/{name}")
    found = inner.all(item)
    inner.done()
    return found


def read_nihai_ustveri(data: bytes, part: str, strict: bool) -> NihaiUstveri:
    root, gen = _open(data, part, "NihaiUstVeri", "NihaiUstveri", (Generation.V2,))
    ctx, t, path = Ctx(part), tipler(gen), "NihaiUstVeri"
    with lenient():
        s = Seq(root, t, ctx, path)
        value = NihaiUstveri(
            tarih=s.value("Tarih", DotNetDateTime.parse),
            belge_no=s.text("BelgeNo"),
            belge_imzalar=tuple(
                read_imza(el, t, ctx, f"{path}/BelgeImzalar/Imza[{i}]")
                for i, el in enumerate(_list(s, "BelgeImzalar", "Imza"), start=1)
            ),
        )
        s.done()
        value = dataclasses.replace(value, parse_problems=tuple(ctx.problems))
    return finish(value, strict, part)


def read_belge_hedef(data: bytes, part: str, strict: bool) -> BelgeHedef:
    root, gen = _open(data, part, "BelgeHedef", "BelgeHedef", (Generation.V1, Generation.V2))
    ctx, t, path = Ctx(part), tipler(gen), "BelgeHedef"
    with lenient():
        s = Seq(root, t, ctx, path)
        parties: list[Party] = []
        for i, el in enumerate(_list(s, "HedefListesi", "Hedef"), start=1):
            sub = f"{path}/HedefListesi/Hedef[{i}]"
            hs = Seq(el, t, ctx, sub)
            party = read_party(hs, t, ctx, sub)
            hs.done()
            if party is None:
                ctx.add(sub, "one of KurumKurulus, GercekSahis, TuzelSahis is required")
            else:
                parties.append(party)
        s.done()
        value = BelgeHedef(
            hedef_listesi=tuple(parties), generation=gen, parse_problems=tuple(ctx.problems)
        )
    return finish(value, strict, part)


def read_belge_imza(data: bytes, part: str, strict: bool) -> BelgeImza:
    root, gen = _open(data, part, "BelgeImza", "BelgeImza", (Generation.V1,))
    ctx, t, path = Ctx(part), tipler(gen), "BelgeImza"
    with lenient():
        s = Seq(root, t, ctx, path)
        imzalar = tuple(
            read_imza(el, t, ctx, f"{path}/ImzaListesi/Imza[{i}]")
            for i, el in enumerate(_list(s, "ImzaListesi", "Imza"), start=1)
        )
        s.done()
        value = BelgeImza(imza_listesi=imzalar, parse_problems=tuple(ctx.problems))
    return finish(value, strict, part)
