"""NihaiÜstveri (2.x), BelgeHedef (both generations) and BelgeImza (1.x) — spec/eyp.md §5.3,
§5.5, §5.10."""

from __future__ import annotations

import dataclasses

from eyp.model._base import Generation, ModelBase, Problem, RawText, raw_problems
from eyp.model._datetime import DotNetDateTime
from eyp.model._parties import Imza, Party

__all__ = ["BelgeHedef", "BelgeImza", "NihaiUstveri"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class NihaiUstveri(ModelBase):
    """Final metadata (2.x): document date, registry number and every signer (§5.3)."""

    tarih: DotNetDateTime | RawText | None
    belge_no: str | None
    belge_imzalar: tuple[Imza, ...]
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "NihaiUstVeri"

    def _own_problems(self, path: str) -> list[Problem]:
        out = raw_problems(path, Tarih=self.tarih)
        if self.tarih is None:
            out.append(Problem(f"{path}/Tarih", "mandatory element is missing"))
        if not self.belge_no:
            out.append(Problem(f"{path}/BelgeNo", "mandatory element is missing or empty"))
        if not self.belge_imzalar:
            out.append(Problem(f"{path}/BelgeImzalar", "at least one Imza is required"))
        return out

    def to_xml(self) -> bytes:
        """Serialize in the official layout (``tipler:`` prefixes, §2.2)."""
        from eyp.model._codec_nihai import write_nihai_ustveri  # lazy: codec imports us

        return write_nihai_ustveri(self)

    @classmethod
    def from_xml(
        cls, data: bytes, *, part: str = "/NihaiUstveri/NihaiUstveri.xml", strict: bool = False
    ) -> NihaiUstveri:
        """Parse a NihaiÜstveri part."""
        from eyp.model._codec_nihai import read_nihai_ustveri

        return read_nihai_ustveri(data, part, strict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BelgeHedef(ModelBase):
    """Addressees (§5.5): 2.x only in encrypted packages, mandatory in 1.x normal packages."""

    hedef_listesi: tuple[Party, ...]
    generation: Generation = Generation.V2
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "BelgeHedef"

    def _own_problems(self, path: str) -> list[Problem]:
        if not self.hedef_listesi:
            return [Problem(f"{path}/HedefListesi", "at least one Hedef is required")]
        return []

    def to_xml(self) -> bytes:
        """Serialize in the official layout (``tipler:`` prefixes)."""
        from eyp.model._codec_nihai import write_belge_hedef

        return write_belge_hedef(self)

    @classmethod
    def from_xml(
        cls, data: bytes, *, part: str = "/BelgeHedef/BelgeHedef.xml", strict: bool = False
    ) -> BelgeHedef:
        """Parse a 2.x or 1.x BelgeHedef part."""
        from eyp.model._codec_nihai import read_belge_hedef

        return read_belge_hedef(data, part, strict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BelgeImza(ModelBase):
    """1.x signer metadata ``/Imzalar/BelgeImza.xml`` (§3.2, §5.10)."""

    imza_listesi: tuple[Imza, ...]
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "BelgeImza"

    def _own_problems(self, path: str) -> list[Problem]:
        if not self.imza_listesi:
            return [Problem(f"{path}/ImzaListesi", "at least one Imza is required")]
        return []

    @property
    def generation(self) -> Generation:
        return Generation.V1

    def to_xml(self) -> bytes:
        """Serialize like the 1.x producers (``tipler:`` prefixes)."""
        from eyp.model._codec_nihai import write_belge_imza

        return write_belge_imza(self)

    @classmethod
    def from_xml(
        cls, data: bytes, *, part: str = "/Imzalar/BelgeImza.xml", strict: bool = False
    ) -> BelgeImza:
        """Parse a 1.x BelgeImza part."""
        from eyp.model._codec_nihai import read_belge_imza

        return read_belge_imza(data, part, strict)
