"""Package commands: ``create``, ``inspect``, ``verify`` (stable CLI contract of issue 2).

``verify`` exits 0 when no error-severity finding exists, 1 when the package is invalid and 2 for
usage errors or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from eyazisma.cli._certfiles import load_certificate_files
from eyp import EypPackage, PackageFormatError, verify_package
from eyp.errors import BuildError
from eyp.spec import build_draft, build_signing_draft, load_spec
from eyp.verify import SignatureTrust

__all__ = ["register"]


def register(subparsers: Any) -> None:
    create = subparsers.add_parser(
        "create",
        help="build an unsigned, fully digested package from a spec or simple flags",
        description="Build a package (Üstveri, ÜstYazı, Ekler, ParafÖzeti, PaketÖzeti, "
        "NihaiÜstveri, core, NihaiÖzet) without signatures. Use --spec for everything, or the "
        "simple flags.",
    )
    create.add_argument("--spec", type=Path, help="package spec (.json, .yaml); see README")
    create.add_argument("--out", type=Path, required=True, help="package file to write")
    create.add_argument("--konu", help="subject (Konu)")
    create.add_argument("--ust-yazi", type=Path, help="cover letter file (PDF)")
    create.add_argument(
        "--ek", type=Path, action="append", default=[], help="signed attachment file (repeatable)"
    )
    create.add_argument("--olusturan-kkk", help="originating institution's KKK (DETSİS, 8 digits)")
    create.add_argument(
        "--dagitim-kkk",
        action="append",
        default=[],
        help="recipient institution's KKK (repeatable)",
    )
    create.add_argument(
        "--imzalayan",
        action="append",
        default=[],
        help="signer 'Ad Soyad' for the NihaiÜstveri (repeatable)",
    )
    create.add_argument("--belge-no", default="TASLAK", help="document number (default: TASLAK)")
    create.add_argument(
        "--draft",
        action="store_true",
        help="write a signing draft (content only) for 'eyazisma sign' and 'eyazisma seal'",
    )
    create.set_defaults(handler=_create)

    inspect = subparsers.add_parser("inspect", help="show what a package contains")
    inspect.add_argument("package", type=Path)
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(handler=_inspect)

    verify = subparsers.add_parser("verify", help="verify structure and digests; exit 1 if invalid")
    verify.add_argument("package", type=Path)
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.add_argument(
        "--recipient", help="verify the copy for this recipient (KKK, TCKN or legal-entity Id)"
    )
    verify.add_argument(
        "--trust",
        metavar="ROOT.pem",
        action="append",
        default=[],
        help="trusted root certificate(s) for signer paths (repeatable); without it certificate "
        "checks stay INDETERMINATE",
    )
    verify.add_argument(
        "--tsa-trust",
        metavar="ROOT.pem",
        action="append",
        default=[],
        help="trusted roots for time-stamp authorities (default: the --trust roots)",
    )
    verify.add_argument(
        "--cert", metavar="CA.pem", action="append", default=[], help="extra CA certificates"
    )
    mode = verify.add_mutually_exclusive_group()
    mode.add_argument(
        "--offline",
        dest="offline",
        action="store_true",
        default=True,
        help="use only the validation data embedded in the signatures (default)",
    )
    mode.add_argument(
        "--online", dest="offline", action="store_false", help="fetch missing OCSP/CRL data"
    )
    verify.add_argument("--at", metavar="ISO-TIME", help="validation time (default: now)")
    verify.add_argument(
        "--no-signatures",
        action="store_true",
        help="check structure and digests only (skip CAdES verification)",
    )
    verify.set_defaults(handler=_verify)


def _simple_spec(args: argparse.Namespace, folder: Path) -> Path:
    missing = [
        flag
        for flag, value in (
            ("--konu", args.konu),
            ("--ust-yazi", args.ust_yazi),
            ("--olusturan-kkk", args.olusturan_kkk),
        )
        if not value
    ]
    if not args.dagitim_kkk:
        missing.append("--dagitim-kkk")
    if not args.imzalayan and not args.draft:
        missing.append("--imzalayan (the NihaiÜstveri lists every signer, Teknik Rehber §5.3)")
    if missing:
        raise BuildError("create without --spec needs " + ", ".join(missing), code="USAGE")
    signers = []
    for name in args.imzalayan:
        first, _, last = name.strip().rpartition(" ")
        if not first:
            raise BuildError(f"--imzalayan {name!r}: give first and last name", code="USAGE")
        signers.append({"ilk_adi": first, "soyadi": last})
    spec = {
        "konu": args.konu,
        "ust_yazi": {"path": str(args.ust_yazi.resolve())},
        "olusturan": {"kurum": {"kkk": args.olusturan_kkk}},
        "dagitim": [{"kurum": {"kkk": kkk}} for kkk in args.dagitim_kkk],
        "ekler": [{"path": str(p.resolve()), "mime_turu": _mime(p)} for p in args.ek],
    }
    if not args.draft:
        spec["nihai_ustveri"] = {"belge_no": args.belge_no, "imzalayanlar": signers}
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


_MIME = {
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".zip": "application/zip",
}


def _mime(path: Path) -> str:
    return _MIME.get(path.suffix.lower(), "application/octet-stream")


def _create(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        spec_path = args.spec or _simple_spec(args, Path(folder))
        spec = load_spec(spec_path)
        if args.draft:
            belge_id = build_signing_draft(spec, args.out)
            print(f"created signing draft {args.out} (BelgeId {belge_id}); next: eyazisma sign")
            return 0
        belge_id = build_draft(spec, args.out)
    print(f"created {args.out} (BelgeId {belge_id}); unsigned: sign, seal, then verify")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    with EypPackage(args.package) as package:
        data = package.describe()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.package}: {data['kind']} package, version {data['version']}")
    for key in ("belge_id", "identifier", "konu", "creator", "belge_no", "tarih"):
        if data.get(key):
            print(f"  {key}: {data[key]}")
    print("  parts:")
    for part in data["parts"]:
        print(
            f"    {part['name']}  {part['size']} bytes  {part['content_type']}"
            f"  [{part['component'] or '-'}]"
        )
    for name, uris in data["manifests"].items():
        print(f"  {name} covers: {', '.join(uris)}")
    for ek in data.get("ekler", []):
        print(f"  Ek {ek['id']} {ek['tur']} {ek['dosya_adi'] or ''} signed={ek['imzali_mi']}")
    print(
        "  signatures: "
        + ", ".join(
            f"{k}={'present (' + str(v) + ' bytes)' if v is not None else 'absent'}"
            for k, v in data["signatures"].items()
        )
    )
    return 0


def _trust(args: argparse.Namespace) -> SignatureTrust:
    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise BuildError(f"--at {args.at!r} is not an ISO 8601 time", code="USAGE") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    return SignatureTrust(
        trust_anchors=tuple(load_certificate_files(args.trust)),
        tsa_trust_anchors=tuple(load_certificate_files(args.tsa_trust)) or None,
        certificates=tuple(load_certificate_files(args.cert)),
        offline=args.offline,
        validation_time=at,
    )


def _verify(args: argparse.Namespace) -> int:
    trust = None if args.no_signatures else _trust(args)
    try:
        report = verify_package(
            args.package,
            recipient=args.recipient,
            trust=trust,
            signatures=not args.no_signatures,
        )
    except PackageFormatError as exc:
        if args.json:
            print(
                json.dumps(
                    {"valid": False, "error": {"code": exc.code, "message": str(exc)}},
                    ensure_ascii=False,
                )
            )
        print(f"eyazisma: error [{exc.code}]: {exc}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.valid else 1
