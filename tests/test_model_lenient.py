"""Lenient reading of defective components: nothing crashes, every defect becomes a Problem
(spec/eyp.md §12.3 rules are reported by the verifier from these)."""

from __future__ import annotations

import pytest

from eyp.errors import ModelError
from eyp.model import (
    CoreProperties,
    EkTuru,
    GuncellemeBilgisi,
    Ivedilik,
    Manifest,
    NihaiUstveri,
    RawText,
    Ustveri,
)

BROKEN_USTVERI = b"""<?xml version="1.0" encoding="utf-8"?>
<UstVeri xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-2"
         xmlns:t="urn:dpt:eyazisma:schema:xsd:Tipler-2">
  <!-- a comment is not data -->
  <t:BelgeId>4f9e2e9b-f4e6-4428-8f99-2e0a0d1d42d9</t:BelgeId>
  <t:Konu>Bir</t:Konu>
  <t:Konu>Iki</t:Konu>
  <t:GuvenlikKodu>TSD</t:GuvenlikKodu>
  <t:GuvenlikKoduGecerlilikTarihi>yarin</t:GuvenlikKoduGecerlilikTarihi>
  <t:DagitimListesi>
    <t:Dagitim>
      <t:Ivedilik>XYZ</t:Ivedilik>
      <t:DagitimTuru>GRG</t:DagitimTuru>
      <t:KonulmamisEkListesi />
    </t:Dagitim>
  </t:DagitimListesi>
  <t:Ekler>
    <t:Ek>
      <t:Id />
      <t:SiraNo>bir</t:SiraNo>
      <t:ImzaliMi>evet</t:ImzaliMi>
      <t:Ozet><t:OzetAlgoritmasi Algorithm="urn:md5" /><t:OzetDegeri>!!</t:OzetDegeri></t:Ozet>
    </t:Ek>
  </t:Ekler>
  <t:Bilinmeyen>x</t:Bilinmeyen>
  <Yabanci xmlns="urn:other">y</Yabanci>
  <t:HeyskListesi><t:Heysk><t:Kod>0</t:Kod><t:Ad>a</t:Ad></t:Heysk></t:HeyskListesi>
</UstVeri>"""


def test_broken_ustveri_is_read_with_problems() -> None:
    u = Ustveri.from_xml(BROKEN_USTVERI, part="/Ustveri/Ustveri.xml")
    assert u.konu == "Bir"
    assert u.olusturan is None
    assert isinstance(u.guvenlik_kodu_gecerlilik_tarihi, RawText)
    assert isinstance(u.dagitim_listesi[0].ivedilik, RawText)
    ek = u.ekler[0]
    assert isinstance(ek.tur, RawText)
    assert isinstance(ek.sira_no, RawText)
    assert ek.sira_no.text == "bir"
    messages = {p.path: p.message for p in u.problems()}
    expected = [
        "UstVeri/BelgeId",  # lower case GUID
        "UstVeri/Konu",  # repeated
        "UstVeri/GuvenlikKodu",  # 1.x value in 2.x
        "UstVeri/GuvenlikKoduGecerlilikTarihi",
        "UstVeri/MimeTuru",
        "UstVeri/Olusturan",
        "UstVeri/DosyaAdi",
        "UstVeri/DogrulamaBilgisi",
        "UstVeri/Bilinmeyen",
        "UstVeri/Yabanci",
        "UstVeri/DagitimListesi/Dagitim[1]",  # no party
        "UstVeri/DagitimListesi/Dagitim[1]/Ivedilik",
        "UstVeri/DagitimListesi/Dagitim[1]/KonulmamisEkListesi",
        "UstVeri/Ekler/Ek[1]/Id/@Value",
        "UstVeri/Ekler/Ek[1]/Tur",
        "UstVeri/Ekler/Ek[1]/SiraNo",
        "UstVeri/Ekler/Ek[1]/ImzaliMi",
        "UstVeri/Ekler/Ek[1]/Ozet/OzetAlgoritmasi",
        "UstVeri/Ekler/Ek[1]/Ozet/OzetDegeri",
        "UstVeri/HeyskListesi/Heysk[1]/Kod",
    ]
    missing = [p for p in expected if p not in messages]
    assert missing == []
    assert "repeated" in messages["UstVeri/Konu"] or "once" in messages["UstVeri/Konu"]
    with pytest.raises(ModelError, match="problem"):
        Ustveri.from_xml(BROKEN_USTVERI, strict=True)
    # Invalid values are written back verbatim, so the model can still be serialized.
    again = Ustveri.from_xml(u.to_xml())
    assert isinstance(again.ekler[0].sira_no, RawText)
    assert again.ekler[0].sira_no.text == "bir"


