"""EYP packages (Teknik Rehber 2.0/2.1; 1.x read): build, read, update, verify.

Public surface:

* building — :class:`EypBuilder` → :class:`EypSession` (normal 2.0 packages, two-phase signing;
  :meth:`EypSession.save_draft` / :func:`resume_session` for signing in several sittings),
  :class:`UpdateBuilder` (``.eypg``), :func:`recipient_copy` (per-recipient copies);
* signing — :mod:`eyp.signing` (paraf, e-signature, seal with CAdES);
* encrypted packages — :mod:`eyp.encrypted` (``.eyps``; licence-gated, so the container writer
  is not public: wrapping an envelope made elsewhere would be a way around the licence,
  signatures.md §8.1 fact 4);
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
    "EypBuilder",
    "EypError",
    "EypPackage",
    "EypSession",
    "FileInput",
    "Finding",
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
    "recipient_copy",
    "resume_session",
    "verify_package",
]
