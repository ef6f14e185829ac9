"""Small, valid package content for tests, benchmarks and examples.

One place that knows how to make a minimal 2.x Üstveri (one recipient, an originating body, the
verification address) and a NihaiÜstveri with one signer, so tests and benchmarks do not each
carry their own copy.
"""

from __future__ import annotations

from eyp.model import (
    Dagitim,
    DagitimTuru,
    DogrulamaBilgisi,
    DotNetDateTime,
    GercekSahis,
    GuvenlikKodu,
    Imza,
    Ivedilik,
    Kisi,
    KurumKurulus,
    NihaiUstveri,
    Ustveri,
    new_guid,
)

__all__ = ["KKK_RECIPIENT", "KKK_SENDER", "minimal_nihai_ustveri", "minimal_ustveri"]

KKK_SENDER = "82223362"
KKK_RECIPIENT = "24301050"
DOGRULAMA_ADRESI = "https://www.turkiye.gov.tr/belge-dogrulama"


def minimal_ustveri(konu: str = "Test yazısı") -> Ustveri:
    """A valid 2.x Üstveri: new BelgeId, one GRG recipient, no Ekler yet."""
    return Ustveri(
        belge_id=new_guid(),
        konu=konu,
        guvenlik_kodu=GuvenlikKodu.YOK,
        mime_turu="application/pdf",
        dagitim_listesi=(
            Dagitim(
                party=KurumKurulus(kkk=KKK_RECIPIENT, adi="Adalet Bakanlığı"),
                ivedilik=Ivedilik.NRM,
                dagitim_turu=DagitimTuru.GRG,
            ),
        ),
        olusturan=KurumKurulus(kkk=KKK_SENDER, adi="Örnek Kurum"),
        dosya_adi="ustyazi.pdf",
        dogrulama_bilgisi=DogrulamaBilgisi(DOGRULAMA_ADRESI),
    )


def minimal_nihai_ustveri(belge_no: str = "E-82223362-010-1") -> NihaiUstveri:
    """A NihaiÜstveri dated now with one signer."""
    return NihaiUstveri(
        tarih=DotNetDateTime.now_local(),
        belge_no=belge_no,
        belge_imzalar=(Imza(imzalayan=GercekSahis(kisi=Kisi(ilk_adi="Ayşe", soyadi="Yılmaz"))),),
    )
