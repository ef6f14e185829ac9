"""DER builders for CAdES signed attributes and the small structures they share.

signatures.md §1.2 (policy identifier, Appendix A.1 vectors), §1.3, §3.3 (BES attributes),
§3.11 (DER rules: SET OF order, omitted DEFAULTs, names copied byte-for-byte, algorithm
parameters). Everything is assembled from TLVs by hand so that each byte is deliberate:

* names (certificate issuer, serial) are *sliced* from the certificate DER, never rebuilt
  (§3.11 rule 5);
* SHA-2 and ECDSA AlgorithmIdentifiers have absent parameters, ``sha256WithRSAEncryption`` has
  NULL (§3.11 rule 6);
* :func:`der_set_of` sorts SET OF elements by their encodings (X.690 §11.6).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, core

from cades import _der
from cades._asn1 import Oid
from cades.errors import CadesFormatError, SigningError
from cades.profiles import POLICY_HASH_SHA256, Profile
from keys._mechanisms import SignatureMechanism

__all__ = [
    "SignerLocationInfo",
    "algorithm_identifier_der",
    "attribute",
    "certificate_issuer_serial",
    "commitment_type_attribute",
    "content_type_attribute",
    "der_set_of",
    "ess_cert_id_v2",
    "integer_der",
    "is_der_sorted",
    "issuer_and_serial_number",
    "issuer_serial_der",
    "message_digest_attribute",
    "mime_type_attribute",
    "oid_der",
    "other_hash_der",
    "signature_algorithm_der",
    "signature_policy_attribute",
    "signature_policy_identifier_der",
    "signer_location_attribute",
    "signing_certificate_v2_attribute",
    "signing_time_attribute",
    "time_der",
    "utc_time_der",
]

_SEQUENCE = 0x30
_SET = 0x31
_INTEGER = 0x02
_OCTET_STRING = 0x04
_NULL = b"\x05\x00"
_UTF8_STRING = 0x0C
_IA5_STRING = 0x16
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18
_DIRECTORY_NAME = 0xA4  # GeneralName [4] EXPLICIT Name (Name is a CHOICE, X.680 §31.2.7)

_RSA_PKCS1_OIDS = {
    "1.2.840.113549.1.1.5",
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
}


def oid_der(dotted: str) -> bytes:
    """DER OBJECT IDENTIFIER."""
    try:
        return bytes(core.ObjectIdentifier(dotted).dump())
    except ValueError as exc:
        raise SigningError(f"{dotted!r} is not a valid OBJECT IDENTIFIER") from exc


def integer_der(value: int) -> bytes:
    """DER INTEGER (minimal two's complement)."""
    return bytes(core.Integer(value).dump())


def algorithm_identifier_der(oid: str) -> bytes:
    """``AlgorithmIdentifier { oid }`` with parameters ABSENT (SHA-2: RFC 5754 §2; ECDSA:
    RFC 5758 §3.2)."""
    return _der.tlv(_SEQUENCE, oid_der(oid))


def signature_algorithm_der(mechanism: SignatureMechanism) -> bytes:
    """SignerInfo.signatureAlgorithm for ``mechanism`` (§1.7, §3.11 rule 6).

    PKCS#1 v1.5: NULL parameters (RFC 4055 §5). ECDSA: absent (RFC 5758 §3.2). RSASSA-PSS:
    ``RSASSA-PSS-params`` with the mechanism's hash, MGF1 with the same hash and a salt as long
    as the hash (RFC 4055 §3.1).
    """
    if mechanism.is_pss:
        hash_name = mechanism.hash_algorithm.name.lower()
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": hash_name},
                "mask_gen_algorithm": {
                    "algorithm": "mgf1",
                    "parameters": {"algorithm": hash_name},
                },
                "salt_length": mechanism.hash_algorithm.digest_size,
            }
        )
        return _der.tlv(_SEQUENCE, oid_der(mechanism.oid) + bytes(params.dump()))
    if mechanism.oid in _RSA_PKCS1_OIDS:
        return _der.tlv(_SEQUENCE, oid_der(mechanism.oid) + _NULL)
    return algorithm_identifier_der(mechanism.oid)


