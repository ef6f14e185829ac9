"""``tokens``: list PKCS#11 slots, tokens and certificates without a PIN (signatures.md §6.2).

Never asks for a PIN: only a read-only session and public certificate objects are used. The
module is ``--module`` (known name such as ``akisp11`` / ``softhsm2``, or a path), else
``$EYAZISMA_PKCS11_MODULE``, else ``akisp11``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from keys.errors import KeysError
from keys.pkcs11 import Pkcs11Token, list_slots, load_module

__all__ = ["MODULE_ENV", "register"]

MODULE_ENV = "EYAZISMA_PKCS11_MODULE"
_EXIT_OK = 0


def register(subparsers: Any) -> None:
    """Add the ``tokens`` subcommand."""
    parser = subparsers.add_parser(
        "tokens",
        help="list smart cards / HSM tokens and their certificates (no PIN needed)",
        description=(
            "List the slots, tokens and certificates of a PKCS#11 module: subject, serial, "
            "key usage, Turkish certificate type (NES, e-seal, ...) and validity. No PIN is "
            f"asked. The module defaults to ${MODULE_ENV} or 'akisp11'."
        ),
    )
    parser.add_argument(
        "--module",
        metavar="PATH",
        help="PKCS#11 module path or known name (akisp11, softhsm2, tckkp11, ...)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(handler=_tokens)


def _tokens(args: argparse.Namespace) -> int:
    module = load_module(args.module or os.environ.get(MODULE_ENV) or "akisp11")
    slots = list_slots(module)
    report: dict[str, Any] = {"module": module.path, "slots": []}
    for slot in slots:
        entry = slot.to_dict()
        entry["certificates"] = []
        if slot.token is not None and slot.token.initialized:
            token = Pkcs11Token(module, _slot_by_id(module, slot.slot_id))
            try:
                entry["certificates"] = [c.to_dict() for c in token.certificates()]
            except KeysError as exc:
                # one unreadable token must not hide the others
                entry["error"] = {"code": exc.code, "message": exc.message}
        report["slots"].append(entry)
    if args.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_text(report)
    return _EXIT_OK


def _slot_by_id(module: Any, slot_id: int) -> Any:
    with module.guard():
        for slot in module.lib.get_slots(token_present=True):
            if int(slot.slot_id) == slot_id:
                return slot
    return None


def _print_text(report: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"Module: {report['module']}\n")
    for slot in report["slots"]:
        out.write(f"\nSlot {slot['slot_id']}: {slot['description']}\n")
        token = slot["token"]
        if token is None:
            out.write("  (no token)\n")
            continue
        pin = token["pin_status"]
        state = [
            name for name in ("locked", "final_try", "count_low", "to_be_changed") if pin[name]
        ]
        out.write(
            f"  Token {token['label']!r} serial {token['serial']} ({token['manufacturer']} "
            f"{token['model']})" + (f"  PIN: {', '.join(state)}" if state else "") + "\n"
        )
        if "error" in slot:
            out.write(f"  certificates unreadable: {slot['error']['message']}\n")
        for cert in slot["certificates"]:
            roles = [
                r
                for r, flag in (
                    ("signing", cert["signing_candidate"]),
                    ("encryption", cert["encryption_candidate"]),
                    ("CA", cert["is_ca"]),
                )
                if flag
            ]
            out.write(
                f"  - id {cert['id'] or '-'} {cert['subject']}\n"
                f"      serial {cert['serial_number']}  type {cert['qc_type']}  "
                f"{cert['key_type']}  usage {','.join(cert['key_usage']) or '-'}"
                f"  [{'/'.join(roles) or 'other'}]\n"
                f"      valid {cert['not_before']} .. {cert['not_after']}\n"
            )
