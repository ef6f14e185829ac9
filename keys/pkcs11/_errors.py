"""Wrapping python-pkcs11 errors at the ``keys`` boundary (DESIGN.md §2.7)."""

from __future__ import annotations

import pkcs11.exceptions as p11e

from keys.errors import (
    KeysError,
    PinLockedError,
    TokenError,
    TokenNotFoundError,
    UnsupportedMechanismError,
    WrongPinError,
)

__all__ = ["SESSION_LOST", "wrap_error"]

#: Errors after which a session is discarded and the operation retried once (§6.8.3).
#: Object/key handle errors are included: after a logout or token restart the cached private-key
#: handle dies before the session does (SoftHSM2 answers CKR_OBJECT_HANDLE_INVALID).
SESSION_LOST: tuple[type[p11e.PKCS11Error], ...] = (
    p11e.SessionHandleInvalid,
    p11e.SessionClosed,
    p11e.DeviceError,
    p11e.ObjectHandleInvalid,
    p11e.KeyHandleInvalid,
)

_LOCK_ADVICE = (
    "Smart cards lock after 3 wrong PINs. A locked Kamu SM card is unlocked online through "
    "Kamu SM (kamusm.bilgem.tubitak.gov.tr) / e-Devlet, not by this program."
)


def wrap_error(exc: p11e.PKCS11Error, action: str) -> KeysError:
    """Map a python-pkcs11 exception to our error; the caller does ``raise ... from exc``."""
    if isinstance(exc, p11e.PinIncorrect):
        return WrongPinError("The PIN is wrong. It was tried once and not retried. " + _LOCK_ADVICE)
    if isinstance(exc, p11e.PinLocked):
        return PinLockedError("The token's PIN is locked. " + _LOCK_ADVICE)
    if isinstance(exc, p11e.TokenNotPresent | p11e.DeviceRemoved | p11e.SlotIDInvalid):
        return TokenNotFoundError(
            f"The token was removed or is not present while trying to {action}. Insert it and "
            "try again."
        )
    if isinstance(exc, p11e.MechanismInvalid | p11e.MechanismParamInvalid):
        return UnsupportedMechanismError(f"The token cannot {action} with this mechanism.")
    return TokenError(f"The token failed to {action} ({type(exc).__name__}).")


def lock_advice() -> str:
    return _LOCK_ADVICE
