"""PKCS#11 URIs (RFC 7512) and ``keys.open_key`` on files and SoftHSM2 (signatures.md §6.2–§6.5)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fixtures_keys import DISTINCT_PIN, SPY_MODULE, SoftHsmTokens, SpyLog
from hypothesis import given
from hypothesis import strategies as st

from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.softhsm import SoftHsmEnvironment, SoftHsmToken
from keys import (
    AmbiguousCertificateError,
    KeyFileError,
    KeyNotFoundError,
    KeysError,
    KeySpecError,
    ModuleLoadError,
    PinCancelledError,
    Pkcs11Uri,
    Pkcs11UriError,
    SignatureMechanism,
    TokenNotFoundError,
    WrongPinError,
    open_key,
)
from keys.pkcs11 import Pkcs11Key, TokenInfo

DATA = b"signed attributes stand-in"


class Counting:
    """A PIN / password callback that records each call."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.calls: list[object] = []

    def __call__(self, arg: object) -> str | None:
        self.calls.append(arg)
        return self.value


def _verify_rsa(cert: x509.Certificate, signature: bytes) -> None:
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(signature, DATA, padding.PKCS1v15(), hashes.SHA256())  # raises if wrong


# --- parsing ---------------------------------------------------------------------------------


def test_parse_every_attribute() -> None:
    uri = Pkcs11Uri.parse(
        "pkcs11:token=My%20Token;manufacturer=ACME;serial=0A1B;model=eToken;"
        "library-manufacturer=SoftHSM;library-description=Implementation%20of%20PKCS11;"
        "library-version=2.6;slot-description=slot%200;slot-manufacturer=SoftHSM%20project;"
        "slot-id=7;object=person;type=private;id=%01%ff;x-vendor=v"
        "?module-name=softhsm2&module-path=/usr/lib/softhsm/libsofthsm2.so"
        "&pin-source=file:/run/pin&x-q=1"
    )
    assert uri.token == "My Token"
    assert uri.manufacturer == "ACME"
    assert uri.serial == "0A1B"
    assert uri.model == "eToken"
    assert uri.library_manufacturer == "SoftHSM"
    assert uri.library_description == "Implementation of PKCS11"
    assert uri.library_version == (2, 6)
    assert uri.slot_description == "slot 0"
    assert uri.slot_manufacturer == "SoftHSM project"
    assert uri.slot_id == 7
    assert uri.object == "person"
    assert uri.type == "private"
    assert uri.id == b"\x01\xff"
    assert uri.module_name == "softhsm2"
    assert uri.module_path == "/usr/lib/softhsm/libsofthsm2.so"
    assert uri.pin_source == "file:/run/pin"
    assert uri.vendor_path == (("x-vendor", "v"),)
    assert uri.vendor_query == (("x-q", "1"),)
    assert Pkcs11Uri.parse(str(uri)) == uri


def test_percent_encoding_and_case_rules() -> None:
    # scheme case-insensitive, hex digits in either case, UTF-8 labels, id fully encoded on output
    uri = Pkcs11Uri.parse("PKCS11:token=T%C3%BCrk%c3%A7e;id=%0a%0B;object=a%3Bb")
    assert uri.token == "Türkçe"
    assert uri.id == b"\n\x0b"
    assert uri.object == "a;b"  # an encoded separator is data, not a separator
    assert str(uri) == "pkcs11:token=T%C3%BCrk%C3%A7e;object=a%3Bb;id=%0A%0B"
    # an id written with literal characters is the same bytes
    assert Pkcs11Uri.parse("pkcs11:id=AB").id == b"AB"
    assert str(Pkcs11Uri.parse("pkcs11:id=AB")) == "pkcs11:id=%41%42"
    assert Pkcs11Uri.parse("pkcs11:") == Pkcs11Uri()
    assert str(Pkcs11Uri()) == "pkcs11:"
    assert Pkcs11Uri.parse("pkcs11:token=") == Pkcs11Uri(token="")
    assert Pkcs11Uri.parse("pkcs11:library-version=3").library_version == (3, 0)


