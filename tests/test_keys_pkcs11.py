"""PKCS#11 keys on a real SoftHSM2 token (signatures.md §6): listing, pairing, signing verified
with openssl, OAEP-SHA256 via the raw fallback, ECDH, context-specific login, lost sessions."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from fixtures_keys import SoftHsmTokens, SpyLog, TestPki

from keys import (
    CertificateRole,
    DecryptionError,
    DecryptPadding,
    HashAlgorithm,
    PrivateKey,
    QcType,
    SignatureMechanism,
    TokenNotFoundError,
    WeakAlgorithmError,
)
from keys.pkcs11 import InitMode, Pkcs11Module, Pkcs11Token, list_slots, open_token

pytestmark = pytest.mark.softhsm

SM = SignatureMechanism


def _pin(info: object) -> str:
    return "1234"


@pytest.fixture
def main_token(softhsm_module: Pkcs11Module, softhsm_tokens: SoftHsmTokens) -> Pkcs11Token:
    return open_token(softhsm_module, label=softhsm_tokens.main.label)


def test_module_initialised_with_os_locking(softhsm_module: Pkcs11Module) -> None:
    # python-pkcs11 alone would call C_Initialize(NULL) (no locking) → crashes under threads.
    assert softhsm_module.init_mode is InitMode.OS_LOCKING
    assert softhsm_module.thread_safe


def test_listing_needs_no_pin(
    keys_spy: SpyLog, softhsm_tokens: SoftHsmTokens, keys_pki: TestPki
) -> None:
    logins_before = keys_spy.count("C_Login")
    slots = list_slots(keys_spy.module)
    labels = {s.token.label for s in slots if s.token is not None}
    assert {"keys-main", "keys-pairing", "keys-pin", "keys-locked", "keys-final"} <= labels
    token = open_token(keys_spy.module, label="keys-main")
    certs = {c.label: c for c in token.certificates()}
    assert set(certs) == {*keys_pki.keys, "ca"}
    for name, material in keys_pki.keys.items():
        assert certs[name].der == material.cert_der
        assert certs[name].key_id == material.key_id
    assert certs["sign-rsa"].info.qc_type is QcType.NES
    assert certs["seal-rsa"].info.qc_type is QcType.KURUMSAL_MUHUR
    assert keys_spy.count("C_Login") == logins_before  # no login at all while listing
    assert keys_spy.count("C_FindObjectsInit") > 0  # the spy really saw our calls


def test_unknown_token_is_specific_error(softhsm_module: Pkcs11Module) -> None:
    with pytest.raises(TokenNotFoundError):
        open_token(softhsm_module, label="no-such-token")


def _openssl_verify(
    tmp_path: Path, key: PrivateKey, mechanism: SignatureMechanism, data: bytes, sig: bytes
) -> subprocess.CompletedProcess[bytes]:
    pub = tmp_path / "pub.pem"
    pub.write_bytes(
        key.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(sig)
    cmd = [
        "openssl",
        "dgst",
        f"-{mechanism.hash_algorithm.name.lower()}",
        "-verify",
        str(pub),
        "-signature",
        str(tmp_path / "sig"),
    ]
    if mechanism.is_pss:
        cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
    return subprocess.run([*cmd, str(tmp_path / "data")], capture_output=True, check=False)


@pytest.mark.parametrize(
    ("key_id", "mechanism"),
    [
        (b"\x01", SM.RSA_PKCS1_SHA256),
        (b"\x01", SM.RSA_PKCS1_SHA512),
        (b"\x01", SM.RSA_PSS_SHA256),
        (b"\x02", SM.ECDSA_SHA256),
        (b"\x02", SM.ECDSA_SHA384),
    ],
)
def test_token_signatures_verify_with_openssl(
    main_token: Pkcs11Token, tmp_path: Path, key_id: bytes, mechanism: SignatureMechanism
) -> None:
    data = b"\x31\x05signed attributes " + mechanism.value.encode()
    with main_token.open_key(key_id, _pin) as key:
        assert mechanism in key.supported_mechanisms
        for signature in (
            key.sign(data, mechanism),
            key.sign_digest(mechanism.hash_algorithm.digest(data), mechanism),
        ):
            ok = _openssl_verify(tmp_path, key, mechanism, data, signature)
            assert ok.returncode == 0, ok.stderr
            assert b"Verified OK" in ok.stdout
            bad = _openssl_verify(tmp_path, key, mechanism, data + b"!", signature)
            assert bad.returncode != 0


def test_ecdsa_uses_raw_mechanism_when_hashed_one_is_missing(main_token: Pkcs11Token) -> None:
    # SoftHSM2 2.6.1 lacks CKM_ECDSA_SHA256 (§6.9): the DER output proves the r‖s conversion.
    with main_token.open_key(b"\x02", _pin) as key:
        from pkcs11 import Mechanism

        assert Mechanism.ECDSA_SHA256 not in key._mechanisms
        signature = key.sign(b"data", SM.ECDSA_SHA256)
        assert signature[0] == 0x30
        public = key.certificate.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, b"data", ec.ECDSA(hashes.SHA256()))


def test_sha1_signing_refused_on_token(main_token: Pkcs11Token) -> None:
    with main_token.open_key(b"\x01", _pin) as key:
        assert SM.RSA_PKCS1_SHA1 not in key.supported_mechanisms
        with pytest.raises(WeakAlgorithmError):
            key.sign(b"x", SM.RSA_PKCS1_SHA1)


def test_oaep_sha256_round_trip_with_openssl_and_cryptography(
    main_token: Pkcs11Token, tmp_path: Path
) -> None:
    with main_token.open_key(b"\x03", _pin) as key:
        public = key.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        cek = bytes(range(1, 33))
        (tmp_path / "cek").write_bytes(cek)
        (tmp_path / "pub.pem").write_bytes(
            public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        subprocess.run(
            [
                "openssl",
                "pkeyutl",
                "-encrypt",
                "-pubin",
                "-inkey",
                str(tmp_path / "pub.pem"),
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
                "-in",
                str(tmp_path / "cek"),
                "-out",
                str(tmp_path / "ct"),
            ],
            check=True,
            capture_output=True,
        )
        assert key.decrypt_key((tmp_path / "ct").read_bytes(), DecryptPadding.OAEP_SHA256) == cek
        # SoftHSM2 refuses SHA-256 OAEP parameters: the raw CKM_RSA_X_509 route was used.
        assert key._oaep_on_token[HashAlgorithm.SHA256] is False
        for _ in range(5):
            ct = public.encrypt(
                cek, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
            )
            assert key.decrypt_key(ct, DecryptPadding.OAEP_SHA256) == cek
        ct1 = public.encrypt(cek, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None))
        assert key.decrypt_key(ct1, DecryptPadding.OAEP_SHA1) == cek
        # wrong padding / damaged data: one generic error
        errors = set()
        for bad, pad in (
            (ct1, DecryptPadding.OAEP_SHA256),
            (b"\x00" * 256, DecryptPadding.OAEP_SHA1),
        ):
            with pytest.raises(DecryptionError) as info:
                key.decrypt_key(bad, pad)
            errors.add(str(info.value))
            assert info.value.__cause__ is None
        assert len(errors) == 1
        with pytest.raises(WeakAlgorithmError):
            key.decrypt_key(ct1, DecryptPadding.PKCS1V15)
        legacy_ct = public.encrypt(cek, padding.PKCS1v15())
        assert key.decrypt_key(legacy_ct, DecryptPadding.PKCS1V15, legacy=True) == cek


def test_ecdh_on_token_matches_cryptography(main_token: Pkcs11Token) -> None:
    with main_token.open_key(b"\x04", _pin) as key:
        own = key.certificate.public_key()
        assert isinstance(own, ec.EllipticCurvePublicKey)
        for _ in range(3):
            peer = ec.generate_private_key(ec.SECP256R1())
            expected = peer.exchange(ec.ECDH(), own)
            assert key.derive_ecdh(peer.public_key()) == expected
            point = peer.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            assert key.derive_ecdh(point) == expected


def test_pairing_by_public_key_not_label(
    softhsm_module: Pkcs11Module, softhsm_tokens: SoftHsmTokens, keys_pki: TestPki
) -> None:
    token = open_token(softhsm_module, label=softhsm_tokens.pairing.label)
    certs = {c.label: c for c in token.certificates()}
    # sign-rsa: CKA_ID 99 matches no key; a decoy (enc-rsa) key carries the label "sign-rsa".
    with token.open_key(certs["sign-rsa"], _pin) as key:
        signature = key.sign(b"x", SM.RSA_PKCS1_SHA256)  # host-verified against the cert
        public = keys_pki["sign-rsa"].certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        public.verify(signature, b"x", padding.PKCS1v15(), hashes.SHA256())
    # sign-ec: paired through the CKA_EC_POINT of the public key object (CKA_ID 20).
    with token.open_key(certs["sign-ec"], _pin) as key:
        key.sign(b"x", SM.ECDSA_SHA256)


def test_role_selection_on_token(main_token: Pkcs11Token) -> None:
    chosen = main_token.select_certificate(CertificateRole.SIGNING, qc_types=[QcType.NES])
    assert chosen.label == "sign-rsa"
    seal = main_token.select_certificate(CertificateRole.SIGNING, qc_types=[QcType.KURUMSAL_MUHUR])
    assert seal.label == "seal-rsa"


def test_always_authenticate_asks_pin_per_operation(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-main")
    calls: list[str] = []

    def callback(info: object) -> str:
        calls.append("pin")
        return "1234"

    before = keys_spy.count("C_Login")
    with token.open_key(b"\x06", callback) as key:
        assert key.always_authenticate
        for _ in range(3):
            key.sign(b"x", SM.RSA_PKCS1_SHA256)
    assert len(calls) == 4  # one user login + one context-specific login per signature
    assert keys_spy.count("C_Login") - before == 4
    log = keys_spy.path.read_text(errors="replace")
    assert log.count("userType = CKU_CONTEXT_SPECIFIC") >= 3


def test_lost_session_is_reopened_and_operation_retried_once(main_token: Pkcs11Token) -> None:
    with main_token.open_key(b"\x02", _pin) as key:
        key.sign(b"warm", SM.ECDSA_SHA256)
        entry = key._free[-1]
        entry.session.close()  # the handle is now invalid (CKR_SESSION_HANDLE_INVALID)
        key.sign(b"after loss", SM.ECDSA_SHA256)
        assert key.relogin_count == 0


def test_logout_leads_to_one_relogin(main_token: Pkcs11Token) -> None:
    calls: list[int] = []

    def callback(info: object) -> str:
        calls.append(1)
        return "1234"

    with main_token.open_key(b"\x01", callback) as key:
        key._login.session.close()  # C_Logout: all sessions lose the login (like an HSM restart)
        key.sign(b"x", SM.RSA_PKCS1_SHA256)
        assert key.relogin_count == 1
        assert len(calls) == 2


def test_one_login_shared_by_keys_of_a_token(keys_spy: SpyLog) -> None:
    token = open_token(keys_spy.module, label="keys-main")
    calls: list[int] = []

    def callback(info: object) -> str:
        calls.append(1)
        return "1234"

    before = keys_spy.count("C_Login")
    first = token.open_key(b"\x01", callback)
    second = token.open_key(b"\x02", callback)
    assert len(calls) == 1
    assert keys_spy.count("C_Login") - before == 1
    first.close()  # the login stays: the second key still uses it
    second.sign(b"x", SM.ECDSA_SHA256)
    assert second.relogin_count == 0
    second.close()
    assert keys_spy.count("C_Logout") >= 1


def test_concurrent_lost_login_gives_one_relogin(main_token: Pkcs11Token) -> None:
    import threading

    calls: list[int] = []

    def callback(info: object) -> str:
        calls.append(1)
        return "1234"

    with main_token.open_key(b"\x02", callback, pool_size=4) as key:
        key.sign(b"warm", SM.ECDSA_SHA256)
        key._login.session.close()
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(20):
                    key.sign(b"x", SM.ECDSA_SHA256)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert key.relogin_count == 1
        assert len(calls) == 2
