"""Host-side helpers: OAEP decoding, ECDSA conversion, DigestInfo, certificate classification."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID
from fixtures_keys import TestPki
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import (
    AmbiguousCertificateError,
    CertificateRole,
    DecryptionError,
    HashAlgorithm,
    KeyNotFoundError,
    QcType,
    classify_certificate,
    select_certificate,
)
from keys._hostcrypto import digest_info, ecdsa_der_to_raw, ecdsa_raw_to_der, oaep_decode


@functools.cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def _raw_decrypt(key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    # What CKM_RSA_X_509 returns: c^d mod n, big-endian, possibly without leading zeros.
    nums = key.private_numbers()
    value = pow(int.from_bytes(ciphertext, "big"), nums.d, nums.public_numbers.n)
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@settings(max_examples=40, deadline=None)
@given(
    message=st.binary(min_size=0, max_size=190),
    hash_name=st.sampled_from(["SHA256", "SHA1"]),
)
def test_oaep_decode_round_trips_cryptography(message: bytes, hash_name: str) -> None:
    key = _rsa_key()
    h = HashAlgorithm[hash_name]
    algo = h.cryptography_hash()
    ct = key.public_key().encrypt(message, padding.OAEP(padding.MGF1(algo), algo, None))
    assert oaep_decode(_raw_decrypt(key, ct), 256, h) == message


def test_oaep_decode_failures_raise_the_same_error() -> None:
    key = _rsa_key()
    algo = hashes.SHA256()
    ct = key.public_key().encrypt(b"k" * 32, padding.OAEP(padding.MGF1(algo), algo, None))
    em = bytearray(_raw_decrypt(key, ct).rjust(256, b"\x00"))
    cases = []
    bad_y = bytearray(em)
    bad_y[0] = 1
    cases.append(bytes(bad_y))
    bad_hash = bytearray(em)
    bad_hash[40] ^= 0xFF  # inside maskedDB → lHash' / separator garbage
    cases.append(bytes(bad_hash))
    cases.append(b"\x00" * 256)
    cases.append(b"\x01" * 257)  # too long
    messages = set()
    for case in cases:
        with pytest.raises(DecryptionError) as info:
            oaep_decode(case, 256, HashAlgorithm.SHA256)
        messages.add((type(info.value), str(info.value)))
    assert len(messages) == 1
    # SHA-1 padding decoded as SHA-256 is a failure too, not garbage
    algo1 = hashes.SHA1()
    ct1 = key.public_key().encrypt(b"k" * 32, padding.OAEP(padding.MGF1(algo1), algo1, None))
    with pytest.raises(DecryptionError):
        oaep_decode(_raw_decrypt(key, ct1), 256, HashAlgorithm.SHA256)


@pytest.mark.parametrize(
    ("curve", "size"), [(ec.SECP256R1(), 32), (ec.SECP384R1(), 48), (ec.SECP521R1(), 66)]
)
def test_ecdsa_raw_der_round_trip(curve: ec.EllipticCurve, size: int) -> None:
    key = ec.generate_private_key(curve)
    for i in range(20):
        der = key.sign(bytes([i]) * 10, ec.ECDSA(hashes.SHA256()))
        raw = ecdsa_der_to_raw(der, size)
        assert len(raw) == 2 * size
        assert ecdsa_raw_to_der(raw) == der
    # high bit set → 0x00 prefix; leading zeros stripped
    assert utils.decode_dss_signature(ecdsa_raw_to_der(b"\x00\x80\x00\x01")) == (0x80, 1)
    assert ecdsa_raw_to_der(b"\x00\x80\x00\x01") == bytes.fromhex("300702020080020101")


def test_digest_info_sha256_prefix() -> None:
    digest = HashAlgorithm.SHA256.digest(b"abc")
    assert (
        digest_info(HashAlgorithm.SHA256, digest)
        == bytes.fromhex("3031300d060960864801650304020105000420") + digest
    )


def test_classification_of_the_test_pki(keys_pki: TestPki) -> None:
    infos = {name: classify_certificate(m.certificate) for name, m in keys_pki.keys.items()}
    assert infos["sign-rsa"].qc_type is QcType.NES
    assert ("0.4.0.1862.1.1", "qcStatements") in infos["sign-rsa"].markers
    assert infos["seal-rsa"].qc_type is QcType.KURUMSAL_MUHUR
    assert infos["sign-rsa"].signing_candidate
    assert not infos["sign-rsa"].encryption_candidate
    assert infos["enc-rsa"].encryption_candidate
    assert not infos["enc-rsa"].signing_candidate
    assert infos["enc-ec"].encryption_candidate
    assert "keyAgreement" in infos["enc-ec"].key_usage
    ca = classify_certificate(keys_pki.ca_cert)
    assert ca.is_ca
    assert not ca.signing_candidate
    assert not ca.encryption_candidate
    assert infos["sign-rsa"].to_dict()["qc_type"] == "nes"


def _cert_with_policies(pki: TestPki, policies: list[str], eku: list[str]) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policy test")]))
        .issuer_name(pki.ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.KeyUsage(False, True, False, False, False, False, False, False, False), True
        )
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies]
            ),
            False,
        )
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), False
        )
    return builder.sign(pki.ca_key, hashes.SHA256())


def test_markers_in_certificate_policies_and_mali_muhur(keys_pki: TestPki) -> None:
    # Some issuers put 5070.x in certificatePolicies: still found, and the report says where.
    cert = _cert_with_policies(
        keys_pki, ["0.4.0.1862.1.1", "2.16.792.1.61.0.1.5070.2.1", "2.16.792.1.61.0.1.5070.2.2"], []
    )
    info = classify_certificate(cert)
    assert info.qc_type is QcType.NITELIKLI_MUHUR
    assert ("2.16.792.1.61.0.1.5070.2.2", "certificatePolicies") in info.markers
    mali = _cert_with_policies(
        keys_pki, ["2.16.792.1.2.1.1.5.7.4.1"], ["2.16.792.1.2.1.1.5.7.50.1"]
    )
    mali_info = classify_certificate(mali)
    assert mali_info.qc_type is QcType.MALI_MUHUR
    with pytest.raises(KeyNotFoundError):
        select_certificate([(mali_info, "mali")], CertificateRole.SIGNING)


def test_select_certificate_prefers_and_refuses_ambiguity(keys_pki: TestPki) -> None:
    infos = [(classify_certificate(m.certificate), n) for n, m in keys_pki.keys.items()]
    assert select_certificate(infos, CertificateRole.SIGNING, qc_types=[QcType.NES]) == "sign-rsa"
    with pytest.raises(AmbiguousCertificateError):
        select_certificate(infos, CertificateRole.ENCRYPTION)  # enc-rsa and enc-ec
    with pytest.raises(AmbiguousCertificateError):
        select_certificate(infos, CertificateRole.SIGNING)
    only_rsa = [i for i in infos if i[1] == "enc-rsa"]
    assert select_certificate(only_rsa, CertificateRole.ENCRYPTION) == "enc-rsa"
