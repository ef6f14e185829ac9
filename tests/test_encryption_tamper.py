"""Damaged, hostile and refused envelopes fail cleanly with our errors (signatures.md §7.8–§7.10).

* after the recipient was found, every decryption failure (damaged encrypted key, wrong CEK,
  bad CBC padding, GCM tag) has the same type, code and message and no exception chain;
* refusals (unknown recipient, rejected algorithms) happen before any private-key operation,
  which :class:`AuditedKey` — a real software key that keeps an audit log of its private-key
  operations, as HSMs do — makes visible;
* truncations, bit flips, garbage, huge lengths and deep nesting raise our errors quickly.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding

import keys
from encryption import ContentCipher, inspect_envelope
from encryption._reader import decrypt_stream
from encryption._recipients import DECRYPTION_FAILED_MESSAGE
from encryption._writer import encrypt_stream
from encryption.errors import (
    DecryptionFailedError,
    EncryptionError,
    MalformedEnvelopeError,
    NoMatchingRecipientError,
    RejectedAlgorithmError,
    TruncatedEnvelopeError,
    UnsupportedAlgorithmError,
)
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from keys import DecryptPadding, KeyType
from keys.errors import EYazismaError

OID_AES256_CBC = bytes.fromhex("060960864801650304012a")
OID_AES256_GCM = bytes.fromhex("060960864801650304012e")
OID_AES256_ECB = bytes.fromhex("0609608648016503040129")
OID_AES256_CCM = bytes.fromhex("060960864801650304012f")
OID_ECDH_SHA256_KDF = bytes.fromhex("06062b8104010b01")
OID_ECDH_SHA224_KDF = bytes.fromhex("06062b8104010b00")
ENVELOPED_DATA_HEAD = bytes.fromhex("308006092a864886f70d010703a0803080020100")


class AuditedKey:
    """A software key that records each private-key operation (like an HSM audit log)."""

    def __init__(self, key: keys.SoftwareKey) -> None:
        self._key = key
        self.operations: list[str] = []

    @property
    def certificate(self) -> x509.Certificate:
        return self._key.certificate

    @property
    def certificate_der(self) -> bytes:
        return self._key.certificate_der

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._key.chain

    @property
    def key_type(self) -> KeyType:
        return self._key.key_type

    def decrypt_key(
        self, encrypted: bytes, padding: DecryptPadding, *, legacy: bool = False
    ) -> bytes:
        self.operations.append(f"decrypt:{padding.name}")
        return self._key.decrypt_key(encrypted, padding, legacy=legacy)

    def derive_ecdh(self, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        self.operations.append("derive_ecdh")
        return self._key.derive_ecdh(peer_public_key)


def encrypt(data: bytes, certs: list[x509.Certificate], **options: object) -> bytes:
    out = io.BytesIO()
    encrypt_stream(data, out, certs, **options)  # type: ignore[arg-type]
    return out.getvalue()


def decrypt(envelope: bytes, key: object, **options: object) -> bytes:
    out = io.BytesIO()
    decrypt_stream(envelope, out, key, **options)  # type: ignore[arg-type]
    return out.getvalue()


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= mask
    return bytes(changed)


def failure(envelope: bytes, key: object) -> DecryptionFailedError:
    with pytest.raises(DecryptionFailedError) as caught:
        decrypt(envelope, key)
    error = caught.value
    # Uninformative on purpose: no chained cause a caller could inspect (§6.7).
    assert error.__cause__ is None
    assert error.__suppress_context__
    return error


def encrypted_key(envelope: bytes) -> bytes:
    content = asn1_cms.ContentInfo.load(envelope)["content"]
    chosen = content["recipient_infos"][0].chosen
    if isinstance(chosen, asn1_cms.KeyTransRecipientInfo):
        return bytes(chosen["encrypted_key"].native)
    return bytes(chosen["recipient_encrypted_keys"][0]["encrypted_key"].native)


# --- uniform failure after recipient selection ----------------------------------------------


def test_cbc_failures_are_indistinguishable(
    live_pki: TestPki, rsa_key: keys.SoftwareKey, ec_key: keys.SoftwareKey
) -> None:
    data = os.urandom(64 * 16)  # whole blocks: the last plaintext block is all padding (0x10)
    envelope = encrypt(data, [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate])
    assert decrypt(envelope, rsa_key) == data
    errors: list[DecryptionFailedError] = []
    # 1. damaged RSA-OAEP encrypted key
    content = asn1_cms.ContentInfo.load(envelope)["content"]
    ktri = next(r.chosen for r in content["recipient_infos"] if r.name == "ktri")
    ek = bytes(ktri["encrypted_key"].native)
    errors.append(failure(envelope.replace(ek, flip(ek, 100)), rsa_key))
    # 2. damaged AES-wrapped key (EC recipient)
    kari = next(r.chosen for r in content["recipient_infos"] if r.name == "kari")
    wrapped = bytes(kari["recipient_encrypted_keys"][0]["encrypted_key"].native)
    errors.append(failure(envelope.replace(wrapped, flip(wrapped, 5)), ec_key))
    # 3. a CEK of the wrong length, validly encrypted to the recipient
    public = live_pki.enc_rsa.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    short_cek = public.encrypt(
        os.urandom(16),
        asym_padding.OAEP(asym_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
    )
    errors.append(failure(envelope.replace(ek, short_cek), rsa_key))
    # 4. bad padding: flipping the penultimate ciphertext block flips the pad byte 0x10 → 0x11
    errors.append(failure(flip(envelope, len(envelope) - 17), rsa_key))
    errors.append(failure(flip(envelope, len(envelope) - 17, 0x10), ec_key))
    # 5. last-block damage: the last plaintext block becomes random. Valid padding by chance
    #    (≈1/256) yields wrong plaintext instead; every failure must look the same.
    outcomes: list[bytes | None] = []
    for bit in range(8):
        try:
            outcomes.append(decrypt(flip(envelope, len(envelope) - 1 - bit, 1 << bit), rsa_key))
        except DecryptionFailedError as error:
            errors.append(error)
            outcomes.append(None)
    assert outcomes.count(None) >= 1
    assert all(o is None or o != data for o in outcomes)
    assert len({(type(e), e.code, e.message, str(e)) for e in errors}) == 1
    assert errors[0].code == "ENCRYPTION_DECRYPTION_FAILED"
    assert errors[0].message == DECRYPTION_FAILED_MESSAGE


def test_gcm_failures_release_nothing_and_look_the_same(
    live_pki: TestPki, ec_key: keys.SoftwareKey, rsa_key: keys.SoftwareKey, tmp_path: Path
) -> None:
    data = os.urandom(5000)
    envelope = encrypt(
        data,
        [live_pki.enc_ec.certificate, live_pki.enc_rsa.certificate],
        cipher=ContentCipher.AES256_GCM,
    )
    nonce_at = envelope.index(OID_AES256_GCM) + len(OID_AES256_GCM) + 4
    cases = {
        "tag": flip(envelope, len(envelope) - 1),
        "ciphertext": flip(envelope, len(envelope) - 18 - 2500),
        "last-ciphertext-byte": flip(envelope, len(envelope) - 19),
        "nonce": flip(envelope, nonce_at),
    }
    messages = set()
    for name, damaged in cases.items():
        for key in (ec_key, rsa_key):
            messages.add(str(failure(damaged, key)))
            # Path target: nothing appears, an existing file is untouched, no temp files.
            target = tmp_path / f"{name}.eyp"
            with pytest.raises(DecryptionFailedError):
                decrypt_stream(damaged, target, key)
            assert not target.exists()
            target.write_bytes(b"old")
            with pytest.raises(DecryptionFailedError):
                decrypt_stream(damaged, target, key)
            assert target.read_bytes() == b"old"
            target.unlink()
            # Stream target: not a single byte is written before the tag verified.
            sink = io.BytesIO()
            with pytest.raises(DecryptionFailedError):
                decrypt_stream(damaged, sink, key)
            assert sink.getvalue() == b""
    assert len(messages) == 1
    assert list(tmp_path.iterdir()) == []


def test_pkcs1v15_failure_is_implicit_rejection(live_pki: TestPki, tmp_path: Path) -> None:
    """Legacy PKCS#1 v1.5: a bad padding gives a random CEK, never a distinct error (§6.7)."""
    import subprocess

    plain = tmp_path / "in.bin"
    plain.write_bytes(os.urandom(3000))
    envelope_path = tmp_path / "v15.der"
    subprocess.run(
        [
            "openssl", "cms", "-encrypt", "-binary", "-aes256", "-in", str(plain),
            "-outform", "DER", "-out", str(envelope_path),
            "-recip", str(live_pki.enc_rsa.cert_path),
        ],
        check=True,
    )  # fmt: skip
    envelope = envelope_path.read_bytes()
    key = AuditedKey(keys.load_pkcs12(live_pki.enc_rsa.p12_path, PKCS12_PASSWORD))
    assert decrypt(envelope, key, legacy=True) == plain.read_bytes()
    ek = encrypted_key(envelope)
    damaged = envelope.replace(ek, flip(ek, 200))
    outcome: bytes | DecryptionFailedError
    try:
        outcome = decrypt(damaged, key, legacy=True)
    except DecryptionFailedError as error:
        outcome = error
    if isinstance(outcome, DecryptionFailedError):
        assert outcome.message == DECRYPTION_FAILED_MESSAGE
        assert outcome.__cause__ is None
    else:  # the random CEK happened to give valid padding: wrong data, still no oracle
        assert outcome != plain.read_bytes()
    assert key.operations.count("decrypt:PKCS1V15") >= 2


