"""CAdES-BES/EPES creation, parallel and serial signers (signatures.md §1.2–§1.3, §2.4, §2.6,
§3.2–§3.4, §3.11, Appendix A.1).

Shapes are checked on the bytes with an independent parser (asn1crypto ``dump()`` returns the
stored encoding of loaded values) and OpenSSL ``cms -verify`` checks the results.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import keys
from cades import _der, _view
from cades._asn1 import Oid
from cades._attributes import SignerLocationInfo, is_der_sorted, time_der
from cades._crypto import verify_signature_value
from cades._sign import add_parallel_signer, countersign, sign
from cades.errors import SignerCertificateError, SigningError
from cades.profiles import Profile
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.softhsm import SoftHsmToken
from keys import SignatureMechanism, SoftwareKey
from keys.pkcs11 import open_token

CONTENT = '\ufeff<?xml version="1.0"?>\r\n<PaketOzeti/>\r\n'.encode()

P4_POLICY = bytes.fromhex(
    "308192060c608618013d0001a74e030301302f300b06096086480165030402010420ff39bd29463383f69b2052"
    "ac47439e06ce7c3b8646e888b6e5ae3e46ba08117a3051304f060b2a864886f70d01091005011640687474703a"
    "2f2f7777772e65696d7a612e676f762e74722f45696d7a61506f6c6974696b616c6172692f32313637393231"
    "36313031353037303333312e706466"
)
P3_POLICY = bytes.fromhex(
    "308192060c608618013d0001a74e030201302f300b06096086480165030402010420ff39bd29463383f69b2052"
    "ac47439e06ce7c3b8646e888b6e5ae3e46ba08117a3051304f060b2a864886f70d01091005011640687474703a"
    "2f2f7777772e65696d7a612e676f762e74722f45696d7a61506f6c6974696b616c6172692f32313637393231"
    "36313031353037303332312e706466"
)
SHA256_ALG = bytes.fromhex("300b0609608648016503040201")
SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")


class CountingSigner:
    """A real software key that records every use of the private key."""

    def __init__(self, inner: SoftwareKey) -> None:
        self.inner = inner
        self.calls = 0

    @property
    def certificate(self) -> x509.Certificate:
        return self.inner.certificate

    @property
    def certificate_der(self) -> bytes:
        return self.inner.certificate_der

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self.inner.chain

    @property
    def key_type(self) -> keys.KeyType:
        return self.inner.key_type

    @property
    def supported_mechanisms(self) -> frozenset[SignatureMechanism]:
        return self.inner.supported_mechanisms

    def sign(self, data: bytes, mechanism: SignatureMechanism) -> bytes:
        self.calls += 1
        return self.inner.sign(data, mechanism)

    def sign_digest(self, digest: bytes, mechanism: SignatureMechanism) -> bytes:
        self.calls += 1
        return self.inner.sign_digest(digest, mechanism)


@pytest.fixture(scope="module")
def person(live_pki: TestPki) -> SoftwareKey:
    return keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def seal(live_pki: TestPki) -> SoftwareKey:
    return keys.load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)


def _signed_data(signature: bytes) -> cms.SignedData:
    info = cms.ContentInfo.load(signature)
    assert info["content_type"].native == "signed_data"
    return info["content"]


def _attribute_tlvs(signer_view: _view.SignerInfoView) -> list[bytes]:
    return [a.der for a in signer_view.signed_attributes]


def _openssl_verify(
    signature: bytes, tmp_path: Path, ca_bundle: Path, content: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    sig = tmp_path / "sig.der"
    sig.write_bytes(signature)
    args = [
        "openssl",
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        str(sig),
        "-CAfile",
        str(ca_bundle),
        "-purpose",
        "any",
        "-binary",
        "-out",
        str(tmp_path / "out.bin"),
    ]
    if content is not None:
        data = tmp_path / "content.bin"
        data.write_bytes(content)
        args += ["-content", str(data)]
    return subprocess.run(args, capture_output=True, check=False)


# --- shape ------------------------------------------------------------------------------------


def test_bes_shape(person: SoftwareKey, live_pki: TestPki, tmp_path: Path) -> None:
    when = datetime.now(UTC).replace(microsecond=678000) - timedelta(minutes=1)
    signature = sign(CONTENT, person, profile=Profile.P1, signing_time=when, mime_type=None)
    signed_data = _signed_data(signature)
    view = _view.parse_signed_data(signature)

    assert view.version == 1
    assert view.digest_algorithms_tlv.content(view.buf) == SHA256_ALG
    assert signed_data["encap_content_info"]["content_type"].native == "data"
    assert view.econtent() == CONTENT
    assert view.certificates_der() == (person.certificate_der,)
    assert view.crls_tlv is None
    assert len(view.signers) == 1
    signer = view.signers[0]
    assert signer.version == 1
    assert signer.sid_tlv.tag_byte == 0x30  # issuerAndSerialNumber
    assert signer.digest_algorithm_tlv.raw(view.buf) == SHA256_ALG
    assert signer.signature_algorithm_tlv.raw(view.buf) == SHA256_RSA
    assert signer.unsigned_attrs_tlv is None
    # P1 without mime-type: exactly these four, in DER order.
    assert {a.oid for a in signer.signed_attributes} == {
        Oid.CONTENT_TYPE,
        Oid.MESSAGE_DIGEST,
        Oid.SIGNING_TIME,
        Oid.SIGNING_CERTIFICATE_V2,
    }
    tlvs = _attribute_tlvs(signer)
    assert is_der_sorted(tlvs) and tlvs == sorted(tlvs)
    assert (
        signer.signed(Oid.MESSAGE_DIGEST)[0].values()[0].native == hashlib.sha256(CONTENT).digest()
    )
    assert signer.signed(Oid.CONTENT_TYPE)[0].value_der() == bytes.fromhex("06092a864886f70d010701")
    signing_time = signer.signed(Oid.SIGNING_TIME)[0].value_der()
    assert signing_time == b"\x17\x0d" + f"{when:%y%m%d%H%M%S}Z".encode()  # UTCTime, seconds
    # The signature is over 31 ‖ content(A) and verifies with an independent parse.
    parsed = signed_data["signer_infos"][0]
    signed_bytes = b"\x31" + parsed["signed_attrs"].dump()[1:]
    verify_signature_value(
        person.certificate,
        parsed["signature_algorithm"],
        Oid.SHA256,
        signed_bytes,
        parsed["signature"].native,
    )
    assert _openssl_verify(signature, tmp_path, live_pki.ca_bundle_path).returncode == 0
    assert (tmp_path / "out.bin").read_bytes() == CONTENT


@pytest.mark.parametrize(
    ("profile", "expected"), [(Profile.P4, P4_POLICY), (Profile.P3, P3_POLICY)]
)
def test_epes_policy_matches_appendix_a1(
    person: SoftwareKey, profile: Profile, expected: bytes
) -> None:
    signature = sign(CONTENT, person, profile=profile, mime_type="application/xml")
    signer = _view.parse_signed_data(signature).signers[0]
    assert {a.oid for a in signer.signed_attributes} == {
        Oid.CONTENT_TYPE,
        Oid.MESSAGE_DIGEST,
        Oid.SIGNING_TIME,
        Oid.SIGNING_CERTIFICATE_V2,
        Oid.SIGNATURE_POLICY,
        Oid.MIME_TYPE,
    }
    assert signer.signed(Oid.SIGNATURE_POLICY)[0].value_der() == expected
    mime = signer.signed(Oid.MIME_TYPE)[0]
    assert mime.value_der() == b"\x0c\x0fapplication/xml"  # UTF8String
    assert is_der_sorted(_attribute_tlvs(signer))


def test_p2_policy_and_optional_attributes(person: SoftwareKey) -> None:
    location = SignerLocationInfo("TR", "Ankara", ("Necatibey Cd.", "Çankaya"))
    signature = sign(
        CONTENT,
        person,
        profile=Profile.P2,
        commitment_type="1.2.840.113549.1.9.16.6.1",
        signer_location=location,
    )
    signer = _view.parse_signed_data(signature).signers[0]
    policy = signer.signed(Oid.SIGNATURE_POLICY)[0].values()[0]
    assert policy.chosen["sig_policy_id"].dotted == "2.16.792.1.61.0.1.5070.3.1.1"
    commitment = signer.signed(Oid.COMMITMENT_TYPE)[0].values()[0]
    assert commitment["commitment_type_id"].dotted == "1.2.840.113549.1.9.16.6.1"
    assert commitment.dump() == bytes.fromhex("300d060b2a864886f70d0109100601")
    where = signer.signed(Oid.SIGNER_LOCATION)[0].values()[0].native
    assert where == {
        "country_name": "TR",
        "locality_name": "Ankara",
        "postal_address": ["Necatibey Cd.", "Çankaya"],
    }
    assert is_der_sorted(_attribute_tlvs(signer))


def test_signing_certificate_v2_layout(person: SoftwareKey) -> None:
    signature = sign(CONTENT, person)
    signer = _view.parse_signed_data(signature).signers[0]
    value = signer.signed(Oid.SIGNING_CERTIFICATE_V2)[0].value_der()
    outer = _der.read_tlv(value, 0)
    (certs,) = _der.children(value, outer)  # no policies
    (ess,) = _der.children(value, certs)  # exactly one ESSCertIDv2
    cert_hash, issuer_serial = _der.children(value, ess)  # hashAlgorithm omitted (DEFAULT)
    assert cert_hash.tag_byte == 0x04
    assert cert_hash.content(value) == hashlib.sha256(person.certificate_der).digest()
    general_names, serial = _der.children(value, issuer_serial)
    (directory_name,) = _der.children(value, general_names)
    assert directory_name.tag_byte == 0xA4
    stored = cms.Certificate.load(person.certificate_der)["tbs_certificate"]
    # The issuer Name is byte-identical to the certificate's (PrintableString/UTF8 kept).
    assert directory_name.content(value) == stored["issuer"].dump()
    assert serial.raw(value) == stored["serial_number"].dump()


def test_time_encoding_bounds() -> None:
    assert time_der(datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)) == b"\x17\x0d491231235959Z"
    assert time_der(datetime(1950, 1, 1, tzinfo=UTC)) == b"\x17\x0d500101000000Z"
    assert time_der(datetime(2050, 1, 1, tzinfo=UTC)) == b"\x18\x0f20500101000000Z"
    assert time_der(datetime(1949, 12, 31, 23, 0, tzinfo=UTC)) == b"\x18\x0f19491231230000Z"
    plus3 = datetime(2026, 5, 1, 15, 0, 0, 999999).astimezone(UTC)
    assert time_der(plus3)[-1:] == b"Z" and len(time_der(plus3)) == 15


# --- content forms ----------------------------------------------------------------------------


def test_detached_and_streams(person: SoftwareKey, live_pki: TestPki, tmp_path: Path) -> None:
    file = tmp_path / "big.bin"
    payload = bytes(range(256)) * 9000  # > 2 MiB: several read chunks
    file.write_bytes(payload)
    detached = sign(file, person, detached=True)
    view = _view.parse_signed_data(detached)
    assert view.econtent_tlv is None and not view.attached
    expected = hashlib.sha256(payload).digest()
    assert view.signers[0].signed(Oid.MESSAGE_DIGEST)[0].values()[0].native == expected
    with file.open("rb") as stream:
        from_stream = sign(stream, person, detached=True)
    md = _view.parse_signed_data(from_stream).signers[0].signed(Oid.MESSAGE_DIGEST)[0]
    assert md.values()[0].native == expected
    verified = _openssl_verify(detached, tmp_path, live_pki.ca_bundle_path, content=payload)
    assert verified.returncode == 0, verified.stderr
    tampered = _openssl_verify(detached, tmp_path, live_pki.ca_bundle_path, payload + b"!")
    assert tampered.returncode != 0

    attached = sign(io.BytesIO(CONTENT), person)
    assert _view.parse_signed_data(attached).econtent() == CONTENT
    assert _view.parse_signed_data(sign(tmp_path / "big.bin", person)).econtent() == payload


def test_text_stream_refused(person: SoftwareKey) -> None:
    with pytest.raises(SigningError, match="binary"):
        sign(io.StringIO("text"), person)  # type: ignore[arg-type]


# --- keys -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ec_signer(live_pki: TestPki) -> SoftwareKey:
    """A throw-away P-256 signing certificate issued by the test qualified CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    ca = live_pki.qualified_ca
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "EC signer")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return SoftwareKey(key, cert, [ca.certificate, live_pki.root.certificate])


