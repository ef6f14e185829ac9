"""Shared ``--key SPEC`` handling for every command that uses a private key.

Used by ``cades sign`` and meant for ``sign`` / ``seal`` / ``decrypt``::

    def register(subparsers):
        parser = subparsers.add_parser("cades-sign", ...)
        add_key_arguments(parser)                    # --key, --module, --key-cert, ...
        parser.set_defaults(handler=_run)

    def _run(args):
        with open_cli_key(args) as key:              # keys.OpenedKey (a keys.PrivateKey)
            ...

``--key`` is a PKCS#11 URI (``pkcs11:token=…;id=%01``, RFC 7512) or a ``.p12``/``.pfx``/``.pem``
file (see :func:`keys.open_key`). Secrets never come from argv (DESIGN.md §2.13,
signatures.md §6.5):

* the token PIN from ``$EYAZISMA_PIN``, else :data:`pin_prompt` (``getpass`` by default);
  ``pin-source=file:…`` in the URI also works; ``pin-value`` is refused;
* the key-file password from ``$EYAZISMA_KEY_PASSWORD``, else :data:`password_prompt`.

Tests replace :data:`pin_prompt` / :data:`password_prompt` (module attributes, looked up at call
time). The PIN is asked at most once per key and is tried once: a wrong PIN exits with code 3 and
is never retried. No message contains a PIN or password.
"""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from keys import CertificateRole, OpenedKey, open_key

if TYPE_CHECKING:
    from keys.pkcs11 import TokenInfo

__all__ = [
    "PASSWORD_ENV",
    "PIN_ENV",
    "add_key_arguments",
    "open_cli_key",
    "password_prompt",
    "pin_prompt",
]

PIN_ENV = "EYAZISMA_PIN"
PASSWORD_ENV = "EYAZISMA_KEY_PASSWORD"  # noqa: S105 - a variable name, not a secret

#: Asks for a token PIN (prompt text → PIN). Replaceable, e.g. by a GUI or a test.
pin_prompt: Callable[[str], str] = getpass.getpass
#: Asks for a key-file password (prompt text → password). Replaceable.
password_prompt: Callable[[str], str] = getpass.getpass


def add_key_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--key``, ``--module``, ``--key-cert`` and ``--allow-final-pin-try`` to ``parser``."""
    group = parser.add_argument_group(
        "key",
        f"PIN from ${PIN_ENV} or a prompt; key-file password from ${PASSWORD_ENV} or a prompt. "
        "PINs are never accepted as arguments.",
    )
    group.add_argument(
        "--key",
        metavar="SPEC",
        required=required,
        help="pkcs11: URI (e.g. 'pkcs11:token=LABEL;id=%%01', RFC 7512) or a .p12/.pfx/.pem "
        "key file",
    )
    group.add_argument(
        "--module",
        metavar="PATH",
        help="PKCS#11 module path or known name (akisp11, softhsm2, ...) when the URI names none "
        "(default: $EYAZISMA_PKCS11_MODULE, else akisp11)",
    )
    group.add_argument(
        "--key-cert",
        metavar="CERT",
        type=Path,
        action="append",
        default=[],
        help="certificate (and chain) file for a PEM key that does not contain it (repeatable)",
    )
    group.add_argument(
        "--allow-final-pin-try",
        action="store_true",
        help="log in even though the next wrong PIN locks the card (signatures.md §6.5)",
    )


def _ask(prompt: Callable[[str], str], text: str) -> str | None:
    try:
        value = prompt(text)
    except EOFError:  # no terminal / closed stdin: treat as "cancelled"
        return None
    return value or None


def _pin_callback(info: TokenInfo) -> str | None:
    value = os.environ.get(PIN_ENV)
    if value:
        return value
    text = f"PIN for token {info.label.strip()!r}: "
    if info.pin_status.count_low:
        text = "A wrong PIN was entered for this card before. " + text
    if info.pin_status.final_try:
        text = "WARNING: a wrong PIN now locks the card. " + text
    return _ask(pin_prompt, text)


def _password_callback(text: str) -> str | None:
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    return _ask(password_prompt, text)


def open_cli_key(
    args: argparse.Namespace, *, role: CertificateRole = CertificateRole.SIGNING
) -> OpenedKey:
    """Open the key named by ``args.key`` (see :func:`add_key_arguments`); close it after use.

    ``role`` chooses the certificate when a PKCS#11 URI names no object (signing or
    decryption). Errors are :class:`keys.KeysError` subclasses; ``eyazisma.cli.main`` turns them
    into exit code 3 (key/token/PIN) or 2 (malformed spec, missing file).
    """
    return open_key(
        args.key,
        pin_callback=_pin_callback,
        password_callback=_password_callback,
        module=getattr(args, "module", None),
        certificates=getattr(args, "key_cert", None) or (),
        role=role,
        allow_final_try=bool(getattr(args, "allow_final_pin_try", False)),
    )
