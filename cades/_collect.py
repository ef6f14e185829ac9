"""Collect validation data for CAdES-C / X-Long and build the references and values.

signatures.md §1.5 (revocation rules per profile), §1.6 rule 3 (P4: OCSP after the
time-stamp), §3.6 (validation set V, complete-certificate-references,
complete-revocation-references), §3.8 (certificate-values, revocation-values), §3.9.4 (TSA
validation data for renewal).

The collector builds the signer path from the signature's own certificates, any
certificate-values, the caller's extra certificates and trust roots; it fetches OCSP for the
signer (P4) or CRLs (P2/P3), CRLs (or OCSP) for the CAs, and leaves the trust anchor and
``id-pkix-ocsp-nocheck`` responders without status (empty ``CrlOcspRef``, ``30 00``). Full
RFC 5280 path validation is the verifier's job; here the chain only has to exist, be valid
at the signature time and not be revoked.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from cades import _attributes as attrs
from cades import _der, _http
from cades._asn1 import Oid
from cades._crypto import digest
from cades._http import RetryPolicy
from cades._x509 import aia_urls, build_chain, is_issued_by, load_certificate
from cades.errors import CadesFormatError, CrlError, OcspError, RevocationError, UpgradeError
from cades.profiles import RevocationRule
from cades.revocation import (
    CertStatus,
    CrlResult,
    OcspResult,
    check_ocsp_response,
    crl_urls,
    fetch_crl,
    fetch_ocsp,
    load_crl,
    ocsp_urls,
)
from cades.tsp import TimestampClient

__all__ = [
    "CertEntry",
    "Collector",
    "RevocationKind",
    "ValidationData",
    "ValidationSources",
    "basic_ocsp_response",
    "certificate_refs_attribute",
    "certificate_values_attribute",
    "crl_reference",
    "ocsp_reference",
    "revocation_refs_attribute",
    "revocation_values_attribute",
]

_SEQUENCE = 0x30
_EMPTY_REF = b"\x30\x00"
_MAX_AIA_FETCHES = 4


@dataclass(frozen=True)
class ValidationSources:
    """Where :func:`cades.upgrade` gets time-stamps, trust and revocation data.

    ``tsa`` issues the signature and archive time-stamps; ``trust_roots`` anchor both the
    signer path and the TSA (every token is verified against them before use, §2.6).
    ``certificates`` is an extra pool for path building. ``crls`` (DER CertificateLists) and
    ``ocsp_responses`` (DER OCSPResponses) are pre-fetched data used before going online.
    ``now`` replaces the clock (tests); ``retry`` applies to OCSP/CRL requests.
    """

    tsa: TimestampClient
    trust_roots: Sequence[x509.Certificate]
    certificates: Sequence[x509.Certificate] = ()
    ocsp_timeout: float = 10.0
    use_nonce: bool = True
    crls: Sequence[bytes] = ()
    ocsp_responses: Sequence[bytes] = ()
    now: Callable[[], datetime] | None = None
    retry: RetryPolicy | None = None

    def __post_init__(self) -> None:
        if not self.trust_roots:
            raise UpgradeError("ValidationSources needs at least one trust root")
        for name in ("trust_roots", "certificates", "crls", "ocsp_responses"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def current_time(self) -> datetime:
        """``now()`` or the system clock, timezone-aware UTC."""
        moment = self.now() if self.now is not None else datetime.now(UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CertEntry:
    """A certificate with the DER it is stored as (never re-encoded, §3.11 rule 3)."""

    der: bytes
    cert: x509.Certificate

    @classmethod
    def of(cls, der: bytes) -> CertEntry:
        try:
            return cls(der, x509.load_der_x509_certificate(der))
        except ValueError as exc:
            raise CadesFormatError(f"a certificate does not parse: {exc}") from exc


class RevocationKind(enum.Enum):
    NONE = "none"
    CRL = "crl"
    OCSP = "ocsp"


@dataclass(frozen=True)
class Evidence:
    """The revocation evidence for one certificate and its CrlOcspRef."""

    kind: RevocationKind
    reference: bytes
    crl_der: bytes | None = None
    basic_ocsp_der: bytes | None = None
    ocsp_response_der: bytes | None = None
    produced_at: datetime | None = None


@dataclass(frozen=True)
class ValidationData:
    """Validation set V and the evidence for the signer and each element of V (§3.6, §3.8)."""

    signer: CertEntry
    validation_set: tuple[CertEntry, ...]
    evidence: tuple[Evidence, ...]  # 1 + len(validation_set): signer first
    ocsp_produced_at: datetime | None = None

    @property
    def crls(self) -> tuple[bytes, ...]:
        return tuple(dict.fromkeys(e.crl_der for e in self.evidence if e.crl_der))

    @property
    def basic_ocsp_responses(self) -> tuple[bytes, ...]:
        return tuple(dict.fromkeys(e.basic_ocsp_der for e in self.evidence if e.basic_ocsp_der))


# --- DER builders ----------------------------------------------------------------------------


def _other_cert_id(entry: CertEntry) -> bytes:
    return _der.tlv(
        _SEQUENCE,
        attrs.other_hash_der(Oid.SHA256, digest(Oid.SHA256, entry.der))
        + attrs.issuer_serial_der(entry.der),
    )


def certificate_refs_attribute(validation_set: Sequence[CertEntry]) -> bytes:
    """complete-certificate-references: one OtherCertID per element of V, in order (§3.6)."""
    refs = b"".join(_other_cert_id(e) for e in validation_set)
    return attrs.attribute(Oid.CERTIFICATE_REFS, _der.tlv(_SEQUENCE, refs))


def revocation_refs_attribute(evidence: Sequence[Evidence]) -> bytes:
    """complete-revocation-references: signer first, then one entry per element of V (§3.6)."""
    body = b"".join(e.reference for e in evidence)
    return attrs.attribute(Oid.REVOCATION_REFS, _der.tlv(_SEQUENCE, body))


def certificate_values_attribute(validation_set: Sequence[CertEntry]) -> bytes:
    """certificate-values: the certificates of V as stored, in V's order (§3.8)."""
    body = b"".join(e.der for e in validation_set)
    return attrs.attribute(Oid.CERTIFICATE_VALUES, _der.tlv(_SEQUENCE, body))