def test_module_shorthand_is_module_path() -> None:
    short = Pkcs11Uri.parse("pkcs11:module=/usr/lib/softhsm/libsofthsm2.so;token=t;id=%01")
    full = Pkcs11Uri.parse("pkcs11:token=t;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so")
    assert short == full
    assert str(short) == "pkcs11:token=t;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so"
    windows = Pkcs11Uri.parse(r"pkcs11:module=C:\Windows\System32\akisp11.dll")
    assert windows.module_path == r"C:\Windows\System32\akisp11.dll"
    assert Pkcs11Uri.parse(str(windows)) == windows


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pkcs11:token=a;token=b", "more than once"),
        ("pkcs11:module=/a?module-path=/b", "alias of 'module-path'"),
        ("pkcs11:?module-name=a&module-name=b", "more than once"),
        ("pkcs11:Token=a", "case-sensitive: write 'token'"),
        ("pkcs11:colour=red", "Unknown path attribute 'colour'"),
        ("pkcs11:module-path=/x", "belongs in the query"),
        ("pkcs11:?token=x", "belongs in the path"),
        ("pkcs11:id=%0", "two hex digits"),
        ("pkcs11:id=%zz", "two hex digits"),
        ("pkcs11:token=a b", "must be percent-encoded (as %20"),
        ("pkcs11:token=a/b", "(as %2F"),
        ("pkcs11:token=%ff", "not UTF-8"),
        ("pkcs11:slot-id=x1", "decimal number"),
        ("pkcs11:type=secret", "Unknown object type"),
        ("pkcs11:library-version=v2", "library-version must look like"),
        ("pkcs11:token", "expected name=value"),
        ("pkcs11:token=a;;id=%01", "attribute number 2"),
        ("pkcs11:token=a#frag", "no fragment"),
        ("file:/tmp/key.p12", "must start with 'pkcs11:'"),
        ("pkcs11:x-a=1;x-a=2", "more than once"),
    ],
)
def test_malformed_uris_are_rejected_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(Pkcs11UriError) as info:
        Pkcs11Uri.parse(text)
    assert fragment in str(info.value)
    assert info.value.code == "KEYS_PKCS11_URI"
    assert isinstance(info.value, KeysError)
    assert info.value.exit_code == 2  # a usage error, not a token problem


@pytest.mark.parametrize(
    "text",
    ["pkcs11:token=t?pin-value=735911", "pkcs11:token=t;pin-value=735911", "pkcs11:735911"],
)
def test_pin_value_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(Pkcs11UriError) as info:
        Pkcs11Uri.parse(text)
    assert "735911" not in str(info.value)
    if "pin-value" in text:
        assert "PINs are never accepted" in str(info.value)


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(
    token=st.none() | _TEXT,
    serial=st.none() | st.text(alphabet=string.hexdigits, max_size=8),
    obj=st.none() | _TEXT,
    key_id=st.none() | st.binary(max_size=8),
    slot_id=st.none() | st.integers(min_value=0, max_value=2**32),
    version=st.none() | st.tuples(st.integers(0, 99), st.integers(0, 99)),
    module_path=st.none() | _TEXT,
    pin_source=st.none() | _TEXT,
)
def test_round_trip(
    token: str | None,
    serial: str | None,
    obj: str | None,
    key_id: bytes | None,
    slot_id: int | None,
    version: tuple[int, int] | None,
    module_path: str | None,
    pin_source: str | None,
) -> None:
    uri = Pkcs11Uri(
        token=token,
        serial=serial,
        object=obj,
        id=key_id,
        slot_id=slot_id,
        library_version=version,
        module_path=module_path,
        pin_source=pin_source,
    )
    text = str(uri)
    assert Pkcs11Uri.parse(text) == uri
    assert str(Pkcs11Uri.parse(text)) == text


# --- open_key: files -------------------------------------------------------------------------


