"""Turkish electronic-signature profiles P1–P4 and CAdES levels (signatures.md §1.1–§1.6).

The profile fixes the policy identifier written into the signature (§1.2), the mandatory
attributes (§1.3, §1.4), the revocation rule for the signer (§1.5) and the caution period (§1.1).
The policy hash is a shipped constant: the policy PDF is never downloaded (§1.2).
"""

from __future__ import annotations

import enum
from datetime import timedelta

__all__ = [
    "LEGACY_SPURI",
    "POLICY_HASH_SHA256",
    "TS_WINDOW_AFTER",
    "TS_WINDOW_BEFORE",
    "TS_WINDOW_WARN",
    "Level",
    "Profile",
    "RevocationRule",
]

#: SHA-256 of the BTK "Elektronik İmza Kullanım Profilleri Rehberi" (same for P2, P3 and P4).
POLICY_HASH_SHA256 = bytes.fromhex(
    "FF39BD29463383F69B2052AC47439E06CE7C3B8646E888B6E5AE3E46BA08117A"
)
#: Older BTK URL that readers accept as SPURI (§1.2).
LEGACY_SPURI = (
    "http://www.tk.gov.tr/bilgi_teknolojileri/elektronik_imza/dosyalar/"
    "Elektronik_Imza_Kullanim_Profilleri_Rehberi.pdf"
)
#: Signature time-stamp window around signing-time (§1.6 rule 1) and the warning threshold.
TS_WINDOW_BEFORE = timedelta(seconds=300)
TS_WINDOW_AFTER = timedelta(seconds=7200)
TS_WINDOW_WARN = timedelta(seconds=600)

_SPURI_BASE = "http://www.eimza.gov.tr/EimzaPolitikalari/"


class RevocationRule(enum.Enum):
    """ETSI revocation rule names for the signer certificate (§1.5)."""

    CRL = "crlcheck"
    OCSP = "ocspcheck"
    EITHER = "eithercheck"


class Level(enum.Enum):
    """CAdES forms in increasing order (ETSI TS 101 733 §4.4; EN 319 122-1 levels)."""

    BES = "BES"
    EPES = "EPES"
    T = "T"
    C = "C"
    X = "X"
    XL = "X-L"
    A = "A"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Level:
        """Accept ``XL``, ``X-L``, ``X-Long``, ``A`` … (case-insensitive)."""
        key = text.strip().upper().replace("-", "").replace("LONG", "L")
        for member in cls:
            if member.value.replace("-", "") == key:
                return member
        raise ValueError(f"unknown CAdES level {text!r}; use BES, EPES, T, C, XL or A")


_LEVEL_ORDER = (Level.BES, Level.EPES, Level.T, Level.C, Level.X, Level.XL, Level.A)


class Profile(enum.Enum):
    """BTK usage profiles (§1.1); the value is the profile name."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def policy_oid(self) -> str | None:
        """sigPolicyId (§1.2); P1 carries no policy attribute."""
        return _POLICY_OIDS.get(self)

    @property
    def spuri(self) -> str | None:
        """The SPURI this library writes (informative only, §1.2, §10 Q2)."""
        oid = self.policy_oid
        return None if oid is None else _SPURI_BASE + oid.replace(".", "") + ".pdf"

    @property
    def caution_period(self) -> timedelta:
        """Grace period after the signature time-stamp before revocation data is final (§1.1)."""
        return timedelta(days=1) if self in (Profile.P2, Profile.P3) else timedelta(0)

    @property
    def minimum_level(self) -> Level:
        """The lowest CAdES form that meets the profile (§1.1, TRP-004)."""
        return {
            Profile.P1: Level.BES,
            Profile.P2: Level.T,
            Profile.P3: Level.XL,
            Profile.P4: Level.XL,
        }[self]

    @property
    def signer_revocation(self) -> RevocationRule:
        """Revocation rule for the signer certificate (§1.5)."""
        return {
            Profile.P1: RevocationRule.EITHER,
            Profile.P2: RevocationRule.CRL,
            Profile.P3: RevocationRule.CRL,
            Profile.P4: RevocationRule.OCSP,
        }[self]

    @property
    def mime_type_required(self) -> bool:
        """mime-type is M for P3/P4 and SHOULD for P1/P2 (§1.3)."""
        return self in (Profile.P3, Profile.P4)

    @classmethod
    def from_policy_oid(cls, oid: str) -> Profile | None:
        """The profile of a sigPolicyId, or ``None`` for an unknown (non-Turkish) policy."""
        for member, value in _POLICY_OIDS.items():
            if value == oid:
                return member
        return None


_POLICY_OIDS = {
    Profile.P2: "2.16.792.1.61.0.1.5070.3.1.1",
    Profile.P3: "2.16.792.1.61.0.1.5070.3.2.1",
    Profile.P4: "2.16.792.1.61.0.1.5070.3.3.1",
}
