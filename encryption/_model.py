"""What an envelope says about itself: :class:`EnvelopeInfo`, :class:`RecipientSummary`.

Frozen values with ``to_json()`` (DESIGN.md §2.11). They describe the structure and the
recipients (RFC 5652 §6.1, §6.2; RFC 5083 §2.1) and never contain plaintext or key material.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from encryption._algorithms import (
    ContentCipher,
    EnvelopeKind,
    RecipientIdType,
    RecipientKind,
)
from encryption._ber import Tlv, integer, parse

__all__ = ["CertificateId", "DecryptResult", "EnvelopeInfo", "RecipientSummary"]


@dataclass(frozen=True)
class CertificateId:
    """The ways a RecipientInfo can name a certificate (RFC 5652 §6.2.1)."""

    issuer_der: bytes
    serial_number: int
    subject_key_identifier: bytes | None

    @classmethod
    def of(cls, certificate: x509.Certificate, der: bytes | None = None) -> CertificateId:
        """Issuer taken from the certificate's exact DER bytes (never re-encoded), serial, SKI.

        ``der`` is the certificate as received (e.g. :attr:`keys.KeyHolder.certificate_der`);
        by default the bytes ``cryptography`` kept when it loaded ``certificate``.
        """
        if der is None:
            der = certificate.public_bytes(serialization.Encoding.DER)
        tbs = parse(der, "certificate").children[0]
        fields = list(tbs.children)
        if fields and fields[0].is_context(0):  # explicit version
            fields.pop(0)
        issuer: Tlv = fields[2]
        try:
            ski: bytes | None = certificate.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            ).value.digest
        except x509.ExtensionNotFound:
            ski = None
        return cls(issuer.raw, integer(fields[0], "certificate serial"), ski)


def describe_name(der: bytes) -> str:
    """Readable form of a DER Name, for messages and reports only (never compared)."""
    try:
        from asn1crypto import x509 as asn1_x509

        name: Any = asn1_x509.Name.load(der)
        return str(name.human_friendly)
    except Exception:
        return der.hex()


@dataclass(frozen=True)
class RecipientSummary:
    """One recipient of the envelope: who it is for and how its key is protected.

    For key agreement each RecipientEncryptedKey is one summary (they share the originator
    key). ``issuer_der`` keeps the identifier's exact bytes; matching compares those bytes with
    the certificate's issuer bytes (signatures.md §7.9 step 1).
    """

    kind: RecipientKind
    id_type: RecipientIdType | None
    issuer_der: bytes | None
    serial_number: int | None
    subject_key_identifier: bytes | None
    key_encryption_algorithm: str
    key_encryption_name: str
    key_wrap_algorithm: str | None = None
    key_wrap_name: str | None = None
    version: int | None = None

    @property
    def issuer(self) -> str | None:
        """The issuer as readable text (``None`` when identified by key identifier)."""
        return None if self.issuer_der is None else describe_name(self.issuer_der)

    def matches(self, certificate: x509.Certificate | CertificateId) -> bool:
        """True if this RecipientInfo names ``certificate`` (DER issuer + serial, or SKI)."""
        cid = (
            certificate if isinstance(certificate, CertificateId) else CertificateId.of(certificate)
        )
        if self.id_type is RecipientIdType.ISSUER_SERIAL:
            return self.issuer_der == cid.issuer_der and self.serial_number == cid.serial_number
        if self.id_type is RecipientIdType.SUBJECT_KEY_IDENTIFIER:
            return (
                cid.subject_key_identifier is not None
                and self.subject_key_identifier == cid.subject_key_identifier
            )
        return False

    def describe(self) -> str:
        """One line naming the recipient, for messages."""
        if self.id_type is RecipientIdType.ISSUER_SERIAL:
            return f"issuer {self.issuer!r}, serial {self.serial_number:#x}"
        if self.id_type is RecipientIdType.SUBJECT_KEY_IDENTIFIER:
            assert self.subject_key_identifier is not None
            return f"subject key identifier {self.subject_key_identifier.hex()}"
        return f"{self.kind.value} recipient"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "id_type": None if self.id_type is None else self.id_type.value,
            "issuer": self.issuer,
            "serial_number": None if self.serial_number is None else f"{self.serial_number:x}",
            "subject_key_identifier": (
                None if self.subject_key_identifier is None else self.subject_key_identifier.hex()
            ),
            "key_encryption_algorithm": self.key_encryption_algorithm,
            "key_encryption_name": self.key_encryption_name,
            "key_wrap_algorithm": self.key_wrap_algorithm,
            "key_wrap_name": self.key_wrap_name,
            "version": self.version,
        }


@dataclass(frozen=True)
class EnvelopeInfo:
    """The structure of an envelope (signatures.md §7.3, §7.6), without any plaintext.

    ``cipher`` is ``None`` when the content-encryption algorithm is not one this library
    decrypts; ``content_encryption_algorithm`` always holds its OID and
    ``content_encryption_name`` a readable name (e.g. ``3DES (des-ede3-cbc)``).
    ``encrypted_content_length`` is the number of ciphertext bytes (for GCM the tag is not
    included). ``definite_length`` is False when any outer element uses BER indefinite length;
    ``constructed_content`` is True when the ciphertext is split into OCTET STRING segments.
    """

    kind: EnvelopeKind
    version: int
    content_type: str
    content_encryption_algorithm: str
    content_encryption_name: str
    cipher: ContentCipher | None
    recipients: tuple[RecipientSummary, ...]
    encrypted_content_length: int | None
    definite_length: bool
    constructed_content: bool
    icv_length: int | None = None
    has_originator_info: bool = False
    has_unprotected_attributes: bool = False
    has_authenticated_attributes: bool = False
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.name,
            "content_type_oid": self.kind.oid,
            "version": self.version,
            "content_type": self.content_type,
            "content_encryption_algorithm": self.content_encryption_algorithm,
            "content_encryption_name": self.content_encryption_name,
            "cipher": None if self.cipher is None else self.cipher.name,
            "recipients": [r.to_dict() for r in self.recipients],
            "encrypted_content_length": self.encrypted_content_length,
            "definite_length": self.definite_length,
            "constructed_content": self.constructed_content,
            "icv_length": self.icv_length,
            "has_originator_info": self.has_originator_info,
            "has_unprotected_attributes": self.has_unprotected_attributes,
            "has_authenticated_attributes": self.has_authenticated_attributes,
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class DecryptResult:
    """Outcome of a successful decryption.

    ``recipient`` is the RecipientInfo that was used (selected by identifier, signatures.md
    §7.9); ``legacy_algorithms`` names every legacy algorithm accepted because ``legacy=True``
    was given (empty otherwise), so callers can report it. ``notes`` mentions a decryption
    certificate outside its validity period: decryption does not need a valid certificate
    (archived packages), but the report should say so (signatures.md §7.9 step 6).
    """

    info: EnvelopeInfo
    recipient: RecipientSummary
    plaintext_length: int
    legacy_algorithms: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
