"""XML → Üstveri (spec/eyp.md §5.1, §5.2, §5.10; layout §2.2)."""

from __future__ import annotations

import dataclasses

from lxml import etree

from eyp.errors import XmlError
from eyp.model._base import Generation, NsStyle, RawText, lenient
from eyp.model._codec_tipler import (
    read_identifier,
    read_party,
)
from eyp.model._datetime import DotNetDateTime
from eyp.model._enums import DagitimTuru, DigestAlgorithm, EkTuru, GuvenlikKodu, Ivedilik
from eyp.model._ns import generation_of, tipler
from eyp.model._reader import (
    Ctx,
    Seq,
    convert_or_raw,
    expect_root,
    finish,
    local,
    namespace,
    parse_base64,
    parse_bool,
    parse_int,
    parse_root,
)
from eyp.model._ustveri import (
    Dagitim,
    DogrulamaBilgisi,
    Ek,
    Heysk,
    Ilgi,
    Ozet,
    Sdp,
    SdpBilgisi,
    Ustveri,
)
from eyp.model._values import Duration

__all__ = ["read_ustveri"]

_ROOT = {Generation.V2: "UstVeri", Generation.V1: "Ustveri"}


def _read_id(el: etree._Element | None) -> tuple[str, bool | RawText | None]:
    if el is None:
        return "", None  # reported by the model as an empty GUID
    flag = el.get("EYazismaIdMi")
    return el.get("Value") or "", None if flag is None else convert_or_raw(flag, parse_bool)


def _read_ek(el: etree._Element, t: str, ctx: Ctx, path: str) -> Ek:
    s = Seq(el, t, ctx, path)
    ek_id, flag = _read_id(s.one("Id"))
    ozet = None
    ozet_el = s.one("Ozet")
    if ozet_el is not None:
        o = Seq(ozet_el, t, ctx, f"{path}/Ozet")
        alg_el = o.one("OzetAlgoritmasi")
        alg_text = "" if alg_el is None else alg_el.get("Algorithm", "")
        ozet = Ozet(
            convert_or_raw(alg_text, DigestAlgorithm.from_uri),
            o.value("OzetDegeri", parse_base64) or b"",
        )
        o.done()
    tur = s.value("Tur", EkTuru.from_text)
    sira = s.value("SiraNo", parse_int)
    value = Ek(
        id=ek_id,
        eyazisma_id_mi=flag,
        belge_no=s.text("BelgeNo"),
        tur=tur if tur is not None else _missing(),
        dosya_adi=s.text("DosyaAdi"),
        mime_turu=s.text("MimeTuru"),
        ad=s.text("Ad"),
        sira_no=sira if sira is not None else _missing(),
        aciklama=s.text("Aciklama"),
        referans=s.text("Referans"),
        oz_id=read_identifier(s.one("OzId")),
        imzali_mi=s.value("ImzaliMi", parse_bool),
        ozet=ozet,
    )
    s.done()
    return value


def _missing() -> RawText:
    # A missing mandatory typed value: reported once, through RawText, by problems().
    return RawText("", "mandatory element is missing")


def _read_ilgi(el: etree._Element, t: str, ctx: Ctx, path: str) -> Ilgi:
    s = Seq(el, t, ctx, path)
    ilgi_id, flag = _read_id(s.one("Id"))
    etiket = s.text("Etiket")
    value = Ilgi(
        id=ilgi_id,
        eyazisma_id_mi=flag,
        belge_no=s.text("BelgeNo"),
        tarih=s.value("Tarih", DotNetDateTime.parse),
        etiket=etiket or "",
        ek_id=s.text("EkId"),
        ad=s.text("Ad"),
        aciklama=s.text("Aciklama"),
        oz_id=read_identifier(s.one("OzId")),
    )
    s.done()
    return value


def _read_dagitim(el: etree._Element, t: str, ctx: Ctx, path: str) -> Dagitim:
    s = Seq(el, t, ctx, path)
    party = read_party(s, t, ctx, path)
    ivedilik = s.value("Ivedilik", Ivedilik.from_text)
    turu = s.value("DagitimTuru", DagitimTuru.from_text)
    konulmamis: list[str] = []
    liste = s.one("KonulmamisEkListesi")
    if liste is not None:
        ks = Seq(liste, t, ctx, f"{path}/KonulmamisEkListesi")
        for i, k_el in enumerate(ks.all("KonulmamisEk"), start=1):
            k = Seq(k_el, t, ctx, f"{path}/KonulmamisEkListesi/KonulmamisEk[{i}]")
            konulmamis.append(k.text("EkId") or "")
            k.done()
        ks.done()
        if not konulmamis:
            ctx.add(f"{path}/KonulmamisEkListesi", "empty list (at least one KonulmamisEk)")
    value = Dagitim(
        party=party,
        ivedilik=ivedilik if ivedilik is not None else _missing(),
        dagitim_turu=turu if turu is not None else _missing(),
        miat=s.value("Miat", Duration),
        konulmamis_ek_listesi=tuple(konulmamis),
    )
    s.done()
    return value


def _read_sdp(el: etree._Element, t: str, ctx: Ctx, path: str) -> Sdp:
    s = Seq(el, t, ctx, path)
    value = Sdp(kod=s.text("Kod") or "", ad=s.text("Ad") or "", aciklama=s.text("Aciklama"))
    s.done()
    return value


