"""Errors of :mod:`cades`: CMS/CAdES, RFC 3161 time-stamps, Kamu SM and revocation data.

Every error raised on purpose from :mod:`cades` derives from :class:`CadesError`, itself a
:class:`keys.errors.EYazismaError` (DESIGN.md §2.7). Dependency errors (``asn1crypto``,
``cryptography``, ``http.client``/``OSError``) are wrapped at the boundary with
``raise … from exc``.
``exit_code`` follows the CLI contract (``eyazisma.cli``): 1 invalid answer, 2 configuration,
4 a network service failed. Messages never contain passwords, derived keys or the ``identity``
header (signatures.md §5.8).
"""

from __future__ import annotations

from keys.errors import EYazismaError

__all__ = [
    "CadesError",
    "CadesFormatError",
    "CrlError",
    "OcspError",
    "RevocationError",
    "SignerCertificateError",
    "SigningError",
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
    "UpgradeError",
]

_EXIT_INVALID = 1
_EXIT_USAGE = 2
_EXIT_NETWORK = 4


class CadesError(EYazismaError):
    """Base of all errors of the :mod:`cades` package."""

    code = "CADES"
    exit_code = _EXIT_INVALID


class CadesFormatError(CadesError):
    """The bytes are not a CMS SignedData we can work on (malformed/truncated ASN.1, §4.2)."""

    code = "CADES_FORMAT"


class SigningError(CadesError):
    """A signature could not be created (key, algorithm or self-check failure, §3.11 rule 7)."""

    code = "CADES_SIGN"


class SignerCertificateError(SigningError):
    """The signer certificate may not sign now (validity, revocation, kind; §2.6)."""

    code = "CADES_SIGNER_CERT"
    exit_code = _EXIT_USAGE


class UpgradeError(CadesError):
    """A signature could not be upgraded; the input is unchanged (§3.5–§3.9)."""

    code = "CADES_UPGRADE"
    exit_code = _EXIT_NETWORK


class TimestampError(CadesError):
    """A time-stamp could not be obtained or the token is not acceptable (signatures.md §5)."""

    code = "CADES_TSP"


class TimestampConfigError(TimestampError):
    """The client is configured wrongly (e.g. empty Kamu SM password, §5.3; bad URL)."""

    code = "CADES_TSP_CONFIG"
    exit_code = _EXIT_USAGE


class TimestampNetworkError(TimestampError):
    """The TSA could not be reached, or the connection broke (after the allowed retries)."""

    code = "CADES_TSP_NETWORK"
    exit_code = _EXIT_NETWORK


class TimestampTimeoutError(TimestampNetworkError):
    """The TSA did not answer within the configured connect/read timeout (§5.2)."""

    code = "CADES_TSP_TIMEOUT"


class TimestampHttpError(TimestampNetworkError):
    """The TSA answered with an HTTP error status (4xx, or 5xx after the allowed retries)."""

    code = "CADES_TSP_HTTP"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class TimestampResponseError(TimestampError):
    """The answer is not a TimeStampResp (garbage, HTML, plain text) or carries no token (§5.5)."""

    code = "CADES_TSP_RESPONSE"
    exit_code = _EXIT_NETWORK


class TimestampAuthenticationError(TimestampResponseError):
    """The Kamu SM service refused the ``identity`` header (wrong customer number or password)."""

    code = "CADES_TSP_AUTH"
    exit_code = _EXIT_USAGE


class TimestampRejectedError(TimestampError):
    """The TSA answered with a PKIStatus other than granted/grantedWithMods (RFC 3161 §2.4.2)."""

    code = "CADES_TSP_REJECTED"
    exit_code = _EXIT_NETWORK

    def __init__(self, message: str, *, status: int, fail_info: tuple[str, ...]) -> None:
        super().__init__(message)
        self.status = status
        self.fail_info = fail_info


class TimestampMismatchError(TimestampError):
    """The token does not answer our request: wrong imprint, nonce or policy (§5.5)."""

    code = "CADES_TSP_MISMATCH"


class TimestampVerificationError(TimestampError):
    """The token's signature, ESS binding, TSA certificate or chain is not acceptable (§4.4)."""

    code = "CADES_TSP_VERIFY"


class RevocationError(CadesError):
    """Revocation data (OCSP response or CRL) could not be fetched or is not acceptable (§1.5)."""

    code = "CADES_REVOCATION"


class OcspError(RevocationError):
    """An OCSP response could not be fetched, parsed or trusted (RFC 6960)."""

    code = "CADES_OCSP"


class CrlError(RevocationError):
    """A CRL could not be fetched, parsed or trusted (RFC 5280 §5, §6.3)."""

    code = "CADES_CRL"