# --- refusals before any key operation ------------------------------------------------------


def test_wrong_key_is_refused_before_any_key_operation(live_pki: TestPki) -> None:
    envelope = encrypt(b"secret", [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate])
    person = AuditedKey(keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD))
    with pytest.raises(NoMatchingRecipientError) as caught:
        decrypt(envelope, person)
    assert person.operations == []
    assert caught.value.code == "ENCRYPTION_NO_MATCHING_RECIPIENT"
    assert f"{live_pki.enc_rsa.serial_number:#x}" in caught.value.message
    assert f"{live_pki.enc_ec.serial_number:#x}" in caught.value.message


def test_only_the_selected_recipient_and_key_are_used(
    live_pki: TestPki,
) -> None:
    envelope = encrypt(b"secret", [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate])
    rsa_audited = AuditedKey(keys.load_pkcs12(live_pki.enc_rsa.p12_path, PKCS12_PASSWORD))
    ec_audited = AuditedKey(keys.load_pkcs12(live_pki.enc_ec.p12_path, PKCS12_PASSWORD))
    person = AuditedKey(keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD))
    assert decrypt(envelope, [person, ec_audited, rsa_audited]) == b"secret"
    used = person.operations + ec_audited.operations + rsa_audited.operations
    assert len(used) == 1  # one key operation in total, never "try every key"
    assert person.operations == []


