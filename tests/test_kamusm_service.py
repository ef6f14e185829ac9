"""Kamu SM authenticated time-stamps and credit queries against the local emulator (§5.3–§5.7)."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cades import TimestampAuthenticationError, TimestampHttpError, TimestampNetworkError
from cades.tsp import (
    KAMUSM_POLICY_OID,
    HashAlgorithm,
    HeaderAuth,
    KamuSmAuth,
    RetryPolicy,
    TimestampClient,
    kamusm_identity,
    query_kamusm_credit,
)
from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import (
    DEFAULT_KAMUSM_ACCOUNT,
    Fault,
    FaultKind,
    LiveServices,
    free_port,
)

CUSTOMER = DEFAULT_KAMUSM_ACCOUNT.customer_id
PASSWORD = DEFAULT_KAMUSM_ACCOUNT.password


def _client(services: LiveServices, live_pki: TestPki, password: str = PASSWORD) -> TimestampClient:
    return TimestampClient(
        services.kamusm_url,
        auth=KamuSmAuth(CUSTOMER, password),
        trust_roots=[live_pki.root.certificate],
        read_timeout=5.0,
    )


def test_right_password_is_accepted_and_spends_one_credit(
    live_services: LiveServices, live_pki: TestPki, tmp_path: Path
) -> None:
    data = tmp_path / "belge.xml"
    data.write_bytes(b"<belge/>")
    result = _client(live_services, live_pki).timestamp(data.read_bytes())
    assert result.policy == KAMUSM_POLICY_OID
    assert result.token.accuracy is not None
    assert result.token.accuracy.total_seconds() == 1
    stats = live_services.stats()
    assert stats.spent(CUSTOMER) == 1
    assert stats.tokens["kamusm"] == 1
    assert stats.auth_failures == 0
    tsr = tmp_path / "belge.tsr"
    tsr.write_bytes(result.response_der)
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data), "-in", str(tsr), "-CAfile",
         str(live_pki.ca_bundle_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr


def test_wrong_password_is_refused_in_kamusm_style_without_retry(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    with pytest.raises(TimestampAuthenticationError) as info:
        _client(live_services, live_pki, password="wrong-password").timestamp(b"x")
    assert "Account could not be authenticated" in str(info.value)
    assert info.value.exit_code == 2
    stats = live_services.stats()
    assert stats.request_count("kamusm") == 1  # §5.5: MUST NOT retry
    assert stats.auth_failures == 1
    assert stats.spent(CUSTOMER) == 0
    assert stats.tokens.get("kamusm", 0) == 0


def test_unknown_customer_is_refused(live_services: LiveServices, live_pki: TestPki) -> None:
    client = TimestampClient(live_services.kamusm_url, auth=KamuSmAuth(4242, PASSWORD))
    with pytest.raises(TimestampAuthenticationError, match="User 4242 is not known"):
        client.timestamp(b"x")


def test_request_without_header_is_refused(live_services: LiveServices) -> None:
    with pytest.raises(TimestampAuthenticationError):
        TimestampClient(live_services.kamusm_url).timestamp(b"x")
    assert live_services.stats().spent(CUSTOMER) == 0


def test_credit_query_answers_and_spends_nothing(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    auth = KamuSmAuth(CUSTOMER, PASSWORD)
    before = query_kamusm_credit(live_services.kamusm_url, auth)
    assert before == DEFAULT_KAMUSM_ACCOUNT.credit
    again = query_kamusm_credit(live_services.kamusm_url, auth)
    assert again == before
    stats = live_services.stats()
    assert stats.credit_queries == 2
    assert stats.spent(CUSTOMER) == 0
    assert stats.tokens == {}
    assert stats.request_count("kamusm") == 0

    _client(live_services, live_pki).timestamp(b"one real stamp")
    assert query_kamusm_credit(live_services.kamusm_url, auth) == before - 1


def test_credit_query_with_wrong_password(live_services: LiveServices) -> None:
    with pytest.raises(TimestampAuthenticationError, match="could not be authenticated"):
        query_kamusm_credit(live_services.kamusm_url, KamuSmAuth(CUSTOMER, "nope-nope"))
    assert live_services.stats().auth_failures == 1


def test_credit_query_with_stale_clock_is_refused(live_services: LiveServices) -> None:
    stale = int((time.time() - 3600) * 1000)  # the service tolerates 10 minutes (§5.4)
    with pytest.raises(TimestampAuthenticationError):
        query_kamusm_credit(live_services.kamusm_url, KamuSmAuth(CUSTOMER, PASSWORD), now_ms=stale)


def test_5xx_is_not_retried_for_a_charging_service(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    # After the body was sent the server may have charged a credit: no automatic retry (§5.2).
    live_services.inject(Fault(FaultKind.HTTP_STATUS, status=503, count=3, endpoint="kamusm"))
    with pytest.raises(TimestampHttpError):
        _client(live_services, live_pki).timestamp(b"x")
    assert live_services.stats().request_count("kamusm") == 1


def test_timeout_is_not_retried_for_a_charging_service(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    live_services.inject(Fault(FaultKind.HANG, seconds=1.5, endpoint="kamusm"))
    client = TimestampClient(
        live_services.kamusm_url, auth=KamuSmAuth(CUSTOMER, PASSWORD), read_timeout=0.4
    )
    with pytest.raises(TimestampNetworkError):
        client.timestamp(b"x")
    assert live_services.stats().request_count("kamusm") == 1


def test_charged_policy_retries_only_before_sending() -> None:
    policy = RetryPolicy.charged()
    assert policy.attempts == 2
    assert not policy.retry_server_errors
    assert not policy.retry_after_send


def test_client_sends_nothing_until_asked(live_services: LiveServices, live_pki: TestPki) -> None:
    # Building clients and auth objects must not talk to the service (§5.7: no warm-up).
    _client(live_services, live_pki)
    KamuSmAuth(CUSTOMER, PASSWORD).headers_for(b"\x00" * 32)
    stats = live_services.stats()
    assert stats.requests == {}
    assert stats.spent(CUSTOMER) == 0


def test_identity_over_another_imprint_is_refused(live_services: LiveServices) -> None:
    # Right customer and password, but the header encrypts the imprint of other data: the
    # header must bind this very request (§5.3), so the emulator refuses it.
    other = HashAlgorithm.SHA256.digest(b"some other document")
    header = kamusm_identity(DEFAULT_KAMUSM_ACCOUNT.customer_id, PASSWORD, other).hex()
    client = TimestampClient(live_services.kamusm_url, auth=HeaderAuth({"identity": header}))
    with pytest.raises(TimestampAuthenticationError):
        client.timestamp(b"this document")
    assert live_services.stats().spent(CUSTOMER) == 0


def test_connect_failure_is_retried_once_for_a_charging_service() -> None:
    # Nothing reached the server, so one retry is allowed (§5.2).
    client = TimestampClient(
        f"http://127.0.0.1:{free_port()}/kamusm", auth=KamuSmAuth(CUSTOMER, PASSWORD)
    )
    with pytest.raises(TimestampNetworkError, match="after 2 attempts"):
        client.timestamp(b"x")


def test_concurrent_stamps_spend_exactly_one_credit_each(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    client = _client(live_services, live_pki)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: client.timestamp(f"doc {i}".encode()), range(12)))
    assert len({r.serial_number for r in results}) == 12
    stats = live_services.stats()
    assert stats.spent(CUSTOMER) == 12
    assert stats.kamusm_credit[CUSTOMER] == DEFAULT_KAMUSM_ACCOUNT.credit - 12
