"""Errors of :mod:`encryption` (CMS EnvelopedData / AuthEnvelopedData, signatures.md §7).

Every error raised on purpose from :mod:`encryption` derives from :class:`EncryptionError`, itself
a :class:`keys.errors.EYazismaError` (DESIGN.md §2.7). Errors from ``cryptography`` and ``OSError``
are wrapped at the boundary. Key, token and PIN errors raised by the key object
(:mod:`keys.errors`) pass through unchanged: they already belong to the hierarchy and the CLI maps
them to exit code 3.

Decryption failures after the recipient was found are deliberately uninformative
(signatures.md §6.7, §7.8): a wrong key, a damaged encrypted key, a wrong content-encryption key,
bad CBC padding and a failed GCM tag all raise the same :class:`DecryptionFailedError` with the
same message and code, and without an exception chain.

``exit_code`` follows the CLI contract (``eyazisma.cli``): 1 the envelope is invalid or cannot be
opened, 2 unusable input (unreadable file, unsuitable recipient certificate), 3 no key for it.
"""

from __future__ import annotations

from keys.errors import EYazismaError

__all__ = [
    "DecryptionFailedError",
    "EncryptionError",
    "EncryptionIOError",
    "LegacyAlgorithmError",
    "MalformedEnvelopeError",
    "NoMatchingRecipientError",
    "RecipientCertificateError",
    "RejectedAlgorithmError",
    "TruncatedEnvelopeError",
    "UnsupportedAlgorithmError",
]

_EXIT_INVALID = 1
_EXIT_USAGE = 2
_EXIT_KEY = 3


class EncryptionError(EYazismaError):
    """Base of all errors of the :mod:`encryption` package."""

    code = "ENCRYPTION"
    exit_code: int = _EXIT_INVALID


class MalformedEnvelopeError(EncryptionError):
    """The bytes are not a CMS EnvelopedData / AuthEnvelopedData we can parse (RFC 5652 §6.1)."""

    code = "ENCRYPTION_MALFORMED"


class TruncatedEnvelopeError(MalformedEnvelopeError):
    """The envelope ends before its structure does (cut download, disk full while writing)."""

    code = "ENCRYPTION_TRUNCATED"


class RejectedAlgorithmError(EncryptionError):
    """An algorithm or key size that signatures.md §7.10 rejects; :attr:`algorithm` names it."""

    code = "ENCRYPTION_REJECTED_ALGORITHM"

    def __init__(self, message: str, *, algorithm: str, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.algorithm = algorithm


class LegacyAlgorithmError(RejectedAlgorithmError):
    """A legacy algorithm (PKCS#1 v1.5, OAEP-SHA-1, SHA-1 KDF) met without ``legacy=True``."""

    code = "ENCRYPTION_LEGACY_REQUIRED"


class UnsupportedAlgorithmError(EncryptionError):
    """A well-formed algorithm or option this library does not implement (e.g. AES-CCM)."""

    code = "ENCRYPTION_UNSUPPORTED_ALGORITHM"


class RecipientCertificateError(EncryptionError):
    """A recipient certificate cannot be used for encryption (key type, key usage, no SKI)."""

    code = "ENCRYPTION_RECIPIENT_CERTIFICATE"
    exit_code = _EXIT_USAGE


class NoMatchingRecipientError(EncryptionError):
    """The envelope has no RecipientInfo for the given key(s); no key operation was attempted."""

    code = "ENCRYPTION_NO_MATCHING_RECIPIENT"
    exit_code = _EXIT_KEY


class DecryptionFailedError(EncryptionError):
    """Decryption failed. One message and code for every cause, by design (signatures.md §6.7)."""

    code = "ENCRYPTION_DECRYPTION_FAILED"


class EncryptionIOError(EncryptionError):
    """Reading the source or writing the target failed, or the source changed while read."""

    code = "ENCRYPTION_IO"
    exit_code = _EXIT_USAGE
