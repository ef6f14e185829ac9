"""Entry point: :func:`verify` (signatures.md §4.2 procedure, §4.7 overall indication)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from cades._asn1 import Oid
from cades._crypto import digest
from cades._view import SignedDataView, SignerInfoView, parse_signed_data
from cades.errors import CadesError
from cades.profiles import Level
from cades.verify._content import ContentSource
from cades.verify._context import Context
from cades.verify._format import version_problems
from cades.verify._messages import make_check
from cades.verify._policy import ValidationPolicy
from cades.verify._report import (
    Check,
    CheckStatus,
    Indication,
    Maturity,
    SignatureReport,
    SignerReport,
)
from cades.verify._signer import PARSE_ERRORS, SignerEvaluation
from cades.verify._subind import Sub

__all__ = ["VerificationInputError", "verify"]

_ARCHIVES = (Oid.ARCHIVE_TIME_STAMP_V3, Oid.ARCHIVE_TIME_STAMP_V2)
_ALL_DIGESTS = (Oid.SHA256, Oid.SHA384, Oid.SHA512)


class VerificationInputError(CadesError):
    """The signature or content could not be read (file missing, unreadable stream)."""

    code = "CADES_VERIFY_INPUT"
    exit_code = 2


Content = bytes | BinaryIO | os.PathLike[str] | str


def _read_signature(signature: bytes | os.PathLike[str] | str) -> bytes:
    if isinstance(signature, bytes | bytearray | memoryview):
        return bytes(signature)
    if isinstance(signature, os.PathLike | str):
        try:
            return Path(signature).read_bytes()
        except OSError as exc:
            raise VerificationInputError(
                f"cannot read the signature file {os.fspath(signature)!r}: {exc.strerror}"
            ) from exc
    raise TypeError("signature must be bytes or a path to a signature file")


def _wanted_digests(view: SignedDataView) -> set[str]:
    wanted = set(_ALL_DIGESTS)
    for signer in view.signers:
        try:
            wanted.add(signer.digest_algorithm_oid)
        except PARSE_ERRORS:
            continue
    return wanted


def _needs_bytes(view: SignedDataView) -> bool:
    """Detached content must be kept in memory only for ATS imprints or attribute-less signers."""
    if view.attached:
        return False
    return any(
        signer.signed_attrs_tlv is None or any(signer.unsigned(oid) for oid in _ARCHIVES)
        for signer in view.signers
    )


def verify(
    signature: bytes | os.PathLike[str] | str,
    *,
    policy: ValidationPolicy,
    content: Content | None = None,
    expected_content: bytes | None = None,
) -> SignatureReport:
    """Verify a CMS/CAdES signature and report what was verified (signatures.md §4).

    ``content`` is the detached content (bytes, binary stream or path); ``expected_content``
    makes FMT-002 require an attached eContent equal to those bytes (the EYP manifest,
    §2.2). A malformed or invalid signature gives a report (FMT-001 FAILED…), never an
    exception; only unusable arguments raise (``TypeError``, :class:`VerificationInputError`).
    """
    if not isinstance(policy, ValidationPolicy):
        raise TypeError("policy must be a cades.verify.ValidationPolicy")
    if expected_content is not None and not isinstance(expected_content, bytes | bytearray):
        raise TypeError("expected_content must be bytes")
    data = _read_signature(signature)
    now = policy.resolved_time()
    mode = "offline" if policy.offline else "online"
    document = {"kind": "cades-signature", "size": len(data), "sha256": digest(Oid.SHA256, data)}
    try:
        view = parse_signed_data(data)
    except CadesError as exc:
        check = make_check(
            "FMT-001",
            CheckStatus.FAILED,
            "NOT_SIGNED_DATA",
            Sub.FORMAT_FAILURE,
            {"error": str(exc)},
            detail=str(exc),
        )
        return _failed_format(check, now, mode, document)
    if not view.signers:
        check = make_check("FMT-001", CheckStatus.FAILED, "NO_SIGNERS", Sub.FORMAT_FAILURE)
        return _failed_format(check, now, mode, document)
    try:
        source = ContentSource(view, content, _wanted_digests(view), _needs_bytes(view))
    except OSError as exc:
        raise VerificationInputError(f"cannot read the detached content: {exc}") from exc
    document.update(
        {
            "attached": view.attached,
            "econtent_type": view.econtent_type,
            "content_size": source.size,
            "signers": len(view.signers),
        }
    )
    format_checks = [_format_check(view), _content_check(view, expected_content)]
    ctx = Context(view, policy, source)
    signers = tuple(_evaluate(ctx, signer) for signer in view.signers)
    return _conclude(tuple(format_checks), signers, now, mode, document, ctx)


def _format_check(view: SignedDataView) -> Check:
    try:
        problems = version_problems(view)
    except PARSE_ERRORS as exc:
        problems = [str(exc)]
    evidence = {
        "signed_data_version": view.version,
        "signers": len(view.signers),
        "indefinite_length": view.content_info.indefinite or view.signed_data.indefinite,
    }
    if problems:
        return make_check(
            "FMT-001",
            CheckStatus.WARNING,
            "VERSION_INCONSISTENT",
            None,
            {**evidence, "problems": problems},
            detail="; ".join(problems),
        )
    return make_check("FMT-001", CheckStatus.PASSED, "PARSED", None, evidence)


def _content_check(view: SignedDataView, expected: bytes | None) -> Check:
    if expected is None:
        form = "attached" if view.attached else "detached"
        return make_check(
            "FMT-002",
            CheckStatus.NOT_APPLICABLE,
            "NO_EXPECTED_CONTENT",
            None,
            {"form": form},
            form=form,
        )
    econtent = view.econtent()
    if econtent is None:
        return make_check(
            "FMT-002", CheckStatus.FAILED, "DETACHED_BUT_EXPECTED", Sub.FORMAT_FAILURE
        )
    if econtent != bytes(expected):
        return make_check(
            "FMT-002",
            CheckStatus.FAILED,
            "CONTENT_DIFFERS",
            Sub.HASH_FAILURE,
            {"econtent_size": len(econtent), "expected_size": len(expected)},
        )
    return make_check(
        "FMT-002", CheckStatus.PASSED, "CONTENT_MATCHES_EXPECTED", None, {"size": len(econtent)}
    )


def _evaluate(ctx: Context, signer: SignerInfoView) -> SignerReport:
    try:
        return SignerEvaluation(ctx, signer).run()
    except PARSE_ERRORS as exc:
        # Every step is guarded; this is the last line for structures broken in unforeseen ways.
        check = make_check(
            "FMT-001",
            CheckStatus.FAILED,
            "MALFORMED",
            Sub.FORMAT_FAILURE,
            {"error": str(exc)},
            detail=str(exc),
        )
        return SignerReport(
            path=signer.path,
            subject=None,
            identity={},
            certificate=None,
            certificate_type=None,
            type_marker_source=None,
            profile=None,
            policy_oid=None,
            level_claimed=Level.BES,
            level=Level.BES,
            signing_time=None,
            best_signature_time=ctx.now,
            best_signature_time_source="validation-time",
            maturity=Maturity.INDETERMINATE,
            retry_after=None,
            indication=Indication.TOTAL_FAILED,
            sub_indication=Sub.FORMAT_FAILURE,
            checks=(check,),
            timestamps=(),
            revocation=(),
            countersigners=(),
        )


def _failed_format(
    check: Check, now: datetime, mode: str, document: dict[str, object]
) -> SignatureReport:
    return SignatureReport(
        indication=Indication.TOTAL_FAILED,
        sub_indication=check.sub_indication,
        signers=(),
        validation_time=now,
        mode=mode,
        format_checks=(check,),
        document=document,
    )


def _conclude(
    format_checks: tuple[Check, ...],
    signers: tuple[SignerReport, ...],
    now: datetime,
    mode: str,
    document: dict[str, object],
    ctx: Context,
) -> SignatureReport:
    """§4.7: TOTAL_PASSED if every signer passes, TOTAL_FAILED if any fails, else INDETERMINATE."""
    everyone = [s for top in signers for s in top.all_signers()]
    failed_format = [c for c in format_checks if c.status is CheckStatus.FAILED]
    failed = [s for s in everyone if s.indication is Indication.TOTAL_FAILED]
    undecided = [s for s in everyone if s.indication is Indication.INDETERMINATE]
    retry = [s.retry_after for s in everyone if s.retry_after is not None]
    problems = [*ctx.problems, *ctx.certs.problems, *ctx.revocations.problems]
    problems.extend(ctx.revocation.fetch_problems)
    if problems:
        document = {**document, "notes": problems}
    if failed_format or failed:
        indication = Indication.TOTAL_FAILED
        sub = failed_format[0].sub_indication if failed_format else failed[0].sub_indication
    elif undecided:
        indication = Indication.INDETERMINATE
        try_later = [s for s in undecided if s.sub_indication == Sub.TRY_LATER]
        sub = (try_later or undecided)[0].sub_indication
    else:
        indication, sub = Indication.TOTAL_PASSED, None
    return SignatureReport(
        indication=indication,
        sub_indication=sub,
        signers=signers,
        validation_time=now,
        mode=mode,
        format_checks=format_checks,
        retry_after=max(retry) if retry and indication is Indication.INDETERMINATE else None,
        document=document,
    )
