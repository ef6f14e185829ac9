"""Archive time-stamps: A-001…A-004 (signatures.md §3.9, §4.2 step 10, §4.6).

* ATSv3 (0.4.0.1733.2.4): the imprint over eContentType, H′(eContent), the SignerInfo fields
  and the stored hash index is recomputed (:func:`cades._ats.ats_v3_imprint`), and every index
  entry must still resolve to a certificate, CRL or unsigned attribute of the signature (items
  added later are allowed). Index v1, v2 and v3 are read; both unsigned-attribute formulas are
  tried and the one that matched is reported (§3.9.1).
* ATSv2 (…2.48): both readings of §3.9.2 are tried; the matching one is reported.
* ATS v1 (…2.27): recognised and reported INDETERMINATE (§3.9.3).

Trust (A-004) is evaluated from the newest archive time-stamp backwards: each one is judged at
the genTime of the next valid one that covers it (or at the validation time for the newest),
and its genTime must follow every time-stamp it covers. The earliest valid archive genTime is
the proof of existence the rest of the signature may rely on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm

from cades import _view
from cades._asn1 import Oid
from cades._ats import (
    ats_hash_index_entries,
    ats_v2_imprints,
    ats_v3_imprint,
    parse_ats_hash_index,
)
from cades.errors import CadesError
from cades.profiles import Level
from cades.tsp._token import TokenParts
from cades.verify._report import CheckStatus
from cades.verify._subind import Sub
from cades.verify._timestamps import TokenEvaluation, order_ok

if TYPE_CHECKING:
    from cades.verify._signer import SignerEvaluation

__all__ = ["ArchiveEvaluation"]

_KINDS = {
    Oid.ARCHIVE_TIME_STAMP_V3: "archive-v3",
    Oid.ARCHIVE_TIME_STAMP_V2: "archive-v2",
    Oid.ARCHIVE_TIME_STAMP_V1: "archive-v1",
}
_INDEX_VERSIONS = {Oid.ATS_HASH_INDEX: 1, Oid.ATS_HASH_INDEX_V2: 2, Oid.ATS_HASH_INDEX_V3: 3}
_TIMESTAMP_OIDS = {
    Oid.SIGNATURE_TIME_STAMP,
    Oid.ESC_TIME_STAMP,
    Oid.CERTS_CRLS_TIME_STAMP,
    *_KINDS,
}
_PARSE_ERRORS = (
    CadesError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    UnsupportedAlgorithm,
)


@dataclass
class _Ats:
    attribute_index: int
    kind: str
    der: bytes
    parts: TokenParts | None = None
    imprint_ok: bool | None = None
    variant: str | None = None
    index_version: int | None = None
    status: CheckStatus = CheckStatus.PASSED
    reason: str = "ATS_IMPRINT_OK"
    sub: str | None = None
    detail: str = ""
    evaluation: TokenEvaluation | None = None

    def fail(self, status: CheckStatus, reason: str, sub: str | None, detail: str = "") -> None:
        self.status, self.reason, self.sub, self.detail = status, reason, sub, detail


class ArchiveEvaluation:
    """The archive time-stamps of one signer."""

    def __init__(self, evaluation: SignerEvaluation) -> None:
        self.ev = evaluation
        self.ctx = evaluation.ctx
        self.signer = evaluation.signer
        self.items: list[_Ats] = []
        self.poe: datetime | None = None
        for position, attribute in enumerate(self.signer.unsigned_attributes):
            kind = _KINDS.get(attribute.oid)
            if kind is None:
                continue
            for index in range(len(attribute.value_tlvs)):
                self.items.append(_Ats(position, kind, attribute.value_der(index)))

    # --- A-003 ---------------------------------------------------------------------
    def imprints(self) -> None:
        minimum = self.ctx.policy.minimum_level
        if not self.items:
            required = minimum is not None and minimum >= Level.A
            self.ev.add(
                "A-001",
                CheckStatus.FAILED if required else CheckStatus.NOT_APPLICABLE,
                "ATS_MISSING" if required else "ATS_ABSENT",
                Sub.SIG_CONSTRAINTS_FAILURE if required else None,
            )
            for check_id in ("A-002", "A-003", "A-004"):
                self.ev.add(check_id, CheckStatus.NOT_APPLICABLE, "ATS_ABSENT")
            return
        self.ev.add(
            "A-001",
            CheckStatus.PASSED,
            "ATS_PRESENT",
            evidence={"count": len(self.items)},
            count=len(self.items),
        )
        for item in self.items:
            parts, problem = self.ctx.tokens.parts(item.der)
            item.parts = parts
            if parts is None:
                item.fail(CheckStatus.FAILED, "TST_MALFORMED", Sub.FORMAT_FAILURE, problem or "")
                continue
            try:
                if item.kind == "archive-v3":
                    self._v3(item, parts)
                elif item.kind == "archive-v2":
                    self._v2(item, parts)
                else:
                    item.fail(CheckStatus.INDETERMINATE, "ATS_V1_NOT_VERIFIED", Sub.NO_POE)
            except _PARSE_ERRORS as exc:
                item.fail(CheckStatus.FAILED, "MALFORMED", Sub.FORMAT_FAILURE, str(exc))
        self._aggregate("A-002", [i for i in self.items if i.kind == "archive-v3"])
        self._aggregate("A-003", [i for i in self.items if i.kind != "archive-v3"])

    def _content(self) -> bytes | None:
        if self.ctx.view.attached:
            return None
        return self.ctx.content.data

    def _v3(self, item: _Ats, parts: TokenParts) -> None:
        token_view = _view.parse_signed_data(item.der)
        tst_signer = token_view.signers[0]
        found = [
            (version, attribute)
            for oid, version in _INDEX_VERSIONS.items()
            for attribute in tst_signer.unsigned(oid)
        ]
        if len(found) != 1 or len(found[0][1].value_tlvs) != 1:
            item.fail(
                CheckStatus.FAILED,
                "ATS_INDEX_MISSING" if not found else "ATS_INDEX_MULTIPLE",
                Sub.FORMAT_FAILURE,
            )
            return
        version, attribute = found[0]
        item.index_version = version
        index_der = attribute.value_der(0)
        index = parse_ats_hash_index(index_der)
        view = self.ctx.view
        content = self._content()
        if not view.attached and content is None:
            item.fail(CheckStatus.INDETERMINATE, "CONTENT_NOT_AVAILABLE", Sub.SIGNED_DATA_NOT_FOUND)
            return
        imprint = ats_v3_imprint(
            view, self.signer, index_der, parts.hash_algorithm_oid, content=content
        )
        item.imprint_ok = imprint == parts.imprint
        if not item.imprint_ok:
            item.fail(CheckStatus.FAILED, "ATS_IMPRINT_MISMATCH", Sub.HASH_FAILURE)
            return
        current = ats_hash_index_entries(view, self.signer, index.hash_oid, version)
        missing = []
        if not _subset(index.certificates, current.certificates):
            missing.append("certificates")
        if not _subset(index.crls, current.crls):
            missing.append("crls")
        if _subset(index.unsigned_attrs, current.unsigned_whole):
            item.variant = "whole-attribute"
        elif _subset(index.unsigned_attrs, current.unsigned_per_value):
            item.variant = "per-value"
        else:
            missing.append("unsignedAttrs")
        if missing:
            item.fail(
                CheckStatus.FAILED,
                "ATS_INDEX_UNRESOLVED",
                Sub.HASH_FAILURE,
                ", ".join(missing),
            )

    def _v2(self, item: _Ats, parts: TokenParts) -> None:
        view = self.ctx.view
        content = self._content()
        if not view.attached and content is None:
            item.fail(CheckStatus.INDETERMINATE, "CONTENT_NOT_AVAILABLE", Sub.SIGNED_DATA_NOT_FOUND)
            return
        imprints = ats_v2_imprints(
            view, self.signer, item.attribute_index, parts.hash_algorithm_oid, content
        )
        for reading, value in imprints.items():
            if value == parts.imprint:
                item.variant = reading
                item.imprint_ok = True
                return
        item.imprint_ok = False
        item.fail(CheckStatus.FAILED, "ATS_IMPRINT_MISMATCH", Sub.HASH_FAILURE)

    def _aggregate(self, check_id: str, items: list[_Ats]) -> None:
        if not items:
            self.ev.add(check_id, CheckStatus.NOT_APPLICABLE, "ATS_KIND_ABSENT")
            return
        variants = [
            f"{i.kind}"
            + (f"/index-v{i.index_version}" if i.index_version else "")
            + (f"/{i.variant}" if i.variant else "")
            for i in items
        ]
        evidence = {"variants": variants}
        bad = [i for i in items if i.status is not CheckStatus.PASSED]
        if not bad:
            self.ev.add(
                check_id,
                CheckStatus.PASSED,
                "ATS_IMPRINT_OK",
                None,
                evidence,
                variants=", ".join(variants),
            )
            return
        rank = {CheckStatus.FAILED: 2, CheckStatus.INDETERMINATE: 1}
        first = max(bad, key=lambda i: rank.get(i.status, 0))
        self.ev.add(
            check_id,
            first.status,
            first.reason,
            first.sub,
            {**evidence, "detail": first.detail},
            detail=first.detail,
        )

    # --- A-004 -----------------------------------------------------------------------------------
    def trust(self) -> None:
        if not self.items:
            return
        control = self.ctx.now
        profile = self.ev.profile_hint()
        problems: list[tuple[CheckStatus, str, str | None, str]] = []
        for item in reversed(self.items):
            if item.parts is None:
                continue
            evaluation = self.ctx.tokens.evaluate(item.der, profile, control)
            item.evaluation = evaluation
            self.ev.note_token(evaluation)
            if evaluation.status is not CheckStatus.PASSED:
                problems.append(
                    (
                        evaluation.status,
                        evaluation.reason,
                        evaluation.sub_indication,
                        evaluation.detail,
                    )
                )
            if item.imprint_ok and evaluation.usable:
                control = min(control, item.parts.gen_time)
                self.poe = (
                    item.parts.gen_time if self.poe is None else min(self.poe, item.parts.gen_time)
                )
            order = self._order_problem(item)
            if order:
                problems.append(
                    (CheckStatus.FAILED, "ATS_ORDER", Sub.TIMESTAMP_ORDER_FAILURE, order)
                )
        if not problems:
            self.ev.add(
                "A-004", CheckStatus.PASSED, "ATS_TRUSTED", evidence={"count": len(self.items)}
            )
            return
        rank = {CheckStatus.FAILED: 2, CheckStatus.INDETERMINATE: 1}
        status, reason, sub, detail = max(problems, key=lambda p: rank.get(p[0], 0))
        self.ev.add("A-004", status, reason, sub, {"detail": detail}, detail=detail)

    def _order_problem(self, item: _Ats) -> str | None:
        parts = item.parts
        assert parts is not None
        covered: list[tuple[TokenParts, bool]] = []
        for attribute in self.signer.unsigned_attributes[: item.attribute_index]:
            if attribute.oid not in _TIMESTAMP_OIDS:
                continue
            strict = attribute.oid in _KINDS
            for index in range(len(attribute.value_tlvs)):
                earlier, _ = self.ctx.tokens.parts(attribute.value_der(index))
                if earlier is not None:
                    covered.append((earlier, strict))
        for attribute in self.signer.signed(Oid.CONTENT_TIME_STAMP):
            for index in range(len(attribute.value_tlvs)):
                earlier, _ = self.ctx.tokens.parts(attribute.value_der(index))
                if earlier is not None:
                    covered.append((earlier, False))
        for earlier, strict in covered:
            if not order_ok(earlier, parts, strict=strict):
                return (
                    f"archive time-stamp {parts.gen_time.isoformat()} is not after a time-stamp "
                    f"it covers ({earlier.gen_time.isoformat()})"
                )
        return None

    def finish(self) -> None:
        """Add one TimestampInfo per archive time-stamp to the signer report."""
        for item in self.items:
            if item.evaluation is not None:
                info = item.evaluation.info(
                    item.kind,
                    imprint_matches=item.imprint_ok,
                    status=item.status if item.status is not CheckStatus.PASSED else None,
                    reason=item.reason if item.status is not CheckStatus.PASSED else None,
                    variant=item.variant,
                    index_version=item.index_version,
                    attribute_index=item.attribute_index,
                )
                self.ev.state.timestamps.append(info)


def _subset(wanted: tuple[bytes, ...], available: tuple[bytes, ...]) -> bool:
    need = Counter(wanted)
    have = Counter(available)
    return all(have[k] >= n for k, n in need.items())
