"""Time-stamp token trust (signatures.md §4.4), one evaluation per token and control time.

Items of §4.4, each with its own outcome:

1. the token parses (ContentInfo/SignedData, TSTInfo) and its signature verifies;
2. signing-certificate(-v2) names the TSA certificate;
3. the TSA certificate's EKU is id-kp-timeStamping only, critical;
4. the TSA certificate was valid at genTime;
5. it chains to a configured TSA trust anchor (path valid at genTime);
6. it was not revoked at genTime (P2/P3 CRL, P4 CRL or OCSP, P1 not applicable), shown by data
   current at genTime (``thisUpdate ≤ genTime ≤ nextUpdate``) or issued after it — the caution
   period of §4.3 concerns the signer path, and the newest archive time-stamp can only be
   covered by data shared with the path or fetched later; a revocation after genTime is
   accepted only when a later archive time-stamp proves the token existed before it;
7. the imprint algorithm is acceptable — the imprint itself is compared by the caller, who
   knows what the token covers (§3.10).

The token must also still be trustworthy at its *control time*: the validation time, or the
genTime of the earliest valid archive time-stamp covering it (§4.2 step 10 — an archive
time-stamp lets an expired TSA certificate below it be judged at that earlier time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cades._asn1 import Oid
from cades.errors import TimestampVerificationError
from cades.profiles import Profile, RevocationRule
from cades.tsp._token import TokenParts, check_token_integrity, check_tsa_usage, read_token
from cades.verify._path import PathResult, PathValidator
from cades.verify._pool import CertEntry, CertPool
from cades.verify._report import CheckStatus, TimestampInfo
from cades.verify._revocation import Need, RevocationEvaluator, RevocationOutcome
from cades.verify._subind import Sub

__all__ = ["TokenEvaluation", "TokenEvaluator", "order_ok"]

_ACCEPTED_IMPRINTS = {Oid.SHA256, Oid.SHA384, Oid.SHA512}


@dataclass
class TokenEvaluation:
    """What §4.4 says about one token at one control time."""

    der: bytes
    parts: TokenParts | None
    tsa: CertEntry | None
    status: CheckStatus
    reason: str
    sub_indication: str | None
    detail: str
    usable: bool
    path: PathResult | None = None
    revocation: RevocationOutcome | None = None

    @property
    def gen_time(self) -> datetime | None:
        return None if self.parts is None else self.parts.gen_time

    def info(
        self,
        kind: str,
        *,
        imprint_matches: bool | None,
        status: CheckStatus | None = None,
        reason: str | None = None,
        variant: str | None = None,
        index_version: int | None = None,
        attribute_index: int | None = None,
    ) -> TimestampInfo:
        parts = self.parts
        return TimestampInfo(
            kind=kind,
            gen_time=None if parts is None else parts.gen_time,
            tsa=None if self.tsa is None else self.tsa.subject_text,
            policy=None if parts is None else parts.policy,
            serial_number=None if parts is None else parts.serial_number,
            hash_algorithm=None if parts is None else parts.hash_algorithm_oid,
            accuracy=None if parts is None else parts.accuracy,
            imprint_matches=imprint_matches,
            trusted=self.status is CheckStatus.PASSED,
            status=status or self.status,
            reason=reason or self.reason,
            variant=variant,
            index_version=index_version,
            attribute_index=attribute_index,
        )


def order_ok(earlier: TokenParts, later: TokenParts, *, strict: bool = False) -> bool:
    """``earlier ≤ later`` allowing for both tokens' accuracy (§4.2 step 6)."""
    slack = (earlier.accuracy or timedelta(0)) + (later.accuracy or timedelta(0))
    if strict:
        return earlier.gen_time - slack < later.gen_time
    return earlier.gen_time - slack <= later.gen_time


