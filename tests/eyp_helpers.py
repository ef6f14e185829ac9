"""Helpers for package tests: a throw-away signer making attached CMS SignedData.

These are real CMS signatures (cryptography's PKCS#7 builder), used where a test needs bytes that
``eyp`` accepts as signatures; the CAdES profile work lives in ``cades`` and its own tests.
"""

from __future__ import annotations

import dataclasses
import datetime
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from eyazisma.testing.packages import (
    minimal_nihai_ustveri,
    minimal_ustveri,
)
from eyp import EypBuilder, VerificationReport, verify_package
from eyp.model import Ek, EkTuru, new_guid


@cache
def _signer() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eyp test signer")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert, key


def sign_attached(data: bytes) -> bytes:
    """An attached (encapsulating) CMS SignedData over ``data``."""
    cert, key = _signer()
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def sign_detached(data: bytes) -> bytes:
    cert, key = _signer()
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(cert, key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


def ded_ek(sira: int, name: str, signed: bool = True, mime: str = "application/pdf") -> Ek:
    return Ek(
        id=new_guid(),
        tur=EkTuru.DED,
        sira_no=sira,
        dosya_adi=name,
        mime_turu=mime,
        imzali_mi=signed,
        ad=name,
    )


def builder_with_files(tmp: Path, *, konulmamis_signed: bool = False) -> EypBuilder:
    """A builder with a cover letter, one signed and one unsigned Ek and an HRF Ek."""
    (tmp / "ustyazi.pdf").write_bytes(b"%PDF-1.4\n% cover letter\n" + b"x" * 1000)
    (tmp / "Ek Bir.pdf").write_bytes(b"%PDF-1.4\n% ek 1\n" + b"y" * 2000)
    (tmp / "not.txt").write_bytes("imzasız not ğüşıöç\n".encode())
    ek1 = ded_ek(1, "Ek Bir.pdf", True)
    ek2 = ded_ek(2, "not.txt", False, "text/plain")
    hrf = Ek(
        id=new_guid(),
        tur=EkTuru.HRF,
        sira_no=3,
        referans="https://example.org/x.pdf",
        imzali_mi=False,
    )
    ustveri = minimal_ustveri()
    if konulmamis_signed:
        dagitim = dataclasses.replace(ustveri.dagitim_listesi[0], konulmamis_ek_listesi=(ek1.id,))
        ustveri = dataclasses.replace(ustveri, dagitim_listesi=(dagitim,), ekler=(ek1,))
    return (
        EypBuilder(ustveri)
        .with_ust_yazi(tmp / "ustyazi.pdf")
        .with_ek(ek1, tmp / "Ek Bir.pdf")
        .with_ek(ek2, tmp / "not.txt")
        .with_ek(hrf)
    )


def build_signed_package(tmp: Path, out: Path, builder: EypBuilder | None = None) -> Path:
    """Full lifecycle with real (non-CAdES) CMS signatures: paraf, sign, seal, save."""
    builder = builder or builder_with_files(tmp)
    with builder.open(out) as session:
        session.add_paraf_signature(sign_attached(session.paraf_ozeti()))
        session.add_signature(sign_attached(session.paket_ozeti()))
        session.add_nihai_ustveri(minimal_nihai_ustveri())
        session.add_seal(sign_attached(session.nihai_ozet()))
        session.save()
    return out


def verify_structure(source: object, **kwargs: object) -> VerificationReport:
    """Structure and digests only: the signatures these helpers make are plain CMS, not CAdES,
    so the CAdES checks (covered by tests/test_eyp_signing.py) are switched off."""
    return verify_package(source, signatures=False, **kwargs)  # type: ignore[arg-type]
