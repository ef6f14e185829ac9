"""PIN safety on SoftHSM2 (signatures.md §6.5): one login per PIN, flags checked before login.

``C_Login`` calls are counted independently of our code by OpenSC's pkcs11-spy, loaded in front
of SoftHSM2. SoftHSM2 never reaches the FINAL_TRY / LOCKED states by itself, so the
``keys-final`` / ``keys-locked`` tokens have those bits set in the token flags SoftHSM2 persists
(``SoftHsmToken.set_token_flags``); the library reads them through the normal
``C_GetTokenInfo`` path — nothing inside ``keys`` is patched.
"""

from __future__ import annotations

import logging

import pytest
from fixtures_keys import DISTINCT_PIN, SoftHsmTokens, SpyLog

from keys import (
    PinCancelledError,
    PinFinalTryError,
    PinLockedError,
    SignatureMechanism,
    WrongPinError,
)
from keys.pkcs11 import TokenInfo, open_token

pytestmark = pytest.mark.softhsm

WRONG = "97531"


class CountingCallback:
    def __init__(self, pin: str | bytes | bytearray | None) -> None:
        self.pin = pin
        self.calls: list[TokenInfo] = []

    def __call__(self, info: TokenInfo) -> str | bytes | bytearray | None:
        self.calls.append(info)
        return self.pin


def test_wrong_pin_is_tried_exactly_once(
    keys_spy: SpyLog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = open_token(keys_spy.module, label="keys-pin")
    callback = CountingCallback(WRONG)
    before = keys_spy.count("C_Login")
    with pytest.raises(WrongPinError) as info:
        token.open_key(b"\x01", callback)
    assert keys_spy.count("C_Login") - before == 1
    assert len(callback.calls) == 1
    err = info.value
    assert err.code == "KEYS_WRONG_PIN"
    assert "3 wrong PINs" in str(err)
    # flags were re-read after the failure; SoftHSM2 sets COUNT_LOW
    assert err.pin_status is not None
    assert err.pin_status.count_low  # type: ignore[attr-defined]
    for text in (str(err), repr(err), repr(err.pin_status), repr(err.__cause__), caplog.text):
        assert WRONG not in text
    # the next attempt shows COUNT_LOW to the callback, and is again exactly one login
    callback2 = CountingCallback(bytearray(WRONG.encode()))
    with pytest.raises(WrongPinError):
        token.open_key(b"\x01", callback2)
    assert callback2.calls[0].pin_status.count_low
    assert keys_spy.count("C_Login") - before == 2
    assert callback2.pin == bytearray(len(WRONG))  # the bytearray PIN was wiped


def test_right_pin_after_wrong_one_works_and_keeps_pin_out_of_repr(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-pin")
    with token.open_key(b"\x01", CountingCallback(DISTINCT_PIN)) as key:
        key.sign(b"x", SignatureMechanism.RSA_PKCS1_SHA256)
        for text in (repr(key), str(key), repr(key.pin_status_at_login), repr(token.info())):
            assert DISTINCT_PIN not in text


def test_locked_token_refused_before_any_login(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-locked")
    assert token.info().pin_status.locked
    callback = CountingCallback("1234")
    before = keys_spy.count("C_Login")
    with pytest.raises(PinLockedError) as info:
        token.open_key(b"\x01", callback)
    assert keys_spy.count("C_Login") == before
    assert callback.calls == []  # not even asked
    assert info.value.code == "KEYS_PIN_LOCKED"
    assert "Kamu SM" in str(info.value)


def test_final_try_needs_explicit_permission(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-final")
    callback = CountingCallback("1234")
    before = keys_spy.count("C_Login")
    with pytest.raises(PinFinalTryError) as info:
        token.open_key(b"\x01", callback)
    assert keys_spy.count("C_Login") == before
    assert callback.calls == []
    assert "next wrong PIN locks" in str(info.value)
    with token.open_key(b"\x01", callback, allow_final_try=True) as key:
        key.sign(b"x", SignatureMechanism.RSA_PKCS1_SHA256)
    assert keys_spy.count("C_Login") - before == 1
    assert len(callback.calls) == 1
    assert callback.calls[0].pin_status.final_try


def test_cancelled_prompt_logs_nothing_in(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-pin")
    before = keys_spy.count("C_Login")
    with pytest.raises(PinCancelledError):
        token.open_key(b"\x01", CountingCallback(None))
    assert keys_spy.count("C_Login") == before


def test_softhsm_helper_repr_hides_pins(softhsm_tokens: SoftHsmTokens) -> None:
    assert DISTINCT_PIN not in repr(softhsm_tokens.pin)
    assert softhsm_tokens.pin.user_pin == DISTINCT_PIN


def test_relogin_after_lost_login_is_tried_once(keys_spy: SpyLog) -> None:
    # An HSM restart loses the login; the re-login uses the callback once, never loops.
    token = open_token(keys_spy.module, label="keys-main")
    answers = iter(["1234", WRONG])
    with token.open_key(b"\x01", lambda info: next(answers)) as key:
        key._login.session.close()  # C_Logout + close: the login is gone
        before = keys_spy.count("C_Login")
        with pytest.raises(WrongPinError):
            key.sign(b"x", SignatureMechanism.RSA_PKCS1_SHA256)
        assert keys_spy.count("C_Login") - before == 1
        assert key.relogin_count == 0
