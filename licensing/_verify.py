"""Reading and verifying licence files: bytes → trusted :class:`~licensing.Licence`.

Procedure (each step has its own error, signatures.md §8; DESIGN.md §2.6 "verification returns
what it verified and needs an explicit trust policy"):

1. Read at most 1 MiB from a path, bytes, XML text or binary stream.
2. Password-protected container → decrypt (:mod:`licensing._protect`).
3. Hardened parse: no DTD, no entities, no network; root must be our ``Licence``.
4. Exactly one ``ds:Signature`` in the whole document, and it is the last child of the root
   (enveloped). Anything else — a wrapped copy, a second signature, a signature deeper in the
   tree — is refused before any cryptography (XML signature wrapping defences).
5. The authority is the certificate in ``KeyInfo`` **only if** that exact certificate is one of
   the trusted authorities (:mod:`licensing._authorities`); the signature is then verified with
   signxml against the *trusted* copy (``XMLVerifier.verify(x509_cert=...)``), with the expected
   signature location, one reference, SHA-2 algorithms only and the authority's validity checked
   at the licence's ``IssuedAt``.
6. The verified ``SignedInfo`` must use exclusive c14n, a single ``Reference URI=""`` (the whole
   document) and exactly the transforms enveloped-signature + exclusive c14n.
7. Fields are read **only from signxml's ``signed_xml``** — the canonicalised bytes that were
   digested — never from the document as received ("see what is signed"), strictly.
8. A test-only authority must have signed a test licence.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import cryptography.exceptions
from cryptography import x509
from lxml import etree
from signxml import (  # type: ignore[attr-defined]
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLVerifier,
)
from signxml.exceptions import InvalidCertificate, SignXMLException

from licensing._authorities import Authority, find_authority
from licensing._model import Licence, format_instant
from licensing._protect import is_protected, unprotect
from licensing._xml import (
    DS_NS,
    MAX_LICENCE_BYTES,
    hardened_parser,
    parse_document,
    read_fields,
    read_issued_at,
)
from licensing.errors import (
    LicenceError,
    LicenceMalformedError,
    LicenceTamperedError,
    LicenceUntrustedError,
)

__all__ = ["LicenceReport", "LicenceSource", "inspect_licence", "load_licence", "verify_xml"]

LicenceSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
_DIGESTS = frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512})
_NS = {"ds": DS_NS}
# Whatever goes wrong inside the verifier, the document is not trustworthy. These are the
# exceptions signxml / lxml / cryptography raise on hostile input (incl. schema validation).
_VERIFY_FAILURES: tuple[type[BaseException], ...] = (
    SignXMLException,
    cryptography.exceptions.InvalidSignature,
    etree.LxmlError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
)


def read_source(source: LicenceSource) -> tuple[bytes, str]:
    """The raw bytes of ``source`` and a description for messages.

    ``str`` is a path, except text that starts with ``<`` (after whitespace), which is the XML
    itself — a licence read into a string can be passed as is.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), "the given bytes"
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return source.encode("utf-8"), "the given XML text"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            with path.open("rb") as stream:
                data = stream.read(MAX_LICENCE_BYTES + 1)
        except OSError as exc:
            raise LicenceMalformedError(
                f"Cannot read the licence file {os.fspath(path)!r}: {exc.strerror or exc}. "
                "Check the path and the file permissions."
            ) from exc
        return data, repr(os.fspath(path))
    try:
        data = source.read(MAX_LICENCE_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise LicenceMalformedError(f"Cannot read the licence stream: {exc}.") from exc
    if not isinstance(data, bytes):
        raise LicenceMalformedError("The licence stream must be binary (opened with 'rb').")
    return data, "the given stream"


def _untrusted_message(der: bytes) -> str:
    try:
        subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except ValueError:
        subject = "an unreadable certificate"
    return (
        f"The licence is signed by '{subject}', which is not a trusted licence authority. Use a "
        "licence issued by the eyazisma licence authority (or, if your deployment runs its own "
        "authority, call licensing.trust_authority with its certificate first)."
    )


def _signature_element(root: etree._Element) -> etree._Element:
    signatures = list(root.iter(f"{{{DS_NS}}}Signature"))
    if not signatures:
        raise LicenceTamperedError(
            "The licence has no signature. Use the signed file issued by the licence authority."
        )
    if len(signatures) > 1:
        raise LicenceTamperedError(
            "The licence contains more than one signature; a licence has exactly one. The "
            "file was altered; use the file as issued."
        )
    signature = signatures[0]
    last = [c for c in root if isinstance(c.tag, str)][-1]
    if signature.getparent() is not root or last is not signature:
        raise LicenceTamperedError(
            "The licence signature is not where a licence keeps it (last child of Licence). "
            "The file was altered; use the file as issued."
        )
    return signature


def _embedded_certificate(signature: etree._Element) -> bytes:
    texts = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    if len(texts) != 1 or not texts[0].text:
        raise LicenceUntrustedError(
            "The licence signature does not name exactly one authority certificate, so its "
            "authority cannot be identified. Use the file as issued."
        )
    try:
        return base64.b64decode("".join(texts[0].text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LicenceTamperedError("The licence's authority certificate is damaged.") from exc


def _check_signed_info(signature: etree._Element) -> None:
    signed_info = signature.find("ds:SignedInfo", _NS)
    assert signed_info is not None  # signxml verified it
    c14n = signed_info.find("ds:CanonicalizationMethod", _NS)
    references = signed_info.findall("ds:Reference", _NS)
    if c14n is None or c14n.get("Algorithm") != _EXC_C14N or len(references) != 1:
        raise LicenceTamperedError(
            "The licence signature does not have the shape eyazisma licences use (exclusive "
            "c14n, one reference); the file was altered."
        )
    reference = references[0]
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", _NS)]
    if reference.get("URI") != "" or transforms != [_ENVELOPED, _EXC_C14N]:
        raise LicenceTamperedError(
            "The licence signature does not cover the whole licence (it must reference the "
            "entire document); the file was altered or forged."
        )


def verify_xml(xml: bytes, *, protected: bool = False) -> Licence:
    """Verify signed licence XML against the trusted authorities (module docs, steps 3-8)."""
    return verify_with(xml, find_authority, protected=protected)


def verify_with(
    xml: bytes, find: Callable[[bytes], Authority | None], *, protected: bool = False
) -> Licence:
    """:func:`verify_xml` with another authority lookup (the issuing tool checks its output
    against the authority it signed with, which need not be trusted by this process)."""
    root = parse_document(xml)
    signature = _signature_element(root)
    der = _embedded_certificate(signature)
    authority = find(der)
    if authority is None:
        raise LicenceUntrustedError(_untrusted_message(der))
    issued_at = read_issued_at(root)
    config = SignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=_SIGNATURE_METHODS,
        digest_algorithms=_DIGESTS,
        verification_time=issued_at,
    )
    try:
        result: Any = XMLVerifier().verify(
            xml,
            x509_cert=authority.certificate,
            parser=hardened_parser(),
            expect_config=config,
        )
    except InvalidCertificate as exc:
        raise LicenceUntrustedError(
            f"The licence was issued at {format_instant(issued_at)}, outside the validity of "
            f"the authority certificate '{authority.name}'. Ask the licence authority for a "
            "new licence."
        ) from exc
    except _VERIFY_FAILURES as exc:
        raise LicenceTamperedError(
            "The licence signature does not verify: the file was changed after it was issued "
            "or is damaged. Use the file as issued by the licence authority."
        ) from exc
    _check_signed_info(result.signature_xml)
    signed = result.signed_xml
    if signed is None:
        raise LicenceTamperedError("The signed part of the licence is not XML; refused.")
    fields = read_fields(signed)
    if fields.issued_at != issued_at:
        raise LicenceTamperedError("The licence's IssuedAt differs from the signed one.")
    if authority.test_only and not fields.test:
        raise LicenceUntrustedError(
            f"The licence is a production licence signed by the {authority.name!r} authority, "
            "which is trusted for test licences only. Use a production licence issued by the "
            "eyazisma licence authority."
        )
    return Licence(
        licence_id=fields.licence_id,
        issued_at=fields.issued_at,
        licensee=fields.licensee,
        products=fields.products,
        not_before=fields.not_before,
        not_after=fields.not_after,
        maintenance_start=fields.maintenance_start,
        maintenance_end=fields.maintenance_end,
        test=fields.test,
        authority=authority.certificate,
        xml=xml,
        renews=fields.renews,
        other_products=fields.other_products,
        protected=protected,
    )


def load_licence(
    source: LicenceSource,
    password: str | None = None,
    *,
    extra_authorities: Iterable[x509.Certificate] = (),
) -> Licence:
    """Read, decrypt if protected, and verify a licence; does not install it (see
    :func:`licensing.set_license_xml`).

    ``extra_authorities`` are trusted for this call only, like :func:`licensing.trust_authority`
    without the process-wide effect (the issuing tool reads a previous licence of its own
    authority with it).
    """
    data, _ = read_source(source)
    protected = is_protected(data)
    xml = unprotect(data, password) if protected else data
    extra = [
        Authority(cert, test_only=False, builtin=False, name=cert.subject.rfc4514_string())
        for cert in extra_authorities
    ]

    def find(der: bytes) -> Authority | None:
        return find_authority(der) or next((a for a in extra if a.der == der), None)

    return verify_with(xml, find, protected=protected)


@dataclass(frozen=True)
class LicenceReport:
    """What :func:`inspect_licence` found: a verified licence, or the error and what was shown.

    ``unverified`` holds the fields as written in the file when they could be read but the
    signature or trust failed; they are for display only and must not be acted upon.
    """

    licence: Licence | None
    error: LicenceError | None
    unverified: Mapping[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return self.licence is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "error": (
                {"code": self.error.code, "message": self.error.message} if self.error else None
            ),
            "licence": self.licence.to_dict() if self.licence else None,
            "unverified_fields": dict(self.unverified) if self.unverified else None,
        }


def _unverified_fields(xml: bytes) -> Mapping[str, Any] | None:
    try:
        root = parse_document(xml)
        fields = read_fields(root)
    except LicenceError:
        return None
    return {
        "licence_id": str(fields.licence_id),
        "issued_at": format_instant(fields.issued_at),
        "kind": "test" if fields.test else "production",
        "licensee": fields.licensee.to_dict(),
        "products": sorted(p.value for p in fields.products) + list(fields.other_products),
        "not_before": format_instant(fields.not_before),
        "not_after": format_instant(fields.not_after),
        "maintenance_start": format_instant(fields.maintenance_start),
        "maintenance_end": format_instant(fields.maintenance_end),
        "renews": fields.renews.to_dict() if fields.renews else None,
    }


def inspect_licence(source: LicenceSource, password: str | None = None) -> LicenceReport:
    """Like :func:`load_licence` but returns a report instead of raising on a bad licence.

    Unreadable input (missing file, wrong password, not XML) still raises: there is nothing to
    report on.
    """
    data, _ = read_source(source)
    protected = is_protected(data)
    xml = unprotect(data, password) if protected else data
    try:
        licence = verify_xml(xml, protected=protected)
    except LicenceTamperedError as exc:  # incl. untrusted; malformed input has nothing to show
        return LicenceReport(None, exc, _unverified_fields(xml))
    return LicenceReport(licence, None)
