"""Verification of one SignerInfo and, recursively, its countersigners (signatures.md §4.2).

The procedure follows §4.2 step by step and emits one :class:`Check` per catalogue id of §4.6
that applies: BES (attributes, signature, certificate binding, algorithms), TRP (policy and
profile), T (time-stamps), C/X/XL (references and values, :mod:`._refs`), A (archive
time-stamps, :mod:`._archive`), PKX (path and revocation per profile) and MAT (maturity).
Malformed parts become FAILED checks; nothing here raises for a bad signature.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from cades._asn1 import Oid
from cades._view import SignerInfoView
from cades.errors import CadesError
from cades.profiles import Level, Profile
from cades.verify import _archive, _bes, _pkx, _refs, _stamps, _trp
from cades.verify._context import Context
from cades.verify._messages import make_check
from cades.verify._pool import CertEntry
from cades.verify._report import (
    Check,
    CheckStatus,
    Indication,
    Maturity,
    RevocationInfo,
    SignerReport,
    TimestampInfo,
    worst,
)
from cades.verify._revocation import RevocationOutcome
from cades.verify._subind import Sub
from cades.verify._timestamps import TokenEvaluation
from keys import QcType, classify_certificate

__all__ = ["PARSE_ERRORS", "SignerEvaluation"]

PARSE_ERRORS = (
    CadesError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
)


@dataclass
class SignerState:
    """What later steps of one signer need from earlier ones."""

    profile: Profile | None = None
    policy_oid: str | None = None
    signing_time: datetime | None = None
    certificate: CertEntry | None = None
    t_best: datetime | None = None
    t_best_source: str = "validation-time"
    t_best_token: TokenEvaluation | None = None
    poe: datetime | None = None
    sig_tokens: list[tuple[TokenEvaluation, bool]] = field(default_factory=list)
    used_certs: set[bytes] = field(default_factory=set)
    used_revocation: set[bytes] = field(default_factory=set)
    outcomes: list[RevocationOutcome] = field(default_factory=list)
    signer_outcome: RevocationOutcome | None = None
    timestamps: list[TimestampInfo] = field(default_factory=list)
    revocation_infos: list[RevocationInfo] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    embedded_ocsp_for_signer: bool = False
    embedded_crl_for_signer: bool = False


class SignerEvaluation:
    """Runs §4.2 for one SignerInfo; :meth:`run` returns its :class:`SignerReport`."""

    def __init__(
        self,
        ctx: Context,
        signer: SignerInfoView,
        parent: SignerInfoView | None = None,
        inherited_poe: datetime | None = None,
    ) -> None:
        self.ctx = ctx
        self.signer = signer
        self.parent = parent
        self.inherited_poe = inherited_poe
        self.checks: list[Check] = []
        self.state = SignerState()
        self.maturity = Maturity.INDETERMINATE
        self.retry_after: datetime | None = None

    # --- helpers -------------------------------------------------------------------------------
    def add(
        self,
        check_id: str,
        status: CheckStatus,
        reason: str,
        sub: str | None = None,
        evidence: dict[str, Any] | None = None,
        **params: Any,
    ) -> Check:
        check = make_check(check_id, status, reason, sub, evidence, **params)
        self.checks.append(check)
        return check

    def guarded(self, check_id: str, step: Callable[[], None]) -> None:
        """Run a step; a parse error inside becomes a FAILED check instead of an exception."""
        try:
            step()
        except PARSE_ERRORS as exc:
            self.add(
                check_id,
                CheckStatus.FAILED,
                "MALFORMED",
                Sub.FORMAT_FAILURE,
                {"error": str(exc)},
                detail=str(exc),
            )

    def has(self, check_id: str) -> bool:
        return any(c.id == check_id for c in self.checks)

    def status_of(self, check_id: str) -> CheckStatus | None:
        found = [c.status for c in self.checks if c.id == check_id]
        return worst(found) if found else None

    @property
    def is_counter(self) -> bool:
        return self.parent is not None

    # --- the procedure -------------------------------------------------------------------------
    def run(self) -> SignerReport:
        """§4.2 steps 3–13 for this signer, then its countersigners."""
        steps: list[tuple[str, Callable[[SignerEvaluation], None]]] = [
            ("FMT-003", _bes.der_order),
            ("BES-004", _bes.locate_certificate),
            ("BES-001", _bes.content_type),
            ("BES-002", _bes.message_digest),
            ("BES-005", _bes.algorithms),
            ("BES-003", _bes.signature),
            ("BES-006", _bes.signing_time),
            ("TRP-001", _trp.policy),
            ("BES-007", _bes.mime_type),
        ]
        for check_id, step in steps:
            self.guarded(check_id, functools.partial(step, self))
        archive = _archive.ArchiveEvaluation(self)
        self.guarded("A-002", archive.imprints)
        self.guarded("A-004", archive.trust)
        self.state.poe = archive.poe or self.inherited_poe
        self.guarded("T-003", lambda: _stamps.signature_timestamps(self))
        _stamps.best_time(self)
        self.guarded("T-004", lambda: _stamps.content_timestamps(self))
        self.guarded("TRP-005", lambda: _trp.window(self))
        self.guarded("PKX-001", lambda: _pkx.path_and_revocation(self))
        refs = _refs.ReferenceEvaluation(self)
        self.guarded("C-001", refs.run)
        self.guarded("X-001", refs.x_timestamps)
        archive.finish()
        claimed, achieved = _trp.levels(self)
        self.guarded("TRP-004", lambda: _trp.profile_form(self, claimed, achieved))
        _pkx.maturity(self)
        counters = tuple(
            SignerEvaluation(self.ctx, counter, self.signer, self.state.poe).run()
            for counter in self.signer.counter_signers
        )
        return self._report(claimed, achieved, counters)

    def profile_hint(self) -> Profile | None:
        """The profile named by the policy attribute, read leniently (before TRP checks)."""
        try:
            found = self.signer.signed(Oid.SIGNATURE_POLICY)
            if not found:
                return None
            value = found[0].values()[0]
            if value.name != "signature_policy_id":
                return None
            return Profile.from_policy_oid(str(value.chosen["sig_policy_id"].dotted))
        except PARSE_ERRORS:
            return None

    # --- shared by the check modules -----------------------------------------------------------
    def control_time(self) -> datetime:
        """When the signature's own time-stamps must still be trustworthy (§4.2 step 10)."""
        return self.state.poe or self.ctx.now

    def note_token(self, evaluation: TokenEvaluation) -> None:
        """Remember what validating a token used (C-003) and its revocation data (§4.7)."""
        if evaluation.path is not None:
            self.state.used_certs.update(c.der for c in evaluation.path.chain)
        if evaluation.revocation is not None:
            self.note_outcome(evaluation.revocation, record=True)

    def note_outcome(self, outcome: RevocationOutcome, *, record: bool) -> None:
        """Mark the outcome's data as used (C-003); ``record`` adds it to the report."""
        for item in outcome.used:
            self.state.used_revocation.add(item.der)
        if record:
            for info in outcome.infos:
                if info not in self.state.revocation_infos:
                    self.state.revocation_infos.append(info)

    def caution(self) -> timedelta:
        """Caution period ``c`` of the signer's profile or the policy (§4.3)."""
        return self.ctx.policy.caution_for(self.state.profile)

    def fresh_after(self) -> datetime | None:
        """``T_best + c``, or ``None`` when no time-stamp fixes ``T_best`` (current data needed)."""
        if self.state.t_best_source == "validation-time" or self.state.t_best is None:
            return None
        return self.state.t_best + self.caution()

    def premature(self) -> bool:
        """True while fresh revocation evidence cannot exist yet (§4.3)."""
        fresh_after = self.fresh_after()
        return fresh_after is not None and self.ctx.now < fresh_after

    # --- conclusion ----------------------------------------------------------------------------
    def _conclude(self) -> tuple[Indication, str | None]:
        failed = [c for c in self.checks if c.status is CheckStatus.FAILED]
        if failed:
            return Indication.TOTAL_FAILED, failed[0].sub_indication
        undecided = [c for c in self.checks if c.status is CheckStatus.INDETERMINATE]
        if undecided:
            premature = [
                c for c in undecided if c.id == "MAT-001" and c.sub_indication == Sub.TRY_LATER
            ]
            return Indication.INDETERMINATE, (premature or undecided)[0].sub_indication
        return Indication.TOTAL_PASSED, None

    def _report(
        self, claimed: Level, achieved: Level, counters: tuple[SignerReport, ...]
    ) -> SignerReport:
        indication, sub = self._conclude()
        entry = self.state.certificate
        certificate_type: QcType | None = None
        marker_source: str | None = None
        identity: dict[str, str] = {}
        if entry is not None:
            info = classify_certificate(entry.cert)
            certificate_type = info.qc_type
            marker_source = _marker_source(info.markers, info.qc_type)
            identity = _identity(entry.cert)
        self.state.attributes.update(_optional_attributes(self.signer))
        return SignerReport(
            path=self.signer.path,
            subject=None if entry is None else entry.subject_text,
            identity=identity,
            certificate=None if entry is None else entry.cert,
            certificate_type=certificate_type,
            type_marker_source=marker_source,
            profile=self.state.profile,
            policy_oid=self.state.policy_oid,
            level_claimed=claimed,
            level=achieved,
            signing_time=self.state.signing_time,
            best_signature_time=self.state.t_best or self.ctx.now,
            best_signature_time_source=self.state.t_best_source,
            maturity=self.maturity,
            retry_after=self.retry_after,
            indication=indication,
            sub_indication=sub,
            checks=tuple(self.checks),
            timestamps=tuple(self.state.timestamps),
            revocation=tuple(self.state.revocation_infos),
            countersigners=counters,
            attributes=self.state.attributes,
        )


