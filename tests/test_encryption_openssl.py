"""Interop with OpenSSL 3 ``openssl cms`` in both directions (signatures.md §7.2–§7.6, §7.10).

OpenSSL is an independent peer: envelopes we write must open with ``openssl cms -decrypt``, and
envelopes it writes (DER, ``-stream`` indefinite-length BER, RSA-OAEP, ECDH with several KDFs,
AES-CBC of every size, AES-GCM AuthEnvelopedData) must open with ours. Its legacy outputs
(PKCS#1 v1.5 and OAEP-SHA-1 key transport, the SHA-1 ECDH KDF that is OpenSSL's default) need
``legacy=True``; its weak ciphers are refused by name.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import keys
from encryption import ContentCipher, EnvelopeKind, RecipientIdType, inspect_envelope
from encryption._reader import decrypt_stream
from encryption._writer import encrypt_stream
from encryption.errors import (
    LegacyAlgorithmError,
    RejectedAlgorithmError,
    UnsupportedAlgorithmError,
)
from eyazisma.testing.pki import TestPki
from keys import DecryptPadding

OAEP_SHA256 = [
    "-keyopt", "rsa_padding_mode:oaep",
    "-keyopt", "rsa_oaep_md:sha256",
    "-keyopt", "rsa_mgf1_md:sha256",
]  # fmt: skip


def openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], capture_output=True, check=False)


def openssl_encrypt(plain: Path, out: Path, *options: str) -> Path:
    result = openssl(
        "cms", "-encrypt", "-binary", "-in", str(plain), "-outform", "DER", "-out", str(out),
        *options,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    return out


def openssl_decrypt(envelope: Path, key: Path, cert: Path) -> bytes:
    result = openssl(
        "cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(envelope),
        "-inkey", str(key), "-recip", str(cert),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "inner.eyp"
    path.write_bytes(os.urandom(150_001))
    return path


class _Pipe(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- ours → OpenSSL -------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
@pytest.mark.parametrize("recipient_id", list(RecipientIdType))
@pytest.mark.parametrize("known", [True, False], ids=["definite", "indefinite"])
def test_openssl_decrypts_ours(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    cipher: ContentCipher,
    recipient_id: RecipientIdType,
    known: bool,
) -> None:
    envelope = tmp_path / "ours.p7m"
    source: Path | io.RawIOBase = plain if known else _Pipe(plain.read_bytes())
    encrypt_stream(
        source,
        envelope,
        [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate],
        cipher=cipher,
        recipient_id=recipient_id,
    )
    for identity in (live_pki.enc_rsa, live_pki.enc_ec):
        assert (
            openssl_decrypt(envelope, identity.key_path, identity.cert_path) == plain.read_bytes()
        )


# --- OpenSSL → ours -------------------------------------------------------------------------

_OURS_FROM_OPENSSL = {
    # name: (openssl options, recipient, cipher, kind)
    "rsa-oaep-aes256": (["-aes256", *OAEP_SHA256], "enc_rsa", ContentCipher.AES256_CBC),
    "rsa-oaep-aes256-stream": (
        ["-aes256", "-stream", *OAEP_SHA256], "enc_rsa", ContentCipher.AES256_CBC
    ),
    "rsa-oaep-aes128": (["-aes128", *OAEP_SHA256], "enc_rsa", ContentCipher.AES128_CBC),
    "rsa-oaep-aes192-stream": (
        ["-aes192", "-stream", *OAEP_SHA256], "enc_rsa", ContentCipher.AES192_CBC
    ),
    "rsa-oaep-gcm": (["-aes-256-gcm", *OAEP_SHA256], "enc_rsa", ContentCipher.AES256_GCM),
    "rsa-oaep-gcm-stream": (
        ["-aes-256-gcm", "-stream", *OAEP_SHA256], "enc_rsa", ContentCipher.AES256_GCM
    ),
    "rsa-oaep-gcm128": (["-aes-128-gcm", *OAEP_SHA256], "enc_rsa", ContentCipher.AES128_GCM),
    "ec-sha256kdf": (
        ["-aes256", "-keyopt", "ecdh_kdf_md:sha256"], "enc_ec", ContentCipher.AES256_CBC
    ),
    "ec-sha256kdf-stream": (
        ["-aes256", "-stream", "-keyopt", "ecdh_kdf_md:sha256"], "enc_ec", ContentCipher.AES256_CBC
    ),
    "ec-sha384kdf-gcm": (
        ["-aes-256-gcm", "-keyopt", "ecdh_kdf_md:sha384"], "enc_ec", ContentCipher.AES256_GCM
    ),
    "ec-sha512kdf-aes128-wrap": (
        ["-aes128", "-keyopt", "ecdh_kdf_md:sha512"], "enc_ec", ContentCipher.AES128_CBC
    ),
    "ec-cofactor-sha256kdf": (
        ["-aes256", "-keyopt", "ecdh_kdf_md:sha256", "-keyopt", "ecdh_cofactor_mode:1"],
        "enc_ec",
        ContentCipher.AES256_CBC,
    ),
    "ec-cofactor-gcm-stream": (
        ["-aes-256-gcm", "-stream", "-keyopt", "ecdh_kdf_md:sha384",
         "-keyopt", "ecdh_cofactor_mode:1"],
        "enc_ec",
        ContentCipher.AES256_GCM,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_OURS_FROM_OPENSSL))
def test_ours_decrypts_openssl(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    rsa_key: keys.SoftwareKey,
    ec_key: keys.SoftwareKey,
    case: str,
) -> None:
    options, recipient, cipher = _OURS_FROM_OPENSSL[case]
    identity = live_pki[recipient]
    # -keyopt applies to the -recip before it.
    envelope = openssl_encrypt(
        plain, tmp_path / "openssl.p7m", "-recip", str(identity.cert_path), *options
    )
    key = rsa_key if recipient == "enc_rsa" else ec_key
    out = tmp_path / "out.eyp"
    result = decrypt_stream(envelope, out, key)
    assert out.read_bytes() == plain.read_bytes()
    assert result.info.cipher is cipher
    assert result.info.definite_length is ("-stream" not in options)
    assert result.info.kind is (
        EnvelopeKind.AUTH_ENVELOPED_DATA if cipher.is_aead else EnvelopeKind.ENVELOPED_DATA
    )
    assert result.legacy_algorithms == ()
    if case == "ec-sha512kdf-aes128-wrap":
        assert result.recipient.key_encryption_name == "ECDH stdDH SHA-512 KDF"
        assert result.recipient.key_wrap_name == "AES-128 key wrap"
    if "cofactor" in case:
        assert "cofactorDH" in result.recipient.key_encryption_name
    # And from a pipe, which cannot seek.
    sink = io.BytesIO()
    decrypt_stream(_Pipe(envelope.read_bytes()), sink, key)
    assert sink.getvalue() == plain.read_bytes()


def test_openssl_multi_recipient_envelope(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    rsa_key: keys.SoftwareKey,
    ec_key: keys.SoftwareKey,
) -> None:
    envelope = openssl_encrypt(
        plain, tmp_path / "multi.p7m", "-aes256", "-stream",
        "-recip", str(live_pki.enc_rsa.cert_path), *OAEP_SHA256,
        "-recip", str(live_pki.enc_ec.cert_path), "-keyopt", "ecdh_kdf_md:sha256",
    )  # fmt: skip
    info = inspect_envelope(envelope)
    assert len(info.recipients) == 2
    for key in (rsa_key, ec_key):
        out = io.BytesIO()
        decrypt_stream(envelope, out, key)
        assert out.getvalue() == plain.read_bytes()


@pytest.mark.parametrize(
    ("options", "recipient", "legacy_name"),
    [
        (["-aes256"], "enc_rsa", "RSAES-PKCS1-v1_5"),
        (["-aes256", "-keyopt", "rsa_padding_mode:oaep"], "enc_rsa",
         "RSAES-OAEP (SHA-1, MGF1-SHA-1)"),
        (["-aes256"], "enc_ec", "ECDH stdDH SHA-1 KDF"),
    ],
    ids=["rsa-pkcs1v15", "rsa-oaep-sha1", "ec-sha1kdf-openssl-default"],
)  # fmt: skip
def test_legacy_key_encryption_needs_opt_in(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    rsa_key: keys.SoftwareKey,
    ec_key: keys.SoftwareKey,
    options: list[str],
    recipient: str,
    legacy_name: str,
) -> None:
    identity = live_pki[recipient]
    envelope = openssl_encrypt(
        plain, tmp_path / "legacy.p7m", "-recip", str(identity.cert_path), *options
    )
    key = rsa_key if recipient == "enc_rsa" else ec_key
    out = tmp_path / "out.eyp"
    with pytest.raises(LegacyAlgorithmError, match="legacy=True") as caught:
        decrypt_stream(envelope, out, key)
    assert caught.value.algorithm == legacy_name
    assert not out.exists()
    result = decrypt_stream(envelope, out, key, legacy=True)
    assert out.read_bytes() == plain.read_bytes()
    assert result.legacy_algorithms == (legacy_name,)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (["-des3"], "3DES (des-ede3-cbc)"),
        (["-aes-256-ecb"], "AES-256-ECB"),
        (["-rc2", "-provider", "legacy", "-provider", "default"], "RC2-CBC"),
        (["-des", "-provider", "legacy", "-provider", "default"], "DES-CBC"),
    ],
    ids=["3des", "aes-ecb", "rc2", "des"],
)
def test_weak_content_ciphers_are_rejected_by_name(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    rsa_key: keys.SoftwareKey,
    options: list[str],
    name: str,
) -> None:
    envelope = openssl_encrypt(
        plain,
        tmp_path / "weak.p7m",
        *options,
        "-recip",
        str(live_pki.enc_rsa.cert_path),
        *OAEP_SHA256,
    )
    for legacy in (False, True):  # rejected outright, legacy or not (signatures.md §7.10)
        with pytest.raises(RejectedAlgorithmError) as caught:
            decrypt_stream(envelope, io.BytesIO(), rsa_key, legacy=legacy)
        assert caught.value.algorithm == name
        assert name in caught.value.message
    assert inspect_envelope(envelope).cipher is None


def test_oaep_sha384_follows_the_key_interface(
    live_pki: TestPki, plain: Path, tmp_path: Path, rsa_key: keys.SoftwareKey
) -> None:
    """RSA-OAEP SHA-384 is 'also accepted' (§7.2) as far as keys.DecryptPadding offers it."""
    envelope = openssl_encrypt(
        plain, tmp_path / "oaep384.p7m", "-aes256",
        "-recip", str(live_pki.enc_rsa.cert_path),
        "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha384",
        "-keyopt", "rsa_mgf1_md:sha384",
    )  # fmt: skip
    out = io.BytesIO()
    if "OAEP_SHA384" in DecryptPadding.__members__:
        decrypt_stream(envelope, out, rsa_key)
        assert out.getvalue() == plain.read_bytes()
    else:
        with pytest.raises(UnsupportedAlgorithmError, match="OAEP_SHA384"):
            decrypt_stream(envelope, out, rsa_key)
        assert out.getvalue() == b""


def test_rsa_1024_recipient_key_rejected_on_decrypt(plain: Path, tmp_path: Path) -> None:
    private = rsa.generate_private_key(65537, 1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old 1024-bit certificate")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    cert_path = tmp_path / "old.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    envelope = openssl_encrypt(
        plain, tmp_path / "old.p7m", "-aes256", "-recip", str(cert_path), *OAEP_SHA256
    )
    key = keys.SoftwareKey(private, cert, legacy=True)  # the key layer allows it only on opt-in
    for legacy in (False, True):
        with pytest.raises(RejectedAlgorithmError, match="RSA-1024"):
            decrypt_stream(envelope, io.BytesIO(), key, legacy=legacy)