def tsa_rule(profile: Profile | None) -> RevocationRule | None:
    """§1.5 TSA column: P1 none, P2/P3 CRL, P4 CRL or OCSP (non-Turkish: either)."""
    if profile is Profile.P1:
        return None
    if profile in (Profile.P2, Profile.P3):
        return RevocationRule.CRL
    return RevocationRule.EITHER


class TokenEvaluator:
    """Parses each token once and evaluates it per (profile, control time)."""

    def __init__(
        self,
        certs: CertPool,
        paths: PathValidator,
        revocation: RevocationEvaluator,
        *,
        allow_sha1: bool,
    ) -> None:
        self.certs = certs
        self.paths = paths
        self.revocation = revocation
        self.allow_sha1 = allow_sha1
        self._parsed: dict[bytes, tuple[TokenParts | None, str | None]] = {}
        self._integrity: dict[bytes, str | None] = {}
        self._results: dict[tuple[bytes, Profile | None, datetime], TokenEvaluation] = {}

    def parts(self, der: bytes) -> tuple[TokenParts | None, str | None]:
        known = self._parsed.get(der)
        if known is not None:
            return known
        try:
            parts: TokenParts | None = read_token(
                der, extra_certificates=[c.cert for c in self.certs]
            )
            problem = None
        except TimestampVerificationError as exc:
            parts, problem = None, str(exc)
        if parts is not None:
            for cert in parts.certificates:
                self.certs.add(cert, "token")
        self._parsed[der] = (parts, problem)
        return parts, problem

    def evaluate(
        self, der: bytes, profile: Profile | None, control_time: datetime
    ) -> TokenEvaluation:
        key = (der, profile, control_time)
        known = self._results.get(key)
        if known is None:
            known = self._evaluate(der, profile, control_time)
            self._results[key] = known
        return known

    def _evaluate(
        self, der: bytes, profile: Profile | None, control_time: datetime
    ) -> TokenEvaluation:
        parts, problem = self.parts(der)
        if parts is None:
            return TokenEvaluation(
                der,
                None,
                None,
                CheckStatus.FAILED,
                "TST_MALFORMED",
                Sub.FORMAT_FAILURE,
                problem or "malformed",
                False,
            )
        integrity = self._integrity.get(der, "")
        if integrity == "":
            try:
                check_token_integrity(parts, allow_sha1=True)
                integrity = None
            except TimestampVerificationError as exc:
                integrity = str(exc)
            self._integrity[der] = integrity
        tsa = (
            None
            if parts.tsa_certificate is None
            else self.certs.add(parts.tsa_certificate, "token")
        )
        if integrity is not None:
            reason = "TST_NO_TSA_CERT" if parts.tsa_certificate is None else "TST_SIGNATURE_INVALID"
            sub = (
                Sub.NO_SIGNING_CERTIFICATE_FOUND
                if parts.tsa_certificate is None
                else Sub.SIG_CRYPTO_FAILURE
            )
            status = (
                CheckStatus.INDETERMINATE if parts.tsa_certificate is None else CheckStatus.FAILED
            )
            return TokenEvaluation(der, parts, tsa, status, reason, sub, integrity, False)
        assert tsa is not None
        weak = self._weak(parts)
        try:
            check_tsa_usage(tsa.cert)
        except TimestampVerificationError as exc:
            return TokenEvaluation(
                der,
                parts,
                tsa,
                CheckStatus.FAILED,
                "TSA_EKU_INVALID",
                Sub.CHAIN_CONSTRAINTS_FAILURE,
                str(exc),
                False,
            )
        if not tsa.valid_at(parts.gen_time):
            return TokenEvaluation(
                der,
                parts,
                tsa,
                CheckStatus.FAILED,
                "TSA_NOT_VALID_AT_GENTIME",
                Sub.EXPIRED,
                f"TSA certificate valid {tsa.cert.not_valid_before_utc.isoformat()} – "
                f"{tsa.cert.not_valid_after_utc.isoformat()}",
                False,
            )
        path = self.paths.validate(tsa, parts.gen_time, check_leaf=True)
        if path.status == "incomplete":
            return TokenEvaluation(
                der,
                parts,
                tsa,
                CheckStatus.INDETERMINATE,
                "TSA_NOT_TRUSTED",
                Sub.NO_CERTIFICATE_CHAIN_FOUND,
                path.problem or "",
                False,
                path,
            )
        if path.status == "invalid":
            return TokenEvaluation(
                der,
                parts,
                tsa,
                CheckStatus.FAILED,
                "TSA_CHAIN_INVALID",
                Sub.CHAIN_CONSTRAINTS_FAILURE,
                path.problem or "",
                False,
                path,
            )
        result = TokenEvaluation(
            der, parts, tsa, CheckStatus.PASSED, "TST_TRUSTED", None, "", True, path
        )
        rule = tsa_rule(profile)
        if rule is not None and path.issuer is not None:
            outcome = self.revocation.evaluate(
                Need(tsa, path.issuer, "tsa", rule, parts.gen_time, None)
            )
            result.revocation = outcome
            if outcome.status == "revoked":
                return _downgrade(
                    result,
                    CheckStatus.FAILED,
                    "TSA_REVOKED",
                    Sub.REVOKED,
                    f"revoked at {outcome.revocation_time}",
                    usable=False,
                )
            if outcome.good and outcome.revoked_later and outcome.revocation_time is not None:
                if outcome.revocation_time <= control_time:
                    _downgrade(
                        result,
                        CheckStatus.INDETERMINATE,
                        "TSA_REVOKED_NO_POE",
                        Sub.REVOKED_NO_POE,
                        f"revoked at {outcome.revocation_time.isoformat()}, no archive time-stamp "
                        "proves the token existed before",
                    )
            elif outcome.status == "stale":
                _downgrade(
                    result,
                    CheckStatus.INDETERMINATE,
                    "TSA_REVOCATION_STALE",
                    Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE,
                    outcome.problem or "",
                )
            elif not outcome.good:
                _downgrade(
                    result,
                    CheckStatus.INDETERMINATE,
                    "TSA_REVOCATION_MISSING",
                    Sub.TRY_LATER,
                    outcome.problem or "",
                )
        if control_time > tsa.cert.not_valid_after_utc and result.status is CheckStatus.PASSED:
            _downgrade(
                result,
                CheckStatus.INDETERMINATE,
                "TSA_EXPIRED_NO_POE",
                Sub.OUT_OF_BOUNDS_NO_POE,
                f"TSA certificate expired {tsa.cert.not_valid_after_utc.isoformat()}",
            )
        if weak and result.status is CheckStatus.PASSED:
            if self.allow_sha1:
                result.reason = "TST_TRUSTED_WEAK_ALGORITHM"
                result.detail = weak
            else:
                _downgrade(
                    result,
                    CheckStatus.INDETERMINATE,
                    "TST_WEAK_ALGORITHM",
                    Sub.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
                    weak,
                )
        return result

    def _weak(self, parts: TokenParts) -> str | None:
        """SHA-1 (or unknown) imprint / signature digest: legacy only (§1.7)."""
        if parts.hash_algorithm_oid not in _ACCEPTED_IMPRINTS:
            return f"imprint algorithm {parts.hash_algorithm_oid}"
        try:
            digest_oid = parts.signer_info["digest_algorithm"]["algorithm"].dotted
            sig_hash = parts.signer_info["signature_algorithm"].hash_algo
        except (ValueError, KeyError):
            return None
        if digest_oid == Oid.SHA1 or sig_hash == "sha1":
            return "SHA-1 in the token signature"
        return None


def _downgrade(
    result: TokenEvaluation,
    status: CheckStatus,
    reason: str,
    sub: str,
    detail: str,
    *,
    usable: bool | None = None,
) -> TokenEvaluation:
    result.status = status
    result.reason = reason
    result.sub_indication = sub
    result.detail = detail
    if usable is not None:
        result.usable = usable
    return result
