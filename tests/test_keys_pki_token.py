"""The ``pki_token`` fixture: the live test PKI's person / seal / encryption keys on SoftHSM2."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eyazisma.testing.pki import TestPki
from eyazisma.testing.softhsm import SoftHsmToken
from keys import CertificateRole, DecryptPadding, QcType, SignatureMechanism
from keys.pkcs11 import open_token

pytestmark = pytest.mark.softhsm


def test_pki_token_keys_work(pki_token: SoftHsmToken, live_pki: TestPki) -> None:
    token = open_token(pki_token.module_path, label=pki_token.label)
    certs = {c.label: c for c in token.certificates()}
    assert certs["person"].der == live_pki.person.cert_der
    assert certs["person"].info.qc_type is QcType.NES
    assert certs["eseal"].info.qc_type in (QcType.KURUMSAL_MUHUR, QcType.NITELIKLI_MUHUR)
    signing = token.select_certificate(CertificateRole.SIGNING, qc_types=[QcType.NES])
    assert signing.label == "person"
    with token.open_key(signing, lambda info: pki_token.user_pin) as key:
        assert live_pki.root.certificate in key.chain
        mechanism = (
            SignatureMechanism.ECDSA_SHA256
            if isinstance(key.certificate.public_key(), ec.EllipticCurvePublicKey)
            else SignatureMechanism.RSA_PKCS1_SHA256
        )
        key.sign(b"signed attributes", mechanism)  # host-verified against the certificate
    with token.open_key(b"\x03", lambda info: pki_token.user_pin) as key:
        public = key.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        ct = public.encrypt(
            b"c" * 32, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
        )
        assert key.decrypt_key(ct, DecryptPadding.OAEP_SHA256) == b"c" * 32
    with token.open_key(b"\x05", lambda info: pki_token.user_pin) as key:
        own = key.certificate.public_key()
        assert isinstance(own, ec.EllipticCurvePublicKey)
        peer = ec.generate_private_key(own.curve)
        point = peer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        assert key.derive_ecdh(point) == peer.exchange(ec.ECDH(), own)
