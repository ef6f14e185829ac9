"""Errors of the EYP package layer (Teknik Rehber 2.0 packages).

Every error raised from a public entry point of :mod:`eyp` derives from :class:`EypError`;
dependency errors (``zipfile``, ``lxml``, ``OSError``) are wrapped at the boundary with
``raise ... from exc`` so a user never sees a raw traceback from a dependency.
"""

from __future__ import annotations

from keys.errors import EYazismaError

__all__ = [
    "BuildError",
    "EypError",
    "ModelError",
    "PackageFormatError",
    "SigningRefusedError",
    "UnsafePackageError",
    "XmlError",
]


class EypError(EYazismaError):
    """Base of all EYP package errors."""

    code = "EYP"


class PackageFormatError(EypError):
    """The file is not a readable ZIP/OPC package (truncated, not a ZIP, missing core parts)."""

    code = "EYP_FORMAT"


class UnsafePackageError(PackageFormatError):
    """The ZIP violates a safety limit or naming rule (zip bomb, traversal, duplicates)."""

    code = "EYP_UNSAFE"


class XmlError(EypError):
    """An XML part is malformed, uses a DTD/entities, or has an unexpected root element."""

    code = "EYP_XML"


class ModelError(EypError):
    """A model value is invalid (bad GUID, wrong enumeration value, missing mandatory element)."""

    code = "EYP_MODEL"


class BuildError(EypError):
    """The builder was used out of the lifecycle order of Teknik Rehber §1.2, or inputs conflict."""

    code = "EYP_BUILD"


class SigningRefusedError(EypError):
    """A signature step was refused before the key was used (signatures.md §2.6).

    The certificate is of the wrong kind for the role (§1.8), expired, revoked, or the package is
    not at a stage where this signature belongs (eyp.md §1.2). The message names the reason.
    """

    code = "EYP_SIGNING_REFUSED"
    exit_code = 2
