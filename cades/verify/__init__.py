"""CAdES signature verification with an explicit trust policy (signatures.md §4).

:func:`verify` checks a CMS/CAdES signature — BES to A, Turkish profiles P1–P4, countersigners —
and returns a :class:`SignatureReport`: every check of the catalogue (§4.6) with its id,
status, reason and bilingual message, the time-stamps and revocation data used, and an ETSI
EN 319 102-1 indication. Bad signatures are reports, not exceptions.
"""

from cades.verify._policy import ValidationPolicy, VerificationConfigError
from cades.verify._report import (
    Check,
    CheckStatus,
    Indication,
    Maturity,
    RevocationInfo,
    SignatureReport,
    SignerReport,
    TimestampInfo,
)
from cades.verify._subind import Sub as SubIndication
from cades.verify._verify import VerificationInputError, verify

__all__ = [
    "Check",
    "CheckStatus",
    "Indication",
    "Maturity",
    "RevocationInfo",
    "SignatureReport",
    "SignerReport",
    "SubIndication",
    "TimestampInfo",
    "ValidationPolicy",
    "VerificationConfigError",
    "VerificationInputError",
    "verify",
]
