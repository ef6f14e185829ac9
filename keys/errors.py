"""Root of the eyazisma exception hierarchy, and the errors of :mod:`keys`.

``keys`` is the leaf of the import graph (DESIGN.md §1), so the single exception root that every
package derives from lives here; ``eyazisma`` re-exports it. Every error carries a stable,
machine-readable :attr:`EYazismaError.code` and a message that says what the user can do.
Messages never contain PINs or passwords.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousCertificateError",
    "DecryptionError",
    "EYazismaError",
    "KeyFileError",
    "KeyNotFoundError",
    "KeysError",
    "ModuleLoadError",
    "PinCancelledError",
    "PinError",
    "PinFinalTryError",
    "PinLockedError",
    "SignatureCheckError",
    "TokenError",
    "TokenNotFoundError",
    "UnsupportedMechanismError",
    "WeakAlgorithmError",
    "WrongPinError",
]


class EYazismaError(Exception):
    """Base class of every error raised on purpose by this library."""

    #: Stable identifier for programs; subclasses override it.
    code: str = "EYAZISMA"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class KeysError(EYazismaError):
    """A private key, token or certificate could not be used."""

    code = "KEYS"
    #: CLI exit code for key/token/PIN problems (eyazisma.cli docs: 3).
    exit_code: int = 3


class ModuleLoadError(KeysError):
    """A PKCS#11 module could not be found, loaded or initialised (signatures.md §6.1)."""

    code = "KEYS_MODULE_LOAD"


class TokenError(KeysError):
    """A PKCS#11 call failed for a reason that is not a PIN problem."""

    code = "KEYS_TOKEN"


class TokenNotFoundError(TokenError):
    """No token / slot matched the request, or the token was removed."""

    code = "KEYS_TOKEN_NOT_FOUND"


class PinError(KeysError):
    """Base class of the PIN errors (signatures.md §6.5).

    :attr:`pin_status` is the token's PIN state read *after* the event, so a user interface can
    show "the next wrong PIN locks the card". It never contains the PIN itself.
    """

    code = "KEYS_PIN"

    def __init__(self, message: str, *, pin_status: object | None = None) -> None:
        super().__init__(message)
        self.pin_status = pin_status


class WrongPinError(PinError):
    """The token rejected the PIN (``CKR_PIN_INCORRECT``). The library did not retry."""

    code = "KEYS_WRONG_PIN"


class PinLockedError(PinError):
    """The token's user PIN is locked; no login was attempted."""

    code = "KEYS_PIN_LOCKED"


class PinFinalTryError(PinError):
    """The next wrong PIN locks the token; refused unless the caller allows the final try."""

    code = "KEYS_PIN_FINAL_TRY"


class PinCancelledError(PinError):
    """The PIN callback declined to provide a PIN (e.g. the user cancelled the prompt)."""

    code = "KEYS_PIN_CANCELLED"


class KeyNotFoundError(KeysError):
    """No certificate / private key matched, or the certificate has no paired private key."""

    code = "KEYS_KEY_NOT_FOUND"


class AmbiguousCertificateError(KeyNotFoundError):
    """Several certificates fit the requested role; the caller must choose (signatures.md §6.3)."""

    code = "KEYS_AMBIGUOUS_CERTIFICATE"


class UnsupportedMechanismError(KeysError):
    """The key or token cannot perform the requested mechanism."""

    code = "KEYS_UNSUPPORTED_MECHANISM"


class WeakAlgorithmError(KeysError):
    """A weak algorithm or key size was requested without the explicit legacy opt-in (§1.7)."""

    code = "KEYS_WEAK_ALGORITHM"


class DecryptionError(KeysError):
    """Decryption failed. Deliberately uninformative: one error for every cause (§6.7)."""

    code = "KEYS_DECRYPTION_FAILED"


class KeyFileError(KeysError):
    """A PKCS#12 / PEM key file could not be read (wrong password, bad format, no certificate)."""

    code = "KEYS_KEY_FILE"


class SignatureCheckError(KeysError):
    """A signature made by the key did not verify against its certificate (mis-paired key)."""

    code = "KEYS_SIGNATURE_CHECK"
