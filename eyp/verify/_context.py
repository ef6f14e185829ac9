"""State shared by the checks of one package verification."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from eyp._digests import MultiHasher
from eyp._locate import Located, locate
from eyp._names import Component, PackageKind
from eyp._opc import OpcPackage, PartName
from eyp.errors import EypError
from eyp.model import DigestAlgorithm, Generation, Manifest
from eyp.verify._report import Finding, Severity

if TYPE_CHECKING:
    from eyp.verify._signatures import SignatureCheckResult, SignatureTrust

__all__ = ["Recipient", "VerifyContext"]

E, W = Severity.ERROR, Severity.WARNING
_SPOOL = 64 * 1024 * 1024


@dataclass(frozen=True)
class Recipient:
    """Whom a per-recipient copy is verified for (eyp.md §7.4 5b): KKK, TCKN or legal Id."""

    identifier: str


@dataclass
class VerifyContext:
    opc: OpcPackage
    recipient: Recipient | None = None
    depth: int = 0
    findings: list[Finding] = field(default_factory=list)
    kind: PackageKind | None = None
    generation: Generation | None = None
    version: str | None = None
    belge_id: str | None = None
    core_identifier: str | None = None
    core_part: PartName | None = None
    manifests: dict[str, Manifest] = field(default_factory=dict)
    inner_reports: list[object] = field(default_factory=list)
    #: CAdES verification of the signature parts (None: structure and digests only).
    trust: SignatureTrust | None = None
    signature_results: list[SignatureCheckResult] = field(default_factory=list)
    _package_rels: list[Located] | None = None
    _digest_cache: dict[str, dict[DigestAlgorithm, bytes] | str] = field(default_factory=dict)

    def verify_signature(
        self, component: Component, part: str, data: bytes, manifest_bytes: bytes, covers: list[str]
    ) -> None:
        """CAdES-verify one signature part when a trust configuration was given."""
        if self.trust is None:
            return
        from eyp.signing._roles import SignatureRole
        from eyp.verify._signatures import check_signature

        role = {
            Component.PARAF_IMZA: SignatureRole.PARAF,
            Component.IMZA: SignatureRole.IMZA,
        }.get(component)
        if role is None:
            update = self.kind is PackageKind.EYPG
            role = SignatureRole.GUNCELLEME_MUHRU if update else SignatureRole.MUHUR
        result = check_signature(
            self.findings, role, part, data, manifest_bytes, covers, self.trust
        )
        self.signature_results.append(result)

    def add(
        self, rule: str, severity: Severity, part: str, message: str, official: int | None = None
    ) -> None:
        self.findings.append(Finding(rule, severity, part, message, official))

    def package_rels(self) -> list[Located]:
        if self._package_rels is None:
            self._package_rels = locate(self.opc)
        return self._package_rels

    def components(self, component: Component, source: PartName | None = None) -> list[Located]:
        rels = self.package_rels() if source is None else locate(self.opc, source)
        return [r for r in rels if r.component is component]

    def components_from(self, source: PartName) -> list[Located]:
        """Relationships of the part ``source`` (e.g. a manifest's signature relationship)."""
        return locate(self.opc, source)

    def read_xml(self, part: PartName) -> bytes | None:
        """The bytes of an XML component, or None after recording an error finding."""
        try:
            return self.opc.read(part)
        except EypError as exc:
            self.add("EYP-OPC-005", E, part, str(exc))
            return None

    @contextlib.contextmanager
    def spooled(self, part: PartName) -> Iterator[BinaryIO]:
        """A seekable copy of ``part`` (an embedded package): in memory up to 64 MiB, then on
        disk, so memory does not grow with the embedded package's size."""
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
            for chunk in self.opc.zip.iter_chunks(part):
                spool.write(chunk)
            spool.seek(0)
            yield spool  # type: ignore[misc]  # SpooledTemporaryFile is a binary stream

    def digests(
        self, part: PartName, algorithms: set[DigestAlgorithm]
    ) -> dict[DigestAlgorithm, bytes] | str:
        """Digests of the stored bytes of ``part`` (streamed once per part and cached).

        Returns an error message instead when the part cannot be read.
        """
        key = part.key()
        cached = self._digest_cache.get(key)
        if isinstance(cached, dict) and algorithms <= cached.keys():
            return cached
        if isinstance(cached, str):
            return cached
        hasher = MultiHasher(algorithms | (set(cached) if isinstance(cached, dict) else set()))
        try:
            for chunk in self.opc.zip.iter_chunks(part):
                hasher.update(chunk)
        except EypError as exc:
            self._digest_cache[key] = str(exc)
            return str(exc)
        result = hasher.digests()
        self._digest_cache[key] = result
        return result
