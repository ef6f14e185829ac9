"""BES checks of one signer: FMT-003, BES-001…BES-007 (signatures.md §3.3, §1.3, §1.7, §4.6).

Signed attributes are read as stored; the signature is verified over the received bytes with
only the ``A0`` → ``31`` tag swap (§3.11 rule 2).
"""

from __future__ import annotations

import hmac
from datetime import UTC
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cades import _der
from cades._asn1 import Oid
from cades._crypto import CryptoCheckError, digest, verify_signature_value
from cades.profiles import Profile
from cades.verify._content import content_family, declared_family, families_conflict
from cades.verify._format import der_problems
from cades.verify._pool import CertEntry
from cades.verify._report import CheckStatus
from cades.verify._subind import Sub

if TYPE_CHECKING:
    from cades.verify._signer import SignerEvaluation

_GOOD_DIGESTS = {Oid.SHA256, Oid.SHA384, Oid.SHA512}
_GOOD_CURVES = {"secp256r1", "secp384r1", "secp521r1"}
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_RSA_PSS = "1.2.840.113549.1.1.10"

__all__ = [
    "algorithms",
    "content_type",
    "der_order",
    "locate_certificate",
    "message_digest",
    "mime_type",
    "signature",
    "signing_time",
]


def der_order(ev: SignerEvaluation) -> None:
    """FMT-003: the stored signed attributes are DER and sorted (§3.11 rules 1–2)."""
    node = ev.signer.signed_attrs_tlv
    if node is None:
        ev.add("FMT-003", CheckStatus.NOT_APPLICABLE, "NO_SIGNED_ATTRIBUTES")
        return
    problems = der_problems(ev.signer.buf, node)
    if problems:
        ev.add(
            "FMT-003",
            CheckStatus.WARNING,
            "SIGNED_ATTRIBUTES_NOT_DER",
            evidence={"problems": problems},
            detail="; ".join(problems),
        )
    else:
        ev.add("FMT-003", CheckStatus.PASSED, "SIGNED_ATTRIBUTES_DER")


def locate_certificate(ev: SignerEvaluation) -> None:
    """BES-004: the certificate named by ``sid`` is bound by signing-certificate(-v2) (RFC 5035)."""
    sid = ev.signer.parsed["sid"]
    pool = ev.ctx.certs
    if sid.name == "issuer_and_serial_number":
        ias = sid.chosen
        entry = pool.find_issuer_serial(
            bytes(ias["issuer"].dump()), int(ias["serial_number"].native)
        )
    else:
        entry = pool.find_ski(bytes(sid.chosen.native))
    if entry is None:
        ev.add(
            "BES-004",
            CheckStatus.FAILED,
            "SIGNER_CERT_NOT_FOUND",
            Sub.NO_SIGNING_CERTIFICATE_FOUND,
        )
        return
    ev.state.certificate = entry
    v2 = ev.signer.signed(Oid.SIGNING_CERTIFICATE_V2)
    v1 = ev.signer.signed(Oid.SIGNING_CERTIFICATE)
    attrs = v2 or v1
    version = 2 if v2 else 1
    if not attrs:
        ev.add(
            "BES-004",
            CheckStatus.FAILED,
            "SIGNING_CERT_ATTR_MISSING",
            Sub.NO_SIGNING_CERTIFICATE_FOUND,
        )
        return
    if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1 or (v1 and v2):
        ev.add(
            "BES-004",
            CheckStatus.FAILED,
            "SIGNING_CERT_ATTR_MULTIPLE",
            Sub.FORMAT_FAILURE,
        )
        return
    value = attrs[0].values()[0]
    first = value["certs"][0]
    hash_oid = first["hash_algorithm"]["algorithm"].dotted if version == 2 else Oid.SHA1
    expected = entry.hash(hash_oid)
    if not hmac.compare_digest(bytes(first["cert_hash"].native), expected):
        ev.add(
            "BES-004",
            CheckStatus.FAILED,
            "SIGNING_CERT_HASH_MISMATCH",
            Sub.NO_SIGNING_CERTIFICATE_FOUND,
            {"version": version, "hash_algorithm": hash_oid},
        )
        return
    issuer_serial = first["issuer_serial"]
    serial_ok = True
    if issuer_serial.native is not None:
        names = [n for n in issuer_serial["issuer"] if n.name == "directory_name"]
        serial_ok = int(issuer_serial["serial_number"].native) == entry.cert.serial_number and any(
            _same_name(n.chosen, entry) for n in names
        )
    if not serial_ok:
        ev.add(
            "BES-004",
            CheckStatus.FAILED,
            "SIGNING_CERT_ISSUER_SERIAL_MISMATCH",
            Sub.NO_SIGNING_CERTIFICATE_FOUND,
        )
        return
    ev.add(
        "BES-004",
        CheckStatus.PASSED,
        "SIGNING_CERT_MATCHES",
        evidence={
            "version": version,
            "hash_algorithm": hash_oid,
            "issuer_serial": issuer_serial.native is not None,
        },
        version=version,
    )