def test_open_pkcs12_asks_the_password_once(live_pki: TestPki) -> None:
    ask = Counting(PKCS12_PASSWORD)
    with open_key(live_pki.person.p12_path, password_callback=ask) as key:
        assert ask.calls == [f"Password for {live_pki.person.p12_path.name}: "]
        assert key.certificate == live_pki.person.certificate
        assert live_pki.qualified_ca.certificate in key.chain
        _verify_rsa(key.certificate, key.sign(DATA, SignatureMechanism.RSA_PKCS1_SHA256))
    with pytest.raises(KeysError, match="closed"):
        key.sign(DATA, SignatureMechanism.RSA_PKCS1_SHA256)


def test_wrong_pkcs12_password(live_pki: TestPki) -> None:
    with pytest.raises(KeyFileError) as info:
        open_key(str(live_pki.person.p12_path), password_callback=Counting("wrong-secret-81"))
    assert "password is wrong" in str(info.value)
    assert "wrong-secret-81" not in str(info.value)


def test_open_pem_with_key_and_chain_in_one_file(live_pki: TestPki, tmp_path: Path) -> None:
    person = live_pki.person
    combined = tmp_path / "person.pem"
    combined.write_bytes(
        person.key_path.read_bytes()
        + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in person.chain)
    )
    never = Counting("unused")
    with open_key(combined, password_callback=never) as key:
        assert never.calls == []  # unencrypted key: no password asked
        assert key.certificate == person.certificate
        assert live_pki.root.certificate in key.chain
        _verify_rsa(key.certificate, key.sign(DATA, SignatureMechanism.RSA_PKCS1_SHA256))


def test_open_encrypted_pem_and_separate_certificate(live_pki: TestPki, tmp_path: Path) -> None:
    encrypted = tmp_path / "person.key"
    encrypted.write_bytes(
        live_pki.person.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pem-pass"),
        )
    )
    with pytest.raises(KeyFileError, match="holds no certificate"):
        open_key(encrypted, password_callback=Counting("pem-pass"))
    ask = Counting("pem-pass")
    with open_key(
        encrypted, password_callback=ask, certificates=[live_pki.person.cert_path]
    ) as key:
        assert len(ask.calls) == 1
        assert key.certificate == live_pki.person.certificate


def test_unusable_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeySpecError, match="does not exist") as info:
        open_key(tmp_path / "missing.p12")
    assert info.value.exit_code == 2
    odd = tmp_path / "key.bin"
    odd.write_bytes(b"hello")
    with pytest.raises(KeySpecError, match="Cannot tell what kind of key"):
        open_key(odd)


# --- open_key: SoftHSM2 ----------------------------------------------------------------------


def _uri(token: SoftHsmToken, path: str = "", query: str = "") -> str:
    text = f"pkcs11:module={token.module_path};token={token.label}" + (";" + path if path else "")
    return text + ("?" + query if query else "")


@pytest.mark.softhsm
def test_token_key_by_id_and_by_object(pki_token: SoftHsmToken, live_pki: TestPki) -> None:
    pin = Counting(pki_token.user_pin)
    with open_key(_uri(pki_token, "id=%01"), pin_callback=pin) as key:
        assert isinstance(key, Pkcs11Key)
        assert key.certificate == live_pki.person.certificate
        _verify_rsa(key.certificate, key.sign(DATA, SignatureMechanism.RSA_PKCS1_SHA256))
    assert len(pin.calls) == 1
    info = pin.calls[0]
    assert isinstance(info, TokenInfo)
    assert info.label == pki_token.label
    with open_key(_uri(pki_token, "object=person;type=private"), pin_callback=pin) as key:
        assert key.certificate == live_pki.person.certificate
    with open_key(_uri(pki_token, "object=eseal;id=%02"), pin_callback=pin) as key:
        assert key.certificate == live_pki.seal.certificate
    assert len(pin.calls) == 3  # one login per opened key, no retries


