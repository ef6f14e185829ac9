"""Software keys from PKCS#12 and PEM: sign, decrypt, derive, secure defaults (keys/_software)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from fixtures_keys import TestPki

from keys import (
    DecryptionError,
    DecryptPadding,
    KeyAlgorithm,
    KeyFileError,
    PrivateKey,
    SignatureMechanism,
    SoftwareKey,
    UnsupportedMechanismError,
    WeakAlgorithmError,
    load_pem,
    load_pkcs12,
)
from keys._hostcrypto import verify_signature

SM = SignatureMechanism


def _p12(pki: TestPki, name: str, password: bytes) -> bytes:
    material = pki[name]
    return pkcs12.serialize_key_and_certificates(
        b"test",
        material.private_key,
        material.certificate,
        [pki.ca_cert],
        serialization.BestAvailableEncryption(password),
    )


@pytest.mark.parametrize(
    ("name", "mechanisms"),
    [
        (
            "sign-rsa",
            [
                SM.RSA_PKCS1_SHA256,
                SM.RSA_PKCS1_SHA384,
                SM.RSA_PKCS1_SHA512,
                SM.RSA_PSS_SHA256,
                SM.RSA_PSS_SHA384,
                SM.RSA_PSS_SHA512,
            ],
        ),
        ("sign-ec", [SM.ECDSA_SHA256, SM.ECDSA_SHA384, SM.ECDSA_SHA512]),
    ],
)
def test_pkcs12_key_signs_data_and_digest(
    keys_pki: TestPki, name: str, mechanisms: list[SignatureMechanism]
) -> None:
    key = load_pkcs12(_p12(keys_pki, name, b"s3cret"), "s3cret")
    assert isinstance(key, PrivateKey)
    assert key.chain == (keys_pki.ca_cert,)
    assert key.certificate == keys_pki[name].certificate
    assert set(mechanisms) == key.supported_mechanisms
    for mechanism in mechanisms:
        data = b"signed attributes " + mechanism.value.encode()
        signature = key.sign(data, mechanism)
        verify_signature(key.certificate, mechanism, signature, data=data)
        digest = mechanism.hash_algorithm.digest(data)
        signature = key.sign_digest(digest, mechanism)
        verify_signature(key.certificate, mechanism, signature, data=data)


def test_pkcs12_wrong_password_is_key_file_error(keys_pki: TestPki) -> None:
    with pytest.raises(KeyFileError) as info:
        load_pkcs12(_p12(keys_pki, "sign-rsa", b"right"), "wrong")
    assert "wrong" not in str(info.value).replace("password is wrong", "")


def test_pem_encrypted_key_from_files(keys_pki: TestPki, tmp_path: Path) -> None:
    material = keys_pki["enc-rsa"]
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(
        material.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pem-pass"),
        )
    )
    cert_path = tmp_path / "certs.pem"
    cert_path.write_bytes(
        keys_pki.ca_cert.public_bytes(serialization.Encoding.PEM)
        + material.certificate.public_bytes(serialization.Encoding.PEM)
    )
    key = load_pem(key_path, cert_path, password="pem-pass")
    assert key.certificate == material.certificate
    assert key.chain == (keys_pki.ca_cert,)
    public = material.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    cek = bytes(range(32))
    for pad, algo in (
        (DecryptPadding.OAEP_SHA256, hashes.SHA256()),
        (DecryptPadding.OAEP_SHA1, hashes.SHA1()),
    ):
        ct = public.encrypt(cek, padding.OAEP(padding.MGF1(algo), algo, None))
        assert key.decrypt_key(ct, pad) == cek
    legacy_ct = public.encrypt(cek, padding.PKCS1v15())
    with pytest.raises(WeakAlgorithmError):
        key.decrypt_key(legacy_ct, DecryptPadding.PKCS1V15)
    assert key.decrypt_key(legacy_ct, DecryptPadding.PKCS1V15, legacy=True) == cek
    with pytest.raises(KeyFileError):
        load_pem(key_path, cert_path, password="nope")
    with pytest.raises(KeyFileError):
        load_pem(key_path, cert_path)


def test_decrypt_failures_are_one_generic_error(keys_pki: TestPki) -> None:
    material = keys_pki["enc-rsa"]
    key = SoftwareKey(material.private_key, material.certificate)
    public = material.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    ct = bytearray(
        public.encrypt(b"x" * 32, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None))
    )
    messages = set()
    for bad in (bytes(ct[:-1]) + bytes([ct[-1] ^ 1]), b"\x00" * 256, bytes(ct)):
        with pytest.raises(DecryptionError) as info:
            key.decrypt_key(bad, DecryptPadding.OAEP_SHA256)  # wrong hash for the last one
        messages.add(str(info.value))
    assert len(messages) == 1


def test_ecdh_matches_cryptography(keys_pki: TestPki) -> None:
    material = keys_pki["enc-ec"]
    key = SoftwareKey(material.private_key, material.certificate)
    peer = ec.generate_private_key(ec.SECP256R1())
    expected = peer.exchange(ec.ECDH(), material.certificate.public_key())  # type: ignore[arg-type]
    assert key.derive_ecdh(peer.public_key()) == expected
    point = peer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert key.derive_ecdh(point) == expected
    with pytest.raises(UnsupportedMechanismError):
        key.derive_ecdh(b"\x04" + b"\x01" * 64)
    with pytest.raises(UnsupportedMechanismError):
        key.decrypt_key(b"x", DecryptPadding.OAEP_SHA256)


def test_secure_defaults_refuse_sha1_and_small_rsa(keys_pki: TestPki) -> None:
    material = keys_pki["sign-rsa"]
    key = SoftwareKey(material.private_key, material.certificate)
    assert SM.RSA_PKCS1_SHA1 not in key.supported_mechanisms
    with pytest.raises(WeakAlgorithmError):
        key.sign(b"x", SM.RSA_PKCS1_SHA1)
    with pytest.raises(UnsupportedMechanismError):
        key.sign(b"x", SM.ECDSA_SHA256)
    legacy = SoftwareKey(material.private_key, material.certificate, legacy=True)
    signature = legacy.sign(b"x", SM.RSA_PKCS1_SHA1)
    verify_signature(material.certificate, SM.RSA_PKCS1_SHA1, signature, data=b"x")

    small = rsa.generate_private_key(65537, 1024)
    cert = (
        x509.CertificateBuilder()
        .subject_name(keys_pki.ca_cert.subject)
        .issuer_name(keys_pki.ca_cert.subject)
        .public_key(small.public_key())
        .serial_number(1)
        .not_valid_before(keys_pki.ca_cert.not_valid_before_utc)
        .not_valid_after(keys_pki.ca_cert.not_valid_after_utc)
        .sign(small, hashes.SHA256())
    )
    with pytest.raises(WeakAlgorithmError):
        SoftwareKey(small, cert)
    assert SoftwareKey(small, cert, legacy=True).key_type.size_bits == 1024


def test_key_and_certificate_must_match(keys_pki: TestPki) -> None:
    with pytest.raises(KeyFileError):
        SoftwareKey(keys_pki["sign-rsa"].private_key, keys_pki["enc-rsa"].certificate)
    key = SoftwareKey(keys_pki["sign-ec"].private_key, keys_pki["sign-ec"].certificate)
    assert key.key_type.algorithm is KeyAlgorithm.EC
    assert key.key_type.curve == "secp256r1"
    assert "PRIVATE" not in repr(key)
