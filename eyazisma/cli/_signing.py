"""``sign`` and ``seal``: paraf, e-signature and e-seal on package drafts (eyp.md §1.2, §8).

``eyazisma create --draft`` writes the content; ``sign --paraf`` adds paraf signers,
``sign`` adds e-signature signers (serial by default, ``--parallel`` for parallel ones;
signatures.md §2.4) and ``seal`` writes the NihaiÜstveri (Tarih from the latest e-signature
time-stamp), the NihaiÖzet and the institution e-seal. Each call writes its output atomically;
a refused or failed step leaves the input untouched.

Time-stamps come from ``--tsa`` (or ``$EYAZISMA_TSA_URL``); Kamu SM's authenticated service
takes ``--kamusm-customer`` with the password from ``$EYAZISMA_KAMUSM_PASSWORD``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from cades.profiles import Profile
from cades.tsp import KamuSmAuth, TimestampClient
from eyazisma.cli._certfiles import load_certificate_files
from eyazisma.cli._keyspec import add_key_arguments, open_cli_key
from eyp.errors import BuildError
from eyp.signing import AddMode, SigningServices, seal_package, sign_package

__all__ = ["TSA_ENV", "add_service_arguments", "register", "services_from"]

TSA_ENV = "EYAZISMA_TSA_URL"
KAMUSM_PASSWORD_ENV = "EYAZISMA_KAMUSM_PASSWORD"  # noqa: S105 - a variable name


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """``--tsa``, ``--trust``, ``--cert``, ``--profile`` and Kamu SM options."""
    group = parser.add_argument_group("time-stamps and trust")
    group.add_argument("--tsa", metavar="URL", help=f"RFC 3161 time-stamp URL (default ${TSA_ENV})")
    group.add_argument(
        "--kamusm-customer",
        type=int,
        metavar="N",
        help=f"Kamu SM customer number (password from ${KAMUSM_PASSWORD_ENV})",
    )
    group.add_argument(
        "--trust",
        metavar="ROOT.pem",
        action="append",
        default=[],
        required=True,
        help="trusted root certificate(s) of the signer CAs and the TSA (repeatable)",
    )
    group.add_argument(
        "--cert",
        metavar="CA.pem",
        action="append",
        default=[],
        help="extra CA certificates for building paths (repeatable)",
    )
    group.add_argument(
        "--profile",
        choices=["P4", "P3"],
        default="P4",
        help="signature profile (P4; P3 only for exempted institutions, eyp.md §8.3)",
    )


def services_from(args: argparse.Namespace) -> SigningServices:
    url = args.tsa or os.environ.get(TSA_ENV)
    if not url:
        raise BuildError(f"give the time-stamp service with --tsa URL or ${TSA_ENV}", code="USAGE")
    roots = load_certificate_files(args.trust)
    auth = None
    if args.kamusm_customer is not None:
        password = os.environ.get(KAMUSM_PASSWORD_ENV)
        if not password:
            raise BuildError(f"set ${KAMUSM_PASSWORD_ENV} for the Kamu SM service", code="USAGE")
        auth = KamuSmAuth(args.kamusm_customer, password)
    return SigningServices(
        tsa=TimestampClient(url, auth=auth, trust_roots=roots),
        trust_roots=roots,
        certificates=load_certificate_files(args.cert),
        profile=Profile(args.profile),
    )


def register(subparsers: Any) -> None:
    sign = subparsers.add_parser(
        "sign",
        help="add a paraf or e-signature signer to a package draft (P4 CAdES X-Long)",
        description="Add one signer to a draft made by 'eyazisma create --draft'. With --paraf "
        "the ParafÖzeti is signed (before any e-signature); otherwise the PaketÖzeti. Later "
        "signers join serially (countersignature) unless --parallel.",
    )
    sign.add_argument("package", type=Path)
    sign.add_argument("--paraf", action="store_true", help="paraf (initials) instead of e-imza")
    sign.add_argument(
        "--parallel", action="store_true", help="add a parallel signer instead of a serial one"
    )
    sign.add_argument("--out", type=Path, help="write here instead of replacing the draft")
    add_key_arguments(sign)
    add_service_arguments(sign)
    sign.set_defaults(handler=_sign)

    seal = subparsers.add_parser(
        "seal",
        help="finish a signed draft: NihaiÜstveri, NihaiÖzet and the e-seal (P4 CAdES-A)",
        description="Write the NihaiÜstveri (BelgeNo, Tarih = latest e-signature time-stamp, "
        "every signer), the core properties and NihaiÖzet, then seal with the institution's "
        "e-seal key (HSM or file).",
    )
    seal.add_argument("package", type=Path)
    seal.add_argument("--belge-no", required=True, help="registry number (BelgeNo)")
    seal.add_argument("--out", type=Path, help="write here instead of replacing the draft")
    add_key_arguments(seal)
    add_service_arguments(seal)
    seal.set_defaults(handler=_seal)


def _sign(args: argparse.Namespace) -> int:
    services = services_from(args)
    with open_cli_key(args) as key:
        outcome = sign_package(
            args.package,
            key,
            services,
            paraf_signature=args.paraf,
            mode=AddMode.PARALLEL if args.parallel else AddMode.SERIAL,
            target=args.out,
        )
    print(
        f"{outcome.path}: {outcome.role.title} by {outcome.signer_subject} (draft, {outcome.stage})"
    )
    return 0


def _seal(args: argparse.Namespace) -> int:
    services = services_from(args)
    with open_cli_key(args) as key:
        outcome = seal_package(args.package, key, services, belge_no=args.belge_no, target=args.out)
    print(f"{outcome.path}: sealed by {outcome.signer_subject}; verify with 'eyazisma verify'")
    return 0
