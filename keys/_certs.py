"""Certificate classification for key selection (signatures.md §1.8 and §6.3).

Markers are looked for in **both** qcStatements (RFC 3739 §3.2.6) and certificatePolicies,
and the result says which extension matched. Key usage decides whether a certificate is a
signing or an encryption candidate; CA certificates are neither.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import core
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from keys._hostcrypto import key_type_of
from keys._mechanisms import KeyAlgorithm, KeyType
from keys.errors import AmbiguousCertificateError, KeyNotFoundError, UnsupportedMechanismError

__all__ = [
    "CertificateInfo",
    "CertificateRole",
    "QcType",
    "classify_certificate",
    "select_certificate",
]

_QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
_QC_COMPLIANCE = "0.4.0.1862.1.1"
_QC_SSCD = "0.4.0.1862.1.4"
_QC_TYPE = "0.4.0.1862.1.6"
_QCT_ESIGN = "0.4.0.1862.1.6.1"
_QCT_ESEAL = "0.4.0.1862.1.6.2"
_TR_511 = "2.16.792.1.61.0.1.5070.1.1"
_TR_513 = "2.16.792.1.61.0.1.5070.1.3"
_TR_521 = "2.16.792.1.61.0.1.5070.2.1"
_TR_522 = "2.16.792.1.61.0.1.5070.2.2"
_MALI_POLICY = "2.16.792.1.2.1.1.5.7.4.1"
_MALI_EKU = "2.16.792.1.2.1.1.5.7.50.1"
_NES_POLICY = "2.16.792.1.2.1.1.5.7.1.9"


class QcType(enum.Enum):
    """Turkish certificate types of signatures.md §1.8 (value = stable name)."""

    NES = "nes"
    KURUMSAL_MUHUR = "kurumsal-muhur"
    NITELIKLI_MUHUR = "nitelikli-muhur"
    MALI_MUHUR = "mali-muhur"
    NONE = "none"


class CertificateRole(enum.Enum):
    """What a certificate can be selected for."""

    SIGNING = "signing"
    ENCRYPTION = "encryption"


class _QcStatement(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


class _QcStatements(core.SequenceOf):  # type: ignore[misc]
    _child_spec = _QcStatement


@dataclass(frozen=True)
class CertificateInfo:
    """What the classifier found in one certificate."""

    subject: str
    issuer: str
    serial_number: int
    not_before: dt.datetime
    not_after: dt.datetime
    key_type: KeyType | None
    key_usage: tuple[str, ...]
    is_ca: bool
    qc_type: QcType
    #: marker OID → extension it was found in ("qcStatements" / "certificatePolicies" / "eku")
    markers: tuple[tuple[str, str], ...]
    signing_candidate: bool
    encryption_candidate: bool

    def valid_at(self, when: dt.datetime) -> bool:
        return self.not_before <= when <= self.not_after

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial_number": format(self.serial_number, "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_type": str(self.key_type) if self.key_type else None,
            "key_usage": list(self.key_usage),
            "is_ca": self.is_ca,
            "qc_type": self.qc_type.value,
            "markers": [{"oid": oid, "found_in": where} for oid, where in self.markers],
            "signing_candidate": self.signing_candidate,
            "encryption_candidate": self.encryption_candidate,
        }


_KU_NAMES = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(name for attr, name in _KU_NAMES if getattr(ku, attr))


def _markers(cert: x509.Certificate) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for ext in cert.extensions:
        if ext.oid == _QC_STATEMENTS and isinstance(ext.value, x509.UnrecognizedExtension):
            try:
                parsed = _QcStatements.load(ext.value.value)
                for statement in parsed:
                    found.append((statement["statement_id"].dotted, "qcStatements"))
                    info = statement["statement_info"]
                    if statement["statement_id"].dotted == _QC_TYPE and info.native is not None:
                        # QcType ::= SEQUENCE OF OBJECT IDENTIFIER (ETSI EN 319 412-5 §4.2.3)
                        for qct in core.SequenceOf.load(info.dump(), spec=core.ObjectIdentifier):
                            found.append((qct.dotted, "qcStatements"))
            except (ValueError, TypeError):
                continue  # a damaged extension gives no markers; never fatal for listing
        elif ext.oid == ExtensionOID.CERTIFICATE_POLICIES:
            assert isinstance(ext.value, x509.CertificatePolicies)
            found.extend(
                (p.policy_identifier.dotted_string, "certificatePolicies") for p in ext.value
            )
        elif ext.oid == ExtensionOID.EXTENDED_KEY_USAGE:
            assert isinstance(ext.value, x509.ExtendedKeyUsage)
            found.extend((oid.dotted_string, "eku") for oid in ext.value)
    return found


def _qc_type(oids: set[str]) -> QcType:
    # Order matters: the seal rules exclude NES (§1.8 "and not a seal").
    if _MALI_POLICY in oids and _MALI_EKU in oids:
        return QcType.MALI_MUHUR
    if _TR_511 in oids and _TR_513 in oids:
        return QcType.KURUMSAL_MUHUR
    if _TR_521 in oids and _TR_522 in oids:
        return QcType.NITELIKLI_MUHUR
    if _QC_COMPLIANCE in oids and (_TR_511 in oids or _TR_521 in oids):
        return QcType.NES
    return QcType.NONE


def classify_certificate(cert: x509.Certificate) -> CertificateInfo:
    """Classify ``cert`` per signatures.md §1.8 (markers) and §6.3 (key usage)."""
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    ku = _key_usage(cert)
    markers = _markers(cert)
    marker_oids = {oid for oid, _ in markers}
    try:
        key_type: KeyType | None = key_type_of(cert.public_key())
    except (UnsupportedMechanismError, ValueError):
        key_type = None
    signing = not is_ca and ("nonRepudiation" in ku or "digitalSignature" in ku)
    if key_type is not None and key_type.algorithm is KeyAlgorithm.EC:
        encryption = not is_ca and "keyAgreement" in ku
    else:
        encryption = not is_ca and ("keyEncipherment" in ku or "dataEncipherment" in ku)
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_usage=ku,
        is_ca=is_ca,
        qc_type=_qc_type(marker_oids),
        markers=tuple(markers),
        signing_candidate=signing,
        encryption_candidate=encryption,
    )


def select_certificate(
    candidates: Sequence[tuple[CertificateInfo, Any]],
    role: CertificateRole,
    *,
    qc_types: Iterable[QcType] | None = None,
    now: dt.datetime | None = None,
) -> Any:
    """Pick the item whose certificate fits ``role`` (signatures.md §6.3).

    ``candidates`` pairs each :class:`CertificateInfo` with an arbitrary item that is returned.
    Signing prefers nonRepudiation; then certificates valid now; then the newest notBefore.
    Remaining ties raise :class:`AmbiguousCertificateError`: never silently pick.
    """
    when = now or dt.datetime.now(dt.UTC)
    wanted = set(qc_types) if qc_types is not None else None
    if role is CertificateRole.SIGNING:
        fit = [
            c
            for c in candidates
            if c[0].signing_candidate
            and c[0].qc_type is not QcType.MALI_MUHUR
            and (wanted is None or c[0].qc_type in wanted)
        ]
        preferred = [c for c in fit if "nonRepudiation" in c[0].key_usage]
        fit = preferred or fit
    else:
        fit = [c for c in candidates if c[0].encryption_candidate]
    if not fit:
        raise KeyNotFoundError(
            f"No {role.value} certificate on the token"
            + (" of the required qualified type" if wanted else "")
            + ". Check that the right card is inserted."
        )
    valid = [c for c in fit if c[0].valid_at(when)]
    fit = valid or fit
    newest = max(c[0].not_before for c in fit)
    fit = [c for c in fit if c[0].not_before == newest]
    if len(fit) > 1:
        names = "; ".join(c[0].subject for c in fit)
        raise AmbiguousCertificateError(
            f"Several {role.value} certificates fit ({names}). Choose one explicitly."
        )
    return fit[0][1]
