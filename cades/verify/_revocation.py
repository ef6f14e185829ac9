"""Revocation evaluation per profile over embedded (and, online, fetched) data (signatures.md §4.5).

For one certificate and its issuer the evaluator collects every CRL and OCSP response that
speaks about it, checks each one's authenticity, and decides:

* **revoked** — some authentic datum says revoked with ``revocationTime ≤ point`` (``point``
  is ``T_best`` for the signer path, ``genTime`` for a TSA) — whatever its type or freshness;
* **good** — an authentic datum of a type the rule allows (``ocspcheck`` / ``crlcheck`` /
  ``eithercheck``, §1.5) is *fresh* and says good, or revoked only after ``point`` (§4.3
  "revocationTime > T_best does not invalidate"; the report records it);
* **stale** — allowed data exists but none is fresh; **unknown** — the responder does not
  know the certificate; **missing** — nothing usable.

Freshness (§4.3): with a caution reference ``R = point + c`` the datum must be issued at or after
``R`` (OCSP ``producedAt``, CRL ``thisUpdate``), compared at whole seconds because those
GeneralizedTime values carry no fraction (RFC 5280 §5.1.2.4, RFC 6960 §4.2.2.1) while genTime
does. Without a reference (no time-stamp, validation at "now") the datum must be current:
``thisUpdate ≤ point ≤ nextUpdate``.

OCSP checks (RFC 6960 §4.2.2.2, §3.2): CertID, responder = CA or delegated responder issued by it
with id-kp-OCSPSigning, signature, responder valid at producedAt and not revoked (skipped with
id-pkix-ocsp-nocheck), thisUpdate ≤ producedAt + skew, nothing dated in the future.
CRL checks (RFC 5280 §6.3.3): issuer name, signature by the issuer's key, cRLSign, complete
(no delta) and in scope (issuingDistributionPoint).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from cades._asn1 import Oid
from cades._crypto import CryptoCheckError, digest, verify_signature_value
from cades.errors import CrlError, OcspError
from cades.profiles import RevocationRule
from cades.revocation import crl_urls, fetch_crl, fetch_ocsp, ocsp_urls
from cades.verify._path import PathValidator
from cades.verify._pool import CertEntry, CertPool, CrlEntry, OcspEntry, RevocationPool
from cades.verify._report import RevocationInfo

__all__ = ["Need", "RevocationEvaluator", "RevocationOutcome"]

_HASH_OIDS = {"sha1": Oid.SHA1, "sha256": Oid.SHA256, "sha384": Oid.SHA384, "sha512": Oid.SHA512}
_MAX_RESPONDER_DEPTH = 2


def whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Need:
    """A certificate whose status is needed: at ``point``, fresh after ``fresh_after``."""

    entry: CertEntry
    issuer: CertEntry
    role: str
    rule: RevocationRule
    point: datetime
    fresh_after: datetime | None


@dataclass
class RevocationOutcome:
    """The decision for one :class:`Need` (see the module docstring)."""

    status: str
    infos: list[RevocationInfo] = field(default_factory=list)
    used: list[CrlEntry | OcspEntry] = field(default_factory=list)
    revocation_time: datetime | None = None
    revocation_reason: str | None = None
    problem: str | None = None
    revoked_later: bool = False
    fresh_type: str | None = None
    responders: list[CertEntry] = field(default_factory=list)

    @property
    def good(self) -> bool:
        return self.status == "good"


@dataclass
class _Datum:
    evidence: CrlEntry | OcspEntry
    kind: str
    status: str
    revocation_time: datetime | None
    reason: str | None
    issued: datetime
    this_update: datetime
    next_update: datetime | None
    issuer_text: str | None
    problem: str | None
    responder: CertEntry | None = None


class RevocationEvaluator:
    """Evaluates revocation needs against the pools; fetches in online mode (§4.5)."""

    def __init__(
        self,
        certs: CertPool,
        revocations: RevocationPool,
        paths: PathValidator,
        *,
        validation_time: datetime,
        skew: timedelta,
        allow_sha1: bool,
        online: bool,
        ocsp_timeout: float,
        use_nonce: bool,
    ) -> None:
        self.certs = certs
        self.revocations = revocations
        self.paths = paths
        self.validation_time = validation_time
        self.skew = skew
        self.allow_sha1 = allow_sha1
        self.online = online
        self.ocsp_timeout = ocsp_timeout
        self.use_nonce = use_nonce
        self.fetch_problems: list[str] = []
        self._fetched: set[tuple[bytes, str]] = set()
        self._ocsp_auth: dict[tuple[int, int], tuple[CertEntry | None, str | None]] = {}
        self._crl_auth: dict[tuple[int, int, int], str | None] = {}
        self._outcomes: dict[tuple[object, ...], RevocationOutcome] = {}

    # --- public -------------------------------------------------------------------------------
    def evaluate(self, need: Need, *, _depth: int = 0) -> RevocationOutcome:
        key = (
            need.entry.der,
            need.issuer.der,
            need.role,
            need.rule,
            need.point,
            need.fresh_after,
        )
        cached = self._outcomes.get(key)
        if cached is not None:
            return cached
        outcome = self._decide(need, _depth)
        if not outcome.good and outcome.status != "revoked" and self._may_fetch(need):
            self._fetch(need)
            outcome = self._decide(need, _depth)
        self._outcomes[key] = outcome
        return outcome

    # --- evidence ----------------------------------------------------------------------------
    def _data(self, need: Need, depth: int) -> list[_Datum]:
        data: list[_Datum] = []
        for entry in list(self.revocations.ocsps):
            single = _single_for(entry, need.entry, need.issuer)
            if single is None:
                continue
            data.append(self._ocsp_datum(entry, single, need, depth))
        for crl in list(self.revocations.crls):
            if crl.issuer_der != need.entry.issuer_der and crl.crl.issuer != need.entry.cert.issuer:
                continue
            data.append(self._crl_datum(crl, need))
        return data

    def _ocsp_datum(
        self, entry: OcspEntry, single: ocsp.OCSPSingleResponse, need: Need, depth: int
    ) -> _Datum:
        responder, problem = self._ocsp_authentic(entry, need.issuer, depth)
        this_update = single.this_update_utc
        if problem is None and this_update > entry.produced_at + self.skew:
            problem = "thisUpdate is later than producedAt"
        if problem is None and entry.produced_at > self.validation_time + self.skew:
            problem = "producedAt is later than the validation time"
        status = {
            ocsp.OCSPCertStatus.GOOD: "good",
            ocsp.OCSPCertStatus.REVOKED: "revoked",
            ocsp.OCSPCertStatus.UNKNOWN: "unknown",
        }[single.certificate_status]
        reason = single.revocation_reason
        return _Datum(
            evidence=entry,
            kind="OCSP",
            status=status,
            revocation_time=single.revocation_time_utc,
            reason=None if reason is None else reason.value,
            issued=entry.produced_at,
            this_update=this_update,
            next_update=single.next_update_utc,
            issuer_text=None if responder is None else responder.subject_text,
            problem=problem,
            responder=responder,
        )

    def _crl_datum(self, crl: CrlEntry, need: Need) -> _Datum:
        problem = self._crl_authentic(crl, need.entry, need.issuer)
        if problem is None and crl.this_update > self.validation_time + self.skew:
            problem = "thisUpdate is later than the validation time"
        status, when, reason = "good", None, None
        revoked = crl.crl.get_revoked_certificate_by_serial_number(need.entry.cert.serial_number)
        if revoked is not None:
            try:
                reason_value = revoked.extensions.get_extension_for_class(x509.CRLReason).value
                reason = reason_value.reason.value
            except (x509.ExtensionNotFound, ValueError):
                reason = None
            if reason != x509.ReasonFlags.remove_from_crl.value:
                status, when = "revoked", revoked.revocation_date_utc
        return _Datum(
            evidence=crl,
            kind="CRL",
            status=status,
            revocation_time=when,
            reason=reason,
            issued=crl.this_update,
            this_update=crl.this_update,
            next_update=crl.next_update,
            issuer_text=need.issuer.subject_text,
            problem=problem,
        )

    def _fresh(self, datum: _Datum, need: Need) -> bool:
        if need.fresh_after is not None:
            return datum.issued >= whole_seconds(need.fresh_after)
        point = need.point
        if datum.this_update > point + self.skew:
            # Issued after the point: it still tells the status at the point (it is newer).
            return True
        if datum.next_update is None:
            return datum.issued >= point - self.skew
        return point <= datum.next_update

    def _decide(self, need: Need, depth: int) -> RevocationOutcome:
        data = self._data(need, depth)
        outcome = RevocationOutcome(status="missing")
        allowed = _allowed(need.rule)
        authentic = [d for d in data if d.problem is None]
        for datum in data:
            is_fresh = datum.problem is None and self._fresh(datum, need)
            outcome.infos.append(_info(datum, need, is_fresh))
        outcome.used = [d.evidence for d in authentic]
        outcome.responders = [d.responder for d in authentic if d.responder is not None]
        revoked = [
            d
            for d in authentic
            if d.status == "revoked"
            and d.revocation_time is not None
            and d.revocation_time <= need.point
        ]
        if revoked:
            first = min(revoked, key=lambda d: d.revocation_time or need.point)
            outcome.status = "revoked"
            outcome.revocation_time = first.revocation_time
            outcome.revocation_reason = first.reason
            return outcome
        later = [d for d in authentic if d.status == "revoked"]
        if later:
            outcome.revoked_later = True
            outcome.revocation_time = min(d.revocation_time for d in later if d.revocation_time)
            outcome.revocation_reason = later[0].reason
        eligible = [d for d in authentic if d.kind in allowed]
        fresh = [d for d in eligible if self._fresh(d, need) and d.status != "unknown"]
        if fresh:
            outcome.status = "good"
            outcome.fresh_type = fresh[0].kind
            return outcome
        if any(d.status == "unknown" for d in eligible):
            outcome.status = "unknown"
            outcome.problem = "the responder does not know the certificate"
        elif eligible:
            outcome.status = "stale"
            newest = max(d.issued for d in eligible)
            outcome.problem = f"the newest {'/'.join(sorted(allowed))} is from {newest.isoformat()}"
        else:
            outcome.status = "missing"
            rejected = [d.problem for d in data if d.problem]
            wrong_type = [d for d in authentic if d.kind not in allowed]
            if rejected:
                outcome.problem = "; ".join(sorted(set(rejected)))
            elif wrong_type:
                outcome.problem = f"only {wrong_type[0].kind} data, the rule needs " + "/".join(
                    sorted(allowed)
                )
            else:
                outcome.problem = "no revocation data"
        return outcome

    # --- authenticity ------------------------------------------------------------------------
    def _ocsp_authentic(
        self, entry: OcspEntry, issuer: CertEntry, depth: int
    ) -> tuple[CertEntry | None, str | None]:
        key = (id(entry), id(issuer))
        cached = self._ocsp_auth.get(key)
        if cached is not None:
            return cached
        result = self._check_ocsp(entry, issuer, depth)
        self._ocsp_auth[key] = result
        return result

    def _check_ocsp(
        self, entry: OcspEntry, issuer: CertEntry, depth: int
    ) -> tuple[CertEntry | None, str | None]:
        responder = self._responder(entry, issuer)
        if responder is None:
            return None, "not signed by the CA or a responder it authorised (RFC 6960 §4.2.2.2)"
        try:
            verify_signature_value(
                responder.cert,
                entry.asn1["signature_algorithm"],
                Oid.SHA256,
                entry.tbs_der,
                bytes(entry.asn1["signature"].native),
                allow_sha1=self.allow_sha1,
            )
        except CryptoCheckError as exc:
            return responder, f"signature: {exc}"
        except (ValueError, TypeError, KeyError) as exc:
            return responder, f"malformed: {exc}"
        if responder is issuer:
            return responder, None
        if not responder.valid_at(entry.produced_at):
            return responder, "the responder certificate was not valid at producedAt"
        if responder.ocsp_nocheck or depth >= _MAX_RESPONDER_DEPTH:
            return responder, None
        status = self.evaluate(
            Need(
                responder,
                issuer,
                "ocsp-responder",
                RevocationRule.EITHER,
                entry.produced_at,
                None,
            ),
            _depth=depth + 1,
        )
        if status.status == "revoked":
            return responder, "the responder certificate was revoked"
        return responder, None

    def _responder(self, entry: OcspEntry, issuer: CertEntry) -> CertEntry | None:
        if _matches_responder(entry, issuer):
            return issuer
        candidates: list[CertEntry] = []
        for der in entry.certificates_der():
            cert = self.certs.add_der(der, "ocsp")
            if cert is not None:
                candidates.append(cert)
        candidates.extend(c for c in self.certs if c not in candidates)
        for cert in candidates:
            if not _matches_responder(entry, cert):
                continue
            try:
                eku = cert.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except (x509.ExtensionNotFound, ValueError):
                continue
            if ExtendedKeyUsageOID.OCSP_SIGNING in eku and self.paths.issued_by(cert, issuer):
                return cert
        return None

    def _crl_authentic(self, crl: CrlEntry, cert: CertEntry, issuer: CertEntry) -> str | None:
        key = (id(crl), id(cert), id(issuer))
        if key in self._crl_auth:
            return self._crl_auth[key]
        problem = self._check_crl(crl, cert, issuer)
        self._crl_auth[key] = problem
        return problem

    def _check_crl(self, crl: CrlEntry, cert: CertEntry, issuer: CertEntry) -> str | None:
        if crl.is_delta:
            return "delta CRLs are not used (a complete CRL is needed)"
        scope = crl.idp
        if scope is not None:
            if scope.indirect_crl:
                return "indirect CRLs are not supported"
            if scope.only_some_reasons:
                return "the CRL covers only some reasons"
            if scope.only_contains_user_certs and cert.is_ca:
                return "the CRL covers only end-entity certificates"
            if scope.only_contains_ca_certs and not cert.is_ca:
                return "the CRL covers only CA certificates"
            if scope.only_contains_attribute_certs:
                return "the CRL covers only attribute certificates"
        try:
            ku = issuer.cert.extensions.get_extension_for_class(x509.KeyUsage).value
            if not ku.crl_sign:
                return "the CRL issuer lacks keyUsage cRLSign"
        except x509.ExtensionNotFound:
            pass
        try:
            verify_signature_value(
                issuer.cert,
                crl.asn1["signature_algorithm"],
                Oid.SHA256,
                crl.tbs_der,
                bytes(crl.asn1["signature"].native),
                allow_sha1=self.allow_sha1,
            )
        except CryptoCheckError as exc:
            return f"signature: {exc}"
        except (ValueError, TypeError, KeyError) as exc:
            return f"malformed: {exc}"
        return None

    # --- online ------------------------------------------------------------------------------
    def _may_fetch(self, need: Need) -> bool:
        # Even when fresh evidence cannot exist yet (premature), current data may already
        # show a revocation before the point, which is decisive.
        return self.online

    def _fetch(self, need: Need) -> None:
        allowed = _allowed(need.rule)
        cert, issuer = need.entry.cert, need.issuer.cert
        if "OCSP" in allowed and (need.entry.der, "OCSP") not in self._fetched:
            self._fetched.add((need.entry.der, "OCSP"))
            if ocsp_urls(cert):
                try:
                    result = fetch_ocsp(
                        cert, issuer, use_nonce=self.use_nonce, timeout=self.ocsp_timeout
                    )
                    self.revocations.add_ocsp_response(result.response_der, "fetched")
                    if self._decide(need, 0).good:
                        return
                except OcspError as exc:
                    self.fetch_problems.append(f"OCSP for {need.entry.subject_text}: {exc}")
        if "CRL" in allowed and (need.entry.der, "CRL") not in self._fetched:
            self._fetched.add((need.entry.der, "CRL"))
            for url in crl_urls(cert):
                try:
                    result_crl = fetch_crl(url, issuer, timeout=self.ocsp_timeout)
                except CrlError as exc:
                    self.fetch_problems.append(f"CRL {url}: {exc}")
                    continue
                self.revocations.add_crl(result_crl.crl_der, "fetched")
                break


def _allowed(rule: RevocationRule) -> frozenset[str]:
    if rule is RevocationRule.OCSP:
        return frozenset({"OCSP"})
    if rule is RevocationRule.CRL:
        return frozenset({"CRL"})
    return frozenset({"OCSP", "CRL"})


def _matches_responder(entry: OcspEntry, cert: CertEntry) -> bool:
    name = entry.response.responder_name
    if name is not None:
        return bool(name == cert.cert.subject)
    key_hash = entry.response.responder_key_hash
    if key_hash is None:
        return False
    return hmac.compare_digest(digest(Oid.SHA1, cert.public_key_bits, allow_sha1=True), key_hash)


def _single_for(
    entry: OcspEntry, cert: CertEntry, issuer: CertEntry
) -> ocsp.OCSPSingleResponse | None:
    """The SingleResponse whose CertID names ``cert`` issued by ``issuer`` (RFC 6960 §4.1.1)."""
    for single in entry.response.responses:
        if single.serial_number != cert.cert.serial_number:
            continue
        try:
            oid = _HASH_OIDS.get(single.hash_algorithm.name)
        except UnsupportedAlgorithm:
            continue  # a CertID hash we cannot compute cannot name this certificate
        if oid is None:
            continue
        name_hash = digest(oid, cert.issuer_der, allow_sha1=True)
        key_hash = digest(oid, issuer.public_key_bits, allow_sha1=True)
        if hmac.compare_digest(single.issuer_name_hash, name_hash) and hmac.compare_digest(
            single.issuer_key_hash, key_hash
        ):
            return single
    return None


def _info(datum: _Datum, need: Need, fresh: bool) -> RevocationInfo:
    sources = datum.evidence.sources
    source = (
        "embedded"
        if "embedded" in sources
        else "fetched"
        if "fetched" in sources
        else sorted(sources)[0]
    )
    return RevocationInfo(
        certificate=need.entry.subject_text,
        serial_number=need.entry.serial_hex,
        role=need.role,
        type=datum.kind,
        source=source,
        issuer=datum.issuer_text,
        produced_at=datum.issued,
        this_update=datum.this_update,
        next_update=datum.next_update,
        status=datum.status,
        revocation_time=datum.revocation_time,
        revocation_reason=datum.reason,
        fresh=fresh,
        authentic=datum.problem is None,
        problem=datum.problem,
    )
