"""The writing session of a normal 2.0 package, in the lifecycle order of eyp.md §1.2.

Parts are appended to a ZIP in the order the official writer produces them (Ekler, ÜstYazı,
Üstveri, ParafÖzeti, paraf signature, PaketÖzeti, e-signature, NihaiÜstveri, core, NihaiÖzet,
seal); relationships and content types are written on :meth:`EypSession.save`. Signing is
two-phase: each manifest step returns the exact bytes to sign and the matching ``add_*`` step
takes the CMS back (eyp.md §8.1–8.2), so ``cades`` or any external signer plugs in.

Steps must come in order and at most once; a step out of order raises :class:`BuildError`. Each
file is read once: its digests are computed while it is written. Until :meth:`save` the output
is a temporary file; :meth:`abort` (or an exception inside ``with``) removes it.
"""

from __future__ import annotations

import enum
import os
from typing import BinaryIO

from eyp._cms_shape import inspect_signed_data
from eyp._names import IMZ_CONTENT_TYPE, XML_CONTENT_TYPE, Component
from eyp._opc import ZipWriter
from eyp.build._builder import EypBuilder, PlannedEk
from eyp.build._common import PartsWriter
from eyp.errors import BuildError
from eyp.model import (
    CONTENT_TYPE_EYAZISMA,
    CORE_ORDER_NORMAL,
    CoreProperties,
    DigestAlgorithm,
    DotNetDateTime,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    PackageCategory,
    Reference,
    creator_display_name,
)

__all__ = ["EypSession", "Stage"]


class Stage(enum.IntEnum):
    """How far the package has come (eyp.md §1.2)."""

    CONTENT = 1
    PARAF_OZETI = 2
    PARAF_IMZA = 3
    PAKET_OZETI = 4
    IMZA = 5
    NIHAI_USTVERI = 6
    CORE = 7
    NIHAI_OZET = 8
    MUHUR = 9
    SAVED = 10


