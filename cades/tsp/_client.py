"""RFC 3161 time-stamp client over HTTP (RFC 3161 §3.4; signatures.md §5.1–§5.5).

Pluggable authentication (§5.6): plain RFC 3161 (``auth=None``), Kamu SM
(:class:`~cades.tsp.KamuSmAuth`) or any :class:`TimestampAuth` such as :class:`HeaderAuth` for
basic authentication or custom headers. The client sends exactly one time-stamp request per call
and only when asked to: no warm-up, no health check, no dummy request (§5.7).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol, runtime_checkable

from cryptography import x509

from cades import _http
from cades.errors import (
    TimestampAuthenticationError,
    TimestampError,
    TimestampHttpError,
    TimestampNetworkError,
    TimestampRejectedError,
    TimestampResponseError,
    TimestampTimeoutError,
)
from cades.tsp._hash import HashAlgorithm
from cades.tsp._kamusm import decode_service_text, is_auth_refusal
from cades.tsp._request import TimestampRequest
from cades.tsp._token import TimeStampResp, TimestampToken, verify_timestamp_token

__all__ = [
    "HeaderAuth",
    "PkiStatus",
    "TimestampAuth",
    "TimestampClient",
    "TimestampResult",
    "translate_http_failure",
]

_QUERY_TYPE = "application/timestamp-query"
_REPLY_TYPE = "application/timestamp-reply"
_USER_AGENT = "eyazisma-cades"


class PkiStatus(enum.IntEnum):
    """``PKIStatus`` of RFC 3161 §2.4.2 / RFC 4210."""

    GRANTED = 0
    GRANTED_WITH_MODS = 1
    REJECTION = 2
    WAITING = 3
    REVOCATION_WARNING = 4
    REVOCATION_NOTIFICATION = 5


@runtime_checkable
class TimestampAuth(Protocol):
    """Adds authentication headers to a time-stamp request."""

    @property
    def charges_per_request(self) -> bool:
        """True when the service bills every request (then no retry after sending, §5.2)."""
        ...

    def headers_for(self, imprint: bytes) -> Mapping[str, str]:
        """Headers for one attempt of a request over ``imprint``."""
        ...


@dataclass(frozen=True)
class HeaderAuth:
    """Static extra headers (e.g. ``Authorization: Basic …``) for other ESHS (§5.6)."""

    headers: Mapping[str, str] = field(repr=False)
    charges_per_request: bool = False

    def headers_for(self, imprint: bytes) -> Mapping[str, str]:
        """The configured headers, whatever the imprint."""
        del imprint
        return dict(self.headers)


@dataclass(frozen=True)
class TimestampResult:
    """A granted, verified time-stamp.

    ``response_der`` is the whole ``TimeStampResp`` (what ``.tsr`` files hold); ``token.token_der``
    is the ``TimeStampToken`` to embed in a signature. ``modifications`` lists what a
    grantedWithMods answer changed compared with the request (§5.5); ``warnings`` lists tolerated
    oddities such as a wrong Content-Type.
    """

    token: TimestampToken
    response_der: bytes
    status: PkiStatus
    status_text: str | None
    modifications: tuple[str, ...]
    warnings: tuple[str, ...]
    attempts: int

    @property
    def token_der(self) -> bytes:
        """DER ``TimeStampToken`` (ContentInfo/SignedData)."""
        return self.token.token_der

    @property
    def gen_time(self) -> datetime:
        """``TSTInfo.genTime`` (UTC)."""
        return self.token.gen_time

    @property
    def serial_number(self) -> int:
        """``TSTInfo.serialNumber``."""
        return self.token.serial_number

    @property
    def policy(self) -> str:
        """``TSTInfo.policy`` (Kamu SM: ``2.16.792.1.2.1.1.5.7.3.1``)."""
        return self.token.policy

    @property
    def tsa_certificate(self) -> x509.Certificate:
        """The certificate that signed the token."""
        return self.token.tsa_certificate


def translate_http_failure(failure: _http.HttpFailure, what: str) -> TimestampError:
    """Map a transport failure to our error family with an actionable message."""
    attempts = f" (after {failure.attempts} attempt{'s' if failure.attempts != 1 else ''})"
    if failure.timeout:
        return TimestampTimeoutError(
            f"time-stamp {what} timed out: {failure.message}{attempts}; "
            "try again later or raise the timeout"
        )
    if failure.status is not None:
        return TimestampHttpError(
            f"time-stamp {what} failed: {failure.message}{attempts}", status=failure.status
        )
    return TimestampNetworkError(
        f"time-stamp {what} failed: {failure.message}{attempts}; check the URL and network"
    )


def _status_text(status_info: Any) -> str | None:
    strings = status_info["status_string"].native
    return "; ".join(strings) if strings else None


def _fail_info(status_info: Any) -> tuple[str, ...]:
    bits = status_info["fail_info"].native
    return tuple(sorted(bits)) if bits else ()


@dataclass(frozen=True)
class TimestampClient:
    """Obtain RFC 3161 time-stamps from one TSA URL.

    ``policy`` is sent as ``reqPolicy`` and then required in the answer. ``trust_roots`` (TSA
    trust anchors, §4.4 item 5) are optional: without them the token is checked but its chain is
    not. ``retry`` defaults to bounded retries on network errors and 5xx; for a service that
    charges per request (Kamu SM) it defaults to :meth:`RetryPolicy.charged` (§5.2).
    """

    url: str
    auth: TimestampAuth | None = None
    trust_roots: Sequence[x509.Certificate] = ()
    policy: str | None = None
    hash_algorithm: HashAlgorithm = HashAlgorithm.SHA256
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retry: _http.RetryPolicy | None = None
    user_agent: str = _USER_AGENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "trust_roots", tuple(self.trust_roots))

    def _retry_policy(self) -> _http.RetryPolicy:
        if self.retry is not None:
            return self.retry
        if self.auth is not None and self.auth.charges_per_request:
            return _http.RetryPolicy.charged()
        return _http.RetryPolicy()

    def timestamp(self, data: bytes | BinaryIO) -> TimestampResult:
        """Time-stamp ``data`` (hashed locally with :attr:`hash_algorithm`)."""
        return self.timestamp_digest(self.hash_algorithm.digest(data), self.hash_algorithm)

    def timestamp_digest(
        self, imprint: bytes, hash_algorithm: HashAlgorithm | None = None
    ) -> TimestampResult:
        """Time-stamp a pre-computed digest (e.g. of a CAdES signature value, §3.5)."""
        request = TimestampRequest.for_digest(
            imprint, hash_algorithm or self.hash_algorithm, policy=self.policy
        )
        return self.send(request)

    def send(self, request: TimestampRequest) -> TimestampResult:
        """Send ``request`` and return the verified answer. One call = at most one token."""

        def headers() -> dict[str, str]:
            values = {"Content-Type": _QUERY_TYPE, "User-Agent": self.user_agent}
            if self.auth is not None:
                values.update(self.auth.headers_for(request.imprint))
            return values

        try:
            response = _http.request(
                "POST",
                self.url,
                body=request.to_der(),
                headers=headers,
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retry=self._retry_policy(),
            )
        except _http.HttpFailure as failure:
            raise translate_http_failure(failure, "request") from failure
        return self._evaluate(request, response)

    def _evaluate(self, request: TimestampRequest, response: _http.HttpResponse) -> TimestampResult:
        warnings: list[str] = []
        if response.content_type != _REPLY_TYPE:
            warnings.append(f"TSA answered with Content-Type {response.content_type or 'none'!r}")
        try:
            resp = TimeStampResp.load(response.body, strict=True)
            status_info = resp["status"]
            status_value = status_info["status"].native
            token_value = resp["time_stamp_token"]
            # asn1crypto parses lazily; touch the fields now so garbage fails here.
            status_info.native  # noqa: B018
            status = PkiStatus[str(status_value).upper()]
        except (ValueError, TypeError, KeyError) as exc:
            body_text = decode_service_text(response.body)
            if is_auth_refusal(body_text):
                raise TimestampAuthenticationError(
                    f"the TSA refused the credentials: {body_text!r}; "
                    "check the customer number and password"
                ) from exc
            raise TimestampResponseError(
                f"the TSA answer is not a time-stamp response: {body_text!r}"
            ) from exc
        text = _status_text(status_info)
        if status not in (PkiStatus.GRANTED, PkiStatus.GRANTED_WITH_MODS):
            fail_info = _fail_info(status_info)
            raise TimestampRejectedError(
                f"the TSA refused the request: status {status.name.lower()}"
                + (f", failInfo {', '.join(fail_info)}" if fail_info else "")
                + (f", {text!r}" if text else ""),
                status=int(status),
                fail_info=fail_info,
            )
        if not token_value:
            raise TimestampResponseError("the TSA granted the request but sent no token")
        token = verify_timestamp_token(
            token_value.dump(),
            imprint=request.imprint,
            hash_algorithm_oid=request.hash_algorithm.oid,
            nonce=request.nonce,
            policy=request.policy,
            trust_roots=self.trust_roots,
        )
        modifications: list[str] = []
        if status is PkiStatus.GRANTED_WITH_MODS:
            if request.policy is None:
                modifications.append(f"policy chosen by the TSA: {token.policy}")
            if token.accuracy is not None:
                modifications.append(f"accuracy: {token.accuracy.total_seconds():g} s")
            if text:
                modifications.append(f"TSA says: {text}")
            if not modifications:
                modifications.append("grantedWithMods without a visible difference")
        return TimestampResult(
            token=token,
            response_der=response.body,
            status=status,
            status_text=text,
            modifications=tuple(modifications),
            warnings=tuple(warnings),
            attempts=response.attempts,
        )
