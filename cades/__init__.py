"""CMS SignedData and CAdES over arbitrary bytes: time-stamps, revocation data, verification.

Knows nothing of EYP (DESIGN.md §1); imports only :mod:`keys` and third-party libraries.
Subpackages: :mod:`cades.tsp` (RFC 3161 and Kamu SM time-stamps, signatures.md §5) and
:mod:`cades.revocation` (OCSP and CRL fetching, §1.5).
"""

from cades._asn1 import Oid
from cades._attributes import SignerLocationInfo
from cades._collect import signer_path
from cades._sign import SignerCheck, add_parallel_signer, countersign, sign
from cades._upgrade import ValidationSources, upgrade
from cades._view import SignedDataView, SignerInfoView, parse_signed_data
from cades._x509 import build_chain, is_issued_by
from cades.errors import (
    CadesError,
    CadesFormatError,
    CrlError,
    OcspError,
    RevocationError,
    SignerCertificateError,
    SigningError,
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
    UpgradeError,
)
from cades.profiles import Level, Profile
from cades.verify import (
    Check,
    CheckStatus,
    Indication,
    Maturity,
    RevocationInfo,
    SignatureReport,
    SignerReport,
    TimestampInfo,
    ValidationPolicy,
)
from cades.verify import verify as verify_signature

__all__ = [
    "CadesError",
    "CadesFormatError",
    "Check",
    "CheckStatus",
    "CrlError",
    "Indication",
    "Level",
    "Maturity",
    "OcspError",
    "Oid",
    "Profile",
    "RevocationError",
    "RevocationInfo",
    "SignatureReport",
    "SignedDataView",
    "SignerCertificateError",
    "SignerCheck",
    "SignerInfoView",
    "SignerLocationInfo",
    "SignerReport",
    "SigningError",
    "TimestampAuthenticationError",
    "TimestampConfigError",
    "TimestampError",
    "TimestampHttpError",
    "TimestampInfo",
    "TimestampMismatchError",
    "TimestampNetworkError",
    "TimestampRejectedError",
    "TimestampResponseError",
    "TimestampTimeoutError",
    "TimestampVerificationError",
    "UpgradeError",
    "ValidationPolicy",
    "ValidationSources",
    "add_parallel_signer",
    "build_chain",
    "countersign",
    "is_issued_by",
    "parse_signed_data",
    "sign",
    "signer_path",
    "upgrade",
    "verify",
    "verify_signature",
]
