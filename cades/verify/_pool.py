"""Evidence pools: certificates, CRLs and OCSP responses known to one verification (§4.2, §3.8).

Each item keeps its bytes exactly as found (§3.11 rule 3) and is parsed once; hashes for
reference matching (§3.6) are memoised per algorithm. Where an item came from is recorded
(``embedded``, ``policy``, ``fetched``, ``anchor``) because offline verification may only use
embedded and caller-supplied data (§4.1).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from asn1crypto import core
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from cades import _der
from cades._asn1 import Oid
from cades._crypto import digest
from cades.errors import CadesFormatError

__all__ = ["CertEntry", "CertPool", "CrlEntry", "OcspEntry", "RevocationPool", "wrap_basic_ocsp"]

_SEQUENCE = 0x30
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, CadesFormatError)
_CERT_ERRORS = (UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension, Warning)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Hashes:
    """Memoised digests of ``der`` by algorithm OID (SHA-1 allowed: reference lookup only)."""

    der: bytes

    def hash(self, oid: str) -> bytes:
        cache: dict[str, bytes] = self.__dict__.setdefault("_hash_cache", {})
        value = cache.get(oid)
        if value is None:
            value = digest(oid, self.der, allow_sha1=True)
            cache[oid] = value
        return value


@dataclass(eq=False)
class CertEntry(_Hashes):
    """A certificate as stored, with the parsed views we need."""

    der: bytes
    cert: x509.Certificate
    sources: set[str] = field(default_factory=set)

    @cached_property
    def asn1(self) -> Any:
        return asn1_x509.Certificate.load(self.der)

    @cached_property
    def subject_der(self) -> bytes:
        return bytes(self.asn1["tbs_certificate"]["subject"].dump())

    @cached_property
    def issuer_der(self) -> bytes:
        return bytes(self.asn1["tbs_certificate"]["issuer"].dump())

    @cached_property
    def subject_text(self) -> str:
        return self.cert.subject.rfc4514_string()

    @cached_property
    def public_key_bits(self) -> bytes:
        """Value of the subjectPublicKey BIT STRING (input of OCSP issuerKeyHash, RFC 6960)."""
        bits = self.asn1["tbs_certificate"]["subject_public_key_info"]["public_key"]
        return bytes(bits.contents[1:])

    @cached_property
    def ski(self) -> bytes | None:
        try:
            return self.cert.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            ).value.digest
        except (x509.ExtensionNotFound, ValueError):
            return None

    @cached_property
    def is_ca(self) -> bool:
        try:
            return bool(
                self.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            )
        except (x509.ExtensionNotFound, ValueError):
            return False

    @cached_property
    def ocsp_nocheck(self) -> bool:
        try:
            self.cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
        except (x509.ExtensionNotFound, ValueError):
            return False
        return True

    @property
    def serial_hex(self) -> str:
        return format(self.cert.serial_number, "x")

    @property
    def self_issued(self) -> bool:
        return self.subject_der == self.issuer_der

    def valid_at(self, moment: datetime) -> bool:
        return self.cert.not_valid_before_utc <= moment <= self.cert.not_valid_after_utc


def _load_certificate(der: bytes) -> x509.Certificate:
    # RFC 5280 §4.1.2.2 forbids non-positive serials and cryptography warns about them (an
    # error under -W error); such certificates are refused like broken ones.
    parsed = asn1_x509.Certificate.load(der)
    if parsed["tbs_certificate"]["serial_number"].native <= 0:
        raise CadesFormatError("a certificate has a non-positive serial number")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cert = x509.load_der_x509_certificate(der)
        # cryptography parses names, extensions and the key lazily; a defect found there
        # (duplicate extension, bad name attribute, unknown key) makes the certificate
        # unusable here rather than deep inside a later check.
        _ = cert.subject, cert.issuer, list(cert.extensions)
        cert.public_key()
    return cert


class CertPool:
    """All certificates known to a verification, de-duplicated by DER."""

    def __init__(self) -> None:
        self._by_der: dict[bytes, CertEntry] = {}
        self._by_subject: dict[bytes, list[CertEntry]] = {}
        self.problems: list[str] = []

    def __iter__(self) -> Iterator[CertEntry]:
        return iter(self._by_der.values())

    def __len__(self) -> int:
        return len(self._by_der)

    def add_der(self, der: bytes, source: str) -> CertEntry | None:
        """Add a certificate; broken ones are recorded in :attr:`problems` and skipped."""
        entry = self._by_der.get(der)
        if entry is not None:
            entry.sources.add(source)
            return entry
        try:
            cert = _load_certificate(der)
            entry = CertEntry(der, cert, {source})
            subject = entry.subject_der
        except (*_PARSE_ERRORS, *_CERT_ERRORS) as exc:
            self.problems.append(f"unusable certificate ({source}): {exc}")
            return None
        self._by_der[der] = entry
        self._by_subject.setdefault(subject, []).append(entry)
        return entry

    def add(self, cert: x509.Certificate, source: str) -> CertEntry | None:
        return self.add_der(cert.public_bytes(serialization.Encoding.DER), source)

    def get(self, der: bytes) -> CertEntry | None:
        return self._by_der.get(der)

    def by_subject(self, subject_der: bytes) -> list[CertEntry]:
        return list(self._by_subject.get(subject_der, ()))

    def issuers_of(self, entry: CertEntry) -> list[CertEntry]:
        """Candidates whose subject equals the certificate's issuer (byte or semantic match)."""
        found = self.by_subject(entry.issuer_der)
        if not found:
            found = [c for c in self._by_der.values() if c.cert.subject == entry.cert.issuer]
        return found

    def find_issuer_serial(self, issuer_der: bytes, serial: int) -> CertEntry | None:
        for entry in self._by_der.values():
            if entry.cert.serial_number == serial and entry.issuer_der == issuer_der:
                return entry
        for entry in self._by_der.values():
            if entry.cert.serial_number == serial:
                try:
                    if entry.asn1["tbs_certificate"]["issuer"] == asn1_x509.Name.load(issuer_der):
                        return entry
                except _PARSE_ERRORS:
                    continue
        return None

    def find_ski(self, ski: bytes) -> CertEntry | None:
        for entry in self._by_der.values():
            if entry.ski == ski:
                return entry
        return None

    def find_hash(self, oid: str, value: bytes) -> CertEntry | None:
        for entry in self._by_der.values():
            if entry.hash(oid) == value:
                return entry
        return None


