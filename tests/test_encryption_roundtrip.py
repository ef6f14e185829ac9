"""Round trips through encryption's private entry points (signatures.md §7.2–§7.9).

Real keys from the live test PKI (``enc_rsa`` RSA-2048 keyEncipherment, ``enc_ec`` P-256
keyAgreement), real files and streams; structure checked against signatures.md Appendix A and
with asn1crypto as an independent parser.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import encryption
import keys
from encryption import (
    ContentCipher,
    EnvelopeKind,
    RecipientIdType,
    RecipientKind,
    inspect_envelope,
)
from encryption._ber import parse
from encryption._reader import decrypt_stream
from encryption._writer import SEGMENT_SIZE, encrypt_stream
from encryption.errors import (
    EncryptionError,
    EncryptionIOError,
    RecipientCertificateError,
    RejectedAlgorithmError,
    UnsupportedAlgorithmError,
)
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from keys.errors import EYazismaError

# signatures.md Appendix A.2 / A.3.
OAEP_SHA256_DER = bytes.fromhex(
    "303c06092a864886f70d010107302fa00f300d06096086480165030402010500a11c301a06092a864886f70d"
    "010108300d06096086480165030402010500"
)
KARI_ALGORITHM_DER = bytes.fromhex("301506062b8104010b01300b060960864801650304012d")
SHARED_INFO_DER = bytes.fromhex("3015300b060960864801650304012da206040400000100")


class Unseekable(io.RawIOBase):
    """A pipe-like binary stream: readable, not seekable, size unknown."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        # Short reads on purpose (like a pipe): at most 7000 bytes per call.
        data = self._inner.read(min(len(buffer), 7000))
        buffer[: len(data)] = data
        return len(data)


def encrypt(data: bytes | io.RawIOBase, certs: list[x509.Certificate], **options: object) -> bytes:
    out = io.BytesIO()
    encrypt_stream(data, out, certs, **options)  # type: ignore[arg-type]
    return out.getvalue()


def decrypt(envelope: bytes, key: object, **options: object) -> bytes:
    out = io.BytesIO()
    decrypt_stream(envelope, out, key, **options)  # type: ignore[arg-type]
    return out.getvalue()


def self_signed(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
    *,
    key_usage: x509.KeyUsage | None = None,
    ski: bool = True,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "encryption test")])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if ski:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, True)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)


def key_usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
@pytest.mark.parametrize("recipient_id", list(RecipientIdType))
@pytest.mark.parametrize("size_known", [True, False], ids=["definite", "indefinite"])
@pytest.mark.parametrize("length", [0, 1, 16, 200_003])
def test_round_trip_rsa_and_ec_together(
    live_pki: TestPki,
    rsa_key: keys.SoftwareKey,
    ec_key: keys.SoftwareKey,
    cipher: ContentCipher,
    recipient_id: RecipientIdType,
    size_known: bool,
    length: int,
) -> None:
    data = os.urandom(length)
    source: bytes | io.RawIOBase = data if size_known else Unseekable(data)
    certs = [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate]
    envelope = encrypt(source, certs, cipher=cipher, recipient_id=recipient_id, chunk_size=1)
    assert decrypt(envelope, rsa_key) == data
    assert decrypt(envelope, ec_key) == data
    info = inspect_envelope(envelope)
    assert info.cipher is cipher
    assert info.definite_length is size_known
    assert info.constructed_content is not size_known
    assert [r.kind for r in info.recipients] == [
        RecipientKind.KEY_TRANSPORT,
        RecipientKind.KEY_AGREEMENT,
    ] or [r.kind for r in info.recipients] == [
        RecipientKind.KEY_AGREEMENT,
        RecipientKind.KEY_TRANSPORT,
    ]
    assert all(r.id_type is recipient_id for r in info.recipients)
    expected = length if cipher.is_aead else 16 * (length // 16 + 1)
    assert info.encrypted_content_length == expected


@pytest.mark.parametrize("cipher", [ContentCipher.AES256_CBC, ContentCipher.AES256_GCM])
def test_each_envelope_has_fresh_cek_and_iv(
    live_pki: TestPki, rsa_key: keys.SoftwareKey, cipher: ContentCipher
) -> None:
    data = b"same plaintext" * 100
    first = encrypt(data, [live_pki.enc_rsa.certificate], cipher=cipher)
    second = encrypt(data, [live_pki.enc_rsa.certificate], cipher=cipher)
    assert len(first) == len(second)
    assert first[-200:] != second[-200:]
    assert decrypt(first, rsa_key) == decrypt(second, rsa_key) == data


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=5000),
    chunk=st.integers(min_value=1, max_value=200_000),
    gcm=st.booleans(),
    known=st.booleans(),
)
def test_round_trip_property(
    live_pki: TestPki, rsa_key: keys.SoftwareKey, data: bytes, chunk: int, gcm: bool, known: bool
) -> None:
    cipher = ContentCipher.AES256_GCM if gcm else ContentCipher.AES256_CBC
    source: bytes | io.RawIOBase = data if known else Unseekable(data)
    envelope = encrypt(source, [live_pki.enc_rsa.certificate], cipher=cipher, chunk_size=chunk)
    assert decrypt(envelope, rsa_key, chunk_size=chunk) == data


