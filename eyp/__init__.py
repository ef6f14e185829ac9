"""EYP packages (Teknik Rehber 2.0/2.1; 1.x read): build, read, update, verify.

Public surface:

* building — :class:`EypBuilder` → :class:`EypSession` (normal 2.0 packages, two-phase signing),
  :class:`UpdateBuilder` (``.eypg``), :class:`EncryptedPackageBuilder` (``.eyps`` container with
  opaque encrypted content), :func:`recipient_copy` (per-recipient copies);
* reading — :class:`EypPackage`;
* verifying — :func:`verify_package` → :class:`VerificationReport` of :class:`Finding`;
* models — :mod:`eyp.model`; errors — :mod:`eyp.errors`.
"""

from eyp._digests import DigestPolicy
from eyp._names import Component, PackageKind
from eyp._opc import Compression, ZipLimits
from eyp._read import EypPackage, PartInfo
from eyp._recipient import recipient_copy
from eyp.build import EypBuilder, EypSession, FileInput, Stage
from eyp.build._encrypted import EncryptedPackageBuilder, InnerSummary, read_inner_summary
from eyp.build._resume import DraftState, read_draft_state, resume_session
from eyp.build._update import UpdateBuilder, UpdateSession
from eyp.errors import (
    BuildError,
    EypError,
    ModelError,
    PackageFormatError,
    UnsafePackageError,
    XmlError,
)
from eyp.verify import Finding, Recipient, Severity, VerificationReport, verify_package

__all__ = [
    "BuildError",
    "Component",
    "Compression",
    "DigestPolicy",
    "DraftState",
    "EncryptedPackageBuilder",
    "EypBuilder",
    "EypError",
    "EypPackage",
    "EypSession",
    "FileInput",
    "Finding",
    "InnerSummary",
    "ModelError",
    "PackageFormatError",
    "PackageKind",
    "PartInfo",
    "Recipient",
    "Severity",
    "Stage",
    "UnsafePackageError",
    "UpdateBuilder",
    "UpdateSession",
    "VerificationReport",
    "XmlError",
    "ZipLimits",
    "read_draft_state",
    "read_inner_summary",
    "recipient_copy",
    "resume_session",
    "verify_package",
]
