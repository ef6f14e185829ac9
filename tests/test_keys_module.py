"""Module resolution and loading (signatures.md §6.1) and the key Protocols on a token."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fixtures_keys import SoftHsmTokens, SpyLog

from keys import (
    Decrypter,
    KeyAgreer,
    ModuleLoadError,
    PrivateKey,
    SignatureMechanism,
    Signer,
    UnsupportedMechanismError,
    WrongPinError,
)
from keys.pkcs11 import KNOWN_MODULES, InitMode, Pkcs11Module, load_module, open_token
from keys.pkcs11._module import choose_init_mode, resolve_module_path

pytestmark = pytest.mark.softhsm


def test_known_names_and_paths_resolve_to_one_module(
    softhsm_module: Pkcs11Module, softhsm_tokens: SoftHsmTokens
) -> None:
    assert {"akisp11", "softhsm2", "tckkp11", "cknfast", "dirakp11", "procryptoki"} <= set(
        KNOWN_MODULES
    )
    assert resolve_module_path("softhsm2") == str(Path(softhsm_tokens.module_path).resolve())
    # every spelling gives the same, already initialised module object
    assert load_module("softhsm2") is softhsm_module
    assert load_module(softhsm_tokens.module_path) is softhsm_module
    import pkcs11

    assert pkcs11.lib(softhsm_tokens.module_path) is softhsm_module.lib


def test_missing_and_foreign_modules_give_specific_errors(tmp_path: Path) -> None:
    with pytest.raises(ModuleLoadError, match="known location"):
        load_module("akisp11")  # not installed here
    with pytest.raises(ModuleLoadError, match="not found"):
        load_module(tmp_path / "libnothing.so")
    libz = ctypes.util.find_library("z")
    assert libz is not None
    libz_path = next(
        (
            p
            for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib")
            if (p := Path(d) / libz).is_file()
        ),
        None,
    )
    assert libz_path is not None
    with pytest.raises(ModuleLoadError, match="not a PKCS#11 module"):
        load_module(libz_path)
    not_elf = tmp_path / "libfake.so"
    not_elf.write_bytes(b"\x7fELF" + b"\x00" * 60)
    with pytest.raises(ModuleLoadError):
        load_module(not_elf)


def test_token_key_satisfies_protocols(softhsm_module: Pkcs11Module) -> None:
    token = open_token(softhsm_module, label="keys-main")
    with token.open_key(b"\x04", lambda info: "1234") as key:
        for proto in (PrivateKey, Signer, Decrypter, KeyAgreer):
            assert isinstance(key, proto)
        assert key.certificate_der == key.certificate.public_bytes(serialization.Encoding.DER)
        other = ec.generate_private_key(ec.SECP384R1())
        with pytest.raises(UnsupportedMechanismError):
            key.derive_ecdh(other.public_key())
        with pytest.raises(UnsupportedMechanismError):
            key.derive_ecdh(b"\x04" + b"\x00" * 64)
        with pytest.raises(UnsupportedMechanismError):
            key.sign(b"x", SignatureMechanism.RSA_PKCS1_SHA256)


def test_wrong_context_specific_pin_is_one_attempt(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-main")
    answers = iter(["1234", "000000"])
    with token.open_key(b"\x06", lambda info: next(answers)) as key:
        before = keys_spy.count("C_Login")
        with pytest.raises(WrongPinError):
            key.sign(b"x", SignatureMechanism.RSA_PKCS1_SHA256)
        assert keys_spy.count("C_Login") - before == 1


@pytest.mark.parametrize(
    ("answers", "os_locking", "mode", "calls"),
    [
        ([0x0], True, InitMode.OS_LOCKING, [True]),
        ([0x7, 0x0], True, InitMode.SERIALIZED, [True, False]),  # CKR_ARGUMENTS_BAD (old AKİS)
        ([0xA, 0x0], True, InitMode.SERIALIZED, [True, False]),  # CKR_CANT_LOCK
        ([0x191], True, InitMode.SHARED, [True]),  # already initialised by someone else
        ([0x0], False, InitMode.SERIALIZED, [False]),
        ([0x7, 0x191], True, InitMode.SHARED, [True, False]),
    ],
)
def test_initialisation_sequence(
    answers: list[int], os_locking: bool, mode: InitMode, calls: list[bool]
) -> None:
    seen: list[bool] = []
    replies = iter(answers)

    def call(with_locking: bool) -> int:
        seen.append(with_locking)
        return next(replies)

    assert choose_init_mode(call, "mod.so", os_locking=os_locking) is mode
    assert seen == calls


def test_initialisation_failure_is_module_load_error() -> None:
    with pytest.raises(ModuleLoadError, match="0x6"):
        choose_init_mode(lambda with_locking: 0x6, "mod.so", os_locking=True)