def test_paths_streams_and_unseekable_envelopes(
    live_pki: TestPki, ec_key: keys.SoftwareKey, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    plain = tmp_path / "inner.eyp"
    plain.write_bytes(data)
    for cipher in (ContentCipher.AES256_CBC, ContentCipher.AES256_GCM):
        envelope_path = tmp_path / f"{cipher.name}.p7m"
        info = encrypt_stream(plain, envelope_path, [live_pki.enc_ec.certificate], cipher=cipher)
        assert info.kind is (
            EnvelopeKind.AUTH_ENVELOPED_DATA if cipher.is_aead else EnvelopeKind.ENVELOPED_DATA
        )
        out_path = tmp_path / f"{cipher.name}.out"
        result = decrypt_stream(envelope_path, out_path, ec_key)
        assert out_path.read_bytes() == data
        assert result.plaintext_length == len(data)
        assert result.recipient.kind is RecipientKind.KEY_AGREEMENT
        # The same envelope from a non-seekable stream (e.g. a pipe) into a stream.
        out = io.BytesIO()
        decrypt_stream(Unseekable(envelope_path.read_bytes()), out, ec_key)
        assert out.getvalue() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# --- structure ------------------------------------------------------------------------------


def test_rsa_recipient_structure_matches_appendix_a2(
    live_pki: TestPki, rsa_key: keys.SoftwareKey
) -> None:
    envelope = encrypt(b"x" * 1000, [live_pki.enc_rsa.certificate])
    assert OAEP_SHA256_DER in envelope
    info = asn1_cms.ContentInfo.load(envelope)
    assert info["content_type"].native == "enveloped_data"
    enveloped = info["content"]
    assert enveloped["version"].native == "v0"  # only KTRI v0 (RFC 5652 §6.1)
    (recipient,) = enveloped["recipient_infos"]
    ktri = recipient.chosen
    assert ktri["version"].native == "v0"
    rid = ktri["rid"].chosen
    cert = asn1_cms.Certificate.load(live_pki.enc_rsa.cert_der)
    assert rid["issuer"].dump() == cert.issuer.dump()
    assert rid["serial_number"].native == live_pki.enc_rsa.serial_number
    assert ktri["key_encryption_algorithm"].dump() == OAEP_SHA256_DER
    assert len(ktri["encrypted_key"].native) == 256
    eci = enveloped["encrypted_content_info"]
    assert eci["content_type"].native == "data"
    assert eci["content_encryption_algorithm"]["algorithm"].dotted == ContentCipher.AES256_CBC.oid
    assert len(eci["content_encryption_algorithm"]["parameters"].native) == 16
    assert len(eci["encrypted_content"].native) == 1008
    # Definite-length DER throughout: asn1crypto re-encodes it to the same bytes.
    assert info.dump(force=True) == envelope
    assert envelope[:2] == b"\x30\x82"


def test_ec_recipient_structure_matches_appendix_a3(live_pki: TestPki) -> None:
    from encryption._algorithms import AES256_WRAP
    from encryption._recipients import shared_info

    assert shared_info(AES256_WRAP, None) == SHARED_INFO_DER
    envelope = encrypt(b"x" * 10, [live_pki.enc_ec.certificate])
    assert KARI_ALGORITHM_DER in envelope
    enveloped = asn1_cms.ContentInfo.load(envelope)["content"]
    assert enveloped["version"].native == "v2"  # KARI is v3, so EnvelopedData is v2 (§7.3)
    kari = enveloped["recipient_infos"][0].chosen
    assert kari["version"].native == "v3"
    originator = kari["originator"].chosen
    assert originator["algorithm"]["algorithm"].native == "ec"
    point = originator["public_key"].native
    assert len(point) == 65 and point[0] == 4  # uncompressed P-256 point
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert kari["ukm"].native is None
    (rek,) = kari["recipient_encrypted_keys"]
    assert len(rek["encrypted_key"].native) == 40  # AES key wrap of a 32-byte CEK
    assert rek["rid"].chosen["serial_number"].native == live_pki.enc_ec.serial_number


def test_ski_identifiers_and_versions(live_pki: TestPki) -> None:
    rsa_cert = live_pki.enc_rsa.certificate
    ski = rsa_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    envelope = encrypt(b"abc", [rsa_cert], recipient_id=RecipientIdType.SUBJECT_KEY_IDENTIFIER)
    enveloped = asn1_cms.ContentInfo.load(envelope)["content"]
    assert enveloped["version"].native == "v2"  # a KTRI v2 makes EnvelopedData v2
    ktri = enveloped["recipient_infos"][0].chosen
    assert ktri["version"].native == "v2"
    assert ktri["rid"].name == "subject_key_identifier"
    assert ktri["rid"].chosen.native == ski
    ec_envelope = encrypt(
        b"abc", [live_pki.enc_ec.certificate], recipient_id=RecipientIdType.SUBJECT_KEY_IDENTIFIER
    )
    kari = asn1_cms.ContentInfo.load(ec_envelope)["content"]["recipient_infos"][0].chosen
    rid = kari["recipient_encrypted_keys"][0]["rid"]
    assert rid.name == "r_key_id"
    assert rid.chosen["subject_key_identifier"].native == (
        live_pki.enc_ec.certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
    )


def test_gcm_writes_auth_enveloped_data_with_icvlen_16(
    live_pki: TestPki, rsa_key: keys.SoftwareKey
) -> None:
    envelope = encrypt(b"g" * 100, [live_pki.enc_rsa.certificate], cipher=ContentCipher.AES256_GCM)
    info = asn1_cms.ContentInfo.load(envelope)
    assert info["content_type"].native == "authenticated_enveloped_data"
    auth = info["content"]
    assert auth["version"].native == "v0"
    assert not auth["auth_attrs"]
    assert len(auth["mac"].native) == 16
    algorithm = auth["auth_encrypted_content_info"]["content_encryption_algorithm"]
    assert algorithm["algorithm"].dotted == ContentCipher.AES256_GCM.oid
    params = algorithm["parameters"]
    # GCMParameters with a 12-byte nonce and aes-ICVlen 16 written explicitly (RFC 5084 §3.2).
    encoded = params.dump()
    assert encoded[:4] == b"\x30\x11\x04\x0c"
    assert encoded[16:] == b"\x02\x01\x10"
    assert decrypt(envelope, rsa_key) == b"g" * 100


def test_indefinite_length_uses_64k_segments(live_pki: TestPki) -> None:
    data = os.urandom(3 * SEGMENT_SIZE + 1000)
    envelope = encrypt(Unseekable(data), [live_pki.enc_rsa.certificate])
    root = parse(envelope, "test")
    assert root.indefinite
    eci = root.children[1].children[0].children[2]
    content = eci.children[2]
    assert content.is_context(0) and content.constructed and content.indefinite
    sizes = [segment.content_end - segment.content_start for segment in content.children]
    assert sizes == [SEGMENT_SIZE] * 3 + [16 * ((len(data) - 3 * SEGMENT_SIZE) // 16 + 1)]
    assert all(s.is_universal(4) and not s.constructed for s in content.children)


def test_progress_reports_bytes(live_pki: TestPki, rsa_key: keys.SoftwareKey) -> None:
    data = os.urandom(5 * 65536 + 7)
    calls: list[tuple[int, int | None]] = []
    envelope = encrypt(
        data,
        [live_pki.enc_rsa.certificate],
        chunk_size=65536,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (len(data), len(data))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) == 6
    seen: list[tuple[int, int | None]] = []
    out = io.BytesIO()
    decrypt_stream(
        envelope, out, rsa_key, chunk_size=65536, progress=lambda d, t: seen.append((d, t))
    )
    assert out.getvalue() == data
    assert seen[-1][1] == len(envelope)
    assert len(envelope) - 200 < seen[-1][0] <= len(envelope)


# --- key selection --------------------------------------------------------------------------


def test_key_list_selects_the_named_recipient(live_pki: TestPki, ec_key: keys.SoftwareKey) -> None:
    person = keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)
    envelope = encrypt(b"for ec only", [live_pki.enc_ec.certificate])
    out = io.BytesIO()
    result = decrypt_stream(envelope, out, [person, ec_key])
    assert out.getvalue() == b"for ec only"
    assert result.recipient.serial_number == live_pki.enc_ec.serial_number
    assert result.recipient.matches(live_pki.enc_ec.certificate)
    assert not result.recipient.matches(live_pki.enc_rsa.certificate)
    assert result.legacy_algorithms == ()


# --- inspect --------------------------------------------------------------------------------


def test_inspect_reports_recipients_without_plaintext(live_pki: TestPki) -> None:
    marker = b"GIZLI-ICERIK-" * 50
    envelope = encrypt(marker, [live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate])
    info = inspect_envelope(io.BytesIO(envelope))
    assert info.kind is EnvelopeKind.ENVELOPED_DATA
    assert info.version == 2
    assert info.content_type == "1.2.840.113549.1.7.1"
    assert info.content_encryption_name == "AES-256-CBC"
    serials = {r.serial_number for r in info.recipients}
    assert serials == {live_pki.enc_rsa.serial_number, live_pki.enc_ec.serial_number}
    issuer = live_pki.qualified_ca.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert all(str(issuer[0].value) in (r.issuer or "") for r in info.recipients)
    document = json.loads(info.to_json())
    assert {r["key_encryption_name"] for r in document["recipients"]} == {
        "RSAES-OAEP (SHA-256, MGF1-SHA-256)",
        "ECDH stdDH SHA-256 KDF",
    }
    assert "GIZLI" not in info.to_json()
    assert document["encrypted_content_length"] == 16 * (len(marker) // 16 + 1)


# --- refusals before writing ----------------------------------------------------------------


def test_rsa_1024_recipient_refused(tmp_path: Path) -> None:
    weak = self_signed(rsa.generate_private_key(65537, 1024))
    target = tmp_path / "out.p7m"
    with pytest.raises(RejectedAlgorithmError, match="RSA-1024") as caught:
        encrypt_stream(b"data", target, [weak])
    assert caught.value.algorithm == "RSA-1024"
    assert caught.value.code == "ENCRYPTION_REJECTED_ALGORITHM"
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: self_signed(ed25519.Ed25519PrivateKey.generate()), "Ed25519"),
        (
            lambda: self_signed(
                rsa.generate_private_key(65537, 2048),
                key_usage=key_usage(digital_signature=True, content_commitment=True),
            ),
            "keyEncipherment",
        ),
        (
            lambda: self_signed(
                ec.generate_private_key(ec.SECP256R1()),
                key_usage=key_usage(digital_signature=True),
            ),
            "keyAgreement",
        ),
    ],
    ids=["ed25519", "rsa-signing-only", "ec-signing-only"],
)
def test_unusable_recipient_certificates_refused(
    tmp_path: Path, make: Callable[[], x509.Certificate], message: str
) -> None:
    target = tmp_path / "out.p7m"
    target.write_bytes(b"previous content")
    with pytest.raises(RecipientCertificateError, match=message):
        encrypt_stream(b"data", target, [make()])
    assert target.read_bytes() == b"previous content"