def test_broken_manifest_is_read_with_problems() -> None:
    data = b"""<NihaiOzet xmlns="urn:dpt:eyazisma:schema:xsd:NihaiOzet-2">
      <Reference Type="urn:bad" xmlns="urn:dpt:eyazisma:schema:xsd:PaketOzeti-2">
        <DigestItem><DigestMethod /><DigestValue>***</DigestValue></DigestItem>
        <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256" />
        <DigestValue>AAAA</DigestValue>
      </Reference>
      <Other />
    </NihaiOzet>"""
    m = Manifest.from_xml(data)
    assert m.id is None
    assert len(m.references[0].digests) == 2
    paths = [p.path for p in m.problems()]
    for expected in [
        "NihaiOzet/Reference[1]/@URI",
        "NihaiOzet/Reference[1]",  # 1.x style digest inside a 2.x reference
        "NihaiOzet/Reference[1]/DigestItem[1]/DigestMethod",
        "NihaiOzet/Reference[1]/DigestItem[1]/DigestValue",
        "NihaiOzet/Reference[1]/@Type",
        "NihaiOzet/Other",
    ]:
        assert expected in paths


def test_broken_nihai_ustveri_core_and_update() -> None:
    n = NihaiUstveri.from_xml(
        b'<NihaiUstVeri xmlns="urn:dpt:eyazisma:schema:xsd:NihaiUstveri-2"'
        b' xmlns:t="urn:dpt:eyazisma:schema:xsd:Tipler-2"><t:Tarih>dun</t:Tarih>'
        b"<t:BelgeImzalar><t:Imza /></t:BelgeImzalar></NihaiUstVeri>"
    )
    paths = [p.path for p in n.problems()]
    assert "NihaiUstVeri/Tarih" in paths
    assert "NihaiUstVeri/BelgeNo" in paths
    assert "NihaiUstVeri/BelgeImzalar/Imza[1]/Imzalayan" in paths
    core = CoreProperties.from_xml(
        b'<coreProperties xmlns="http://schemas.openxmlformats.org/package/2006/metadata/'
        b'core-properties"><category>X</category><category>Y</category><foo /></coreProperties>'
    )
    assert isinstance(core.category, RawText)
    assert len(core.problems()) == 3
    g = GuncellemeBilgisi.from_xml(
        b'<GuncellemeBilgisi xmlns="urn:dpt:eyazisma:schema:xsd:Tipler-2"><Guncellemeler>'
        b"<GuncellemeTuru>GuvenlikKodu</GuncellemeTuru></Guncellemeler></GuncellemeBilgisi>"
    )
    assert [p.path for p in g.problems()] == [
        "GuncellemeBilgisi/Guncellemeler[1]/GuvenlikKoduDegisiklikBilgisi"
    ]


def test_enum_members_survive_lenient_reading() -> None:
    data = BROKEN_USTVERI.replace(b"XYZ", b"GNL")
    u = Ustveri.from_xml(data)
    assert u.dagitim_listesi[0].ivedilik is Ivedilik.GNL
    assert any(p.message == "Ivedilik GNL requires a Miat" for p in u.problems())
    assert EkTuru.DED.text == "DED"


def test_problem_paths_name_the_party_alternative() -> None:
    data = BROKEN_USTVERI.replace(
        b"<t:Bilinmeyen>x</t:Bilinmeyen>",
        b"<t:Olusturan><t:KurumKurulus><t:KKK>12</t:KKK></t:KurumKurulus></t:Olusturan>"
        b"<t:IlgiliListesi><t:Ilgili><t:GercekSahis><t:Kisi><t:IlkAdi>A</t:IlkAdi>"
        b"</t:Kisi><t:TCKN>1</t:TCKN></t:GercekSahis></t:Ilgili></t:IlgiliListesi>",
    )
    paths = {p.path for p in Ustveri.from_xml(data).problems()}
    assert "UstVeri/Olusturan/KurumKurulus/KKK" in paths
    assert "UstVeri/IlgiliListesi/Ilgili[1]/GercekSahis/TCKN" in paths
    assert "UstVeri/IlgiliListesi/Ilgili[1]/GercekSahis/Kisi/Soyadi" in paths


def test_unsupported_attributes_are_reported() -> None:
    data = BROKEN_USTVERI.replace(b"<t:Konu>Bir</t:Konu>", b'<t:Konu languageID="tr">Bir</t:Konu>')
    paths = {p.path for p in Ustveri.from_xml(data).problems()}
    assert "UstVeri/Konu/@languageID" in paths
