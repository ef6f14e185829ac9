"""Property tests: model → XML → model is the identity, and XML → model → XML keeps the bytes
(spec/eyp.md §2.2, §5)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from eyp.model import (
    BelgeHedef,
    CoreProperties,
    Dagitim,
    DagitimTuru,
    DateTimeKind,
    DigestAlgorithm,
    DigestItem,
    DogrulamaBilgisi,
    DotNetDateTime,
    Duration,
    Ek,
    EkTuru,
    Generation,
    GercekSahis,
    Guncelleme,
    GuncellemeBilgisi,
    GuncellemeTuru,
    GuvenlikKodu,
    GuvenlikKoduDegisiklikBilgisi,
    Identifier,
    IletisimBilgisi,
    Imza,
    Ivedilik,
    Kisi,
    KurumKurulus,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    PackageCategory,
    Party,
    Reference,
    ReferenceType,
    TuzelSahis,
    Ustveri,
    new_guid,
)

# Text that XML 1.0 can carry; CR is excluded because XML parsers normalize it to LF.
_chars = st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
text = st.text(st.one_of(_chars, st.sampled_from("\t\n &<>\"'")), max_size=20)
nonblank = text.filter(lambda s: s.strip() != "")
opt = st.none() | text
guids = st.builds(new_guid)
kkk = st.from_regex(r"[1-9][0-9]{7}", fullmatch=True)
tckn = st.from_regex(r"[1-9][0-9]{10}", fullmatch=True)


@st.composite
def datetimes(draw: st.DrawFn) -> DotNetDateTime:
    base = draw(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)))
    kind = draw(st.sampled_from(DateTimeKind))
    offset = draw(st.integers(-14 * 60, 14 * 60)) if kind is DateTimeKind.LOCAL else None
    return DotNetDateTime(
        year=base.year,
        month=base.month,
        day=base.day,
        hour=base.hour,
        minute=base.minute,
        second=base.second,
        ticks=draw(st.integers(0, 9_999_999)),
        kind=kind,
        offset_minutes=offset,
    )


iletisim = st.builds(
    IletisimBilgisi,
    telefon=opt,
    telefon_diger=opt,
    e_posta=opt,
    kep_adresi=opt,
    faks=opt,
    web_adresi=opt,
    adres=opt,
    il=opt,
    ilce=opt,
    ulke=opt,
)
kisi = st.builds(Kisi, ilk_adi=nonblank, soyadi=nonblank, ikinci_adi=opt, unvan=opt, on_ek=opt)
gercek = st.builds(
    GercekSahis, kisi=kisi, tckn=st.none() | tckn, gorev=opt, iletisim_bilgisi=st.none() | iletisim
)
kurum = st.builds(
    KurumKurulus,
    kkk=kkk,
    adi=opt,
    iletisim_bilgisi=st.none() | iletisim,
    birim_kkk=st.none() | kkk,
)
tuzel = st.builds(
    TuzelSahis,
    id=st.builds(Identifier, nonblank, st.sampled_from(["MERSIS", "VBYS"])),
    adi=opt,
    iletisim_bilgisi=st.none() | iletisim,
)
party: st.SearchStrategy[Party] = st.one_of(kurum, gercek, tuzel)
v2_ivedilik = st.sampled_from([Ivedilik.NRM, Ivedilik.ACL])
dagitim = st.builds(
    Dagitim,
    party=party,
    ivedilik=v2_ivedilik,
    dagitim_turu=st.sampled_from(DagitimTuru),
    miat=st.none() | st.sampled_from(["P1D", "PT2H", "P1Y2M"]).map(Duration),
    konulmamis_ek_listesi=st.lists(guids, max_size=2).map(tuple),
)
ek = st.builds(
    Ek,
    id=guids,
    tur=st.just(EkTuru.FZK),
    sira_no=st.integers(1, 2**31 - 1),
    eyazisma_id_mi=st.none() | st.booleans(),
    belge_no=opt,
    ad=opt,
    aciklama=opt,
    oz_id=st.none() | st.builds(Identifier, nonblank, st.just("GUID")),
    imzali_mi=st.none() | st.just(False),
)
ustveri = st.builds(
    Ustveri,
    belge_id=guids,
    konu=nonblank,
    guvenlik_kodu=st.sampled_from([GuvenlikKodu.YOK, GuvenlikKodu.HZO, GuvenlikKodu.GZL]),
    mime_turu=text,
    dagitim_listesi=st.lists(dagitim, min_size=1, max_size=3).map(tuple),
    olusturan=party,
    dosya_adi=text,
    dogrulama_bilgisi=st.builds(DogrulamaBilgisi, nonblank),
    guvenlik_kodu_gecerlilik_tarihi=st.none() | datetimes(),
    ekler=st.lists(ek, max_size=3).map(tuple),
    dil=opt,
    ilgili_listesi=st.lists(party, max_size=2).map(tuple),
)
imza = st.builds(
    Imza,
    imzalayan=gercek,
    yetki_devreden=st.none() | gercek,
    makam=opt,
    amac=opt,
    tarih=st.none() | datetimes(),
)


@given(datetimes())
def test_datetime_text_round_trip(value: DotNetDateTime) -> None:
    assert DotNetDateTime.parse(value.text) == value


@given(ustveri)
@settings(max_examples=60, deadline=None)
def test_ustveri_round_trip(value: Ustveri) -> None:
    data = value.to_xml()
    parsed = Ustveri.from_xml(data, strict=True)
    assert parsed == value
    assert parsed.to_xml() == data


@given(
    st.builds(
        NihaiUstveri,
        tarih=datetimes(),
        belge_no=nonblank,
        belge_imzalar=st.lists(imza, min_size=1, max_size=3).map(tuple),
    )
)
@settings(max_examples=40, deadline=None)
def test_nihai_ustveri_round_trip(value: NihaiUstveri) -> None:
    assert NihaiUstveri.from_xml(value.to_xml(), strict=True) == value


@given(st.lists(party, min_size=1, max_size=3), st.sampled_from(Generation))
def test_belge_hedef_round_trip(parties: list[Party], generation: Generation) -> None:
    value = BelgeHedef(hedef_listesi=tuple(parties), generation=generation)
    assert BelgeHedef.from_xml(value.to_xml(), strict=True) == value


_algorithms = st.sampled_from(
    [DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512]
)
reference = st.builds(
    Reference,
    # Part names and URLs: printable ASCII incl. quotes/ampersands (attribute escaping).
    st.from_regex(r"/[ -~]{1,40}", fullmatch=True),
    st.sampled_from(ReferenceType),
    st.lists(
        st.builds(DigestItem, _algorithms, st.binary(min_size=1, max_size=64)),
        min_size=2,
        max_size=2,
    ).map(tuple),
    st.none() | guids,
)


@given(st.sampled_from(ManifestKind), st.none() | guids, st.lists(reference, max_size=4))
def test_manifest_round_trip(kind: ManifestKind, id_: str | None, refs: list[Reference]) -> None:
    value = Manifest(kind=kind, id=id_, references=tuple(refs))
    data = value.to_xml()
    parsed = Manifest.from_xml(data)
    assert parsed == value
    assert parsed.to_xml() == data


@given(
    st.builds(
        CoreProperties,
        identifier=st.none() | guids,
        created=st.none() | datetimes(),
        creator=opt,
        subject=opt,
        category=st.none() | st.sampled_from(PackageCategory),
        content_type=opt,
        version=st.none() | st.sampled_from(["1.3", "2.0", "2.1"]),
        revision=opt,
        title=opt,
        keywords=opt,
        modified=st.none() | datetimes(),
        last_printed=st.none() | datetimes(),
    )
)
def test_core_round_trip(value: CoreProperties) -> None:
    data = value.to_xml()
    parsed = CoreProperties.from_xml(data, strict=True)
    assert parsed == value
    assert parsed.to_xml() == data


@given(datetimes(), nonblank, nonblank, guids)
def test_guncelleme_round_trip(when: DotNetDateTime, aciklama: str, no: str, bid: str) -> None:
    value = GuncellemeBilgisi(
        guncellemeler=(
            Guncelleme(
                guncelleme_turu=GuncellemeTuru.GUVENLIK_KODU,
                guvenlik_kodu_degisiklik_bilgisi=GuvenlikKoduDegisiklikBilgisi(
                    yeni_gizlilik_derecesi=GuvenlikKodu.YOK,
                    degistirme_tarihi=when,
                    aciklama=aciklama,
                    komisyon_karari_belge_no=no,
                    komisyon_karari_belge_id=bid,
                ),
            ),
        )
    )
    assert GuncellemeBilgisi.from_xml(value.to_xml(), strict=True) == value
