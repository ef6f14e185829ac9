"""CAdES verification of every signature of a package (eyp.md §12.7; signatures.md §2, §4).

Structure and digests are checked by the other modules; here each ``.imz`` goes through the
CAdES verifier (:mod:`cades.verify`) with the manifest bytes as the expected content, and the
verifier's checks (signatures.md §4.6) are mapped onto the EYP rule ids:

========================  ==============  =============================================
cades checks              EYP rule        meaning
========================  ==============  =============================================
FMT-001                   EYP-SIG-001     not a CMS SignedData
BES-001…005               EYP-SIG-005     a SignerInfo does not verify
BES-006, TRP, T, C, X,    EYP-SIG-006     profile and form (P3/P4; X-Long for paraf and
XL, A                                     e-signature, archive time-stamp for seals)
BES-007                   EYP-SIG-007     mime-type
PKX, MAT, certificate     EYP-SIG-008     certificates qualified, valid, not revoked,
kind                                      right kind for the role (§1.8)
single signer (seals)     EYP-SIG-010     exactly one signer, no countersignature
========================  ==============  =============================================

A FAILED check is an error; INDETERMINATE and WARNING are warnings (e.g. no trust anchor was
configured, so certificates could not be validated). The NihaiÜstveri rules that depend on the
signatures (EYP-NUV-005 ``Tarih``, EYP-NUV-006 signer count) are checked here as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from cades import (
    CheckStatus,
    Level,
    Profile,
    SignatureReport,
    SignerReport,
    ValidationPolicy,
    verify_signature,
)
from eyp.errors import SigningRefusedError
from eyp.model import NihaiUstveri, RawText
from eyp.signing._nihai import signature_times
from eyp.signing._roles import SignatureRole, check_certificate_kind
from eyp.verify._report import Finding, Severity

__all__ = ["SignatureCheckResult", "SignatureTrust", "check_nihai_dates", "check_signature"]

E, W = Severity.ERROR, Severity.WARNING

_RULE_BY_PREFIX = (
    ("FMT-001", "EYP-SIG-001"),
    ("FMT", "EYP-SIG-005"),
    ("BES-007", "EYP-SIG-007"),
    ("BES-006", "EYP-SIG-006"),
    ("BES", "EYP-SIG-005"),
    ("TRP", "EYP-SIG-006"),
    ("T-", "EYP-SIG-006"),
    ("C-", "EYP-SIG-006"),
    ("X-", "EYP-SIG-006"),
    ("XL-", "EYP-SIG-006"),
    ("A-", "EYP-SIG-006"),
    ("PKX", "EYP-SIG-008"),
    ("MAT", "EYP-SIG-008"),
)
_ACCEPTED_PROFILES = (Profile.P3, Profile.P4)


@dataclass(frozen=True)
class SignatureTrust:
    """How package signatures are validated (signatures.md §4.1).

    Without ``trust_anchors`` the signatures are still verified cryptographically and against
    the profile, but certificate paths stay INDETERMINATE (reported as warnings).
    """

    trust_anchors: Sequence[x509.Certificate] = ()
    tsa_trust_anchors: Sequence[x509.Certificate] | None = None
    certificates: Sequence[x509.Certificate] = ()
    offline: bool = True
    validation_time: datetime | None = None
    #: EYP-NUV-005 tolerance between NihaiÜstveri Tarih and the latest time-stamp (§2.5).
    tarih_tolerance: timedelta = timedelta(0)

    def policy(self) -> ValidationPolicy:
        return ValidationPolicy(
            trust_anchors=tuple(self.trust_anchors),
            tsa_trust_anchors=None
            if self.tsa_trust_anchors is None
            else tuple(self.tsa_trust_anchors),
            certificates=tuple(self.certificates),
            offline=self.offline,
            validation_time=self.validation_time,
        )


@dataclass(frozen=True)
class SignatureCheckResult:
    """One signature part of the package, as the CLI JSON shows it (issue 5 contract)."""

    role: SignatureRole
    part: str
    covers: tuple[str, ...]
    indication: str
    sub_indication: str | None
    level: str | None
    profile: str | None
    signers: tuple[dict[str, Any], ...]
    report: SignatureReport | None = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role.value,
            "part": self.part,
            "indication": self.indication,
            "sub_indication": self.sub_indication,
            "level": self.level,
            "profile": self.profile,
            "signer": self.signers[0] if self.signers else None,
            "signers": list(self.signers),
            "covers": list(self.covers),
        }


def _rule_for(check_id: str) -> str:
    for prefix, rule in _RULE_BY_PREFIX:
        if check_id.startswith(prefix):
            return rule
    return "EYP-SIG-008"


def _signer_entry(signer: SignerReport, role: SignatureRole) -> dict[str, Any]:
    identity = dict(signer.identity)
    when = signer.best_signature_time
    return {
        "path": signer.path,
        "name": identity.get("common_name") or signer.subject,
        "subject": signer.subject,
        "tckn": identity.get("tckn"),
        "vkn": identity.get("vkn"),
        "kkk": identity.get("kkk"),
        "organization": identity.get("organization"),
        "certificate_type": _text(signer.certificate_type),
        "role": role.value,
        "time": when.isoformat() if isinstance(when, datetime) else None,
        "time_source": signer.best_signature_time_source,
        "indication": _text(signer.indication),
        "level": _text(signer.level_claimed),
        "level_achieved": _text(signer.level),
        "profile": _text(signer.profile),
    }


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _walk(signers: Sequence[SignerReport]) -> list[SignerReport]:
    out: list[SignerReport] = []
    for signer in signers:
        out.append(signer)
        out.extend(_walk(signer.countersigners))
    return out


def check_signature(
    findings: list[Finding],
    role: SignatureRole,
    part: str,
    data: bytes,
    manifest_bytes: bytes,
    covers: Sequence[str],
    trust: SignatureTrust,
) -> SignatureCheckResult:
    """Verify one signature part and append the mapped findings."""
    report = verify_signature(data, policy=trust.policy(), expected_content=manifest_bytes)
    signers = _walk(report.signers)
    seen: set[tuple[str, str]] = set()

    def add(rule: str, severity: Severity, message: str) -> None:
        if (rule, message) not in seen:
            seen.add((rule, message))
            findings.append(Finding(rule, severity, part, message))

    for signer in signers:
        for check in signer.checks:
            if check.status is CheckStatus.FAILED:
                severity = E
            elif check.status in (CheckStatus.INDETERMINATE, CheckStatus.WARNING):
                severity = W
            else:
                continue
            add(
                _rule_for(check.id),
                severity,
                f"signer {signer.path} ({signer.subject}): {check.id} {check.message}",
            )
        _check_role(add, role, signer)
        _check_form(add, role, signer)
    for check in getattr(report, "format_checks", ()):
        if check.status is CheckStatus.FAILED:
            add(_rule_for(check.id), E, f"{check.id} {check.message}")
    if role.is_seal and (len(report.signers) != 1 or report.signers[0].countersigners):
        rule = "EYP-SIG-010" if role is SignatureRole.GUNCELLEME_MUHRU else "EYP-SIG-006"
        add(rule, E, f"the {role.title} must have exactly one signer and no countersignature")
    top = report.signers[0] if report.signers else None
    return SignatureCheckResult(
        role=role,
        part=part,
        covers=tuple(covers),
        indication=_text(report.indication) or "INDETERMINATE",
        sub_indication=report.sub_indication,
        level=_text(top.level_claimed) if top else None,
        profile=_text(top.profile) if top else None,
        signers=tuple(_signer_entry(s, role) for s in signers),
        report=report,
    )


def _check_role(add: Any, role: SignatureRole, signer: SignerReport) -> None:
    certificate = signer.certificate
    if certificate is None:
        return
    try:
        check_certificate_kind(certificate, role)
    except SigningRefusedError as exc:
        add("EYP-SIG-008", E, f"signer {signer.path}: {exc.message}")


def _check_form(add: Any, role: SignatureRole, signer: SignerReport) -> None:
    if signer.profile not in _ACCEPTED_PROFILES:
        add(
            "EYP-SIG-006",
            E,
            f"signer {signer.path}: profile {_text(signer.profile) or 'none'}; e-Yazışma "
            "signatures use P4 (P3 where exempted) (eyp.md §8.3)",
        )
    wanted = Level.A if role.is_seal and signer.path == "0" else Level.XL
    # the form present in the signature; whether it is trusted is reported by its own checks
    level = signer.level_claimed
    if not isinstance(level, Level) or level < wanted:
        add(
            "EYP-SIG-006",
            E,
            f"signer {signer.path}: form {_text(level) or '?'}; the {role.title} must be "
            f"CAdES {'A' if wanted is Level.A else 'X-Long'} (eyp.md §8.3)",
        )


def check_nihai_dates(
    findings: list[Finding],
    part: str,
    nihai: NihaiUstveri,
    imza_cms: bytes,
    tolerance: timedelta,
) -> None:
    """EYP-NUV-005 (Tarih = latest signature time-stamp) and EYP-NUV-006 (signer count)."""
    try:
        times = signature_times(imza_cms)
    except SigningRefusedError:
        return
    stamps = [when for _, when in times if when is not None]
    if len(nihai.belge_imzalar) < len(times):
        findings.append(
            Finding(
                "EYP-NUV-006",
                W,
                part,
                f"BelgeImzalar lists {len(nihai.belge_imzalar)} signer(s) but the e-signature "
                f"has {len(times)}",
            )
        )
    if not stamps or nihai.tarih is None or isinstance(nihai.tarih, RawText):
        return
    latest = max(stamps).astimezone(UTC).replace(microsecond=0)
    tarih = nihai.tarih.to_datetime()
    if tarih.tzinfo is None:
        return
    tarih = tarih.astimezone(UTC).replace(microsecond=0)
    if abs(tarih - latest) > tolerance:
        findings.append(
            Finding(
                "EYP-NUV-005",
                W,
                part,
                f"Tarih {tarih.isoformat()} differs from the latest e-signature time-stamp "
                f"{latest.isoformat()} (signatures.md §2.5)",
            )
        )
