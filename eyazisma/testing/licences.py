"""Test licences: the published test authority key and helpers to issue test licences.

The test licence authority's certificate ships in ``licensing/data/authority-test.pem`` and is
trusted **for test licences only** (licensing._authorities). Its private key is published here on
purpose, so tests, examples and the demo can issue licences; a licence it signs only works with
test certificates (licensing._testcert), so publishing it gives nobody a production licence.

Decision on the ready-made test licence: it is a file shipped with the library,
``licensing/data/test-licence.xml`` (valid 2026-11-01 … 2046-11-01 Türkiye time, maintenance
end 2046-11-01, both products), so the demo and the CLI can use the same bytes without signing
anything. :func:`shipped_test_licence_terms` regenerates it byte for byte (RSA PKCS#1 v1.5 is
deterministic), and a test checks that, so the file and the key cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

import licensing
from licensing import Licence, Licensee, Product, Renewal

__all__ = [
    "SHIPPED_TEST_LICENCE_ID",
    "TEST_AUTHORITY_KEY_PEM",
    "TestAuthority",
    "install_test_licence",
    "issue_test_licence",
    "issued_certificate",
    "new_authority",
    "regenerate_shipped_test_licence",
    "test_authority",
    "test_licence_bytes",
    "write_test_licence",
]

#: Private key of the built-in *test* licence authority (RSA-3072). Published on purpose.
TEST_AUTHORITY_KEY_PEM = b"""\
-----BEGIN PRIVATE KEY-----
MIIG/QIBADANBgkqhkiG9w0BAQEFAASCBucwggbjAgEAAoIBgQC/rk6dF2VJcBWD
omfObOlNS13rrl35GULy/1ZVB5ovxiPItQ+OAxg7qkMsZfd33sYTjwR2wh5XSslU
vpknHSbRdXgJ4CxVt77R8ABTqlHdpHTbX6qtOJcL/0lzocVUpq/O4MqoGCaG1m64
oZZCwCAJ33lJprELEECzlKEZC5ADzAE0zQgrtK+ATBxAgxBZdyxmqzXx2pUp0kgm
stoB/bpOxDa4eG/DrZy/mFP3rDppT5BBRpI7DWs1VxqE+DSpFQHrHQduEoy2nQDv
VsH7y8CDITbm4F/269Yq8xUo25gZCWJsf9gu3C2T/nSvKv6+txAZkd6NzNDnFFIR
ie5lymqyBJPu/rDXXjK9vgbPuVppFqeL+8NcHhBfFdGmkd9x5EaR2iZYNtlnJMIT
zwF2HJNpvOiAAB8bC1Yv064t7eAs0mPC6gCPMcaJOYDHuYOrXtJxT8yi/Op+t5M6
6do19O0aVunwHFM1RZhPKuIc6LvgVFZ7p7aKaqqsxNllb+sanLUCAwEAAQKCAYAe
RmqByupzUzn+sNXbB55A2FzVBxUuLUSDC3voEbuTfKT1xE1Y5Zm8AMw71L4lx4C7
IZ13oXj32ibbFQCtKiBRuI9VZfwyrMM9tv3iORZVnu5bIOzdD8FhwnhoRF6d3HcL
wrsXmjrplLBnxpPsZpqY3Jx0Wtj/UZmak6jvQwGD7AKrw4+dEZyfs8XJlbntG5Le
g3/Re7AQKze8rwaahmgZHUo0UEd83WzS4T0v8xrFu+yhtsMNgzTR97hHVMnCg//j
lvtJKSXeVBI0IaVPyI2ithLooXFxwq/I0Mc7MFkszTLpdiKz/KidZmM/6tV6hC36
Oy/cemPSBsSaZns/p5QKdQfWKOh43F7FMpOTkjiUdxrSa69f4HB7Icrrn4PMfMgE
BTatMcRjxBINhhgqQRaogWJ1kAdYfrJ1e/mgZmZk/G945b6EVfFERgjdYuoh3013
6olP/Q6KSUug0HFNHAO/Ucg3fGyFdV2kJNwaWceUpXtn5YmqtNyOwcdfkJUqlXEC
gcEA8TnU1qydM3IyxY34AB7PZrpOzkBURDS4+np6Gw6dAg+Xgl/ykyXip4A2sCAr
Ys5aNa/bpl3ZhCa1+2eDSG1BBVkbRINrmmWlgymS4yOm39vlB7MEAk/OrL4ARRqd
EUXexY7gMDNll4lPty2ZHQJ9y6X2RlapGQtatLlGMZjJH1t8BMqd7O4Gx71KNVWQ
RoiudY4vRsZamO0I5ozES08k9YIBBRyIU8jzy0DfMgaSMBcypHwtabKrNBkbLMty
6nrFAoHBAMtrqXJSR5fxaMpuKAT9f/opmECVECnLFvHTPRT4h6PpBpTAPQF0NUUk
eFFIwWIQLozeK2XBOkllpv0imz0Mi9af7UtKdCpVZV3QPXyku/VpfrJYl8qicUP8
Mw8jDRTVeDsPVspWvtBktvIUA5caa6ShSBsk0Rx3sgY+Psx7mg6jIc212LYmTct0
83viW7QW7zH5MVIja1rUem/c8yfLS+wvErg46lxJbYTPgwn/k4WQOtAOFdSgP9Tp
DHsu4op5MQKBwEmskATA04JS7o7HvWbMAiwt2sPDgfkS4SwfHAwHeoyWln+LLlsi
xwbBcfJ44MdcntCm1T8KitSBvjL6em40cBdiD6HtQX/2a4aTu/kDeoQEdP7U/fR2
y3iWzx5L8ozD+jX8XRxbljuiBGa91nW1vRXlqkHxVdQAU8O+kmGzeDnLhyUvfOxQ
BmIavf9sEpR4SlA9DNNg4WqzenRvqcQWeANDoWweOsTcKxl4xrJQr3VgoGb8RiJy
HzfaMyKLQJ28wQKBwQCpbTWHo2I/+nD2UcOBTIagHK7T85Ovy5iDuBYi9lE7QyYZ
FPh60ohf211fDkMLY0DyUUVCDit24HSyV3WG5oE+NJvW3t9cNx4jggMEYsyuPbyp
3MIoox3FqzP3wpDtrlLilgcKpi9tsMTzYZoP65CGYVKGUSbeGA+txYBWnggVcuf/
xxsFs2eOMw1tPH52w7dcHxpmOFv9HgYQT64ykc/dmuNzjuwcC4htWszgsf7z+soR
afniy8n+klCz9Lv467ECgcAxrTNRqFLt89BFgdaQ2BGVNUOGQ08M5XDHpuw7dd9c
hgltH0S3pfiy1dECHxBnhAcMnHdikLxfhTj4MeOqxyZf+SVvx/S0c8h/TmXmiw2B
EbKE2t8ttxMPRbyTXTmoXkax5D6jtjoIv8YohNGB7vW1lvA8ncL5NqqCZKxaQBlO
nzF8XW58P84YsbY2FKU2YmRFKdh0L3HFYJgnnQU690XWCD0L3YVexfK3U34dbjHW
4CvQw8WRFdyup30iHZlQ3GY=
-----END PRIVATE KEY-----
"""

SHIPPED_TEST_LICENCE_ID = uuid.UUID("ff20f6c0-36ec-416e-badd-37a4565cd340")
_SHIPPED = "test-licence.xml"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class TestAuthority:
    """A licence authority for tests: private key and self-signed certificate."""

    __test__ = False  # not a pytest test class despite the name

    key: PrivateKey = field(repr=False)
    certificate: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: str | None = None) -> bytes:
        """PKCS#8 PEM of the key, encrypted when ``password`` is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password.encode("utf-8"))
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def issue(self, **terms: Any) -> bytes:
        """:func:`licensing.issue_licence` with this authority (terms as keyword arguments)."""
        return licensing.issue_licence(self.key, self.certificate, **terms)


