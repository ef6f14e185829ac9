"""Kamu SM (ZD/TZD) authenticated time-stamps: the ``identity`` header and the credit query.

signatures.md §5.3 (header), §5.4 (kontör query), §5.5 (errors as HTTP 200 text),
§5.7 (credit hygiene) and Appendix A.5/A.6 (test vectors).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

from asn1crypto import core
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from cades import _http
from cades.errors import (
    TimestampAuthenticationError,
    TimestampConfigError,
    TimestampResponseError,
)

__all__ = [
    "KAMUSM_IDENTITY_OID",
    "KAMUSM_POLICY_OID",
    "KamuSmAuth",
    "credit_imprint",
    "decode_service_text",
    "kamusm_identity",
    "query_kamusm_credit",
]

#: TSTInfo policy of Kamu SM time-stamps (§4.4 item 9, §5.1).
KAMUSM_POLICY_OID = "2.16.792.1.2.1.1.5.7.3.1"
#: OID associated with the identity structure (Appendix A.7); it is not part of the encoding.
KAMUSM_IDENTITY_OID = "1.3.6.1.4.1.11311.10.2.1"

_DEFAULT_ITERATIONS = 100  # the incumbent's value; see §10 Q8 before raising it
_SALT_BYTES = 16
_IV_BYTES = 16
# Known Kamu SM refusal texts (§5.5); they arrive as HTTP 200 bodies.
_AUTH_MARKERS = ("is not known", "could not be authenticated", "authenticat")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_TEXT = 300


class _KamuSmIdentity(core.Sequence):  # type: ignore[misc]
    """``KamuSMIdentity`` of §5.3 step 6."""

    _fields = [  # noqa: RUF012 - asn1crypto's declarative schema
        ("userid", core.Integer),
        ("salt", core.OctetString),
        ("iteration_count", core.Integer),
        ("iv", core.OctetString),
        ("encrypted_message_imprint", core.OctetString),
    ]


def kamusm_identity(
    customer_id: int,
    password: str,
    imprint: bytes,
    *,
    salt: bytes | None = None,
    iv: bytes | None = None,
    iterations: int = _DEFAULT_ITERATIONS,
) -> bytes:
    """DER of the identity structure for ``imprint`` (§5.3 steps 1–6).

    ``salt`` and ``iv`` default to fresh CSPRNG bytes; fixed values exist for the Appendix A.5
    test vector only.
    """
    if not password:
        raise TimestampConfigError(
            "the Kamu SM password is empty; set it (prompt or EYAZISMA_KAMUSM_PASSWORD)"
        )
    if customer_id <= 0:
        raise TimestampConfigError("the Kamu SM customer number must be a positive integer")
    salt = os.urandom(_SALT_BYTES) if salt is None else salt
    iv = os.urandom(_IV_BYTES) if iv is None else iv
    if len(salt) < 8 or len(iv) != 16 or iterations < 1:
        raise TimestampConfigError("identity salt must be ≥ 8 bytes, iv 16 bytes")
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations).derive(
        password.encode("utf-8")
    )
    padder = padding.PKCS7(128).padder()
    padded = padder.update(imprint) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    value = _KamuSmIdentity(
        {
            "userid": customer_id,
            "salt": salt,
            "iteration_count": iterations,
            "iv": iv,
            "encrypted_message_imprint": ciphertext,
        }
    )
    return bytes(value.dump())


def credit_imprint(customer_id: int, request_time_ms: str) -> bytes:
    """§5.4 step 2: SHA-1(ASCII(str(customerId) ‖ t)); SHA-1 is Kamu SM's choice, not ours."""
    ctx = hashes.Hash(hashes.SHA1())  # noqa: S303 - fixed by the service protocol
    ctx.update(f"{customer_id}{request_time_ms}".encode("ascii"))
    return ctx.finalize()


def decode_service_text(body: bytes) -> str:
    """Decode a service text as ISO-8859-9 with control characters stripped (§5.4, §5.5)."""
    text = _CONTROL.sub("", body.decode("iso-8859-9", errors="replace")).strip()
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def is_auth_refusal(text: str) -> bool:
    """True when a service text is one of Kamu SM's authentication refusals (§5.5)."""
    lowered = text.lower()
    return any(marker in lowered for marker in _AUTH_MARKERS)


@dataclass(frozen=True)
class KamuSmAuth:
    """Credentials for the Kamu SM time-stamp service; a :class:`TimestampAuth` (§5.3).

    The password is kept out of ``repr`` and never logged (§5.8). Because every request spends
    a credit, clients using this auth retry only when nothing reached the server (§5.2).
    """

    customer_id: int
    password: str = field(repr=False)
    iterations: int = _DEFAULT_ITERATIONS
    charges_per_request: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        if not self.password:
            raise TimestampConfigError(
                "the Kamu SM password is empty; set it (prompt or EYAZISMA_KAMUSM_PASSWORD)"
            )
        if self.customer_id <= 0:
            raise TimestampConfigError("the Kamu SM customer number must be a positive integer")

    def headers_for(self, imprint: bytes) -> dict[str, str]:
        """HTTP headers for a request over ``imprint`` (fresh salt and IV every call)."""
        der = kamusm_identity(self.customer_id, self.password, imprint, iterations=self.iterations)
        return {"identity": der.hex()}


def query_kamusm_credit(
    url: str,
    auth: KamuSmAuth,
    *,
    now_ms: int | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
    retry: _http.RetryPolicy | None = None,
) -> int:
    """Ask the Kamu SM service how many time-stamp credits remain (§5.4). Spends nothing.

    The body is empty, so no time-stamp can be issued by this call. Raises
    :class:`TimestampAuthenticationError` when the service refuses the credentials.
    The ``credit_req`` headers contain underscores, which some reverse proxies (nginx by
    default) drop; behind such a proxy the query fails as an authentication error (§5.4 item 6).
    """
    from cades.tsp._client import translate_http_failure

    t = str(int(time.time() * 1000) if now_ms is None else now_ms)

    def headers() -> dict[str, str]:
        # Recomputed per attempt: the identity has a fresh salt/IV each time.
        values = auth.headers_for(credit_imprint(auth.customer_id, t))
        values.update(
            {
                "Content-Type": "application/timestamp-query",
                "credit_req": str(auth.customer_id),
                "credit_req_time": t,
            }
        )
        return values

    try:
        response = _http.request(
            "POST",
            url,
            body=b"",
            headers=headers,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retry=retry or _http.RetryPolicy(),
        )
    except _http.HttpFailure as failure:
        raise translate_http_failure(failure, "credit query") from failure
    text = decode_service_text(response.body)
    if text.isascii() and text.isdigit():
        return int(text)
    if is_auth_refusal(text):
        raise TimestampAuthenticationError(
            f"Kamu SM refused the credentials: {text!r}; check the customer number and password"
        )
    raise TimestampResponseError(f"unexpected credit query answer: {text!r}")
