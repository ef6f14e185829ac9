"""The process-wide current licence and the gate :func:`require` (signatures.md §8.1 fact 4).

Where the licence comes from, in order:

1. :func:`set_license_xml` (explicit; replaces any previous licence);
2. ``$EYAZISMA_LICENSE`` — path of a licence file; a protected file's password comes from
   ``$EYAZISMA_LICENSE_PASSWORD``;
3. the default file ``$XDG_CONFIG_HOME/eyazisma/licence.xml`` (``~/.config/eyazisma/licence.xml``
   when ``XDG_CONFIG_HOME`` is unset or not absolute; ``%APPDATA%\\eyazisma\\licence.xml`` on
   Windows).

An automatically found licence is loaded once and then kept, like an explicit one: a running
process sees a renewed file only after :func:`clear_license` or a new :func:`set_license_xml`
(the same rule as §8.2 "Date semantics"). A failed lookup is not cached, so a licence file put in
place later is found on the next call. A file that is found but bad raises its own error rather
than "missing": the user must learn that their file is wrong, not that it was not seen.

State changes take a lock; :func:`require` reads one immutable :class:`Licence` reference.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509

from licensing._model import Licence, Product
from licensing._verify import LicenceSource, load_licence
from licensing.errors import LicenceMissingError

__all__ = [
    "LICENSE_ENV",
    "PASSWORD_ENV",
    "clear_license",
    "current_licence",
    "default_licence_path",
    "require",
    "set_license_xml",
]

LICENSE_ENV = "EYAZISMA_LICENSE"
PASSWORD_ENV = "EYAZISMA_LICENSE_PASSWORD"  # noqa: S105 - a variable name, not a secret

_lock = threading.Lock()
_current: Licence | None = None


def default_licence_path() -> Path:
    """The default licence file of this user (module docs, step 3)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "eyazisma" / "licence.xml"
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "eyazisma" / "licence.xml"


def set_license_xml(source: LicenceSource, password: str | None = None) -> Licence:
    """Verify a licence and make it this process's current licence; returns it.

    ``source`` is a path, the file's bytes, its XML text, or a binary stream. ``password`` opens
    a password-protected file. On any error the previous licence stays in force.
    """
    licence = load_licence(source, password)
    global _current
    with _lock:
        _current = licence
    return licence


def clear_license() -> None:
    """Forget the current licence; the next use looks it up again (env var, default path)."""
    global _current
    with _lock:
        _current = None


def _lookup() -> Licence | None:
    env_path = os.environ.get(LICENSE_ENV, "")
    password = os.environ.get(PASSWORD_ENV) or None
    if env_path:
        path = Path(env_path).expanduser()
        if not path.is_file():
            raise LicenceMissingError(
                f"${LICENSE_ENV} points to {env_path!r}, which is not a file. Fix the variable "
                "or unset it to use the default licence file."
            )
        return load_licence(path, password)
    path = default_licence_path()
    if path.is_file():
        return load_licence(path, password)
    return None


def current_licence() -> Licence | None:
    """The current licence, looking it up (env var, default path) if none was set yet.

    Returns ``None`` when no licence exists anywhere; a licence file that exists but is bad
    raises its :class:`~licensing.errors.LicenceError`.
    """
    global _current
    with _lock:
        if _current is not None:
            return _current
    found = _lookup()
    if found is None:
        return None
    with _lock:
        if _current is None:  # another thread may have set one meanwhile; explicit wins
            _current = found
        return _current


def require(
    product: Product,
    *,
    certificates: Sequence[x509.Certificate] | Iterable[x509.Certificate] = (),
    now: dt.datetime | None = None,
) -> Licence:
    """The gate: return the current licence if it allows ``product``, else raise.

    ``certificates`` are the recipients' certificates (creating ``.eyps``) or the decryption
    key's certificate (opening ``.eyps``); a test licence needs every one to be a test
    certificate (:func:`licensing.is_test_certificate`). ``now`` defaults to the current time.
    Errors: :class:`LicenceMissingError`, then those of :meth:`Licence.check`.
    """
    licence = current_licence()
    if licence is None:
        raise LicenceMissingError(
            f"No eyazisma licence is installed, and {product.description} needs one. Call "
            f"licensing.set_license_xml(path), set ${LICENSE_ENV} to the licence file (and "
            f"${PASSWORD_ENV} if it is protected), or copy it to {default_licence_path()}."
        )
    licence.check(product, certificates=certificates, now=now)
    return licence
