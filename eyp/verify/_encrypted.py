"""Checks of an encrypted package ``.eyps`` (eyp.md §3.3–3.4, §9; rules EYP-ENC-*, EYP-DIG-019).

The encrypted content itself is opaque here (decryption comes with ``encryption``). Producers
that store the inner package unencrypted (the official test tool does) are recognised: the inner
package is then verified recursively and its NihaiÖzet compared with the outer copy.
"""

from __future__ import annotations

from collections.abc import Callable

from eyp._envelope_shape import envelope_kind
from eyp._names import PKCS7_MIME, Component
from eyp.errors import EypError
from eyp.model import BelgeHedef, SifreliIcerikBilgisi
from eyp.model._sifreli import SIFRELI_ICERIK_VERSION, SIFRELI_ICERIK_YONTEM
from eyp.verify._context import VerifyContext
from eyp.verify._manifests import load_manifest
from eyp.verify._report import Severity, VerificationReport

__all__ = ["check_encrypted"]

E, W = Severity.ERROR, Severity.WARNING


def check_encrypted(
    ctx: VerifyContext, verify_inner: Callable[[object, int], VerificationReport]
) -> None:
    from eyp.model import Generation

    v1 = ctx.generation is Generation.V1
    content = ctx.components(Component.SIFRELI_ICERIK)
    if len(content) != 1 or content[0].part is None:
        ctx.add(
            "EYP-ENC-001",
            E,
            Component.SIFRELI_ICERIK.part,
            f"expected one encrypted content part, found {sum(1 for c in content if c.part)} "
            f"of {len(content)} relationship(s)",
        )
    info = ctx.components(Component.SIFRELI_ICERIK_BILGISI)
    if len(info) != 1:
        ctx.add(
            "EYP-ENC-002",
            E,
            Component.SIFRELI_ICERIK_BILGISI.part,
            f"expected one ŞifreliİçerikBilgisi, found {len(info)}",
        )
    summary_component = Component.PAKET_OZETI if v1 else Component.NIHAI_OZET
    summaries = ctx.components(summary_component)
    if len(summaries) != 1:
        ctx.add(
            "EYP-ENC-003",
            E,
            summary_component.part,
            f"expected one {summary_component.name}, found {len(summaries)}",
        )
    hedefler = ctx.components(Component.BELGE_HEDEF)
    if len(hedefler) > 1:
        ctx.add("EYP-ENC-004", E, Component.BELGE_HEDEF.part, "more than one BelgeHedef")
    if info and info[0].part is not None:
        data = ctx.read_xml(info[0].part)
        if data is not None:
            try:
                bilgi = SifreliIcerikBilgisi.from_xml(data, part=info[0].part)
            except EypError as exc:
                ctx.add("EYP-OPC-005", E, info[0].part, str(exc))
            else:
                if bilgi.version != SIFRELI_ICERIK_VERSION or bilgi.yontem != SIFRELI_ICERIK_YONTEM:
                    ctx.add(
                        "EYP-ENC-006",
                        W,
                        info[0].part,
                        f"Version {bilgi.version!r} / Yontem {bilgi.yontem!r} differ from the "
                        "standard values",
                    )
    hedef = None
    if hedefler and hedefler[0].part is not None:
        data = ctx.read_xml(hedefler[0].part)
        if data is not None:
            try:
                hedef = BelgeHedef.from_xml(data, part=hedefler[0].part)
            except EypError as exc:
                ctx.add("EYP-OPC-005", E, hedefler[0].part, str(exc))
    outer_summary = None
    if summaries and summaries[0].part is not None:
        outer_summary = ctx.read_xml(summaries[0].part)
        if outer_summary is not None:
            manifest = load_manifest(ctx, summary_component, summaries[0].part)
            if manifest is not None:
                ctx.belge_id = manifest.id
    if not content or content[0].part is None:
        return
    part = content[0].part
    content_type = ctx.opc.content_type(part)
    with ctx.opc.open(part) as stream:
        head = stream.read(64)
    kind = envelope_kind(head)
    if content_type != PKCS7_MIME:
        ctx.add("EYP-ENC-005", E, part, f"content type is {content_type!r}, expected {PKCS7_MIME}")
    if kind in ("enveloped_data", "authenticated_enveloped_data"):
        return
    if not head.startswith(b"PK"):
        ctx.add("EYP-ENC-005", E, part, "the content is neither CMS EnvelopedData nor a package")
        return
    ctx.add(
        "EYP-ENC-005",
        E,
        part,
        "the content is NOT encrypted: it is a plain package (not CMS EnvelopedData)",
    )
    with ctx.spooled(part) as spool:
        inner = verify_inner(spool, ctx.depth + 1)
        ctx.inner_reports.append(inner)
        _compare_summaries(ctx, spool, outer_summary, summary_component, hedef)


def _compare_summaries(
    ctx: VerifyContext,
    spool: object,
    outer: bytes | None,
    component: Component,
    hedef: BelgeHedef | None,
) -> None:
    from eyp._opc import OpcPackage

    spool.seek(0)  # type: ignore[attr-defined]
    try:
        with OpcPackage(spool) as inner:  # type: ignore[arg-type]
            found = inner.find(component.part)
            inner_bytes = inner.read(found) if found else None
            ustveri_part = inner.find(Component.USTVERI.part)
            ustveri_bytes = inner.read(ustveri_part) if ustveri_part else None
    except EypError as exc:
        ctx.add("EYP-ENC-007", E, component.part, f"the inner package is unreadable: {exc}")
        return
    if outer is not None and inner_bytes is not None and outer != inner_bytes:
        ctx.add(
            "EYP-DIG-019",
            E,
            component.part,
            f"the outer {component.name} differs from the inner package's",
        )
    if hedef is not None and ustveri_bytes is not None:
        from eyp.model import Ustveri

        try:
            ustveri = Ustveri.from_xml(ustveri_bytes)
        except EypError:
            return
        parties = [d.party for d in ustveri.dagitim_listesi]
        if not all(h in parties for h in hedef.hedef_listesi):
            ctx.add(
                "EYP-ENC-008",
                W,
                Component.BELGE_HEDEF.part,
                "BelgeHedef names a party that is no Dagitim of the inner Üstveri",
            )
