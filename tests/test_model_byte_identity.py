"""Byte identity with the official writer (issue 2, item 4; spec/eyp.md §2.2).

The five XML parts of ``samples/20250512142310.eyp`` are rebuilt from model values written out
here as constructor calls, serialized, and compared with the bytes stored in the ZIP. The
manifests are rebuilt the way a builder does it: digests are computed over the bytes of the
rebuilt parts (Üstveri, ParafÖzeti, PaketÖzeti, NihaiÜstveri, core) and over the sample's
binary parts, so the test also proves the digest chain of §7.2.
"""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest

from eyp.model import (
    CONTENT_TYPE_EYAZISMA,
    CORE_ORDER_NORMAL,
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
    GercekSahis,
    GuvenlikKodu,
    Heysk,
    Identifier,
    IletisimBilgisi,
    Ilgi,
    Imza,
    Ivedilik,
    Kisi,
    KurumKurulus,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    Ozet,
    PackageCategory,
    Reference,
    ReferenceType,
    Sdp,
    SdpBilgisi,
    Ustveri,
    creator_display_name,
)

SAMPLE = Path("/work/shared/samples/20250512142310.eyp")
BELGE_ID = "4F9E2E9B-F4E6-4428-8F99-2E0A0D1D42D9"
CORE_PART = "/package/services/metadata/core-properties/9b794a10a0ba4f5f8afc8738116c094c.psmdcp"


def istanbul(y: int, mo: int, d: int, h: int, mi: int, s: int, ticks: int) -> DotNetDateTime:
    return DotNetDateTime(
        year=y,
        month=mo,
        day=d,
        hour=h,
        minute=mi,
        second=s,
        ticks=ticks,
        kind=DateTimeKind.LOCAL,
        offset_minutes=180,
    )


def utc(y: int, mo: int, d: int, h: int, mi: int, s: int, ticks: int) -> DotNetDateTime:
    return DotNetDateTime(
        year=y, month=mo, day=d, hour=h, minute=mi, second=s, ticks=ticks, kind=DateTimeKind.UTC
    )


def unspecified(y: int, mo: int, d: int, h: int, mi: int, s: int, ticks: int) -> DotNetDateTime:
    return DotNetDateTime(year=y, month=mo, day=d, hour=h, minute=mi, second=s, ticks=ticks)