@functools.cache
def test_authority() -> TestAuthority:
    """The built-in test authority (its certificate is the one shipped in ``licensing``)."""
    key = serialization.load_pem_private_key(TEST_AUTHORITY_KEY_PEM, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    cert = next(a.certificate for a in licensing.builtin_authorities() if a.test_only)
    if cert.public_key() != key.public_key():
        raise RuntimeError(
            "the test authority key does not match licensing/data/authority-test.pem"
        )
    return TestAuthority(key, cert)


def new_authority(
    common_name: str = "Example Vendor Licence Authority",
    *,
    ec_key: bool = True,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> TestAuthority:
    """A fresh self-signed authority (P-256 or RSA-2048), e.g. an untrusted or vendor one."""
    key: PrivateKey = (
        ec.generate_private_key(ec.SECP256R1())
        if ec_key
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    now = dt.datetime.now(dt.UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Vendor"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return TestAuthority(key, cert)


def issued_certificate(
    subject_cn: str,
    *,
    issuer_cn: str = "Kamu SM NES Hizmet Sağlayıcısı - S1",
    issuer_o: str = "Kamu Sertifikasyon Merkezi",
    subject_o: str | None = None,
) -> x509.Certificate:
    """An end-entity certificate (P-256, throw-away keys) from a CA with the given names.

    With the default issuer names — no "test" anywhere — it stands for a *production*
    certificate in test-licence tests, without any real CA being involved.
    """
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer_o),
            x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn),
        ]
    )
    subject = [x509.NameAttribute(NameOID.COUNTRY_NAME, "TR")]
    if subject_o:
        subject.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject_o))
    subject.append(x509.NameAttribute(NameOID.COMMON_NAME, subject_cn))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(ca_key, hashes.SHA256())
    )


