"""C, X and X-L checks: references, values and X-type time-stamps (signatures.md §3.6–§3.8, §4.6).

References are resolved **by hash** against every certificate/CRL/OCSP response known to the
verification, never by position (§3.6 "Readers MUST resolve references by hash"). A reference
that does not resolve is a failure when the values are embedded (X-L), and indeterminate for a
C form whose values live elsewhere.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from cades import _der
from cades._asn1 import Oid
from cades._crypto import DIGEST_NAMES, digest
from cades._view import AttributeView
from cades.verify._context import revocation_value_items
from cades.verify._pool import CertEntry, CrlEntry, OcspEntry
from cades.verify._report import CheckStatus
from cades.verify._subind import Sub
from cades.verify._timestamps import order_ok

if TYPE_CHECKING:
    from cades.verify._signer import SignerEvaluation

__all__ = ["ReferenceEvaluation"]


def _other_hash(value: Any) -> tuple[str, bytes]:
    """(algorithm OID, digest) of an OtherHash CHOICE (§3.6; bare OCTET STRING = SHA-1)."""
    if value.name == "sha1_hash":
        return Oid.SHA1, bytes(value.chosen.native)
    chosen = value.chosen
    return chosen["hash_algorithm"]["algorithm"].dotted, bytes(chosen["hash_value"].native)


def _content(attribute: AttributeView) -> bytes:
    """``T(x)``: the Attribute without its outer SEQUENCE header (§3.7)."""
    return attribute.buf[attribute.tlv.content_start : attribute.tlv.content_end]


class ReferenceEvaluation:
    """Evaluates C-001…C-003, XL-001, XL-002 and X-001 for one signer."""

    def __init__(self, evaluation: SignerEvaluation) -> None:
        self.ev = evaluation
        self.signer = evaluation.signer
        self.ctx = evaluation.ctx
        self.referenced_certs: list[CertEntry] = []
        self.unresolved_certs = 0
        self.cert_ref_count: int | None = None
        self.referenced_crls: list[CrlEntry] = []
        self.referenced_ocsps: list[OcspEntry] = []
        self.unresolved_revocations = 0

    def run(self) -> None:
        has_values = bool(
            self.signer.unsigned(Oid.CERTIFICATE_VALUES)
            or self.signer.unsigned(Oid.REVOCATION_VALUES)
        )
        self.ev.guarded("C-001", lambda: self._certificate_refs(has_values))
        self.ev.guarded("C-002", lambda: self._revocation_refs(has_values))
        self.ev.guarded("C-003", self._unused)
        self.ev.guarded("XL-001", self._certificate_values)
        self.ev.guarded("XL-002", self._revocation_values)

    # --- C-001 -----------------------------------------------------------------------------------
    def _certificate_refs(self, has_values: bool) -> None:
        attrs = self.signer.unsigned(Oid.CERTIFICATE_REFS)
        if not attrs:
            self.ev.add("C-001", CheckStatus.NOT_APPLICABLE, "CERT_REFS_ABSENT")
            return
        if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
            self.ev.add("C-001", CheckStatus.FAILED, "CERT_REFS_MULTIPLE", Sub.FORMAT_FAILURE)
            return
        refs = attrs[0].values()[0]
        self.cert_ref_count = len(refs)
        mismatched = 0
        weak = 0
        for ref in refs:
            oid, value = _other_hash(ref["other_cert_hash"])
            weak += oid == Oid.SHA1
            entry = self.ctx.certs.find_hash(oid, value) if oid in DIGEST_NAMES else None
            if entry is None:
                self.unresolved_certs += 1
                continue
            self.referenced_certs.append(entry)
            issuer_serial = ref["issuer_serial"]
            if issuer_serial.native is not None and (
                int(issuer_serial["serial"].native) != entry.cert.serial_number
            ):
                mismatched += 1
        evidence = {
            "count": len(refs),
            "unresolved": self.unresolved_certs,
            "sha1_hashes": weak,
        }
        if mismatched:
            self.ev.add(
                "C-001",
                CheckStatus.FAILED,
                "CERT_REF_ISSUER_SERIAL_MISMATCH",
                Sub.FORMAT_FAILURE,
                evidence,
                count=mismatched,
            )
        elif self.unresolved_certs:
            self.ev.add(
                "C-001",
                CheckStatus.FAILED if has_values else CheckStatus.INDETERMINATE,
                "CERT_REF_UNRESOLVED",
                Sub.FORMAT_FAILURE if has_values else Sub.NO_CERTIFICATE_CHAIN_FOUND,
                evidence,
                count=self.unresolved_certs,
            )
        else:
            self.ev.add(
                "C-001", CheckStatus.PASSED, "CERT_REFS_RESOLVED", None, evidence, count=len(refs)
            )

    # --- C-002 -----------------------------------------------------------------------------------
    def _revocation_refs(self, has_values: bool) -> None:
        attrs = self.signer.unsigned(Oid.REVOCATION_REFS)
        if not attrs:
            self.ev.add("C-002", CheckStatus.NOT_APPLICABLE, "REV_REFS_ABSENT")
            return
        if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
            self.ev.add("C-002", CheckStatus.FAILED, "REV_REFS_MULTIPLE", Sub.FORMAT_FAILURE)
            return
        refs = attrs[0].values()[0]
        pool = self.ctx.revocations
        unhashed = 0
        for ref in refs:
            crlids = ref["crlids"]
            if crlids.native is not None:
                for crl_id in crlids["crls"]:
                    oid, value = _other_hash(crl_id["crl_hash"])
                    found = next(
                        (c for c in pool.crls if oid in DIGEST_NAMES and c.hash(oid) == value),
                        None,
                    )
                    if found is None:
                        self.unresolved_revocations += 1
                    else:
                        self.referenced_crls.append(found)
            ocspids = ref["ocspids"]
            if ocspids.native is not None:
                for ocsp_id in ocspids["ocsp_responses"]:
                    found_ocsp = self._resolve_ocsp(ocsp_id)
                    if ocsp_id["ocsp_rep_hash"].native is None:
                        unhashed += 1
                    if found_ocsp is None:
                        self.unresolved_revocations += 1
                    else:
                        self.referenced_ocsps.append(found_ocsp)
        evidence: dict[str, Any] = {
            "entries": len(refs),
            "crls": len(self.referenced_crls),
            "ocsp_responses": len(self.referenced_ocsps),
            "unresolved": self.unresolved_revocations,
            "ocsp_refs_without_hash": unhashed,
        }
        if self.unresolved_revocations:
            self.ev.add(
                "C-002",
                CheckStatus.FAILED if has_values else CheckStatus.INDETERMINATE,
                "REV_REF_UNRESOLVED",
                Sub.FORMAT_FAILURE if has_values else Sub.TRY_LATER,
                evidence,
                count=self.unresolved_revocations,
            )
        elif self.cert_ref_count is not None and len(refs) != self.cert_ref_count + 1:
            self.ev.add(
                "C-002",
                CheckStatus.WARNING,
                "REV_REF_COUNT",
                None,
                evidence,
                count=len(refs),
                expected=self.cert_ref_count + 1,
            )
        else:
            self.ev.add(
                "C-002", CheckStatus.PASSED, "REV_REFS_RESOLVED", None, evidence, count=len(refs)
            )

    def _resolve_ocsp(self, ocsp_id: Any) -> OcspEntry | None:
        pool = self.ctx.revocations
        rep_hash = ocsp_id["ocsp_rep_hash"]
        if rep_hash.native is not None:
            oid, value = _other_hash(rep_hash)
            if oid not in DIGEST_NAMES:
                return None
            for entry in pool.ocsps:
                # §10 Q7: the hash may cover the BasicOCSPResponse or the whole OCSPResponse.
                if hmac.compare_digest(entry.hash(oid), value) or hmac.compare_digest(
                    entry.full_hash(oid), value
                ):
                    return entry
            return None
        identifier = ocsp_id["ocsp_identifier"]
        responder = bytes(identifier["ocsp_responder_id"].dump())
        produced = identifier["produced_at"].native
        for entry in pool.ocsps:
            if entry.responder_id_der == responder and entry.produced_at == produced:
                return entry
        return None

    # --- C-003 -----------------------------------------------------------------------------------
    def _unused(self) -> None:
        if not (
            self.signer.unsigned(Oid.CERTIFICATE_REFS) or self.signer.unsigned(Oid.REVOCATION_REFS)
        ):
            self.ev.add("C-003", CheckStatus.NOT_APPLICABLE, "REFS_ABSENT")
            return
        state = self.ev.state
        unused_certs = [
            e.subject_text for e in self.referenced_certs if e.der not in state.used_certs
        ]
        unused_revs = [
            "CRL" if isinstance(r, CrlEntry) else "OCSP"
            for r in [*self.referenced_crls, *self.referenced_ocsps]
            if r.der not in state.used_revocation
        ]
        if unused_certs or unused_revs:
            self.ev.add(
                "C-003",
                CheckStatus.WARNING,
                "REFS_UNUSED",
                None,
                {"certificates": unused_certs, "revocation": unused_revs},
                count=len(unused_certs) + len(unused_revs),
            )
        else:
            self.ev.add("C-003", CheckStatus.PASSED, "REFS_ALL_USED")

    # --- XL-001 / XL-002 -------------------------------------------------------------------------
    def _certificate_values(self) -> None:
        attrs = self.signer.unsigned(Oid.CERTIFICATE_VALUES)
        if not attrs:
            self.ev.add("XL-001", CheckStatus.NOT_APPLICABLE, "CERT_VALUES_ABSENT")
            return
        if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
            self.ev.add("XL-001", CheckStatus.FAILED, "CERT_VALUES_MULTIPLE", Sub.FORMAT_FAILURE)
            return
        buf = attrs[0].buf
        items = {n.raw(buf) for n in _der.children(buf, attrs[0].value_tlvs[0])}
        missing = [e.subject_text for e in self.referenced_certs if e.der not in items]
        missing_count = len(missing) + self.unresolved_certs
        evidence = {"count": len(items), "missing": missing}
        if missing_count:
            self.ev.add(
                "XL-001",
                CheckStatus.FAILED,
                "CERT_VALUES_INCOMPLETE",
                Sub.FORMAT_FAILURE,
                evidence,
                count=missing_count,
            )
        else:
            self.ev.add(
                "XL-001",
                CheckStatus.PASSED,
                "CERT_VALUES_COMPLETE",
                None,
                evidence,
                count=len(items),
            )

    def _revocation_values(self) -> None:
        attrs = self.signer.unsigned(Oid.REVOCATION_VALUES)
        if not attrs:
            self.ev.add("XL-002", CheckStatus.NOT_APPLICABLE, "REV_VALUES_ABSENT")
            return
        if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
            self.ev.add("XL-002", CheckStatus.FAILED, "REV_VALUES_MULTIPLE", Sub.FORMAT_FAILURE)
            return
        crls, ocsps = revocation_value_items(attrs[0].buf, attrs[0].value_tlvs[0])
        crl_set, ocsp_set = set(crls), set(ocsps)
        missing = sum(c.der not in crl_set for c in self.referenced_crls) + sum(
            o.der not in ocsp_set for o in self.referenced_ocsps
        )
        missing += self.unresolved_revocations
        evidence = {"crls": len(crls), "ocsp_responses": len(ocsps), "missing": missing}
        if missing:
            self.ev.add(
                "XL-002",
                CheckStatus.FAILED,
                "REV_VALUES_INCOMPLETE",
                Sub.FORMAT_FAILURE,
                evidence,
                count=missing,
            )
        else:
            self.ev.add(
                "XL-002",
                CheckStatus.PASSED,
                "REV_VALUES_COMPLETE",
                None,
                evidence,
                crls=len(crls),
                ocsps=len(ocsps),
            )

    # --- X-001 -----------------------------------------------------------------------------------
    def x_timestamps(self) -> None:
        signer = self.signer
        esc = signer.unsigned(Oid.ESC_TIME_STAMP)
        refs_ts = signer.unsigned(Oid.CERTS_CRLS_TIME_STAMP)
        if not esc and not refs_ts:
            self.ev.add("X-001", CheckStatus.NOT_APPLICABLE, "X_TS_ABSENT")
            return
        sig_ts = signer.unsigned(Oid.SIGNATURE_TIME_STAMP)
        cert_refs = signer.unsigned(Oid.CERTIFICATE_REFS)
        rev_refs = signer.unsigned(Oid.REVOCATION_REFS)
        refs_t = b"".join(_content(a) for a in [*cert_refs, *rev_refs])
        refs_full = b"".join(a.der for a in [*cert_refs, *rev_refs])
        sig_t = b"".join(_content(a) for a in sig_ts)
        sig_full = b"".join(a.der for a in sig_ts)
        value = signer.signature_value
        inputs = {
            "esc": {"T(x)": value + sig_t + refs_t, "attribute": value + sig_full + refs_full},
            "certs-crls": {"T(x)": refs_t, "attribute": refs_full},
        }
        problems: list[tuple[CheckStatus, str, str | None]] = []
        variants: list[str] = []
        for kind, attrs in (("esc", esc), ("certs-crls", refs_ts)):
            for attribute in attrs:
                for index in range(len(attribute.value_tlvs)):
                    evaluation = self.ctx.tokens.evaluate(
                        attribute.value_der(index), self.ev.state.profile, self.ev.control_time()
                    )
                    self.ev.note_token(evaluation)
                    parts = evaluation.parts
                    variant = None
                    if parts is not None and parts.hash_algorithm_oid in DIGEST_NAMES:
                        for name, data in inputs[kind].items():
                            imprint = digest(parts.hash_algorithm_oid, data, allow_sha1=True)
                            if hmac.compare_digest(imprint, parts.imprint):
                                variant = name
                                break
                    self.ev.state.timestamps.append(
                        evaluation.info(kind, imprint_matches=variant is not None, variant=variant)
                    )
                    if variant is None:
                        problems.append(
                            (CheckStatus.FAILED, "X_TS_IMPRINT_MISMATCH", Sub.HASH_FAILURE)
                        )
                        continue
                    variants.append(f"{kind}:{variant}")
                    if evaluation.status is not CheckStatus.PASSED:
                        problems.append(
                            (evaluation.status, evaluation.reason, evaluation.sub_indication)
                        )
                    for token, ok in self.ev.state.sig_tokens:
                        if (
                            ok
                            and token.parts is not None
                            and parts is not None
                            and not order_ok(token.parts, parts)
                        ):
                            problems.append(
                                (
                                    CheckStatus.FAILED,
                                    "X_TS_BEFORE_SIGNATURE_TS",
                                    Sub.TIMESTAMP_ORDER_FAILURE,
                                )
                            )
        evidence = {"variants": variants}
        if not problems:
            self.ev.add(
                "X-001", CheckStatus.PASSED, "X_TS_OK", None, evidence, variants=", ".join(variants)
            )
            return
        rank = {CheckStatus.FAILED: 2, CheckStatus.INDETERMINATE: 1}
        status, reason, sub = max(problems, key=lambda p: rank.get(p[0], 0))
        self.ev.add("X-001", status, reason, sub, evidence, detail=reason)