def revocation_values_attribute(crls: Sequence[bytes], basic_ocsp: Sequence[bytes]) -> bytes:
    """revocation-values with [0] CRLs and [1] BasicOCSPResponses; empty fields omitted."""
    body = b""
    if crls:
        body += _der.tlv(0xA0, _der.tlv(_SEQUENCE, b"".join(crls)))
    if basic_ocsp:
        body += _der.tlv(0xA1, _der.tlv(_SEQUENCE, b"".join(basic_ocsp)))
    return attrs.attribute(Oid.REVOCATION_VALUES, _der.tlv(_SEQUENCE, body))


def basic_ocsp_response(ocsp_response_der: bytes) -> bytes:
    """``responseBytes.response`` of an OCSPResponse: the BasicOCSPResponse DER (§3.8)."""
    try:
        outer = _der.read_tlv(ocsp_response_der, 0)
        parts = _der.children(ocsp_response_der, outer)
        if len(parts) != 2 or parts[1].tag_byte != 0xA0:
            raise CadesFormatError("the OCSP response carries no responseBytes")
        response_bytes = _der.children(ocsp_response_der, parts[1])[0]
        oid_node, octets = _der.children(ocsp_response_der, response_bytes)
        if oid_node.raw(ocsp_response_der) != attrs.oid_der(Oid.OCSP_BASIC):
            raise CadesFormatError("the OCSP response is not id-pkix-ocsp-basic")
        return octets.content(ocsp_response_der)
    except (ValueError, IndexError) as exc:
        raise CadesFormatError("the OCSP response is malformed") from exc


def ocsp_reference(basic_der: bytes) -> bytes:
    """CrlOcspRef ``[1] OcspListID`` with responderID and producedAt copied (§3.6)."""
    try:
        outer = _der.read_tlv(basic_der, 0)
        tbs = _der.children(basic_der, outer)[0]
        fields = _der.children(basic_der, tbs)
        index = 1 if fields[0].tag_byte == 0xA0 else 0
        responder_id, produced_at = fields[index], fields[index + 1]
    except (IndexError, CadesFormatError) as exc:
        raise CadesFormatError("the BasicOCSPResponse is malformed") from exc
    if responder_id.tag_byte not in (0xA1, 0xA2) or produced_at.tag_byte != 0x18:
        raise CadesFormatError("the BasicOCSPResponse has no responderID/producedAt")
    identifier = _der.tlv(_SEQUENCE, responder_id.raw(basic_der) + produced_at.raw(basic_der))
    responses_id = _der.tlv(
        _SEQUENCE, identifier + attrs.other_hash_der(Oid.SHA256, digest(Oid.SHA256, basic_der))
    )
    ocsp_list = _der.tlv(_SEQUENCE, _der.tlv(_SEQUENCE, responses_id))
    return _der.tlv(_SEQUENCE, _der.tlv(0xA1, ocsp_list))


