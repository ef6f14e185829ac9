"""Read/write of the shared Tipler types (parties, contact data, Imza; spec/eyp.md §5.2).

Writers take a :class:`Names` that spells element names (``tipler:`` prefix or the inherited
default namespace); readers take the Tipler namespace URI of the generation being read.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from lxml import etree

from eyp.model._base import RawText
from eyp.model._datetime import DotNetDateTime
from eyp.model._parties import (
    GercekSahis,
    Identifier,
    IletisimBilgisi,
    Imza,
    Kisi,
    KurumKurulus,
    Party,
    TuzelSahis,
)
from eyp.model._reader import Ctx, Seq, convert_or_raw
from eyp.model._writer import Node

__all__ = [
    "Names",
    "identifier_node",
    "imza_node",
    "kids",
    "leaf",
    "lex",
    "party_node",
    "read_identifier",
    "read_imza",
    "read_party",
]

PARTY_NAMES = ("KurumKurulus", "GercekSahis", "TuzelSahis")


class Names:
    """Spells Tipler element names: ``Names("tipler:")("Kisi") == "tipler:Kisi"``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, name: str) -> str:
        return self.prefix + name


def lex(value: object) -> str:
    """The XML lexical form of a model value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str):
        return value
    if isinstance(value, RawText | DotNetDateTime):
        return value.text
    for attr in ("text", "uri"):  # code-list enums and Duration / URI enums
        lexical = getattr(value, attr, None)
        if isinstance(lexical, str):
            return lexical
    return str(value)


def leaf(tag: str, value: object | None, attrs: tuple[tuple[str, str], ...] = ()) -> Node | None:
    """A text-only element, or ``None`` when the value is absent."""
    return None if value is None else Node(tag, attrs, lex(value))


def kids(*nodes: Node | Iterable[Node] | None) -> tuple[Node, ...]:
    """Children in order, dropping absent ones and flattening lists."""
    out: list[Node] = []
    for n in nodes:
        if n is None:
            continue
        if isinstance(n, Node):
            out.append(n)
        else:
            out.extend(n)
    return tuple(out)


def identifier_node(tag: str, ident: Identifier | None) -> Node | None:
    if ident is None:
        return None
    attrs = () if ident.scheme_id is None else (("schemeID", ident.scheme_id),)
    return Node(tag, attrs, ident.value)


def iletisim_node(n: Names, i: IletisimBilgisi | None) -> Node | None:
    if i is None:
        return None
    return Node(
        n("IletisimBilgisi"),
        children=kids(
            leaf(n("Telefon"), i.telefon),
            leaf(n("TelefonDiger"), i.telefon_diger),
            leaf(n("EPosta"), i.e_posta),
            leaf(n("KepAdresi"), i.kep_adresi),
            leaf(n("Faks"), i.faks),
            leaf(n("WebAdresi"), i.web_adresi),
            leaf(n("Adres"), i.adres),
            leaf(n("Il"), i.il),
            leaf(n("Ilce"), i.ilce),
            leaf(n("Ulke"), i.ulke),
        ),
    )


def gercek_sahis_children(n: Names, g: GercekSahis) -> tuple[Node, ...]:
    k = g.kisi
    kisi = Node(
        n("Kisi"),
        children=kids(
            leaf(n("IlkAdi"), k.ilk_adi),
            leaf(n("Soyadi"), k.soyadi),
            leaf(n("IkinciAdi"), k.ikinci_adi),
            leaf(n("Unvan"), k.unvan),
            leaf(n("OnEk"), k.on_ek),
        ),
    )
    return kids(
        kisi,
        leaf(n("TCKN"), g.tckn),
        leaf(n("Gorev"), g.gorev),
        iletisim_node(n, g.iletisim_bilgisi),
    )


def party_node(n: Names, party: Party) -> Node:
    """The KurumKurulus / GercekSahis / TuzelSahis element of a party choice."""
    if isinstance(party, KurumKurulus):
        return Node(
            n("KurumKurulus"),
            children=kids(
                leaf(n("KKK"), party.kkk),
                leaf(n("BYK"), party.byk),
                leaf(n("Adi"), party.adi),
                iletisim_node(n, party.iletisim_bilgisi),
                leaf(n("BirimKKK"), party.birim_kkk),
            ),
        )
    if isinstance(party, GercekSahis):
        return Node(n("GercekSahis"), children=gercek_sahis_children(n, party))
    return Node(
        n("TuzelSahis"),
        children=kids(
            identifier_node(n("Id"), party.id),
            leaf(n("Adi"), party.adi),
            iletisim_node(n, party.iletisim_bilgisi),
        ),
    )


def imza_node(n: Names, imza: Imza) -> Node:
    def person(tag: str, g: GercekSahis | None) -> Node | None:
        return None if g is None else Node(n(tag), children=gercek_sahis_children(n, g))

    return Node(
        n("Imza"),
        children=kids(
            person("Imzalayan", imza.imzalayan),
            person("YetkiDevreden", imza.yetki_devreden),
            person("VekaletVeren", imza.vekalet_veren),
            leaf(n("Makam"), imza.makam),
            leaf(n("Amac"), imza.amac),
            leaf(n("Aciklama"), imza.aciklama),
            leaf(n("Tarih"), imza.tarih),
            leaf(n("TCYK"), imza.tcyk),
        ),
    )


# -- reading ----------------------------------------------------------------------------------


def read_identifier(el: etree._Element | None) -> Identifier | None:
    if el is None:
        return None
    return Identifier(el.text or "", el.get("schemeID"))


def read_iletisim(
    el: etree._Element | None, ns: str, ctx: Ctx, path: str
) -> IletisimBilgisi | None:
    if el is None:
        return None
    s = Seq(el, ns, ctx, path)
    value = IletisimBilgisi(
        telefon=s.text("Telefon"),
        telefon_diger=s.text("TelefonDiger"),
        e_posta=s.text("EPosta"),
        kep_adresi=s.text("KepAdresi"),
        faks=s.text("Faks"),
        web_adresi=s.text("WebAdresi"),
        adres=s.text("Adres"),
        il=s.text("Il"),
        ilce=s.text("Ilce"),
        ulke=s.text("Ulke"),
    )
    s.done()
    return value


def read_gercek_sahis(el: etree._Element, ns: str, ctx: Ctx, path: str) -> GercekSahis:
    s = Seq(el, ns, ctx, path)
    kisi_el = s.one("Kisi")
    if kisi_el is None:
        ctx.add(f"{path}/Kisi", "mandatory element is missing")
        kisi = Kisi(ilk_adi="", soyadi="")
    else:
        k = Seq(kisi_el, ns, ctx, f"{path}/Kisi")
        kisi = Kisi(
            ilk_adi=k.text("IlkAdi") or "",
            soyadi=k.text("Soyadi") or "",
            ikinci_adi=k.text("IkinciAdi"),
            unvan=k.text("Unvan"),
            on_ek=k.text("OnEk"),
        )
        k.done()
    value = GercekSahis(
        kisi=kisi,
        tckn=s.text("TCKN"),
        gorev=s.text("Gorev"),
        iletisim_bilgisi=read_iletisim(
            s.one("IletisimBilgisi"), ns, ctx, f"{path}/IletisimBilgisi"
        ),
    )
    s.done()
    return value


def read_party(container: Seq, ns: str, ctx: Ctx, path: str) -> Party | None:
    """Take the party choice out of ``container``; ``None`` if absent (the caller reports it)."""
    found = [(name, el) for name in PARTY_NAMES for el in container.all(name)]
    if not found:
        return None
    if len(found) > 1:
        ctx.add(path, "more than one party given; only the first is used")
    name, el = found[0]
    sub = f"{path}/{name}"
    if name == "GercekSahis":
        return read_gercek_sahis(el, ns, ctx, sub)
    s = Seq(el, ns, ctx, sub)
    party: Party
    if name == "KurumKurulus":
        party = KurumKurulus(
            kkk=s.text("KKK") or "",
            byk=s.text("BYK"),
            adi=s.text("Adi"),
            iletisim_bilgisi=read_iletisim(
                s.one("IletisimBilgisi"), ns, ctx, f"{sub}/IletisimBilgisi"
            ),
            birim_kkk=s.text("BirimKKK"),
        )
    else:
        ident = read_identifier(s.one("Id"))
        if ident is None:
            ctx.add(f"{sub}/Id", "mandatory element is missing")
            ident = Identifier("")
        party = TuzelSahis(
            id=ident,
            adi=s.text("Adi"),
            iletisim_bilgisi=read_iletisim(
                s.one("IletisimBilgisi"), ns, ctx, f"{sub}/IletisimBilgisi"
            ),
        )
    s.done()
    return party


def read_imza(el: etree._Element, ns: str, ctx: Ctx, path: str) -> Imza:
    s = Seq(el, ns, ctx, path)

    def person(tag: str) -> GercekSahis | None:
        sub = s.one(tag)
        return None if sub is None else read_gercek_sahis(sub, ns, ctx, f"{path}/{tag}")

    imzalayan = person("Imzalayan")
    if imzalayan is None:
        ctx.add(f"{path}/Imzalayan", "mandatory element is missing")
        imzalayan = GercekSahis(kisi=Kisi(ilk_adi="", soyadi=""))
    tarih = s.text("Tarih")
    value = Imza(
        imzalayan=imzalayan,
        yetki_devreden=person("YetkiDevreden"),
        vekalet_veren=person("VekaletVeren"),
        makam=s.text("Makam"),
        amac=s.text("Amac"),
        aciklama=s.text("Aciklama"),
        tarih=None if tarih is None else convert_or_raw(tarih, DotNetDateTime.parse),
        tcyk=s.text("TCYK"),
    )
    s.done()
    return value
