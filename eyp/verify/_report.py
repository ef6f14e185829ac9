"""Findings and the verification report (eyp.md §12; DESIGN.md §2.11).

A bad package is a report, not an exception: every check appends a :class:`Finding` with a stable
rule id from eyp.md §12. ``valid`` is true when no finding has severity ``error``.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eyp.verify._signatures import SignatureCheckResult

__all__ = ["Finding", "Severity", "VerificationReport"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One observation: ``rule`` (e.g. ``EYP-DIG-012``), severity, the part concerned, a message."""

    rule: str
    severity: Severity
    part: str
    message: str
    #: The official verifier's ``OzetDogrulamaHataKodu`` when the rule maps to one (eyp.md §12.10).
    official_code: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "part": self.part,
            "message": self.message,
        }
        if self.official_code is not None:
            data["official_code"] = self.official_code
        return data


@dataclass(frozen=True)
class VerificationReport:
    """Result of :func:`eyp.verify_package` for one package (nested packages in ``inner``)."""

    source: str
    kind: str | None
    version: str | None
    belge_id: str | None
    findings: tuple[Finding, ...]
    #: Manifest name → the part URIs it covers, in document order.
    manifests: dict[str, list[str]] = field(default_factory=dict)
    #: Reports of embedded packages (the OrijinalPaket of an .eypg, the content of an .eyps).
    inner: tuple[VerificationReport, ...] = ()
    #: CAdES results per signature part (empty when signatures were not verified).
    signatures: tuple[SignatureCheckResult, ...] = ()

    @property
    def indication(self) -> str:
        """ETSI-style overall result (DESIGN.md §2.11): TOTAL_FAILED when any error finding,
        TOTAL_PASSED when every signature (and nested package) passed, else INDETERMINATE."""
        if not self.valid:
            return "TOTAL_FAILED"
        results = [s.indication for s in self.signatures]
        results += [r.indication for r in self.inner]
        if results and all(r == "TOTAL_PASSED" for r in results):
            return "TOTAL_PASSED"
        return "INDETERMINATE"

    @property
    def valid(self) -> bool:
        own = all(f.severity is not Severity.ERROR for f in self.findings)
        return own and all(r.valid for r in self.inner)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def rules(self) -> set[str]:
        """Rule ids of all findings, including nested reports."""
        found = {f.rule for f in self.findings}
        for report in self.inner:
            found |= report.rules()
        return found

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "valid": self.valid,
            "kind": self.kind,
            "version": self.version,
            "belge_id": self.belge_id,
            "indication": self.indication,
            "findings": [f.to_dict() for f in self.findings],
            "manifests": self.manifests,
            "signatures": [s.to_dict() for s in self.signatures],
        }
        if self.inner:
            data["inner"] = [r.to_dict() for r in self.inner]
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        lines = [
            f"{self.source}: {'VALID' if self.valid else 'INVALID'}"
            f" (kind {self.kind or '?'}, version {self.version or '?'}, "
            f"BelgeId {self.belge_id or '?'})"
        ]
        for name, uris in self.manifests.items():
            lines.append(f"  {name} covers {len(uris)} part(s): {', '.join(uris)}")
        for sig in self.signatures:
            lines.append(
                f"  signature {sig.role.value} ({sig.part}): {sig.indication}"
                f"{' / ' + sig.sub_indication if sig.sub_indication else ''}, "
                f"{sig.profile or '?'} {sig.level or '?'}, covers {len(sig.covers)} part(s)"
            )
            for signer in sig.signers:
                ids = ", ".join(
                    f"{k.upper()} {signer[k]}" for k in ("tckn", "vkn", "kkk") if signer.get(k)
                )
                lines.append(
                    f"    signer {signer['path']}: {signer['name']}"
                    f"{' (' + ids + ')' if ids else ''}, {signer['certificate_type']}, "
                    f"time {signer['time'] or '?'}, {signer['indication']}"
                )
        lines.append(f"  overall: {self.indication}")
        for f in self.findings:
            lines.append(f"  [{f.severity.value:7}] {f.rule} {f.part}: {f.message}")
        for report in self.inner:
            lines.extend("  " + line for line in report.to_text().splitlines())
        return "\n".join(lines)
