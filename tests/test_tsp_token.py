"""Hostile and tampered time-stamp tokens (signatures.md §4.4; DESIGN.md §2.7, §2.12)."""

from __future__ import annotations

import pytest

from cades import TimestampError, TimestampMismatchError, TimestampVerificationError
from cades.tsp import HashAlgorithm, TimestampRequest, verify_timestamp_token
from cades.tsp._token import TimeStampResp
from eyazisma.testing._responders import TokenOptions, build_tsa_response
from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import TEST_TSA_POLICY

REQUEST = TimestampRequest.for_data(b"hostile input", HashAlgorithm.SHA256)


@pytest.fixture(scope="module")
def token(live_pki: TestPki) -> bytes:
    response = build_tsa_response(
        live_pki, REQUEST.to_der(), TokenOptions(policy=TEST_TSA_POLICY, serial=77)
    )
    return bytes(TimeStampResp.load(response)["time_stamp_token"].dump())


def _verify(token: bytes, live_pki: TestPki) -> None:
    verify_timestamp_token(
        token,
        imprint=REQUEST.imprint,
        hash_algorithm_oid=REQUEST.hash_algorithm.oid,
        nonce=REQUEST.nonce,
        trust_roots=[live_pki.root.certificate],
    )


def test_untouched_token_verifies(token: bytes, live_pki: TestPki) -> None:
    _verify(token, live_pki)


def test_flipped_signature_byte_fails(token: bytes, live_pki: TestPki) -> None:
    broken = bytearray(token)
    broken[-3] ^= 0x40  # inside the RSA signature value, the last field of the token
    with pytest.raises(TimestampVerificationError, match="signature is invalid"):
        _verify(bytes(broken), live_pki)


def test_tampered_tst_info_fails_the_message_digest(token: bytes, live_pki: TestPki) -> None:
    serial_field = bytes.fromhex("02014d")  # serialNumber INTEGER 77 inside TSTInfo
    assert token.count(serial_field) == 1
    tampered = token.replace(serial_field, bytes.fromhex("02014e"))
    with pytest.raises(TimestampVerificationError, match="message-digest"):
        _verify(tampered, live_pki)


def test_other_nonce_is_a_mismatch(token: bytes, live_pki: TestPki) -> None:
    with pytest.raises(TimestampMismatchError):
        verify_timestamp_token(
            token,
            imprint=REQUEST.imprint,
            hash_algorithm_oid=REQUEST.hash_algorithm.oid,
            nonce=(REQUEST.nonce or 0) + 1,
        )


@pytest.mark.parametrize("cut", [0, 1, 2, 10, 100, 500, -200, -1])
def test_truncated_tokens_raise_our_error(token: bytes, live_pki: TestPki, cut: int) -> None:
    with pytest.raises(TimestampError):
        _verify(token[:cut], live_pki)


def test_every_byte_flip_raises_only_our_errors(token: bytes, live_pki: TestPki) -> None:
    tsa_der = live_pki.tsa.cert_der
    root_der = live_pki.root.cert_der
    tsa_span = range(token.find(tsa_der), token.find(tsa_der) + len(tsa_der))
    root_start = token.find(root_der)
    root_span = range(root_start, root_start + len(root_der))
    assert tsa_span.start > 0
    assert root_span.start > 0
    accepted_outside_root: list[int] = []
    for position in range(len(token)):
        broken = bytearray(token)
        broken[position] ^= 0xFF
        try:
            _verify(bytes(broken), live_pki)
        except TimestampError:
            continue
        # Anything else than our errors propagates and fails the test (DESIGN.md §2.7).
        if position not in root_span:
            accepted_outside_root.append(position)
    # The embedded root is not used (the anchor comes from the caller). Every byte of the
    # TSA certificate and of the signed part is protected; the few unprotected bytes left
    # are CMS fields outside the signature (digestAlgorithms, SignerInfo version/params).
    assert not [p for p in accepted_outside_root if p in tsa_span]
    assert len(accepted_outside_root) < 40
