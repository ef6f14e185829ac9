"""Manifest and digest checks (eyp.md §7, §12.6; rules EYP-DIG-001…012, 017).

Digests are always computed over the stored part bytes (never a re-serialization), streamed, and
each part is hashed once for all manifests that reference it.
"""

from __future__ import annotations

from urllib.parse import unquote

from eyp._names import Component
from eyp._opc import PartName
from eyp.errors import EypError
from eyp.model import DigestAlgorithm, Generation, Manifest, ManifestKind, ReferenceType
from eyp.verify._context import VerifyContext
from eyp.verify._report import Severity

__all__ = ["MANIFEST_COMPONENTS", "check_manifest_digests", "load_manifest"]

E, W = Severity.ERROR, Severity.WARNING

MANIFEST_COMPONENTS = {
    Component.PARAF_OZETI: ManifestKind.PARAF_OZETI,
    Component.PAKET_OZETI: ManifestKind.PAKET_OZETI,
    Component.NIHAI_OZET: ManifestKind.NIHAI_OZET,
}
_ALLOWED_V2 = {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}


def load_manifest(ctx: VerifyContext, component: Component, part: PartName) -> Manifest | None:
    """Parse a manifest (EYP-DIG-001) and check its Id (EYP-DIG-002)."""
    data = ctx.read_xml(part)
    if data is None:
        return None
    kind = MANIFEST_COMPONENTS[component]
    try:
        manifest = Manifest.from_xml(data, part=part, kind=kind)
    except EypError as exc:
        ctx.add("EYP-DIG-001", E, part, str(exc))
        return None
    for problem in manifest.parse_problems:
        ctx.add("EYP-DIG-001", E, part, str(problem))
    expected = (
        ctx.core_identifier if ctx.kind is not None and ctx.kind.name == "EYPG" else ctx.belge_id
    )
    if not manifest.id:
        ctx.add("EYP-DIG-002", E, part, "the root Id is missing")
    elif expected and manifest.id != expected:
        ctx.add("EYP-DIG-002", E, part, f"Id {manifest.id} differs from the document id {expected}")
    elif manifest.id != manifest.id.upper():
        ctx.add("EYP-DIG-002", E, part, f"Id {manifest.id} is not upper case")
    ctx.manifests[kind.root_name] = manifest
    return manifest


def _find_part(ctx: VerifyContext, uri: str) -> PartName | None:
    for candidate in (uri, unquote(uri)):
        try:
            found = ctx.opc.find(candidate)
        except EypError:
            found = None
        if found is not None:
            return found
    return None


def prefetch_digests(ctx: VerifyContext, manifests: list[tuple[PartName, Manifest]]) -> None:
    """Hash every internal part once with the union of algorithms any manifest asks for."""
    wanted: dict[PartName, set[DigestAlgorithm]] = {}
    for _, manifest in manifests:
        for ref in manifest.references:
            if ref.type is not ReferenceType.DAHILI:
                continue
            part = _find_part(ctx, ref.uri)
            if part is None:
                continue
            algs = {d.algorithm for d in ref.digests if isinstance(d.algorithm, DigestAlgorithm)}
            wanted.setdefault(part, set()).update(a for a in algs if _available(a))
    for part, algs in wanted.items():
        if algs:
            ctx.digests(part, algs)


def _available(algorithm: DigestAlgorithm) -> bool:
    try:
        algorithm.new()
    except EypError:
        return False
    return True


