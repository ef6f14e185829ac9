"""Parties and signer records of the Tipler schema (spec/eyp.md §5.2, §5.10, §6).

A *party* is the choice KurumKurulus | GercekSahis | TuzelSahis used by Olusturan, Ilgili,
Dagitim and Hedef. 1.x-only fields (``byk``, ``tcyk``) are ``None`` in 2.x data.
"""

from __future__ import annotations

import dataclasses

from eyp.model._base import ModelBase, Problem, RawText, raw_problems
from eyp.model._datetime import DotNetDateTime
from eyp.model._values import kkk_problem, tckn_problem

__all__ = [
    "GercekSahis",
    "Identifier",
    "IletisimBilgisi",
    "Imza",
    "Kisi",
    "KurumKurulus",
    "Party",
    "TuzelSahis",
    "creator_display_name",
]


@dataclasses.dataclass(frozen=True)
class Identifier(ModelBase):
    """UN/CEFACT IdentifierType: a value with its ``schemeID`` (OzId, TuzelSahis/Id; §4)."""

    value: str
    scheme_id: str | None = None
    _xml_name = "Id"

    def _own_problems(self, path: str) -> list[Problem]:
        if not self.value.strip():
            return [Problem(path, "identifier value is empty")]
        if not self.scheme_id:
            return [Problem(f"{path}/@schemeID", "schemeID is mandatory for this identifier")]
        return []


@dataclasses.dataclass(frozen=True, kw_only=True)
class IletisimBilgisi(ModelBase):
    """Contact data (§5.2); every item optional, written in this order. KepAdresi is 2.x."""

    telefon: str | None = None
    telefon_diger: str | None = None
    e_posta: str | None = None
    kep_adresi: str | None = None
    faks: str | None = None
    web_adresi: str | None = None
    adres: str | None = None
    il: str | None = None
    ilce: str | None = None
    ulke: str | None = None
    _xml_name = "IletisimBilgisi"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Kisi(ModelBase):
    """A person's name parts (§5.2)."""

    ilk_adi: str
    soyadi: str
    ikinci_adi: str | None = None
    unvan: str | None = None
    on_ek: str | None = None
    _xml_name = "Kisi"

    def _own_problems(self, path: str) -> list[Problem]:
        return [
            Problem(f"{path}/{name}", "must not be empty")
            for name, value in (("IlkAdi", self.ilk_adi), ("Soyadi", self.soyadi))
            if not value.strip()
        ]

    @property
    def tam_adi(self) -> str:
        """Full name as the official API builds it: OnEk Unvan IlkAdi IkinciAdi Soyadi (§6)."""
        parts = (self.on_ek, self.unvan, self.ilk_adi, self.ikinci_adi, self.soyadi)
        return " ".join(p for p in parts if p)


@dataclasses.dataclass(frozen=True, kw_only=True)
class KurumKurulus(ModelBase):
    """A public body identified by its DETSİS code (§5.2). ``byk`` exists only in 1.x."""

    kkk: str
    adi: str | None = None
    iletisim_bilgisi: IletisimBilgisi | None = None
    birim_kkk: str | None = None
    byk: str | None = None
    _xml_name = "KurumKurulus"
    _is_choice = True

    def _own_problems(self, path: str) -> list[Problem]:
        out = []
        for name, value in (("KKK", self.kkk), ("BirimKKK", self.birim_kkk)):
            why = None if value is None else kkk_problem(value)
            if why:
                out.append(Problem(f"{path}/{name}", why))
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class GercekSahis(ModelBase):
    """A natural person (§5.2)."""

    kisi: Kisi
    tckn: str | None = None
    gorev: str | None = None
    iletisim_bilgisi: IletisimBilgisi | None = None
    _xml_name = "GercekSahis"
    _is_choice = True

    def _own_problems(self, path: str) -> list[Problem]:
        why = None if self.tckn is None else tckn_problem(self.tckn)
        return [Problem(f"{path}/TCKN", why)] if why else []


@dataclasses.dataclass(frozen=True, kw_only=True)
class TuzelSahis(ModelBase):
    """A legal entity; ``id.scheme_id`` is MERSIS, VBYS, DERBIS, PARBIS or SENBIS (§4)."""

    id: Identifier
    adi: str | None = None
    iletisim_bilgisi: IletisimBilgisi | None = None
    _xml_name = "TuzelSahis"
    _is_choice = True


#: The party choice of Olusturan / Ilgili / Dagitim / Hedef.
Party = KurumKurulus | GercekSahis | TuzelSahis


def creator_display_name(party: Party) -> str:
    """The core ``creator`` value the official API derives from Olusturan (§6).

    Public body: ``"<Adi>/<KKK>"`` (only KKK without a name); legal entity: its name, otherwise
    ``"<schemeID>:<Id>"``; person: the non-empty items of [TCKN, Gorev, full name] joined by
    commas.
    """
    if isinstance(party, KurumKurulus):
        return f"{party.adi}/{party.kkk}" if party.adi else party.kkk
    if isinstance(party, TuzelSahis):
        if party.adi:
            return party.adi
        return f"{party.id.scheme_id}:{party.id.value}" if party.id.scheme_id else party.id.value
    items = (party.tckn, party.gorev, party.kisi.tam_adi)
    return ",".join(i for i in items if i)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Imza(ModelBase):
    """A signer record (§5.2; NihaiÜstveri/BelgeImzalar, 1.x BelgeImza). ``tcyk`` is 1.x."""

    imzalayan: GercekSahis
    yetki_devreden: GercekSahis | None = None
    vekalet_veren: GercekSahis | None = None
    makam: str | None = None
    amac: str | None = None
    aciklama: str | None = None
    tarih: DotNetDateTime | RawText | None = None
    tcyk: str | None = None
    _xml_name = "Imza"

    def _own_problems(self, path: str) -> list[Problem]:
        return raw_problems(path, Tarih=self.tarih)
