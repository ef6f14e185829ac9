"""The HTTP process behind :class:`eyazisma.testing.services.LiveServices`.

Run as ``python -m eyazisma.testing._server --pki DIR --port N [--accounts JSON]``; prints
``READY <port>`` once listening on 127.0.0.1. Endpoints:

* ``POST /tsa`` — plain RFC 3161 TSA (RFC 3161 §3.4).
* ``POST /kamusm`` — Kamu SM-like TSA: requires the ``identity`` header (signatures.md §5.3),
  refuses bad credentials with HTTP 200 text bodies (§5.5), answers ``credit_req`` queries with
  the remaining credit (§5.4) and spends one credit per token issued.
* ``POST /ocsp`` — OCSP responder (RFC 6960); ``GET /crl/<ca>.crl`` — freshly signed CRLs;
  ``GET /certs/<name>.cer`` — CA certificates (AIA caIssuers).
* ``/_control/{health,stats,faults,reset}`` — test hooks: counters and fault injection (5xx,
  garbage, hang, rejection, grantedWithMods, wrong nonce/imprint, no certificates).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from eyazisma.testing import _responders
from eyazisma.testing.pki import TestPki, build_crl

KAMUSM_POLICY = "2.16.792.1.2.1.1.5.7.3.1"
#: Default policy of the plain test TSA: under IANA's documentation PEN 32473 (RFC 5612).
TEST_TSA_POLICY = "1.3.6.1.4.1.32473.1.1"
#: Policy a grantedWithMods answer switches to.
TEST_TSA_ALT_POLICY = "1.3.6.1.4.1.32473.1.2"
_KNOWN_POLICIES = frozenset({KAMUSM_POLICY, TEST_TSA_POLICY, TEST_TSA_ALT_POLICY})
_REPLY = "application/timestamp-reply"
_MAX_BODY = 1024 * 1024


class _State:
    """Counters, credits and the fault queue, shared by all handler threads."""

    def __init__(self, pki: TestPki, accounts: list[_responders.KamuSmAccount]) -> None:
        self.pki = pki
        self.lock = threading.Lock()
        self.initial_accounts = {a.customer_id: a for a in accounts}
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.accounts = dict(self.initial_accounts)
            self.credit = {a.customer_id: a.credit for a in self.accounts.values()}
            self.faults: list[dict[str, Any]] = []
            self.requests: Counter[str] = Counter()
            self.tokens: Counter[str] = Counter()
            self.spent: Counter[int] = Counter()
            self.auth_failures = 0
            self.credit_queries = 0
            self.faults_applied: Counter[str] = Counter()
            self.serial = getattr(self, "serial", 0)
            self.crl_number = getattr(self, "crl_number", 1)

    def next_serial(self) -> int:
        with self.lock:
            self.serial += 1
            return self.serial

    def next_crl_number(self) -> int:
        with self.lock:
            self.crl_number += 1
            return self.crl_number

    def take_fault(self, endpoint: str) -> dict[str, Any] | None:
        with self.lock:
            for fault in self.faults:
                if fault.get("endpoint", "*") in ("*", endpoint) and fault.get("count", 1) > 0:
                    fault["count"] = fault.get("count", 1) - 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    self.faults_applied[fault["kind"]] += 1
                    return dict(fault)
        return None

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "tokens": dict(self.tokens),
                "kamusm_spent": {str(k): v for k, v in self.spent.items()},
                "kamusm_credit": {str(k): v for k, v in self.credit.items()},
                "auth_failures": self.auth_failures,
                "credit_queries": self.credit_queries,
                "faults_applied": dict(self.faults_applied),
                "faults_pending": len(self.faults),
            }


class _Handler(BaseHTTPRequestHandler):
    server_version = "eyazisma-test-services"
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; without TCP_NODELAY, Nagle + delayed ACK add
    # ~40 ms to every answer.
    disable_nagle_algorithm = True
    state: _State  # set on the subclass built in serve()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only (never headers: the identity header must not be logged, §5.8).
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    # --- plumbing --------------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, _MAX_BODY)) if length else b""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _text(self, text: str, status: int = 200) -> None:
        # Kamu SM sends refusals as HTTP 200 text; ISO-8859-9 like the service (§5.4, §5.5).
        self._send(status, text.encode("iso-8859-9"), "text/plain; charset=ISO-8859-9")

    def _apply_transport_fault(self, fault: dict[str, Any] | None) -> bool:
        """Handle faults that replace the answer; True when the answer has been sent."""
        if fault is None:
            return False
        kind = fault["kind"]
        if kind == "http_status":
            self._text(f"injected HTTP {fault.get('status', 503)}", int(fault.get("status", 503)))
            return True
        if kind == "garbage":
            body = str(fault.get("body") or "<html><body>Service Unavailable</body></html>")
            self._send(200, body.encode("iso-8859-9"), str(fault.get("content_type", _REPLY)))
            return True
        if kind == "hang":
            time.sleep(float(fault.get("seconds", 5.0)))
            self.close_connection = True
            return True
        if kind == "reject":
            rejection = _responders.rejection_response(
                "injected rejection", str(fault.get("fail_info", "bad_alg"))
            )
            self._send(200, rejection, _REPLY)
            return True
        return False

    # --- routing ---------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/_control/health":
            self._send(200, b"ok", "text/plain")
        elif path == "/_control/stats":
            self._send(200, json.dumps(self.state.snapshot()).encode(), "application/json")
        elif path.startswith("/crl/") and path.endswith(".crl"):
            self._crl(path[len("/crl/") : -len(".crl")])
        elif path.startswith("/certs/") and path.endswith(".cer"):
            name = path[len("/certs/") : -len(".cer")]
            if name in ("root", "qualified_ca"):
                self._send(200, self.state.pki[name].cert_der, "application/pkix-cert")
            else:
                self._text("not found", 404)
        else:
            self._text("not found", 404)

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        body = self._body()
        if path == "/tsa":
            self._tsa(body)
        elif path == "/kamusm":
            self._kamusm(body)
        elif path == "/ocsp":
            self._ocsp(body)
        elif path == "/_control/faults":
            faults = json.loads(body or b"[]")
            with self.state.lock:
                self.state.faults.extend(faults)
            self._send(200, b"ok", "text/plain")
        elif path == "/_control/reset":
            self.state.reset()
            self._send(200, b"ok", "text/plain")
        else:
            self._text("not found", 404)

    # --- services --------------------------------------------------------------------------------
    def _crl(self, ca: str) -> None:
        state = self.state
        with state.lock:
            state.requests["crl"] += 1
        if ca not in ("root", "qualified_ca"):
            self._text("not found", 404)
            return
        fault = state.take_fault("crl")
        if self._apply_transport_fault(fault):
            return
        now = datetime.now(UTC).replace(microsecond=0)
        crl = build_crl(
            state.pki[ca].certificate,
            state.pki[ca].key,
            state.pki.revoked_serials(ca),
            number=state.next_crl_number(),
            this_update=now,
            next_update=now + timedelta(days=1),
        )
        self._send(200, crl.public_bytes(serialization.Encoding.DER), "application/pkix-crl")

    def _ocsp(self, body: bytes) -> None:
        state = self.state
        with state.lock:
            state.requests["ocsp"] += 1
        if self._apply_transport_fault(state.take_fault("ocsp")):
            return
        self._send(
            200, _responders.build_ocsp_response(state.pki, body), "application/ocsp-response"
        )

    def _token(self, endpoint: str, body: bytes, default_policy: str) -> tuple[bytes, str] | None:
        """Build a token answer honouring token-level faults; ``None`` when already answered."""
        state = self.state
        fault = state.take_fault(endpoint)
        if self._apply_transport_fault(fault):
            return None
        kind = fault["kind"] if fault else None
        try:
            policy = _responders.request_policy(body) or default_policy
        except ValueError:
            self._send(
                200, _responders.rejection_response("bad request", "bad_data_format"), _REPLY
            )
            return None
        if policy not in _KNOWN_POLICIES:
            self._send(
                200,
                _responders.rejection_response("unknown policy", "unaccepted_policy"),
                _REPLY,
            )
            return None
        if kind == "granted_with_mods":
            policy = TEST_TSA_ALT_POLICY
        options = _responders.TokenOptions(
            policy=policy,
            serial=state.next_serial(),
            wrong_nonce=kind == "wrong_nonce",
            wrong_imprint=kind == "wrong_imprint",
            include_certs=kind != "no_certs",
        )
        try:
            answer = _responders.build_tsa_response(
                state.pki, body, options, granted_with_mods=kind == "granted_with_mods"
            )
        except ValueError:
            self._send(
                200, _responders.rejection_response("bad request", "bad_data_format"), _REPLY
            )
            return None
        with state.lock:
            state.tokens[endpoint] += 1
        return answer, "text/html" if kind == "wrong_content_type" else _REPLY

    def _tsa(self, body: bytes) -> None:
        with self.state.lock:
            self.state.requests["tsa"] += 1
        answer = self._token("tsa", body, TEST_TSA_POLICY)
        if answer is not None:
            self._send(200, *answer)

    def _kamusm(self, body: bytes) -> None:
        state = self.state
        identity = self.headers.get("identity")
        credit_req = self.headers.get("credit_req")
        if credit_req is not None:
            self._credit(identity, credit_req, self.headers.get("credit_req_time") or "")
            return
        with state.lock:
            state.requests["kamusm"] += 1
        try:
            imprint = _responders.request_imprint(body)
        except ValueError:
            imprint = b""
        customer, error = _responders.check_kamusm_identity(identity, state.accounts, imprint)
        if error is not None or customer is None:
            with state.lock:
                state.auth_failures += 1
            self._text(error or "Account could not be authenticated")
            return
        with state.lock:
            remaining = state.credit.get(customer, 0)
        if remaining <= 0:
            self._text(f"User {customer} has no credit left")
            return
        answer = self._token("kamusm", body, KAMUSM_POLICY)
        if answer is None:
            return
        with state.lock:
            state.credit[customer] -= 1
            state.spent[customer] += 1
        self._send(200, *answer)

    def _credit(self, identity: str | None, customer_text: str, request_time: str) -> None:
        state = self.state
        with state.lock:
            state.requests["credit"] += 1
            state.credit_queries += 1
        imprint = _responders.credit_request_imprint(customer_text, request_time, datetime.now(UTC))
        if imprint is None:
            self._text("Account could not be authenticated")
            return
        customer, error = _responders.check_kamusm_identity(identity, state.accounts, imprint)
        if error is not None or customer is None or str(customer) != customer_text.strip():
            with state.lock:
                state.auth_failures += 1
            self._text(error or "Account could not be authenticated")
            return
        with state.lock:
            remaining = state.credit.get(customer, 0)
        self._send(200, str(remaining).encode("ascii"), _REPLY)


def serve(pki_dir: Path, port: int, accounts: list[_responders.KamuSmAccount]) -> None:
    """Serve until terminated."""
    pki = TestPki.load(pki_dir)
    handler = type("Handler", (_Handler,), {"state": _State(pki, accounts)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the service process."""
    parser = argparse.ArgumentParser(prog="eyazisma-test-services")
    parser.add_argument("--pki", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", default="[]", help="JSON list of Kamu SM accounts")
    args = parser.parse_args(argv)
    accounts = [_responders.KamuSmAccount(**a) for a in json.loads(args.accounts)]
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.pki, args.port, accounts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