def _read_sdp_bilgisi(el: etree._Element | None, t: str, ctx: Ctx, path: str) -> SdpBilgisi | None:
    if el is None:
        return None
    s = Seq(el, t, ctx, path)
    ana = s.one("AnaSdp")
    if ana is None:
        ctx.add(f"{path}/AnaSdp", "mandatory element is missing")
    diger_el = s.one("DigerSdpler")
    diger = None
    if diger_el is not None:
        d = Seq(diger_el, t, ctx, f"{path}/DigerSdpler")
        diger = tuple(
            _read_sdp(x, t, ctx, f"{path}/DigerSdpler/SdpListesi") for x in d.all("SdpListesi")
        )
        d.done()
    value = SdpBilgisi(
        ana_sdp=Sdp(kod="", ad="") if ana is None else _read_sdp(ana, t, ctx, f"{path}/AnaSdp"),
        diger_sdpler=diger,
    )
    s.done()
    return value


def _read_heysk(el: etree._Element, t: str, ctx: Ctx, path: str) -> Heysk:
    s = Seq(el, t, ctx, path)
    kod = s.value("Kod", parse_int)
    value = Heysk(
        kod=kod if kod is not None else _missing(), ad=s.text("Ad") or "", tanim=s.text("Tanim")
    )
    s.done()
    return value


def _items(s: Seq, list_name: str, item: str) -> list[etree._Element]:
    el = s.one(list_name)
    if el is None:
        return []
    inner = Seq(el, s.ns, s.ctx, f"{s.path}/{list_name}")
    found = inner.all(item)
    inner.done()
    if not found:
        s.ctx.add(f"{s.path}/{list_name}", f"empty list (at least one {item})")
    return found


def read_ustveri(data: bytes, part: str, strict: bool) -> Ustveri:
    root = parse_root(data, part)
    expect_root(root, part, {"UstVeri": "UstVeri (2.x)", "Ustveri": "Ustveri (1.x)"})
    gen = generation_of(namespace(root), "Ustveri")
    if gen is None:
        raise XmlError(f"{part}: Üstveri root in unknown namespace {namespace(root)!r}")
    ctx = Ctx(part)
    path = _ROOT[gen]
    if local(root) != _ROOT[gen]:
        ctx.add(path, f"root element is {local(root)!r}, expected {_ROOT[gen]!r} for {gen.value}.x")
    t = tipler(gen)
    first = next((c for c in root if isinstance(c.tag, str)), None)
    style = NsStyle.PREFIX if first is not None and first.prefix else NsStyle.PER_CHILD
    with lenient():
        s = Seq(root, t, ctx, path)
        olusturan_el = s.one("Olusturan")
        olusturan = None
        if olusturan_el is not None:
            olusturan = read_party(
                Seq(olusturan_el, t, ctx, f"{path}/Olusturan"), t, ctx, f"{path}/Olusturan"
            )
        ilgililer = []
        for i, el in enumerate(_items(s, "IlgiliListesi", "Ilgili"), start=1):
            sub = f"{path}/IlgiliListesi/Ilgili[{i}]"
            party = read_party(Seq(el, t, ctx, sub), t, ctx, sub)
            if party is None:
                ctx.add(sub, "one of KurumKurulus, GercekSahis, TuzelSahis is required")
            else:
                ilgililer.append(party)
        dogrulama_el = s.one("DogrulamaBilgisi")
        dogrulama = None
        if dogrulama_el is not None:
            ds = Seq(dogrulama_el, t, ctx, f"{path}/DogrulamaBilgisi")
            dogrulama = DogrulamaBilgisi(ds.text("DogrulamaAdresi") or "")
            ds.done()
        gkodu = s.value("GuvenlikKodu", GuvenlikKodu.from_text)
        value = Ustveri(
            belge_id=s.text("BelgeId") or "",
            konu=s.text("Konu") or "",
            tarih=s.value("Tarih", DotNetDateTime.parse),
            belge_no=s.text("BelgeNo"),
            guvenlik_kodu=gkodu if gkodu is not None else _missing(),
            guvenlik_kodu_gecerlilik_tarihi=s.value(
                "GuvenlikKoduGecerlilikTarihi", DotNetDateTime.parse
            ),
            mime_turu=s.text("MimeTuru"),
            oz_id=read_identifier(s.one("OzId")),
            dagitim_listesi=tuple(
                _read_dagitim(el, t, ctx, f"{path}/DagitimListesi/Dagitim[{i}]")
                for i, el in enumerate(_items(s, "DagitimListesi", "Dagitim"), start=1)
            ),
            ekler=tuple(
                _read_ek(el, t, ctx, f"{path}/Ekler/Ek[{i}]")
                for i, el in enumerate(_items(s, "Ekler", "Ek"), start=1)
            ),
            ilgiler=tuple(
                _read_ilgi(el, t, ctx, f"{path}/Ilgiler/Ilgi[{i}]")
                for i, el in enumerate(_items(s, "Ilgiler", "Ilgi"), start=1)
            ),
            dil=s.text("Dil"),
            olusturan=olusturan,
            ilgili_listesi=tuple(ilgililer),
            dosya_adi=s.text("DosyaAdi"),
            sdp_bilgisi=_read_sdp_bilgisi(s.one("SdpBilgisi"), t, ctx, f"{path}/SdpBilgisi"),
            heysk_listesi=tuple(
                _read_heysk(el, t, ctx, f"{path}/HeyskListesi/Heysk[{i}]")
                for i, el in enumerate(_items(s, "HeyskListesi", "Heysk"), start=1)
            ),
            dogrulama_bilgisi=dogrulama,
            generation=gen,
            style=style,
        )
        s.done()
        value = dataclasses.replace(value, parse_problems=tuple(ctx.problems))
    return finish(value, strict, part)
