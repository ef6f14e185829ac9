"""PIN handling (signatures.md §6.5).

Rules implemented here:

* the token flags are read **before** every login; ``CKF_USER_PIN_LOCKED`` → :class:`PinLockedError`
  without calling ``C_Login``; ``CKF_USER_PIN_FINAL_TRY`` → :class:`PinFinalTryError` unless the
  caller passed ``allow_final_try=True``;
* ``CKF_USER_PIN_COUNT_LOW`` is not an error: the :class:`TokenInfo` given to the PIN callback
  carries ``pin_status.count_low`` so the prompt can say "a wrong PIN was entered before"
  (design choice: the callback *is* the user interface, so that is where the warning belongs;
  :attr:`Pkcs11Key.pin_status_at_login` keeps it for callers without a custom prompt);
* each ``C_Login`` uses exactly the PIN the callback returned, once. ``CKR_PIN_INCORRECT`` →
  :class:`WrongPinError` carrying the *re-read* PIN status; nothing here loops;
* the PIN never reaches logs, exception messages or ``repr``. python-pkcs11 needs a ``str``; a
  ``bytearray`` from the callback is wiped after conversion (the temporary ``str`` cannot be).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pkcs11
import pkcs11.exceptions as p11e

from keys.errors import PinCancelledError, PinFinalTryError, PinLockedError, WrongPinError
from keys.pkcs11._errors import lock_advice, wrap_error
from keys.pkcs11._inventory import PinStatus, TokenInfo, read_token_info
from keys.pkcs11._module import Pkcs11Module

__all__ = ["PinCallback", "check_pin_flags", "login", "obtain_pin"]

#: Called with the token's current info; returns the PIN, or ``None`` to cancel.
PinCallback = Callable[[TokenInfo], str | bytes | bytearray | None]


def check_pin_flags(info: TokenInfo, *, allow_final_try: bool) -> None:
    """Refuse to log in when the flags say locked / final try (before any ``C_Login``)."""
    status = info.pin_status
    if status.locked:
        raise PinLockedError(
            f"The PIN of token {info.label!r} is locked; no login was attempted. " + lock_advice(),
            pin_status=status,
        )
    if status.final_try and not allow_final_try:
        raise PinFinalTryError(
            f"The next wrong PIN locks token {info.label!r}. No login was attempted. Make sure "
            "you know the PIN, then allow the final try explicitly. " + lock_advice(),
            pin_status=status,
        )


def obtain_pin(callback: PinCallback, info: TokenInfo) -> Any:
    """Ask the callback for the PIN (or use the PIN pad); returns what python-pkcs11 expects."""
    if info.protected_authentication_path:
        return pkcs11.PROTECTED_AUTH
    value = callback(info)
    if value is None:
        raise PinCancelledError("No PIN was given; the operation was cancelled.")
    if isinstance(value, str):
        return value
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PinCancelledError("The PIN must be text (UTF-8).") from exc
    finally:
        if isinstance(value, bytearray):
            value[:] = b"\x00" * len(value)


def wrong_pin_error(module: Pkcs11Module, slot: Any, exc: p11e.PKCS11Error) -> WrongPinError:
    """Build the error for ``CKR_PIN_INCORRECT`` after re-reading the token flags."""
    try:
        status: PinStatus | None = read_token_info(module, slot).pin_status
    except Exception:
        status = None
    extra = ""
    if status is not None and status.locked:
        extra = " The token is now locked."
    elif status is not None and status.final_try:
        extra = " The next wrong PIN locks the token."
    err = wrap_error(exc, "log in")
    assert isinstance(err, WrongPinError)
    return WrongPinError(err.message + extra, pin_status=status)


def login(
    module: Pkcs11Module,
    slot: Any,
    callback: PinCallback,
    *,
    allow_final_try: bool,
) -> tuple[Any, TokenInfo]:
    """Open a session and log the user in once. Returns (session, token info before login)."""
    info = read_token_info(module, slot)
    check_pin_flags(info, allow_final_try=allow_final_try)
    pin = obtain_pin(callback, info)
    with module.guard():
        try:
            session = slot.get_token().open(user_pin=pin)
        except p11e.PinIncorrect as exc:
            del pin
            raise wrong_pin_error(module, slot, exc) from exc
        except p11e.UserAlreadyLoggedIn:
            # Login state is per application and token: another key of ours already logged in.
            session = slot.get_token().open()
        except p11e.PKCS11Error as exc:
            del pin
            raise wrap_error(exc, "log in") from exc
    del pin
    return session, info
