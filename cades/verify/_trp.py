"""Profile checks: TRP-001…TRP-006 and the achieved level (signatures.md §1.1–§1.6, §4.6).

The profile comes from the policy OID (§1.2); the form a signer reaches is judged from its
attributes *and* from the checks that guard each level, so a broken time-stamp lowers it.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from asn1crypto import core

from cades._asn1 import Oid
from cades.profiles import POLICY_HASH_SHA256, Level, Profile
from cades.verify._report import CheckStatus
from cades.verify._subind import Sub

if TYPE_CHECKING:
    from cades.verify._signer import SignerEvaluation

__all__ = ["levels", "policy", "profile_form", "window"]


def policy(ev: SignerEvaluation) -> None:
    """TRP-001/002/003/006: the policy identifier names a profile, with the SHA-256 hash (§1.2)."""
    expected = ev.ctx.policy.expected_profile
    attrs = ev.signer.signed(Oid.SIGNATURE_POLICY)
    if not attrs:
        ev.state.profile = None
        if expected not in (None, Profile.P1):
            assert expected is not None
            ev.add(
                "TRP-001",
                CheckStatus.FAILED,
                "PROFILE_MISMATCH",
                Sub.POLICY_PROCESSING_ERROR,
                {"expected": expected.value, "found": None},
                expected=expected.value,
                found="P1",
            )
        else:
            ev.add("TRP-001", CheckStatus.NOT_APPLICABLE, "NO_POLICY")
        for check_id in ("TRP-002", "TRP-003", "TRP-006"):
            ev.add(check_id, CheckStatus.NOT_APPLICABLE, "NO_POLICY")
        return
    if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
        ev.add("TRP-001", CheckStatus.FAILED, "POLICY_MULTIPLE", Sub.FORMAT_FAILURE)
        return
    value = attrs[0].values()[0]
    if value.name != "signature_policy_id":
        ev.add("TRP-001", CheckStatus.NOT_APPLICABLE, "POLICY_IMPLIED")
        for check_id in ("TRP-002", "TRP-003", "TRP-006"):
            ev.add(check_id, CheckStatus.NOT_APPLICABLE, "POLICY_IMPLIED")
        return
    policy = value.chosen
    oid = str(policy["sig_policy_id"].dotted)
    profile = Profile.from_policy_oid(oid)
    ev.state.profile = profile
    ev.state.policy_oid = oid
    ev.state.attributes["policy_oid"] = oid
    if profile is None:
        ev.add(
            "TRP-001",
            CheckStatus.INDETERMINATE,
            "POLICY_UNKNOWN",
            Sub.POLICY_PROCESSING_ERROR,
            {"policy_oid": oid},
            oid=oid,
        )
    elif expected is not None and expected is not profile:
        ev.add(
            "TRP-001",
            CheckStatus.FAILED,
            "PROFILE_MISMATCH",
            Sub.POLICY_PROCESSING_ERROR,
            {"expected": expected.value, "found": profile.value},
            expected=expected.value,
            found=profile.value,
        )
    else:
        ev.add(
            "TRP-001",
            CheckStatus.PASSED,
            "POLICY_KNOWN",
            evidence={"policy_oid": oid, "profile": profile.value},
            profile=profile.value,
        )
    hash_value = policy["sig_policy_hash"]
    hash_oid = hash_value["hash_algorithm"]["algorithm"].dotted
    params = hash_value["hash_algorithm"]["parameters"]
    if profile is None:
        ev.add("TRP-002", CheckStatus.NOT_APPLICABLE, "POLICY_UNKNOWN_HASH_NOT_CHECKED", oid=oid)
        ev.add("TRP-003", CheckStatus.NOT_APPLICABLE, "POLICY_UNKNOWN_HASH_NOT_CHECKED", oid=oid)
    else:
        if hash_oid == Oid.SHA256 and params.native is None:
            ev.add("TRP-002", CheckStatus.PASSED, "POLICY_HASH_SHA256")
        else:
            ev.add(
                "TRP-002",
                CheckStatus.FAILED,
                "POLICY_HASH_ALGORITHM",
                Sub.POLICY_PROCESSING_ERROR,
                {"algorithm": hash_oid},
                algorithm=hash_oid,
            )
        if hash_oid == Oid.SHA256 and hmac.compare_digest(
            bytes(hash_value["hash_value"].native), POLICY_HASH_SHA256
        ):
            ev.add("TRP-003", CheckStatus.PASSED, "POLICY_HASH_MATCHES")
        else:
            ev.add(
                "TRP-003",
                CheckStatus.FAILED,
                "POLICY_HASH_MISMATCH",
                Sub.POLICY_PROCESSING_ERROR,
                {"stored": bytes(hash_value["hash_value"].native)},
            )
    spuri = None
    qualifiers = policy["sig_policy_qualifiers"]
    if qualifiers.native is not None:
        for qualifier in qualifiers:
            if qualifier["sig_policy_qualifier_id"].dotted == Oid.SPQ_URI:
                spuri = str(core.IA5String.load(qualifier["sig_qualifier"].dump()).native)
    if spuri:
        ev.state.attributes["spuri"] = spuri
        ev.add(
            "TRP-006",
            CheckStatus.PASSED,
            "SPURI_PRESENT",
            evidence={"spuri": spuri},
            spuri=spuri,
        )
    else:
        ev.add("TRP-006", CheckStatus.WARNING, "SPURI_ABSENT")


def window(ev: SignerEvaluation) -> None:
    """TRP-005: the time-stamp follows signing-time within −300 s / +7 200 s (§1.6 rule 1)."""
    signing_time = ev.state.signing_time
    candidates = [e for e, ok in ev.state.sig_tokens if ok and e.gen_time is not None]
    if signing_time is None or not candidates:
        ev.add("TRP-005", CheckStatus.NOT_APPLICABLE, "WINDOW_NOT_APPLICABLE")
        return
    token = ev.state.t_best_token or min(candidates, key=lambda e: e.gen_time or ev.ctx.now)
    assert token.gen_time is not None
    delay = token.gen_time - signing_time
    policy = ev.ctx.policy
    evidence = {
        "signing_time": signing_time,
        "ts_time": token.gen_time,
        "delay_seconds": delay.total_seconds(),
    }
    seconds = f"{delay.total_seconds():.1f}"
    seconds_tr = seconds.replace(".", ",")
    turkish = ev.state.profile in (Profile.P2, Profile.P3, Profile.P4)
    if delay < -policy.ts_window_before or delay > policy.ts_window_after:
        status = CheckStatus.FAILED if turkish else CheckStatus.WARNING
        ev.add(
            "TRP-005",
            status,
            "TS_OUTSIDE_WINDOW",
            Sub.SIG_CONSTRAINTS_FAILURE if turkish else None,
            evidence,
            seconds=seconds,
            seconds_tr=seconds_tr,
            before=int(policy.ts_window_before.total_seconds()),
            after=int(policy.ts_window_after.total_seconds()),
        )
    elif delay > policy.ts_window_warn:
        ev.add(
            "TRP-005",
            CheckStatus.WARNING,
            "TS_DELAYED",
            None,
            evidence,
            seconds=seconds,
            seconds_tr=seconds_tr,
            warn=int(policy.ts_window_warn.total_seconds()),
        )
    else:
        ev.add(
            "TRP-005",
            CheckStatus.PASSED,
            "TS_WITHIN_WINDOW",
            None,
            evidence,
            seconds=seconds,
            seconds_tr=seconds_tr,
        )


def levels(ev: SignerEvaluation) -> tuple[Level, Level]:
    """The CAdES form claimed by the attributes and the one the checks let it reach."""
    s = ev.signer
    claimed = Level.BES
    if s.signed(Oid.SIGNATURE_POLICY):
        claimed = Level.EPES
    if s.unsigned(Oid.SIGNATURE_TIME_STAMP):
        claimed = Level.T
    has_refs = bool(s.unsigned(Oid.CERTIFICATE_REFS) and s.unsigned(Oid.REVOCATION_REFS))
    has_values = bool(s.unsigned(Oid.CERTIFICATE_VALUES) and s.unsigned(Oid.REVOCATION_VALUES))
    if has_refs and claimed >= Level.T:
        claimed = Level.C
        if s.unsigned(Oid.ESC_TIME_STAMP) or s.unsigned(Oid.CERTS_CRLS_TIME_STAMP):
            claimed = Level.X
    if has_values and claimed >= Level.T:
        claimed = Level.XL
    if claimed >= Level.T and any(
        s.unsigned(o)
        for o in (
            Oid.ARCHIVE_TIME_STAMP_V3,
            Oid.ARCHIVE_TIME_STAMP_V2,
            Oid.ARCHIVE_TIME_STAMP_V1,
        )
    ):
        claimed = Level.A
    gates = [
        (Level.EPES, ("TRP-001", "TRP-002", "TRP-003")),
        (Level.T, ("T-001", "T-002", "T-003")),
        (Level.C, ("C-001", "C-002")),
        (Level.X, ("X-001",)),
        (Level.XL, ("XL-001", "XL-002")),
        (Level.A, ("A-002", "A-003", "A-004")),
    ]
    achieved = Level.BES
    for level, ids in gates:
        if level > claimed:
            break
        if (
            level is Level.X
            and claimed >= Level.XL
            and not (s.unsigned(Oid.ESC_TIME_STAMP) or s.unsigned(Oid.CERTS_CRLS_TIME_STAMP))
        ):
            continue
        if level is Level.C and not has_refs:
            continue
        if level is Level.EPES and not s.signed(Oid.SIGNATURE_POLICY):
            continue
        statuses = [ev.status_of(i) for i in ids]
        if any(st in (CheckStatus.FAILED, CheckStatus.INDETERMINATE) for st in statuses if st):
            if (
                level is Level.T
                and ev.status_of("T-003") is CheckStatus.INDETERMINATE
                and (ev.status_of("T-002") is CheckStatus.PASSED)
            ):
                achieved = level
                continue
            break
        achieved = level
    return claimed, achieved


def profile_form(ev: SignerEvaluation, claimed: Level, achieved: Level) -> None:
    """TRP-004: the form meets the profile and minimum level; P4 OCSP / P3 CRL embedded."""
    profile = ev.state.profile
    minimum = ev.ctx.policy.minimum_level
    evidence = {"claimed": claimed.value, "achieved": achieved.value}
    if minimum is not None and achieved < minimum:
        ev.add(
            "TRP-004",
            CheckStatus.FAILED,
            "LEVEL_BELOW_MINIMUM",
            Sub.SIG_CONSTRAINTS_FAILURE,
            evidence,
            level=achieved.value,
            minimum=minimum.value,
        )
        return
    if profile is None or profile is Profile.P1:
        ev.add(
            "TRP-004",
            CheckStatus.NOT_APPLICABLE if minimum is None else CheckStatus.PASSED,
            "NO_PROFILE_FORM",
            evidence=evidence,
        )
        return
    if achieved < profile.minimum_level:
        ev.add(
            "TRP-004",
            CheckStatus.FAILED,
            "FORM_BELOW_PROFILE",
            Sub.SIG_CONSTRAINTS_FAILURE,
            evidence,
            level=achieved.value,
            profile=profile.value,
            minimum=profile.minimum_level.value,
        )
        return
    if profile is Profile.P4 and not ev.state.embedded_ocsp_for_signer:
        ev.add("TRP-004", CheckStatus.FAILED, "P4_NO_OCSP", Sub.SIG_CONSTRAINTS_FAILURE, evidence)
        return
    if profile is Profile.P3 and not ev.state.embedded_crl_for_signer:
        ev.add("TRP-004", CheckStatus.FAILED, "P3_NO_CRL", Sub.SIG_CONSTRAINTS_FAILURE, evidence)
        return
    ev.add(
        "TRP-004",
        CheckStatus.PASSED,
        "FORM_MEETS_PROFILE",
        evidence=evidence,
        level=achieved.value,
        profile=profile.value,
    )