class EypSession:
    """Writes one package; obtain it from :meth:`EypBuilder.open`."""

    def __init__(self, builder: EypBuilder, target: str | os.PathLike[str] | BinaryIO) -> None:
        self.ustveri, self._ust_yazi_part, self._ekler = builder.plan()
        self._builder = builder
        self._bytes: dict[Component, bytes] = {}
        self._core_part: str | None = None
        self.stage = Stage.CONTENT
        self._parts = PartsWriter(
            ZipWriter(target), builder.digests.algorithms, builder.compression
        )
        try:
            self._write_content()
        except BaseException:
            self._parts.writer.abort()
            raise

    @property
    def belge_id(self) -> str:
        return self.ustveri.belge_id

    def __enter__(self) -> EypSession:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None or self.stage is not Stage.SAVED:
            self.abort()

    def _relate(
        self, component: Component, part: str, rel_id: str | None = None, source: str | None = None
    ) -> None:
        self._parts.relate(rel_id or component.rel_id, component.rel_type, part, source)

    def _reference(self, part: str) -> Reference:
        return self._parts.reference(part)

    def _advance(self, expected: tuple[Stage, ...], new: Stage, what: str) -> None:
        if self.stage not in expected:
            allowed = " or ".join(s.name for s in expected)
            raise BuildError(
                f"{what} is not possible now: the package is at stage {self.stage.name}, this step "
                f"follows {allowed} (lifecycle of Teknik Rehber §1.2)"
            )
        self.stage = new

    def _write_content(self) -> None:
        for planned in self._ekler:
            component = Component.EK if planned.signed else Component.IMZASIZ_EK
            self._parts.write(
                planned.part, planned.file.source, planned.file.mime_type, hashed=planned.signed
            )
            self._relate(component, planned.part, component.rel_id + planned.ek.id)
        ust = self._builder.ust_yazi
        assert ust is not None
        self._parts.write(self._ust_yazi_part, ust.source, ust.mime_type)
        self._relate(Component.USTYAZI, self._ust_yazi_part)
        self._add_xml(Component.USTVERI, self.ustveri.to_xml())

    def _add_xml(self, component: Component, data: bytes) -> None:
        self._parts.write(component.part, data, XML_CONTENT_TYPE)
        self._bytes[component] = data
        self._relate(component, component.part)

    def _signed_ek_references(self) -> list[Reference]:
        return [self._reference(p.part) for p in self._ekler if p.signed]

    def _base_references(self) -> list[Reference]:
        return [self._reference(Component.USTVERI.part), self._reference(self._ust_yazi_part)]

    def _paraf_references(self) -> list[Reference]:
        refs = []
        if Component.PARAF_OZETI in self._bytes:
            refs.append(self._reference(Component.PARAF_OZETI.part))
        if Component.PARAF_IMZA in self._bytes:
            refs.append(self._reference(Component.PARAF_IMZA.part))
        return refs

    def _manifest(
        self, kind: ManifestKind, references: list[Reference], identifier: str | None = None
    ) -> bytes:
        manifest = Manifest.build(kind, identifier or self.belge_id, references)
        return manifest.to_xml()

    def _add_signature(
        self, component: Component, manifest: Component, cms: bytes, stages: tuple[Stage, Stage]
    ) -> None:
        """Check ``cms`` against the manifest bytes, then advance; a refused CMS changes nothing."""
        expected, new = stages
        if self.stage is not expected:
            self._advance((expected,), new, component.name)
        shape = inspect_signed_data(cms)
        if shape.error is not None:
            raise BuildError(f"{component.part}: {shape.error}")
        if shape.econtent is None:
            raise BuildError(
                f"{component.part}: the CMS is detached; e-Yazışma signatures encapsulate the "
                "manifest bytes (eyp.md §8.2)"
            )
        if shape.econtent != self._bytes[manifest]:
            raise BuildError(
                f"{component.part}: the CMS encapsulates other bytes than {manifest.part}; sign "
                "exactly the bytes returned by the previous step"
            )
        self._advance((expected,), new, component.name)
        self._parts.write(component.part, cms, IMZ_CONTENT_TYPE)
        self._bytes[component] = cms
        self._relate(component, component.part, source=manifest.part)

    # -- lifecycle steps ------------------------------------------------------------------------
    def paraf_ozeti(self) -> bytes:
        """Write the ParafÖzeti (Üstveri, ÜstYazı, signed Ekler) and return its bytes to sign."""
        self._advance((Stage.CONTENT,), Stage.PARAF_OZETI, "ParafÖzeti")
        data = self._manifest(
            ManifestKind.PARAF_OZETI, self._base_references() + self._signed_ek_references()
        )
        self._add_xml(Component.PARAF_OZETI, data)
        return data

    def add_paraf_signature(self, cms: bytes) -> None:
        """Store the paraf CMS (P4 CAdES X-Long over the ParafÖzeti bytes, eyp.md §8.3)."""
        self._add_signature(
            Component.PARAF_IMZA, Component.PARAF_OZETI, cms, (Stage.PARAF_OZETI, Stage.PARAF_IMZA)
        )

    def paket_ozeti(self) -> bytes:
        """Write the PaketÖzeti and return its bytes for the e-signature (eyp.md §7.2)."""
        self._advance(
            (Stage.CONTENT, Stage.PARAF_OZETI, Stage.PARAF_IMZA), Stage.PAKET_OZETI, "PaketÖzeti"
        )
        refs = self._base_references() + self._paraf_references() + self._signed_ek_references()
        refs += list(self._builder.harici_references)
        data = self._manifest(ManifestKind.PAKET_OZETI, refs)
        self._add_xml(Component.PAKET_OZETI, data)
        return data

    def add_signature(self, cms: bytes) -> None:
        """Store the e-signature CMS over the PaketÖzeti bytes (serial/parallel signers inside)."""
        self._add_signature(
            Component.IMZA, Component.PAKET_OZETI, cms, (Stage.PAKET_OZETI, Stage.IMZA)
        )

    def add_nihai_ustveri(
        self, nihai_ustveri: NihaiUstveri, *, allow_unsigned: bool = False
    ) -> None:
        """Write the NihaiÜstveri (document number, date, signers; eyp.md §5.3).

        Without an e-signature this is refused unless ``allow_unsigned`` (drafts for tests and
        demos): the NihaiÖzet of a real package must cover the e-signature.
        """
        expected = (Stage.IMZA, Stage.PAKET_OZETI) if allow_unsigned else (Stage.IMZA,)
        self._advance(expected, Stage.NIHAI_USTVERI, "NihaiÜstveri")
        self._add_xml(Component.NIHAI_USTVERI, nihai_ustveri.to_xml())

    def add_core(self, *, created: DotNetDateTime | None = None) -> CoreProperties:
        """Write the core properties (eyp.md §6); done by :meth:`nihai_ozet` if not called."""
        self._advance((Stage.NIHAI_USTVERI,), Stage.CORE, "the core properties")
        olusturan = self.ustveri.olusturan
        core = CoreProperties(
            identifier=self.belge_id,
            created=created or DotNetDateTime.now_utc(fraction_digits=7),
            creator=creator_display_name(olusturan) if olusturan is not None else None,
            subject=self.ustveri.konu,
            category=PackageCategory.NORMAL,
            content_type=CONTENT_TYPE_EYAZISMA,
            version="2.0",
            revision=self._builder.revision,
            order=CORE_ORDER_NORMAL,
        )
        self._core_part = self._parts.write_core(core.to_xml(), self._builder.core_name)
        return core

    def nihai_ozet(self) -> bytes:
        """Write the NihaiÖzet over everything so far and return its bytes for the seal."""
        if self.stage is Stage.NIHAI_USTVERI:
            self.add_core()
        self._advance((Stage.CORE,), Stage.NIHAI_OZET, "NihaiÖzet")
        assert self._core_part is not None
        refs = self._base_references() + self._paraf_references()
        refs.append(self._reference(Component.PAKET_OZETI.part))
        if Component.IMZA in self._bytes:
            refs.append(self._reference(Component.IMZA.part))
        refs.append(self._reference(Component.NIHAI_USTVERI.part))
        refs += self._signed_ek_references()
        refs.append(self._reference(self._core_part))
        data = self._manifest(ManifestKind.NIHAI_OZET, refs)
        self._add_xml(Component.NIHAI_OZET, data)
        return data

    def add_seal(self, cms: bytes) -> None:
        """Store the institution e-seal (P4 CAdES-A over the NihaiÖzet bytes)."""
        self._add_signature(
            Component.MUHUR, Component.NIHAI_OZET, cms, (Stage.NIHAI_OZET, Stage.MUHUR)
        )

    def save(self, *, allow_unsealed: bool = False) -> None:
        """Write relationships and content types and move the package into place atomically."""
        expected = (Stage.MUHUR, Stage.NIHAI_OZET) if allow_unsealed else (Stage.MUHUR,)
        self._advance(expected, Stage.SAVED, "saving")
        self._parts.finish()

    def save_draft(self) -> None:
        """Save the package as far as it has come, so that signing can go on later.

        Allowed before the NihaiÜstveri (eyp.md §1.2): a draft holds the content and any
        ParafÖzeti, paraf signature, PaketÖzeti and e-signature written so far.
        :func:`eyp.build.resume_session` continues it. A draft is not a valid EYP for sending.
        """
        if self.stage >= Stage.NIHAI_USTVERI:
            raise BuildError(
                "the package already has its NihaiÜstveri; finish it with nihai_ozet(), the seal "
                "and save()"
            )
        self.stage = Stage.SAVED
        self._parts.finish()

    def signature_bytes(self, component: Component) -> bytes | None:
        """A manifest or signature written in this session (e.g. the e-signature CMS)."""
        return self._bytes.get(component)

    def abort(self) -> None:
        """Discard the package; an existing file at the target path is left untouched."""
        self._parts.writer.abort()

    def digests_of(self, part: str) -> dict[DigestAlgorithm, bytes]:
        """Digests computed while ``part`` was written (for reports and tests)."""
        return dict(self._parts.digests[part])

    @property
    def ekler(self) -> tuple[PlannedEk, ...]:
        return tuple(self._ekler)