@pytest.mark.softhsm
def test_token_key_selection_errors(pki_token: SoftHsmToken) -> None:
    pin = Counting(pki_token.user_pin)
    with pytest.raises(AmbiguousCertificateError) as ambiguous:
        open_key(_uri(pki_token), pin_callback=pin)
    message = str(ambiguous.value)
    assert f"pkcs11:token={pki_token.label};id=%01" in message
    assert f"pkcs11:token={pki_token.label};id=%02" in message
    with pytest.raises(KeyNotFoundError, match="No certificate on token") as missing:
        open_key(_uri(pki_token, "id=%01;object=eseal"), pin_callback=pin)
    assert "id=%02" in str(missing.value)  # lists what is on the token
    with pytest.raises(Pkcs11UriError, match="type=public"):
        open_key(_uri(pki_token, "id=%01;type=public"), pin_callback=pin)
    with pytest.raises(TokenNotFoundError) as no_token:
        open_key(f"pkcs11:module={pki_token.module_path};token=nope", pin_callback=pin)
    assert repr(pki_token.label) in str(no_token.value)
    with pytest.raises(TokenNotFoundError, match="library-manufacturer"):
        open_key(_uri(pki_token, "id=%01;library-manufacturer=ACME"), pin_callback=pin)
    with pytest.raises(ModuleLoadError, match="Unknown module-name"):
        open_key("pkcs11:token=x?module-name=no-such-driver", pin_callback=pin)
    with pytest.raises(KeySpecError, match="different module"):
        open_key(_uri(pki_token, "id=%01"), pin_callback=pin, module="/bin/sh")
    assert pin.calls == []  # selection needs no PIN (signatures.md §6.2)


@pytest.mark.softhsm
def test_module_from_argument_name_or_environment(
    pki_token: SoftHsmToken, live_pki: TestPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin = Counting(pki_token.user_pin)
    spec = f"pkcs11:token={pki_token.label};id=%01"
    with open_key(spec, pin_callback=pin, module=pki_token.module_path) as key:
        assert key.certificate == live_pki.person.certificate
    with open_key(spec + "?module-name=softhsm2", pin_callback=pin) as key:
        assert key.certificate == live_pki.person.certificate
    monkeypatch.setenv("EYAZISMA_PKCS11_MODULE", pki_token.module_path)
    with open_key(spec, pin_callback=pin) as key:
        assert key.certificate == live_pki.person.certificate


@pytest.mark.softhsm
def test_pin_source_file_and_missing_pin(pki_token: SoftHsmToken, tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(pki_token.user_pin + "\n")
    never = Counting("0000")
    with open_key(
        _uri(pki_token, "id=%01", f"pin-source=file:{pin_file}"), pin_callback=never
    ) as key:
        key.sign(DATA, SignatureMechanism.RSA_PKCS1_SHA256)
    assert never.calls == []
    with pytest.raises(Pkcs11UriError, match="Only 'file:'"):
        open_key(_uri(pki_token, "id=%01", "pin-source=%7Cpinentry"))
    with pytest.raises(PinCancelledError):
        open_key(_uri(pki_token, "id=%01"))  # no callback: cancelled, no login attempted


@pytest.fixture
def pin_spy(
    softhsm_tokens: SoftHsmTokens, softhsm_env: SoftHsmEnvironment, keys_spy: SpyLog
) -> SpyLog:
    """pkcs11-spy in front of SoftHSM2, which must see the ``keys-pin`` token.

    ``softhsm_tokens`` are created before SoftHSM2 is loaded only if no earlier test loaded it
    (``pki_token`` does); SoftHSM2 scans tokens in ``C_Initialize``, so re-initialise it.
    """
    softhsm_env.reinitialize_loaded_module()
    return keys_spy


@pytest.mark.softhsm
def test_wrong_pin_is_one_login_attempt(pin_spy: SpyLog) -> None:
    keys_spy = pin_spy
    pin = Counting("97531")
    before = keys_spy.count("C_Login")
    with pytest.raises(WrongPinError) as info:
        open_key(f"pkcs11:token=keys-pin;id=%01?module-path={SPY_MODULE}", pin_callback=pin)
    assert keys_spy.count("C_Login") - before == 1
    assert len(pin.calls) == 1
    assert "97531" not in str(info.value)
    with open_key(
        f"pkcs11:module={SPY_MODULE};token=keys-pin;object=p", pin_callback=Counting(DISTINCT_PIN)
    ) as key:
        key.sign(DATA, SignatureMechanism.RSA_PKCS1_SHA256)
    assert keys_spy.count("C_Login") - before == 2
