"""Time-stamping, trust and revocation settings for EYP signing (signatures.md §2.3, §2.6).

One frozen object carries what every signature of a package needs besides the key: the TSA,
the trust anchors and extra CA certificates for path building, and the profile (P4 by default;
P3 for institutions exempted under Rehber 2.1, eyp.md §8.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509

from cades import ValidationSources
from cades.profiles import Profile
from cades.tsp import TimestampClient
from eyp.errors import SigningRefusedError

__all__ = ["SigningServices"]


@dataclass(frozen=True)
class SigningServices:
    """Settings shared by the paraf, e-signature and seal steps of one package."""

    tsa: TimestampClient
    trust_roots: Sequence[x509.Certificate]
    certificates: Sequence[x509.Certificate] = ()
    profile: Profile = Profile.P4
    #: §2.6 item 1: check the signer's revocation status online before the token signs.
    check_revocation: bool = True
    ocsp_timeout: float = 10.0
    use_ocsp_nonce: bool = True

    def __post_init__(self) -> None:
        if self.profile not in (Profile.P3, Profile.P4):
            raise SigningRefusedError(
                f"EYP signatures use profile P4 (or P3 where exempted), not {self.profile.value} "
                "(eyp.md §8.3)"
            )
        if not self.trust_roots:
            raise SigningRefusedError("give at least one trust anchor (the CA root certificate)")
        url = urlsplit(self.tsa.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise SigningRefusedError(
                f"the time-stamp service URL {self.tsa.url!r} is not an http(s) URL (§2.6 item 3)"
            )

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sources(self) -> ValidationSources:
        """The CAdES upgrade inputs (TSA, anchors, CA pool, OCSP settings)."""
        return ValidationSources(
            tsa=self.tsa,
            trust_roots=tuple(self.trust_roots),
            certificates=tuple(self.certificates),
            ocsp_timeout=self.ocsp_timeout,
            use_nonce=self.use_ocsp_nonce,
        )