def test_other_write_refusals(live_pki: TestPki) -> None:
    with pytest.raises(RecipientCertificateError, match="At least one"):
        encrypt(b"x", [])
    no_ski = self_signed(rsa.generate_private_key(65537, 2048), ski=False)
    with pytest.raises(RecipientCertificateError, match="subjectKeyIdentifier"):
        encrypt(b"x", [no_ski], recipient_id=RecipientIdType.SUBJECT_KEY_IDENTIFIER)
    with pytest.raises(UnsupportedAlgorithmError, match="AES-128-CBC"):
        encrypt(b"x", [live_pki.enc_rsa.certificate], cipher=ContentCipher.AES128_CBC)
    with pytest.raises(EncryptionIOError, match="binary stream"):
        encrypt_stream(12345, io.BytesIO(), [live_pki.enc_rsa.certificate])  # type: ignore[arg-type]
    with pytest.raises(EncryptionIOError, match="nowhere"):
        encrypt_stream(Path("/nowhere/x.eyp"), io.BytesIO(), [live_pki.enc_rsa.certificate])


def test_source_changing_while_encrypting_is_detected(live_pki: TestPki, tmp_path: Path) -> None:
    source = tmp_path / "growing.eyp"
    source.write_bytes(os.urandom(4 * 65536))
    target = tmp_path / "out.p7m"

    def grow(done: int, total: int | None) -> None:
        if done == 65536:
            with source.open("ab") as handle:
                handle.write(b"appended while reading")

    with pytest.raises(EncryptionIOError, match="changed"):
        encrypt_stream(
            source, target, [live_pki.enc_rsa.certificate], chunk_size=65536, progress=grow
        )
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["growing.eyp"]


