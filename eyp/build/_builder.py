"""Immutable builder of normal 2.0 packages (Teknik Rehber 2.0; eyp.md §1.2, §3.1, §7, §11).

:class:`EypBuilder` is a frozen description of the package content — Üstveri, ÜstYazı, Ek files,
digest policy — where every ``with_*`` returns a new builder. :meth:`EypBuilder.open` checks the
creation rules of eyp.md §11 and starts an :class:`~eyp.build.EypSession` that writes the
package in lifecycle order and hands out the exact bytes to sign at each signing step.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from eyp._digests import DEFAULT_DIGESTS, DigestPolicy
from eyp._filenames import part_file_name, unique_file_name
from eyp._opc import Compression
from eyp.build._inputs import FileInput
from eyp.errors import BuildError, EypError
from eyp.model import (
    DigestAlgorithm,
    Ek,
    EkTuru,
    Generation,
    Reference,
    ReferenceType,
    Ustveri,
    normalize_guid,
)

if TYPE_CHECKING:
    from eyp.build._session import EypSession

__all__ = ["EypBuilder", "PlannedEk"]

_PRODUCER = "eyazisma/0.1.0"


@dataclass(frozen=True)
class PlannedEk:
    """An Ek with a file: the final Ek model and where its bytes go."""

    ek: Ek
    file: FileInput
    part: str

    @property
    def signed(self) -> bool:
        return self.ek.imzali_mi is True


@dataclass(frozen=True)
class EypBuilder:
    """What a normal package will contain. Immutable: each ``with_*`` returns a new builder."""

    ustveri: Ustveri
    ust_yazi: FileInput | None = None
    ek_files: tuple[tuple[str, FileInput], ...] = ()
    digests: DigestPolicy = DEFAULT_DIGESTS
    #: Caller-added references to components outside the package (PaketÖzeti only, eyp.md §7.3).
    harici_references: tuple[Reference, ...] = ()
    compression: Compression = Compression.AUTO
    #: Producer id written to the core ``revision`` property (eyp.md §6).
    revision: str = _PRODUCER
    #: Fixed core part name hex / relationship id for reproducible output (random when None).
    core_name: tuple[str, str] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.ustveri.generation is not Generation.V2:
            raise BuildError("the builder writes 2.x packages; give it a 2.x Ustveri")

    # -- content -------------------------------------------------------------------------------
    def with_ust_yazi(
        self,
        source: str | os.PathLike[str] | bytes | BinaryIO,
        *,
        file_name: str | None = None,
        mime_type: str = "application/pdf",
    ) -> EypBuilder:
        """Set the cover letter (exactly one per package, eyp.md §3.1; PDF expected)."""
        return dataclasses.replace(
            self, ust_yazi=FileInput.of(source, file_name=file_name, mime_type=mime_type)
        )

    def with_ek(
        self, ek: Ek, source: str | os.PathLike[str] | bytes | BinaryIO | None = None
    ) -> EypBuilder:
        """Add (or replace, by Id) an Ek in the Üstveri; DED Ekler need ``source``.

        DED Ekler must say ``imzali_mi`` explicitly (eyp.md §7.2: the official API would store an
        Ek without it as signed but never hash it); HRF and FZK Ekler have no file.
        """
        ek_id = normalize_guid(ek.id)
        if ek.tur is EkTuru.DED:
            if source is None:
                raise BuildError(f"Ek {ek_id} is DED (a file in the package): give its content")
            if ek.imzali_mi is None:
                raise BuildError(
                    f"Ek {ek_id}: state imzali_mi=True (signed, under /Ekler/) or False "
                    "(unsigned, under /ImzasizEkler/) explicitly"
                )
            name = ek.dosya_adi or (
                os.fspath(source) if isinstance(source, (str, os.PathLike)) else None
            )
            if name is None:
                raise BuildError(f"Ek {ek_id}: give dosya_adi for content passed as bytes/stream")
            file = FileInput.of(
                source,
                file_name=os.path.basename(name),
                mime_type=ek.mime_turu or "application/octet-stream",
            )
        elif source is not None:
            raise BuildError(f"Ek {ek_id} is {ek.tur}: it has no file in the package")
        ekler = (*(e for e in self.ustveri.ekler if normalize_guid(e.id) != ek_id), ek)
        files = tuple((i, f) for i, f in self.ek_files if i != ek_id)
        if ek.tur is EkTuru.DED:
            files += ((ek_id, file),)
        return dataclasses.replace(
            self, ustveri=dataclasses.replace(self.ustveri, ekler=ekler), ek_files=files
        )

    def with_digests(self, first: DigestAlgorithm, second: DigestAlgorithm) -> EypBuilder:
        """Choose the two digest algorithms of every reference (eyp.md §7.1)."""
        return dataclasses.replace(self, digests=DigestPolicy((first, second)))

    def with_harici_reference(self, uri: str, digests: dict[DigestAlgorithm, bytes]) -> EypBuilder:
        """Reference a component outside the package from the PaketÖzeti (eyp.md §7.3)."""
        from eyp.model import DigestItem

        ref = Reference(
            uri, ReferenceType.HARICI, tuple(DigestItem(a, v) for a, v in digests.items())
        )
        return dataclasses.replace(self, harici_references=(*self.harici_references, ref))

    def with_options(
        self,
        *,
        compression: Compression | None = None,
        revision: str | None = None,
        core_name: tuple[str, str] | None = None,
    ) -> EypBuilder:
        return dataclasses.replace(
            self,
            compression=compression or self.compression,
            revision=revision or self.revision,
            core_name=core_name or self.core_name,
        )

    # -- planning ------------------------------------------------------------------------------
    def plan(self) -> tuple[Ustveri, str, list[PlannedEk]]:
        """Final Üstveri, ÜstYazı part name and Ek parts, after the checks of eyp.md §11."""
        if self.ust_yazi is None:
            raise BuildError("the package needs an ÜstYazı (cover letter): call with_ust_yazi()")
        files = dict(self.ek_files)
        ust_name = part_file_name(self.ust_yazi.file_name)
        taken: set[str] = set()
        planned: list[PlannedEk] = []
        ekler: list[Ek] = []
        for ek in self.ustveri.ekler:
            ek_id = normalize_guid(ek.id)
            if ek.tur is EkTuru.DED:
                file = files.pop(ek_id, None)
                if file is None:
                    raise BuildError(f"DED Ek {ek_id} has no file: add it with with_ek(ek, source)")
                stored = unique_file_name(part_file_name(file.file_name), taken)
                taken.add(stored.casefold())
                ek = dataclasses.replace(ek, id=ek_id, dosya_adi=stored, mime_turu=file.mime_type)
                folder = "/Ekler/" if ek.imzali_mi is True else "/ImzasizEkler/"
                planned.append(PlannedEk(ek, file, folder + stored))
            ekler.append(ek)
        if files:
            raise BuildError(f"files given for unknown Ek ids: {', '.join(sorted(files))}")
        try:
            ustveri = dataclasses.replace(
                self.ustveri,
                belge_id=normalize_guid(self.ustveri.belge_id),
                ekler=tuple(ekler),
                dosya_adi=ust_name,
                mime_turu=self.ust_yazi.mime_type,
            )
        except EypError as exc:
            raise BuildError(f"the Üstveri is not valid: {exc}") from exc
        _check_cross_references(ustveri)
        return ustveri, "/UstYazi/" + ust_name, planned

    def open(self, target: str | os.PathLike[str] | BinaryIO) -> EypSession:
        """Check the content, write it to ``target`` and return the signing session."""
        from eyp.build._session import EypSession

        return EypSession(self, target)


def _check_cross_references(ustveri: Ustveri) -> None:
    """Creation rules across elements (eyp.md §11, K.61)."""
    ek_ids = [normalize_guid(e.id) for e in ustveri.ekler]
    ilgi_ids = [normalize_guid(i.id) for i in ustveri.ilgiler]
    all_ids = [normalize_guid(ustveri.belge_id), *ek_ids, *ilgi_ids]
    if len(set(all_ids)) != len(all_ids):
        raise BuildError("BelgeId, Ek ids and İlgi ids must be pairwise distinct (K.61)")
    sira = [e.sira_no for e in ustveri.ekler]
    if len(set(sira)) != len(sira):
        raise BuildError("Ek SiraNo values must be unique")
    for dagitim in ustveri.dagitim_listesi:
        for ek_id in dagitim.konulmamis_ek_listesi:
            if normalize_guid(ek_id) not in ek_ids:
                raise BuildError(f"KonulmamisEk {ek_id} names no Ek of the Üstveri")
    etiketler = [i.etiket for i in ustveri.ilgiler]
    if len(set(etiketler)) != len(etiketler):
        raise BuildError("İlgi Etiket values must be unique")
    for ilgi in ustveri.ilgiler:
        if ilgi.ek_id is not None and normalize_guid(ilgi.ek_id) not in ek_ids:
            raise BuildError(f"İlgi {ilgi.etiket}: EkId {ilgi.ek_id} names no Ek of the Üstveri")
