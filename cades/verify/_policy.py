"""The explicit trust policy of a verification (signatures.md §4.1; DESIGN.md §2.6).

Verification never guesses whom to trust: signer CAs and TSAs are configured by the caller,
separately if wanted (§4.1 "Trust anchors MUST be configured separately"). Every knob of §4.1
has a default here; the report states the time source and the mode that were used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509

from cades.errors import CadesError
from cades.profiles import TS_WINDOW_AFTER, TS_WINDOW_BEFORE, TS_WINDOW_WARN, Level, Profile

__all__ = ["ValidationPolicy", "VerificationConfigError"]


class VerificationConfigError(CadesError):
    """The validation policy is unusable (wrong types or contradictory values)."""

    code = "CADES_VERIFY_CONFIG"
    exit_code = 2


def _certificates(name: str, value: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    items = tuple(value)
    for item in items:
        if not isinstance(item, x509.Certificate):
            raise VerificationConfigError(
                f"ValidationPolicy.{name} must hold cryptography x509.Certificate objects"
            )
    return items


def _blobs(name: str, value: Sequence[bytes]) -> tuple[bytes, ...]:
    items = tuple(value)
    for item in items:
        if not isinstance(item, bytes | bytearray):
            raise VerificationConfigError(f"ValidationPolicy.{name} must hold DER bytes")
    return tuple(bytes(i) for i in items)


@dataclass(frozen=True)
class ValidationPolicy:
    """How a CAdES signature is verified (signatures.md §4.1).

    * ``trust_anchors`` — signer CA anchors; ``tsa_trust_anchors`` — TSA anchors (``None``:
      the signer anchors). Test roots belong in an explicitly selected policy, never a default.
    * ``validation_time`` — defaults to now (UTC); ``offline`` — only embedded data and the
      pre-fetched ``crls`` / ``ocsp_responses`` (DER CertificateList / OCSPResponse or
      BasicOCSPResponse); online mode may fetch OCSP/CRL when embedded data is missing or stale.
    * ``certificates`` — extra pool for path building (never trusted by itself).
    * ``caution_period`` — overrides the profile's (§1.1: P2/P3 1 day, P4 0).
    * ``ts_window_*`` — signature time-stamp window around signing-time (§1.6 rule 1).
    * ``allow_sha1`` — legacy SHA-1 turns from INDETERMINATE into a warning (§1.7).
    * ``trust_signing_time`` — use signing-time as best signature time when no valid
      time-stamp exists (§4.3; off by default, unlike the incumbent).
    * ``allowed_skew`` — tolerance for data dated in the future (§4.1).
    * ``expected_profile`` / ``minimum_level`` — a mismatch is a failure (TRP-001 / TRP-004).
    """

    trust_anchors: Sequence[x509.Certificate]
    tsa_trust_anchors: Sequence[x509.Certificate] | None = None
    validation_time: datetime | None = None
    offline: bool = True
    certificates: Sequence[x509.Certificate] = ()
    caution_period: timedelta | None = None
    ts_window_before: timedelta = TS_WINDOW_BEFORE
    ts_window_after: timedelta = TS_WINDOW_AFTER
    ts_window_warn: timedelta = TS_WINDOW_WARN
    allow_sha1: bool = False
    trust_signing_time: bool = False
    allowed_skew: timedelta = timedelta(seconds=300)
    expected_profile: Profile | None = None
    minimum_level: Level | None = None
    crls: Sequence[bytes] = field(default=(), repr=False)
    ocsp_responses: Sequence[bytes] = field(default=(), repr=False)
    ocsp_timeout: float = 10.0
    use_nonce: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "trust_anchors", _certificates("trust_anchors", self.trust_anchors)
        )
        if self.tsa_trust_anchors is not None:
            object.__setattr__(
                self,
                "tsa_trust_anchors",
                _certificates("tsa_trust_anchors", self.tsa_trust_anchors),
            )
        object.__setattr__(self, "certificates", _certificates("certificates", self.certificates))
        object.__setattr__(self, "crls", _blobs("crls", self.crls))
        object.__setattr__(self, "ocsp_responses", _blobs("ocsp_responses", self.ocsp_responses))
        if self.validation_time is not None:
            if not isinstance(self.validation_time, datetime):
                raise VerificationConfigError("validation_time must be a datetime")
            if self.validation_time.tzinfo is None:
                raise VerificationConfigError(
                    "validation_time must be timezone-aware (e.g. datetime.now(UTC))"
                )
        for name in ("ts_window_before", "ts_window_after", "ts_window_warn", "allowed_skew"):
            value = getattr(self, name)
            if not isinstance(value, timedelta) or value < timedelta(0):
                raise VerificationConfigError(f"{name} must be a non-negative timedelta")
        if self.caution_period is not None and (
            not isinstance(self.caution_period, timedelta) or self.caution_period < timedelta(0)
        ):
            raise VerificationConfigError("caution_period must be a non-negative timedelta")
        if self.expected_profile is not None and not isinstance(self.expected_profile, Profile):
            raise VerificationConfigError("expected_profile must be a cades.profiles.Profile")
        if self.minimum_level is not None and not isinstance(self.minimum_level, Level):
            raise VerificationConfigError("minimum_level must be a cades.profiles.Level")

    @property
    def tsa_anchors(self) -> tuple[x509.Certificate, ...]:
        """The TSA trust anchors in effect (§4.4 item 5)."""
        anchors = self.trust_anchors if self.tsa_trust_anchors is None else self.tsa_trust_anchors
        return tuple(anchors)

    def resolved_time(self) -> datetime:
        """The validation time, UTC."""
        moment = self.validation_time or datetime.now(UTC)
        return moment.astimezone(UTC)

    def caution_for(self, profile: Profile | None) -> timedelta:
        """Caution period ``c`` of §4.3 for a signer of ``profile``."""
        if self.caution_period is not None:
            return self.caution_period
        return profile.caution_period if profile is not None else timedelta(0)
