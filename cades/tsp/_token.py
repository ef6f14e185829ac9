"""Parse and check RFC 3161 time-stamp tokens (signatures.md §4.4, §5.5).

The token's signed bytes are never re-encoded (DESIGN.md §2.2): the message digest is taken over
the stored ``eContent`` octets and the signature over the stored signed attributes, with only the
``[0] IMPLICIT`` tag swapped for ``SET OF`` as RFC 5652 §5.4 prescribes.
"""

from __future__ import annotations

import hmac
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

from cades._crypto import CryptoCheckError, verify_signature_value
from cades._x509 import build_chain, valid_at
from cades.errors import TimestampMismatchError, TimestampVerificationError

__all__ = [
    "TimeStampResp",
    "TimestampToken",
    "TokenParts",
    "check_token_integrity",
    "check_tsa_usage",
    "read_token",
    "verify_timestamp_token",
]

#: What parsing a hostile token can raise in asn1crypto / cryptography (all mean "malformed").
_MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    x509.InvalidVersion,
    UnsupportedAlgorithm,
)


class TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 §2.4.2 ``TimeStampResp``; asn1crypto's version wrongly makes the token mandatory,
    so rejections (which carry no token) would not parse."""

    _fields = [  # noqa: RUF012 - asn1crypto's declarative schema
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


_ID_KP_TIME_STAMPING = x509.oid.ExtendedKeyUsageOID.TIME_STAMPING

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True)
class TimestampToken:
    """What a verified time-stamp token says (RFC 3161 §2.4.2 TSTInfo).

    ``chain`` is ``(tsa, …, anchor)`` when trust roots were given, else empty: an empty chain
    means the TSA certificate was *not* checked against any anchor.
    """

    token_der: bytes
    tst_info_der: bytes
    gen_time: datetime
    serial_number: int
    policy: str
    hash_algorithm_oid: str
    imprint: bytes
    nonce: int | None
    accuracy: timedelta | None
    tsa_certificate: x509.Certificate
    certificates: tuple[x509.Certificate, ...]
    chain: tuple[x509.Certificate, ...]


def _hash_for(name: str) -> hashes.HashAlgorithm:
    try:
        return _HASHES[name]()
    except KeyError:
        raise TimestampVerificationError(f"unsupported digest algorithm {name} in token") from None


def _digest(name: str, data: bytes) -> bytes:
    ctx = hashes.Hash(_hash_for(name))
    ctx.update(data)
    return ctx.finalize()


def _parse(token_der: bytes) -> tuple[Any, Any, bytes, Any]:
    """Return (signed_data, tst_info, eContent octets, signer_info); raise on bad structure."""
    try:
        info = cms.ContentInfo.load(token_der)
        if info["content_type"].native != "signed_data":
            raise TimestampVerificationError("time-stamp token is not a CMS SignedData")
        signed_data = info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TimestampVerificationError("time-stamp token does not carry a TSTInfo")
        content = encap["content"]
        econtent = bytes(content.contents) if content.contents is not None else b""
        tst_info = tsp.TSTInfo.load(econtent)
        tst_info.native  # force a full parse now, inside the try  # noqa: B018
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise TimestampVerificationError("time-stamp token must have exactly one signer")
        return signed_data, tst_info, econtent, signer_infos[0]
    except TimestampVerificationError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampVerificationError(f"time-stamp token is malformed: {exc}") from exc


def _certificates(signed_data: Any) -> tuple[x509.Certificate, ...]:
    certs: list[x509.Certificate] = []
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        if choice.chosen["tbs_certificate"]["serial_number"].native <= 0:
            # RFC 5280 §4.1.2.2 forbids it and cryptography is deprecating such certificates;
            # skip it (if it was the TSA's, the signer lookup reports a missing certificate).
            continue
        try:
            cert = x509.load_der_x509_certificate(choice.chosen.dump())
        except (ValueError, x509.InvalidVersion) as exc:
            raise TimestampVerificationError(f"token carries a broken certificate: {exc}") from exc
        if _usable(cert):
            certs.append(cert)
    return tuple(certs)


def _usable(cert: x509.Certificate) -> bool:
    """False for a certificate whose names, extensions or key only fail when first used.

    cryptography parses those parts lazily (and warns about some defects); such a certificate
    is skipped like one with a bad serial, instead of failing deep inside a later check.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _ = cert.subject, cert.issuer, list(cert.extensions)
            cert.public_key()
    except (ValueError, Warning, x509.DuplicateExtension, UnsupportedAlgorithm):
        return False
    return True


def _find_signer(sid: Any, certs: Sequence[x509.Certificate]) -> x509.Certificate:
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.serial_number == ias["serial_number"].native and (
                cert.issuer.public_bytes() == ias["issuer"].dump()
            ):
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return cert
    raise TimestampVerificationError(
        "the TSA certificate is not in the token; request it with certReq (§5.5)"
    )


def _attr(signed_attrs: Any, name: str) -> Any:
    found = [a for a in signed_attrs if a["type"].native == name]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        return None
    return found[0]["values"][0]


