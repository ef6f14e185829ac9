"""Signature and content time-stamps: T-001…T-004 and the best signature time (§3.5, §4.3)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from cades._asn1 import Oid
from cades._crypto import CryptoCheckError, digest
from cades.profiles import Profile
from cades.verify._report import CheckStatus, worst
from cades.verify._subind import Sub
from cades.verify._timestamps import TokenEvaluation, order_ok

if TYPE_CHECKING:
    from cades.verify._signer import SignerEvaluation

__all__ = ["best_time", "content_timestamps", "signature_timestamps"]


def signature_timestamps(ev: SignerEvaluation) -> None:
    """T-001/002/003: signature-time-stamps present, over the signature value, trusted."""
    profile = ev.state.profile
    values: list[bytes] = []
    for attribute in ev.signer.unsigned(Oid.SIGNATURE_TIME_STAMP):
        values.extend(attribute.value_der(i) for i in range(len(attribute.value_tlvs)))
    if not values:
        if profile in (Profile.P2, Profile.P3, Profile.P4):
            ev.add("T-001", CheckStatus.FAILED, "SIGNATURE_TS_MISSING", Sub.SIG_CONSTRAINTS_FAILURE)
        else:
            ev.add("T-001", CheckStatus.NOT_APPLICABLE, "SIGNATURE_TS_ABSENT")
        ev.add("T-002", CheckStatus.NOT_APPLICABLE, "SIGNATURE_TS_ABSENT")
        ev.add("T-003", CheckStatus.NOT_APPLICABLE, "SIGNATURE_TS_ABSENT")
        return
    ev.add(
        "T-001",
        CheckStatus.PASSED,
        "SIGNATURE_TS_PRESENT",
        evidence={"count": len(values)},
        count=len(values),
    )
    value_octets = ev.signer.signature_value
    mismatches = 0
    statuses: list[CheckStatus] = []
    first_bad: TokenEvaluation | None = None
    for der in values:
        evaluation = ev.ctx.tokens.evaluate(der, profile, ev.control_time())
        parts = evaluation.parts
        matches: bool | None = None
        if parts is not None:
            try:
                expected = digest(parts.hash_algorithm_oid, value_octets, allow_sha1=True)
                matches = hmac.compare_digest(expected, parts.imprint)
            except CryptoCheckError:
                matches = False
            if not matches:
                mismatches += 1
        ev.state.sig_tokens.append((evaluation, bool(matches)))
        ev.note_token(evaluation)
        ev.state.timestamps.append(evaluation.info("signature", imprint_matches=matches))
        statuses.append(evaluation.status)
        if evaluation.status is not CheckStatus.PASSED and first_bad is None:
            first_bad = evaluation
    if mismatches:
        ev.add(
            "T-002",
            CheckStatus.FAILED,
            "SIGNATURE_TS_IMPRINT_MISMATCH",
            Sub.HASH_FAILURE,
            {"mismatching": mismatches},
            count=mismatches,
        )
    else:
        ev.add("T-002", CheckStatus.PASSED, "SIGNATURE_TS_IMPRINT_OK")
    _token_check(ev, "T-003", statuses, first_bad, len(values))


def _token_check(
    ev: SignerEvaluation,
    check_id: str,
    statuses: list[CheckStatus],
    first_bad: TokenEvaluation | None,
    count: int,
) -> None:
    status = worst(statuses)
    if first_bad is None or status is CheckStatus.PASSED:
        ev.add(check_id, CheckStatus.PASSED, "TST_TRUSTED", evidence={"count": count}, count=count)
        return
    ev.add(
        check_id,
        status,
        first_bad.reason,
        first_bad.sub_indication,
        {
            "detail": first_bad.detail,
            "tsa": None if first_bad.tsa is None else first_bad.tsa.subject_text,
        },
        detail=first_bad.detail,
    )


def best_time(ev: SignerEvaluation) -> None:
    """``T_best``: earliest trusted signature-time-stamp, else trusted signing-time, else now."""
    usable = [e for e, ok in ev.state.sig_tokens if ok and e.usable and e.gen_time]
    if usable:
        best = min(usable, key=lambda e: e.gen_time or ev.ctx.now)
        ev.state.t_best = best.gen_time
        ev.state.t_best_source = "signature-time-stamp"
        ev.state.t_best_token = best
        return
    if ev.ctx.policy.trust_signing_time and ev.state.signing_time is not None:
        ev.state.t_best = ev.state.signing_time
        ev.state.t_best_source = "signing-time"
        return
    ev.state.t_best = ev.ctx.now
    ev.state.t_best_source = "validation-time"


def content_timestamps(ev: SignerEvaluation) -> None:
    """T-004: content-time-stamps cover the content and precede the signature time-stamp."""
    values: list[bytes] = []
    for attribute in ev.signer.signed(Oid.CONTENT_TIME_STAMP):
        values.extend(attribute.value_der(i) for i in range(len(attribute.value_tlvs)))
    if not values:
        ev.add("T-004", CheckStatus.NOT_APPLICABLE, "CONTENT_TS_ABSENT")
        return
    problems: list[tuple[CheckStatus, str, str | None, str]] = []
    for der in values:
        evaluation = ev.ctx.tokens.evaluate(der, ev.state.profile, ev.control_time())
        ev.note_token(evaluation)
        parts = evaluation.parts
        matches: bool | None = None
        if parts is not None:
            expected = ev.ctx.content.digest(parts.hash_algorithm_oid)
            if ev.is_counter:
                expected = None
            matches = None if expected is None else hmac.compare_digest(expected, parts.imprint)
        ev.state.timestamps.append(evaluation.info("content", imprint_matches=matches))
        if matches is False:
            problems.append(
                (CheckStatus.FAILED, "CONTENT_TS_IMPRINT_MISMATCH", Sub.HASH_FAILURE, "")
            )
            continue
        if matches is None:
            problems.append(
                (
                    CheckStatus.INDETERMINATE,
                    "CONTENT_NOT_AVAILABLE",
                    Sub.SIGNED_DATA_NOT_FOUND,
                    "",
                )
            )
        if evaluation.status is not CheckStatus.PASSED:
            problems.append(
                (
                    evaluation.status,
                    evaluation.reason,
                    evaluation.sub_indication,
                    evaluation.detail,
                )
            )
        for signature_token, ok in ev.state.sig_tokens:
            if (
                ok
                and parts is not None
                and signature_token.parts is not None
                and not order_ok(parts, signature_token.parts)
            ):
                problems.append(
                    (
                        CheckStatus.FAILED,
                        "CONTENT_TS_AFTER_SIGNATURE_TS",
                        Sub.TIMESTAMP_ORDER_FAILURE,
                        "",
                    )
                )
    if not problems:
        ev.add("T-004", CheckStatus.PASSED, "CONTENT_TS_OK", evidence={"count": len(values)})
        return
    status = worst([p[0] for p in problems])
    chosen = next(p for p in problems if p[0] is status)
    ev.add("T-004", status, chosen[1], chosen[2], {"detail": chosen[3]}, detail=chosen[3])
