"""Üstveri and its parts (spec/eyp.md §5.1, §5.2; 1.x differences §5.10).

One class serves both generations: ``Ustveri.generation`` selects the namespace and which
elements are allowed (1.x has ``tarih``/``belge_no`` and no SdpBilgisi, HeyskListesi,
DogrulamaBilgisi).
"""

from __future__ import annotations

import dataclasses

from eyp.model._base import (
    Generation,
    ModelBase,
    NsStyle,
    Problem,
    RawText,
    raw_problems,
    require,
)
from eyp.model._datetime import DotNetDateTime
from eyp.model._enums import DagitimTuru, DigestAlgorithm, EkTuru, GuvenlikKodu, Ivedilik
from eyp.model._parties import Identifier, Party
from eyp.model._values import Duration, guid_problem

__all__ = [
    "Dagitim",
    "DogrulamaBilgisi",
    "Ek",
    "Heysk",
    "Ilgi",
    "Ozet",
    "Sdp",
    "SdpBilgisi",
    "Ustveri",
]


def _guid_problems(path: str, **values: str | None) -> list[Problem]:
    out = []
    for name, value in values.items():
        why = None if value is None else guid_problem(value)
        if why:
            out.append(Problem(f"{path}/{name}", why))
    return out


def _enum_problems(path: str, name: str, value: object, cls: type) -> list[Problem]:
    if value is None or isinstance(value, cls | RawText):
        return []
    return [Problem(f"{path}/{name}", f"must be a {cls.__name__}, got {value!r}")]


@dataclasses.dataclass(frozen=True)
class Ozet(ModelBase):
    """Digest of an external (HRF) attachment: ``OzetAlgoritmasi/@Algorithm`` + ``OzetDegeri``."""

    algorithm: DigestAlgorithm | RawText
    value: bytes | RawText
    _xml_name = "Ozet"

    def _own_problems(self, path: str) -> list[Problem]:
        out = raw_problems(path, OzetAlgoritmasi=self.algorithm, OzetDegeri=self.value)
        if isinstance(self.value, bytes) and not self.value:
            out.append(Problem(f"{path}/OzetDegeri", "digest value is empty"))
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ek(ModelBase):
    """An attachment (§5.2). ``id`` is ``Id/@Value``; DED needs dosya_adi and mime_turu."""

    id: str
    tur: EkTuru | RawText
    sira_no: int | RawText
    eyazisma_id_mi: bool | RawText | None = None
    belge_no: str | None = None
    dosya_adi: str | None = None
    mime_turu: str | None = None
    ad: str | None = None
    aciklama: str | None = None
    referans: str | None = None
    oz_id: Identifier | None = None
    imzali_mi: bool | RawText | None = None
    ozet: Ozet | None = None
    _xml_name = "Ek"

    def _own_problems(self, path: str) -> list[Problem]:
        out = _guid_problems(path, **{"Id/@Value": self.id})
        out += _enum_problems(path, "Tur", self.tur, EkTuru)
        out += raw_problems(path, Tur=self.tur, SiraNo=self.sira_no, ImzaliMi=self.imzali_mi)
        out += raw_problems(path, **{"Id/@EYazismaIdMi": self.eyazisma_id_mi})
        if isinstance(self.sira_no, int) and self.sira_no < 1:
            out.append(Problem(f"{path}/SiraNo", f"must be at least 1, got {self.sira_no}"))
        if self.tur is EkTuru.DED:
            out += require(path, DosyaAdi=self.dosya_adi, MimeTuru=self.mime_turu)
        elif self.tur is EkTuru.HRF:
            out += require(path, Referans=self.referans)
        if self.tur in (EkTuru.HRF, EkTuru.FZK) and self.imzali_mi is True:
            out.append(
                Problem(f"{path}/ImzaliMi", f"a {self.tur.text} attachment cannot be signed")
            )
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ilgi(ModelBase):
    """A referenced earlier document (§5.2); ``etiket`` is the label a, b, c…"""

    id: str
    etiket: str
    eyazisma_id_mi: bool | RawText | None = None
    belge_no: str | None = None
    tarih: DotNetDateTime | RawText | None = None
    ek_id: str | None = None
    ad: str | None = None
    aciklama: str | None = None
    oz_id: Identifier | None = None
    _xml_name = "Ilgi"

    def _own_problems(self, path: str) -> list[Problem]:
        out = _guid_problems(path, **{"Id/@Value": self.id, "EkId": self.ek_id})
        out += raw_problems(path, Tarih=self.tarih, **{"Id/@EYazismaIdMi": self.eyazisma_id_mi})
        if not self.etiket.strip():
            out.append(Problem(f"{path}/Etiket", "must not be empty"))
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class Dagitim(ModelBase):
    """One recipient (§5.2): party, urgency, kind, optional deadline, attachments left out."""

    party: Party | None
    ivedilik: Ivedilik | RawText
    dagitim_turu: DagitimTuru | RawText
    miat: Duration | RawText | None = None
    konulmamis_ek_listesi: tuple[str, ...] = ()
    _xml_name = "Dagitim"

    def _own_problems(self, path: str) -> list[Problem]:
        out = []
        if self.party is None:
            out.append(Problem(path, "one of KurumKurulus, GercekSahis, TuzelSahis is required"))
        out += _enum_problems(path, "Ivedilik", self.ivedilik, Ivedilik)
        out += _enum_problems(path, "DagitimTuru", self.dagitim_turu, DagitimTuru)
        out += raw_problems(
            path, Ivedilik=self.ivedilik, DagitimTuru=self.dagitim_turu, Miat=self.miat
        )
        if self.ivedilik is Ivedilik.GNL and self.miat is None:
            out.append(Problem(f"{path}/Miat", "Ivedilik GNL requires a Miat"))
        for i, ek_id in enumerate(self.konulmamis_ek_listesi, start=1):
            out += _guid_problems(path, **{f"KonulmamisEkListesi/KonulmamisEk[{i}]/EkId": ek_id})
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class Sdp(ModelBase):
    """A filing-plan code (§5.2): Kod ``NNN(.NN){0,3}``, Ad, optional Aciklama."""

    kod: str
    ad: str
    aciklama: str | None = None
    _xml_name = "Sdp"