def _marker_source(markers: tuple[tuple[str, str], ...], qc_type: QcType) -> str | None:
    if qc_type is QcType.NONE:
        return None
    sources = {where for oid, where in markers if oid.startswith("2.16.792.1.61.0.1.5070.")}
    if not sources:
        sources = {where for _, where in markers}
    return "+".join(sorted(sources)) or None


_IDENTITY_OIDS = {
    x509.NameOID.SERIAL_NUMBER: "serial_number",
    x509.NameOID.COMMON_NAME: "common_name",
    x509.NameOID.ORGANIZATION_NAME: "organization",
    x509.NameOID.ORGANIZATIONAL_UNIT_NAME: "organizational_unit",
    x509.NameOID.GIVEN_NAME: "given_name",
    x509.NameOID.SURNAME: "surname",
    x509.NameOID.COUNTRY_NAME: "country",
    x509.NameOID.LOCALITY_NAME: "locality",
    x509.NameOID.ORGANIZATION_IDENTIFIER: "organization_identifier",
}


def _identity(cert: x509.Certificate) -> dict[str, str]:
    """Who signed, from the subject (TCKN in serialNumber, VKN in organizationIdentifier)."""
    identity: dict[str, str] = {}
    for attribute in cert.subject:
        key = _IDENTITY_OIDS.get(attribute.oid)
        if key is not None and key not in identity:
            identity[key] = str(attribute.value)
    serial = identity.get("serial_number", "")
    digits = serial.removeprefix("TCKTR-")
    if len(digits) == 11 and digits.isdigit():
        identity["tckn"] = digits
    org_id = identity.get("organization_identifier", "")
    if org_id.startswith("VKNTR-"):
        identity["vkn"] = org_id.removeprefix("VKNTR-")
    return identity


