"""Live TSA / Kamu SM-like TSA / OCSP / CRL services on 127.0.0.1, in a child process.

The services run in a separate process (``python -m eyazisma.testing._server``) so that a hung
or crashing handler cannot take the test process with it, and so the client code is exercised
over a real socket. Tests steer the process through small control endpoints: they read counters
(tokens issued, Kamu SM credits spent, credit queries, authentication failures) and queue faults.

Typical use::

    port = free_port()
    pki = TestPki.create(tmp, base_url=f"http://127.0.0.1:{port}")
    with LiveServices(pki) as services:
        services.inject(Fault(FaultKind.HTTP_STATUS, status=503, count=2))
        ...
        assert services.stats().tokens["tsa"] == 1
"""

from __future__ import annotations

import enum
import json
import os
import selectors
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from eyazisma.testing._responders import KamuSmAccount
from eyazisma.testing._server import KAMUSM_POLICY, TEST_TSA_ALT_POLICY, TEST_TSA_POLICY
from eyazisma.testing.pki import TestPki, free_port

__all__ = [
    "DEFAULT_KAMUSM_ACCOUNT",
    "KAMUSM_POLICY",
    "TEST_TSA_ALT_POLICY",
    "TEST_TSA_POLICY",
    "Fault",
    "FaultKind",
    "KamuSmAccount",
    "LiveServices",
    "ServiceStats",
    "free_port",
    "start_live_services",
    "start_test_pki",
]

_START_TIMEOUT = 30.0


#: The account of signatures.md Appendix A.5 (customer 999, password ``12345678``).
DEFAULT_KAMUSM_ACCOUNT = KamuSmAccount(999, "12345678", 1000)


class FaultKind(enum.Enum):
    """What the next matching request(s) get instead of a normal answer."""

    HTTP_STATUS = "http_status"  #: an HTTP error status (``status``, default 503)
    GARBAGE = "garbage"  #: HTTP 200 with ``body`` (default an HTML page)
    HANG = "hang"  #: no answer for ``seconds``, then the connection closes
    REJECT = "reject"  #: TimeStampResp rejection with ``fail_info``
    GRANTED_WITH_MODS = "granted_with_mods"  #: status 1 and another policy
    WRONG_NONCE = "wrong_nonce"  #: token echoes nonce + 1
    WRONG_IMPRINT = "wrong_imprint"  #: token covers the inverted imprint
    NO_CERTS = "no_certs"  #: token without certificates despite certReq
    WRONG_CONTENT_TYPE = "wrong_content_type"  #: valid token served as ``text/html``