def crl_reference(crl_der: bytes, crl: x509.CertificateRevocationList) -> bytes:
    """CrlOcspRef ``[0] CRLListID`` with CrlIdentifier {issuer copied, UTCTime, number} (§3.6)."""
    try:
        outer = _der.read_tlv(crl_der, 0)
        tbs = _der.children(crl_der, outer)[0]
        fields = _der.children(crl_der, tbs)
        index = 1 if fields[0].tag_byte == 0x02 else 0  # optional version
        issuer = fields[index + 1]
    except (IndexError, CadesFormatError) as exc:
        raise CadesFormatError("the CRL is malformed") from exc
    if issuer.tag_byte != _SEQUENCE:
        raise CadesFormatError("the CRL issuer is not a Name")
    identifier = issuer.raw(crl_der) + attrs.utc_time_der(crl.last_update_utc)
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        identifier += attrs.integer_der(number)
    except x509.ExtensionNotFound:
        pass
    validated = _der.tlv(
        _SEQUENCE,
        attrs.other_hash_der(Oid.SHA256, digest(Oid.SHA256, crl_der))
        + _der.tlv(_SEQUENCE, identifier),
    )
    crl_list = _der.tlv(_SEQUENCE, _der.tlv(_SEQUENCE, validated))
    return _der.tlv(_SEQUENCE, _der.tlv(0xA0, crl_list))


# --- collection ------------------------------------------------------------------------------