def _check_signature(
    cert: x509.Certificate, signer_info: Any, signed: bytes, *, allow_sha1: bool = False
) -> None:
    """Verify the token signature with the shared SignerInfo check (signatures.md §1.7)."""
    try:
        verify_signature_value(
            cert,
            signer_info["signature_algorithm"],
            signer_info["digest_algorithm"]["algorithm"].dotted,
            signed,
            signer_info["signature"].native,
            allow_sha1=allow_sha1,
        )
    except CryptoCheckError as exc:
        raise TimestampVerificationError(
            f"the time-stamp token signature is invalid ({exc})"
        ) from exc


def _check_ess(cert: x509.Certificate, signed_attrs: Any) -> None:
    """RFC 3161 §2.4.2 / RFC 5816: signing-certificate(-v2) must name the TSA certificate."""
    from cryptography.hazmat.primitives.serialization import Encoding

    der = cert.public_bytes(Encoding.DER)
    v2 = _attr(signed_attrs, "signing_certificate_v2")
    if v2 is not None:
        first = v2["certs"][0]
        algo = first["hash_algorithm"]["algorithm"].native
        if hmac.compare_digest(_digest(algo, der), first["cert_hash"].native):
            return
        raise TimestampVerificationError("signing-certificate-v2 does not match the TSA cert")
    v1 = _attr(signed_attrs, "signing_certificate")
    if v1 is not None:
        if hmac.compare_digest(_digest("sha1", der), v1["certs"][0]["cert_hash"].native):
            return
        raise TimestampVerificationError("signing-certificate does not match the TSA cert")
    raise TimestampVerificationError("token lacks the ESS signing-certificate(-v2) attribute")


