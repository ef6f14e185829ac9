"""CMS SignedData and CAdES over arbitrary bytes: time-stamps, revocation data, verification.

Knows nothing of EYP (DESIGN.md §1); imports only :mod:`keys` and third-party libraries.
Subpackages: :mod:`cades.tsp` (RFC 3161 and Kamu SM time-stamps, signatures.md §5) and
:mod:`cades.revocation` (OCSP and CRL fetching, §1.5).
"""

from cades.errors import (
    CadesError,
    CrlError,
    OcspError,
    RevocationError,
    TimestampAuthenticationError,
    TimestampConfigError,
    TimestampError,
    TimestampHttpError,
    TimestampMismatchError,
    TimestampNetworkError,
    TimestampRejectedError,
    TimestampResponseError,
    TimestampTimeoutError,
    TimestampVerificationError,
)

__all__ = [
    "CadesError",
    "CrlError",
    "OcspError",
    "RevocationError",
    "TimestampAuthenticationError",
    "TimestampConfigError",
    "TimestampError",
    "TimestampHttpError",
    "TimestampMismatchError",
    "TimestampNetworkError",
    "TimestampRejectedError",
    "TimestampResponseError",
    "TimestampTimeoutError",
    "TimestampVerificationError",
]
