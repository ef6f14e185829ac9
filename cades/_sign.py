"""Create CAdES-BES/EPES signatures, parallel signers and countersignatures.

signatures.md §2.4 (serial and parallel signers), §2.6 (checks before signing), §3.2 (the CMS
envelope), §3.3 (BES), §3.4 (EPES), §3.11 (DER and byte preservation, self-check). The SignedData
is assembled from TLVs (:mod:`cades._attributes`) so each byte is deliberate; existing
signatures are only ever extended by splicing (:mod:`cades._view`). Every public function
re-parses and re-verifies its own output before returning it (§3.11 rule 7).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from cades import _attributes as attrs
from cades import _der, _view
from cades._asn1 import Oid
from cades._ats import ats_hash_index_entries, ats_v3_imprint, parse_ats_hash_index
from cades._crypto import CryptoCheckError, digest, digest_name, verify_signature_value
from cades._view import SignedDataView, SignerInfoView
from cades.errors import (
    CadesError,
    CadesFormatError,
    SignerCertificateError,
    SigningError,
    TimestampError,
)
from cades.profiles import Profile
from cades.tsp import verify_timestamp_token
from keys._mechanisms import KeyAlgorithm, SignatureMechanism
from keys._protocols import Signer
from keys.errors import EYazismaError

__all__ = [
    "ContentSource",
    "SignerCheck",
    "add_parallel_signer",
    "certificate_for_sid",
    "content_digests",
    "countersign",
    "self_check",
    "sign",
    "token_imprint",
]

#: Content to sign: bytes, a binary stream, or a path to a file.
ContentSource = bytes | bytearray | memoryview | BinaryIO | os.PathLike[str]
#: Hook run on the signer certificate before the key is used (§2.6; EYP: revocation, kind).
SignerCheck = Callable[[x509.Certificate], None]

_SEQUENCE = 0x30
_SET = 0x31
_OCTET_STRING = 0x04
_CTX0 = 0xA0
_CHUNK = 1 << 20
_SUPPORTED_DIGESTS = (Oid.SHA256, Oid.SHA384, Oid.SHA512)
_ARCHIVE_OIDS = (Oid.ARCHIVE_TIME_STAMP_V1, Oid.ARCHIVE_TIME_STAMP_V2, Oid.ARCHIVE_TIME_STAMP_V3)
_FROZEN_OIDS = (Oid.ARCHIVE_TIME_STAMP_V1, Oid.ARCHIVE_TIME_STAMP_V2)
_EC_MECHANISMS = {
    "secp256r1": SignatureMechanism.ECDSA_SHA256,
    "secp384r1": SignatureMechanism.ECDSA_SHA384,
    "secp521r1": SignatureMechanism.ECDSA_SHA512,
}


# --- content ---------------------------------------------------------------------------------


def _chunks(content: ContentSource) -> Iterable[bytes]:
    if isinstance(content, bytes | bytearray | memoryview):
        yield bytes(content)
        return
    if isinstance(content, os.PathLike):
        try:
            with Path(os.fspath(content)).open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    yield chunk
        except OSError as exc:
            raise SigningError(f"cannot read the content file: {exc.strerror}") from exc
        return
    read = getattr(content, "read", None)
    if read is None:
        raise SigningError("content must be bytes, a binary stream or a path (os.PathLike)")
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            return
        if not isinstance(chunk, bytes | bytearray):
            raise SigningError("the content stream must be opened in binary mode")
        yield bytes(chunk)


def content_digests(
    content: ContentSource, digest_oids: Iterable[str], *, keep: bool = False
) -> tuple[dict[str, bytes], bytes | None]:
    """Hash ``content`` in one pass under every OID; ``keep`` also returns the bytes.

    Streams and files are read in 1 MiB chunks, so detached signing holds no content in memory
    (DESIGN.md §2.9). Attached content has to be embedded and is therefore kept.
    """
    oids = tuple(dict.fromkeys(digest_oids))
    hashers = {oid: hashlib.new(digest_name(oid)) for oid in oids}
    kept: list[bytes] | None = [] if keep else None
    for chunk in _chunks(content):
        for hasher in hashers.values():
            hasher.update(chunk)
        if kept is not None:
            kept.append(chunk)
    return (
        {oid: hasher.digest() for oid, hasher in hashers.items()},
        b"".join(kept) if kept is not None else None,
    )


# --- certificates ----------------------------------------------------------------------------


def _cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def certificate_for_sid(sid_der: bytes, candidates: Iterable[bytes]) -> bytes | None:
    """The certificate DER (as stored) a SignerIdentifier names, or ``None``.

    issuerAndSerialNumber is compared byte-for-byte with the certificate's issuer and serial
    (§3.11 rule 5); ``[0] subjectKeyIdentifier`` with the certificate's SKI extension.
    """
    for candidate in candidates:
        if sid_der[0] == _SEQUENCE:
            try:
                if attrs.issuer_and_serial_number(candidate) == sid_der:
                    return candidate
            except CadesFormatError:
                continue
        elif sid_der[0] == 0x80:
            key_id = _der.read_tlv(sid_der, 0).content(sid_der)
            try:
                cert = x509.load_der_x509_certificate(candidate)
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except (ValueError, x509.ExtensionNotFound):
                continue
            if ski.value.digest == key_id:
                return candidate
    return None


def _signer_certificate_pool(view: SignedDataView) -> list[bytes]:
    """SignedData.certificates plus every certificate-values attribute, as stored."""
    pool = list(view.certificates_der())
    for signer in view.all_signers():
        for attribute in signer.unsigned(Oid.CERTIFICATE_VALUES):
            for value in attribute.value_tlvs:
                pool.extend(c.raw(view.buf) for c in _der.children(view.buf, value))
    return pool


def _check_certificate(cert: x509.Certificate, moments: Iterable[datetime]) -> None:
    """§2.6: validity at the signing time and now, no CA certificate, a signing key usage."""
    for moment in moments:
        if moment < cert.not_valid_before_utc:
            raise SignerCertificateError(
                f"the signer certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
                f" (checked at {moment:%Y-%m-%d %H:%M:%S}Z); check the computer clock"
            )
        if moment > cert.not_valid_after_utc:
            raise SignerCertificateError(
                f"the signer certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}; "
                "renew it before signing"
            )
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if basic.ca:
            raise SignerCertificateError("a CA certificate cannot be used to sign documents")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SignerCertificateError(
            "the certificate's key usage allows neither digitalSignature nor nonRepudiation; "
            "choose a signing certificate"
        )


def _choose_mechanism(signer: Signer, mechanism: SignatureMechanism | None) -> SignatureMechanism:
    key_type = signer.key_type
    if mechanism is None:
        if key_type.algorithm is KeyAlgorithm.RSA:
            mechanism = SignatureMechanism.RSA_PKCS1_SHA256
        else:
            chosen = _EC_MECHANISMS.get(key_type.curve or "")
            if chosen is None:
                raise SigningError(f"no default ECDSA mechanism for curve {key_type.curve}")
            mechanism = chosen
    if mechanism.key_algorithm is not key_type.algorithm:
        raise SigningError(f"mechanism {mechanism.value} does not fit a {key_type} key")
    if mechanism.is_legacy:
        raise SigningError("SHA-1 signatures are not written (signatures.md §1.7)")
    if mechanism not in signer.supported_mechanisms:
        raise SigningError(f"the key does not support {mechanism.value}")
    return mechanism


# --- building --------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _signing_moment(signing_time: datetime | None) -> datetime:
    if signing_time is None:
        return _utc_now()
    if signing_time.tzinfo is None:
        raise SigningError("signing_time must be timezone-aware (UTC)")
    return signing_time.astimezone(UTC).replace(microsecond=0)


def _check_digest_oid(digest_oid: str) -> None:
    if digest_oid not in _SUPPORTED_DIGESTS:
        raise SigningError(
            f"digest {digest_oid} is not written; use SHA-256 (or SHA-384/512), §1.7"
        )


def _signed_attribute_set(
    signer: Signer,
    *,
    profile: Profile,
    message_digest: bytes,
    content_type: str | None,
    mime_type: str | None,
    moment: datetime,
    commitment_type: str | None,
    signer_location: attrs.SignerLocationInfo | None,
) -> list[bytes]:
    """The §1.3 attribute set for ``profile``; content-type is ``None`` for countersigners."""
    cert_der = signer.certificate_der
    found: list[bytes] = []
    if content_type is not None:
        found.append(attrs.content_type_attribute(content_type))
    found.append(attrs.message_digest_attribute(message_digest))
    found.append(attrs.signing_time_attribute(moment))
    found.append(
        attrs.signing_certificate_v2_attribute(cert_der, Oid.SHA256, digest(Oid.SHA256, cert_der))
    )
    if profile is not Profile.P1:
        found.append(attrs.signature_policy_attribute(profile))
    if mime_type is not None:
        found.append(attrs.mime_type_attribute(mime_type))
    if commitment_type is not None:
        found.append(attrs.commitment_type_attribute(commitment_type))
    if signer_location is not None:
        found.append(attrs.signer_location_attribute(signer_location))
    return found


def _signer_info(
    signer: Signer,
    mechanism: SignatureMechanism,
    digest_oid: str,
    signed_attributes: list[bytes],
) -> bytes:
    """SignerInfo v1 (RFC 5652 §5.3) with DER-sorted signed attributes (§3.3, §3.11 rule 1)."""
    content = attrs.der_set_of(signed_attributes)
    order = []
    cursor = 0
    while cursor < len(content):
        node = _der.read_tlv(content, cursor)
        order.append(node.raw(content))
        cursor = node.end
    if not attrs.is_der_sorted(order):  # pragma: no cover - der_set_of guarantees it
        raise SigningError("internal error: signed attributes are not in DER order")
    to_sign = _der.tlv(_SET, content)
    try:
        signature = signer.sign(to_sign, mechanism)
    except EYazismaError:
        raise
    except Exception as exc:  # a foreign Signer implementation failed
        raise SigningError(f"the key could not sign: {exc}") from exc
    return _der.tlv(
        _SEQUENCE,
        attrs.integer_der(1)
        + attrs.issuer_and_serial_number(signer.certificate_der)
        + attrs.algorithm_identifier_der(digest_oid)
        + _der.tlv(_CTX0, content)
        + attrs.signature_algorithm_der(mechanism)
        + _der.tlv(_OCTET_STRING, signature),
    )


def _prepare(
    signer: Signer,
    *,
    signing_time: datetime | None,
    mechanism: SignatureMechanism | None,
    digest_oid: str,
    check: SignerCheck | None,
) -> tuple[datetime, SignatureMechanism]:
    """Everything that must pass before the key is touched (§2.6)."""
    _check_digest_oid(digest_oid)
    moment = _signing_moment(signing_time)
    cert = signer.certificate
    _check_certificate(cert, {moment, _utc_now()})
    chosen = _choose_mechanism(signer, mechanism)
    if chosen.is_pss and chosen.hash_algorithm.oid != digest_oid:
        # RFC 4056 §3: one hash for the message digest and the PSS signature.
        raise SigningError(f"{chosen.value} needs digest_oid {chosen.hash_algorithm.oid}")
    if check is not None:
        check(cert)
    return moment, chosen


def _mime_for(profile: Profile, mime_type: str | None) -> str | None:
    if mime_type is None and profile.mime_type_required:
        raise SigningError(f"profile {profile.value} requires a mime-type (signatures.md §1.3)")
    return mime_type


def sign(
    content: ContentSource,
    signer: Signer,
    *,
    profile: Profile = Profile.P4,
    detached: bool = False,
    mime_type: str | None = "application/octet-stream",
    signing_time: datetime | None = None,
    commitment_type: str | None = None,
    signer_location: attrs.SignerLocationInfo | None = None,
    digest_oid: str = Oid.SHA256,
    mechanism: SignatureMechanism | None = None,
    extra_certificates: Sequence[x509.Certificate] = (),
    check: SignerCheck | None = None,
) -> bytes:
    """Sign ``content`` and return a DER ContentInfo: CAdES-BES (P1) or -EPES (P2–P4).

    Shape (§3.2): SignedData v1, ``digestAlgorithms {digest_oid}``, id-data attached (or
    detached), ``certificates`` = the signer's certificate plus ``extra_certificates``, no
    crls. Signed attributes (§1.3): content-type, message-digest, signing-time,
    signing-certificate-v2, signature-policy-identifier (P2–P4), mime-type, optional
    commitment-type-indication and signer-location. The certificate is checked (validity at
    ``signing_time`` and now, not a CA, signing key usage) and ``check`` runs before the key
    is used; a failure raises :class:`SignerCertificateError` (§2.6).
    """
    moment, chosen = _prepare(
        signer, signing_time=signing_time, mechanism=mechanism, digest_oid=digest_oid, check=check
    )
    mime = _mime_for(profile, mime_type)
    digests, data = content_digests(content, [digest_oid], keep=not detached)
    signed = _signed_attribute_set(
        signer,
        profile=profile,
        message_digest=digests[digest_oid],
        content_type=Oid.DATA,
        mime_type=mime,
        moment=moment,
        commitment_type=commitment_type,
        signer_location=signer_location,
    )
    signer_info = _signer_info(signer, chosen, digest_oid, signed)
    encap = attrs.oid_der(Oid.DATA)
    if data is not None:
        encap += _der.tlv(_CTX0, _der.tlv(_OCTET_STRING, data))
    certificates = [signer.certificate_der]
    for extra in extra_certificates:
        der = _cert_der(extra)
        if der not in certificates:
            certificates.append(der)
    signed_data = _der.tlv(
        _SEQUENCE,
        attrs.integer_der(1)
        + _der.tlv(_SET, attrs.algorithm_identifier_der(digest_oid))
        + _der.tlv(_SEQUENCE, encap)
        + _der.tlv(_CTX0, b"".join(certificates))
        + _der.tlv(_SET, signer_info),
    )
    output = _der.tlv(_SEQUENCE, attrs.oid_der(Oid.SIGNED_DATA) + _der.tlv(_CTX0, signed_data))
    self_check(output, content_digests=digests)
    return output


def _refuse_archived(view: SignedDataView, oids: Sequence[str], what: str) -> None:
    for candidate in view.all_signers():
        for oid in oids:
            if candidate.unsigned(oid):
                raise SigningError(
                    f"signer {candidate.path} carries an archive time-stamp; {what} would "
                    "invalidate it (signatures.md §2.4, §3.9.2)"
                )


def _add_certificates(data: bytes, certificates: Sequence[bytes]) -> bytes:
    view = _view.parse_signed_data(data)
    present = set(view.certificates_der())
    new = [c for c in dict.fromkeys(certificates) if c not in present]
    return _view.add_certificates(view, new)


def add_parallel_signer(
    signature: bytes,
    signer: Signer,
    *,
    content: ContentSource | None = None,
    profile: Profile = Profile.P4,
    mime_type: str | None = "application/octet-stream",
    signing_time: datetime | None = None,
    commitment_type: str | None = None,
    signer_location: attrs.SignerLocationInfo | None = None,
    digest_oid: str = Oid.SHA256,
    mechanism: SignatureMechanism | None = None,
    extra_certificates: Sequence[x509.Certificate] = (),
    check: SignerCheck | None = None,
) -> bytes:
    """Add a parallel SignerInfo over the same eContent (§2.4).

    ``content`` is needed only for a detached signature (for an attached one it must equal the
    eContent if given). Refused when any signer carries an archive time-stamp. The signer's
    certificate is appended to ``SignedData.certificates``; existing bytes are kept.
    """
    view = _parse(signature)
    _refuse_archived(view, _ARCHIVE_OIDS, "adding a parallel signer")
    moment, chosen = _prepare(
        signer, signing_time=signing_time, mechanism=mechanism, digest_oid=digest_oid, check=check
    )
    mime = _mime_for(profile, mime_type)
    econtent = view.econtent()
    if econtent is not None:
        message_digest = digest(digest_oid, econtent)
        if content is not None:
            given, _ = content_digests(content, [digest_oid])
            if not hmac.compare_digest(given[digest_oid], message_digest):
                raise SigningError("the given content differs from the signature's eContent")
        digests = None
    else:
        if content is None:
            raise SigningError("the signature is detached: pass the signed content")
        oids = {digest_oid, *(s.digest_algorithm_oid for s in view.signers)}
        digests, _ = content_digests(content, oids)
        message_digest = digests[digest_oid]
    signed = _signed_attribute_set(
        signer,
        profile=profile,
        message_digest=message_digest,
        content_type=view.econtent_type,
        mime_type=mime,
        moment=moment,
        commitment_type=commitment_type,
        signer_location=signer_location,
    )
    signer_info = _signer_info(signer, chosen, digest_oid, signed)
    data = _view.add_digest_algorithm(view, attrs.algorithm_identifier_der(digest_oid))
    data = _add_certificates(
        data, [signer.certificate_der, *(_cert_der(c) for c in extra_certificates)]
    )
    data = _view.add_signer_info(_view.parse_signed_data(data), signer_info)
    self_check(data, content_digests=digests)
    return data


def countersign(
    signature: bytes,
    signer: Signer,
    *,
    target: str = "0",
    profile: Profile = Profile.P4,
    signing_time: datetime | None = None,
    commitment_type: str | None = None,
    signer_location: attrs.SignerLocationInfo | None = None,
    digest_oid: str = Oid.SHA256,
    mechanism: SignatureMechanism | None = None,
    extra_certificates: Sequence[x509.Certificate] = (),
    check: SignerCheck | None = None,
) -> bytes:
    """Add a serial signer as a countersignature on the SignerInfo at path ``target`` (§2.4).

    The countersigner's signed attributes have no content-type and no mime-type; its
    message-digest is ``H(value octets of the target's signature)`` (RFC 5652 §11.4). Its
    certificate is appended to ``SignedData.certificates``. Refused when any signer carries an
    ATSv2 (or v1), or when an ancestor of the target carries any archive time-stamp.
    """
    view = _parse(signature)
    _refuse_archived(view, _FROZEN_OIDS, "countersigning")
    target_view = _signer_at(view, target)
    parts = target.split(".")
    for depth in range(1, len(parts)):
        ancestor = view.signer(".".join(parts[:depth]))
        if any(ancestor.unsigned(oid) for oid in _ARCHIVE_OIDS):
            raise SigningError(
                f"signer {ancestor.path} carries an archive time-stamp over this countersignature"
            )
    moment, chosen = _prepare(
        signer, signing_time=signing_time, mechanism=mechanism, digest_oid=digest_oid, check=check
    )
    signed = _signed_attribute_set(
        signer,
        profile=profile,
        message_digest=digest(digest_oid, target_view.signature_value),
        content_type=None,
        mime_type=None,
        moment=moment,
        commitment_type=commitment_type,
        signer_location=signer_location,
    )
    signer_info = _signer_info(signer, chosen, digest_oid, signed)
    data = _view.add_unsigned_attribute(
        view, target_view, _view.attribute_der(Oid.COUNTER_SIGNATURE, signer_info)
    )
    data = _add_certificates(
        data, [signer.certificate_der, *(_cert_der(c) for c in extra_certificates)]
    )
    self_check(data)
    return data


def _parse(signature: bytes) -> SignedDataView:
    if not isinstance(signature, bytes | bytearray | memoryview):
        raise CadesFormatError("the signature must be given as bytes")
    return _view.parse_signed_data(bytes(signature))


def _signer_at(view: SignedDataView, path: str) -> SignerInfoView:
    try:
        return view.signer(path)
    except CadesFormatError as exc:
        raise SigningError(str(exc)) from exc


# --- self-check (§3.11 rule 7) ---------------------------------------------------------------


def token_imprint(token_der: bytes) -> tuple[str, bytes]:
    """``(hash OID, imprint)`` as a time-stamp token's TSTInfo states them (not yet verified)."""
    try:
        info = asn1_cms.ContentInfo.load(token_der)
        tst = info["content"]["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]
        oid = str(imprint["hash_algorithm"]["algorithm"].dotted)
        return oid, bytes(imprint["hashed_message"].native)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CadesFormatError("a time-stamp token is malformed") from exc


def _token_imprint_algorithm(token_der: bytes) -> str:
    return token_imprint(token_der)[0]


def _check_signer(
    view: SignedDataView,
    signer: SignerInfoView,
    pool: list[bytes],
    expected_digest: bytes | None,
    content_digest: Callable[[str], bytes | None],
) -> None:
    where = f"signer {signer.path}"
    cert_der = certificate_for_sid(signer.sid_tlv.raw(view.buf), pool)
    if cert_der is None:
        raise SigningError(f"self-check: the certificate of {where} is missing")
    signed_bytes = signer.signed_attrs_for_signature
    if signed_bytes is None:
        raise SigningError(f"self-check: {where} has no signed attributes")
    digests = signer.signed(Oid.MESSAGE_DIGEST)
    if len(digests) != 1:
        raise SigningError(f"self-check: {where} needs exactly one message-digest")
    stored = digests[0].values()[0].native
    if expected_digest is not None and not hmac.compare_digest(stored, expected_digest):
        raise SigningError(f"self-check: the message-digest of {where} does not match")
    cert = x509.load_der_x509_certificate(cert_der)
    verify_signature_value(
        cert,
        signer.parsed["signature_algorithm"],
        signer.digest_algorithm_oid,
        signed_bytes,
        signer.signature_value,
    )
    for attribute in signer.unsigned(Oid.SIGNATURE_TIME_STAMP):
        for index in range(len(attribute.value_tlvs)):
            token_der = attribute.value_der(index)
            oid = _token_imprint_algorithm(token_der)
            verify_timestamp_token(
                token_der, imprint=digest(oid, signer.signature_value), hash_algorithm_oid=oid
            )
    for position, attribute in enumerate(signer.unsigned_attributes):
        if attribute.oid == Oid.ARCHIVE_TIME_STAMP_V3:
            _check_ats_v3(view, signer, position, attribute, content_digest)


def _check_ats_v3(
    view: SignedDataView,
    signer: SignerInfoView,
    position: int,
    attribute: _view.AttributeView,
    content_digest: Callable[[str], bytes | None],
) -> None:
    token_der = attribute.value_der()
    token_view = _view.parse_signed_data(token_der)
    indexes = token_view.signers[0].unsigned(Oid.ATS_HASH_INDEX)
    if len(indexes) != 1:
        raise SigningError(f"self-check: the ATSv3 of signer {signer.path} has no hash index")
    index_der = indexes[0].value_der()
    index = parse_ats_hash_index(index_der)
    oid = _token_imprint_algorithm(token_der)
    econtent_digest = None if view.attached else content_digest(oid)
    if not view.attached and econtent_digest is None:
        return  # detached and no content given: the caller vouches for the content
    imprint = ats_v3_imprint(view, signer, index_der, oid, content_digest=econtent_digest)
    verify_timestamp_token(token_der, imprint=imprint, hash_algorithm_oid=oid)
    current = ats_hash_index_entries(view, signer, index.hash_oid, 1, upto=position)
    unsigned = set(index.unsigned_attrs)
    if (
        not set(index.certificates) <= set(current.certificates)
        or not set(index.crls) <= set(current.crls)
        or not (
            unsigned <= set(current.unsigned_whole) or unsigned <= set(current.unsigned_per_value)
        )
    ):
        raise SigningError(f"self-check: the ATS hash index of signer {signer.path} is stale")


def self_check(data: bytes, *, content_digests: dict[str, bytes] | None = None) -> None:
    """Re-parse ``data`` and re-verify every signature value, message-digest and time-stamp
    imprint (§3.11 rule 7). For a detached signature the top-level message-digests are checked
    only when ``content_digests`` (digest OID → value) are given. Raises :class:`SigningError`.
    """
    try:
        view = _view.parse_signed_data(data)
        pool = _signer_certificate_pool(view)
        econtent = view.econtent()

        def top_digest(oid: str) -> bytes | None:
            if econtent is not None:
                return digest(oid, econtent)
            if content_digests is not None:
                return content_digests.get(oid)
            return None

        def walk(signer: SignerInfoView, expected: bytes | None) -> None:
            _check_signer(view, signer, pool, expected, top_digest)
            for counter in signer.counter_signers:
                walk(counter, digest(counter.digest_algorithm_oid, signer.signature_value))

        for top in view.signers:
            walk(top, top_digest(top.digest_algorithm_oid))
    except SigningError:
        raise
    except (CadesError, CryptoCheckError, TimestampError) as exc:
        raise SigningError(f"self-check failed, nothing was written: {exc}") from exc
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise SigningError(f"self-check failed, nothing was written: {exc}") from exc
