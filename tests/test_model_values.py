"""Value types, enums, validation and hostile input of :mod:`eyp.model` (spec/eyp.md §4, §5.9,
§2.2)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from eyp.errors import ModelError, XmlError
from eyp.model import (
    CORE_ORDER_UPDATE,
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
    GuvenlikKodu,
    Identifier,
    Ivedilik,
    Kisi,
    KurumKurulus,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    NsStyle,
    PackageCategory,
    RawText,
    Reference,
    ReferenceType,
    TuzelSahis,
    Ustveri,
    creator_display_name,
    is_guid,
    lenient,
    new_guid,
    normalize_guid,
)

GUID = "4F9E2E9B-F4E6-4428-8F99-2E0A0D1D42D9"
KURUM = KurumKurulus(kkk="82223362", adi="Dijital Dönüşüm Ofisi")


def _dagitim(**kw: object) -> Dagitim:
    args: dict[str, object] = {
        "party": KURUM,
        "ivedilik": Ivedilik.NRM,
        "dagitim_turu": DagitimTuru.GRG,
    }
    args.update(kw)
    return Dagitim(**args)  # type: ignore[arg-type]


def _ustveri(**kw: object) -> Ustveri:
    args: dict[str, object] = {
        "belge_id": GUID,
        "konu": "Konu",
        "guvenlik_kodu": GuvenlikKodu.YOK,
        "mime_turu": "application/pdf",
        "dagitim_listesi": (_dagitim(),),
        "olusturan": KURUM,
        "dosya_adi": "ustyazi.pdf",
        "dogrulama_bilgisi": DogrulamaBilgisi("https://www.turkiye.gov.tr/belge-dogrulama"),
    }
    args.update(kw)
    return Ustveri(**args)  # type: ignore[arg-type]


# -- dateTime -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-05-12T14:23:13.35438+03:00",
        "2025-05-12T14:23:13.3515207+03:00",
        "2009-11-05T00:00:00",
        "2025-05-12T11:23:13.5551251Z",
        "2021-02-15T09:39:31.5000000Z",  # non-canonical width is remembered
        "2021-02-15T09:39:31.0",
        "2021-02-15T09:39:31-05:30",
    ],
)
def test_datetime_lexical_round_trip(text: str) -> None:
    assert DotNetDateTime.parse(text).text == text


def test_datetime_fields_and_conversion() -> None:
    v = DotNetDateTime.parse("2025-05-12T14:23:13.3515207+03:00")
    assert v.ticks == 3515207
    assert v.kind is DateTimeKind.LOCAL
    assert v.offset_minutes == 180
    py = v.to_datetime()
    assert py.microsecond == 351520  # the 7th digit does not fit a Python datetime
    assert py.utcoffset() == dt.timedelta(hours=3)
    assert DotNetDateTime.parse("2009-11-05T00:00:00").to_datetime().tzinfo is None
    utc = DotNetDateTime.from_datetime(dt.datetime(2025, 5, 12, 11, 23, 13, 555125, tzinfo=dt.UTC))
    assert utc.text == "2025-05-12T11:23:13.555125Z"
    precise = DotNetDateTime.from_datetime(dt.datetime(2025, 5, 12, 11, 23, 13), ticks=5551251)
    assert precise.text == "2025-05-12T11:23:13.5551251"


def test_datetime_now_constructors() -> None:
    local = DotNetDateTime.now_local()
    assert local.kind is DateTimeKind.LOCAL
    assert local.text[-6] in "+-"
    now = DotNetDateTime.now_utc(fraction_digits=7)
    assert now.kind is DateTimeKind.UTC
    assert len(now.text) == len("2025-05-12T11:23:13.5551251Z")


@pytest.mark.parametrize(
    "text",
    ["2025-13-01T00:00:00", "2025-05-12", "2025-05-12T14:23:13.12345678Z", "0", "", "garbage"],
)
def test_datetime_invalid(text: str) -> None:
    with pytest.raises(ModelError):
        DotNetDateTime.parse(text)


def test_datetime_invariants() -> None:
    with pytest.raises(ModelError, match="offset"):
        DotNetDateTime(year=2025, month=1, day=1, kind=DateTimeKind.LOCAL)
    with pytest.raises(ModelError, match="ticks"):
        DotNetDateTime(year=2025, month=1, day=1, ticks=10_000_000)


# -- duration, GUID, KKK/TCKN -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["P1D", "PT12H", "P1Y2M3DT4H5M6.5S", "-P2D", "PT0S"])
def test_duration_valid(text: str) -> None:
    assert Duration(text).text == text


@pytest.mark.parametrize("text", ["0", "P", "PT", "1D", "P1DT", "P1.5D", ""])
def test_duration_invalid(text: str) -> None:
    with pytest.raises(ModelError, match="xsd:duration"):
        Duration(text)


def test_duration_from_timedelta() -> None:
    assert Duration.from_timedelta(dt.timedelta(days=1)).text == "P1D"
    assert Duration.from_timedelta(dt.timedelta(hours=1, minutes=30)).text == "PT1H30M"
    assert Duration.from_timedelta(dt.timedelta(0)).text == "PT0S"
    assert Duration.from_timedelta(dt.timedelta(days=-2)).text == "-P2D"


def test_guid_helpers() -> None:
    g = new_guid()
    assert is_guid(g)
    assert g == g.upper()
    assert not is_guid(GUID.lower())
    assert normalize_guid(GUID.lower()) == GUID
    with pytest.raises(ModelError):
        normalize_guid("not-a-guid")


# -- enums --------------------------------------------------------------------------------------


def test_enum_texts_and_generations() -> None:
    assert GuvenlikKodu.from_text("HZO") is GuvenlikKodu.HZO
    assert GuvenlikKodu.YOK.allowed_in(Generation.V2)
    assert not GuvenlikKodu.YOK.allowed_in(Generation.V1)
    assert GuvenlikKodu.TSD.allowed_in(Generation.V1)
    assert not GuvenlikKodu.KSO.allowed_in(Generation.V2)
    assert Ivedilik.ACL.allowed_in(Generation.V2)
    assert not Ivedilik.IVD.allowed_in(Generation.V2)
    assert EkTuru.from_text("FZK") is EkTuru.FZK
    assert PackageCategory.from_text("RESMIYAZISMA/SIFRELI") is PackageCategory.ENCRYPTED
    assert ReferenceType.from_uri("http://eyazisma.dpt/bilesen#harici") is ReferenceType.HARICI
    with pytest.raises(ModelError, match="GuvenlikKodu"):
        GuvenlikKodu.from_text("hzo")
    with pytest.raises(ModelError, match="DagitimTuru"):
        DagitimTuru.from_text("XYZ")


@pytest.mark.parametrize("alg", list(DigestAlgorithm))
def test_digest_algorithms(alg: DigestAlgorithm) -> None:
    assert DigestAlgorithm.from_uri(alg.uri) is alg
    if alg is DigestAlgorithm.RIPEMD160 and "ripemd160" not in hashlib.algorithms_available:
        # OpenSSL 3 without the legacy provider: a clear ModelError instead of a ValueError.
        with pytest.raises(ModelError, match="legacy provider"):
            alg.new()
        return
    h = alg.new()
    h.update(b"abc")
    assert h.digest() == hashlib.new(alg.hashlib_name, b"abc").digest()
    assert len(alg.digest(b"abc")) == alg.digest_size


def test_digest_algorithm_unknown_and_generation() -> None:
    with pytest.raises(ModelError, match="DigestAlgorithm"):
        DigestAlgorithm.from_uri("http://www.w3.org/2001/04/xmldsig-more#md5")
    assert DigestAlgorithm.SHA384.allowed_in(Generation.V2)
    assert not DigestAlgorithm.SHA384.allowed_in(Generation.V1)
    assert not DigestAlgorithm.SHA1.allowed_in(Generation.V2)


def test_digest_algorithm_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str, *args: object, **kwargs: object) -> object:
        raise ValueError(f"unsupported hash type {name}")

    monkeypatch.setattr(hashlib, "new", refuse)
    with pytest.raises(ModelError, match="legacy provider"):
        DigestAlgorithm.RIPEMD160.new()


# -- strict construction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"belge_id": GUID.lower()}, "upper case"),
        ({"belge_id": "123"}, "not a GUID"),
        ({"konu": "  "}, "Konu"),
        ({"mime_turu": None}, "MimeTuru"),
        ({"dagitim_listesi": ()}, "Dagitim"),
        ({"guvenlik_kodu": GuvenlikKodu.TSD}, "not a 2.x value"),
        ({"guvenlik_kodu": "HZO"}, "must be a GuvenlikKodu"),
        ({"dogrulama_bilgisi": None}, "DogrulamaBilgisi"),
        ({"belge_no": "1"}, "1.x element"),
        ({"dagitim_listesi": (_dagitim(ivedilik=Ivedilik.CIV),)}, "not a 2.x value"),
    ],
)
def test_ustveri_strict_construction(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        _ustveri(**kwargs)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: KurumKurulus(kkk="1234567"), "KKK"),
        (lambda: KurumKurulus(kkk="82223362", birim_kkk="0"), "BirimKKK"),
        (lambda: GercekSahis(kisi=Kisi(ilk_adi="A", soyadi="B"), tckn="0123"), "TCKN"),
        (lambda: Kisi(ilk_adi="", soyadi="B"), "IlkAdi"),
        (lambda: TuzelSahis(id=Identifier("123")), "schemeID"),
        (lambda: _dagitim(ivedilik=Ivedilik.GNL), "Miat"),
        (lambda: _dagitim(miat=RawText("0")), "invalid value"),
        (lambda: _dagitim(konulmamis_ek_listesi=("x",)), "KonulmamisEk"),
        (lambda: Ek(id=GUID, tur=EkTuru.DED, sira_no=1), "DosyaAdi"),
        (lambda: Ek(id=GUID, tur=EkTuru.HRF, sira_no=1), "Referans"),
        (lambda: Ek(id=GUID, tur=EkTuru.FZK, sira_no=0), "at least 1"),
        (lambda: Ek(id=GUID, tur=EkTuru.FZK, sira_no=1, imzali_mi=True), "cannot be signed"),
        (lambda: NihaiUstveri(tarih=None, belge_no="1", belge_imzalar=()), "Tarih"),
        (lambda: Reference("", ReferenceType.DAHILI, ()), "URI"),
        (lambda: DigestItem(RawText("urn:x"), b"1"), "Algorithm"),
        (lambda: CoreProperties(category=RawText("X")), "category"),
    ],
)
def test_strict_construction_errors(build: object, message: str) -> None:
    assert callable(build)
    with pytest.raises(ModelError, match=message):
        build()


def test_lenient_builds_invalid_models_and_problems_lists_them() -> None:
    with lenient():
        u = _ustveri(belge_id="x", mime_turu=None, dagitim_listesi=(_dagitim(miat=RawText("0")),))
    paths = [p.path for p in u.problems()]
    assert paths == [
        "UstVeri/BelgeId",
        "UstVeri/MimeTuru",
        "UstVeri/DagitimListesi/Dagitim[1]/Miat",
    ]
    assert _ustveri().problems() == ()


def test_v1_ustveri_requires_tarih_and_belge_no() -> None:
    with pytest.raises(ModelError, match="Tarih"):
        _ustveri(generation=Generation.V1, guvenlik_kodu=GuvenlikKodu.TSD, dogrulama_bilgisi=None)


# -- creator display name, core order, manifests ------------------------------------------------


def test_creator_display_name() -> None:
    assert creator_display_name(KURUM) == "Dijital Dönüşüm Ofisi/82223362"
    assert creator_display_name(KurumKurulus(kkk="82223362")) == "82223362"
    assert creator_display_name(TuzelSahis(id=Identifier("09", "MERSIS"), adi="AŞ")) == "AŞ"
    assert creator_display_name(TuzelSahis(id=Identifier("09", "MERSIS"))) == "MERSIS:09"
    person = GercekSahis(
        kisi=Kisi(ilk_adi="Osman", soyadi="Yeşil", ikinci_adi="Murat", on_ek="Dr."),
        tckn="12345678902",
        gorev="Daire Başkanı",
    )
    assert creator_display_name(person) == "12345678902,Daire Başkanı,Dr. Osman Murat Yeşil"


def test_core_update_order() -> None:
    core = CoreProperties(
        identifier=GUID,
        creator="c",
        subject="s",
        category=PackageCategory.UPDATE,
        version="2.1",
        order=CORE_ORDER_UPDATE,
    )
    xml = core.to_xml().decode("utf-8-sig")
    assert xml.index("<dc:subject>") < xml.index("<dc:creator>") < xml.index("<dc:identifier>")
    parsed = CoreProperties.from_xml(core.to_xml())
    assert parsed == core
    assert parsed.order == ("subject", "creator", "identifier", "category", "version")
    assert parsed.to_xml() == core.to_xml()


def test_manifest_helpers() -> None:
    a = Reference.for_bytes("/Ustveri/Ustveri.xml", b"one")
    b = Reference.for_bytes("/UstYazi/ustyazi.pdf", b"two")
    a2 = Reference.for_bytes("/USTVERI/Ustveri.xml", b"three")
    m = Manifest.build(ManifestKind.PAKET_OZETI, GUID, [a, b, a2])
    assert m.uris == ("/UstYazi/ustyazi.pdf", "/USTVERI/Ustveri.xml")  # replaced, moved last
    assert m.reference_for("/UstYazi/ustyazi.pdf") == b
    assert m.reference_for("/ustyazi/USTYAZI.PDF") is None
    assert m.reference_for("/ustyazi/USTYAZI.PDF", ignore_case=True) == b
    assert b.digest(DigestAlgorithm.SHA512) == hashlib.sha512(b"two").digest()
    assert b.digest(DigestAlgorithm.SHA256) is None
    assert Manifest.from_xml(m.to_xml(), kind=ManifestKind.PAKET_OZETI) == m


def test_v1_manifest_needs_one_digest_per_reference() -> None:
    ref = Reference.for_bytes("/Ustveri/Ustveri.xml", b"x")
    with pytest.raises(ModelError, match="exactly one digest"):
        Manifest(kind=ManifestKind.NIHAI_OZET, id=GUID, references=(ref,), generation=Generation.V1)
    one = Reference.for_bytes("/Ustveri/Ustveri.xml", b"x", [DigestAlgorithm.SHA256])
    v1 = Manifest(
        kind=ManifestKind.NIHAI_OZET, id=GUID, references=(one,), generation=Generation.V1
    )
    xml = v1.to_xml()
    assert b"urn:dpt:eyazisma:schema:xsd:NihaiOzet-1" in xml
    assert b"DigestItem" not in xml
    assert Manifest.from_xml(xml) == v1


# -- serializer details and hostile input -------------------------------------------------------


def test_escaping_like_dotnet() -> None:
    u = _ustveri(konu='A & B <c> "d"\nline')
    xml = u.to_xml()
    assert (
        b'<Konu xmlns="urn:dpt:eyazisma:schema:xsd:Tipler-2">A &amp; B &lt;c&gt; "d"\r\nline<'
        in xml
    )
    assert Ustveri.from_xml(xml) == u
    assert not xml.endswith(b"\r\n")
    assert xml.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\r\n<UstVeri ')
    ident = Identifier("x", 'a"b')
    assert b'schemeID="a&quot;b"' in _ustveri(oz_id=ident).to_xml()


def test_control_characters_cannot_be_written() -> None:
    with pytest.raises(ModelError, match="U\\+0001"):
        _ustveri(konu="bad\x01").to_xml()


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE UstVeri [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<UstVeri xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-2">&xxe;</UstVeri>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<NihaiOzet xmlns="urn:dpt:eyazisma:schema:xsd:NihaiOzet-2">&lol2;</NihaiOzet>"""


