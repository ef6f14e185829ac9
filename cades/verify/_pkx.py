"""Path, revocation per profile and maturity: PKX-001…PKX-005, XL-003, MAT-001 (§4.3, §4.5).

The signer path is validated at ``T_best`` (RFC 5280 §6); the signer and CA certificates need
revocation evidence fresh relative to ``T_best + c`` of the rule the profile names (§1.5).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cades._asn1 import Oid
from cades.profiles import Profile, RevocationRule
from cades.verify._pool import CertEntry
from cades.verify._report import CheckStatus, Maturity
from cades.verify._revocation import Need, RevocationOutcome
from cades.verify._subind import Sub
from keys import classify_certificate

if TYPE_CHECKING:
    from cades.verify._signer import SignerEvaluation

__all__ = [
    "ca_revocation",
    "key_usage",
    "maturity",
    "path_and_revocation",
    "signer_revocation",
    "validity",
    "xl_freshness",
]


def path_and_revocation(ev: SignerEvaluation) -> None:
    """PKX-001…PKX-005 and XL-003 for the signer path at ``T_best`` (§4.2 step 9, §4.5)."""
    entry = ev.state.certificate
    t_best = ev.state.t_best or ev.ctx.now
    if entry is None:
        for check_id in ("PKX-001", "PKX-002", "PKX-003", "PKX-004", "PKX-005"):
            ev.add(
                check_id,
                CheckStatus.INDETERMINATE,
                "NO_CERTIFICATE",
                Sub.NO_SIGNING_CERTIFICATE_FOUND,
            )
        return
    path = ev.ctx.signer_paths.validate(entry, t_best, check_leaf=False)
    ev.state.used_certs.update(c.der for c in path.chain[1:])
    evidence = {"path": path.subjects(), "at": t_best}
    if path.status == "valid":
        ev.add(
            "PKX-001",
            CheckStatus.PASSED,
            "PATH_VALID",
            evidence=evidence,
            at=t_best,
        )
    elif path.status == "incomplete":
        ev.add(
            "PKX-001",
            CheckStatus.INDETERMINATE,
            "PATH_NOT_FOUND",
            Sub.NO_CERTIFICATE_CHAIN_FOUND,
            evidence,
            detail=path.problem,
        )
    elif path.status == "unsupported":
        ev.add(
            "PKX-001",
            CheckStatus.INDETERMINATE,
            "PATH_UNSUPPORTED_EXTENSION",
            Sub.CHAIN_CONSTRAINTS_FAILURE,
            evidence,
            detail=path.problem,
        )
    else:
        ev.add(
            "PKX-001",
            CheckStatus.FAILED,
            "PATH_INVALID",
            Sub.CHAIN_CONSTRAINTS_FAILURE,
            evidence,
            detail=path.problem,
        )
    validity(ev, entry, t_best)
    key_usage(ev, entry)
    issuer = path.issuer or _issuer_of(ev, entry)
    profile = ev.state.profile
    signer_rule = profile.signer_revocation if profile is not None else RevocationRule.EITHER
    ca_rule = RevocationRule.CRL if profile in (Profile.P2, Profile.P3) else RevocationRule.EITHER
    fresh_after = ev.fresh_after()
    if issuer is None:
        ev.add(
            "PKX-003",
            CheckStatus.INDETERMINATE,
            "ISSUER_UNKNOWN",
            Sub.NO_CERTIFICATE_CHAIN_FOUND,
        )
        ev.add(
            "PKX-004",
            CheckStatus.INDETERMINATE,
            "ISSUER_UNKNOWN",
            Sub.NO_CERTIFICATE_CHAIN_FOUND,
        )
        ev.add(
            "XL-003",
            CheckStatus.INDETERMINATE,
            "ISSUER_UNKNOWN",
            Sub.NO_CERTIFICATE_CHAIN_FOUND,
        )
        return
    signer_outcome = ev.ctx.revocation.evaluate(
        Need(entry, issuer, "signer", signer_rule, t_best, fresh_after)
    )
    ev.state.signer_outcome = signer_outcome
    ev.state.outcomes.append(signer_outcome)
    ev.note_outcome(signer_outcome, record=True)
    _embedded_evidence(ev, signer_outcome)
    signer_revocation(ev, signer_outcome, signer_rule)
    ca_outcomes: list[tuple[CertEntry, RevocationOutcome]] = []
    chain = path.chain
    for index in range(1, max(len(chain) - 1, 1)):
        ca = chain[index]
        if index + 1 >= len(chain):
            break
        outcome = ev.ctx.revocation.evaluate(
            Need(ca, chain[index + 1], "ca", ca_rule, t_best, fresh_after)
        )
        ca_outcomes.append((ca, outcome))
        ev.state.outcomes.append(outcome)
        ev.note_outcome(outcome, record=True)
    ca_revocation(ev, ca_outcomes, ca_rule, len(chain))
    _responders_used(ev, signer_outcome, ca_outcomes)


def _issuer_of(ev: SignerEvaluation, entry: CertEntry) -> CertEntry | None:
    for candidate in ev.ctx.certs.issuers_of(entry):
        if ev.ctx.signer_paths.issued_by(entry, candidate):
            return candidate
    return None


def _responders_used(
    ev: SignerEvaluation,
    signer_outcome: RevocationOutcome,
    cas: list[tuple[CertEntry, RevocationOutcome]],
) -> None:
    """OCSP responder certificates used for the path belong to V (§3.6) and count as used."""
    for outcome in [signer_outcome, *[o for _, o in cas]]:
        ev.state.used_certs.update(r.der for r in outcome.responders)


def _embedded_evidence(ev: SignerEvaluation, outcome: RevocationOutcome) -> None:
    for info in outcome.infos:
        if info.authentic and info.source == "embedded" and info.status != "unknown":
            if info.type == "OCSP":
                ev.state.embedded_ocsp_for_signer = True
            else:
                ev.state.embedded_crl_for_signer = True


def validity(ev: SignerEvaluation, entry: CertEntry, t_best: datetime) -> None:
    """PKX-002: the signer certificate was valid at ``T_best`` (P2: also still now)."""
    cert = entry.cert
    evidence = {
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "at": t_best,
    }
    if t_best < cert.not_valid_before_utc:
        ev.add(
            "PKX-002",
            CheckStatus.FAILED,
            "CERT_NOT_YET_VALID",
            Sub.NOT_YET_VALID,
            evidence,
            at=t_best,
        )
    elif t_best > cert.not_valid_after_utc:
        ev.add(
            "PKX-002",
            CheckStatus.FAILED,
            "CERT_EXPIRED",
            Sub.EXPIRED,
            evidence,
            at=t_best,
        )
    elif ev.state.profile is Profile.P2 and ev.ctx.now > cert.not_valid_after_utc:
        ev.add(
            "PKX-002",
            CheckStatus.INDETERMINATE,
            "P2_LIFETIME_OVER",
            Sub.OUT_OF_BOUNDS_NO_POE,
            evidence,
        )
    else:
        ev.add(
            "PKX-002",
            CheckStatus.PASSED,
            "CERT_VALID",
            evidence=evidence,
            at=t_best,
        )


def key_usage(ev: SignerEvaluation, entry: CertEntry) -> None:
    """PKX-005: key usage suits signing, nonRepudiation preferred (§1.8)."""
    info = classify_certificate(entry.cert)
    evidence = {"key_usage": list(info.key_usage)}
    if info.is_ca:
        ev.add(
            "PKX-005",
            CheckStatus.FAILED,
            "SIGNER_IS_CA",
            Sub.CHAIN_CONSTRAINTS_FAILURE,
            evidence,
        )
    elif "nonRepudiation" in info.key_usage:
        ev.add("PKX-005", CheckStatus.PASSED, "KEY_USAGE_NON_REPUDIATION", evidence=evidence)
    elif "digitalSignature" in info.key_usage:
        ev.add("PKX-005", CheckStatus.WARNING, "KEY_USAGE_DIGITAL_SIGNATURE", evidence=evidence)
    elif not info.key_usage:
        ev.add("PKX-005", CheckStatus.WARNING, "KEY_USAGE_ABSENT", evidence=evidence)
    else:
        ev.add(
            "PKX-005",
            CheckStatus.FAILED,
            "KEY_USAGE_NOT_SIGNING",
            Sub.CHAIN_CONSTRAINTS_FAILURE,
            evidence,
        )


def signer_revocation(
    ev: SignerEvaluation, outcome: RevocationOutcome, rule: RevocationRule
) -> None:
    """PKX-003: the signer's revocation status under the profile's rule (§4.5)."""
    evidence: dict[str, Any] = {"rule": rule.value, "status": outcome.status}
    if outcome.revocation_time is not None:
        evidence["revocation_time"] = outcome.revocation_time
        evidence["revocation_reason"] = outcome.revocation_reason
    t_best = ev.state.t_best or ev.ctx.now
    if outcome.status == "revoked":
        assert outcome.revocation_time is not None
        ev.add(
            "PKX-003",
            CheckStatus.FAILED,
            "SIGNER_REVOKED",
            Sub.REVOKED,
            evidence,
            when=outcome.revocation_time,
            t_best=t_best,
        )
    elif outcome.good and outcome.revoked_later:
        assert outcome.revocation_time is not None
        ev.add(
            "PKX-003",
            CheckStatus.WARNING,
            "SIGNER_REVOKED_AFTER_T_BEST",
            None,
            evidence,
            when=outcome.revocation_time,
            t_best=t_best,
        )
    elif outcome.good:
        ev.add(
            "PKX-003",
            CheckStatus.PASSED,
            "SIGNER_NOT_REVOKED",
            None,
            evidence,
            kind=outcome.fresh_type or "",
        )
    else:
        _revocation_indeterminate(ev, "PKX-003", outcome, evidence)


def _revocation_indeterminate(
    ev: SignerEvaluation, check_id: str, outcome: RevocationOutcome, evidence: dict[str, Any]
) -> None:
    if ev.premature():
        fresh_after = ev.fresh_after()
        assert fresh_after is not None
        ev.add(
            check_id,
            CheckStatus.INDETERMINATE,
            "REVOCATION_PREMATURE",
            Sub.TRY_LATER,
            {**evidence, "retry_after": fresh_after},
            retry=fresh_after,
        )
    elif outcome.status == "stale":
        ev.add(
            check_id,
            CheckStatus.INDETERMINATE,
            "REVOCATION_STALE",
            Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE,
            evidence,
            detail=outcome.problem or "",
        )
    else:
        ev.add(
            check_id,
            CheckStatus.INDETERMINATE,
            "REVOCATION_MISSING",
            Sub.TRY_LATER,
            evidence,
            detail=outcome.problem or "",
        )


def ca_revocation(
    ev: SignerEvaluation,
    outcomes: list[tuple[CertEntry, RevocationOutcome]],
    rule: RevocationRule,
    length: int,
) -> None:
    """PKX-004: the CA certificates' revocation status (the anchor is not checked)."""
    if not outcomes:
        ev.add(
            "PKX-004",
            CheckStatus.PASSED if length else CheckStatus.NOT_APPLICABLE,
            "NO_INTERMEDIATE_CA",
        )
    else:
        revoked = [(c, o) for c, o in outcomes if o.status == "revoked"]
        bad = [(c, o) for c, o in outcomes if not o.good and o.status != "revoked"]
        evidence: dict[str, Any] = {
            "rule": rule.value,
            "cas": {c.subject_text: o.status for c, o in outcomes},
        }
        if revoked:
            ca, outcome = revoked[0]
            ev.add(
                "PKX-004",
                CheckStatus.FAILED,
                "CA_REVOKED",
                Sub.REVOKED_CA_NO_POE,
                evidence,
                ca=ca.subject_text,
                when=outcome.revocation_time,
            )
        elif bad:
            _revocation_indeterminate(ev, "PKX-004", bad[0][1], evidence)
        else:
            ev.add(
                "PKX-004",
                CheckStatus.PASSED,
                "CA_NOT_REVOKED",
                None,
                evidence,
                count=len(outcomes),
            )
    xl_freshness(ev, [o for _, o in outcomes])