@pytest.mark.parametrize(
    ("cipher", "old", "new", "error", "message"),
    [
        (ContentCipher.AES256_CBC, OID_AES256_CBC, OID_AES256_GCM, RejectedAlgorithmError,
         "GCM inside EnvelopedData"),
        (ContentCipher.AES256_GCM, OID_AES256_GCM, OID_AES256_CBC, RejectedAlgorithmError,
         "AuthEnvelopedData needs an authenticated cipher"),
        (ContentCipher.AES256_CBC, OID_AES256_CBC, OID_AES256_ECB, RejectedAlgorithmError,
         "AES-256-ECB"),
        (ContentCipher.AES256_CBC, OID_AES256_CBC, OID_AES256_CCM, UnsupportedAlgorithmError,
         "AES-256-CCM"),
        (ContentCipher.AES256_CBC, OID_ECDH_SHA256_KDF, OID_ECDH_SHA224_KDF,
         UnsupportedAlgorithmError, "SHA-224 KDF"),
    ],
    ids=["gcm-in-enveloped-data", "cbc-in-auth-enveloped-data", "aes-ecb", "aes-ccm", "kdf-sha224"],
)  # fmt: skip
def test_refused_algorithms_never_reach_the_key(
    live_pki: TestPki,
    cipher: ContentCipher,
    old: bytes,
    new: bytes,
    error: type[EncryptionError],
    message: str,
) -> None:
    envelope = encrypt(b"data" * 10, [live_pki.enc_ec.certificate], cipher=cipher)
    assert envelope.count(old) == 1
    crafted = envelope.replace(old, new)
    key = AuditedKey(keys.load_pkcs12(live_pki.enc_ec.p12_path, PKCS12_PASSWORD))
    with pytest.raises(error, match=message):
        decrypt(crafted, key)
    assert key.operations == []
    info = inspect_envelope(crafted)  # inspection still describes it, and names the problem
    assert any(message in note for note in info.notes)


# --- truncation and bit flips ---------------------------------------------------------------


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
@pytest.mark.parametrize("known", [True, False], ids=["definite", "indefinite"])
def test_every_truncation_is_reported(
    live_pki: TestPki, ec_key: keys.SoftwareKey, cipher: ContentCipher, known: bool
) -> None:
    data = os.urandom(150)
    source: bytes | io.RawIOBase = data if known else _PipeLike(data)
    out = io.BytesIO()
    encrypt_stream(source, out, [live_pki.enc_ec.certificate], cipher=cipher)
    envelope = out.getvalue()
    assert decrypt(envelope, ec_key) == data
    for cut in range(len(envelope)):
        with pytest.raises(TruncatedEnvelopeError):
            inspect_envelope(envelope[:cut])
        if cut > 400 or cut % 7 == 0:  # keep it fast: every cut through the content and tail
            with pytest.raises(TruncatedEnvelopeError):
                decrypt(envelope[:cut], ec_key)