def check_manifest_digests(
    ctx: VerifyContext,
    part: PartName,
    manifest: Manifest,
    *,
    tolerated_missing: dict[str, str] | None = None,
) -> None:
    """Shape, presence and digest checks for every Reference of ``manifest``.

    ``tolerated_missing`` maps a URI (case-folded) to the reason its absence is only a warning
    (eyp.md §7.4 step 5).
    """
    generation = manifest.generation
    if not manifest.references:
        ctx.add("EYP-DIG-003", E, part, "the manifest has no Reference", 8)
    seen: set[str] = set()
    for index, ref in enumerate(manifest.references, start=1):
        where = f"{part} Reference[{index}]"
        if not ref.uri:
            ctx.add("EYP-DIG-004", E, part, f"Reference[{index}] has no URI", 9)
            continue
        if ref.uri.casefold() in seen:
            ctx.add("EYP-DIG-017", W, part, f"{ref.uri} is listed more than once")
        seen.add(ref.uri.casefold())
        if not _check_shape(ctx, part, where, ref.uri, ref.digests, generation):
            continue
        if ref.type is ReferenceType.HARICI:
            if manifest.kind is ManifestKind.NIHAI_OZET:
                ctx.add(
                    "EYP-DIG-010",
                    E,
                    part,
                    f"{ref.uri}: NihaiÖzet must not reference external components",
                )
            continue
        if ref.type is not ReferenceType.DAHILI:
            ctx.add(
                "EYP-DIG-010",
                E,
                part,
                f"{ref.uri}: Type {ref.type!s} is neither #dahili nor #harici",
            )
            continue
        target = _find_part(ctx, ref.uri)
        if target is None:
            reason = (tolerated_missing or {}).get(ref.uri.casefold())
            if reason:
                ctx.add("EYP-DIG-011", W, ref.uri, f"listed in {part} but absent: {reason}", 13)
            else:
                ctx.add("EYP-DIG-011", E, ref.uri, f"listed in {part} but not in the package", 13)
            continue
        algorithms = {d.algorithm for d in ref.digests if isinstance(d.algorithm, DigestAlgorithm)}
        computed = ctx.digests(target, {a for a in algorithms if _available(a)})
        if isinstance(computed, str):
            ctx.add("EYP-DIG-012", E, ref.uri, f"cannot hash the part: {computed}", 14)
            continue
        for item in ref.digests:
            assert isinstance(item.algorithm, DigestAlgorithm)
            assert isinstance(item.value, bytes)
            if item.algorithm not in computed:
                continue
            if computed[item.algorithm] != item.value:
                ctx.add(
                    "EYP-DIG-012",
                    E,
                    ref.uri,
                    f"{item.algorithm.name} digest in {part} does not match the stored part bytes",
                    15,
                )


def _check_shape(
    ctx: VerifyContext,
    part: PartName,
    where: str,
    uri: str,
    digests: tuple[object, ...],
    generation: Generation,
) -> bool:
    from eyp.model import DigestItem

    items = [d for d in digests if isinstance(d, DigestItem)]
    if generation is Generation.V2 and len(items) != 2:
        ctx.add(
            "EYP-DIG-005",
            E,
            part,
            f"{uri}: {len(items)} DigestItem(s), exactly two required",
            28 if not items else 29,
        )
        if not items:
            return False
    if generation is Generation.V1 and len(items) != 1:
        ctx.add("EYP-DIG-005", E, part, f"{uri}: a 1.x Reference has exactly one digest")
        if not items:
            return False
    ok = True
    algorithms = []
    for item in items:
        if not isinstance(item.algorithm, DigestAlgorithm):
            ctx.add(
                "EYP-DIG-009",
                E,
                part,
                f"{uri}: unsupported or missing algorithm {item.algorithm!s}",
                12,
            )
            ok = False
            continue
        if not isinstance(item.value, bytes) or not item.value:
            ctx.add("EYP-DIG-006", E, part, f"{uri}: DigestValue is empty or not base64", 10)
            ok = False
            continue
        if len(item.value) != item.algorithm.digest_size:
            ctx.add(
                "EYP-DIG-006", E, part, f"{uri}: {item.algorithm.name} value has a wrong length"
            )
            ok = False
        algorithms.append(item.algorithm)
        if generation is Generation.V2 and item.algorithm not in _ALLOWED_V2:
            ctx.add(
                "EYP-DIG-009", E, part, f"{uri}: {item.algorithm.name} is not allowed in 2.x", 12
            )
            ok = False
        elif generation is Generation.V1 and item.algorithm in (
            DigestAlgorithm.SHA1,
            DigestAlgorithm.RIPEMD160,
        ):
            ctx.add("EYP-DIG-009", W, part, f"{uri}: {item.algorithm.name} is deprecated")
        if not _available(item.algorithm):
            ctx.add(
                "EYP-DIG-009",
                W,
                part,
                f"{uri}: {item.algorithm.name} is not available here; not checked",
            )
    if generation is Generation.V2 and len(algorithms) == 2:
        if algorithms[0] == algorithms[1]:
            ctx.add("EYP-DIG-007", E, part, f"{uri}: both digests use {algorithms[0].name}", 30)
        if DigestAlgorithm.SHA512 not in algorithms:
            ctx.add("EYP-DIG-008", E, part, f"{uri}: neither digest is SHA-512", 31)
    return ok