def _check_tsa_usage(cert: x509.Certificate) -> None:
    """§4.4 item 3: EKU id-kp-timeStamping, critical, as the only purpose (RFC 3161 §2.3)."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TimestampVerificationError("TSA certificate has no extended key usage") from None
    if not eku.critical or list(eku.value) != [_ID_KP_TIME_STAMPING]:
        raise TimestampVerificationError(
            "TSA certificate must have a critical EKU with id-kp-timeStamping only"
        )


def _accuracy(value: Any) -> timedelta | None:
    if not value:
        return None
    native = value.native
    return timedelta(
        seconds=native.get("seconds") or 0,
        milliseconds=native.get("millis") or 0,
        microseconds=native.get("micros") or 0,
    )


def verify_timestamp_token(
    token_der: bytes,
    *,
    imprint: bytes,
    hash_algorithm_oid: str,
    nonce: int | None = None,
    policy: str | None = None,
    trust_roots: Sequence[x509.Certificate] = (),
    intermediates: Sequence[x509.Certificate] = (),
    allow_sha1: bool = False,
) -> TimestampToken:
    """Check a token against what was asked for and return what it says.

    Checks (signatures.md §4.4, §5.5): structure; imprint algorithm and bytes; nonce (if given);
    policy (if given); signed attributes (content-type, message-digest); the signature; the
    ESS signing-certificate(-v2) binding; the TSA certificate's EKU; and, when ``trust_roots`` are
    given, a chain to one of them valid at ``genTime``. Raises :class:`TimestampMismatchError`
    when the token answers another question, :class:`TimestampVerificationError` otherwise.
    Token signatures using SHA-1 are refused unless ``allow_sha1`` (§1.7).
    """
    try:
        return _verify(
            token_der,
            imprint,
            hash_algorithm_oid,
            nonce,
            policy,
            trust_roots,
            intermediates,
            allow_sha1,
        )
    except _MALFORMED as exc:
        # asn1crypto parses lazily, so a broken token can fail deep inside any check; a broken
        # embedded certificate fails in cryptography only when its key is used.
        raise TimestampVerificationError(f"time-stamp token is malformed: {exc}") from exc


@dataclass(frozen=True)
class TokenParts:
    """A parsed token before any trust decision (used by :mod:`cades.verify`, §4.4).

    ``tsa_certificate`` is found by the SignerInfo ``sid`` among the token's certificates and
    the ``extra_certificates`` passed to :func:`read_token` (it is ``None`` when absent).
    """

    token_der: bytes
    signed_data: Any = field(repr=False)
    signer_info: Any = field(repr=False)
    tst_info_der: bytes = field(repr=False)
    gen_time: datetime
    serial_number: int
    policy: str
    hash_algorithm_oid: str
    imprint: bytes
    nonce: int | None
    accuracy: timedelta | None
    certificates: tuple[x509.Certificate, ...]
    tsa_certificate: x509.Certificate | None


def read_token(
    token_der: bytes, *, extra_certificates: Sequence[x509.Certificate] = ()
) -> TokenParts:
    """Parse a TimeStampToken (RFC 3161 §2.4.2); raises :class:`TimestampVerificationError`."""
    try:
        signed_data, tst_info, econtent, signer_info = _parse(token_der)
        certs = _certificates(signed_data)
        try:
            tsa_cert: x509.Certificate | None = _find_signer(
                signer_info["sid"], [*certs, *extra_certificates]
            )
        except TimestampVerificationError:
            tsa_cert = None
        mi = tst_info["message_imprint"]
        gen_time = tst_info["gen_time"].native
        if gen_time.tzinfo is None:
            gen_time = gen_time.replace(tzinfo=UTC)
        return TokenParts(
            token_der=token_der,
            signed_data=signed_data,
            signer_info=signer_info,
            tst_info_der=econtent,
            gen_time=gen_time,
            serial_number=int(tst_info["serial_number"].native),
            policy=tst_info["policy"].dotted,
            hash_algorithm_oid=mi["hash_algorithm"]["algorithm"].dotted,
            imprint=bytes(mi["hashed_message"].native),
            nonce=tst_info["nonce"].native,
            accuracy=_accuracy(tst_info["accuracy"]),
            certificates=certs,
            tsa_certificate=tsa_cert,
        )
    except TimestampVerificationError:
        raise
    except _MALFORMED as exc:
        raise TimestampVerificationError(f"time-stamp token is malformed: {exc}") from exc


def check_token_integrity(parts: TokenParts, *, allow_sha1: bool = False) -> x509.Certificate:
    """Signed attributes, signature and ESS binding of a token (§4.4 items 1–2).

    Returns the TSA certificate; raises :class:`TimestampVerificationError` with the reason.
    """
    tsa_cert = parts.tsa_certificate
    if tsa_cert is None:
        raise TimestampVerificationError(
            "the TSA certificate is not in the token; request it with certReq (§5.5)"
        )
    signer_info = parts.signer_info
    try:
        signed_attrs = signer_info["signed_attrs"]
        if not signed_attrs:
            raise TimestampVerificationError("time-stamp token has no signed attributes")
        content_type = _attr(signed_attrs, "content_type")
        if content_type is None or content_type.native != "tst_info":
            raise TimestampVerificationError("signed content-type attribute is not id-ct-TSTInfo")
        message_digest = _attr(signed_attrs, "message_digest")
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        if message_digest is None or not hmac.compare_digest(
            message_digest.native, _digest(digest_name, parts.tst_info_der)
        ):
            raise TimestampVerificationError("message-digest attribute does not match the TSTInfo")
        # The stored bytes with only the [0] IMPLICIT tag swapped (RFC 5652 §5.4).
        signed_bytes = b"\x31" + signed_attrs.dump()[1:]
        _check_signature(tsa_cert, signer_info, signed_bytes, allow_sha1=allow_sha1)
        _check_ess(tsa_cert, signed_attrs)
    except TimestampVerificationError:
        raise
    except _MALFORMED as exc:
        raise TimestampVerificationError(f"time-stamp token is malformed: {exc}") from exc
    return tsa_cert


def check_tsa_usage(cert: x509.Certificate) -> None:
    """§4.4 item 3 (public name of the EKU check)."""
    _check_tsa_usage(cert)


def _verify(
    token_der: bytes,
    imprint: bytes,
    hash_algorithm_oid: str,
    nonce: int | None,
    policy: str | None,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    allow_sha1: bool,
) -> TimestampToken:
    parts = read_token(token_der)
    if parts.hash_algorithm_oid != hash_algorithm_oid or not hmac.compare_digest(
        parts.imprint, imprint
    ):
        raise TimestampMismatchError(
            "the time-stamp covers a different message imprint than requested"
        )
    if nonce is not None and parts.nonce != nonce:
        raise TimestampMismatchError("the time-stamp nonce does not echo the request nonce")
    if policy is not None and parts.policy != policy:
        raise TimestampMismatchError(f"the TSA used policy {parts.policy}, not {policy}")

    tsa_cert = check_token_integrity(parts, allow_sha1=allow_sha1)
    _check_tsa_usage(tsa_cert)

    gen_time = parts.gen_time
    if not valid_at(tsa_cert, gen_time):  # §4.4 item 4, checked even without trust roots
        raise TimestampVerificationError("the TSA certificate was not valid at genTime")
    chain: tuple[x509.Certificate, ...] = ()
    if trust_roots:
        try:
            chain = build_chain(
                tsa_cert,
                roots=trust_roots,
                intermediates=[*parts.certificates, *intermediates],
                at=gen_time,
            )
        except ValueError as exc:
            raise TimestampVerificationError(f"TSA certificate is not trusted: {exc}") from exc
    return TimestampToken(
        token_der=token_der,
        tst_info_der=parts.tst_info_der,
        gen_time=gen_time,
        serial_number=parts.serial_number,
        policy=parts.policy,
        hash_algorithm_oid=parts.hash_algorithm_oid,
        imprint=parts.imprint,
        nonce=parts.nonce,
        accuracy=parts.accuracy,
        tsa_certificate=tsa_cert,
        certificates=parts.certificates,
        chain=chain,
    )
