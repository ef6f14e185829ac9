"""One login per token and process, shared by every key opened on it (signatures.md §6.8.1).

Login state in PKCS#11 belongs to the application, not to a session: the first key opened on a
token logs in (asking the PIN callback once), later keys on the same token reuse that login
without asking again, and the login session is closed (``C_Logout``) when the last key closes.
A lost login (HSM restart, logout by another component) is restored at most once per incident:
concurrent threads that all notice the loss trigger a single re-login.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pkcs11.exceptions as p11e

from keys.pkcs11._inventory import PinStatus
from keys.pkcs11._module import Pkcs11Module
from keys.pkcs11._pin import PinCallback, login

__all__ = ["SharedLogin", "acquire_login"]


class SharedLogin:
    """The login session of one token; see module docs."""

    def __init__(self, module: Pkcs11Module, slot: Any) -> None:
        self.module = module
        self.slot = slot
        self.lock = threading.Lock()
        self.refs = 0
        self.session: Any = None
        #: incremented at every successful login; lets concurrent re-logins collapse into one
        self.generation = 0
        self.pin_status: PinStatus | None = None

    def _login(self, callback: PinCallback, allow_final_try: bool) -> None:
        self.session, info = login(
            self.module, self.slot, callback, allow_final_try=allow_final_try
        )
        self.pin_status = info.pin_status
        self.generation += 1

    def _close_session(self) -> None:
        if self.session is not None:
            with self.module.guard(), contextlib.suppress(p11e.PKCS11Error):
                self.session.close()
            self.session = None

    def release(self) -> None:
        with self.lock:
            self.refs -= 1
            if self.refs <= 0:
                self.refs = 0
                self._close_session()

    def relogin(self, seen_generation: int, callback: PinCallback, allow_final_try: bool) -> bool:
        """Log in again unless another thread already did since ``seen_generation``."""
        with self.lock:
            if self.generation != seen_generation:
                return False
            # The old login session is dropped, not closed: its handle may be dead and already
            # reused by another session of this process (SoftHSM2 reuses handle numbers), and
            # C_Logout/C_CloseSession on it would hit that session. At worst one session per
            # incident stays open until C_Finalize.
            self.session = None
            self._login(callback, allow_final_try)
            return True


_REGISTRY: dict[tuple[str, int], SharedLogin] = {}
_REGISTRY_LOCK = threading.Lock()


def acquire_login(
    module: Pkcs11Module, slot: Any, callback: PinCallback, *, allow_final_try: bool
) -> SharedLogin:
    """Return the token's shared login, logging in (once) if nobody is logged in yet."""
    key = (module.path, int(slot.slot_id))
    with _REGISTRY_LOCK:
        shared = _REGISTRY.get(key)
        if shared is None:
            shared = _REGISTRY[key] = SharedLogin(module, slot)
    with shared.lock:
        if shared.session is None:
            shared._login(callback, allow_final_try)
        shared.refs += 1
    return shared
