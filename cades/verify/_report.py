"""The verification report (signatures.md §4.6, §4.7; DESIGN.md §2.11).

Frozen dataclasses whose statuses follow ETSI EN 319 102-1 (TOTAL_PASSED / TOTAL_FAILED /
INDETERMINATE with sub-indications). :meth:`SignatureReport.to_dict` has the JSON shape of §4.7;
:meth:`SignatureReport.to_text` renders the same content for people, grouped the way İmzager
groups it (signature details, signer, time-stamp, legal quality) in English or Turkish.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from cryptography import x509

from cades.profiles import Level, Profile
from keys import QcType

__all__ = [
    "Check",
    "CheckStatus",
    "Indication",
    "Maturity",
    "RevocationInfo",
    "SignatureReport",
    "SignerReport",
    "TimestampInfo",
    "worst",
]


class Indication(enum.Enum):
    """ETSI EN 319 102-1 §5.1.3 main indications."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class CheckStatus(enum.Enum):
    """Status of one check of the catalogue (§4.6)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"
    WARNING = "WARNING"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Maturity(enum.Enum):
    """Kesinleşme (finalisation) state of §4.3."""

    MATURE = "MATURE"
    PREMATURE = "PREMATURE"
    INDETERMINATE = "INDETERMINATE"
    NOT_APPLICABLE = "NOT_APPLICABLE"


_STATUS_RANK = {
    CheckStatus.FAILED: 3,
    CheckStatus.INDETERMINATE: 2,
    CheckStatus.WARNING: 1,
    CheckStatus.PASSED: 0,
    CheckStatus.NOT_APPLICABLE: 0,
}


def worst(statuses: list[CheckStatus]) -> CheckStatus:
    if not statuses:
        return CheckStatus.PASSED
    return max(statuses, key=lambda s: _STATUS_RANK[s])


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """Evidence values as JSON-friendly data."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Check:
    """One evaluated check: catalogue id, status, reason code, bilingual message, evidence.

    ``sub_indication`` is the ETSI sub-indication this check contributes when it is FAILED or
    INDETERMINATE (§4.6 last column).
    """

    id: str
    status: CheckStatus
    reason: str
    message: str
    message_tr: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    sub_indication: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "status": self.status.value,
            "reason": self.reason,
            "message": {"en": self.message, "tr": self.message_tr},
            "evidence": _plain(self.evidence),
        }
        if self.sub_indication is not None and self.status in (
            CheckStatus.FAILED,
            CheckStatus.INDETERMINATE,
        ):
            data["sub_indication"] = self.sub_indication
        return data


@dataclass(frozen=True)
class TimestampInfo:
    """A time-stamp token found in the signature and what its checks said (§4.4).

    ``kind``: ``signature``, ``content``, ``esc`` (CAdES-C-time-stamp), ``certs-crls``,
    ``archive-v3``, ``archive-v2`` or ``archive-v1``. ``variant`` names the imprint formula
    that matched (X types, ATSv2 readings, ATSv3 index entry formula).
    """

    kind: str
    gen_time: datetime | None
    tsa: str | None
    policy: str | None
    serial_number: int | None
    hash_algorithm: str | None
    accuracy: timedelta | None
    imprint_matches: bool | None
    trusted: bool
    status: CheckStatus
    reason: str
    variant: str | None = None
    index_version: int | None = None
    attribute_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "gen_time": _iso(self.gen_time),
            "tsa": self.tsa,
            "policy": self.policy,
            "serial_number": self.serial_number,
            "hash_algorithm": self.hash_algorithm,
            "accuracy": None if self.accuracy is None else self.accuracy.total_seconds(),
            "imprint_matches": self.imprint_matches,
            "trusted": self.trusted,
            "status": self.status.value,
            "reason": self.reason,
            "variant": self.variant,
            "index_version": self.index_version,
            "attribute_index": self.attribute_index,
        }