def content_type(ev: SignerEvaluation) -> None:
    """BES-001: content-type present and equal to eContentType; absent in countersignatures."""
    attrs = ev.signer.signed(Oid.CONTENT_TYPE)
    if ev.is_counter:
        if attrs:
            ev.add("BES-001", CheckStatus.FAILED, "COUNTER_HAS_CONTENT_TYPE", Sub.FORMAT_FAILURE)
        else:
            ev.add("BES-001", CheckStatus.PASSED, "COUNTER_NO_CONTENT_TYPE")
        return
    if not attrs:
        ev.add("BES-001", CheckStatus.FAILED, "CONTENT_TYPE_MISSING", Sub.FORMAT_FAILURE)
        return
    if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
        ev.add("BES-001", CheckStatus.FAILED, "CONTENT_TYPE_MULTIPLE", Sub.FORMAT_FAILURE)
        return
    value = attrs[0].values()[0].dotted
    econtent_type = ev.ctx.view.econtent_type
    if value != econtent_type:
        ev.add(
            "BES-001",
            CheckStatus.FAILED,
            "CONTENT_TYPE_MISMATCH",
            Sub.FORMAT_FAILURE,
            {"content_type": value, "econtent_type": econtent_type},
            value=value,
            expected=econtent_type,
        )
        return
    ev.add("BES-001", CheckStatus.PASSED, "CONTENT_TYPE_OK", evidence={"value": value}, value=value)


def message_digest(ev: SignerEvaluation) -> None:
    """BES-002: message-digest = H(content), or H(countersigned signature value) (§3.10)."""
    attrs = ev.signer.signed(Oid.MESSAGE_DIGEST)
    if not attrs:
        ev.add("BES-002", CheckStatus.FAILED, "MESSAGE_DIGEST_MISSING", Sub.FORMAT_FAILURE)
        return
    if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
        ev.add("BES-002", CheckStatus.FAILED, "MESSAGE_DIGEST_MULTIPLE", Sub.FORMAT_FAILURE)
        return
    stored = bytes(attrs[0].values()[0].native)
    oid = ev.signer.digest_algorithm_oid
    if ev.parent is not None:
        expected: bytes | None = digest(oid, ev.parent.signature_value, allow_sha1=True)
    else:
        expected = ev.ctx.content.digest(oid)
    if expected is None:
        ev.add(
            "BES-002",
            CheckStatus.INDETERMINATE,
            "CONTENT_NOT_AVAILABLE",
            Sub.SIGNED_DATA_NOT_FOUND,
        )
        return
    if not hmac.compare_digest(stored, expected):
        ev.add(
            "BES-002",
            CheckStatus.FAILED,
            "MESSAGE_DIGEST_MISMATCH",
            Sub.HASH_FAILURE,
            {"algorithm": oid, "stored": stored, "computed": expected},
        )
        return
    ev.add(
        "BES-002",
        CheckStatus.PASSED,
        "COUNTER_DIGEST_OK" if ev.is_counter else "MESSAGE_DIGEST_OK",
        evidence={"algorithm": oid},
    )


