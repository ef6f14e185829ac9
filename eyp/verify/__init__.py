"""Verification of package structure and digests with stable rule ids (eyp.md §7.4, §12).

:func:`verify_package` never raises for a defective package: every defect is a
:class:`Finding` in the returned :class:`VerificationReport`. Only input that is not a readable,
safe ZIP at all raises :class:`~eyp.errors.PackageFormatError`.
"""

from __future__ import annotations

from pathlib import Path

from eyp._names import PackageKind
from eyp._opc import OpcPackage, ZipLimits
from eyp._opc._zipread import PackageSource
from eyp.verify._container import check_container, check_core
from eyp.verify._context import Recipient, VerifyContext
from eyp.verify._encrypted import check_encrypted
from eyp.verify._normal import check_normal
from eyp.verify._report import Finding, Severity, VerificationReport
from eyp.verify._signatures import SignatureCheckResult, SignatureTrust
from eyp.verify._update import check_update

__all__ = [
    "Finding",
    "Recipient",
    "Severity",
    "SignatureCheckResult",
    "SignatureTrust",
    "VerificationReport",
    "verify_package",
]

_MAX_DEPTH = 4


def verify_package(
    source: PackageSource,
    *,
    recipient: Recipient | str | None = None,
    limits: ZipLimits | None = None,
    trust: SignatureTrust | None = None,
    signatures: bool = True,
) -> VerificationReport:
    """Check structure, digests and signatures of an .eyp/.eyps/.eypg; report every finding.

    ``recipient`` (KKK, TCKN or legal-entity Id) allows Ekler that the recipient's Dagitim lists in
    KonulmamisEkListesi to be absent (eyp.md §7.4 step 5b). Every signature part is verified
    with the CAdES verifier (eyp.md §12.7) against ``trust``; without trust anchors certificate
    paths stay INDETERMINATE (warnings). ``signatures=False`` checks structure and digests only.
    """
    if isinstance(recipient, str):
        recipient = Recipient(recipient)
    if signatures and trust is None:
        trust = SignatureTrust()
    return _verify(source, recipient, limits, 0, trust if signatures else None)


def _verify(
    source: PackageSource,
    recipient: Recipient | None,
    limits: ZipLimits | None,
    depth: int,
    trust: SignatureTrust | None,
) -> VerificationReport:
    with OpcPackage(source, limits) as opc:
        ctx = VerifyContext(opc, recipient, depth, trust=trust)

        def inner(stream: object, new_depth: int) -> VerificationReport:
            if new_depth > _MAX_DEPTH:
                too_deep = Finding("EYP-UPD-002", Severity.ERROR, "/", "packages nested too deeply")
                return VerificationReport("<nested>", None, None, None, (too_deep,))
            return _verify(stream, recipient, limits, new_depth, trust)  # type: ignore[arg-type]

        check_container(ctx)
        check_core(ctx)
        if ctx.kind is PackageKind.EYPS:
            check_encrypted(ctx, inner)
        elif ctx.kind is PackageKind.EYPG:
            check_update(ctx, inner)
        elif ctx.kind is PackageKind.EYP:
            check_normal(ctx)
            _check_core_against_ustveri(ctx)
        else:
            ctx.add(
                "EYP-CORE-002",
                Severity.ERROR,
                "/",
                "cannot tell the package kind from category or content",
            )
        _check_name(ctx, source)
        description = opc.description
    return VerificationReport(
        source=description,
        kind=ctx.kind.label if ctx.kind else None,
        version=ctx.version,
        belge_id=ctx.belge_id,
        findings=tuple(ctx.findings),
        manifests={name: list(m.uris) for name, m in ctx.manifests.items()},
        inner=tuple(r for r in ctx.inner_reports if isinstance(r, VerificationReport)),
        signatures=tuple(ctx.signature_results),
    )


def _check_core_against_ustveri(ctx: VerifyContext) -> None:
    part = str(ctx.core_part or "/")
    if ctx.belge_id and ctx.core_identifier != ctx.belge_id:
        ctx.add(
            "EYP-CORE-005",
            Severity.ERROR,
            part,
            f"identifier {ctx.core_identifier!r} differs from the BelgeId {ctx.belge_id}",
        )


def _check_name(ctx: VerifyContext, source: PackageSource) -> None:
    if not isinstance(source, (str, Path)) or ctx.depth or ctx.kind is None:
        return
    path = Path(source)
    if path.suffix.lower() != ctx.kind.extension:
        ctx.add(
            "EYP-NAM-001",
            Severity.WARNING,
            path.name,
            f"a {ctx.kind.label} package should have the extension {ctx.kind.extension}",
        )
    elif ctx.kind is PackageKind.EYP and ctx.belge_id and path.stem.upper() != ctx.belge_id:
        ctx.add(
            "EYP-NAM-002",
            Severity.INFO,
            path.name,
            "normal packages are recommended to be named <BelgeId>.eyp",
        )
