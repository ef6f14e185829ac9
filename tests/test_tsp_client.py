"""RFC 3161 client against the live test TSA (signatures.md §5.1, §5.2, §5.5; RFC 3161)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from asn1crypto import tsp

from cades import (
    TimestampHttpError,
    TimestampMismatchError,
    TimestampNetworkError,
    TimestampRejectedError,
    TimestampResponseError,
    TimestampTimeoutError,
    TimestampVerificationError,
)
from cades.tsp import (
    HashAlgorithm,
    PkiStatus,
    RetryPolicy,
    TimestampClient,
    TimestampRequest,
)
from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import (
    TEST_TSA_ALT_POLICY,
    TEST_TSA_POLICY,
    Fault,
    FaultKind,
    LiveServices,
    free_port,
)

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)


def _client(services: LiveServices, live_pki: TestPki, **kwargs: object) -> TimestampClient:
    options: dict[str, object] = {
        "trust_roots": [live_pki.root.certificate],
        "retry": FAST_RETRY,
        "read_timeout": 5.0,
    }
    options.update(kwargs)
    return TimestampClient(services.tsa_url, **options)  # type: ignore[arg-type]


def _openssl_verify(data: Path, tsr: Path, ca_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data), "-in", str(tsr), "-CAfile", str(ca_file)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("algorithm", list(HashAlgorithm))
def test_token_verifies_with_openssl(
    live_services: LiveServices, live_pki: TestPki, tmp_path: Path, algorithm: HashAlgorithm
) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(b"e-Yazisma test data " * 1000)
    result = _client(live_services, live_pki, hash_algorithm=algorithm).timestamp(data.read_bytes())
    tsr = tmp_path / "resp.tsr"
    tsr.write_bytes(result.response_der)

    verified = _openssl_verify(data, tsr, live_pki.ca_bundle_path)
    assert verified.returncode == 0, verified.stderr
    assert "Verification: OK" in verified.stdout
    assert result.status is PkiStatus.GRANTED
    assert result.policy == TEST_TSA_POLICY
    assert result.token.hash_algorithm_oid == algorithm.oid
    assert result.token.imprint == algorithm.digest(data.read_bytes())
    assert result.tsa_certificate == live_pki.tsa.certificate
    assert result.token.chain == (live_pki.tsa.certificate, live_pki.root.certificate)
    assert abs(time.time() - result.gen_time.timestamp()) < 60
    assert result.attempts == 1
    assert result.warnings == ()


def test_openssl_rejects_token_for_other_data(
    live_services: LiveServices, live_pki: TestPki, tmp_path: Path
) -> None:
    result = _client(live_services, live_pki).timestamp(b"original")
    tsr = tmp_path / "resp.tsr"
    tsr.write_bytes(result.response_der)
    other = tmp_path / "other.bin"
    other.write_bytes(b"tampered")
    assert _openssl_verify(other, tsr, live_pki.ca_bundle_path).returncode != 0


def test_stream_input_is_hashed_in_chunks(live_services: LiveServices, live_pki: TestPki) -> None:
    path = live_pki.directory / "stream.bin"
    path.write_bytes(b"x" * (3 * 1024 * 1024 + 5))
    with path.open("rb") as stream:
        result = _client(live_services, live_pki).timestamp(stream)
    assert result.token.imprint == HashAlgorithm.SHA256.digest(path.read_bytes())


def test_serials_are_unique(live_services: LiveServices, live_pki: TestPki) -> None:
    client = _client(live_services, live_pki)
    serials = {client.timestamp(b"same data").serial_number for _ in range(3)}
    assert len(serials) == 3
    assert live_services.stats().tokens["tsa"] == 3


def test_requested_policy_is_sent_and_required(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    result = _client(live_services, live_pki, policy=TEST_TSA_ALT_POLICY).timestamp(b"p")
    assert result.policy == TEST_TSA_ALT_POLICY


def test_unknown_policy_is_rejected_with_fail_info(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    with pytest.raises(TimestampRejectedError) as info:
        _client(live_services, live_pki, policy="1.3.6.1.4.1.32473.9.9").timestamp(b"p")
    assert info.value.fail_info == ("unaccepted_policy",)
    assert info.value.status == PkiStatus.REJECTION
    assert live_services.stats().request_count("tsa") == 1


def test_retries_on_5xx_are_counted_and_bounded(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    live_services.inject(Fault(FaultKind.HTTP_STATUS, status=503, count=2, endpoint="tsa"))
    result = _client(live_services, live_pki).timestamp(b"retry me")
    assert result.attempts == 3
    stats = live_services.stats()
    assert stats.request_count("tsa") == 3
    assert stats.tokens["tsa"] == 1


def test_retries_stop_at_the_bound(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.HTTP_STATUS, status=502, count=10, endpoint="tsa"))
    with pytest.raises(TimestampHttpError) as info:
        _client(live_services, live_pki).timestamp(b"never")
    assert info.value.status == 502
    assert "3 attempts" in str(info.value)
    assert live_services.stats().request_count("tsa") == FAST_RETRY.attempts


def test_no_retry_on_4xx(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.HTTP_STATUS, status=403, count=5, endpoint="tsa"))
    with pytest.raises(TimestampHttpError) as info:
        _client(live_services, live_pki).timestamp(b"forbidden")
    assert info.value.status == 403
    assert live_services.stats().request_count("tsa") == 1


def test_no_retry_on_garbage(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(
        Fault(FaultKind.GARBAGE, count=5, endpoint="tsa", body="<html>Bakımda\x07</html>")
    )
    with pytest.raises(TimestampResponseError) as info:
        _client(live_services, live_pki).timestamp(b"garbage")
    # Decoded as ISO-8859-9 with control characters stripped (§5.5).
    assert "<html>Bakımda</html>" in str(info.value)
    assert live_services.stats().request_count("tsa") == 1


def test_timeout_is_a_clear_error(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.HANG, seconds=3.0, endpoint="tsa"))
    started = time.monotonic()
    with pytest.raises(TimestampTimeoutError) as info:
        _client(live_services, live_pki, read_timeout=0.5, retry=RetryPolicy.no_retry()).timestamp(
            b"slow"
        )
    assert time.monotonic() - started < 2.5
    assert "did not answer within 0.5 s" in str(info.value)
    assert info.value.code == "CADES_TSP_TIMEOUT"


def test_timeout_then_success_with_retry(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.HANG, seconds=1.5, endpoint="tsa"))
    result = _client(live_services, live_pki, read_timeout=0.5).timestamp(b"slow once")
    assert result.attempts == 2


def test_wrong_nonce_is_an_error(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.WRONG_NONCE, endpoint="tsa"))
    with pytest.raises(TimestampMismatchError, match="nonce"):
        _client(live_services, live_pki).timestamp(b"n")
    assert live_services.stats().request_count("tsa") == 1


def test_wrong_imprint_is_an_error(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.WRONG_IMPRINT, endpoint="tsa"))
    with pytest.raises(TimestampMismatchError, match="imprint"):
        _client(live_services, live_pki).timestamp(b"i")
    assert live_services.stats().request_count("tsa") == 1


def test_granted_with_mods_is_accepted_and_reported(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    live_services.inject(Fault(FaultKind.GRANTED_WITH_MODS, endpoint="tsa"))
    result = _client(live_services, live_pki).timestamp(b"mods")
    assert result.status is PkiStatus.GRANTED_WITH_MODS
    assert result.policy == TEST_TSA_ALT_POLICY
    assert any(TEST_TSA_ALT_POLICY in m for m in result.modifications)
    assert any("policy replaced" in m for m in result.modifications)


def test_granted_with_mods_changing_requested_policy_is_refused(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    live_services.inject(Fault(FaultKind.GRANTED_WITH_MODS, endpoint="tsa"))
    with pytest.raises(TimestampMismatchError, match="policy"):
        _client(live_services, live_pki, policy=TEST_TSA_POLICY).timestamp(b"mods")


def test_rejection_reports_fail_info(live_services: LiveServices, live_pki: TestPki) -> None:
    live_services.inject(Fault(FaultKind.REJECT, fail_info="time_not_available", endpoint="tsa"))
    with pytest.raises(TimestampRejectedError) as info:
        _client(live_services, live_pki).timestamp(b"r")
    assert info.value.fail_info == ("time_not_available",)
    assert "injected rejection" in str(info.value)
    assert live_services.stats().request_count("tsa") == 1


def test_token_without_certificate_is_refused(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    live_services.inject(Fault(FaultKind.NO_CERTS, endpoint="tsa"))
    with pytest.raises(TimestampVerificationError, match="certReq"):
        _client(live_services, live_pki).timestamp(b"c")


def test_untrusted_tsa_chain_is_refused(live_services: LiveServices, live_pki: TestPki) -> None:
    # The qualified CA did not issue the TSA certificate, so it is not a valid anchor for it.
    with pytest.raises(TimestampVerificationError, match="not trusted"):
        _client(live_services, live_pki, trust_roots=[live_pki.qualified_ca.certificate]).timestamp(
            b"t"
        )


def test_without_trust_roots_chain_is_not_checked(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    result = _client(live_services, live_pki, trust_roots=[]).timestamp(b"no roots")
    assert result.token.chain == ()


def test_wrong_content_type_is_tolerated_with_warning(
    live_services: LiveServices, live_pki: TestPki
) -> None:
    # A valid TimeStampResp served as text/html must still be parsed (§5.5).
    live_services.inject(Fault(FaultKind.WRONG_CONTENT_TYPE, endpoint="tsa"))
    result = _client(live_services, live_pki).timestamp(b"ct")
    assert result.status is PkiStatus.GRANTED
    assert result.warnings == ("TSA answered with Content-Type 'text/html'",)


def test_connection_refused_is_retried_then_network_error() -> None:
    port = free_port()  # nothing listens there
    client = TimestampClient(f"http://127.0.0.1:{port}/tsa", retry=FAST_RETRY)
    with pytest.raises(TimestampNetworkError, match="3 attempts") as info:
        client.timestamp(b"x")
    assert info.value.exit_code == 4


def test_request_checks_digest_size() -> None:
    with pytest.raises(Exception, match="imprint has 5 bytes"):
        TimestampRequest(b"short", HashAlgorithm.SHA256, 1)


def test_request_der_shape() -> None:
    request = TimestampRequest.for_data(b"abc", policy="2.16.792.1.2.1.1.5.7.3.1")
    parsed = tsp.TimeStampReq.load(request.to_der())
    assert parsed["version"].native == "v1"
    # SHA-2 AlgorithmIdentifier parameters are absent, not NULL (RFC 5754 §2, §5.1).
    algorithm = parsed["message_imprint"]["hash_algorithm"]
    assert algorithm.dump().hex() == "300b0609608648016503040201"
    assert parsed["message_imprint"]["hashed_message"].native == HashAlgorithm.SHA256.digest(b"abc")
    assert parsed["req_policy"].dotted == "2.16.792.1.2.1.1.5.7.3.1"
    assert parsed["cert_req"].native is True
    assert parsed["nonce"].native == request.nonce
    assert request.nonce is not None
    assert request.nonce > 0
    assert request.nonce.bit_length() >= 64
    assert parsed["extensions"].native is None
    assert TimestampRequest.for_data(b"abc").nonce != request.nonce


def test_hash_names() -> None:
    assert HashAlgorithm.from_name("SHA-512") is HashAlgorithm.SHA512
    with pytest.raises(Exception, match="unsupported time-stamp hash 'sha1'"):
        HashAlgorithm.from_name("sha1")