@dataclasses.dataclass(frozen=True, kw_only=True)
class SdpBilgisi(ModelBase):
    """Main filing-plan code plus others (``DigerSdpler`` may be absent or empty)."""

    ana_sdp: Sdp
    diger_sdpler: tuple[Sdp, ...] | None = None
    _xml_name = "SdpBilgisi"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Heysk(ModelBase):
    """A retention/activity code (§5.2); Kod is a non-zero int."""

    kod: int | RawText
    ad: str
    tanim: str | None = None
    _xml_name = "Heysk"

    def _own_problems(self, path: str) -> list[Problem]:
        out = raw_problems(path, Kod=self.kod)
        if self.kod == 0:
            out.append(Problem(f"{path}/Kod", "must not be 0"))
        return out


@dataclasses.dataclass(frozen=True)
class DogrulamaBilgisi(ModelBase):
    """Verification address of the document (2.x, §5.1)."""

    dogrulama_adresi: str
    _xml_name = "DogrulamaBilgisi"

    def _own_problems(self, path: str) -> list[Problem]:
        if not self.dogrulama_adresi.strip():
            return [Problem(f"{path}/DogrulamaAdresi", "must not be empty")]
        return []


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ustveri(ModelBase):
    """The Üstveri component (§5.1, 1.x §5.10). Parse with :meth:`from_xml`, write with
    :meth:`to_xml` (official layout by default, see :class:`NsStyle`)."""

    belge_id: str
    konu: str
    guvenlik_kodu: GuvenlikKodu | RawText
    mime_turu: str | None
    dagitim_listesi: tuple[Dagitim, ...]
    olusturan: Party | None
    dosya_adi: str | None
    dogrulama_bilgisi: DogrulamaBilgisi | None = None
    guvenlik_kodu_gecerlilik_tarihi: DotNetDateTime | RawText | None = None
    oz_id: Identifier | None = None
    ekler: tuple[Ek, ...] = ()
    ilgiler: tuple[Ilgi, ...] = ()
    dil: str | None = None
    ilgili_listesi: tuple[Party, ...] = ()
    sdp_bilgisi: SdpBilgisi | None = None
    heysk_listesi: tuple[Heysk, ...] = ()
    tarih: DotNetDateTime | RawText | None = None
    belge_no: str | None = None
    generation: Generation = Generation.V2
    style: NsStyle = dataclasses.field(default=NsStyle.PER_CHILD, compare=False)
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "UstVeri"

    def _path_name(self) -> str:
        return "UstVeri" if self.generation is Generation.V2 else "Ustveri"

    def _own_problems(self, path: str) -> list[Problem]:
        out = _guid_problems(path, BelgeId=self.belge_id)
        out += _enum_problems(path, "GuvenlikKodu", self.guvenlik_kodu, GuvenlikKodu)
        out += raw_problems(
            path,
            GuvenlikKodu=self.guvenlik_kodu,
            Tarih=self.tarih,
            GuvenlikKoduGecerlilikTarihi=self.guvenlik_kodu_gecerlilik_tarihi,
        )
        out += require(
            path, MimeTuru=self.mime_turu, Olusturan=self.olusturan, DosyaAdi=self.dosya_adi
        )
        if not self.konu.strip():
            out.append(Problem(f"{path}/Konu", "must not be empty"))
        if not self.dagitim_listesi:
            out.append(Problem(f"{path}/DagitimListesi", "at least one Dagitim is required"))
        gen = self.generation
        if isinstance(self.guvenlik_kodu, GuvenlikKodu) and not self.guvenlik_kodu.allowed_in(gen):
            out.append(
                Problem(
                    f"{path}/GuvenlikKodu",
                    f"{self.guvenlik_kodu.text} is not a {gen.value}.x value",
                )
            )
        for i, d in enumerate(self.dagitim_listesi, start=1):
            if isinstance(d.ivedilik, Ivedilik) and not d.ivedilik.allowed_in(gen):
                out.append(
                    Problem(
                        f"{path}/DagitimListesi/Dagitim[{i}]/Ivedilik",
                        f"{d.ivedilik.text} is not a {gen.value}.x value",
                    )
                )
        if gen is Generation.V2:
            out += require(path, DogrulamaBilgisi=self.dogrulama_bilgisi)
            for name, value in (("Tarih", self.tarih), ("BelgeNo", self.belge_no)):
                if value is not None:
                    out.append(Problem(f"{path}/{name}", "1.x element not allowed in 2.x"))
        else:
            out += require(path, Tarih=self.tarih, BelgeNo=self.belge_no)
            for name, v in (
                ("SdpBilgisi", self.sdp_bilgisi),
                ("HeyskListesi", self.heysk_listesi),
                ("DogrulamaBilgisi", self.dogrulama_bilgisi),
            ):
                if v:
                    out.append(Problem(f"{path}/{name}", "2.x element not allowed in 1.x"))
        return out

    def to_xml(self) -> bytes:
        """Serialize following the official profile (§2.2)."""
        from eyp.model._codec_ustveri import write_ustveri  # lazy: the codec imports this module

        return write_ustveri(self)

    @classmethod
    def from_xml(
        cls, data: bytes, *, part: str = "/Ustveri/Ustveri.xml", strict: bool = False
    ) -> Ustveri:
        """Parse 2.x (``UstVeri``) or 1.x (``Ustveri``); see the package docs for ``strict``."""
        from eyp.model._read_ustveri import read_ustveri

        return read_ustveri(data, part, strict)
