"""Per-recipient copies (eyp.md §1.2 step 9, §3.1): drop the Ek parts a Dagitim does not get.

The copy keeps every other part byte for byte, so all manifests and signatures stay valid; only
the package relationships of the dropped Ekler disappear (relationship parts are not covered by
any digest). The receiver verifies it with ``verify_package(..., recipient=<its id>)``.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from eyp._names import Component
from eyp._opc import OpcPackage, Relationship, ZipWriter, serialize_relationships
from eyp._opc._relationships import PACKAGE_RELS_PART
from eyp._opc._zipread import PackageSource
from eyp.errors import BuildError
from eyp.model import Dagitim, GercekSahis, KurumKurulus, TuzelSahis, Ustveri

__all__ = ["recipient_copy"]


def _identifiers(dagitim: Dagitim) -> set[str]:
    party = dagitim.party
    if isinstance(party, KurumKurulus):
        return {v for v in (party.kkk, party.birim_kkk) if v}
    if isinstance(party, GercekSahis):
        return {party.tckn} if party.tckn else set()
    if isinstance(party, TuzelSahis):
        return {party.id.value}
    return set()


def recipient_copy(
    source: PackageSource, target: str | os.PathLike[str] | BinaryIO, recipient: str
) -> list[str]:
    """Write the copy of ``source`` for ``recipient`` (KKK, TCKN or legal-entity Id).

    Returns the part names left out. Raises :class:`BuildError` when no Dagitim names the
    recipient. The target is written atomically; the source is never modified.
    """
    with OpcPackage(source) as opc:
        rels = opc.relationships()
        ustveri_rel = next((r for r in rels if r.type == Component.USTVERI.rel_type), None)
        if ustveri_rel is None:
            raise BuildError("the package has no Üstveri: not a normal package")
        ustveri = Ustveri.from_xml(opc.read(ustveri_rel.target_part))
        matches = [d for d in ustveri.dagitim_listesi if recipient in _identifiers(d)]
        if not matches:
            raise BuildError(
                f"no Dagitim of the package names {recipient!r} (KKK, TCKN or legal-entity Id)"
            )
        dropped_ids = {ek_id.upper() for d in matches for ek_id in d.konulmamis_ek_listesi}
        kept: list[Relationship] = []
        dropped_parts: set[str] = set()
        for rel in rels:
            ek_id = None
            for component in (Component.EK, Component.IMZASIZ_EK):
                if rel.type == component.rel_type and rel.id.startswith(component.rel_id):
                    ek_id = rel.id[len(component.rel_id) :].upper()
            if ek_id in dropped_ids:
                dropped_parts.add(rel.target_part.key())
            else:
                kept.append(rel)
        left_out: list[str] = []
        with ZipWriter(target) as writer:
            for part in opc.zip.parts():
                if part.key() in dropped_parts:
                    left_out.append(str(part))
                elif part.key() == PACKAGE_RELS_PART.casefold():
                    writer.write(part, serialize_relationships(kept))
                else:
                    with opc.open(part) as stream:
                        writer.write(part, stream)
    return left_out