def issue_test_licence(
    *,
    licensee: Licensee | None = None,
    products: Iterable[Product | str] = (Product.EYP_ENCRYPTION, Product.EYP_DECRYPTION),
    not_before: dt.date | dt.datetime | None = None,
    not_after: dt.date | dt.datetime | None = None,
    maintenance_end: dt.date | dt.datetime | None = None,
    maintenance_start: dt.date | dt.datetime | None = None,
    renews: Renewal | Licence | None = None,
    test: bool = True,
    licence_id: uuid.UUID | None = None,
    issued_at: dt.datetime | None = None,
    authority: TestAuthority | None = None,
) -> bytes:
    """A licence signed by the test authority (or ``authority``); defaults: valid from
    yesterday for ten years, maintenance for ten years, both products, test kind.

    ``test=False`` with the built-in test authority is refused by the issuing tool; use another
    ``authority`` to produce production-kind licences for tests.
    """
    today = dt.datetime.now(licensing.TURKEY_TIME).date()
    signer = authority or test_authority()
    return licensing.issue_licence(
        signer.key,
        signer.certificate,
        licensee=licensee or Licensee("Test Bakanlığı", kkk="12345678"),
        products=products,
        not_before=not_before or today - dt.timedelta(days=1),
        not_after=not_after or today + dt.timedelta(days=3650),
        maintenance_end=maintenance_end or today + dt.timedelta(days=3650),
        maintenance_start=maintenance_start,
        renews=renews,
        test=test,
        licence_id=licence_id,
        issued_at=issued_at,
    )


def regenerate_shipped_test_licence() -> bytes:
    """The exact bytes of ``licensing/data/test-licence.xml`` (fixed terms, deterministic)."""
    return issue_test_licence(
        licensee=Licensee("eyazisma test licence (test certificates only)"),
        not_before=dt.date(2026, 11, 1),
        not_after=dt.date(2046, 11, 1),
        maintenance_end=dt.date(2046, 11, 1),
        licence_id=SHIPPED_TEST_LICENCE_ID,
        issued_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC),
    )


def test_licence_bytes() -> bytes:
    """The ready-made test licence shipped with the library."""
    return resources.files("licensing").joinpath("data", _SHIPPED).read_bytes()


def install_test_licence() -> Licence:
    """Make the shipped test licence this process's licence (for tests and the demo)."""
    return licensing.set_license_xml(test_licence_bytes())


def write_test_licence(path: str | os.PathLike[str], *, password: str | None = None) -> Path:
    """Write the shipped test licence to ``path`` atomically (protected if ``password``)."""
    data = test_licence_bytes()
    if password:
        data = licensing.protect_licence(data, password)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".licence-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