def xl_freshness(ev: SignerEvaluation, ca_outcomes: list[RevocationOutcome]) -> None:
    """XL-003: the revocation evidence is fresh relative to ``T_best + c`` (§4.3)."""
    if not ev.signer.unsigned(Oid.REVOCATION_VALUES):
        ev.add("XL-003", CheckStatus.NOT_APPLICABLE, "NO_REVOCATION_VALUES")
        return
    outcomes = [o for o in [ev.state.signer_outcome, *ca_outcomes] if o is not None]
    if all(o.good or o.status == "revoked" for o in outcomes):
        fresh_after = ev.fresh_after()
        ev.add(
            "XL-003",
            CheckStatus.PASSED,
            "REVOCATION_FRESH",
            evidence={"fresh_after": fresh_after},
            reference=fresh_after or ev.ctx.now,
        )
        return
    first = next(o for o in outcomes if not (o.good or o.status == "revoked"))
    _revocation_indeterminate(ev, "XL-003", first, {"status": first.status})


def maturity(ev: SignerEvaluation) -> None:
    """MAT-001: MATURE / PREMATURE with the earliest retry time (§4.3)."""
    profile = ev.state.profile
    source = ev.state.t_best_source
    t_best = ev.state.t_best or ev.ctx.now
    c = ev.caution()
    if source == "validation-time":
        if profile in (Profile.P2, Profile.P3, Profile.P4):
            ev.add("MAT-001", CheckStatus.INDETERMINATE, "NO_POE_FOR_MATURITY", Sub.NO_POE)
        else:
            ev.maturity = Maturity.NOT_APPLICABLE
            ev.add("MAT-001", CheckStatus.NOT_APPLICABLE, "MATURITY_NOT_APPLICABLE")
        return
    evidence = {"t_best": t_best, "caution_period": c, "mature_from": t_best + c}
    if ev.ctx.now < t_best + c:
        ev.maturity = Maturity.PREMATURE
        ev.retry_after = t_best + c
        ev.add(
            "MAT-001",
            CheckStatus.INDETERMINATE,
            "PREMATURE",
            Sub.TRY_LATER,
            evidence,
            retry=(t_best + c),
        )
        return
    outcomes = ev.state.outcomes
    if outcomes and all(o.good or o.status == "revoked" for o in outcomes):
        ev.maturity = Maturity.MATURE
        ev.add("MAT-001", CheckStatus.PASSED, "MATURE", evidence=evidence)
        return
    stale = any(o.status == "stale" for o in outcomes)
    ev.add(
        "MAT-001",
        CheckStatus.INDETERMINATE,
        "MATURITY_NO_FRESH_EVIDENCE",
        Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE if stale else Sub.TRY_LATER,
        evidence,
    )