def test_duplicate_recipient_written_once(live_pki: TestPki) -> None:
    cert = live_pki.enc_rsa.certificate
    info = encrypt_stream(b"x", io.BytesIO(), [cert, cert])
    assert len(info.recipients) == 1


# --- public surface -------------------------------------------------------------------------


def test_public_surface_hides_generic_envelope_functions() -> None:
    """signatures.md §8.1 fact 4: no licence bypass through generic CMS functions."""
    exported = set(encryption.__all__)
    assert "inspect_envelope" in exported
    functions = {name for name in exported if inspect.isfunction(getattr(encryption, name))}
    assert functions == {"inspect_envelope"}
    assert not hasattr(encryption, "encrypt_stream")
    assert not hasattr(encryption, "decrypt_stream")
    for name in exported:
        value = getattr(encryption, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, EncryptionError)
            assert issubclass(value, EYazismaError)


def test_expired_decryption_certificate_still_opens_and_is_noted() -> None:
    """signatures.md §7.9 step 6: archived packages open with an expired certificate."""
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired encryption certificate")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(99)
        .not_valid_before(now - dt.timedelta(days=800))
        .not_valid_after(now - dt.timedelta(days=400))
        .add_extension(key_usage(key_agreement=True), True)
        .sign(private, hashes.SHA256())
    )
    envelope = encrypt(b"archived package", [cert])
    out = io.BytesIO()
    result = decrypt_stream(envelope, out, keys.SoftwareKey(private, cert))
    assert out.getvalue() == b"archived package"
    assert len(result.notes) == 1 and "expired" in result.notes[0]