@dataclass(frozen=True)
class RevocationInfo:
    """One revocation datum (CRL or OCSP) consulted for a certificate (§4.5).

    ``role`` is ``signer``, ``ca``, ``ocsp-responder`` or ``tsa``; ``source`` is ``embedded``
    (in the signature), ``policy`` (pre-fetched by the caller) or ``fetched`` (online mode).
    ``produced_at`` is the OCSP producedAt or the CRL thisUpdate. ``status`` is ``good``,
    ``revoked`` or ``unknown``; ``fresh`` tells whether it satisfies §4.3 for the time it was
    needed at; ``problem`` says why it could not be used (``None`` when authentic).
    """

    certificate: str
    serial_number: str
    role: str
    type: str
    source: str
    issuer: str | None
    produced_at: datetime | None
    this_update: datetime | None
    next_update: datetime | None
    status: str
    revocation_time: datetime | None
    revocation_reason: str | None
    fresh: bool
    authentic: bool
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "certificate": self.certificate,
            "serial_number": self.serial_number,
            "role": self.role,
            "type": self.type,
            "source": self.source,
            "issuer": self.issuer,
            "produced_at": _iso(self.produced_at),
            "this_update": _iso(self.this_update),
            "next_update": _iso(self.next_update),
            "status": self.status,
            "revocation_time": _iso(self.revocation_time),
            "revocation_reason": self.revocation_reason,
            "fresh": self.fresh,
            "authentic": self.authentic,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class SignerReport:
    """Result for one SignerInfo (top level ``"0"``, ``"1"``…; countersigners ``"0.0"``…)."""

    path: str
    subject: str | None
    identity: Mapping[str, str]
    certificate: x509.Certificate | None
    certificate_type: QcType | None
    type_marker_source: str | None
    profile: Profile | None
    policy_oid: str | None
    level_claimed: Level
    level: Level
    signing_time: datetime | None
    best_signature_time: datetime
    best_signature_time_source: str
    maturity: Maturity
    retry_after: datetime | None
    indication: Indication
    sub_indication: str | None
    checks: tuple[Check, ...]
    timestamps: tuple[TimestampInfo, ...]
    revocation: tuple[RevocationInfo, ...]
    countersigners: tuple[SignerReport, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", MappingProxyType(dict(self.identity)))
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def check(self, check_id: str) -> Check:
        """The check with ``check_id`` (raises ``KeyError`` when it was not evaluated)."""
        for item in self.checks:
            if item.id == check_id:
                return item
        raise KeyError(check_id)

    def all_signers(self) -> tuple[SignerReport, ...]:
        """This signer and its countersigners, depth first."""
        out: list[SignerReport] = [self]
        for counter in self.countersigners:
            out.extend(counter.all_signers())
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "subject": self.subject,
            "identity": dict(self.identity),
            "certificate_type": _type_name(self.certificate_type),
            "type_marker_source": self.type_marker_source,
            "profile": None if self.profile is None else self.profile.value,
            "policy_oid": self.policy_oid,
            "level_claimed": self.level_claimed.value,
            "level_achieved": self.level.value,
            "signing_time": _iso(self.signing_time),
            "best_signature_time": {
                "value": _iso(self.best_signature_time),
                "source": self.best_signature_time_source,
            },
            "maturity": self.maturity.value,
            "retry_after": _iso(self.retry_after),
            "indication": self.indication.value,
            "sub_indication": self.sub_indication,
            "attributes": _plain(self.attributes),
            "checks": [c.to_dict() for c in self.checks],
            "timestamps": [t.to_dict() for t in self.timestamps],
            "revocation": [r.to_dict() for r in self.revocation],
            "countersigners": [c.to_dict() for c in self.countersigners],
        }


def _type_name(value: QcType | None) -> str | None:
    if value is None:
        return None
    return {
        QcType.NES: "NES",
        QcType.KURUMSAL_MUHUR: "KURUMSAL_MUHUR",
        QcType.NITELIKLI_MUHUR: "NITELIKLI_MUHUR",
        QcType.MALI_MUHUR: "MALI_MUHUR",
        QcType.NONE: "NONE",
    }[value]


@dataclass(frozen=True)
class SignatureReport:
    """Result of :func:`cades.verify.verify` for one CMS signature (§4.7)."""

    indication: Indication
    sub_indication: str | None
    signers: tuple[SignerReport, ...]
    validation_time: datetime
    mode: str
    format_checks: tuple[Check, ...]
    retry_after: datetime | None = None
    document: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "document", MappingProxyType(dict(self.document)))

    @property
    def passed(self) -> bool:
        """True when every signer (countersigners included) is TOTAL_PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    def all_signers(self) -> tuple[SignerReport, ...]:
        """Every signer, countersigners included, depth first."""
        out: list[SignerReport] = []
        for signer in self.signers:
            out.extend(signer.all_signers())
        return tuple(out)

    def signer(self, path: str) -> SignerReport:
        """The signer with ``path`` (``"0"``, ``"0.0"``…); ``KeyError`` when absent."""
        for candidate in self.all_signers():
            if candidate.path == path:
                return candidate
        raise KeyError(path)

    def warnings(self) -> tuple[Check, ...]:
        """Every WARNING check (format checks and all signers)."""
        found = [c for c in self.format_checks if c.status is CheckStatus.WARNING]
        for signer in self.all_signers():
            found.extend(c for c in signer.checks if c.status is CheckStatus.WARNING)
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": _plain(self.document),
            "validation_time": _iso(self.validation_time),
            "mode": self.mode,
            "overall": {
                "indication": self.indication.value,
                "sub_indication": self.sub_indication,
                "retry_after": _iso(self.retry_after),
            },
            "format_checks": [c.to_dict() for c in self.format_checks],
            "signers": [s.to_dict() for s in self.signers],
            "warnings": [f"{c.id}: {c.message}" for c in self.warnings()],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self, lang: str = "en") -> str:
        """Human rendering (``lang`` ``"en"`` or ``"tr"``)."""
        from cades.verify._text import render

        return render(self, lang)
