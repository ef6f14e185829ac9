"""``license issue|show|check``: the licence issuing tool and inspection (signatures.md §8).

Passwords are never taken from argv: the authority key's password comes from
``$EYAZISMA_AUTHORITY_KEY_PASSWORD`` or a prompt; a licence file's protection password from
``$EYAZISMA_LICENSE_PASSWORD`` or a prompt (asked twice when protecting).

Exit codes: ``show`` and ``check`` exit 1 when the licence is invalid (signature, trust,
structure; for ``check`` also expiry, maintenance, products, test restriction) and 2 for usage
errors or unreadable files. Licence errors raised elsewhere in the CLI use
:attr:`licensing.LicenceError.exit_code`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509

import keys
import licensing
from licensing import (
    Licence,
    LicenceError,
    LicenceMalformedError,
    LicencePasswordError,
    Licensee,
    Product,
    Renewal,
)

__all__ = ["AUTHORITY_PASSWORD_ENV", "register"]

AUTHORITY_PASSWORD_ENV = "EYAZISMA_AUTHORITY_KEY_PASSWORD"  # noqa: S105 - a variable name
_EXIT_OK = 0
_EXIT_INVALID = 1
_EXIT_USAGE = 2

#: Prompt used when the environment variables are unset; tests may replace it.
password_prompt: Callable[[str], str] = getpass.getpass


def register(subparsers: Any) -> None:
    """Add ``license`` (alias ``licence``) with ``issue``, ``show`` and ``check``."""
    parser = subparsers.add_parser(
        "license",
        aliases=["licence"],
        help="issue, show and check eyazisma licence files (.eyps encryption gate)",
        description=(
            "Licence files allow creating and opening encrypted packages (.eyps). 'issue' signs "
            "a licence with an authority key, 'show' prints a licence and whether its signature "
            "verifies, 'check' runs the same checks as the library's gate."
        ),
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    commands = parser.add_subparsers(dest="license_command", metavar="ACTION")

    issue = commands.add_parser(
        "issue",
        help="sign a new licence with an authority key",
        description=(
            "Sign a licence. Dates are YYYY-MM-DD (00:00 Türkiye time) or ISO 8601 date-times "
            "with an offset; the end dates are exclusive. The key password comes from "
            f"${AUTHORITY_PASSWORD_ENV} or a prompt; with --protect the file password from "
            f"${licensing.PASSWORD_ENV} or a prompt."
        ),
    )
    issue.add_argument("--authority-key", type=Path, required=True, metavar="KEY.pem|KEY.p12")
    issue.add_argument(
        "--authority-cert", type=Path, metavar="CERT.pem", help="needed with a PEM key"
    )
    issue.add_argument("--institution", required=True, metavar="NAME", help="licensee name")
    issue.add_argument("--kkk", metavar="N", help="KKK / DETSİS code (8 digits)")
    issue.add_argument("--detsis", metavar="N", help="same as --kkk (the KKK is the DETSİS code)")
    issue.add_argument("--vkn", metavar="N", help="tax number (10 digits)")
    issue.add_argument(
        "--product",
        action="append",
        required=True,
        choices=[p.value for p in Product],
        help="licensed product (repeatable)",
    )
    issue.add_argument("--not-before", required=True, metavar="DATE")
    issue.add_argument("--not-after", required=True, metavar="DATE", help="exclusive")
    issue.add_argument("--maintenance-end", required=True, metavar="DATE", help="exclusive")
    issue.add_argument(
        "--maintenance-start", metavar="DATE", help="default: --not-before, or renewal rule"
    )
    issue.add_argument(
        "--renews",
        metavar="ID|FILE",
        help="previous licence (its file, or its id with --previous-maintenance-end); the "
        "maintenance then starts 24 h before the previous maintenance end",
    )
    issue.add_argument("--previous-maintenance-end", metavar="DATE")
    issue.add_argument("--test", action="store_true", help="a test licence (test certs only)")
    issue.add_argument("--protect", action="store_true", help="password-protect the file")
    issue.add_argument("--out", type=Path, required=True, metavar="FILE")
    issue.add_argument("--json", action="store_true", help="print the licence as JSON")
    issue.set_defaults(handler=_issue)

    show = commands.add_parser(
        "show",
        help="print a licence file and whether its signature verifies",
        description="Exit 0 when the signature verifies against a trusted authority, else 1.",
    )
    show.add_argument("file", type=Path, metavar="FILE")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_show)

    check = commands.add_parser(
        "check",
        help="check a licence like the library's gate does (default: the installed one)",
        description=(
            f"Without FILE the licence is looked up like the library does (${licensing.LICENSE_ENV}"
            ", then the default file). Exit 0 when it passes, 1 when it does not."
        ),
    )
    check.add_argument("file", type=Path, nargs="?", metavar="FILE")
    check.add_argument(
        "--product",
        action="append",
        choices=[p.value for p in Product],
        help="product to check (repeatable; default: every product the licence lists)",
    )
    check.add_argument(
        "--cert",
        type=Path,
        action="append",
        default=[],
        metavar="CERT",
        help="certificate (PEM/DER) the licence must allow; a test licence needs test certs",
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_check)


# -- helpers -----------------------------------------------------------------------------------


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return _EXIT_USAGE


def _fail(message: str, code: int = _EXIT_USAGE) -> int:
    print(f"eyazisma: error: {message}", file=sys.stderr)
    return code


class _UsageError(Exception):
    pass


def _date(text: str, flag: str) -> dt.date | dt.datetime:
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _UsageError(f"{flag} {text!r}: use YYYY-MM-DD or an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise _UsageError(f"{flag} {text!r}: a date-time needs an offset (e.g. +03:00)")
    return value


def _instant(text: str, flag: str) -> dt.datetime:
    value = _date(text, flag)
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, tzinfo=licensing.TURKEY_TIME)


def _env_or_prompt(env: str, prompt: str) -> str:
    return os.environ.get(env) or password_prompt(prompt)


def _licence_password(data_path: Path) -> str | None:
    """The protection password, only when the file is protected."""
    try:
        with data_path.open("rb") as stream:
            head = stream.read(64)
    except OSError:
        return None  # the loader reports the read error itself
    if not licensing.is_protected(head):
        return None
    return _env_or_prompt(licensing.PASSWORD_ENV, "Licence file password: ")


def _new_password() -> str:
    value = os.environ.get(licensing.PASSWORD_ENV)
    if value:
        return value
    first = password_prompt("New licence file password: ")
    if first != password_prompt("Repeat the password: "):
        raise _UsageError("the passwords do not match")
    return first


def _load_authority(args: argparse.Namespace) -> keys.SoftwareKey:
    path: Path = args.authority_key
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.suffix.lower() in (".p12", ".pfx"):
        password = _env_or_prompt(AUTHORITY_PASSWORD_ENV, "Authority key password: ")
        return keys.load_pkcs12(data, password)
    if args.authority_cert is None:
        raise _UsageError("--authority-cert is required with a PEM key")
    password_or_none = (
        _env_or_prompt(AUTHORITY_PASSWORD_ENV, "Authority key password: ")
        if b"ENCRYPTED" in data
        else None
    )
    return keys.load_pem(data, args.authority_cert, password=password_or_none)


def _renewal(args: argparse.Namespace, authority: x509.Certificate) -> Renewal | None:
    if args.renews is None:
        if args.previous_maintenance_end:
            raise _UsageError("--previous-maintenance-end needs --renews")
        return None
    candidate = Path(args.renews)
    if candidate.is_file():
        previous = licensing.load_licence(
            candidate, _licence_password(candidate), extra_authorities=[authority]
        )
        return Renewal(previous.licence_id, previous.maintenance_end)
    try:
        previous_id = uuid.UUID(args.renews)
    except ValueError:
        raise _UsageError(f"--renews {args.renews!r} is neither a file nor a licence id") from None
    if not args.previous_maintenance_end:
        raise _UsageError("--renews ID needs --previous-maintenance-end DATE")
    return Renewal(
        previous_id, _instant(args.previous_maintenance_end, "--previous-maintenance-end")
    )


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".licence-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_licence(data: dict[str, Any], out: Any) -> None:
    licensee = data["licensee"]
    ids = ", ".join(f"{k.upper()} {v}" for k, v in licensee.items() if k != "name" and v)
    out.write(f"  licence id:        {data['licence_id']}\n")
    out.write(f"  kind:              {data['kind']}\n")
    out.write(f"  licensee:          {licensee['name']}" + (f" ({ids})" if ids else "") + "\n")
    out.write(f"  products:          {', '.join(data['products'])}\n")
    if data.get("other_products"):
        out.write(f"  unknown products:  {', '.join(data['other_products'])}\n")
    out.write(f"  issued at:         {data['issued_at']}\n")
    out.write(f"  valid:             {data['not_before']} until (excl.) {data['not_after']}\n")
    out.write(
        f"  maintenance:       {data['maintenance_start']} until (excl.) "
        f"{data['maintenance_end']}\n"
    )
    if data.get("renews"):
        renews = data["renews"]
        out.write(
            f"  renews:            {renews['licence_id']} (maintenance end "
            f"{renews['maintenance_end']})\n"
        )


# -- handlers ----------------------------------------------------------------------------------


def _issue(args: argparse.Namespace) -> int:
    try:
        if args.kkk and args.detsis and args.kkk != args.detsis:
            raise _UsageError("--kkk and --detsis name the same code and differ")
        authority = _load_authority(args)
        renews = _renewal(args, authority.certificate)
        terms: dict[str, Any] = {
            "licensee": Licensee(args.institution, kkk=args.kkk or args.detsis, vkn=args.vkn),
            "products": [Product(p) for p in args.product],
            "not_before": _date(args.not_before, "--not-before"),
            "not_after": _date(args.not_after, "--not-after"),
            "maintenance_end": _date(args.maintenance_end, "--maintenance-end"),
            "renews": renews,
            "test": args.test,
        }
        if args.maintenance_start:
            terms["maintenance_start"] = _date(args.maintenance_start, "--maintenance-start")
        protect_password = _new_password() if args.protect else None
    except _UsageError as exc:
        return _fail(str(exc))
    xml = licensing.issue_licence(authority, **terms)
    licence = licensing.load_licence(xml, extra_authorities=[authority.certificate])
    data = licensing.protect_licence(xml, protect_password) if protect_password else xml
    try:
        _write_atomic(args.out, data)
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    if args.json:
        print(json.dumps({"out": str(args.out), **licence.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(f"licence written to {args.out}" + (" (password-protected)" if args.protect else ""))
        _print_licence(licence.to_dict(), sys.stdout)
    return _EXIT_OK


def _status(licence: Licence) -> dict[str, Any]:
    return {
        "valid_now": licence.valid_at(),
        "release_date": licensing.RELEASE_DATE.isoformat(),
        "maintenance_covers_release": licence.covers_release(),
    }


def _show(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        return _fail(f"{args.file} is not a file")
    try:
        report = licensing.inspect_licence(args.file, _licence_password(args.file))
    except LicencePasswordError as exc:
        return _fail(f"[{exc.code}] {exc}")
    except LicenceMalformedError as exc:
        return _fail(f"[{exc.code}] {exc}", _EXIT_INVALID)
    result = report.to_dict()
    if report.licence is not None:
        result["status"] = _status(report.licence)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        out = sys.stdout
        out.write(f"{args.file}:\n")
        if report.licence is not None:
            authority = report.licence.authority.subject.rfc4514_string()
            out.write(f"  signature:         verified (authority {authority})\n")
            _print_licence(report.licence.to_dict(), out)
            status = result["status"]
            out.write(f"  valid now:         {'yes' if status['valid_now'] else 'NO'}\n")
            out.write(
                f"  this release ({status['release_date']}) inside maintenance: "
                f"{'yes' if status['maintenance_covers_release'] else 'NO'}\n"
            )
        else:
            assert report.error is not None
            out.write(f"  signature:         NOT VERIFIED [{report.error.code}] {report.error}\n")
            if report.unverified:
                out.write("  fields as written (untrusted):\n")
                _print_licence(dict(report.unverified), out)
    return _EXIT_OK if report.verified else _EXIT_INVALID


def _load_certs(paths: list[Path]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
            if b"-----BEGIN" in data:
                certs.extend(x509.load_pem_x509_certificates(data))
            else:
                certs.append(x509.load_der_x509_certificate(data))
        except (OSError, ValueError) as exc:
            raise _UsageError(f"cannot read the certificate {path}: {exc}") from exc
    return certs


def _check(args: argparse.Namespace) -> int:
    try:
        certs = _load_certs(args.cert)
    except _UsageError as exc:
        return _fail(str(exc))
    if args.file is not None and not args.file.is_file():
        return _fail(f"{args.file} is not a file")
    licence: Licence | None = None
    error: LicenceError | None = None
    checked: list[str] = []
    try:
        if args.file is not None:
            licence = licensing.load_licence(args.file, _licence_password(args.file))
        else:
            licence = licensing.current_licence()
            if licence is None:
                licensing.require(Product.EYP_ENCRYPTION)  # raises the "missing" explanation
        assert licence is not None
        products = (
            [Product(p) for p in args.product]
            if args.product
            else sorted(licence.products, key=lambda p: p.value)
        )
        for product in products:
            licence.check(product, certificates=certs, check_certificates=bool(certs))
            checked.append(product.value)
    except LicenceError as exc:
        error = exc
    ok = error is None
    if args.json:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "checked_products": checked,
                    "certificates": len(certs),
                    "error": {"code": error.code, "message": error.message} if error else None,
                    "licence": licence.to_dict() if licence else None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    elif ok:
        assert licence is not None
        print(f"licence {licence.licence_id} OK for: {', '.join(checked)}")
        if licence.test and not certs:
            print("  note: test licence; it works only with test certificates (use --cert)")
    else:
        assert error is not None
        print(f"eyazisma: licence check failed [{error.code}]: {error}", file=sys.stderr)
    return _EXIT_OK if ok else _EXIT_INVALID