def wrap_basic_ocsp(basic_der: bytes) -> bytes:
    """The DER OCSPResponse (successful) carrying ``basic_der`` (RFC 6960 §4.2.1).

    Only a wrapper around the stored BasicOCSPResponse bytes; used to parse with cryptography
    and to match references hashed over the whole OCSPResponse (§10 Q7).
    """
    oid = bytes(core.ObjectIdentifier(Oid.OCSP_BASIC).dump())
    response_bytes = _der.tlv(_SEQUENCE, oid + _der.tlv(0x04, basic_der))
    return _der.tlv(_SEQUENCE, b"\x0a\x01\x00" + _der.tlv(0xA0, response_bytes))


@dataclass(eq=False)
class CrlEntry(_Hashes):
    """A CertificateList as stored."""

    der: bytes
    crl: x509.CertificateRevocationList
    sources: set[str] = field(default_factory=set)

    @cached_property
    def asn1(self) -> Any:
        return asn1_crl.CertificateList.load(self.der)

    @cached_property
    def tbs_der(self) -> bytes:
        outer = _der.read_tlv(self.der, 0)
        return _der.children(self.der, outer)[0].raw(self.der)

    @cached_property
    def issuer_der(self) -> bytes:
        return bytes(self.asn1["tbs_cert_list"]["issuer"].dump())

    @property
    def this_update(self) -> datetime:
        return self.crl.last_update_utc

    @property
    def next_update(self) -> datetime | None:
        return self.crl.next_update_utc

    @cached_property
    def is_delta(self) -> bool:
        try:
            self.crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
        except x509.ExtensionNotFound:
            return False
        return True

    @cached_property
    def idp(self) -> x509.IssuingDistributionPoint | None:
        try:
            return self.crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
        except x509.ExtensionNotFound:
            return None

    @cached_property
    def crl_number(self) -> int | None:
        try:
            return int(self.crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
        except x509.ExtensionNotFound:
            return None


@dataclass(eq=False)
class OcspEntry(_Hashes):
    """A BasicOCSPResponse as stored (``der``), parsed through a successful wrapper."""

    der: bytes
    response: ocsp.OCSPResponse
    full_der: bytes
    sources: set[str] = field(default_factory=set)

    @cached_property
    def asn1(self) -> Any:
        return asn1_ocsp.BasicOCSPResponse.load(self.der)

    @cached_property
    def tbs_der(self) -> bytes:
        outer = _der.read_tlv(self.der, 0)
        return _der.children(self.der, outer)[0].raw(self.der)

    @cached_property
    def responder_id_der(self) -> bytes:
        tbs = _der.read_tlv(self.der, _der.read_tlv(self.der, 0).content_start)
        parts = _der.children(self.der, tbs)
        index = 1 if parts and parts[0].tag_byte == 0xA0 else 0
        return parts[index].raw(self.der)

    @property
    def produced_at(self) -> datetime:
        return _utc(self.response.produced_at_utc)

    def full_hash(self, oid: str) -> bytes:
        """Digest of the whole OCSPResponse (original wrapper when known, §10 Q7)."""
        return digest(oid, self.full_der, allow_sha1=True)

    def certificates_der(self) -> list[bytes]:
        certs = self.asn1["certs"]
        if not certs:
            return []
        return [bytes(c.dump()) for c in certs]


class RevocationPool:
    """CRLs and OCSP responses known to one verification, de-duplicated by DER."""

    def __init__(self) -> None:
        self.crls: list[CrlEntry] = []
        self.ocsps: list[OcspEntry] = []
        self._crl_ders: dict[bytes, CrlEntry] = {}
        self._ocsp_ders: dict[bytes, OcspEntry] = {}
        self.problems: list[str] = []

    def add_crl(self, der: bytes, source: str) -> CrlEntry | None:
        entry = self._crl_ders.get(der)
        if entry is not None:
            entry.sources.add(source)
            return entry
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                parsed = x509.load_der_x509_crl(der)
                parsed.last_update_utc  # noqa: B018 - fail now on broken times
            entry = CrlEntry(der, parsed, {source})
            _ = entry.issuer_der, entry.tbs_der
        except (*_PARSE_ERRORS, Warning) as exc:
            self.problems.append(f"unusable CRL ({source}): {exc}")
            return None
        self._crl_ders[der] = entry
        self.crls.append(entry)
        return entry

    def add_basic_ocsp(
        self, der: bytes, source: str, full_der: bytes | None = None
    ) -> OcspEntry | None:
        entry = self._ocsp_ders.get(der)
        if entry is not None:
            entry.sources.add(source)
            return entry
        wrapped = wrap_basic_ocsp(der)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                parsed = ocsp.load_der_ocsp_response(wrapped)
                parsed.produced_at_utc  # noqa: B018 - fail now on broken fields
                list(parsed.responses)
            entry = OcspEntry(der, parsed, full_der or wrapped, {source})
            _ = entry.tbs_der, entry.responder_id_der
        except (*_PARSE_ERRORS, Warning) as exc:
            self.problems.append(f"unusable OCSP response ({source}): {exc}")
            return None
        self._ocsp_ders[der] = entry
        self.ocsps.append(entry)
        return entry

    def add_ocsp_response(self, full_der: bytes, source: str) -> OcspEntry | None:
        """Add a whole OCSPResponse (fetched, injected, or from ``SignedData.crls``)."""
        basic = basic_from_ocsp_response(full_der)
        if basic is None:
            self.problems.append(f"OCSP response without a successful basic response ({source})")
            return None
        return self.add_basic_ocsp(basic, source, full_der)

    def add_ocsp_any(self, der: bytes, source: str) -> OcspEntry | None:
        """Accept either an OCSPResponse or a BasicOCSPResponse."""
        basic = basic_from_ocsp_response(der)
        if basic is not None:
            return self.add_basic_ocsp(basic, source, der)
        return self.add_basic_ocsp(der, source)

    def add_revocation_choice(self, der: bytes, source: str) -> None:
        """One ``RevocationInfoChoice`` of ``SignedData.crls`` (RFC 5652 §10.2.1; RFC 5940)."""
        try:
            node = _der.read_tlv(der, 0)
            if node.tag_byte == _SEQUENCE:
                self.add_crl(der, source)
                return
            if node.tag_byte == 0xA1:
                parts = _der.children(der, node)
                if len(parts) == 2 and parts[0].tag_byte == 0x06:
                    oid = core.ObjectIdentifier.load(parts[0].raw(der)).dotted
                    if oid == Oid.RI_OCSP_RESPONSE:
                        self.add_ocsp_response(parts[1].raw(der), source)
                        return
        except _PARSE_ERRORS as exc:
            self.problems.append(f"unusable revocation entry ({source}): {exc}")
            return
        self.problems.append(f"unknown revocation entry format ignored ({source})")


def basic_from_ocsp_response(der: bytes) -> bytes | None:
    """The stored BasicOCSPResponse inside an OCSPResponse, or ``None`` (RFC 6960 §4.2.1)."""
    try:
        outer = _der.read_tlv(der, 0)
        if outer.tag_byte != _SEQUENCE or outer.end != len(der):
            return None
        parts = _der.children(der, outer)
        if len(parts) != 2 or parts[0].tag_byte != 0x0A or parts[0].content(der) != b"\x00":
            return None
        if parts[1].tag_byte != 0xA0:
            return None
        (response_bytes,) = _der.children(der, parts[1])
        inner = _der.children(der, response_bytes)
        if len(inner) != 2 or inner[0].tag_byte != 0x06 or inner[1].tag_byte != 0x04:
            return None
        if core.ObjectIdentifier.load(inner[0].raw(der)).dotted != Oid.OCSP_BASIC:
            return None
        return inner[1].content(der)
    except (*_PARSE_ERRORS,):
        return None


def sequence_items(buf: bytes, node: _der.Tlv) -> list[bytes]:
    """Raw TLVs inside a SEQUENCE OF (as stored)."""
    return [child.raw(buf) for child in _der.children(buf, node)]


def iter_values(buf: bytes, nodes: Iterable[_der.Tlv]) -> Iterator[bytes]:
    for node in nodes:
        yield node.raw(buf)