def _has_nocheck(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
    except x509.ExtensionNotFound:
        return False
    return True


@dataclass
class Collector:
    """Collects validation data for the signers of one upgrade call (shares fetched CRLs)."""

    sources: ValidationSources
    pool: list[CertEntry] = field(default_factory=list)
    _crl_cache: dict[str, CrlResult] = field(default_factory=dict)
    _aia_tried: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for cert in (*self.sources.certificates, *self.sources.trust_roots):
            self.add_to_pool(cert.public_bytes(Encoding.DER))

    def add_to_pool(self, der: bytes) -> CertEntry:
        for entry in self.pool:
            if entry.der == der:
                return entry
        entry = CertEntry.of(der)
        self.pool.append(entry)
        return entry

    def entry_for(self, cert: x509.Certificate) -> CertEntry:
        """The stored DER of ``cert`` (the pool copy, so nothing is re-encoded)."""
        der = cert.public_bytes(Encoding.DER)
        for entry in self.pool:
            if entry.der == der or entry.cert == cert:
                return entry
        return self.add_to_pool(der)

    def _is_anchor(self, cert: x509.Certificate) -> bool:
        return any(cert == root for root in self.sources.trust_roots)

    def chain(self, leaf: x509.Certificate, at: datetime) -> list[CertEntry]:
        """``[leaf, …, anchor]`` built from the pool (§3.6); raises :class:`UpgradeError`.

        Missing issuers are fetched from the AIA caIssuers URL (RFC 5280 §4.2.2.1) when the
        pool lacks them, as a signature normally carries only the signer's certificate.
        """
        for _ in range(_MAX_AIA_FETCHES + 1):
            try:
                found = build_chain(
                    leaf,
                    roots=self.sources.trust_roots,
                    intermediates=[e.cert for e in self.pool],
                    at=at,
                )
            except ValueError as exc:
                failure = exc
                if not self._fetch_missing_issuer(leaf):
                    break
                continue
            return [self.entry_for(c) for c in found]
        raise UpgradeError(
            f"no certificate path to a trust root: {failure}; add the missing CA certificates "
            "to ValidationSources.certificates/trust_roots"
        ) from failure

    def _fetch_missing_issuer(self, leaf: x509.Certificate) -> bool:
        """Download the issuer of the first certificate on the path whose issuer is unknown."""
        current = leaf
        known = [e.cert for e in self.pool]
        for _ in range(_MAX_AIA_FETCHES):
            issuer = next(
                (c for c in known if c.subject == current.issuer and is_issued_by(current, c)),
                None,
            )
            if issuer is None:
                break
            if issuer.subject == issuer.issuer:
                return False
            current = issuer
        for url in _ca_issuer_urls(current):
            if url in self._aia_tried:
                continue
            self._aia_tried.add(url)
            try:
                body = _http.request(
                    "GET",
                    url,
                    connect_timeout=self.sources.ocsp_timeout,
                    read_timeout=self.sources.ocsp_timeout,
                    retry=self.sources.retry,
                ).body
                cert = load_certificate(body)
            except (_http.HttpFailure, ValueError):
                continue
            if is_issued_by(current, cert):
                self.add_to_pool(cert.public_bytes(Encoding.DER))
                return True
        return False

    # --- revocation sources ------------------------------------------------------------------

    def _crl_for(self, cert: x509.Certificate, issuer: x509.Certificate) -> CrlResult:
        for der in self.sources.crls:
            try:
                result = load_crl(der, issuer)
            except CrlError:
                continue
            return result
        urls = crl_urls(cert)
        if not urls:
            raise CrlError(
                f"{cert.subject.rfc4514_string()} has no CRL distribution point; "
                "pass its CRL in ValidationSources.crls"
            )
        failures: list[str] = []
        for url in urls:
            cached = self._crl_cache.get(url)
            if cached is not None and cached.issuer == issuer:
                return cached
            try:
                result = fetch_crl(
                    url, issuer, timeout=self.sources.ocsp_timeout, retry=self.sources.retry
                )
            except CrlError as exc:
                failures.append(str(exc))
                continue
            self._crl_cache[url] = result
            return result
        raise CrlError("; ".join(failures))

    def _ocsp_for(
        self, cert: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> OcspResult:
        for der in self.sources.ocsp_responses:
            try:
                return check_ocsp_response(der, cert, issuer, now=now)
            except OcspError:
                continue
        return fetch_ocsp(
            cert,
            issuer,
            use_nonce=self.sources.use_nonce,
            timeout=self.sources.ocsp_timeout,
            retry=self.sources.retry,
            now=now,
        )

    def _crl_evidence(
        self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime
    ) -> Evidence:
        result = self._crl_for(cert, issuer)
        entry = result.revocation_of(cert.serial_number)
        if entry is not None and entry.revocation_time <= at:
            raise UpgradeError(
                f"{cert.subject.rfc4514_string()} was revoked on {entry.revocation_time:%Y-%m-%d}"
                " (CRL); the signature cannot be completed"
            )
        return Evidence(
            RevocationKind.CRL, crl_reference(result.crl_der, result.crl), crl_der=result.crl_der
        )

    def _ocsp_evidence(
        self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime, now: datetime
    ) -> tuple[Evidence, OcspResult]:
        result = self._ocsp_for(cert, issuer, now)
        if result.status is CertStatus.UNKNOWN:
            raise UpgradeError(f"the OCSP responder does not know {cert.subject.rfc4514_string()}")
        if result.status is CertStatus.REVOKED and (
            result.revocation_time is None or result.revocation_time <= at
        ):
            raise UpgradeError(
                f"{cert.subject.rfc4514_string()} is revoked (OCSP); "
                "the signature cannot be completed"
            )
        basic = basic_ocsp_response(result.response_der)
        return (
            Evidence(
                RevocationKind.OCSP,
                ocsp_reference(basic),
                basic_ocsp_der=basic,
                ocsp_response_der=result.response_der,
                produced_at=result.produced_at,
            ),
            result,
        )

    def _ca_evidence(
        self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime, now: datetime
    ) -> Evidence:
        """CAs and non-nocheck responders: CRL first, OCSP if no CRL can be had (§1.5)."""
        try:
            return self._crl_evidence(cert, issuer, at)
        except CrlError as crl_failure:
            if not ocsp_urls(cert):
                raise
            try:
                return self._ocsp_evidence(cert, issuer, at, now)[0]
            except OcspError as exc:
                raise RevocationError(
                    f"no revocation data for {cert.subject.rfc4514_string()}: "
                    f"CRL: {crl_failure}; OCSP: {exc}"
                ) from exc

    # --- the whole set -----------------------------------------------------------------------

    def collect(
        self,
        signer_cert_der: bytes,
        rule: RevocationRule,
        signature_time: datetime,
        *,
        caution: timedelta = timedelta(0),
    ) -> ValidationData:
        """V and the evidence for a signer whose best signature time is ``signature_time``.

        ``rule`` is the signer's revocation rule (§1.5): OCSP (P4) must be produced at or after
        the time-stamp (compared in whole seconds, the precision of ``producedAt``); CRL
        (P2/P3) must be issued at or after ``signature_time + caution`` (§1.6 rule 4).
        """
        now = self.sources.current_time()
        signer = self.add_to_pool(signer_cert_der)
        path = self.chain(signer.cert, signature_time)
        issuer = path[1].cert if len(path) > 1 else signer.cert
        responder: CertEntry | None = None
        signer_evidence: Evidence
        floor = signature_time.replace(microsecond=0)
        if rule is RevocationRule.CRL:
            signer_evidence = self._crl_evidence(signer.cert, issuer, signature_time)
            issued = _crl_this_update(signer_evidence)
            earliest = floor + caution
            if issued is not None and issued < earliest:
                raise UpgradeError(
                    f"the CRL was issued at {issued:%Y-%m-%d %H:%M:%S}Z, before "
                    f"{earliest:%Y-%m-%d %H:%M:%S}Z (time-stamp + caution period, §1.6 rule 4);"
                    " keep the T form and upgrade once a newer CRL is published"
                )
        else:
            try:
                signer_evidence, ocsp_result = self._ocsp_evidence(
                    signer.cert, issuer, signature_time, now
                )
            except OcspError:
                if rule is RevocationRule.OCSP:
                    raise
                signer_evidence = self._crl_evidence(signer.cert, issuer, signature_time)
            else:
                if ocsp_result.produced_at < floor:
                    raise UpgradeError(
                        f"the OCSP response was produced at {ocsp_result.produced_at:%H:%M:%S}Z,"
                        f" before the signature time-stamp ({signature_time:%H:%M:%S}Z); P4 "
                        "needs status collected after the time-stamp (§1.6 rule 3)"
                    )
                delegated = ocsp_result.responder_certificate
                if delegated != issuer:
                    responder = self.entry_for(delegated)
        validation_set: list[CertEntry] = []
        if responder is not None:
            validation_set.append(responder)
        for entry in path[1:]:
            if entry not in validation_set:
                validation_set.append(entry)
        if responder is not None:
            for entry in self.chain(responder.cert, now)[1:]:
                if entry not in validation_set:
                    validation_set.append(entry)
        evidence = [signer_evidence]
        for entry in validation_set:
            evidence.append(self.evidence_for(entry, validation_set, signature_time, now))
        return ValidationData(
            signer=signer,
            validation_set=tuple(validation_set),
            evidence=tuple(evidence),
            ocsp_produced_at=signer_evidence.produced_at,
        )

    def evidence_for(
        self,
        entry: CertEntry,
        validation_set: Iterable[CertEntry],
        at: datetime,
        now: datetime,
    ) -> Evidence:
        cert = entry.cert
        if self._is_anchor(cert):
            return Evidence(RevocationKind.NONE, _EMPTY_REF)
        if _has_nocheck(cert) and _is_ocsp_signer(cert):
            return Evidence(RevocationKind.NONE, _EMPTY_REF)
        issuer = next(
            (
                other.cert
                for other in (*validation_set, *self.pool)
                if other.cert.subject == cert.issuer and is_issued_by(cert, other.cert)
            ),
            None,
        )
        if issuer is None:
            raise UpgradeError(f"the issuer of {cert.subject.rfc4514_string()} is missing")
        return self._ca_evidence(cert, issuer, at, now)


def _ca_issuer_urls(cert: x509.Certificate) -> tuple[str, ...]:
    return aia_urls(cert, AuthorityInformationAccessOID.CA_ISSUERS)


def _crl_this_update(evidence: Evidence) -> datetime | None:
    if evidence.crl_der is None:
        return None
    return x509.load_der_x509_crl(evidence.crl_der).last_update_utc


def _is_ocsp_signer(cert: x509.Certificate) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in eku


def signer_path(
    certificate: x509.Certificate,
    sources: ValidationSources,
    *,
    at: datetime,
    extra: Sequence[x509.Certificate] = (),
) -> tuple[x509.Certificate, ...]:
    """``(certificate, issuer, …, anchor)`` at ``at``, fetching missing issuers from the AIA.

    The path check before signing (signatures.md §2.6 item 1) and the upgrade share this path
    building; raises :class:`UpgradeError` when no path to ``sources.trust_roots`` exists.
    """
    collector = Collector(sources)
    for cert in extra:
        collector.add_to_pool(cert.public_bytes(Encoding.DER))
    return tuple(entry.cert for entry in collector.chain(certificate, at))