def algorithms(ev: SignerEvaluation) -> None:
    """BES-005: digest, signature algorithm, key size and curve acceptable (§1.7)."""
    problems: list[str] = []
    weak: list[str] = []
    digest_oid = ev.signer.digest_algorithm_oid
    if digest_oid == Oid.SHA1:
        weak.append("digest SHA-1")
    elif digest_oid not in _GOOD_DIGESTS:
        problems.append(f"digest algorithm {digest_oid}")
    algorithm = ev.signer.parsed["signature_algorithm"]
    sig_oid = algorithm["algorithm"].dotted
    try:
        sig_name = algorithm.signature_algo
        hash_name = None if sig_oid in (_RSA_ENCRYPTION, _RSA_PSS) else algorithm.hash_algo
    except ValueError:
        sig_name, hash_name = "", None
        problems.append(f"signature algorithm {sig_oid}")
    if hash_name == "sha1":
        weak.append("signature algorithm with SHA-1")
    elif hash_name is not None and hash_name not in ("sha256", "sha384", "sha512"):
        problems.append(f"signature hash {hash_name}")
    if sig_name == "rsassa_pss":
        params = algorithm["parameters"]
        if params["hash_algorithm"]["algorithm"].native == "sha1":
            weak.append("RSASSA-PSS with SHA-1")
    evidence: dict[str, Any] = {"digest_algorithm": digest_oid, "signature_algorithm": sig_oid}
    entry = ev.state.certificate
    if entry is not None:
        key = entry.cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            evidence["key"] = f"RSA-{key.key_size}"
            if key.key_size < 2048:
                problems.append(f"RSA key of {key.key_size} bits")
        elif isinstance(key, ec.EllipticCurvePublicKey):
            evidence["key"] = f"EC {key.curve.name}"
            if key.curve.name not in _GOOD_CURVES:
                problems.append(f"curve {key.curve.name}")
        else:
            problems.append("unsupported key type")
    if problems:
        ev.add(
            "BES-005",
            CheckStatus.FAILED,
            "ALGORITHM_REJECTED",
            Sub.CRYPTO_CONSTRAINTS_FAILURE,
            evidence,
            detail=", ".join(problems),
        )
    elif weak and not ev.ctx.policy.allow_sha1:
        ev.add(
            "BES-005",
            CheckStatus.INDETERMINATE,
            "ALGORITHM_WEAK",
            Sub.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
            evidence,
            detail=", ".join(weak),
        )
    elif weak:
        ev.add(
            "BES-005",
            CheckStatus.WARNING,
            "ALGORITHM_WEAK_ALLOWED",
            None,
            evidence,
            detail=", ".join(weak),
        )
    else:
        ev.add("BES-005", CheckStatus.PASSED, "ALGORITHMS_OK", None, evidence)


def signature(ev: SignerEvaluation) -> None:
    """BES-003: the signature value verifies over the received signed attributes."""
    entry = ev.state.certificate
    if entry is None:
        ev.add(
            "BES-003",
            CheckStatus.INDETERMINATE,
            "NO_CERTIFICATE",
            Sub.NO_SIGNING_CERTIFICATE_FOUND,
        )
        return
    signed = ev.signer.signed_attrs_for_signature
    if signed is None:
        signed = ev.ctx.content.data if ev.parent is None else ev.parent.signature_value
        if signed is None:
            ev.add(
                "BES-003",
                CheckStatus.INDETERMINATE,
                "CONTENT_NOT_AVAILABLE",
                Sub.SIGNED_DATA_NOT_FOUND,
            )
            return
    try:
        verify_signature_value(
            entry.cert,
            ev.signer.parsed["signature_algorithm"],
            ev.signer.digest_algorithm_oid,
            signed,
            ev.signer.signature_value,
            allow_sha1=True,
        )
    except CryptoCheckError as exc:
        ev.add(
            "BES-003",
            CheckStatus.FAILED,
            "SIGNATURE_INVALID",
            Sub.SIG_CRYPTO_FAILURE,
            {"error": str(exc)},
            detail=str(exc),
        )
        return
    ev.add("BES-003", CheckStatus.PASSED, "SIGNATURE_VALID")


