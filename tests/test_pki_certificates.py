"""The test PKI has the shape signatures.md §1.8 and §4.4 describe."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eyazisma.testing import _qc
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki, tc_kimlik_no


class _QcStatement(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("id", core.ObjectIdentifier),
        ("info", core.Any, {"optional": True}),
    ]


class _QcStatements(core.SequenceOf):  # type: ignore[misc]
    _child_spec = _QcStatement


def _qc_ids(cert: x509.Certificate) -> dict[str, bytes | None]:
    ext = cert.extensions.get_extension_for_oid(_qc.QC_STATEMENTS)
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    parsed = _QcStatements.load(ext.value.value)
    return {
        s["id"].dotted: (s["info"].dump() if s["info"].native is not None else None) for s in parsed
    }


def _qc_types(cert: x509.Certificate) -> list[str]:
    info = _qc_ids(cert)[_qc.QC_TYPE]
    assert info is not None
    return [oid.dotted for oid in core.SequenceOf.load(info, spec=core.ObjectIdentifier)]


def _ku(cert: x509.Certificate) -> x509.KeyUsage:
    return cert.extensions.get_extension_for_class(x509.KeyUsage).value


def test_person_is_a_turkish_nes(live_pki: TestPki) -> None:
    cert = live_pki.person.certificate
    ids = _qc_ids(cert)
    # §1.8: QcCompliance and 5070.1.1, and not a seal (no 5070.1.3).
    assert _qc.QC_COMPLIANCE in ids
    assert _qc.KAMUSM_NES in ids
    assert _qc.KAMUSM_SEAL_RESTRICTION not in ids
    assert _qc.QC_SSCD in ids
    assert _qc_types(cert) == [_qc.QC_TYPE_ESIGN]
    assert _ku(cert).content_commitment
    assert not _ku(cert).digital_signature
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [_qc.CP_TR_NES]
    serial = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    assert isinstance(serial, str)
    assert len(serial) == 11
    assert tc_kimlik_no(serial[:9]) == serial
    assert isinstance(live_pki.person.key, rsa.RSAPrivateKey)
    assert live_pki.person.key.key_size == 2048


def test_tc_kimlik_no_checksum() -> None:
    assert tc_kimlik_no("100000001") == "10000000146"
    with pytest.raises(ValueError, match="nine digits"):
        tc_kimlik_no("012345678")


def test_seal_is_an_institutional_eseal(live_pki: TestPki) -> None:
    cert = live_pki.seal.certificate
    ids = _qc_ids(cert)
    assert {_qc.KAMUSM_NES, _qc.KAMUSM_SEAL_RESTRICTION} <= set(ids)
    assert _qc_types(cert) == [_qc.QC_TYPE_ESEAL]
    org_id = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    assert org_id[0].value == "NTRTR-12345678"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)


def test_encryption_certificates(live_pki: TestPki) -> None:
    rsa_cert, ec_cert = live_pki.enc_rsa.certificate, live_pki.enc_ec.certificate
    assert _ku(rsa_cert).key_encipherment
    assert not _ku(rsa_cert).content_commitment
    assert _ku(ec_cert).key_agreement
    assert not _ku(ec_cert).key_encipherment
    ec_key = ec_cert.public_key()
    assert isinstance(ec_key, ec.EllipticCurvePublicKey)
    assert ec_key.curve.name == "secp256r1"
    rsa_key = rsa_cert.public_key()
    assert isinstance(rsa_key, rsa.RSAPublicKey)
    assert rsa_key.key_size == 2048


def test_tsa_certificate(live_pki: TestPki) -> None:
    eku = live_pki.tsa.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert live_pki.tsa.issuer == live_pki.root.certificate


def test_ocsp_responder_certificate(live_pki: TestPki) -> None:
    cert = live_pki.ocsp.certificate
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.OCSP_SIGNING in eku
    assert cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert live_pki.ocsp.issuer == live_pki.qualified_ca.certificate


def test_ca_certificates(live_pki: TestPki) -> None:
    for ca in (live_pki.root, live_pki.qualified_ca):
        bc = ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        assert bc.critical
        assert bc.value.ca
        assert _ku(ca.certificate).key_cert_sign
    assert live_pki.root.certificate.subject == live_pki.root.certificate.issuer
    assert "Kamu SM" in live_pki.qualified_ca.certificate.subject.rfc4514_string()


def test_expired_and_revoked_people(live_pki: TestPki) -> None:
    now = datetime.now(UTC)
    assert live_pki.person_expired.certificate.not_valid_after_utc < now
    assert live_pki.person_revoked.certificate.not_valid_before_utc < live_pki.revocation_time < now
    assert live_pki.person.certificate.not_valid_after_utc > now


@pytest.mark.parametrize("name", ["person", "seal", "enc_rsa", "enc_ec", "tsa", "ocsp"])
def test_chains_verify_with_openssl(live_pki: TestPki, name: str) -> None:
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(live_pki.ca_bundle_path),
            str(live_pki[name].cert_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_openssl_sees_the_expired_certificate(live_pki: TestPki) -> None:
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(live_pki.ca_bundle_path),
            str(live_pki.person_expired.cert_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "expired" in result.stdout + result.stderr


def test_pkcs12_files_open_with_the_known_password(live_pki: TestPki) -> None:
    for name in ("person", "seal", "enc_ec"):
        bundle = pkcs12.load_pkcs12(live_pki[name].p12_path.read_bytes(), PKCS12_PASSWORD.encode())
        assert bundle.cert is not None
        assert bundle.cert.certificate == live_pki[name].certificate
        assert [c.certificate for c in bundle.additional_certs] == list(live_pki[name].chain[1:])


def test_reload_gives_the_same_pki(live_pki: TestPki) -> None:
    again = TestPki.load(live_pki.directory)
    assert again.person.certificate == live_pki.person.certificate
    assert again.base_url == live_pki.base_url


def test_create_reuses_cached_keys(tmp_path: Path) -> None:
    first = TestPki.create(tmp_path, base_url="http://127.0.0.1:1")
    second = TestPki.create(tmp_path, base_url="http://127.0.0.1:2")
    assert first.person.key.public_key() == second.person.key.public_key()
    aia = second.person.certificate.extensions.get_extension_for_class(
        x509.AuthorityInformationAccess
    ).value
    assert "http://127.0.0.1:2/ocsp" in [d.access_location.value for d in aia]
