"""The ``.eyps`` container (eyp.md §3.3, §9) with the encrypted content as opaque bytes.

Encryption itself is done elsewhere (``encryption``); this module stores a CMS EnvelopedData
given as bytes, a path or a stream under ``/SifreliIcerik/<GUID>`` (content type
``application/pkcs7-mime``), copies the inner NihaiÖzet bytes unchanged, and adds
ŞifreliİçerikBilgisi, an optional BelgeHedef and the core properties. The part GUID is the inner
BelgeId (eyp.md §3.3: writers SHOULD use it).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eyp._digests import DEFAULT_DIGESTS
from eyp._envelope_shape import envelope_kind
from eyp._names import PKCS7_MIME, XML_CONTENT_TYPE, Component, PackageKind
from eyp._opc import Compression, OpcPackage, ZipWriter
from eyp._opc._zipwrite import PartSource
from eyp.build._common import PartsWriter
from eyp.errors import BuildError, EypError
from eyp.model import (
    CONTENT_TYPE_EYAZISMA,
    CORE_ORDER_NORMAL,
    BelgeHedef,
    CoreProperties,
    PackageCategory,
    SifreliIcerikBilgisi,
    Ustveri,
    creator_display_name,
    new_guid,
    normalize_guid,
)

__all__ = ["EncryptedPackageBuilder", "InnerSummary", "read_inner_summary"]


@dataclass(frozen=True)
class InnerSummary:
    """What the container copies from the sealed inner package."""

    belge_id: str
    nihai_ozet: bytes
    creator: str | None
    belge_hedef: BelgeHedef | None


def read_inner_summary(inner: str | os.PathLike[str]) -> InnerSummary:
    """Read BelgeId, NihaiÖzet bytes, creator and first Dagitim party of a sealed .eyp."""
    try:
        with OpcPackage(inner) as opc:
            rels = {r.type: r for r in opc.relationships()}
            ustveri_rel = rels.get(Component.USTVERI.rel_type)
            nihai_rel = rels.get(Component.NIHAI_OZET.rel_type)
            if ustveri_rel is None or nihai_rel is None:
                raise BuildError(
                    f"{inner}: not a sealed 2.x package (Üstveri or NihaiÖzet missing)"
                )
            ustveri = Ustveri.from_xml(opc.read(ustveri_rel.target_part))
            nihai = opc.read(nihai_rel.target_part)
    except EypError as exc:
        if isinstance(exc, BuildError):
            raise
        raise BuildError(f"{inner}: unreadable inner package: {exc}") from exc
    first = ustveri.dagitim_listesi[0].party if ustveri.dagitim_listesi else None
    hedef = BelgeHedef(hedef_listesi=(first,)) if first is not None else None
    creator = creator_display_name(ustveri.olusturan) if ustveri.olusturan else None
    return InnerSummary(ustveri.belge_id, nihai, creator, hedef)


@dataclass(frozen=True)
class EncryptedPackageBuilder:
    """Immutable description of an ``.eyps``; :meth:`save` writes it atomically."""

    inner: InnerSummary
    content: PartSource
    belge_hedef: BelgeHedef | None = None
    sifreli_icerik_bilgisi: SifreliIcerikBilgisi = dataclasses.field(
        default_factory=SifreliIcerikBilgisi
    )
    identifier: str = dataclasses.field(default_factory=new_guid)
    revision: str = "eyazisma/0.1.0"
    core_name: tuple[str, str] | None = None
    #: Allow content that is not CMS EnvelopedData (tests of readers only).
    allow_plain_content: bool = False

    @classmethod
    def for_inner(
        cls, inner: str | os.PathLike[str], content: PartSource, *, with_belge_hedef: bool = True
    ) -> EncryptedPackageBuilder:
        summary = read_inner_summary(inner)
        return cls(summary, content, summary.belge_hedef if with_belge_hedef else None)

    def save(self, target: str | os.PathLike[str] | BinaryIO) -> None:
        content = self.content
        if (
            isinstance(content, bytes)
            and not self.allow_plain_content
            and envelope_kind(content[:64])
            not in (
                "enveloped_data",
                "authenticated_enveloped_data",
            )
        ):
            raise BuildError(
                "the encrypted content must be a DER CMS EnvelopedData/AuthEnvelopedData"
            )
        parts = PartsWriter(ZipWriter(target), DEFAULT_DIGESTS.algorithms, Compression.AUTO)
        try:
            nihai = Component.NIHAI_OZET.part
            parts.write(nihai, self.inner.nihai_ozet, XML_CONTENT_TYPE, hashed=False)
            parts.relate(Component.NIHAI_OZET.rel_id, Component.NIHAI_OZET.rel_type, nihai)
            if self.belge_hedef is not None:
                part = Component.BELGE_HEDEF.part
                parts.write(part, self.belge_hedef.to_xml(), XML_CONTENT_TYPE, hashed=False)
                parts.relate(Component.BELGE_HEDEF.rel_id, Component.BELGE_HEDEF.rel_type, part)
            content_part = f"{Component.SIFRELI_ICERIK.part}{normalize_guid(self.inner.belge_id)}"
            if isinstance(content, (str, os.PathLike)) and not Path(content).is_file():
                raise BuildError(f"{content}: no such file")
            parts.write(content_part, content, PKCS7_MIME, hashed=False, override=True)
            parts.relate(
                Component.SIFRELI_ICERIK.rel_id, Component.SIFRELI_ICERIK.rel_type, content_part
            )
            info_part = Component.SIFRELI_ICERIK_BILGISI.part
            parts.write(
                info_part, self.sifreli_icerik_bilgisi.to_xml(), XML_CONTENT_TYPE, hashed=False
            )
            parts.relate(
                Component.SIFRELI_ICERIK_BILGISI.rel_id,
                Component.SIFRELI_ICERIK_BILGISI.rel_type,
                info_part,
            )
            core = CoreProperties(
                identifier=self.identifier.upper(),
                creator=self.inner.creator,
                category=PackageCategory(PackageKind.EYPS.value),
                content_type=CONTENT_TYPE_EYAZISMA,
                version="2.0",
                revision=self.revision,
                order=CORE_ORDER_NORMAL,
            )
            parts.write_core(core.to_xml(), self.core_name)
        except BaseException:
            parts.writer.abort()
            raise
        parts.finish()
