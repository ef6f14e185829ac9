"""Üstveri → XML (spec/eyp.md §5.1, §5.2, §5.10; layout §2.2)."""

from __future__ import annotations

from eyp.model._base import Generation, NsStyle
from eyp.model._codec_tipler import (
    Names,
    identifier_node,
    kids,
    leaf,
    lex,
    party_node,
)
from eyp.model._ns import XSD, XSI, ns, tipler
from eyp.model._ustveri import (
    Dagitim,
    Ek,
    Ilgi,
    Sdp,
    SdpBilgisi,
    Ustveri,
)
from eyp.model._writer import Node, render_pretty

__all__ = ["write_ustveri"]

_ROOT = {Generation.V2: "UstVeri", Generation.V1: "Ustveri"}


def _id_node(n: Names, value: str, flag: object) -> Node:
    attrs = [("Value", value)]
    if flag is not None:
        attrs.append(("EYazismaIdMi", lex(flag)))
    return Node(n("Id"), tuple(attrs))


def _ek_node(n: Names, ek: Ek) -> Node:
    ozet = None
    if ek.ozet is not None:
        ozet = Node(
            n("Ozet"),
            children=(
                Node(n("OzetAlgoritmasi"), (("Algorithm", lex(ek.ozet.algorithm)),)),
                Node(n("OzetDegeri"), text=lex(ek.ozet.value)),
            ),
        )
    return Node(
        n("Ek"),
        children=kids(
            _id_node(n, ek.id, ek.eyazisma_id_mi),
            leaf(n("BelgeNo"), ek.belge_no),
            leaf(n("Tur"), ek.tur),
            leaf(n("DosyaAdi"), ek.dosya_adi),
            leaf(n("MimeTuru"), ek.mime_turu),
            leaf(n("Ad"), ek.ad),
            leaf(n("SiraNo"), ek.sira_no),
            leaf(n("Aciklama"), ek.aciklama),
            leaf(n("Referans"), ek.referans),
            identifier_node(n("OzId"), ek.oz_id),
            leaf(n("ImzaliMi"), ek.imzali_mi),
            ozet,
        ),
    )


def _ilgi_node(n: Names, ilgi: Ilgi) -> Node:
    return Node(
        n("Ilgi"),
        children=kids(
            _id_node(n, ilgi.id, ilgi.eyazisma_id_mi),
            leaf(n("BelgeNo"), ilgi.belge_no),
            leaf(n("Tarih"), ilgi.tarih),
            leaf(n("Etiket"), ilgi.etiket),
            leaf(n("EkId"), ilgi.ek_id),
            leaf(n("Ad"), ilgi.ad),
            leaf(n("Aciklama"), ilgi.aciklama),
            identifier_node(n("OzId"), ilgi.oz_id),
        ),
    )


def _dagitim_node(n: Names, d: Dagitim) -> Node:
    konulmamis = None
    if d.konulmamis_ek_listesi:
        konulmamis = Node(
            n("KonulmamisEkListesi"),
            children=tuple(
                Node(n("KonulmamisEk"), children=(Node(n("EkId"), text=ek_id),))
                for ek_id in d.konulmamis_ek_listesi
            ),
        )
    return Node(
        n("Dagitim"),
        children=kids(
            None if d.party is None else party_node(n, d.party),
            leaf(n("Ivedilik"), d.ivedilik),
            leaf(n("DagitimTuru"), d.dagitim_turu),
            leaf(n("Miat"), d.miat),
            konulmamis,
        ),
    )


def _sdp_children(n: Names, sdp: Sdp) -> tuple[Node, ...]:
    return kids(leaf(n("Kod"), sdp.kod), leaf(n("Ad"), sdp.ad), leaf(n("Aciklama"), sdp.aciklama))


def _sdp_node(n: Names, s: SdpBilgisi | None) -> Node | None:
    if s is None:
        return None
    diger = None
    if s.diger_sdpler is not None:
        diger = Node(
            n("DigerSdpler"),
            children=tuple(
                Node(n("SdpListesi"), children=_sdp_children(n, x)) for x in s.diger_sdpler
            ),
        )
    return Node(
        n("SdpBilgisi"),
        children=kids(Node(n("AnaSdp"), children=_sdp_children(n, s.ana_sdp)), diger),
    )


def _list(n: Names, tag: str, items: tuple[Node, ...]) -> Node | None:
    return Node(n(tag), children=items) if items else None


def _olusturan_node(n: Names, u: Ustveri) -> Node | None:
    if u.olusturan is None:
        return None
    return Node(n("Olusturan"), children=(party_node(n, u.olusturan),))


def write_ustveri(u: Ustveri) -> bytes:
    gen = u.generation
    t_ns = tipler(gen)
    per_child = u.style is NsStyle.PER_CHILD
    n = Names("" if per_child else "tipler:")
    dogrulama = None
    if u.dogrulama_bilgisi is not None:
        dogrulama = Node(
            n("DogrulamaBilgisi"),
            children=(Node(n("DogrulamaAdresi"), text=u.dogrulama_bilgisi.dogrulama_adresi),),
        )
    heysk = tuple(
        Node(
            n("Heysk"),
            children=kids(leaf(n("Kod"), h.kod), leaf(n("Ad"), h.ad), leaf(n("Tanim"), h.tanim)),
        )
        for h in u.heysk_listesi
    )
    top = kids(
        leaf(n("BelgeId"), u.belge_id),
        leaf(n("Konu"), u.konu),
        leaf(n("Tarih"), u.tarih),
        leaf(n("BelgeNo"), u.belge_no),
        leaf(n("GuvenlikKodu"), u.guvenlik_kodu),
        leaf(n("GuvenlikKoduGecerlilikTarihi"), u.guvenlik_kodu_gecerlilik_tarihi),
        leaf(n("MimeTuru"), u.mime_turu),
        identifier_node(n("OzId"), u.oz_id),
        Node(n("DagitimListesi"), children=tuple(_dagitim_node(n, d) for d in u.dagitim_listesi)),
        _list(n, "Ekler", tuple(_ek_node(n, e) for e in u.ekler)),
        _list(n, "Ilgiler", tuple(_ilgi_node(n, i) for i in u.ilgiler)),
        leaf(n("Dil"), u.dil),
        _olusturan_node(n, u),
        _list(
            n,
            "IlgiliListesi",
            tuple(Node(n("Ilgili"), children=(party_node(n, p),)) for p in u.ilgili_listesi),
        ),
        leaf(n("DosyaAdi"), u.dosya_adi),
        _sdp_node(n, u.sdp_bilgisi),
        _list(n, "HeyskListesi", heysk),
        dogrulama,
    )
    if per_child:
        # .NET XmlSerializer: each top-level child re-declares the Tipler default namespace.
        top = tuple(Node(c.tag, (*c.attrs, ("xmlns", t_ns)), c.text, c.children) for c in top)
        root_attrs: tuple[tuple[str, str], ...] = (
            ("xmlns:xsi", XSI),
            ("xmlns:xsd", XSD),
            ("xmlns", ns("Ustveri", gen)),
        )
    else:
        root_attrs = (("xmlns:tipler", t_ns), ("xmlns", ns("Ustveri", gen)))
    return render_pretty(Node(_ROOT[gen], root_attrs, children=top))
