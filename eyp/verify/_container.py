"""Container and core-property checks (eyp.md §2.1, §6; rules EYP-OPC-*, EYP-CORE-*)."""

from __future__ import annotations

import re

from eyp._names import CORE_REL_TYPE, EYAZISMA_CONTENT_TYPE, Component, PackageKind
from eyp.errors import EypError
from eyp.model import CoreProperties, Generation, PackageCategory, RawText, is_guid
from eyp.verify._context import VerifyContext
from eyp.verify._report import Severity

__all__ = ["check_container", "check_core"]

E, W = Severity.ERROR, Severity.WARNING
_VERSION = re.compile(r"([0-9]+)\.([0-9]+)")
_STRUCTURE_KIND = {
    Component.USTVERI: PackageKind.EYP,
    Component.SIFRELI_ICERIK: PackageKind.EYPS,
    Component.ORIJINAL_PAKET: PackageKind.EYPG,
}


def check_container(ctx: VerifyContext) -> None:
    """EYP-OPC-001…006: OPC parts, relationships, content types."""
    for problem in ctx.opc.problems:
        ctx.add("EYP-OPC-001", E, problem.part, problem.message)
    rels = ctx.package_rels()
    if not rels:
        ctx.add("EYP-OPC-002", E, "/_rels/.rels", "the package has no relationships")
    sources = [None] + [r.part for r in rels if r.part is not None and r.component is not None]
    for source in sources:
        located = rels if source is None else ctx.components_from(source)
        for loc in located:
            if loc.part is None and loc.problem and "external" not in loc.problem:
                ctx.add(
                    "EYP-OPC-003",
                    E,
                    loc.target,
                    f"relationship {loc.relationship.id} ({loc.relationship.type}): {loc.problem}",
                )
            if not loc.exact_type:
                canonical = loc.component.rel_type if loc.component else CORE_REL_TYPE
                ctx.add(
                    "EYP-OPC-006",
                    W,
                    loc.target,
                    f"relationship type {loc.relationship.type!r} differs from the canonical "
                    f"{canonical!r} in case only",
                )
    # Structural problems recorded while reading part relationships (malformed .rels parts).
    for problem in ctx.opc.problems:
        if problem.kind == "relationships" and problem.part != "/_rels/.rels":
            ctx.add("EYP-OPC-001", E, problem.part, problem.message)
    if ctx.opc.content_types is not None:
        for part in ctx.opc.parts():
            if ctx.opc.content_type(part) is None:
                ctx.add("EYP-OPC-004", E, part, "the part has no content type (Default/Override)")


def check_core(ctx: VerifyContext) -> CoreProperties | None:
    """EYP-CORE-001…004 and kind/version detection; the kind-specific rules come later."""
    core_rels = [r for r in ctx.package_rels() if r.component is None]
    if len(core_rels) != 1:
        ctx.add(
            "EYP-CORE-001",
            E,
            "/_rels/.rels",
            f"expected exactly one core-properties relationship, found {len(core_rels)}",
            18,
        )
    structure_kind = _kind_from_structure(ctx)
    core = None
    if core_rels and core_rels[0].part is not None:
        ctx.core_part = core_rels[0].part
        data = ctx.read_xml(ctx.core_part)
        if data is not None:
            try:
                core = CoreProperties.from_xml(data, part=ctx.core_part)
            except EypError as exc:
                ctx.add("EYP-OPC-005", E, ctx.core_part, str(exc))
    part = str(ctx.core_part or "/package/services/metadata/core-properties")
    if core is None:
        ctx.kind = structure_kind
        return None
    ctx.core_identifier = core.identifier
    category = core.category
    if isinstance(category, PackageCategory):
        ctx.kind = PackageKind(category.text)
        if structure_kind is not None and structure_kind is not ctx.kind:
            ctx.add(
                "EYP-CORE-002",
                E,
                part,
                f"category {category.text} does not match the content (looks like "
                f"{structure_kind.label})",
            )
    else:
        ctx.kind = structure_kind
        ctx.add("EYP-CORE-002", E, part, f"category {str(category)!r} is not an e-Yazışma category")
    ctx.version = core.version
    match = _VERSION.fullmatch(core.version or "")
    if match is None or match.group(1) not in ("1", "2"):
        ctx.add("EYP-CORE-003", E, part, f"version {core.version!r} is not 1.n or 2.n")
        ctx.generation = Generation.V2 if ctx.components(Component.NIHAI_USTVERI) else None
    else:
        ctx.generation = Generation.V1 if match.group(1) == "1" else Generation.V2
    if core.content_type != EYAZISMA_CONTENT_TYPE:
        ctx.add(
            "EYP-CORE-004",
            E,
            part,
            f"contentType is {core.content_type!r}, expected application/eyazisma",
        )
    if not core.creator:
        ctx.add("EYP-CORE-007", E, part, "creator is missing")
    if (
        core.created is None
        and ctx.generation is Generation.V2
        and ctx.kind is not PackageKind.EYPS
    ):
        ctx.add("EYP-CORE-007", E, part, "created is missing")
    elif isinstance(core.created, RawText):
        ctx.add("EYP-CORE-007", E, part, f"created {core.created} is not a valid date")
    if ctx.kind is PackageKind.EYPG and core.version != "2.1":
        ctx.add(
            "EYP-CORE-009", E, part, f"an update package has version 2.1, found {core.version!r}"
        )
    if ctx.kind in (PackageKind.EYPS, PackageKind.EYPG) and not (
        core.identifier and is_guid(core.identifier)
    ):
        ctx.add(
            "EYP-CORE-010",
            W,
            part,
            f"identifier {core.identifier!r} is not an upper-case GUID"
            if core.identifier
            else "the package has no identifier (a GUID of its own is expected)",
        )
    return core


def _kind_from_structure(ctx: VerifyContext) -> PackageKind | None:
    for component, kind in _STRUCTURE_KIND.items():
        if ctx.components(component):
            return kind
    return None
