"""Interop with BouncyCastle (bcpkix) in both directions, via tests/java/BcEnvelope.java.

BouncyCastle is the second independent peer (signatures.md §7.5 note: "follow what OpenSSL and
BouncyCastle produce"). Covered: RSA-OAEP-SHA-256 and ECDH SHA-256 KDF + AES-256 wrap recipients,
AES-256-CBC EnvelopedData (BC streams indefinite-length BER) and AES-256-GCM AuthEnvelopedData,
including BC's authenticated attributes (non-empty AAD, read after the content) and explicit
EC curve parameters in the originator key; BC-made 3DES / RC2 / DES envelopes are refused.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

import keys
from encryption import ContentCipher, RecipientIdType, inspect_envelope
from encryption._reader import decrypt_stream
from encryption._writer import encrypt_stream
from encryption.errors import RejectedAlgorithmError, UnsupportedAlgorithmError
from eyazisma.testing.pki import Identity, TestPki
from tests.java_tools import run_java


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "inner.eyp"
    path.write_bytes(os.urandom(200_017))
    return path


def bc(*args: str) -> None:
    result = run_java("BcEnvelope.java", list(args))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def bc_decrypt(envelope: Path, folder: Path, plain: Path, *identities: Identity) -> None:
    """BouncyCastle decrypts ``envelope`` once per identity (one JVM run)."""
    args = ["decrypt", str(envelope)]
    outputs = []
    for identity in identities:
        out = folder / f"bc-{identity.name}.out"
        outputs.append(out)
        args += [str(identity.key_path), str(identity.cert_path), str(out)]
    bc(*args)
    for out in outputs:
        assert out.read_bytes() == plain.read_bytes()


class _Pipe(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
@pytest.mark.parametrize("recipient_id", list(RecipientIdType))
def test_bouncycastle_decrypts_ours(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    cipher: ContentCipher,
    recipient_id: RecipientIdType,
) -> None:
    envelope = tmp_path / "ours.p7m"
    encrypt_stream(
        plain,
        envelope,
        [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate],
        cipher=cipher,
        recipient_id=recipient_id,
    )
    bc_decrypt(envelope, tmp_path, plain, live_pki.enc_rsa, live_pki.enc_ec)


def test_bouncycastle_decrypts_our_indefinite_length_output(
    live_pki: TestPki, plain: Path, tmp_path: Path
) -> None:
    envelope = tmp_path / "ours-ber.p7m"
    info = encrypt_stream(
        _Pipe(plain.read_bytes()),
        envelope,
        [live_pki.enc_ec.certificate, live_pki.enc_rsa.certificate],
    )
    assert not info.definite_length
    bc_decrypt(envelope, tmp_path, plain, live_pki.enc_ec, live_pki.enc_rsa)


@pytest.mark.parametrize("mode", ["cbc", "cbc-explicit-ec", "gcm", "gcm-authattrs"])
def test_ours_decrypts_bouncycastle(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    rsa_key: keys.SoftwareKey,
    ec_key: keys.SoftwareKey,
    mode: str,
) -> None:
    envelope = tmp_path / f"bc-{mode}.p7m"
    bc(
        "encrypt",
        str(plain),
        str(envelope),
        mode,
        str(live_pki.enc_rsa.cert_path),
        str(live_pki.enc_ec.cert_path),
    )
    info = inspect_envelope(envelope)
    assert info.cipher is (
        ContentCipher.AES256_GCM if mode.startswith("gcm") else ContentCipher.AES256_CBC
    )
    assert info.has_authenticated_attributes is (mode == "gcm-authattrs")
    if mode.startswith("cbc"):
        assert not info.definite_length  # CMSEnvelopedDataStreamGenerator writes BER
    names = {r.key_encryption_name for r in info.recipients}
    assert names == {"RSAES-OAEP (SHA-256, MGF1-SHA-256)", "ECDH stdDH SHA-256 KDF"}
    for key in (rsa_key, ec_key):
        out = tmp_path / "out.eyp"
        result = decrypt_stream(envelope, out, key)
        assert out.read_bytes() == plain.read_bytes()
        assert result.recipient.matches(key.certificate)
        sink = io.BytesIO()
        decrypt_stream(envelope.read_bytes(), sink, key)
        assert sink.getvalue() == plain.read_bytes()


def test_authenticated_attributes_need_a_seekable_source(
    live_pki: TestPki, plain: Path, tmp_path: Path, ec_key: keys.SoftwareKey
) -> None:
    """authAttrs follow the ciphertext but feed GCM's AAD first: a pipe cannot be re-read."""
    envelope = tmp_path / "bc-aad.p7m"
    bc("encrypt", str(plain), str(envelope), "gcm-authattrs", str(live_pki.enc_ec.cert_path))
    sink = io.BytesIO()
    with pytest.raises(UnsupportedAlgorithmError, match="seekable"):
        decrypt_stream(_Pipe(envelope.read_bytes()), sink, ec_key)
    assert sink.getvalue() == b""  # nothing released


@pytest.mark.parametrize(
    ("mode", "name"),
    [("des3", "3DES (des-ede3-cbc)"), ("rc2", "RC2-CBC"), ("des", "DES-CBC")],
)
def test_bouncycastle_weak_ciphers_rejected(
    live_pki: TestPki,
    plain: Path,
    tmp_path: Path,
    rsa_key: keys.SoftwareKey,
    mode: str,
    name: str,
) -> None:
    envelope = tmp_path / f"bc-{mode}.p7m"
    bc("encrypt", str(plain), str(envelope), mode, str(live_pki.enc_rsa.cert_path))
    with pytest.raises(RejectedAlgorithmError, match=name.split(" ")[0]) as caught:
        decrypt_stream(envelope, tmp_path / "never.eyp", rsa_key, legacy=True)
    assert caught.value.algorithm == name
    assert not (tmp_path / "never.eyp").exists()
