"""Continue a draft package saved with :meth:`EypSession.save_draft` (eyp.md §1.2).

An EBYS signs in several sittings: a clerk builds the content, a manager initials (paraf),
the head of unit signs, the registry numbers and seals. Between sittings the package lives as
a *draft*. :func:`resume_session` rebuilds an :class:`EypSession` from a draft by **replaying**
it through the normal writer: content parts are streamed (and re-hashed) into a new package,
then each stored manifest is regenerated and must come out **byte-identical** to the stored
one, so the stored signatures stay valid; the stored signatures are then added through the
usual checked ``add_*`` steps. ``replace`` swaps a stored signature for a new one (a serial or
parallel signer added to it). The draft itself is never modified; the target is written
atomically, so it may be the draft's own path.

Limits (documented decision): ``#harici`` references are recovered from a stored PaketÖzeti
only; a draft saved before its PaketÖzeti must be given them again with
:meth:`EypBuilder.with_harici_reference` semantics (not supported on resume yet).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import BinaryIO

from eyp._digests import DEFAULT_DIGESTS, DigestPolicy
from eyp._names import Component, PackageKind
from eyp._read import EypPackage
from eyp.build._builder import EypBuilder
from eyp.build._inputs import FileInput
from eyp.build._session import EypSession
from eyp.errors import BuildError
from eyp.model import (
    DigestAlgorithm,
    EkTuru,
    Manifest,
    ManifestKind,
    Reference,
    ReferenceType,
    normalize_guid,
)

__all__ = ["DraftState", "read_draft_state", "resume_session"]

_REPLACEABLE = (Component.PARAF_IMZA, Component.IMZA)


@dataclasses.dataclass(frozen=True)
class DraftState:
    """What a draft already holds (exact bytes of manifests and signatures)."""

    paraf_ozeti: bytes | None
    paraf_imza: bytes | None
    paket_ozeti: bytes | None
    imza: bytes | None


def _part_bytes(pkg: EypPackage, component: Component) -> bytes | None:
    part = pkg.part_of(component)
    return None if part is None else pkg.read(part)


def _check_draft(pkg: EypPackage, description: str) -> None:
    if pkg.kind not in (None, PackageKind.EYP) or pkg.ustveri is None:
        raise BuildError(f"{description}: not a draft of a normal package (no Üstveri)")
    if pkg.part_of(Component.NIHAI_OZET) is not None or pkg.part_of(Component.NIHAI_USTVERI):
        raise BuildError(
            f"{description}: the package is already finalised (it has a NihaiÜstveri/NihaiÖzet); "
            "signatures are added to drafts, before the NihaiÜstveri (eyp.md §1.2, §8.4)"
        )


def read_draft_state(source: str | os.PathLike[str] | BinaryIO) -> DraftState:
    """The manifests and signatures a draft holds (checks that it is a draft)."""
    with EypPackage(source) as pkg:
        _check_draft(pkg, pkg.opc.description)
        return DraftState(
            paraf_ozeti=_part_bytes(pkg, Component.PARAF_OZETI),
            paraf_imza=pkg.open_signature(Component.PARAF_IMZA),
            paket_ozeti=_part_bytes(pkg, Component.PAKET_OZETI),
            imza=pkg.open_signature(Component.IMZA),
        )


def _digest_policy(manifests: list[bytes]) -> DigestPolicy:
    for data in manifests:
        manifest = Manifest.from_xml(data)
        for reference in manifest.references:
            algorithms = tuple(item.algorithm for item in reference.digests)
            if all(isinstance(a, DigestAlgorithm) for a in algorithms):
                return DigestPolicy(algorithms)  # type: ignore[arg-type]
            raise BuildError("cannot continue the draft: a manifest names an unknown digest")
    return DEFAULT_DIGESTS


def _builder_for(pkg: EypPackage, state: DraftState) -> EypBuilder:
    ustveri = pkg.ustveri
    assert ustveri is not None
    ust_part = pkg.part_of(Component.USTYAZI)
    if ust_part is None or ustveri.dosya_adi is None:
        raise BuildError(f"{pkg.opc.description}: the draft has no ÜstYazı")
    files = []
    for ek in ustveri.ekler:
        if ek.tur is not EkTuru.DED:
            continue
        folder = "/Ekler/" if ek.imzali_mi is True else "/ImzasizEkler/"
        if ek.dosya_adi is None:
            raise BuildError(f"{pkg.opc.description}: Ek {ek.id} has no file name")
        stream = pkg.open_part(folder + ek.dosya_adi)
        files.append(
            (
                normalize_guid(ek.id),
                FileInput(stream, ek.dosya_adi, ek.mime_turu or "application/octet-stream"),
            )
        )
    manifests = [m for m in (state.paraf_ozeti, state.paket_ozeti) if m is not None]
    harici: tuple[Reference, ...] = ()
    if state.paket_ozeti is not None:
        paket = Manifest.from_xml(state.paket_ozeti, kind=ManifestKind.PAKET_OZETI)
        harici = tuple(r for r in paket.references if r.type is ReferenceType.HARICI)
    return EypBuilder(
        ustveri=ustveri,
        ust_yazi=FileInput(
            pkg.open_part(str(ust_part)),
            ustveri.dosya_adi,
            ustveri.mime_turu or "application/pdf",
        ),
        ek_files=tuple(files),
        digests=_digest_policy(manifests),
        harici_references=harici,
    )


def _same(regenerated: bytes, stored: bytes, what: str) -> None:
    if regenerated != stored:
        raise BuildError(
            f"cannot continue the draft: its {what} is not what this library writes for the "
            "same content, so its signature could not stay valid; rebuild the package"
        )


def resume_session(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str] | BinaryIO,
    *,
    replace: Mapping[Component, bytes] | None = None,
) -> EypSession:
    """A session that continues the draft at ``source``, writing to ``target``."""
    replace = dict(replace or {})
    unknown = set(replace) - set(_REPLACEABLE)
    if unknown:
        raise BuildError("only the paraf signature and the e-signature can be replaced")
    with EypPackage(source) as pkg:
        _check_draft(pkg, pkg.opc.description)
        state = DraftState(
            paraf_ozeti=_part_bytes(pkg, Component.PARAF_OZETI),
            paraf_imza=pkg.open_signature(Component.PARAF_IMZA),
            paket_ozeti=_part_bytes(pkg, Component.PAKET_OZETI),
            imza=pkg.open_signature(Component.IMZA),
        )
        stored_ustveri = _part_bytes(pkg, Component.USTVERI)
        session = _builder_for(pkg, state).open(target)
    try:
        assert stored_ustveri is not None
        _same(session.signature_bytes(Component.USTVERI) or b"", stored_ustveri, "Üstveri")
        if state.paraf_ozeti is not None:
            _same(session.paraf_ozeti(), state.paraf_ozeti, "ParafÖzeti")
            paraf = replace.get(Component.PARAF_IMZA, state.paraf_imza)
            if paraf is not None:
                session.add_paraf_signature(paraf)
        if state.paket_ozeti is not None:
            _same(session.paket_ozeti(), state.paket_ozeti, "PaketÖzeti")
            imza = replace.get(Component.IMZA, state.imza)
            if imza is not None:
                session.add_signature(imza)
    except BaseException:
        session.abort()
        raise
    return session
