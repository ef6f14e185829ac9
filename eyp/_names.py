"""Fixed names of EYP components: relationship types, Ids, part names, content types.

Teknik Rehber 2.0 package anatomy as digested in eyp.md §3 (normal 2.x: §3.1, 1.x: §3.2,
encrypted: §3.3–3.4, update: §3.5) and core properties §6.
"""

from __future__ import annotations

import enum

__all__ = ["CORE_REL_TYPE", "REL_PREFIX", "Component", "PackageKind"]

REL_PREFIX = "http://eyazisma.dpt/iliskiler/"
CORE_REL_TYPE = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
)
CORE_CONTENT_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
RELS_CONTENT_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
XML_CONTENT_TYPE = "application/xml"
IMZ_CONTENT_TYPE = "application/octet-stream"
PKCS7_MIME = "application/pkcs7-mime"
ZIP_CONTENT_TYPE = "application/x-zip-compressed"
CORE_FOLDER = "/package/services/metadata/core-properties/"
EYAZISMA_CONTENT_TYPE = "application/eyazisma"


class PackageKind(enum.Enum):
    """The three package kinds, by the core ``category`` property (eyp.md §1.1)."""

    EYP = "RESMIYAZISMA"
    EYPS = "RESMIYAZISMA/SIFRELI"
    EYPG = "RESMIYAZISMA/GUNCELLEME"

    @property
    def extension(self) -> str:
        return {"EYP": ".eyp", "EYPS": ".eyps", "EYPG": ".eypg"}[self.name]

    @property
    def label(self) -> str:
        """Lower-case short name used in reports: ``eyp``, ``eyps``, ``eypg``."""
        return self.name.lower()


class Component(enum.Enum):
    """Every component: (relationship suffix, relationship Id, canonical part name or folder)."""

    USTYAZI = ("ustyazi", "IdUstYazi", "/UstYazi/")
    USTVERI = ("ustveri", "IdUstveri", "/Ustveri/Ustveri.xml")
    EK = ("ek", "IdEk_", "/Ekler/")
    IMZASIZ_EK = ("imzasizEk", "IdImzasizEk_", "/ImzasizEkler/")
    PARAF_OZETI = ("parafozeti", "IdParafOzeti", "/ParafOzeti/ParafOzeti.xml")
    PARAF_IMZA = ("parafimzacades", "IdParafImzaCades", "/Paraflar/ParafImzaCades.imz")
    PAKET_OZETI = ("paketozeti", "IdPaketOzeti", "/PaketOzeti/PaketOzeti.xml")
    IMZA = ("imzacades", "IdImzaCades", "/Imzalar/ImzaCades.imz")
    NIHAI_USTVERI = ("nihaiustveri", "IdNihaiUstveri", "/NihaiUstveri/NihaiUstveri.xml")
    NIHAI_OZET = ("nihaiozet", "IdNihaiOzet", "/NihaiOzet/NihaiOzet.xml")
    MUHUR = ("muhurcades", "IdMuhurCades", "/Muhur/MuhurCades.imz")
    BELGE_HEDEF = ("belgehedef", "IdBelgeHedef", "/BelgeHedef/BelgeHedef.xml")
    BELGE_IMZA = ("belgeimza", "IdBelgeImza", "/Imzalar/BelgeImza.xml")
    SIFRELI_ICERIK = ("sifreliicerik", "IdSifreliIcerik", "/SifreliIcerik/")
    SIFRELI_ICERIK_BILGISI = (
        "sifreliicerikbilgisi",
        "IdSifreliIcerikBilgisi",
        "/SifreliIcerikBilgisi/SifreliIcerikBilgisi.xml",
    )
    GUNCELLEME_BILGISI = (
        "guncellemebilgisi",
        "IdGuncellemeBilgisi",
        "/GuncellemeBilgisi/GuncellemeBilgisi.xml",
    )
    ORIJINAL_PAKET = ("orijinalpaket", "IdOrijinalPaket", "/OrijinalPaket/")

    @property
    def rel_type(self) -> str:
        return REL_PREFIX + self.value[0]

    @property
    def rel_id(self) -> str:
        return self.value[1]

    @property
    def part(self) -> str:
        """Canonical part name (or folder, ending in ``/``, for file-named components)."""
        return self.value[2]

    @classmethod
    def from_rel_type(cls, rel_type: str) -> tuple[Component | None, bool]:
        """The component of a relationship type and whether the spelling was exact.

        Matching is case-insensitive (third-party producers write ``PaketOzeti``; eyp.md §14.7).
        """
        for member in cls:
            if member.rel_type == rel_type:
                return member, True
        lowered = rel_type.casefold()
        for member in cls:
            if member.rel_type.casefold() == lowered:
                return member, False
        return None, False


#: 1.x seal folder (eyp.md §3.2).
MUHUR_V1_PART = "/Muhurler/MuhurCades.imz"