class _PipeLike(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
def test_any_single_bit_flip_fails_cleanly(
    live_pki: TestPki, ec_key: keys.SoftwareKey, cipher: ContentCipher
) -> None:
    data = os.urandom(100)
    envelope = encrypt(data, [live_pki.enc_ec.certificate], cipher=cipher)
    wrong_outputs = 0
    for offset in range(len(envelope)):
        for mask in (0x01, 0x80):
            try:
                output = decrypt(flip(envelope, offset, mask), ec_key)
            except EYazismaError:
                continue
            if output != data:
                wrong_outputs += 1
    if cipher is ContentCipher.AES256_GCM:
        assert wrong_outputs == 0  # authenticated: damage never yields different plaintext
    else:
        assert wrong_outputs > 0  # CBC is malleable (IV, ciphertext), hence GCM / signatures


# --- hostile input --------------------------------------------------------------------------


def test_garbage_is_rejected(ec_key: keys.SoftwareKey) -> None:
    samples = [
        b"",
        b"\x00",
        b"-----BEGIN PKCS7-----\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\n-----END PKCS7-----\n",
        # A SignedData ContentInfo is not an envelope.
        bytes.fromhex("308006092a864886f70d010702a08000000000"),
        *[os.urandom(n) for n in (1, 2, 10, 100, 1000, 10_000)],
    ]
    for sample in samples:
        with pytest.raises(MalformedEnvelopeError):
            inspect_envelope(sample)
        with pytest.raises(MalformedEnvelopeError):
            decrypt(sample, ec_key)
    with pytest.raises(MalformedEnvelopeError, match=re.escape("1.2.840.113549.1.7.2")):
        decrypt(samples[3], ec_key)


def test_huge_declared_lengths_fail_fast(live_pki: TestPki, ec_key: keys.SoftwareKey) -> None:
    huge = b"\x88\x7f\xff\xff\xff\xff\xff\xff\xff"
    cases = [
        # length field longer than eight octets
        b"\x30\x89" + b"\x01" * 9,
        # ContentInfo of 2^63 bytes, then recipientInfos claiming 2^63 bytes
        b"\x30" + huge + bytes.fromhex("06092a864886f70d010703") + b"\xa0" + huge + b"\x30" + huge
        + b"\x02\x01\x00" + b"\x31" + huge + b"\x00" * 100,
        # recipientInfos of 1 TiB inside indefinite-length containers
        ENVELOPED_DATA_HEAD + b"\x31\x85\x01\x00\x00\x00\x00" + b"\x00" * 1000,
    ]  # fmt: skip
    # A valid header whose encryptedContent claims 16 TiB but stops after a few bytes.
    envelope = encrypt(b"x" * 100, [live_pki.enc_ec.certificate])
    head = envelope[: envelope.rindex(b"\x80\x70")]  # [0] IMPLICIT, 112 bytes of ciphertext
    cases.append(head + b"\x80\x86\x10\x00\x00\x00\x00\x00" + os.urandom(4096))
    for case in cases:
        for operation in (inspect_envelope, lambda c: decrypt(c, ec_key)):
            start = time.perf_counter()
            with pytest.raises(MalformedEnvelopeError):
                operation(case)
            assert time.perf_counter() - start < 1.0


def test_deep_nesting_and_element_floods_fail_fast(
    live_pki: TestPki, ec_key: keys.SoftwareKey
) -> None:
    # A real indefinite-length envelope cut at its encryptedContent [0], then 1000 nested
    # constructed OCTET STRINGs.
    out = io.BytesIO()
    encrypt_stream(_PipeLike(b"x" * 10), out, [live_pki.enc_ec.certificate])
    envelope = out.getvalue()
    head = envelope[: envelope.rindex(b"\xa0\x80\x04") + 2]
    cases = {
        "indefinite originatorInfo": ENVELOPED_DATA_HEAD + b"\xa0\x80" * 200_000,
        "indefinite recipientInfos": ENVELOPED_DATA_HEAD + b"\x31\x80" + b"\x30\x80" * 200_000,
        "definite recipientInfos": ENVELOPED_DATA_HEAD + _nested_definite(5000),
        "element flood": ENVELOPED_DATA_HEAD + b"\x31\x83\x04\x93\xe0" + b"\x05\x00" * 150_000
        + b"\x00" * 10,
        "segment nesting": head + b"\x24\x80" * 1000,
    }  # fmt: skip
    for name, case in cases.items():
        for operation in (inspect_envelope, lambda c: decrypt(c, ec_key)):
            start = time.perf_counter()
            with pytest.raises(MalformedEnvelopeError) as caught:
                operation(case)
            assert time.perf_counter() - start < 2.0, name
            assert "nested" in caught.value.message or "elements" in caught.value.message, name


def _nested_definite(depth: int) -> bytes:
    element = b"\x05\x00"
    for _ in range(depth):
        length = len(element)
        if length < 0x80:
            element = b"\x31" + bytes([length]) + element
        else:
            octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
            element = b"\x31" + bytes([0x80 | len(octets)]) + octets + element
    return element