def time_der(moment: datetime) -> bytes:
    """RFC 5652 §11.3 Time: UTCTime for 1950–2049, else GeneralizedTime; whole seconds, UTC."""
    if moment.tzinfo is None:
        raise SigningError("signing time must be timezone-aware (UTC)")
    utc = moment.astimezone(UTC).replace(microsecond=0)
    if 1950 <= utc.year <= 2049:
        return _der.tlv(_UTC_TIME, utc.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return _der.tlv(_GENERALIZED_TIME, f"{utc.year:04d}{utc:%m%d%H%M%S}Z".encode("ascii"))


def utc_time_der(moment: datetime) -> bytes:
    """UTCTime only (CrlIdentifier.crlIssuedTime, §3.6); years outside 1950–2049 are refused."""
    utc = moment.astimezone(UTC).replace(microsecond=0)
    if not 1950 <= utc.year <= 2049:
        raise SigningError(f"{utc.isoformat()} cannot be written as UTCTime (§10 Q15)")
    return _der.tlv(_UTC_TIME, utc.strftime("%y%m%d%H%M%SZ").encode("ascii"))


def _padded(encoding: bytes, width: int) -> bytes:
    return encoding + b"\x00" * (width - len(encoding))


def der_set_of(elements: Iterable[bytes]) -> bytes:
    """``SET OF`` content in DER order: ascending encodings, zero-padded (X.690 §11.6).

    Returns the *content* (concatenated elements); wrap it with tag ``31`` or ``A0``.
    """
    items: list[bytes] = [bytes(e) for e in elements]
    width = max((len(e) for e in items), default=0)

    def key(encoding: bytes) -> bytes:
        return _padded(encoding, width)

    ordered: list[bytes] = sorted(items, key=key)
    return b"".join(ordered)


def is_der_sorted(elements: Sequence[bytes]) -> bool:
    """True when ``elements`` are in X.690 §11.6 order."""
    width = max((len(e) for e in elements), default=0)
    keys = [_padded(e, width) for e in elements]
    return all(a <= b for a, b in itertools.pairwise(keys))


def attribute(oid: str, value_der: bytes) -> bytes:
    """``Attribute { oid, SET { value } }`` (a single value, so no SET ordering question)."""
    return _der.tlv(_SEQUENCE, oid_der(oid) + _der.tlv(_SET, value_der))


# --- certificates -----------------------------------------------------------------------------


def certificate_issuer_serial(certificate_der: bytes) -> tuple[bytes, bytes]:
    """``(issuer Name TLV, serialNumber INTEGER TLV)`` sliced from the certificate DER."""
    try:
        cert = _der.read_tlv(certificate_der, 0)
        tbs = _der.children(certificate_der, cert)[0]
        fields = _der.children(certificate_der, tbs)
    except (CadesFormatError, IndexError) as exc:
        raise CadesFormatError("a certificate is not valid DER") from exc
    index = 1 if fields and fields[0].tag_byte == 0xA0 else 0  # [0] EXPLICIT version
    if len(fields) < index + 4 or fields[index].tag_byte != _INTEGER:
        raise CadesFormatError("a certificate's TBSCertificate is malformed")
    serial = fields[index].raw(certificate_der)
    issuer = fields[index + 2]
    if issuer.tag_byte != _SEQUENCE:
        raise CadesFormatError("a certificate's issuer is not a Name")
    return issuer.raw(certificate_der), serial


def issuer_and_serial_number(certificate_der: bytes) -> bytes:
    """SignerIdentifier ``IssuerAndSerialNumber`` (RFC 5652 §10.2.4), bytes copied."""
    issuer, serial = certificate_issuer_serial(certificate_der)
    return _der.tlv(_SEQUENCE, issuer + serial)


def issuer_serial_der(certificate_der: bytes) -> bytes:
    """``IssuerSerial { GeneralNames { directoryName issuer }, serial }`` (RFC 5035 §4)."""
    issuer, serial = certificate_issuer_serial(certificate_der)
    general_names = _der.tlv(_SEQUENCE, _der.tlv(_DIRECTORY_NAME, issuer))
    return _der.tlv(_SEQUENCE, general_names + serial)


def other_hash_der(hash_oid: str, value: bytes) -> bytes:
    """``OtherHash.otherHash { {hash_oid, absent}, value }`` (§3.6; never the bare SHA-1 form)."""
    return _der.tlv(_SEQUENCE, algorithm_identifier_der(hash_oid) + _der.tlv(_OCTET_STRING, value))


def ess_cert_id_v2(certificate_der: bytes, hash_oid: str, cert_hash: bytes) -> bytes:
    """ESSCertIDv2 with hashAlgorithm omitted for SHA-256 (DEFAULT, §3.3) and issuerSerial."""
    algorithm = b"" if hash_oid == Oid.SHA256 else algorithm_identifier_der(hash_oid)
    return _der.tlv(
        _SEQUENCE,
        algorithm + _der.tlv(_OCTET_STRING, cert_hash) + issuer_serial_der(certificate_der),
    )


# --- signed attributes ------------------------------------------------------------------------


def content_type_attribute(content_type_oid: str = Oid.DATA) -> bytes:
    """content-type (RFC 5652 §11.1); MUST equal eContentType."""
    return attribute(Oid.CONTENT_TYPE, oid_der(content_type_oid))


def message_digest_attribute(value: bytes) -> bytes:
    """message-digest (RFC 5652 §11.2)."""
    return attribute(Oid.MESSAGE_DIGEST, _der.tlv(_OCTET_STRING, value))


def signing_time_attribute(moment: datetime) -> bytes:
    """signing-time (RFC 5652 §11.3; §1.6 rule 5)."""
    return attribute(Oid.SIGNING_TIME, time_der(moment))


def signing_certificate_v2_attribute(
    certificate_der: bytes, hash_oid: str, cert_hash: bytes
) -> bytes:
    """signing-certificate-v2 with exactly one ESSCertIDv2 and no policies (§3.3)."""
    certs = _der.tlv(_SEQUENCE, ess_cert_id_v2(certificate_der, hash_oid, cert_hash))
    return attribute(Oid.SIGNING_CERTIFICATE_V2, _der.tlv(_SEQUENCE, certs))


def signature_policy_identifier_der(profile: Profile) -> bytes:
    """SignaturePolicyId of ``profile`` with the SHA-256 policy hash and SPURI (§1.2, App. A.1)."""
    policy_oid, spuri = profile.policy_oid, profile.spuri
    if policy_oid is None or spuri is None:
        raise SigningError(f"profile {profile.value} carries no signature policy")
    policy_hash = _der.tlv(
        _SEQUENCE,
        algorithm_identifier_der(Oid.SHA256) + _der.tlv(_OCTET_STRING, POLICY_HASH_SHA256),
    )
    qualifier = _der.tlv(
        _SEQUENCE, oid_der(Oid.SPQ_URI) + _der.tlv(_IA5_STRING, spuri.encode("ascii"))
    )
    return _der.tlv(_SEQUENCE, oid_der(policy_oid) + policy_hash + _der.tlv(_SEQUENCE, qualifier))


def signature_policy_attribute(profile: Profile) -> bytes:
    """signature-policy-identifier (TS 101 733 §5.8.1)."""
    return attribute(Oid.SIGNATURE_POLICY, signature_policy_identifier_der(profile))


def mime_type_attribute(mime_type: str) -> bytes:
    """mime-type, UTF8String (EN 319 122-1 §5.2.4.2)."""
    if not mime_type or any(c.isspace() for c in mime_type) or "/" not in mime_type:
        raise SigningError(f"{mime_type!r} is not a media type such as 'application/xml'")
    return attribute(Oid.MIME_TYPE, _der.tlv(_UTF8_STRING, mime_type.encode("utf-8")))


def commitment_type_attribute(commitment_oid: str) -> bytes:
    """commitment-type-indication without qualifiers (TS 101 733 §5.11.1)."""
    return attribute(Oid.COMMITMENT_TYPE, _der.tlv(_SEQUENCE, oid_der(commitment_oid)))


@dataclass(frozen=True)
class SignerLocationInfo:
    """Where the signer claims to be (signer-location, TS 101 733 §5.11.2).

    Strings are written as UTF8String; ``postal_address`` holds at most six lines.
    """

    country_name: str | None = None
    locality_name: str | None = None
    postal_address: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "postal_address", tuple(self.postal_address))
        if len(self.postal_address) > 6:
            raise SigningError("a postal address has at most six lines (TS 101 733 §5.11.2)")
        if not (self.country_name or self.locality_name or self.postal_address):
            raise SigningError("a signer location needs a country, locality or postal address")


def _utf8(text: str) -> bytes:
    return _der.tlv(_UTF8_STRING, text.encode("utf-8"))


def signer_location_attribute(location: SignerLocationInfo) -> bytes:
    """signer-location with explicit [0] country, [1] locality, [2] postal address."""
    body = b""
    if location.country_name:
        body += _der.tlv(0xA0, _utf8(location.country_name))
    if location.locality_name:
        body += _der.tlv(0xA1, _utf8(location.locality_name))
    if location.postal_address:
        lines = b"".join(_utf8(line) for line in location.postal_address)
        body += _der.tlv(0xA2, _der.tlv(_SEQUENCE, lines))
    return attribute(Oid.SIGNER_LOCATION, _der.tlv(_SEQUENCE, body))