def b64(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture(scope="module")
def sample() -> dict[str, bytes]:
    with zipfile.ZipFile(SAMPLE) as z:
        return {"/" + name: z.read(name) for name in z.namelist()}


def official_ustveri() -> Ustveri:
    return Ustveri(
        belge_id="4F9E2E9B-F4E6-4428-8F99-2E0A0D1D42D9",
        konu="e-Yazışma Test Paketi",
        guvenlik_kodu=GuvenlikKodu.HZO,
        mime_turu="application/pdf",
        dagitim_listesi=(
            Dagitim(
                party=KurumKurulus(
                    kkk="24301050",
                    adi="Adalet Bakanlığı",
                    iletisim_bilgisi=IletisimBilgisi(
                        telefon="0-312-2665555",
                        e_posta="info@adalet.gov.tr",
                        kep_adresi="adaletbakanligi@hs01.kep.tr",
                        faks="0-312-2665556",
                        web_adresi="www.adalet.gov.tr",
                        adres="Kızılay",
                        il="Ankara",
                        ilce="Çankaya",
                        ulke="Türkiye",
                    ),
                    birim_kkk="24301051",
                ),
                ivedilik=Ivedilik.ACL,
                dagitim_turu=DagitimTuru.GRG,
                konulmamis_ek_listesi=("396A3897-7A62-4F76-B10A-828E7946D0CD",),
            ),
            Dagitim(
                party=KurumKurulus(kkk="24322010", adi="Sağlık Bakanlığı"),
                ivedilik=Ivedilik.GNL,
                dagitim_turu=DagitimTuru.BLG,
                miat=Duration("P1D"),
            ),
        ),
        olusturan=KurumKurulus(
            kkk="82223362",
            adi="Türkiye Cumhuriyeti Cumhurbaşkanlığı Dijital Dönüşüm Ofisi Başkanlığı",
            iletisim_bilgisi=IletisimBilgisi(
                telefon="0-312-4036400",
                e_posta="dijitaliletisim@cbddo.gov.tr",
                kep_adresi="cbddo@hs01.kep.tr",
                faks="0-312-4036500",
                web_adresi="https://www.cbddo.gov.tr",
                adres="T.C. Cumhurbaşkanlığı Çankaya Yerleşkesi Ziaur Rahman Cad. 06550",
                il="Ankara",
                ilce="Çankaya",
                ulke="Türkiye",
            ),
            birim_kkk="12345678",
        ),
        dosya_adi="ustyazi.pdf",
        dogrulama_bilgisi=DogrulamaBilgisi("https://www.turkiye.gov.tr/belge-dogrulama"),
        guvenlik_kodu_gecerlilik_tarihi=istanbul(2035, 5, 12, 14, 23, 10, 4145866),
        oz_id=Identifier("8CEA7FF7-75F2-4CCF-B3C1-1B9B2054E8E9", "GUID"),
        ekler=(
            Ek(
                id="48ECB045-06C5-43DA-BACE-50BA73A8D129",
                tur=EkTuru.DED,
                sira_no=1,
                belge_no="72131250-010.03-936",
                dosya_adi="dosya1.pdf",
                mime_turu="application/pdf",
                ad="Birinci ek",
                aciklama="Birinci ek açıklaması",
                oz_id=Identifier("A14A4DCC-AE6A-4FD5-AAB3-8A33DC6125DD", "GUID"),
                imzali_mi=True,
            ),
            Ek(
                id="64B89C72-1A9B-45F0-B613-0C0D5EDAAE4E",
                tur=EkTuru.HRF,
                sira_no=2,
                belge_no="35826416-020-987",
                ad="Harici referans",
                aciklama="Hairici referans açıklaması",
                referans="http://www.bilgitoplumu.gov.tr/Documents/1/Raporlar/Calisma_Raporu_2.pdf",
                oz_id=Identifier("0C9C4D34-D370-46C2-A996-0FADC0FA591F", "GUID"),
                imzali_mi=False,
                ozet=Ozet(
                    DigestAlgorithm.SHA256,
                    b64("/InKUd7ATLR4PzUCBiWjyD38d9oxbWF72RR1QVSdFMo="),
                ),
            ),
            Ek(
                id="12E0130E-E785-467E-90BA-95ED9C930C6E",
                tur=EkTuru.FZK,
                sira_no=3,
                belge_no="48154937-612.01.03-942",
                ad="Fiziksel ek",
                aciklama="İki adet CD",
                oz_id=Identifier("45A778BA-B943-4B68-8504-71854DF0DDFF", "GUID"),
                imzali_mi=False,
            ),
            Ek(
                id="BB42DC69-7DE1-40E0-9997-4AEE7427D984",
                tur=EkTuru.DED,
                sira_no=4,
                belge_no="65410891-020-408",
                dosya_adi="dosya_imzasiz.docm",
                mime_turu="application/MSWord",
                ad="İmzasız ek",
                aciklama="İmzasız ek açıklaması",
                oz_id=Identifier("76E16DDA-AB44-46DB-B615-42FBE7E9BEE3", "GUID"),
                imzali_mi=False,
            ),
            Ek(
                id="396A3897-7A62-4F76-B10A-828E7946D0CD",
                tur=EkTuru.DED,
                sira_no=5,
                belge_no="65410891-020-444",
                dosya_adi="dosya3.docx",
                mime_turu="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ad="İkinci ek",
                aciklama="İkinci ek açıklaması",
                oz_id=Identifier("D7D16B9C-7419-451B-82B0-34D334572464", "GUID"),
                imzali_mi=True,
            ),
        ),
        ilgiler=(
            Ilgi(
                id="76C7FD89-40F5-4F0D-AB41-CDC215B39EB6",
                etiket="a",
                belge_no="65410891-020-480",
                tarih=unspecified(2009, 11, 5, 0, 0, 0, 0),
                ek_id="48ECB045-06C5-43DA-BACE-50BA73A8D129",
                ad="İlgi (a) yazı",
                aciklama="İlgi (a) yazının açıklaması",
                oz_id=Identifier("1C26C956-AE45-4DC1-BE86-1B8278A34904", "GUID"),
            ),
            Ilgi(
                id="2A413385-F2DB-43D7-87D2-432D1BEFB247",
                etiket="b",
                belge_no="48154937-612.01.03-945",
                tarih=unspecified(2009, 11, 5, 0, 0, 0, 0),
                ad="İlgi (b) yazı",
                aciklama="İlgi (b) yazının açıklaması",
                oz_id=Identifier("1C26C956-AE45-4DC1-BE86-1B8278A34904", "GUID"),
            ),
        ),
        dil="tur",
        ilgili_listesi=(
            GercekSahis(
                kisi=Kisi(ilk_adi="Hüseyin", soyadi="Yetmez", on_ek="Uzman"),
                tckn="12345678903",
                gorev="Birim Sorumlusu",
                iletisim_bilgisi=IletisimBilgisi(
                    telefon="0-505-4821111", telefon_diger="0-312-2444444"
                ),
            ),
        ),
        sdp_bilgisi=SdpBilgisi(
            ana_sdp=Sdp(kod="010.06.01", ad="İç Genelgeler", aciklama=""),
            diger_sdpler=(
                Sdp(kod="010.07.01", ad="Duyurular", aciklama=""),
                Sdp(kod="010.08", ad="Rehber Kılavuz", aciklama=""),
            ),
        ),
        heysk_listesi=(
            Heysk(
                kod=999999,
                ad="Ayrıntılı Harcama Programının Hazırlanması",
                tanim=(
                    "Ayrıntılı Harcama Programının Hazırlanması ve Maliye Bakanlığına Gönderilmesi"
                ),
            ),
            Heysk(
                kod=111111,
                ad="Yatırım Programlarının Hazırlanması",
                tanim="Yatırım Programlarının Hazırlanıp Başbakanlığa Gönderilmesi",
            ),
        ),
    )


def official_nihai_ustveri() -> NihaiUstveri:
    return NihaiUstveri(
        tarih=istanbul(2025, 5, 12, 14, 23, 13, 3515207),
        belge_no="1234",
        belge_imzalar=(
            Imza(
                imzalayan=GercekSahis(
                    kisi=Kisi(
                        ilk_adi="Osman",
                        soyadi="Yeşil",
                        ikinci_adi="Murat",
                        unvan="Büyükelçi",
                        on_ek="Dr.",
                    ),
                    tckn="12345678902",
                    gorev="Daire Başkanı",
                    iletisim_bilgisi=IletisimBilgisi(
                        telefon="0-312-2666666",
                        telefon_diger="0-532-4828282",
                        e_posta="om_yesil@xyz.com.tr",
                        faks="0-312-2888888",
                        web_adresi="https://www.cbddo.gov.tr/",
                        adres="T.C Cumhurbaşkanlığı Külliyesi 06560 Beştepe - Ankara",
                        il="Ankara",
                        ilce="Çankaya",
                        ulke="Türkiye",
                    ),
                ),
                yetki_devreden=GercekSahis(
                    kisi=Kisi(
                        ilk_adi="Hasan",
                        soyadi="Aydın",
                        ikinci_adi="Şaban",
                        unvan="Genel Müdür",
                        on_ek="Uzman",
                    ),
                    tckn="12345588901",
                    gorev="Genel Müdür",
                    iletisim_bilgisi=IletisimBilgisi(
                        telefon="0-312-2999999",
                        telefon_diger="0-532-4827777",
                        e_posta="iletisim@abc.com",
                        faks="0-312-2946345",
                        web_adresi="www.tuik.gov.tr",
                        adres="TUİK Necatibey Cad. No:112",
                        il="Ankara",
                        ilce="Çankaya",
                        ulke="Türkiye",
                    ),
                ),
                vekalet_veren=GercekSahis(
                    kisi=Kisi(ilk_adi="Semih", soyadi="Yılmaz", unvan="Dr."),
                    gorev="Müsteşar",
                ),
                makam="Müsteşar",
                amac="Onay",
                aciklama="İmzanın açıklaması",
                tarih=istanbul(2025, 5, 12, 14, 23, 13, 3532687),
            ),
            Imza(
                imzalayan=GercekSahis(
                    kisi=Kisi(ilk_adi="Metin", soyadi="Demir", on_ek="Dr."),
                    tckn="98787678902",
                    gorev="Şube Müdürü",
                ),
                makam="Daire",
                amac="Onay",
                aciklama="İmzanın açıklaması",
                tarih=istanbul(2025, 5, 12, 14, 23, 13, 3543800),
            ),
        ),
    )


def official_core() -> CoreProperties:
    olusturan = official_ustveri().olusturan
    assert olusturan is not None
    return CoreProperties(
        identifier=BELGE_ID,
        created=utc(2025, 5, 12, 11, 23, 13, 5551251),
        creator=creator_display_name(olusturan),
        subject="e-Yazışma Test Paketi",
        category=PackageCategory.NORMAL,
        content_type=CONTENT_TYPE_EYAZISMA,
        version="2.0",
        revision="DotNet/0.0.0.0",
        order=CORE_ORDER_NORMAL,
    )


def test_ustveri_bytes(sample: dict[str, bytes]) -> None:
    assert official_ustveri().to_xml() == sample["/Ustveri/Ustveri.xml"]


def test_nihai_ustveri_bytes(sample: dict[str, bytes]) -> None:
    assert official_nihai_ustveri().to_xml() == sample["/NihaiUstveri/NihaiUstveri.xml"]


def test_core_bytes(sample: dict[str, bytes]) -> None:
    assert official_core().to_xml() == sample[CORE_PART]


def _manifests(sample: dict[str, bytes]) -> tuple[Manifest, Manifest, Manifest]:
    """Build the three manifests exactly as the official builder orders them (§7.2)."""
    rebuilt = {
        "/Ustveri/Ustveri.xml": official_ustveri().to_xml(),
        "/NihaiUstveri/NihaiUstveri.xml": official_nihai_ustveri().to_xml(),
        CORE_PART: official_core().to_xml(),
    }

    def ref(uri: str) -> Reference:
        return Reference.for_bytes(uri, rebuilt[uri] if uri in rebuilt else sample[uri])

    signed_ekler = ["/Ekler/dosya1.pdf", "/Ekler/dosya3.docx"]
    paraf = Manifest.build(
        ManifestKind.PARAF_OZETI,
        BELGE_ID,
        [ref(u) for u in ["/Ustveri/Ustveri.xml", "/UstYazi/ustyazi.pdf", *signed_ekler]],
    )
    rebuilt["/ParafOzeti/ParafOzeti.xml"] = paraf.to_xml()
    paket_uris = [
        "/Ustveri/Ustveri.xml",
        "/UstYazi/ustyazi.pdf",
        "/ParafOzeti/ParafOzeti.xml",
        "/Paraflar/ParafImzaCades.imz",
        *signed_ekler,
    ]
    paket = Manifest.build(ManifestKind.PAKET_OZETI, BELGE_ID, [ref(u) for u in paket_uris])
    rebuilt["/PaketOzeti/PaketOzeti.xml"] = paket.to_xml()
    nihai_uris = [
        *paket_uris[:4],
        "/PaketOzeti/PaketOzeti.xml",
        "/Imzalar/ImzaCades.imz",
        "/NihaiUstveri/NihaiUstveri.xml",
        *signed_ekler,
        CORE_PART,
    ]
    nihai = Manifest.build(ManifestKind.NIHAI_OZET, BELGE_ID, [ref(u) for u in nihai_uris])
    return paraf, paket, nihai


def test_manifest_bytes(sample: dict[str, bytes]) -> None:
    paraf, paket, nihai = _manifests(sample)
    assert paraf.to_xml() == sample["/ParafOzeti/ParafOzeti.xml"]
    assert paket.to_xml() == sample["/PaketOzeti/PaketOzeti.xml"]
    assert nihai.to_xml() == sample["/NihaiOzet/NihaiOzet.xml"]


def test_manifest_from_literal_digests(sample: dict[str, bytes]) -> None:
    """The same bytes from literal digest values (no hashing involved)."""
    alg384, alg512 = DigestAlgorithm.SHA384, DigestAlgorithm.SHA512

    def r(uri: str, d384: str, d512: str) -> Reference:
        return Reference(
            uri,
            ReferenceType.DAHILI,
            (DigestItem(alg384, b64(d384)), DigestItem(alg512, b64(d512))),
        )

    paraf = Manifest(
        kind=ManifestKind.PARAF_OZETI,
        id=BELGE_ID,
        references=(
            r(
                "/Ustveri/Ustveri.xml",
                "bTp2kf5nm69xub/TCyaeYSreChONB/KjW9ZqNo3Eeds++7jPzxKYr4yH9+3zoYxJ",
                "xkUvQt67mZXqZHabBfzZN2fCPT3rdsGxI249ARxup20Qhv5hViS94Q08RCCoLaIZ7eCh+LcEpGgU2tjrLH3P9w==",
            ),
            r(
                "/UstYazi/ustyazi.pdf",
                "sphAg9+vItgkOSA3lDkTOqiVwgMbQvgdbyj1O+SXVk9AEoXAFxbNRNtvPav0nfmR",
                "2ZUXY13iNvEdjmCxiHz7jZJOSVOEcuStp1G2mgwbSV3vgbFJC69qYxNGd6u2ME5CBjUSvf8x0xDKlJDzqzTbtA==",
            ),
            r(
                "/Ekler/dosya1.pdf",
                "D3ewrkZ5wc8sGbH6XwB1UEMZcqJI9Z9SC5tLQOOTK/OoxY4tjTFkZZSDT9r0EHok",
                "lRDJNjf2uq+7kIKoAqpsPRFn9M9qAsQyEx3jpvmNOc08rF8m17Ry6PwqUJMKThyono2eg5yB7yARmGeKrD30Wg==",
            ),
            r(
                "/Ekler/dosya3.docx",
                "/F3O5tRJqX1cgbvTQHdL4bU5X6TuUGhf+C4jk8yb4KswsXLWTAjwmpBh2Pr2pFA8",
                "SaVmE9F8MnrHa5T9hq7SMma652QOUNZ2Et0wSlt2PrujFB6OLOCEAMzvG5p+JQk30y7hZ8G54xZVO3XOsnSJKQ==",
            ),
        ),
    )
    assert paraf.to_xml() == sample["/ParafOzeti/ParafOzeti.xml"]
