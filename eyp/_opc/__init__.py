"""Open Packaging Conventions (ECMA-376 Part 2) layer of EYP packages.

Layers, bottom-up (after python-docx's ``docx/opc``): :mod:`._partname` (validated part names),
:mod:`._zipread` / :mod:`._zipwrite` (physical ZIP with hardened limits, deterministic and atomic
writing), :mod:`._content_types` and :mod:`._relationships` (serialized OPC parts), and
:mod:`._package` (a read-only view joining them).
"""

from eyp._opc._content_types import ContentTypes
from eyp._opc._limits import ZipLimits
from eyp._opc._package import OpcPackage
from eyp._opc._partname import PartName
from eyp._opc._relationships import (
    Relationship,
    TargetMode,
    parse_relationships,
    serialize_relationships,
)
from eyp._opc._zipread import ZipReader
from eyp._opc._zipwrite import Compression, ZipWriter

__all__ = [
    "Compression",
    "ContentTypes",
    "OpcPackage",
    "PartName",
    "Relationship",
    "TargetMode",
    "ZipLimits",
    "ZipReader",
    "ZipWriter",
    "parse_relationships",
    "serialize_relationships",
]
