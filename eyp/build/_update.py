"""Update packages ``.eypg`` (Teknik Rehber 2.1; eyp.md §3.5, §10).

Build order as the official tool: GüncellemeBilgisi → OrijinalPaket (the original file's bytes,
streamed and hashed once) → core (new GUID identifier, originator from the original Üstveri,
version 2.1) → NihaiÖzet over those three → update seal (two-phase, like :class:`EypSession`).
Encrypted originals are refused.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eyp._cms_shape import inspect_signed_data
from eyp._digests import DEFAULT_DIGESTS, DigestPolicy
from eyp._names import IMZ_CONTENT_TYPE, XML_CONTENT_TYPE, ZIP_CONTENT_TYPE, Component, PackageKind
from eyp._opc import Compression, ZipWriter
from eyp._read import EypPackage
from eyp.build._common import PartsWriter
from eyp.errors import BuildError, EypError
from eyp.model import (
    CONTENT_TYPE_EYAZISMA,
    CORE_ORDER_UPDATE,
    CoreProperties,
    DotNetDateTime,
    GuncellemeBilgisi,
    Manifest,
    ManifestKind,
    PackageCategory,
    creator_display_name,
    new_guid,
)

__all__ = ["UpdateBuilder", "UpdateSession"]

DEFAULT_SUBJECT = "Gizlilik Derecesi Değiştirme"


@dataclass(frozen=True)
class UpdateBuilder:
    """What an update package contains; ``original`` is the path of the .eyp/.eypg it updates."""

    guncelleme_bilgisi: GuncellemeBilgisi
    original: Path
    identifier: str = dataclasses.field(default_factory=new_guid)
    subject: str = DEFAULT_SUBJECT
    digests: DigestPolicy = DEFAULT_DIGESTS
    revision: str = "eyazisma/0.1.0"
    core_name: tuple[str, str] | None = None

    def open(self, target: str | os.PathLike[str] | BinaryIO) -> UpdateSession:
        return UpdateSession(self, target)


def _original_kind_and_creator(path: Path) -> tuple[PackageKind | None, str | None]:
    """Kind of the original and the creator shown in the update's core (eyp.md §10)."""
    try:
        with EypPackage(path) as original:
            ustveri = original.ustveri
            if ustveri is not None and ustveri.olusturan is not None:
                return original.kind, creator_display_name(ustveri.olusturan)
            return original.kind, original.core.creator if original.core else None
    except EypError as exc:
        raise BuildError(f"{path}: the original package is unreadable: {exc}") from exc


class UpdateSession:
    """Writes an update package: content on open, then NihaiÖzet, seal, save."""

    def __init__(self, builder: UpdateBuilder, target: str | os.PathLike[str] | BinaryIO) -> None:
        original = Path(builder.original)
        extension = original.suffix.lower()
        if extension not in (".eyp", ".eypg"):
            raise BuildError(f"{original}: the original must be a .eyp or .eypg file (eyp.md §3.5)")
        kind, creator = _original_kind_and_creator(original)
        if kind is PackageKind.EYPS:
            raise BuildError(
                f"{original}: an encrypted package cannot be the original of an update"
            )
        self.identifier = builder.identifier.upper()
        self._nihai: bytes | None = None
        self._sealed = False
        self._parts = PartsWriter(ZipWriter(target), builder.digests.algorithms, Compression.AUTO)
        try:
            gb = builder.guncelleme_bilgisi.to_xml()
            self._gb_part = Component.GUNCELLEME_BILGISI.part
            self._parts.write(self._gb_part, gb, XML_CONTENT_TYPE)
            self._parts.relate(
                Component.GUNCELLEME_BILGISI.rel_id,
                Component.GUNCELLEME_BILGISI.rel_type,
                self._gb_part,
            )
            self._original_part = f"{Component.ORIJINAL_PAKET.part}OrijinalPaket{extension}"
            self._parts.write(self._original_part, original, ZIP_CONTENT_TYPE)
            self._parts.relate(
                Component.ORIJINAL_PAKET.rel_id,
                Component.ORIJINAL_PAKET.rel_type,
                self._original_part,
            )
            core = CoreProperties(
                subject=builder.subject,
                creator=creator,
                identifier=self.identifier,
                created=DotNetDateTime.now_utc(fraction_digits=7),
                category=PackageCategory(PackageKind.EYPG.value),
                content_type=CONTENT_TYPE_EYAZISMA,
                version="2.1",
                revision=builder.revision,
                order=CORE_ORDER_UPDATE,
            )
            self._core_part = self._parts.write_core(core.to_xml(), builder.core_name)
        except BaseException:
            self._parts.writer.abort()
            raise

    def nihai_ozet(self) -> bytes:
        """Write the NihaiÖzet (GüncellemeBilgisi, OrijinalPaket, core) and return it to seal."""
        if self._nihai is not None:
            raise BuildError("the NihaiÖzet of this update package was already written")
        refs = [
            self._parts.reference(p) for p in (self._gb_part, self._original_part, self._core_part)
        ]
        data = Manifest.build(ManifestKind.NIHAI_OZET, self.identifier, refs).to_xml()
        part = Component.NIHAI_OZET.part
        self._parts.write(part, data, XML_CONTENT_TYPE)
        self._parts.relate(Component.NIHAI_OZET.rel_id, Component.NIHAI_OZET.rel_type, part)
        self._nihai = data
        return data

    def add_seal(self, cms: bytes) -> None:
        """Store the update seal (one signer, P3/P4 CAdES-A over the NihaiÖzet bytes)."""
        if self._nihai is None or self._sealed:
            raise BuildError("the update seal follows the NihaiÖzet and is added once")
        shape = inspect_signed_data(cms)
        if shape.error or shape.econtent != self._nihai:
            raise BuildError(
                "the update seal must be a CMS encapsulating the NihaiÖzet bytes "
                f"({shape.error or 'content differs'})"
            )
        if shape.signer_count != 1:
            raise BuildError(
                "the update seal has exactly one signer (no serial or parallel signatures)"
            )
        self._parts.write(Component.MUHUR.part, cms, IMZ_CONTENT_TYPE)
        self._parts.relate(
            Component.MUHUR.rel_id,
            Component.MUHUR.rel_type,
            Component.MUHUR.part,
            Component.NIHAI_OZET.part,
        )
        self._sealed = True

    def save(self, *, allow_unsealed: bool = False) -> None:
        if self._nihai is None or not (self._sealed or allow_unsealed):
            raise BuildError("an update package is saved after its NihaiÖzet and seal")
        self._parts.finish()

    def abort(self) -> None:
        self._parts.writer.abort()

    def __enter__(self) -> UpdateSession:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:
            self.abort()
