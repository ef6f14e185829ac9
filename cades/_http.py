"""A tiny HTTP/1.1 client for TSA, OCSP and CRL endpoints (signatures.md §5.2).

``urllib.request`` hides *when* a failure happened; for time-stamps that matters, because after
the request body has left the host the server may already have charged a credit (§5.2, §5.7).
This module therefore drives :mod:`http.client` directly and reports whether a failure happened
before anything was sent. Retries are bounded, back off exponentially and only happen for network
errors and HTTP 5xx, as the :class:`RetryPolicy` allows; never for 4xx or for a bad body (the
caller decides that a body is bad, so it can never be retried here).
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["HttpFailure", "HttpResponse", "RetryPolicy", "request"]

#: Upper bound for any response body; CRLs of a national CA stay well below this.
DEFAULT_MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class RetryPolicy:
    """How often and when a request may be repeated.

    ``attempts`` counts the first try; ``backoff`` is the pause before the second attempt and
    doubles up to ``max_backoff``. ``retry_server_errors`` allows a retry after HTTP 5xx and
    ``retry_after_send`` after a network error (reset, read timeout) that happened once the body
    had been sent. Both must be ``False`` for services that charge per request (Kamu SM, §5.2):
    then only a failed connect, when nothing reached the server, is retried.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 4.0
    retry_server_errors: bool = True
    retry_after_send: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("RetryPolicy backoff values must not be negative")

    @classmethod
    def no_retry(cls) -> RetryPolicy:
        """A single attempt."""
        return cls(attempts=1)

    @classmethod
    def charged(cls) -> RetryPolicy:
        """Policy for services that charge per request: one retry, only if nothing was sent."""
        return cls(attempts=2, retry_server_errors=False, retry_after_send=False)

    def delay(self, attempt: int) -> float:
        """Pause before attempt number ``attempt + 1`` (``attempt`` starts at 1)."""
        return float(min(self.max_backoff, self.backoff * (2 ** (attempt - 1))))


@dataclass(frozen=True)
class HttpResponse:
    """A successful (2xx) answer."""

    status: int
    content_type: str
    body: bytes
    attempts: int


class HttpFailure(Exception):
    """Transport-level failure; callers translate it into their own error family."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        timeout: bool = False,
        sent: bool = False,
        attempts: int = 1,
        body: bytes = b"",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.timeout = timeout
        self.sent = sent
        self.attempts = attempts
        self.body = body


def _retryable(failure: HttpFailure, policy: RetryPolicy) -> bool:
    if failure.status is not None:
        return failure.status >= 500 and policy.retry_server_errors
    return (not failure.sent) or policy.retry_after_send


def _split(url: str) -> tuple[str, str, int | None, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpFailure(f"unsupported URL {url!r}: use http:// or https://")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, parts.port, path


def _once(
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    connect_timeout: float,
    read_timeout: float,
    max_body: int,
) -> HttpResponse:
    scheme, host, port, path = _split(url)
    conn_cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(host, port, timeout=connect_timeout)
    try:
        try:
            conn.connect()
        except TimeoutError as exc:
            raise HttpFailure(f"connecting to {host} timed out", timeout=True) from exc
        except OSError as exc:
            raise HttpFailure(f"cannot connect to {host}: {exc.strerror or exc}") from exc
        if conn.sock is not None:
            conn.sock.settimeout(read_timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers))
            response = conn.getresponse()
            data = response.read(max_body + 1)
        except TimeoutError as exc:
            raise HttpFailure(
                f"{host} did not answer within {read_timeout:g} s", timeout=True, sent=True
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise HttpFailure(f"connection to {host} failed: {exc}", sent=True) from exc
        if len(data) > max_body:
            raise HttpFailure(f"answer from {host} exceeds {max_body} bytes", sent=True)
        content_type = response.getheader("Content-Type", "") or ""
        if not 200 <= response.status < 300:
            raise HttpFailure(
                f"{host} answered HTTP {response.status} {response.reason}",
                status=response.status,
                sent=True,
                body=data,
            )
        return HttpResponse(response.status, content_type.split(";")[0].strip(), data, 1)
    finally:
        conn.close()


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpResponse:
    """Send one request, repeating it as ``retry`` allows; raise :class:`HttpFailure` at the end.

    ``headers`` may be a callable so that per-attempt values (the Kamu SM ``identity`` header has
    a fresh salt and IV each time, §5.3) are recomputed on every attempt.
    """
    policy = retry or RetryPolicy()
    attempt = 0
    while True:
        attempt += 1
        current = headers() if callable(headers) else dict(headers or {})
        try:
            response = _once(method, url, body, current, connect_timeout, read_timeout, max_body)
        except HttpFailure as failure:
            failure.attempts = attempt
            if attempt >= policy.attempts or not _retryable(failure, policy):
                raise
            sleep(policy.delay(attempt))
            continue
        return HttpResponse(response.status, response.content_type, response.body, attempt)
