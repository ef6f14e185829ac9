"""CMS EnvelopedData / AuthEnvelopedData for encrypted e-Yazışma packages (signatures.md §7).

Knows nothing of EYP. Envelopes are written with AES-256-CBC (EnvelopedData, default) or
AES-256-GCM (AuthEnvelopedData), RSA recipients via RSAES-OAEP-SHA-256 key transport and EC
recipients via ephemeral-static ECDH with the X9.63 SHA-256 KDF and AES-256 key wrap; both
directions stream in constant memory, definite-length DER or indefinite-length BER.

**Public surface and the licence gate.** The licence covers only encrypting and decrypting
e-Yazışma packages (``.eyps``), and generic CMS envelope functions must not be exposed as a way
around it (signatures.md §8.1 fact 4). This package therefore exports only:

* the errors (:class:`EncryptionError` and its subtree),
* the identifiers (:class:`ContentCipher`, :class:`RecipientIdType`, :class:`EnvelopeKind`,
  :class:`RecipientKind`),
* the read-only :func:`inspect_envelope` with its result types (:class:`EnvelopeInfo`,
  :class:`RecipientSummary`, :class:`DecryptResult`), which reveals no plaintext and needs no key.

Encryption and decryption live in the private modules ``encryption._writer.encrypt_stream`` and
``encryption._reader.decrypt_stream``; they are reached only through eyp's licence-gated
``.eyps`` API (and the CLI commands built on it), never directly.
"""

from encryption._algorithms import ContentCipher, EnvelopeKind, RecipientIdType, RecipientKind
from encryption._inspect import inspect_envelope
from encryption._model import DecryptResult, EnvelopeInfo, RecipientSummary
from encryption.errors import (
    DecryptionFailedError,
    EncryptionError,
    EncryptionIOError,
    LegacyAlgorithmError,
    MalformedEnvelopeError,
    NoMatchingRecipientError,
    RecipientCertificateError,
    RejectedAlgorithmError,
    TruncatedEnvelopeError,
    UnsupportedAlgorithmError,
)

__all__ = [
    "ContentCipher",
    "DecryptResult",
    "DecryptionFailedError",
    "EncryptionError",
    "EncryptionIOError",
    "EnvelopeInfo",
    "EnvelopeKind",
    "LegacyAlgorithmError",
    "MalformedEnvelopeError",
    "NoMatchingRecipientError",
    "RecipientCertificateError",
    "RecipientIdType",
    "RecipientKind",
    "RecipientSummary",
    "RejectedAlgorithmError",
    "TruncatedEnvelopeError",
    "UnsupportedAlgorithmError",
    "inspect_envelope",
]
