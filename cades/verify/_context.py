"""Everything one verification shares between its signers (signatures.md §4.1, §4.2).

The pools are filled once from the embedded data of the *whole* signature — SignedData
certificates and crls, every signer's certificate-values and revocation-values, the
certificates inside time-stamp tokens — plus what the policy supplies. Evidence is evidence
wherever it sits; each item is still checked for authenticity before use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509

from cades import _der
from cades._asn1 import Oid
from cades._view import SignedDataView, SignerInfoView, parse_signed_data
from cades.errors import CadesFormatError
from cades.verify._content import ContentSource
from cades.verify._path import PathValidator
from cades.verify._policy import ValidationPolicy
from cades.verify._pool import CertEntry, CertPool, RevocationPool
from cades.verify._revocation import RevocationEvaluator
from cades.verify._timestamps import TokenEvaluator

__all__ = ["Context"]

_SEQUENCE = 0x30
_TOKEN_OIDS = {
    Oid.SIGNATURE_TIME_STAMP,
    Oid.ESC_TIME_STAMP,
    Oid.CERTS_CRLS_TIME_STAMP,
    Oid.ARCHIVE_TIME_STAMP_V1,
    Oid.ARCHIVE_TIME_STAMP_V2,
    Oid.ARCHIVE_TIME_STAMP_V3,
}


class Context:
    """Pools, path validators, evaluators and the content of one verification."""

    def __init__(
        self, view: SignedDataView, policy: ValidationPolicy, content: ContentSource
    ) -> None:
        self.view = view
        self.policy = policy
        self.content = content
        self.now: datetime = policy.resolved_time()
        self.certs = CertPool()
        self.revocations = RevocationPool()
        self.problems: list[str] = []
        anchors = _entries(self.certs, policy.trust_anchors, "anchor")
        tsa_anchors = _entries(self.certs, policy.tsa_anchors, "anchor")
        self._load_embedded(view)
        for cert in policy.certificates:
            self.certs.add(cert, "policy")
        for der in policy.crls:
            self.revocations.add_crl(der, "policy")
        for der in policy.ocsp_responses:
            self.revocations.add_ocsp_any(der, "policy")
        self.signer_paths = PathValidator(self.certs, anchors)
        self.tsa_paths = PathValidator(self.certs, tsa_anchors)
        self.revocation = RevocationEvaluator(
            self.certs,
            self.revocations,
            self.signer_paths,
            validation_time=self.now,
            skew=policy.allowed_skew,
            allow_sha1=policy.allow_sha1,
            online=not policy.offline,
            ocsp_timeout=policy.ocsp_timeout,
            use_nonce=policy.use_nonce,
        )
        self.tokens = TokenEvaluator(
            self.certs, self.tsa_paths, self.revocation, allow_sha1=policy.allow_sha1
        )

    def _load_embedded(self, view: SignedDataView) -> None:
        buf = view.buf
        try:
            for der in view.certificates_der():
                self.certs.add_der(der, "embedded")
        except CadesFormatError as exc:
            self.problems.append(f"SignedData.certificates: {exc}")
        try:
            for node in view.crl_tlvs():
                self.revocations.add_revocation_choice(node.raw(buf), "embedded")
        except CadesFormatError as exc:
            self.problems.append(f"SignedData.crls: {exc}")
        for signer in view.all_signers():
            self._load_values(buf, signer)
            self._load_token_certificates(signer)

    def _load_token_certificates(self, signer: SignerInfoView) -> None:
        """Certificates carried by every time-stamp token, so evaluation order never matters."""
        attributes = [*signer.signed(Oid.CONTENT_TIME_STAMP)]
        attributes.extend(a for a in signer.unsigned_attributes if a.oid in _TOKEN_OIDS)
        for attribute in attributes:
            for index in range(len(attribute.value_tlvs)):
                try:
                    token = parse_signed_data(attribute.value_der(index))
                    certificates = token.certificates_der()
                except CadesFormatError:
                    continue  # reported when the token itself is evaluated
                for der in certificates:
                    self.certs.add_der(der, "token")

    def _load_values(self, buf: bytes, signer: SignerInfoView) -> None:
        for attribute in signer.unsigned(Oid.CERTIFICATE_VALUES):
            for value in attribute.value_tlvs:
                try:
                    for node in _der.children(buf, value):
                        self.certs.add_der(node.raw(buf), "embedded")
                except CadesFormatError as exc:
                    self.problems.append(f"certificate-values of signer {signer.path}: {exc}")
        for attribute in signer.unsigned(Oid.REVOCATION_VALUES):
            for value in attribute.value_tlvs:
                try:
                    crls, ocsps = revocation_value_items(buf, value)
                except CadesFormatError as exc:
                    self.problems.append(f"revocation-values of signer {signer.path}: {exc}")
                    continue
                for der in crls:
                    self.revocations.add_crl(der, "embedded")
                for der in ocsps:
                    self.revocations.add_basic_ocsp(der, "embedded")


def _entries(pool: CertPool, certs: Sequence[x509.Certificate], source: str) -> list[CertEntry]:
    found: list[CertEntry] = []
    for cert in certs:
        entry = pool.add(cert, source)
        if entry is not None:
            found.append(entry)
    return found


def revocation_value_items(buf: bytes, value: _der.Tlv) -> tuple[list[bytes], list[bytes]]:
    """CRL and BasicOCSPResponse TLVs of one RevocationValues (§3.8, explicit tags)."""
    if value.tag_byte != _SEQUENCE:
        raise CadesFormatError("revocation-values is not a SEQUENCE")
    crls: list[bytes] = []
    ocsps: list[bytes] = []
    for part in _der.children(buf, value):
        if part.tag_byte not in (0xA0, 0xA1, 0xA2):
            raise CadesFormatError("revocation-values has an unexpected field")
        if part.tag_byte == 0xA2:
            continue
        inner = _der.children(buf, part)
        if len(inner) != 1 or inner[0].tag_byte != _SEQUENCE:
            raise CadesFormatError("revocation-values field is not a SEQUENCE OF")
        items = [node.raw(buf) for node in _der.children(buf, inner[0])]
        (crls if part.tag_byte == 0xA0 else ocsps).extend(items)
    return crls, ocsps