@dataclass(frozen=True)
class Fault:
    """One queued fault; ``endpoint`` is ``tsa``, ``kamusm``, ``ocsp``, ``crl`` or ``*``."""

    kind: FaultKind
    count: int = 1
    endpoint: str = "*"
    status: int = 503
    seconds: float = 5.0
    fail_info: str = "bad_alg"
    body: str | None = None
    content_type: str = "application/timestamp-reply"

    def to_json(self) -> dict[str, Any]:
        """Wire form for the control endpoint."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


@dataclass(frozen=True)
class ServiceStats:
    """Counters of the service process since start or the last :meth:`LiveServices.reset`."""

    requests: dict[str, int]
    tokens: dict[str, int]
    kamusm_spent: dict[int, int]
    kamusm_credit: dict[int, int]
    auth_failures: int
    credit_queries: int
    faults_applied: dict[str, int]
    faults_pending: int

    def request_count(self, endpoint: str) -> int:
        """Requests seen on ``endpoint`` (``tsa``, ``kamusm``, ``credit``, ``ocsp``, ``crl``)."""
        return self.requests.get(endpoint, 0)

    def spent(self, customer_id: int) -> int:
        """Kamu SM credits spent by ``customer_id``."""
        return self.kamusm_spent.get(customer_id, 0)


def start_test_pki(directory: Path) -> TestPki:
    """Create a :class:`TestPki` whose URLs point at a port that is free now."""
    return TestPki.create(directory)


def start_live_services(
    directory: Path,
    *,
    accounts: tuple[KamuSmAccount, ...] | None = None,
    attempts: int = 3,
) -> LiveServices:
    """Issue a PKI under ``directory`` and start its services; the caller must :meth:`stop`.

    The port is chosen before the certificates are issued (they carry the URLs), so another
    process may grab it in between; then the PKI is re-issued for a new port and retried.
    """
    for attempt in range(1, attempts + 1):
        pki = start_test_pki(directory)
        services = LiveServices(pki, accounts=accounts or (DEFAULT_KAMUSM_ACCOUNT,))
        try:
            return services.start()
        except RuntimeError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class LiveServices:
    """Context manager running the services for ``pki`` on the port in ``pki.base_url``."""

    def __init__(
        self,
        pki: TestPki,
        *,
        accounts: tuple[KamuSmAccount, ...] = (DEFAULT_KAMUSM_ACCOUNT,),
        log_path: Path | None = None,
    ) -> None:
        self.pki = pki
        self.accounts = accounts
        self.log_path = log_path or pki.directory / "services.log"
        parts = urllib.parse.urlsplit(pki.base_url)
        if parts.hostname != "127.0.0.1" or parts.port is None:
            raise ValueError("the test services only listen on 127.0.0.1 with an explicit port")
        self.port: int = parts.port
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> LiveServices:
        """Start the child process and wait until it listens."""
        if self._process is not None:
            return self
        accounts = json.dumps(
            [
                {"customer_id": a.customer_id, "password": a.password, "credit": a.credit}
                for a in self.accounts
            ]
        )
        self._log = self.log_path.open("ab")
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "eyazisma.testing._server",
                "--pki",
                str(self.pki.directory),
                "--port",
                str(self.port),
                "--accounts",
                accounts,
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        if self._process is None or self._process.stdout is None:
            raise RuntimeError("test services process is not running")
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=_START_TIMEOUT):
                raise RuntimeError(f"test services did not start; see {self.log_path}")
        line = self._process.stdout.readline().decode("ascii", "replace").strip()
        if not line.startswith("READY"):
            raise RuntimeError(f"test services failed to start ({line!r}); see {self.log_path}")

    def stop(self) -> None:
        """Terminate the child process (only the one this object started)."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LiveServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self._process is not None and self._process.poll() is None

    # --- URLs ------------------------------------------------------------------------------------
    @property
    def tsa_url(self) -> str:
        """Plain RFC 3161 TSA."""
        return self.pki.tsa_url

    @property
    def kamusm_url(self) -> str:
        """Kamu SM-like TSA."""
        return self.pki.kamusm_url

    @property
    def ocsp_url(self) -> str:
        """OCSP responder."""
        return self.pki.ocsp_url

    def crl_url(self, ca: str) -> str:
        """CRL of ``root`` or ``qualified_ca``."""
        return self.pki.crl_url(ca)

    # --- control ---------------------------------------------------------------------------------
    def _control(self, path: str, payload: Any | None = None) -> bytes:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 - fixed http://127.0.0.1 URL
            f"{self.pki.base_url}/_control/{path}",
            data=data,
            method="GET" if data is None else "POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return bytes(response.read())

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each applies to the next ``count`` matching requests."""
        self._control("faults", [f.to_json() for f in faults])

    def reset(self) -> None:
        """Clear counters and pending faults, restore Kamu SM credits."""
        self._control("reset", {})

    def stats(self) -> ServiceStats:
        """Current counters."""
        raw = json.loads(self._control("stats"))
        return ServiceStats(
            requests=raw["requests"],
            tokens=raw["tokens"],
            kamusm_spent={int(k): v for k, v in raw["kamusm_spent"].items()},
            kamusm_credit={int(k): v for k, v in raw["kamusm_credit"].items()},
            auth_failures=raw["auth_failures"],
            credit_queries=raw["credit_queries"],
            faults_applied=raw["faults_applied"],
            faults_pending=raw["faults_pending"],
        )
