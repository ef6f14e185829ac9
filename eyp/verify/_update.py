"""Checks of an update package ``.eypg`` (Teknik Rehber 2.1; eyp.md §3.5, §10; EYP-UPD-*)."""

from __future__ import annotations

from collections.abc import Callable

from eyp._cms_shape import inspect_signed_data
from eyp._names import Component
from eyp.errors import EypError
from eyp.model import GuncellemeBilgisi, GuncellemeTuru, RawText
from eyp.verify._context import VerifyContext
from eyp.verify._manifests import check_manifest_digests, load_manifest, prefetch_digests
from eyp.verify._report import Severity, VerificationReport

__all__ = ["check_update"]

E, W = Severity.ERROR, Severity.WARNING


def check_update(
    ctx: VerifyContext, verify_inner: Callable[[object, int], VerificationReport]
) -> None:
    ctx.belge_id = ctx.core_identifier
    located = {}
    for component, code in (
        (Component.GUNCELLEME_BILGISI, 33),
        (Component.ORIJINAL_PAKET, 35),
        (Component.NIHAI_OZET, None),
    ):
        found = ctx.components(component)
        if len(found) != 1 or found[0].part is None:
            ctx.add(
                "EYP-UPD-001",
                E,
                component.part,
                f"expected exactly one {component.name}, found {len(found)}",
                code,
            )
        else:
            located[component] = found[0].part
    gb_part = located.get(Component.GUNCELLEME_BILGISI)
    if gb_part is not None:
        data = ctx.read_xml(gb_part)
        if data is not None:
            try:
                bilgi = GuncellemeBilgisi.from_xml(data, part=gb_part)
            except EypError as exc:
                ctx.add("EYP-OPC-005", E, gb_part, str(exc))
            else:
                _check_guncelleme(ctx, gb_part, bilgi)
    nihai = located.get(Component.NIHAI_OZET)
    if nihai is not None:
        manifest = load_manifest(ctx, Component.NIHAI_OZET, nihai)
        if manifest is not None:
            prefetch_digests(ctx, [(nihai, manifest)])
            check_manifest_digests(ctx, nihai, manifest)
            uris = {u.casefold() for u in manifest.uris}
            needed = [
                (gb_part, "the GüncellemeBilgisi", 34),
                (located.get(Component.ORIJINAL_PAKET), "the OrijinalPaket", 36),
                (ctx.core_part, "the core properties", 24),
            ]
            for target, what, code in needed:
                if target is not None and str(target).casefold() not in uris:
                    ctx.add("EYP-DIG-018", E, nihai, f"{what} ({target}) is not covered", code)
        seals = ctx.components(Component.MUHUR, nihai)
        if not seals or seals[0].part is None:
            ctx.add("EYP-UPD-004", E, Component.MUHUR.part, "the update seal is missing")
        else:
            shape = inspect_signed_data(ctx.opc.read(seals[0].part))
            if shape.error:
                ctx.add("EYP-SIG-001", E, seals[0].part, shape.error)
            elif shape.econtent != ctx.opc.read(nihai):
                ctx.add(
                    "EYP-SIG-004",
                    E,
                    seals[0].part,
                    "the seal does not encapsulate the NihaiÖzet bytes",
                )
            elif shape.signer_count != 1:
                ctx.add(
                    "EYP-SIG-010",
                    E,
                    seals[0].part,
                    f"the update seal has {shape.signer_count} signers; exactly one allowed",
                )
            else:
                ctx.verify_signature(
                    Component.MUHUR,
                    str(seals[0].part),
                    ctx.opc.read(seals[0].part),
                    ctx.opc.read(nihai),
                    list(manifest.uris) if manifest is not None else [],
                )
    original = located.get(Component.ORIJINAL_PAKET)
    if original is None:
        return
    if original.extension not in ("eyp", "eypg"):
        ctx.add("EYP-UPD-002", E, original, "the OrijinalPaket must be a .eyp or .eypg")
    with ctx.spooled(original) as spool:
        inner = verify_inner(spool, ctx.depth + 1)
    ctx.inner_reports.append(inner)
    if inner.kind == "eyps":
        ctx.add("EYP-UPD-002", E, original, "the OrijinalPaket is an encrypted package")


def _check_guncelleme(ctx: VerifyContext, part: str, bilgi: GuncellemeBilgisi) -> None:
    for problem in bilgi.problems():
        ctx.add("EYP-UPD-003", E, part, str(problem))
    if not bilgi.guncellemeler:
        ctx.add("EYP-UPD-003", E, part, "no Guncellemeler entry")
    for index, item in enumerate(bilgi.guncellemeler, start=1):
        if item.guncelleme_turu is GuncellemeTuru.GUVENLIK_KODU:
            info = item.guvenlik_kodu_degisiklik_bilgisi
            if info is None:
                ctx.add(
                    "EYP-UPD-003",
                    E,
                    part,
                    f"Guncellemeler[{index}] lacks GuvenlikKoduDegisiklikBilgisi",
                )
        elif isinstance(item.guncelleme_turu, RawText):
            ctx.add(
                "EYP-UPD-003",
                E,
                part,
                f"Guncellemeler[{index}]: unknown GuncellemeTuru {item.guncelleme_turu}",
            )
