"""Answer builders for the test services: RFC 3161 tokens, OCSP responses, CRLs, Kamu SM auth.

Pure functions over the :class:`~eyazisma.testing.pki.TestPki`; the HTTP plumbing and the
fault hooks live in :mod:`eyazisma.testing._server`. The Kamu SM identity check is written
independently of :mod:`cades.tsp` on purpose, so the client is tested against a second
implementation of signatures.md §5.3 rather than against itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.x509 import ocsp

from cades.tsp._token import TimeStampResp
from eyazisma.testing.pki import PrivateKey, TestPki

__all__ = [
    "KamuSmAccount",
    "build_ocsp_response",
    "build_tsa_response",
    "check_kamusm_identity",
    "rejection_response",
]

_MAX_CLOCK_DRIFT = timedelta(minutes=10)  # §5.4 step 5: the server tolerates 10 minutes


def _sign(key: PrivateKey, data: bytes) -> tuple[bytes, str]:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, asym_padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
    return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"


@dataclass(frozen=True)
class TokenOptions:
    """How to distort a token for fault-injection tests."""

    policy: str
    serial: int
    wrong_nonce: bool = False
    wrong_imprint: bool = False
    include_certs: bool = True


def _tst_info(request: Any, options: TokenOptions, gen_time: datetime) -> Any:
    imprint = request["message_imprint"]
    hashed = imprint["hashed_message"].native
    if options.wrong_imprint:
        hashed = bytes(b ^ 0xFF for b in hashed)
    fields: dict[str, Any] = {
        "version": "v1",
        "policy": options.policy,
        "message_imprint": {
            "hash_algorithm": imprint["hash_algorithm"],
            "hashed_message": hashed,
        },
        "serial_number": options.serial,
        # Millisecond genTime and 1 s accuracy, like Kamu SM tokens (§5.5).
        "gen_time": gen_time,
        "accuracy": {"seconds": 1},
    }
    nonce = request["nonce"].native
    if nonce is not None:
        fields["nonce"] = nonce + 1 if options.wrong_nonce else nonce
    return tsp.TSTInfo(fields)


def _signed_token(pki: TestPki, tst_info: Any, include_certs: bool) -> Any:
    tsa = pki.tsa
    econtent = tst_info.dump()
    cert_der = tsa.cert_der
    tsa_asn1 = asn1_x509.Certificate.load(cert_der)
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]}),
        cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [
                    {
                        "certs": [
                            {
                                # hash_algorithm left at its DEFAULT (sha256) so it is omitted.
                                "cert_hash": hashlib.sha256(cert_der).digest(),
                                "issuer_serial": {
                                    "issuer": [
                                        asn1_x509.GeneralName(
                                            name="directory_name", value=tsa_asn1.issuer
                                        )
                                    ],
                                    "serial_number": tsa_asn1.serial_number,
                                },
                            }
                        ]
                    }
                ],
            }
        ),
    ]
    # DER SET OF order: sort by encoding, otherwise verifiers that re-encode (OpenSSL) fail.
    attrs.sort(key=lambda a: a.dump())
    signed_attrs = cms.CMSAttributes(attrs)
    signature, sig_algo = _sign(tsa.key, signed_attrs.dump())
    certificates = [tsa_asn1, asn1_x509.Certificate.load(pki.root.cert_der)]
    signed_data: dict[str, Any] = {
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": core.ParsableOctetString(econtent),
        },
        "signer_infos": [
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={"issuer": tsa_asn1.issuer, "serial_number": tsa_asn1.serial_number},
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attrs,
                "signature_algorithm": {"algorithm": sig_algo},
                "signature": signature,
            }
        ],
    }
    if include_certs:
        signed_data["certificates"] = certificates
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def build_tsa_response(
    pki: TestPki,
    request_der: bytes,
    options: TokenOptions,
    *,
    granted_with_mods: bool = False,
    now: datetime | None = None,
) -> bytes:
    """A ``TimeStampResp`` granting ``request_der`` (RFC 3161 §2.4.2)."""
    request = tsp.TimeStampReq.load(request_der)
    request.native  # parse fully; garbage raises ValueError here  # noqa: B018
    moment = now or datetime.now(UTC)
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    tst_info = _tst_info(request, options, moment)
    token = _signed_token(pki, tst_info, options.include_certs and bool(request["cert_req"].native))
    status: dict[str, Any] = {"status": "granted_with_mods" if granted_with_mods else "granted"}
    if granted_with_mods:
        status["status_string"] = ["policy replaced by the TSA default"]
    return bytes(tsp.TimeStampResp({"status": status, "time_stamp_token": token}).dump())


def rejection_response(text: str, fail_info: str) -> bytes:
    """A ``TimeStampResp`` with status rejection and one failInfo bit (RFC 3161 §2.4.2)."""
    return bytes(
        TimeStampResp(
            {
                "status": {
                    "status": "rejection",
                    "status_string": [text],
                    "fail_info": {fail_info},
                }
            }
        ).dump()
    )


def request_policy(request_der: bytes) -> str | None:
    """``reqPolicy`` of a request, or ``None``."""
    policy = tsp.TimeStampReq.load(request_der)["req_policy"].native
    return None if policy is None else str(policy)


def request_imprint(request_der: bytes) -> bytes:
    """``messageImprint.hashedMessage`` of a request."""
    return bytes(tsp.TimeStampReq.load(request_der)["message_imprint"]["hashed_message"].native)


# --- Kamu SM ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KamuSmAccount:
    """An emulated customer: number, password and initial credit."""

    customer_id: int
    password: str = field(repr=False)
    credit: int = 1000


class _Identity(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012 - asn1crypto schema
        ("userid", core.Integer),
        ("salt", core.OctetString),
        ("iteration_count", core.Integer),
        ("iv", core.OctetString),
        ("encrypted", core.OctetString),
    ]


def check_kamusm_identity(
    header: str | None, accounts: dict[int, KamuSmAccount], expected_imprint: bytes
) -> tuple[int | None, str | None]:
    """Verify an ``identity`` header (§5.3). Returns (customer id, error text or ``None``).

    The error texts are those the real service sends as HTTP 200 bodies (§5.5).
    """
    if not header:
        return None, "Account could not be authenticated"
    try:
        value = _Identity.load(bytes.fromhex(header))
        userid = int(value["userid"].native)
        salt = value["salt"].native
        iterations = int(value["iteration_count"].native)
        iv = value["iv"].native
        encrypted = value["encrypted"].native
    except (ValueError, TypeError):
        return None, "Account could not be authenticated"
    account = accounts.get(userid)
    if account is None:
        return userid, f"User {userid} is not known"
    if len(salt) < 8 or iterations < 100 or len(iv) != 16 or len(encrypted) % 16:
        return userid, "Account could not be authenticated"
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(account.password.encode())
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(encrypted) + decryptor.finalize()
    try:
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return userid, "Account could not be authenticated"
    if not hmac.compare_digest(plain, expected_imprint):
        return userid, "Account could not be authenticated"
    return userid, None


def credit_request_imprint(customer_id: str, request_time: str, now: datetime) -> bytes | None:
    """SHA-1(customerId ‖ t) when ``t`` is within the tolerated drift, else ``None`` (§5.4)."""
    try:
        sent = datetime.fromtimestamp(int(request_time) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if abs(now - sent) > _MAX_CLOCK_DRIFT:
        return None
    return hashlib.sha1(f"{customer_id}{request_time}".encode("ascii")).digest()  # noqa: S324


# --- OCSP ---------------------------------------------------------------------------------


def build_ocsp_response(pki: TestPki, request_der: bytes, now: datetime | None = None) -> bytes:
    """Answer an OCSP request for certificates of the test CAs (RFC 6960 §4.2).

    Certificates of the qualified CA are answered by the delegated responder, those of the root
    by the root itself. Serials the CA never issued are ``unknown``.
    """
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    ca_name = None
    for name in ("qualified_ca", "root"):
        probe = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(pki[name].certificate, pki[name].certificate, request.hash_algorithm)
            .build()
        )
        if probe.issuer_key_hash == request.issuer_key_hash:
            ca_name = name
            break
    if ca_name is None:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.UNAUTHORIZED
        ).public_bytes(serialization.Encoding.DER)
    ca = pki[ca_name]
    responder = pki.ocsp if ca_name == "qualified_ca" else ca
    issued = {i.serial_number for i in pki.issued_by(ca_name)}
    revoked = pki.revoked_serials(ca_name)
    serial = request.serial_number
    revocation_time = None
    revocation_reason = None
    if serial in revoked:
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = revoked[serial]
        revocation_reason = x509.ReasonFlags.key_compromise
    elif serial in issued:
        status = ocsp.OCSPCertStatus.GOOD
    else:
        status = ocsp.OCSPCertStatus.UNKNOWN
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=serial,
        algorithm=request.hash_algorithm,
        cert_status=status,
        this_update=moment,
        next_update=moment + timedelta(hours=1),
        revocation_time=revocation_time,
        revocation_reason=revocation_reason,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder.certificate)
    if responder is not ca:
        builder = builder.certificates([responder.certificate])
    for ext in request.extensions:
        if isinstance(ext.value, x509.OCSPNonce):
            builder = builder.add_extension(ext.value, critical=False)
    response = builder.sign(responder.key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)
