"""Reading packages of the three kinds (eyp.md §3, §6): a read-only :class:`EypPackage` view.

Components are found through relationships (never fixed paths). Parsed components are cached;
large parts (ÜstYazı, Ekler, encrypted content, OrijinalPaket) are only ever streamed.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any, BinaryIO

from eyp._locate import Located, locate
from eyp._names import Component, PackageKind
from eyp._opc import OpcPackage, PartName, ZipLimits
from eyp._opc._zipread import PackageSource
from eyp.errors import EypError, PackageFormatError
from eyp.model import (
    BelgeHedef,
    CoreProperties,
    GuncellemeBilgisi,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    PackageCategory,
    SifreliIcerikBilgisi,
    Ustveri,
)

__all__ = ["EypPackage", "PartInfo"]

_MANIFESTS = {
    ManifestKind.PARAF_OZETI: Component.PARAF_OZETI,
    ManifestKind.PAKET_OZETI: Component.PAKET_OZETI,
    ManifestKind.NIHAI_OZET: Component.NIHAI_OZET,
}


@dataclass(frozen=True)
class PartInfo:
    name: str
    size: int
    content_type: str | None
    component: str | None


class EypPackage:
    """An opened package; use as a context manager."""

    def __init__(self, source: PackageSource, limits: ZipLimits | None = None) -> None:
        self.opc = OpcPackage(source, limits)
        self._rels = locate(self.opc)

    def close(self) -> None:
        self.opc.close()

    def __enter__(self) -> EypPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- components ----------------------------------------------------------------------------
    def locate(self, component: Component, source: PartName | None = None) -> list[Located]:
        rels = self._rels if source is None else locate(self.opc, source)
        return [r for r in rels if r.component is component and r.part is not None]

    def part_of(self, component: Component, source: PartName | None = None) -> PartName | None:
        found = self.locate(component, source)
        return found[0].part if found else None

    def read(self, part: str) -> bytes:
        return self.opc.read(part)

    def open_part(self, part: str) -> BinaryIO:
        return self.opc.open(part)

    @functools.cached_property
    def core(self) -> CoreProperties | None:
        for loc in self._rels:
            if loc.component is None and loc.part is not None:
                return CoreProperties.from_xml(self.read(loc.part), part=loc.part)
        return None

    @property
    def kind(self) -> PackageKind | None:
        core = self.core
        if core is not None and isinstance(core.category, PackageCategory):
            return PackageKind(core.category.text)
        for component, kind in (
            (Component.USTVERI, PackageKind.EYP),
            (Component.SIFRELI_ICERIK, PackageKind.EYPS),
            (Component.ORIJINAL_PAKET, PackageKind.EYPG),
        ):
            if self.locate(component):
                return kind
        return None

    @property
    def version(self) -> str | None:
        return self.core.version if self.core else None

    def _xml(self, component: Component, parser: Any) -> Any:
        part = self.part_of(component)
        return None if part is None else parser(self.read(part), part=part)

    @functools.cached_property
    def ustveri(self) -> Ustveri | None:
        return self._xml(Component.USTVERI, Ustveri.from_xml)  # type: ignore[no-any-return]

    @functools.cached_property
    def nihai_ustveri(self) -> NihaiUstveri | None:
        return self._xml(Component.NIHAI_USTVERI, NihaiUstveri.from_xml)  # type: ignore[no-any-return]

    @functools.cached_property
    def belge_hedef(self) -> BelgeHedef | None:
        return self._xml(Component.BELGE_HEDEF, BelgeHedef.from_xml)  # type: ignore[no-any-return]

    @functools.cached_property
    def sifreli_icerik_bilgisi(self) -> SifreliIcerikBilgisi | None:
        return self._xml(Component.SIFRELI_ICERIK_BILGISI, SifreliIcerikBilgisi.from_xml)  # type: ignore[no-any-return]

    @functools.cached_property
    def guncelleme_bilgisi(self) -> GuncellemeBilgisi | None:
        return self._xml(Component.GUNCELLEME_BILGISI, GuncellemeBilgisi.from_xml)  # type: ignore[no-any-return]

    def manifest(self, kind: ManifestKind) -> Manifest | None:
        part = self.part_of(_MANIFESTS[kind])
        return None if part is None else Manifest.from_xml(self.read(part), part=part, kind=kind)

    @property
    def belge_id(self) -> str | None:
        if self.kind is PackageKind.EYP and self.ustveri is not None:
            return self.ustveri.belge_id
        nihai = self.manifest(ManifestKind.NIHAI_OZET) if self.kind is not PackageKind.EYP else None
        if nihai is not None and self.kind is PackageKind.EYPS:
            return nihai.id
        return self.core.identifier if self.core else None

    # -- large content -------------------------------------------------------------------------
    def _stream_of(self, component: Component, what: str) -> BinaryIO:
        part = self.part_of(component)
        if part is None:
            raise PackageFormatError(f"{self.opc.description}: the package has no {what}")
        return self.opc.open(part)

    def open_encrypted_content(self) -> BinaryIO:
        """Stream the ``/SifreliIcerik/<GUID>`` part of an ``.eyps`` (opaque CMS bytes)."""
        return self._stream_of(Component.SIFRELI_ICERIK, "encrypted content (Şifreliİçerik)")

    def open_original_package(self) -> BinaryIO:
        """Stream the embedded OrijinalPaket of an ``.eypg``."""
        return self._stream_of(Component.ORIJINAL_PAKET, "OrijinalPaket")

    def open_signature(self, component: Component) -> bytes | None:
        """Bytes of a signature part (PARAF_IMZA, IMZA, MUHUR) found through its manifest."""
        manifest = {
            Component.PARAF_IMZA: Component.PARAF_OZETI,
            Component.IMZA: Component.PAKET_OZETI,
            Component.MUHUR: Component.NIHAI_OZET,
        }[component]
        source = self.part_of(manifest)
        part = self.part_of(component, source) if source is not None else None
        return None if part is None else self.read(part)

    def parts(self) -> list[PartInfo]:
        names: dict[str, str] = {}
        for loc in self._rels:
            if loc.part is not None:
                names[loc.part.key()] = loc.component.name if loc.component else "CORE"
                for sub in locate(self.opc, loc.part):
                    if sub.part is not None and sub.component is not None:
                        names[sub.part.key()] = sub.component.name
        return [
            PartInfo(str(p), self.opc.zip.size(p), self.opc.content_type(p), names.get(p.key()))
            for p in self.opc.parts()
        ]

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary for ``eyazisma inspect``."""
        try:
            ustveri = self.ustveri
        except EypError:
            ustveri = None
        kind = self.kind
        data: dict[str, Any] = {
            "kind": kind.label if kind else None,
            "version": self.version,
            "belge_id": self.belge_id,
            "identifier": self.core.identifier if self.core else None,
            "konu": ustveri.konu if ustveri else None,
            "creator": self.core.creator if self.core else None,
            "parts": [p.__dict__ for p in self.parts()],
            "manifests": {},
        }
        for kind_ in ManifestKind:
            try:
                manifest = self.manifest(kind_)
            except EypError:
                manifest = None
            if manifest is not None:
                data["manifests"][kind_.root_name] = list(manifest.uris)
        if ustveri is not None:
            data["ekler"] = [
                {
                    "id": e.id,
                    "tur": str(getattr(e.tur, "text", e.tur)),
                    "dosya_adi": e.dosya_adi,
                    "imzali_mi": e.imzali_mi if isinstance(e.imzali_mi, bool) else None,
                    "ad": e.ad,
                }
                for e in ustveri.ekler
            ]
            data["dagitim"] = [
                str(getattr(d.party, "kkk", None) or getattr(d.party, "tckn", None) or "")
                for d in ustveri.dagitim_listesi
            ]
        nihai = None
        with contextlib.suppress(EypError):
            nihai = self.nihai_ustveri
        if nihai is not None:
            data["belge_no"] = nihai.belge_no
            data["tarih"] = str(nihai.tarih) if nihai.tarih is not None else None
        data["signatures"] = {
            c.name.lower(): (len(sig) if (sig := self._safe_signature(c)) is not None else None)
            for c in (Component.PARAF_IMZA, Component.IMZA, Component.MUHUR)
        }
        return data

    def _safe_signature(self, component: Component) -> bytes | None:
        try:
            return self.open_signature(component)
        except EypError:
            return None
