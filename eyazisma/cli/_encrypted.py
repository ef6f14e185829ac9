"""``encrypt`` and ``decrypt``: encrypted packages (.eyps) behind the licence gate.

The licence comes from ``--license FILE`` (password from ``$EYAZISMA_LICENSE_PASSWORD``), else
``$EYAZISMA_LICENSE``, else the default path (see :mod:`licensing`). ``decrypt`` also verifies
the inner package (structure, digests, signatures, NihaiÖzet copy) and exits 1 if it is invalid.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import licensing
from encryption import ContentCipher
from eyazisma.cli._certfiles import load_certificate_files
from eyazisma.cli._keyspec import add_key_arguments, open_cli_key
from eyazisma.cli._progress import progress_bar
from eyp.encrypted import decrypt_package, encrypt_package
from eyp.verify import SignatureTrust
from keys import CertificateRole

__all__ = ["register"]


def _add_license_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--license",
        type=Path,
        metavar="FILE",
        help=f"licence file (default ${licensing.LICENSE_ENV} or the default path); password "
        f"from ${licensing.PASSWORD_ENV}",
    )


def _load_license(args: argparse.Namespace) -> None:
    if args.license is not None:
        licensing.set_license_xml(args.license, password=os.environ.get(licensing.PASSWORD_ENV))


def register(subparsers: Any) -> None:
    encrypt = subparsers.add_parser(
        "encrypt",
        help="encrypt a sealed package for the recipient institution(s) (.eyps)",
        description="CMS EnvelopedData (AES-256-CBC; --gcm for AuthEnvelopedData AES-256-GCM) "
        "to every --to certificate (RSA-OAEP-SHA256 or ECDH), plus --sender for your own copy.",
    )
    encrypt.add_argument("package", type=Path)
    encrypt.add_argument(
        "--to",
        metavar="CERT.pem",
        action="append",
        required=True,
        help="recipient institution encryption certificate (repeatable: primary, backup)",
    )
    encrypt.add_argument("--sender", metavar="CERT.pem", help="your institution's certificate")
    encrypt.add_argument("--gcm", action="store_true", help="AES-256-GCM (AuthEnvelopedData)")
    encrypt.add_argument("--out", type=Path, required=True, help="the .eyps to write")
    _add_license_argument(encrypt)
    encrypt.set_defaults(handler=_encrypt)

    decrypt = subparsers.add_parser(
        "decrypt",
        help="decrypt an .eyps with the institution's key and verify the package inside",
    )
    decrypt.add_argument("package", type=Path)
    decrypt.add_argument("--out", type=Path, required=True, help="the .eyp to write")
    decrypt.add_argument(
        "--trust",
        metavar="ROOT.pem",
        action="append",
        default=[],
        help="trusted roots for verifying the inner package's signatures",
    )
    decrypt.add_argument(
        "--legacy",
        action="store_true",
        help="accept PKCS#1 v1.5 / OAEP-SHA1 key transport of old packages (signatures.md §7.10)",
    )
    add_key_arguments(decrypt)
    _add_license_argument(decrypt)
    decrypt.set_defaults(handler=_decrypt)


def _encrypt(args: argparse.Namespace) -> int:
    _load_license(args)
    recipients = load_certificate_files(args.to)
    sender = load_certificate_files([args.sender])[0] if args.sender else None
    result = encrypt_package(
        args.package,
        args.out,
        recipients,
        sender=sender,
        cipher=ContentCipher.AES256_GCM if args.gcm else ContentCipher.AES256_CBC,
        progress=progress_bar("encrypting"),
    )
    print(
        f"{result.path}: encrypted for {len(result.recipients)} recipient(s) "
        f"({result.envelope.content_encryption_name})"
    )
    return 0


def _decrypt(args: argparse.Namespace) -> int:
    _load_license(args)
    trust = SignatureTrust(trust_anchors=tuple(load_certificate_files(args.trust)))
    with open_cli_key(args, role=CertificateRole.ENCRYPTION) as key:
        result = decrypt_package(
            args.package,
            key,
            args.out,
            trust=trust,
            legacy=args.legacy,
            progress=progress_bar("decrypting"),
        )
    print(f"{result.path}: decrypted ({result.decryption.plaintext_length} bytes)")
    print(result.report.to_text())
    return 0 if result.valid else 1