def signing_time(ev: SignerEvaluation) -> None:
    """BES-006: signing-time present (P2–P4), single-valued, well encoded (RFC 5652 §11.3)."""
    attrs = ev.signer.signed(Oid.SIGNING_TIME)
    required = ev.profile_hint() not in (None, Profile.P1)
    if not attrs:
        if required:
            ev.add(
                "BES-006",
                CheckStatus.FAILED,
                "SIGNING_TIME_MISSING",
                Sub.SIG_CONSTRAINTS_FAILURE,
            )
        else:
            ev.add("BES-006", CheckStatus.WARNING, "SIGNING_TIME_ABSENT")
        return
    if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
        ev.add("BES-006", CheckStatus.FAILED, "SIGNING_TIME_MULTIPLE", Sub.SIG_CONSTRAINTS_FAILURE)
        return
    value = attrs[0].values()[0]
    moment = value.native
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ev.state.signing_time = moment
    ev.state.attributes["signing_time"] = moment
    utc_range = 1950 <= moment.year <= 2049
    if (value.name == "utc_time") != utc_range:
        ev.add(
            "BES-006",
            CheckStatus.WARNING,
            "SIGNING_TIME_ENCODING",
            evidence={"value": moment, "encoding": value.name},
            value=moment,
        )
        return
    if moment > ev.ctx.now + ev.ctx.policy.allowed_skew:
        ev.add(
            "BES-006",
            CheckStatus.WARNING,
            "SIGNING_TIME_IN_FUTURE",
            evidence={"value": moment},
            value=moment,
        )
        return
    ev.add(
        "BES-006",
        CheckStatus.PASSED,
        "SIGNING_TIME_OK",
        evidence={"value": moment},
        value=moment,
    )


def mime_type(ev: SignerEvaluation) -> None:
    """BES-007: mime-type present (P3/P4) and not contradicting the content (§1.3)."""
    attrs = ev.signer.signed(Oid.MIME_TYPE)
    profile = ev.state.profile
    if not attrs:
        if ev.is_counter:
            ev.add("BES-007", CheckStatus.NOT_APPLICABLE, "COUNTER_NO_MIME_TYPE")
        elif profile is not None and profile.mime_type_required:
            ev.add(
                "BES-007",
                CheckStatus.FAILED,
                "MIME_TYPE_MISSING",
                Sub.SIG_CONSTRAINTS_FAILURE,
                profile=profile.value,
            )
        else:
            ev.add("BES-007", CheckStatus.WARNING, "MIME_TYPE_ABSENT")
        return
    if len(attrs) != 1 or len(attrs[0].value_tlvs) != 1:
        ev.add("BES-007", CheckStatus.FAILED, "MIME_TYPE_MULTIPLE", Sub.SIG_CONSTRAINTS_FAILURE)
        return
    mime = str(attrs[0].values()[0].native)
    ev.state.attributes["mime_type"] = mime
    content = ev.ctx.content
    if ev.is_counter or not content.available:
        ev.add(
            "BES-007",
            CheckStatus.PASSED,
            "MIME_TYPE_PRESENT",
            evidence={"mime_type": mime},
            mime=mime,
        )
        return
    found = content_family(content.prefix)
    declared = declared_family(mime)
    if families_conflict(declared, found):
        ev.add(
            "BES-007",
            CheckStatus.FAILED,
            "MIME_TYPE_CONTRADICTS_CONTENT",
            Sub.SIG_CONSTRAINTS_FAILURE,
            {"mime_type": mime, "content_looks_like": found},
            mime=mime,
            found=found,
        )
        return
    ev.add(
        "BES-007",
        CheckStatus.PASSED,
        "MIME_TYPE_CONSISTENT",
        evidence={"mime_type": mime, "content_looks_like": found},
        mime=mime,
    )


def _same_name(name: Any, entry: CertEntry) -> bool:
    """A directoryName equals the certificate's issuer: bytes first, then X.520 comparison."""
    raw = bytes(name.dump())
    node = _der.read_tlv(raw, 0)
    if node.tag_byte == 0xA4:  # [4] EXPLICIT wrapper kept by asn1crypto's dump()
        raw = _der.children(raw, node)[0].raw(raw)
    if raw == entry.issuer_der:
        return True
    return bool(name == entry.asn1["tbs_certificate"]["issuer"])