def test_ecdsa_signature(ec_signer: SoftwareKey, live_pki: TestPki, tmp_path: Path) -> None:
    signature = sign(CONTENT, ec_signer)
    signer = _view.parse_signed_data(signature).signers[0]
    assert signer.signature_algorithm_tlv.raw(signer.buf) == ECDSA_SHA256  # params absent
    result = _openssl_verify(signature, tmp_path, live_pki.ca_bundle_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.softhsm
def test_token_rsa_signature(pki_token: SoftHsmToken, live_pki: TestPki, tmp_path: Path) -> None:
    token = open_token(pki_token.module_path, label=pki_token.label)
    with token.open_key(b"\x01", lambda info: pki_token.user_pin) as key:
        signature = sign(CONTENT, key, mime_type="application/xml")
    view = _view.parse_signed_data(signature)
    assert view.certificates_der() == (live_pki.person.cert_der,)
    assert view.signers[0].signature_algorithm_tlv.raw(view.buf) == SHA256_RSA
    result = _openssl_verify(signature, tmp_path, live_pki.ca_bundle_path)
    assert result.returncode == 0, result.stderr


# --- refusals before the key is used (§2.6) ---------------------------------------------------


def test_expired_certificate_refused_before_key_use(live_pki: TestPki) -> None:
    expired = CountingSigner(keys.load_pkcs12(live_pki.person_expired.p12_path, PKCS12_PASSWORD))
    with pytest.raises(SignerCertificateError, match="expired"):
        sign(CONTENT, expired)
    assert expired.calls == 0


def test_not_yet_valid_and_check_hook(person: SoftwareKey) -> None:
    counting = CountingSigner(person)
    before = person.certificate.not_valid_before_utc - timedelta(days=1)
    with pytest.raises(SignerCertificateError, match="not valid before"):
        sign(CONTENT, counting, signing_time=before)
    seen: list[x509.Certificate] = []

    def refuse(cert: x509.Certificate) -> None:
        seen.append(cert)
        raise SignerCertificateError("revoked according to the pre-signing check")

    with pytest.raises(SignerCertificateError, match="pre-signing"):
        sign(CONTENT, counting, check=refuse)
    assert seen == [person.certificate]
    with pytest.raises(SigningError, match="does not fit"):
        sign(CONTENT, counting, mechanism=SignatureMechanism.ECDSA_SHA256)
    with pytest.raises(SigningError, match="SHA-256"):
        sign(CONTENT, counting, digest_oid=Oid.SHA1)
    with pytest.raises(SigningError, match="mime-type"):
        sign(CONTENT, counting, profile=Profile.P4, mime_type=None)
    assert counting.calls == 0
    sign(CONTENT, counting, check=lambda cert: None)
    assert counting.calls == 1


def test_ca_certificate_refused(live_pki: TestPki) -> None:
    ca = live_pki.qualified_ca
    counting = CountingSigner(SoftwareKey(ca.key, ca.certificate))
    with pytest.raises(SignerCertificateError, match="CA certificate"):
        sign(CONTENT, counting)
    assert counting.calls == 0


# --- serial and parallel signers (§2.4) -------------------------------------------------------


def test_countersignature(
    person: SoftwareKey, seal: SoftwareKey, live_pki: TestPki, tmp_path: Path
) -> None:
    first = sign(CONTENT, person, mime_type="application/xml")
    signature = countersign(first, seal)
    view = _view.parse_signed_data(signature)
    top = view.signers[0]
    assert [a.oid for a in top.unsigned_attributes] == [Oid.COUNTER_SIGNATURE]
    # The first signer's signed part is untouched.
    original = _view.parse_signed_data(first).signers[0]
    assert top.signature_value == original.signature_value
    (counter,) = top.counter_signers
    assert counter.path == "0.0"
    oids = {a.oid for a in counter.signed_attributes}
    assert Oid.CONTENT_TYPE not in oids and Oid.MIME_TYPE not in oids
    assert oids == {
        Oid.MESSAGE_DIGEST,
        Oid.SIGNING_TIME,
        Oid.SIGNING_CERTIFICATE_V2,
        Oid.SIGNATURE_POLICY,
    }
    md = counter.signed(Oid.MESSAGE_DIGEST)[0].values()[0].native
    assert md == hashlib.sha256(top.signature_value).digest()
    assert view.certificates_der() == (person.certificate_der, seal.certificate_der)
    assert counter.signed_attrs_for_signature is not None
    verify_signature_value(
        seal.certificate,
        counter.parsed["signature_algorithm"],
        Oid.SHA256,
        counter.signed_attrs_for_signature,
        counter.signature_value,
    )
    # A second serial signer on the countersigner.
    deeper = countersign(signature, person, target="0.0")
    assert _view.parse_signed_data(deeper).signer("0.0.0").path == "0.0.0"
    result = _openssl_verify(signature, tmp_path, live_pki.ca_bundle_path)
    assert result.returncode == 0, result.stderr


def test_parallel_signer(
    person: SoftwareKey, seal: SoftwareKey, live_pki: TestPki, tmp_path: Path
) -> None:
    first = sign(CONTENT, person)
    signature = add_parallel_signer(first, seal, mime_type="application/xml")
    view = _view.parse_signed_data(signature)
    assert len(view.signers) == 2
    assert view.certificates_der() == (person.certificate_der, seal.certificate_der)
    assert view.digest_algorithm_oids() == (Oid.SHA256,)
    # The first SignerInfo is byte-identical.
    assert view.signers[0].der == _view.parse_signed_data(first).signers[0].der
    second = view.signers[1]
    assert second.signed(Oid.CONTENT_TYPE)[0].value_der() == bytes.fromhex("06092a864886f70d010701")
    result = _openssl_verify(signature, tmp_path, live_pki.ca_bundle_path)
    assert result.returncode == 0, result.stderr  # OpenSSL checks every SignerInfo

    detached = sign(CONTENT, person, detached=True)
    with pytest.raises(SigningError, match="detached"):
        add_parallel_signer(detached, seal)
    both = add_parallel_signer(detached, seal, content=CONTENT)
    assert len(_view.parse_signed_data(both).signers) == 2
    with pytest.raises(SigningError, match="differs"):
        add_parallel_signer(first, seal, content=b"other")


def _with_attribute(signature: bytes, oid: str) -> bytes:
    view = _view.parse_signed_data(signature)
    fake_token = _view.parse_signed_data(signature).buf  # any ContentInfo will do for presence
    return _view.add_unsigned_attribute(view, view.signers[0], _view.attribute_der(oid, fake_token))


@pytest.fixture
def counting_seal(seal: SoftwareKey) -> Iterator[CountingSigner]:
    counting = CountingSigner(seal)
    yield counting
    assert counting.calls == 0  # every refusal came before the key was used


def test_archived_signatures_refuse_new_signers(
    person: SoftwareKey, counting_seal: CountingSigner
) -> None:
    base = sign(CONTENT, person)
    with_v2 = _with_attribute(base, Oid.ARCHIVE_TIME_STAMP_V2)
    with pytest.raises(SigningError, match="archive"):
        countersign(with_v2, counting_seal)
    with_v3 = _with_attribute(base, Oid.ARCHIVE_TIME_STAMP_V3)
    with pytest.raises(SigningError, match="archive"):
        add_parallel_signer(with_v3, counting_seal)
    with pytest.raises(SigningError, match="no signer"):
        countersign(base, counting_seal, target="3")


def test_rsa_pss_on_request(person: SoftwareKey, live_pki: TestPki, tmp_path: Path) -> None:
    signature = sign(CONTENT, person, mechanism=SignatureMechanism.RSA_PSS_SHA256)
    signer = _view.parse_signed_data(signature).signers[0]
    algorithm = signer.parsed["signature_algorithm"]
    assert algorithm["algorithm"].native == "rsassa_pss"
    assert algorithm["parameters"]["salt_length"].native == 32
    result = _openssl_verify(signature, tmp_path, live_pki.ca_bundle_path)
    assert result.returncode == 0, result.stderr
    counting = CountingSigner(person)
    with pytest.raises(SigningError, match="needs digest_oid"):
        sign(CONTENT, counting, mechanism=SignatureMechanism.RSA_PSS_SHA384)
    assert counting.calls == 0
