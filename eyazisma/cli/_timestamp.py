"""``timestamp`` and ``timestamp-credit``: RFC 3161 / Kamu SM time-stamps (signatures.md §5).

The Kamu SM password is read from ``EYAZISMA_KAMUSM_PASSWORD`` or asked for with a prompt; it is
never accepted on the command line (§5.8). ``timestamp-credit`` spends no credit (§5.4, §5.7).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509

from cades.tsp import HashAlgorithm, KamuSmAuth, TimestampClient, query_kamusm_credit

__all__ = ["PASSWORD_ENV", "register"]

PASSWORD_ENV = "EYAZISMA_KAMUSM_PASSWORD"  # noqa: S105 - a variable name, not a secret
_EXIT_OK = 0
_EXIT_USAGE = 2

#: Prompt used when the environment variable is unset; tests may replace it.
password_prompt: Callable[[str], str] = getpass.getpass


def register(subparsers: Any) -> None:
    """Add the ``timestamp`` and ``timestamp-credit`` subcommands."""
    stamp = subparsers.add_parser(
        "timestamp",
        help="get an RFC 3161 time-stamp for a file (plain TSA or Kamu SM)",
        description=(
            "Hash FILE, request a time-stamp and write the TimeStampResp (.tsr). With "
            f"--kamusm-id the Kamu SM identity header is sent; the password comes from "
            f"${PASSWORD_ENV} or a prompt. Each call spends one Kamu SM credit."
        ),
    )
    stamp.add_argument("file", type=Path, metavar="FILE")
    stamp.add_argument("--url", required=True, help="TSA URL, e.g. http://zd.kamusm.gov.tr")
    stamp.add_argument("--kamusm-id", type=int, metavar="N", help="Kamu SM customer number")
    stamp.add_argument(
        "--hash", default="sha256", choices=["sha256", "sha384", "sha512"], help="imprint hash"
    )
    stamp.add_argument("--out", type=Path, help="output .tsr (default: FILE.tsr)")
    stamp.add_argument("--policy", help="reqPolicy OID to request (and require)")
    stamp.add_argument(
        "--ca-file", type=Path, help="PEM file with TSA trust anchors; checks the TSA chain"
    )
    stamp.add_argument("--timeout", type=float, default=30.0, help="read timeout in seconds")
    stamp.add_argument("--json", action="store_true", help="print the result as JSON")
    stamp.set_defaults(handler=_timestamp)

    credit = subparsers.add_parser(
        "timestamp-credit",
        help="show the remaining Kamu SM time-stamp credit (spends nothing)",
        description=(
            f"Query the kontör balance. The password comes from ${PASSWORD_ENV} or a prompt."
        ),
    )
    credit.add_argument("--url", required=True, help="Kamu SM TSA URL")
    credit.add_argument("--kamusm-id", type=int, required=True, metavar="N")
    credit.add_argument("--timeout", type=float, default=30.0, help="read timeout in seconds")
    credit.add_argument("--json", action="store_true", help="print the result as JSON")
    credit.set_defaults(handler=_credit)


def _password() -> str:
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    return password_prompt("Kamu SM password: ")


def _fail(message: str) -> int:
    print(f"eyazisma: error: {message}", file=sys.stderr)
    return _EXIT_USAGE


def _timestamp(args: argparse.Namespace) -> int:
    roots: list[x509.Certificate] = []
    if args.ca_file is not None:
        try:
            roots = x509.load_pem_x509_certificates(args.ca_file.read_bytes())
        except (OSError, ValueError) as exc:
            return _fail(f"cannot read trust anchors from {args.ca_file}: {exc}")
    auth = KamuSmAuth(args.kamusm_id, _password()) if args.kamusm_id is not None else None
    client = TimestampClient(
        args.url,
        auth=auth,
        trust_roots=roots,
        policy=args.policy,
        hash_algorithm=HashAlgorithm.from_name(args.hash),
        read_timeout=args.timeout,
    )
    try:
        with args.file.open("rb") as stream:
            result = client.timestamp(stream)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    out: Path = args.out or args.file.with_name(args.file.name + ".tsr")
    try:
        out.write_bytes(result.response_der)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}")
    summary = {
        "out": str(out),
        "status": result.status.name.lower(),
        "gen_time": result.gen_time.isoformat(),
        "serial_number": result.serial_number,
        "policy": result.policy,
        "tsa": result.tsa_certificate.subject.rfc4514_string(),
        "chain_checked": bool(result.token.chain),
        "modifications": list(result.modifications),
        "warnings": list(result.warnings),
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"time-stamp written to {out}")
        for key in ("status", "gen_time", "serial_number", "policy", "tsa", "chain_checked"):
            print(f"  {key}: {summary[key]}")
        for line in [*result.modifications, *result.warnings]:
            print(f"  note: {line}")
    return _EXIT_OK


def _credit(args: argparse.Namespace) -> int:
    auth = KamuSmAuth(args.kamusm_id, _password())
    remaining = query_kamusm_credit(args.url, auth, read_timeout=args.timeout)
    if args.json:
        print(json.dumps({"customer_id": args.kamusm_id, "credit": remaining}))
    else:
        print(f"remaining credit for customer {args.kamusm_id}: {remaining}")
    return _EXIT_OK
