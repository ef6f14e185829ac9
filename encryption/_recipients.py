"""RecipientInfos: build them for certificates, parse them, select one, unwrap the CEK.

* RSA recipients: KeyTransRecipientInfo with RSAES-OAEP SHA-256 / MGF1-SHA-256 and an empty
  label (signatures.md §7.4; RFC 5652 §6.2.1, RFC 3560, RFC 4055 §4.1; DER in Appendix A.2).
* EC recipients: KeyAgreeRecipientInfo, ephemeral-static ECDH with
  ``dhSinglePass-stdDH-sha256kdf-scheme`` and ``id-aes256-wrap`` (signatures.md §7.5;
  RFC 5652 §6.2.2, RFC 5753 §3.1; X9.63 KDF over ECC-CMS-SharedInfo, Appendix A.3; RFC 3394).
* Selection (signatures.md §7.9): a RecipientInfo is chosen by comparing its identifier with the
  key's certificate, and the CEK is unwrapped with that one key only. No RecipientInfo is ever
  tried with a key it does not name.

Algorithm problems of a RecipientInfo (unsupported, rejected or legacy) are recorded when it is
parsed and raised only if that RecipientInfo is selected, so an envelope that also carries an
unusual RecipientInfo for somebody else still opens.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from encryption._algorithms import (
    AES256_WRAP,
    ECDH_SHA256_KDF,
    HASH_BY_OID,
    KDF_SCHEMES,
    KEY_WRAPS,
    OID_EC_PUBLIC_KEY,
    OID_MGF1,
    OID_P_SPECIFIED,
    OID_RSA_ENCRYPTION,
    OID_RSAES_OAEP,
    OID_SHA224,
    UNSUPPORTED_KDF_SCHEMES,
    UNSUPPORTED_KEY_WRAPS,
    KdfScheme,
    KeyWrap,
    RecipientIdType,
    RecipientKind,
    hash_name,
)
from encryption._ber import (
    CONTEXT,
    Tlv,
    bit_string,
    integer,
    malformed,
    octets,
    oid,
    parse,
)
from encryption._der import (
    der_bit_string,
    der_integer,
    der_null,
    der_octet_string,
    der_oid,
    der_sequence,
    der_tlv,
)
from encryption._model import CertificateId, RecipientSummary
from encryption.errors import (
    DecryptionFailedError,
    EncryptionError,
    LegacyAlgorithmError,
    MalformedEnvelopeError,
    NoMatchingRecipientError,
    RecipientCertificateError,
    RejectedAlgorithmError,
    UnsupportedAlgorithmError,
)
from keys import (
    Decrypter,
    DecryptPadding,
    HashAlgorithm,
    KeyAgreer,
    KeyAlgorithm,
    KeyHolder,
)
from keys.errors import DecryptionError

__all__ = [
    "DECRYPTION_FAILED_MESSAGE",
    "OAEP_SHA256_ALGORITHM",
    "KeyAgreement",
    "KeyTransport",
    "OtherRecipient",
    "ParsedRecipient",
    "PreparedRecipient",
    "build_recipient_info",
    "decryption_failed",
    "parse_recipient_infos",
    "prepare_recipient",
    "select_recipient",
    "shared_info",
    "unwrap_cek",
]

MIN_RSA_BITS = 2048

DECRYPTION_FAILED_MESSAGE = (
    "Decryption failed: the envelope is damaged or was not encrypted for this key. Ask the "
    "sender for a new copy."
)

# RSAES-OAEP-params with SHA-256 / MGF1-SHA-256 / empty label (signatures.md Appendix A.2).
_SHA256_ALG = der_sequence(der_oid(HashAlgorithm.SHA256.oid), der_null())
OAEP_SHA256_ALGORITHM = der_sequence(
    der_oid(OID_RSAES_OAEP),
    der_sequence(
        der_tlv(0xA0, _SHA256_ALG),
        der_tlv(0xA1, der_sequence(der_oid(OID_MGF1), _SHA256_ALG)),
    ),
)


def decryption_failed() -> DecryptionFailedError:
    """The one error for every decryption failure after the recipient was found (§6.7)."""
    return DecryptionFailedError(DECRYPTION_FAILED_MESSAGE)


def shared_info(wrap: KeyWrap, ukm: bytes | None) -> bytes:
    """DER ECC-CMS-SharedInfo (RFC 5753 §7.2; signatures.md §7.5 step 3, Appendix A.3)."""
    parts = [der_sequence(der_oid(wrap.oid))]
    if ukm is not None:
        parts.append(der_tlv(0xA0, der_octet_string(ukm)))
    parts.append(der_tlv(0xA2, der_octet_string((wrap.key_size * 8).to_bytes(4, "big"))))
    return der_sequence(*parts)


def _kek(z: bytes, scheme: KdfScheme, wrap: KeyWrap, ukm: bytes | None) -> bytes:
    """X9.63 KDF (ANSI X9.63 §5.6.3, RFC 5753 §3.1.2) of Z with the SharedInfo."""
    kdf = X963KDF(
        algorithm=scheme.hash_algorithm.cryptography_hash(),
        length=wrap.key_size,
        sharedinfo=shared_info(wrap, ukm),
    )
    return kdf.derive(z)


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRecipient:
    """A recipient certificate checked for use (key type, size, key usage)."""

    certificate: x509.Certificate
    cert_id: CertificateId
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def _subject(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string() or "(empty subject)"


def prepare_recipient(certificate: x509.Certificate) -> PreparedRecipient:
    """Check that ``certificate`` can receive an envelope (signatures.md §7.2, §7.10).

    Only the certificate's own properties are checked here; path, validity and revocation
    checks (signatures.md §7.7) belong to the caller that chose the certificate.
    """
    if not isinstance(certificate, x509.Certificate):
        raise RecipientCertificateError(
            f"Recipients must be X.509 certificates, got {type(certificate).__name__}."
        )
    subject = _subject(certificate)
    try:
        public_key = certificate.public_key()
    except (ValueError, TypeError) as exc:
        raise RecipientCertificateError(
            f"The public key of recipient certificate {subject!r} cannot be read."
        ) from exc
    key_usage: x509.KeyUsage | None
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise RejectedAlgorithmError(
                f"Recipient certificate {subject!r} has an RSA-{public_key.key_size} key; "
                f"keys shorter than {MIN_RSA_BITS} bits are rejected (signatures.md §7.10). "
                "Ask the recipient for a current encryption certificate.",
                algorithm=f"RSA-{public_key.key_size}",
            )
        if key_usage is not None and not key_usage.key_encipherment:
            raise RecipientCertificateError(
                f"Recipient certificate {subject!r} does not allow keyEncipherment; it is not "
                "an encryption certificate. Use the recipient's encryption certificate."
            )
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if key_usage is not None and not key_usage.key_agreement:
            raise RecipientCertificateError(
                f"Recipient certificate {subject!r} does not allow keyAgreement; it is not an "
                "EC encryption certificate. Use the recipient's encryption certificate."
            )
    else:
        raise RecipientCertificateError(
            f"Recipient certificate {subject!r} has a {type(public_key).__name__.lstrip('_')} "
            "key; only RSA (key transport) and EC (key agreement) recipients are supported "
            "(signatures.md §7.4, §7.5)."
        )
    return PreparedRecipient(certificate, CertificateId.of(certificate), public_key)


def _rid(cert_id: CertificateId, id_type: RecipientIdType, *, kari: bool) -> bytes:
    if id_type is RecipientIdType.ISSUER_SERIAL:
        return der_sequence(cert_id.issuer_der, der_integer(cert_id.serial_number))
    if cert_id.subject_key_identifier is None:
        raise RecipientCertificateError(
            "A recipient certificate has no subjectKeyIdentifier extension; identify "
            "recipients by issuer and serial number (RecipientIdType.ISSUER_SERIAL)."
        )
    ski = cert_id.subject_key_identifier
    if kari:  # rKeyId [0] IMPLICIT RecipientKeyIdentifier (RFC 5652 §6.2.2)
        return der_tlv(0xA0, der_octet_string(ski))
    return der_tlv(0x80, ski)  # subjectKeyIdentifier [0] IMPLICIT (RFC 5652 §6.2.1)


def build_recipient_info(
    recipient: PreparedRecipient, cek: bytes, id_type: RecipientIdType
) -> tuple[bytes, RecipientSummary]:
    """DER RecipientInfo carrying ``cek`` for ``recipient``, and its summary."""
    cid = recipient.cert_id
    rid = _rid(cid, id_type, kari=isinstance(recipient.public_key, ec.EllipticCurvePublicKey))
    by_ski = id_type is RecipientIdType.SUBJECT_KEY_IDENTIFIER
    public_key = recipient.public_key
    if isinstance(public_key, rsa.RSAPublicKey):
        encrypted = public_key.encrypt(
            cek,
            asym_padding.OAEP(
                mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
            ),
        )
        version = 2 if by_ski else 0
        der = der_sequence(
            der_integer(version), rid, OAEP_SHA256_ALGORITHM, der_octet_string(encrypted)
        )
        summary = RecipientSummary(
            RecipientKind.KEY_TRANSPORT,
            id_type,
            None if by_ski else cid.issuer_der,
            None if by_ski else cid.serial_number,
            cid.subject_key_identifier if by_ski else None,
            OID_RSAES_OAEP,
            "RSAES-OAEP (SHA-256, MGF1-SHA-256)",
            version=version,
        )
        return der, summary
    ephemeral = ec.generate_private_key(public_key.curve)
    z = ephemeral.exchange(ec.ECDH(), public_key)
    wrapped = aes_key_wrap(_kek(z, ECDH_SHA256_KDF, AES256_WRAP, None), cek)
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    # originatorKey parameters absent, as OpenSSL writes them (signatures.md §7.5 note).
    originator = der_tlv(
        0xA0, der_tlv(0xA1, der_sequence(der_oid(OID_EC_PUBLIC_KEY)) + der_bit_string(point))
    )
    algorithm = der_sequence(der_oid(ECDH_SHA256_KDF.oid), der_sequence(der_oid(AES256_WRAP.oid)))
    keys = der_sequence(der_sequence(rid, der_octet_string(wrapped)))
    der = der_tlv(0xA1, der_integer(3) + originator + algorithm + keys)
    summary = RecipientSummary(
        RecipientKind.KEY_AGREEMENT,
        id_type,
        None if by_ski else cid.issuer_der,
        None if by_ski else cid.serial_number,
        cid.subject_key_identifier if by_ski else None,
        ECDH_SHA256_KDF.oid,
        ECDH_SHA256_KDF.name,
        AES256_WRAP.oid,
        AES256_WRAP.name,
        version=3,
    )
    return der, summary


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyTransport:
    """A parsed KeyTransRecipientInfo (RFC 5652 §6.2.1)."""

    summary: RecipientSummary
    encrypted_key: bytes
    hash_algorithm: HashAlgorithm | None  # None: PKCS#1 v1.5
    mgf_hash: HashAlgorithm | None
    problem: EncryptionError | None


@dataclass(frozen=True)
class KeyAgreement:
    """One RecipientEncryptedKey of a parsed KeyAgreeRecipientInfo (RFC 5652 §6.2.2)."""

    summary: RecipientSummary
    encrypted_key: bytes
    ephemeral_point: bytes
    curve_oid: str | None
    ukm: bytes | None
    scheme: KdfScheme | None
    wrap: KeyWrap | None
    problem: EncryptionError | None


@dataclass(frozen=True)
class OtherRecipient:
    """KEK, password or other RecipientInfo: listed, never selected."""

    summary: RecipientSummary


ParsedRecipient = KeyTransport | KeyAgreement | OtherRecipient


def _fields(node: Tlv, what: str, minimum: int) -> list[Tlv]:
    if not node.constructed or len(node.children) < minimum:
        raise malformed(what, "missing fields")
    return list(node.children)


def _algorithm(node: Tlv, what: str) -> tuple[str, Tlv | None]:
    """(OID, parameters) of an AlgorithmIdentifier."""
    if not node.is_universal(16) or not node.constructed or not 1 <= len(node.children) <= 2:
        raise malformed(what, "expected an AlgorithmIdentifier")
    params = node.children[1] if len(node.children) == 2 else None
    return oid(node.children[0], what), params


def _is_null_or_absent(params: Tlv | None) -> bool:
    return params is None or (params.is_universal(5) and not params.content)


def _parse_rid(
    node: Tlv, what: str, *, kari: bool
) -> tuple[RecipientIdType, bytes | None, int | None, bytes | None]:
    """(id type, issuer DER, serial, SKI) of a RecipientIdentifier."""
    if node.is_universal(16) and node.constructed:
        fields = _fields(node, what, 2)
        if len(fields) != 2 or not fields[0].is_universal(16):
            raise malformed(what, "invalid issuerAndSerialNumber")
        return RecipientIdType.ISSUER_SERIAL, fields[0].raw, integer(fields[1], what), None
    if node.is_context(0):
        if kari:  # rKeyId [0] IMPLICIT RecipientKeyIdentifier
            fields = _fields(node, what, 1)
            return RecipientIdType.SUBJECT_KEY_IDENTIFIER, None, None, octets(fields[0], what)
        return (
            RecipientIdType.SUBJECT_KEY_IDENTIFIER,
            None,
            None,
            octets(node, what, tag_class=CONTEXT, tag=0),
        )
    raise malformed(what, "unknown recipient identifier")


def _hash_from(node: Tlv | None, what: str) -> tuple[HashAlgorithm | None, str]:
    """Hash of an OAEP hashFunc / MGF1 parameter: (algorithm or None if unknown, name)."""
    if node is None:
        return HashAlgorithm.SHA1, "SHA-1"
    alg_oid, params = _algorithm(node, what)
    if not _is_null_or_absent(params):
        raise malformed(what, "hash parameters must be absent or NULL")
    if alg_oid in HASH_BY_OID:
        return HASH_BY_OID[alg_oid], hash_name(HASH_BY_OID[alg_oid])
    return None, "SHA-224" if alg_oid == OID_SHA224 else alg_oid


def _parse_oaep(
    params: Tlv | None, what: str
) -> tuple[HashAlgorithm | None, HashAlgorithm | None, str, EncryptionError | None]:
    """RSAES-OAEP-params (RFC 4055 §4.1): (hash, MGF hash, display name, problem)."""
    hash_node: Tlv | None = None
    mgf_node: Tlv | None = None
    problem: EncryptionError | None = None
    if params is not None and not _is_null_or_absent(params):
        if not params.is_universal(16) or not params.constructed:
            raise malformed(what, "invalid RSAES-OAEP parameters")
        for field in params.children:
            if not field.constructed or len(field.children) != 1 or field.tag_class != CONTEXT:
                raise malformed(what, "invalid RSAES-OAEP parameters")
            inner = field.children[0]
            if field.tag == 0:
                hash_node = inner
            elif field.tag == 1:
                mgf_node = inner
            elif field.tag == 2:
                source_oid, label = _algorithm(inner, what)
                if source_oid != OID_P_SPECIFIED or label is None:
                    raise malformed(what, "invalid OAEP pSourceFunc")
                if octets(label, what):
                    problem = UnsupportedAlgorithmError(
                        "RSA-OAEP with a non-empty label is not supported (signatures.md §7.4)."
                    )
            else:
                raise malformed(what, "invalid RSAES-OAEP parameters")
    hash_alg, hname = _hash_from(hash_node, what)
    mgf_hash: HashAlgorithm | None = HashAlgorithm.SHA1
    mname = "SHA-1"
    if mgf_node is not None:
        mgf_oid, mgf_params = _algorithm(mgf_node, what)
        if mgf_oid != OID_MGF1:
            name = f"RSA-OAEP with mask generation function {mgf_oid}"
            return (
                hash_alg,
                None,
                name,
                UnsupportedAlgorithmError(
                    f"{name} is not supported; only MGF1 is (RFC 4055 §4.1)."
                ),
            )
        mgf_hash, mname = _hash_from(mgf_params, what)
    name = f"RSAES-OAEP ({hname}, MGF1-{mname})"
    if problem is None and (hash_alg is None or mgf_hash is None):
        problem = UnsupportedAlgorithmError(f"{name} is not supported (unknown hash).")
    return hash_alg, mgf_hash, name, problem


def _parse_ktri(node: Tlv, index: int) -> KeyTransport:
    what = f"KeyTransRecipientInfo #{index + 1}"
    fields = _fields(node, what, 4)
    if len(fields) != 4:
        raise malformed(what, "wrong number of fields")
    version = integer(fields[0], what)
    id_type, issuer, serial, ski = _parse_rid(fields[1], what, kari=False)
    alg_oid, params = _algorithm(fields[2], what)
    encrypted_key = octets(fields[3], what)
    problem: EncryptionError | None = None
    hash_alg: HashAlgorithm | None = None
    mgf_hash: HashAlgorithm | None = None
    if alg_oid == OID_RSA_ENCRYPTION:
        name = "RSAES-PKCS1-v1_5"
        if not _is_null_or_absent(params):
            raise malformed(what, "rsaEncryption parameters must be NULL")
    elif alg_oid == OID_RSAES_OAEP:
        hash_alg, mgf_hash, name, problem = _parse_oaep(params, what)
    else:
        name = alg_oid
        problem = UnsupportedAlgorithmError(
            f"Key transport algorithm {alg_oid} is not supported; RSA recipients must use "
            "RSAES-OAEP (signatures.md §7.4)."
        )
    summary = RecipientSummary(
        RecipientKind.KEY_TRANSPORT, id_type, issuer, serial, ski, alg_oid, name, version=version
    )
    return KeyTransport(summary, encrypted_key, hash_alg, mgf_hash, problem)


def _parse_kari(node: Tlv, index: int) -> list[KeyAgreement]:
    what = f"KeyAgreeRecipientInfo #{index + 1}"
    fields = _fields(node, what, 4)
    version = integer(fields[0], what)
    originator = fields[1]
    if not originator.is_context(0) or not originator.constructed or len(originator.children) != 1:
        raise malformed(what, "invalid originator")
    position = 2
    ukm: bytes | None = None
    if fields[position].is_context(1):
        ukm_node = fields[position]
        if not ukm_node.constructed or len(ukm_node.children) != 1:
            raise malformed(what, "invalid ukm")
        ukm = octets(ukm_node.children[0], what)
        position += 1
    if len(fields) != position + 2:
        raise malformed(what, "wrong number of fields")
    problem: EncryptionError | None = None
    point = b""
    curve_oid: str | None = None
    origin = originator.children[0]
    if origin.is_context(1) and origin.constructed:
        key_fields = _fields(origin, what, 2)
        key_alg, key_params = _algorithm(key_fields[0], what)
        if key_alg != OID_EC_PUBLIC_KEY:
            problem = UnsupportedAlgorithmError(
                f"Key agreement with originator key type {key_alg} is not supported; only EC "
                "(id-ecPublicKey) is (signatures.md §7.5)."
            )
        elif key_params is not None and key_params.is_universal(6):
            curve_oid = oid(key_params, what)
        elif (
            key_params is not None
            and not _is_null_or_absent(key_params)
            and not key_params.is_universal(16)
        ):
            # Absent, NULL, namedCurve (signatures.md §7.5) or explicit specifiedCurve
            # parameters (BouncyCastle when given an ECParameterSpec). Explicit parameters are
            # not interpreted: the point is checked on the recipient key's own curve.
            raise malformed(what, "originator key parameters must be absent, NULL or a curve")
        point = bit_string(key_fields[1], what)
    else:
        problem = UnsupportedAlgorithmError(
            "Key agreement with a static originator certificate is not supported; only "
            "ephemeral-static ECDH is (signatures.md §7.5)."
        )
    scheme_oid, wrap_node = _algorithm(fields[position], what)
    scheme = KDF_SCHEMES.get(scheme_oid)
    wrap: KeyWrap | None = None
    wrap_oid: str | None = None
    if scheme is None:
        name = UNSUPPORTED_KDF_SCHEMES.get(scheme_oid, scheme_oid)
        problem = problem or UnsupportedAlgorithmError(
            f"Key agreement scheme {name} is not supported; use "
            f"{ECDH_SHA256_KDF.name} (signatures.md §7.5)."
        )
    else:
        name = scheme.name
    if wrap_node is None:
        raise malformed(what, "key agreement without a key-wrap algorithm")
    wrap_oid, wrap_params = _algorithm(wrap_node, what)
    wrap = KEY_WRAPS.get(wrap_oid)
    wrap_name = wrap.name if wrap is not None else UNSUPPORTED_KEY_WRAPS.get(wrap_oid, wrap_oid)
    if wrap is None:
        problem = problem or UnsupportedAlgorithmError(
            f"Key wrap {wrap_name} is not supported; use AES key wrap (RFC 3394)."
        )
    elif not _is_null_or_absent(wrap_params):
        raise malformed(what, "AES key-wrap parameters must be absent")
    result = []
    rek_list = fields[position + 1]
    if not rek_list.is_universal(16) or not rek_list.constructed or not rek_list.children:
        raise malformed(what, "invalid recipientEncryptedKeys")
    for rek in rek_list.children:
        rek_fields = _fields(rek, what, 2)
        if len(rek_fields) != 2:
            raise malformed(what, "invalid RecipientEncryptedKey")
        id_type, issuer, serial, ski = _parse_rid(rek_fields[0], what, kari=True)
        summary = RecipientSummary(
            RecipientKind.KEY_AGREEMENT,
            id_type,
            issuer,
            serial,
            ski,
            scheme_oid,
            name,
            wrap_oid,
            wrap_name,
            version=version,
        )
        result.append(
            KeyAgreement(
                summary,
                octets(rek_fields[1], what),
                point,
                curve_oid,
                ukm,
                scheme,
                wrap,
                problem,
            )
        )
    return result


_OTHER_KINDS = {
    2: (RecipientKind.KEK, "KEKRecipientInfo"),
    3: (RecipientKind.PASSWORD, "PasswordRecipientInfo"),
    4: (RecipientKind.OTHER, "OtherRecipientInfo"),
}


def parse_recipient_infos(der: bytes) -> list[ParsedRecipient]:
    """Parse ``RecipientInfos ::= SET SIZE (1..MAX) OF RecipientInfo`` (RFC 5652 §6.1)."""
    node = parse(der, "recipientInfos")
    if not node.is_universal(17) or not node.constructed or not node.children:
        raise malformed("recipientInfos", "expected a non-empty SET")
    parsed: list[ParsedRecipient] = []
    for index, child in enumerate(node.children):
        if child.is_universal(16) and child.constructed:
            parsed.append(_parse_ktri(child, index))
        elif child.is_context(1) and child.constructed:
            parsed.extend(_parse_kari(child, index))
        elif child.tag_class == CONTEXT and child.tag in _OTHER_KINDS:
            kind, name = _OTHER_KINDS[child.tag]
            parsed.append(OtherRecipient(RecipientSummary(kind, None, None, None, None, "", name)))
        else:
            raise malformed("recipientInfos", f"unknown RecipientInfo #{index + 1}")
    return parsed


# --- selection and unwrapping ---------------------------------------------------------------


def select_recipient(
    recipients: Sequence[ParsedRecipient], keys: Sequence[KeyHolder]
) -> tuple[KeyTransport | KeyAgreement, KeyHolder]:
    """The first RecipientInfo naming one of ``keys``' certificates, and that key.

    Only identifiers are compared (signatures.md §7.9 step 1); no key operation happens here.
    """
    ids = [(CertificateId.of(key.certificate, key.certificate_der), key) for key in keys]
    fallback: tuple[KeyTransport | KeyAgreement, KeyHolder] | None = None
    for recipient in recipients:
        if isinstance(recipient, OtherRecipient):
            continue
        for cid, key in ids:
            if recipient.summary.matches(cid):
                if recipient.problem is None:
                    return recipient, key
                # A usable RecipientInfo for another of our keys is preferred; this one's
                # problem is raised only if there is none.
                fallback = fallback or (recipient, key)
    if fallback is not None:
        return fallback
    names = "; ".join(r.summary.describe() for r in recipients) or "nobody"
    ours = "; ".join(
        f"issuer {key.certificate.issuer.rfc4514_string()!r}, serial "
        f"{key.certificate.serial_number:#x}"
        for key in keys
    )
    raise NoMatchingRecipientError(
        f"The envelope is not encrypted for the given certificate(s) ({ours}). It is addressed "
        f"to: {names}. Use the key of one of those certificates."
    )


def _check_policy(
    recipient: KeyTransport | KeyAgreement, key: KeyHolder, *, legacy: bool
) -> tuple[str, ...]:
    """Refuse rejected / legacy / unsupported algorithms before any key operation (§7.10)."""
    if recipient.problem is not None:
        raise recipient.problem
    used: list[str] = []
    key_type = key.key_type
    if isinstance(recipient, KeyTransport):
        if key_type.algorithm is not KeyAlgorithm.RSA or not isinstance(key, Decrypter):
            raise RecipientCertificateError(
                f"The matching RecipientInfo uses RSA key transport but the key is {key_type}."
            )
        name = recipient.summary.key_encryption_name
        weak_hash = HashAlgorithm.SHA1 in (recipient.hash_algorithm, recipient.mgf_hash)
        if recipient.hash_algorithm is None or weak_hash:
            if not legacy:
                raise LegacyAlgorithmError(
                    f"The envelope uses {name} key transport, which is legacy (signatures.md "
                    "§7.10). Pass legacy=True to open old envelopes.",
                    algorithm=name,
                )
            used.append(name)
    else:
        if key_type.algorithm is not KeyAlgorithm.EC or not isinstance(key, KeyAgreer):
            raise RecipientCertificateError(
                f"The matching RecipientInfo uses EC key agreement but the key is {key_type}."
            )
        assert recipient.scheme is not None
        if recipient.scheme.legacy:
            if not legacy:
                raise LegacyAlgorithmError(
                    f"The envelope uses {recipient.scheme.name}, which is legacy (signatures.md "
                    "§7.10). Pass legacy=True to open old envelopes.",
                    algorithm=recipient.scheme.name,
                )
            used.append(recipient.scheme.name)
    if key_type.algorithm is KeyAlgorithm.RSA and key_type.size_bits < MIN_RSA_BITS:
        raise RejectedAlgorithmError(
            f"The key is RSA-{key_type.size_bits}; keys shorter than {MIN_RSA_BITS} bits are "
            "rejected (signatures.md §7.10).",
            algorithm=f"RSA-{key_type.size_bits}",
        )
    return tuple(used)


def _padding_for(recipient: KeyTransport) -> DecryptPadding:
    if recipient.hash_algorithm is None:
        return DecryptPadding.PKCS1V15
    if recipient.mgf_hash is not recipient.hash_algorithm:
        raise UnsupportedAlgorithmError(
            f"{recipient.summary.key_encryption_name} mixes hashes; the key interface "
            "(keys.DecryptPadding) only supports OAEP with the same hash for MGF1."
        )
    member = DecryptPadding.__members__.get(f"OAEP_{recipient.hash_algorithm.name}")
    if member is None:
        raise UnsupportedAlgorithmError(
            f"{recipient.summary.key_encryption_name} is not supported by the key interface "
            f"(keys.DecryptPadding has no OAEP_{recipient.hash_algorithm.name})."
        )
    return member


def _ecdh_peer(recipient: KeyAgreement, key: KeyHolder) -> bytes:
    """The originator's ephemeral point, checked to lie on the key's curve (host side)."""
    public = key.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    what = "KeyAgreeRecipientInfo originator key"
    if recipient.curve_oid is not None and not _same_curve(recipient.curve_oid, public.curve):
        raise malformed(what, "the ephemeral key is on another curve than the recipient key")
    # Cofactor schemes give the same Z as the standard ones here: every curve ``cryptography``
    # supports is a prime curve with cofactor 1 (signatures.md §7.2 "cofactor variants").
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(public.curve, recipient.ephemeral_point)
    except ValueError as exc:
        raise MalformedEnvelopeError(
            f"The envelope is malformed ({what}: not a point on {public.curve.name})."
        ) from exc
    return recipient.ephemeral_point


def _same_curve(curve_oid: str, curve: ec.EllipticCurve) -> bool:
    try:
        named = ec.get_curve_for_oid(x509.ObjectIdentifier(curve_oid))
    except (LookupError, ValueError):
        return False
    return named().name == curve.name


def unwrap_cek(
    recipient: KeyTransport | KeyAgreement,
    key: KeyHolder,
    key_size: int,
    *,
    legacy: bool,
) -> tuple[bytes, tuple[str, ...]]:
    """The CEK of ``recipient`` via ``key`` (signatures.md §7.9 steps 2-3), and legacy names.

    Policy and structure are checked first, so a rejected envelope never reaches the key (no
    PIN prompt). Every failure of the key operation, the unwrap and the length check raises the
    same :func:`decryption_failed` error. For PKCS#1 v1.5 (legacy) a failure instead yields a
    random CEK (implicit rejection, RFC 3218 §2.3.2), so a bad padding is indistinguishable from
    a wrong CEK and surfaces later as the same content decryption failure.
    """
    used = _check_policy(recipient, key, legacy=legacy)
    if isinstance(recipient, KeyTransport):
        padding = _padding_for(recipient)
        assert isinstance(key, Decrypter)
        cek: bytes | None
        try:
            cek = key.decrypt_key(recipient.encrypted_key, padding, legacy=legacy)
        except DecryptionError:
            cek = None
        if padding is DecryptPadding.PKCS1V15:
            random_cek = os.urandom(key_size)
            if cek is None or len(cek) != key_size:
                cek = random_cek
            return cek, used
        if cek is None or len(cek) != key_size:
            raise decryption_failed() from None
        return cek, used
    assert isinstance(key, KeyAgreer)
    assert recipient.scheme is not None and recipient.wrap is not None
    point = _ecdh_peer(recipient, key)
    z = key.derive_ecdh(point)
    kek = _kek(z, recipient.scheme, recipient.wrap, recipient.ukm)
    try:
        cek = aes_key_unwrap(kek, recipient.encrypted_key)
    except (InvalidUnwrap, ValueError):
        raise decryption_failed() from None
    if len(cek) != key_size:
        raise decryption_failed() from None
    return cek, used