@pytest.mark.parametrize(
    ("reader", "data"),
    [
        (Ustveri.from_xml, XXE),
        (Manifest.from_xml, LAUGHS),
        (CoreProperties.from_xml, b"<coreProperties"),
        (Ustveri.from_xml, b""),
    ],
)
def test_hostile_or_broken_xml_is_refused(reader: object, data: bytes) -> None:
    assert callable(reader)
    with pytest.raises(XmlError):
        reader(data)


@pytest.mark.parametrize(
    ("reader", "data", "message"),
    [
        (Ustveri.from_xml, b"<NihaiOzet/>", "root element"),
        (Ustveri.from_xml, b'<UstVeri xmlns="urn:other"/>', "namespace"),
        (NihaiUstveri.from_xml, b'<NihaiUstVeri xmlns="urn:x"/>', "namespace"),
        (
            Manifest.from_xml,
            b'<ParafOzeti xmlns="urn:dpt:eyazisma:schema:xsd:ParafOzeti-2"/>',
            None,
        ),
        (CoreProperties.from_xml, b"<coreProperties/>", "namespace"),
    ],
)
def test_wrong_root_or_namespace(reader: object, data: bytes, message: str | None) -> None:
    assert callable(reader)
    if message is None:
        # A root without references is readable, with a problem for the verifier.
        assert reader(data).problems()
        return
    with pytest.raises(XmlError, match=message):
        reader(data)


def test_manifest_kind_mismatch() -> None:
    data = b'<PaketOzeti xmlns="urn:dpt:eyazisma:schema:xsd:PaketOzeti-2"/>'
    with pytest.raises(XmlError, match="NihaiOzet"):
        Manifest.from_xml(data, kind=ManifestKind.NIHAI_OZET)


def test_prefixed_and_default_namespace_styles_read_the_same() -> None:
    per_child = _ustveri()
    prefixed = Ustveri.from_xml(dataclasses.replace(per_child, style=NsStyle.PREFIX).to_xml())
    assert prefixed == per_child
    assert prefixed.style is NsStyle.PREFIX
