"""``cades sign | upgrade | verify``: CAdES signatures over any file (signatures.md §3, §4).

* ``cades sign FILE --key SPEC --out OUT`` — BES (profile P1) or EPES (P2–P4), then upgraded to
  T / X-L / A when ``--level`` asks for it; that needs ``--tsa`` and ``--trust`` (time-stamps
  are verified before use, §2.6). The default level is the profile's minimum (§1.1: P4 → X-L).
  The key is closed before any network call so a token is not held during time-stamping.
* ``cades upgrade SIG --to T|XL|A --out OUT --tsa URL --trust ROOT.pem`` — add time-stamps and
  validation data (§3.5–§3.9); renewing an A signature adds an archive time-stamp (§3.9.4).
* ``cades verify SIG [--content DETACHED] --trust ROOT.pem`` — print the report (§4.7) as text
  or ``--json``. Exit codes: 0 TOTAL_PASSED, 1 TOTAL_FAILED or INDETERMINATE, 2 usage error or a
  file that is not a CMS signature at all.

Outputs are written atomically (temporary file in the target directory + ``os.replace``): a
failed run leaves no OUT and never touches its input. Secrets come from the environment or a
prompt, never argv: token PIN / key password via :mod:`eyazisma.cli._keyspec`, the Kamu SM
password from ``$EYAZISMA_KAMUSM_PASSWORD`` or :data:`kamusm_password_prompt` (§5.8).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import getpass
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from cades import (
    CadesFormatError,
    Level,
    Profile,
    ValidationSources,
    is_issued_by,
    parse_signed_data,
    sign,
    upgrade,
)
from cades.tsp import KamuSmAuth, TimestampClient
from cades.verify import Indication, ValidationPolicy, verify
from eyazisma.cli._keyspec import add_key_arguments, open_cli_key
from eyazisma.cli._timestamp import PASSWORD_ENV as KAMUSM_PASSWORD_ENV
from keys import Signer
from keys.errors import EYazismaError

__all__ = ["CliUsageError", "kamusm_password_prompt", "register"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

#: Asks for the Kamu SM password when ``$EYAZISMA_KAMUSM_PASSWORD`` is unset; replaceable.
kamusm_password_prompt: Callable[[str], str] = getpass.getpass

_LEVEL_CHOICES = ("BES", "EPES", "T", "XL", "A")
_UPGRADE_CHOICES = ("T", "XL", "A")
_PEM_CMS = re.compile(
    rb"-----BEGIN (?:CMS|PKCS7|PKCS #7 SIGNED DATA)-----(.*?)-----END [A-Z0-9 #]+-----", re.S
)


_NEEDS_TRUST = (
    "level {level} verifies time-stamps and collects validation data up to a trust anchor: "
    "give --trust ROOT.pem"
)


class CliUsageError(EYazismaError):
    """Bad arguments or unreadable input files (exit code 2)."""

    code = "CLI_USAGE"
    exit_code = EXIT_USAGE


# --- registration --------------------------------------------------------------------------------


def _level(choices: Sequence[str]) -> Callable[[str], Level]:
    def parse(text: str) -> Level:
        try:
            level = Level.parse(text)
        except ValueError:
            level = None
        if level is None or level.value.replace("-", "") not in choices:
            raise argparse.ArgumentTypeError(
                f"invalid level {text!r}; choose from {', '.join(choices)}"
            )
        return level

    return parse


def _profile(text: str) -> Profile:
    try:
        return Profile(text.strip().upper())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid profile {text!r}; choose from P1, P2, P3, P4"
        ) from None


def _add_service_arguments(parser: argparse.ArgumentParser, *, tsa_required: bool) -> None:
    parser.add_argument(
        "--tsa", metavar="URL", required=tsa_required, help="time-stamp authority URL"
    )
    parser.add_argument(
        "--kamusm-id",
        "--kamusm-customer",
        dest="kamusm_id",
        type=int,
        metavar="N",
        help=f"Kamu SM customer number (password from ${KAMUSM_PASSWORD_ENV} or a prompt)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="network read timeout in seconds"
    )


def _add_trust_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust",
        metavar="ROOT.pem",
        type=Path,
        action="append",
        default=[],
        help="trust anchor(s) for signer certificates, PEM or DER (repeatable)",
    )
    parser.add_argument(
        "--tsa-trust",
        metavar="ROOT.pem",
        type=Path,
        action="append",
        default=[],
        help="trust anchor(s) for time-stamp authorities (default: --trust)",
    )
    parser.add_argument(
        "--cert",
        metavar="EXTRA.pem",
        type=Path,
        action="append",
        default=[],
        help="extra certificate(s) for chain building (repeatable)",
    )


def register(subparsers: Any) -> None:
    """Add ``cades`` with its ``sign``, ``upgrade`` and ``verify`` actions."""
    cades = subparsers.add_parser(
        "cades",
        help="CAdES signatures over any file: sign, upgrade (T/X-L/A), verify",
        description="CMS/CAdES signatures over arbitrary files (BES, EPES, T, X-L, A) with the "
        "Turkish profiles P1–P4. Exit codes: 0 ok / TOTAL_PASSED, 1 invalid signature, 2 usage "
        "or unreadable input, 3 key/token/PIN problem, 4 network service failure.",
    )
    cades.set_defaults(handler=lambda args: _help(cades))
    actions = cades.add_subparsers(dest="cades_action", metavar="ACTION")

    p_sign = actions.add_parser(
        "sign",
        help="sign a file (BES/EPES, optionally upgraded to T, X-L or A)",
        description="Sign FILE with --key. The level defaults to the profile's minimum "
        "(P1: BES, P2: T, P3/P4: X-L); T and above need --tsa and --trust.",
    )
    p_sign.add_argument("file", type=Path, metavar="FILE")
    add_key_arguments(p_sign)
    p_sign.add_argument("--out", type=Path, required=True, help="signature file to write (.p7s)")
    p_sign.add_argument(
        "--profile",
        type=_profile,
        help="P1 (BES, no policy) … P4 (default P4; P1 when --level BES)",
    )
    p_sign.add_argument(
        "--level", type=_level(_LEVEL_CHOICES), help="BES, EPES, T, XL or A (see above)"
    )
    p_sign.add_argument(
        "--detached", action="store_true", help="do not embed FILE in the signature"
    )
    p_sign.add_argument(
        "--mime-type",
        default="application/octet-stream",
        help="mime-type signed attribute (default: application/octet-stream)",
    )
    _add_service_arguments(p_sign, tsa_required=False)
    _add_trust_arguments(p_sign)
    p_sign.add_argument("--json", action="store_true", help="print a JSON summary")
    p_sign.set_defaults(handler=_sign)

    p_upgrade = actions.add_parser(
        "upgrade",
        help="add time-stamps and validation data to a signature (T, X-L, A)",
        description="Upgrade SIG to --to and write OUT (SIG is never modified in place unless "
        "OUT is SIG, and then only after success).",
    )
    p_upgrade.add_argument("signature", type=Path, metavar="SIG")
    p_upgrade.add_argument("--to", type=_level(_UPGRADE_CHOICES), required=True, help="T, XL or A")
    p_upgrade.add_argument("--out", type=Path, required=True, help="signature file to write")
    p_upgrade.add_argument(
        "--content", type=Path, metavar="FILE", help="the signed file, for detached signatures"
    )
    _add_service_arguments(p_upgrade, tsa_required=True)
    _add_trust_arguments(p_upgrade)
    p_upgrade.add_argument("--json", action="store_true", help="print a JSON summary")
    p_upgrade.set_defaults(handler=_upgrade)

    p_verify = actions.add_parser(
        "verify",
        help="verify a signature and print the report",
        description="Verify SIG against the given trust anchors and print the report. Exit 0 "
        "for TOTAL_PASSED, 1 for TOTAL_FAILED / INDETERMINATE, 2 when SIG is not a signature.",
    )
    p_verify.add_argument("signature", type=Path, metavar="SIG")
    p_verify.add_argument(
        "--content", type=Path, metavar="FILE", help="the signed file, for detached signatures"
    )
    _add_trust_arguments(p_verify)
    mode = p_verify.add_mutually_exclusive_group()
    mode.add_argument(
        "--offline",
        dest="online",
        action="store_false",
        help="use only data in the signature (default)",
    )
    mode.add_argument(
        "--online", dest="online", action="store_true", help="fetch missing OCSP/CRL data"
    )
    p_verify.set_defaults(online=False)
    p_verify.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="validation time, e.g. 2025-01-31T12:00:00Z (default: now; no zone = UTC)",
    )
    p_verify.add_argument("--json", action="store_true", help="print the report as JSON")
    p_verify.add_argument(
        "--lang", choices=("en", "tr"), default="en", help="language of the text report"
    )
    p_verify.set_defaults(handler=_verify)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


# --- inputs and outputs --------------------------------------------------------------------------


def _certificates(paths: Sequence[Path], what: str) -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliUsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
        try:
            if b"-----BEGIN" in data:
                found.extend(x509.load_pem_x509_certificates(data))
            else:
                found.append(x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise CliUsageError(
                f"{path} is not a certificate file (PEM or DER expected) for {what}"
            ) from exc
    return found


def _existing(path: Path | None, what: str) -> Path | None:
    if path is not None and not path.is_file():
        raise CliUsageError(f"{what} {path} does not exist or is not a file")
    return path


def _read_signature(path: Path) -> bytes:
    """The signature's DER bytes (PEM armour is removed); exit 2 when it is not CMS at all."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliUsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    armour = _PEM_CMS.search(data)
    if armour is not None:
        try:
            data = base64.b64decode(b"".join(armour.group(1).split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CliUsageError(f"{path}: the PEM block is not valid base64") from exc
    try:
        parse_signed_data(data)
    except CadesFormatError as exc:
        raise CliUsageError(
            f"{path} is not a CMS/CAdES signature ({exc}). Give a .p7s/.p7m/.imz file in DER "
            "or PEM form."
        ) from exc
    return data


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory, then ``os.replace`` (DESIGN.md §2.9)."""
    directory = path.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise CliUsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise CliUsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def _kamusm_password() -> str:
    value = os.environ.get(KAMUSM_PASSWORD_ENV)
    if value:
        return value
    try:
        return kamusm_password_prompt("Kamu SM password: ")
    except EOFError:
        return ""  # KamuSmAuth rejects an empty password with an actionable message


def _tsa_client(args: argparse.Namespace) -> tuple[TimestampClient, list[x509.Certificate]]:
    """The TSA client and the signer trust anchors; asks the Kamu SM password if needed."""
    roots = _certificates(args.trust, "--trust")
    tsa_roots = _certificates(args.tsa_trust, "--tsa-trust") or roots
    auth = KamuSmAuth(args.kamusm_id, _kamusm_password()) if args.kamusm_id is not None else None
    client = TimestampClient(args.tsa, auth=auth, trust_roots=tsa_roots, read_timeout=args.timeout)
    return client, roots


def _issuer_chain(signer: Signer) -> list[x509.Certificate]:
    """The signer's CA certificates below the root, taken from the key's chain.

    A token's "chain" is every other certificate on it (seal, encryption...), so only actual
    issuers are kept; roots are left to the verifier's trust anchors.
    """
    chain: list[x509.Certificate] = []
    current = signer.certificate
    candidates = list(signer.chain)
    while True:
        issuer = next(
            (c for c in candidates if c.subject == current.issuer and is_issued_by(current, c)),
            None,
        )
        if issuer is None or issuer.subject == issuer.issuer:
            return chain
        chain.append(issuer)
        candidates.remove(issuer)
        current = issuer


def _summary(out: Path, data: bytes, **extra: Any) -> dict[str, Any]:
    view = parse_signed_data(data)
    return {
        "out": str(out),
        "size": len(data),
        "signers": len(view.signers),
        "detached": view.econtent() is None,
        **extra,
    }


def _print_summary(args: argparse.Namespace, verb: str, summary: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    print(f"{verb} signature written to {summary['out']}")
    for key, value in summary.items():
        if key != "out":
            print(f"  {key}: {value}")


# --- handlers ------------------------------------------------------------------------------------


def _sign_plan(args: argparse.Namespace) -> tuple[Profile, Level]:
    level: Level | None = args.level
    profile: Profile | None = args.profile
    if profile is None:
        profile = Profile.P1 if level is Level.BES else Profile.P4
    if level is None:
        level = profile.minimum_level
    if level is Level.BES and profile is not Profile.P1:
        raise CliUsageError(
            f"--level BES has no signature policy, but profile {profile.value} needs one; use "
            "--profile P1 or --level EPES"
        )
    if level is Level.EPES and profile is Profile.P1:
        raise CliUsageError("profile P1 has no policy (EPES); use --level BES or --profile P2..P4")
    if level > Level.EPES and not args.tsa:
        raise CliUsageError(
            f"level {level.value} needs a time-stamp: give --tsa URL (or --level "
            f"{'BES' if profile is Profile.P1 else 'EPES'} for a signature without one)"
        )
    if level > Level.EPES and not args.trust:
        raise CliUsageError(_NEEDS_TRUST.format(level=level.value))
    return profile, level


def _sign(args: argparse.Namespace) -> int:
    profile, level = _sign_plan(args)
    _existing(args.file, "FILE")
    extra = _certificates(args.cert, "--cert")
    # Everything that can fail without the key, and every other secret, comes first: no PIN is
    # asked for a run that cannot succeed, and the user is not prompted after signing.
    client, roots = _tsa_client(args) if level > Level.EPES else (None, [])
    with open_cli_key(args) as key:
        chain = _issuer_chain(key)
        signer_subject = key.certificate.subject.rfc4514_string()
        data = sign(
            args.file,
            key,
            profile=profile,
            detached=args.detached,
            mime_type=args.mime_type,
            extra_certificates=[*chain, *extra],
        )
    if client is not None:
        sources = ValidationSources(tsa=client, trust_roots=roots, certificates=[*chain, *extra])
        data = upgrade(data, level, sources, content=args.file if args.detached else None)
    _write_atomic(args.out, data)
    _print_summary(
        args,
        "CAdES",
        _summary(args.out, data, level=level.value, profile=profile.value, signer=signer_subject),
    )
    return EXIT_OK


def _upgrade(args: argparse.Namespace) -> int:
    data = _read_signature(args.signature)
    content = _existing(args.content, "--content")
    if not args.trust:
        raise CliUsageError(_NEEDS_TRUST.format(level=args.to.value))
    pool = _certificates(args.cert, "--cert")
    client, roots = _tsa_client(args)
    sources = ValidationSources(tsa=client, trust_roots=roots, certificates=pool)
    upgraded = upgrade(data, args.to, sources, content=content)
    _write_atomic(args.out, upgraded)
    _print_summary(args, "upgraded", _summary(args.out, upgraded, level=args.to.value))
    return EXIT_OK


def _validation_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CliUsageError(
            f"--at {text!r} is not an ISO 8601 time (e.g. 2025-01-31T12:00:00Z)"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _verify(args: argparse.Namespace) -> int:
    data = _read_signature(args.signature)
    content = _existing(args.content, "--content")
    tsa_roots = _certificates(args.tsa_trust, "--tsa-trust")
    policy = ValidationPolicy(
        trust_anchors=_certificates(args.trust, "--trust"),
        tsa_trust_anchors=tsa_roots or None,
        validation_time=_validation_time(args.at),
        offline=not args.online,
        certificates=_certificates(args.cert, "--cert"),
    )
    report = verify(data, policy=policy, content=content)
    if args.json:
        print(report.to_json())
    else:
        print(report.to_text(args.lang))
    return EXIT_OK if report.indication is Indication.TOTAL_PASSED else EXIT_INVALID
