"""Namespace URIs of the e-Yazışma components (spec/eyp.md §5, §5.10, §6)."""

from __future__ import annotations

from eyp.model._base import Generation

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"

_PREFIX = "urn:dpt:eyazisma:schema:xsd:"


def ns(component: str, generation: Generation) -> str:
    """``urn:dpt:eyazisma:schema:xsd:<component>-<n>``."""
    return f"{_PREFIX}{component}-{generation.value}"


def tipler(generation: Generation) -> str:
    return ns("Tipler", generation)


def generation_of(uri: str, component: str) -> Generation | None:
    """Which generation ``uri`` is the namespace of ``component`` for, if any."""
    for gen in Generation:
        if uri == ns(component, gen):
            return gen
    return None


# Core properties (OPC, ECMA-376 Part 2).
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