def _optional_attributes(signer: SignerInfoView) -> dict[str, Any]:
    """Informative signed attributes for the report (commitment type, signer location)."""
    found: dict[str, Any] = {}
    for attribute in signer.signed(Oid.COMMITMENT_TYPE):
        try:
            found.setdefault("commitment_types", []).extend(
                v["commitment_type_id"].dotted for v in attribute.values()
            )
        except PARSE_ERRORS:
            continue
    for attribute in signer.signed(Oid.SIGNER_LOCATION):
        try:
            value = attribute.values()[0].native
            found["signer_location"] = {k: v for k, v in value.items() if v}
        except PARSE_ERRORS:
            continue
    others = sorted(
        {a.oid for a in signer.signed_attributes}
        - {
            Oid.CONTENT_TYPE,
            Oid.MESSAGE_DIGEST,
            Oid.SIGNING_TIME,
            Oid.SIGNING_CERTIFICATE,
            Oid.SIGNING_CERTIFICATE_V2,
            Oid.SIGNATURE_POLICY,
            Oid.MIME_TYPE,
            Oid.COMMITMENT_TYPE,
            Oid.SIGNER_LOCATION,
            Oid.CONTENT_TIME_STAMP,
        }
    )
    if others:
        found["other_signed_attributes"] = others
    return found
