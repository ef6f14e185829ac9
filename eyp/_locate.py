"""Find the components of a package through its relationships (eyp.md §2.1, §3).

Readers resolve components through relationships, never fixed paths; relationship types match
case-insensitively (a case-only mismatch is remembered so the verifier can warn, EYP-OPC-006).
Signature parts hang off their manifest's part relationships.
"""

from __future__ import annotations

from dataclasses import dataclass

from eyp._names import CORE_REL_TYPE, Component
from eyp._opc import OpcPackage, PartName, Relationship, TargetMode
from eyp.errors import EypError

__all__ = ["Located", "locate"]


@dataclass(frozen=True)
class Located:
    """A relationship to a component and, when it resolves to an existing part, that part."""

    component: Component | None  # None for the core-properties relationship
    relationship: Relationship
    part: PartName | None
    exact_type: bool = True
    #: Why ``part`` is None (external, unsafe target, missing part).
    problem: str | None = None

    @property
    def target(self) -> str:
        return self.relationship.target


def _resolve(opc: OpcPackage, rel: Relationship) -> tuple[PartName | None, str | None]:
    if rel.mode is TargetMode.EXTERNAL:
        return None, "the relationship targets an external resource"
    try:
        wanted = rel.target_part
    except EypError as exc:
        return None, str(exc)
    stored = opc.find(wanted)
    if stored is None:
        return None, f"target {wanted} does not exist in the package"
    return stored, None


def locate(opc: OpcPackage, source: PartName | None = None) -> list[Located]:
    """Every relationship of ``source`` (``None``: package) classified and resolved."""
    found: list[Located] = []
    for rel in opc.relationships(source):
        if rel.type == CORE_REL_TYPE:
            component, exact = None, True
        else:
            component, exact = Component.from_rel_type(rel.type)
            if component is None and rel.type.casefold() == CORE_REL_TYPE.casefold():
                exact = False
        part, problem = _resolve(opc, rel)
        found.append(Located(component, rel, part, exact, problem))
    return found
