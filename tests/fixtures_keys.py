"""Fixtures for the ``keys`` tests: a tiny CA, software keys and SoftHSM2 tokens.

The CA issues (signatures.md §1.8):

* ``sign-rsa``: RSA-2048 NES-like signing certificate (KU nonRepudiation, QC statements);
* ``sign-ec``:  P-256 signing certificate (KU digitalSignature + nonRepudiation);
* ``enc-rsa``:  RSA-2048 encryption certificate (KU keyEncipherment);
* ``enc-ec``:   P-256 encryption certificate (KU keyAgreement);
* ``seal-rsa``: RSA-2048 institutional e-seal (5070.1.1 + 5070.1.3);
* ``auth-rsa``: RSA-2048 signing key with ``CKA_ALWAYS_AUTHENTICATE`` on the token.

All SoftHSM2 tokens are created once per session *before* the module is loaded in this process
(SoftHSM2 does not see tokens initialised after ``C_Initialize``):

* ``keys-main`` — every key above with certificate (CKA_ID 01..06) and the CA certificate (a1);
* ``keys-pairing`` — certificates whose CKA_ID matches no key, plus a decoy key carrying the
  certificate's label: only public-key comparison (§6.4) pairs them correctly;
* ``keys-pin`` — for wrong-PIN tests (it may be left in COUNT_LOW state);
* ``keys-locked`` / ``keys-final`` — persisted flags patched to LOCKED / FINAL_TRY.

``pki_token`` (needs the ``fixtures_pki`` plugin) adds the live test PKI's person / seal /
encryption keys as token ``eyazisma-test`` (signatures.md §6.9 layout, PIN 1234) and
re-initialises SoftHSM2 if it is already loaded. ``keys_spy`` puts OpenSC's pkcs11-spy in front
of SoftHSM2 to count ``C_Login`` calls independently of the library.

One SoftHSM2 environment per test process: other fixtures that need SoftHSM2 tokens should
build on ``softhsm_env`` rather than set ``SOFTHSM2_CONF`` themselves.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eyazisma.testing.pki import TestPki as LivePki
from eyazisma.testing.softhsm import SoftHsmEnvironment, SoftHsmToken, find_softhsm2_module
from keys.pkcs11 import Pkcs11Module, load_module

__all__ = [
    "KeyMaterial",
    "SpyLog",
    "TestPki",
    "build_test_pki",
    "keys_pki",
    "keys_spy",
    "pki_token",
    "softhsm_env",
    "softhsm_module",
    "softhsm_tokens",
]

#: User PIN of the ``keys-pin`` token: distinctive, so "not in repr()" checks mean something.
DISTINCT_PIN = "864213"
CKF_USER_PIN_FINAL_TRY = 0x00020000
CKF_USER_PIN_LOCKED = 0x00040000

_QC_STATEMENTS_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
_QC_COMPLIANCE = "0.4.0.1862.1.1"
_NES_51 = "2.16.792.1.61.0.1.5070.1.1"
_SEAL_513 = "2.16.792.1.61.0.1.5070.1.3"


@dataclass(frozen=True)
class KeyMaterial:
    name: str
    key_id: bytes
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class TestPki:
    ca_key: rsa.RSAPrivateKey = field(repr=False)
    ca_cert: x509.Certificate
    keys: dict[str, KeyMaterial]

    __test__ = False  # not a pytest test class

    def __getitem__(self, name: str) -> KeyMaterial:
        return self.keys[name]


def _qc_statements(*oids: str) -> x509.UnrecognizedExtension:
    # QCStatements ::= SEQUENCE OF SEQUENCE { statementId OID } (RFC 3739 §3.2.6), built by hand
    # because cryptography has no encoder for it.
    def oid_der(dotted: str) -> bytes:
        parts = [int(p) for p in dotted.split(".")]
        body = bytearray([parts[0] * 40 + parts[1]])
        for value in parts[2:]:
            chunk = [value & 0x7F]
            value >>= 7
            while value:
                chunk.append(0x80 | (value & 0x7F))
                value >>= 7
            body.extend(reversed(chunk))
        return bytes([0x06, len(body)]) + bytes(body)

    statements = b"".join(bytes([0x30, len(oid_der(o))]) + oid_der(o) for o in oids)
    return x509.UnrecognizedExtension(
        _QC_STATEMENTS_OID, bytes([0x30, len(statements)]) + statements
    )


def _ku(**flags: bool) -> x509.KeyUsage:
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
    values = {n: flags.get(n, False) for n in names}
    return x509.KeyUsage(**values)


def build_test_pki() -> TestPki:
    """Generate a CA and the end-entity keys/certificates listed in the module docs."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca_key = rsa.generate_private_key(65537, 2048)
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eyazisma test"),
            x509.NameAttribute(NameOID.COMMON_NAME, "keys test CA"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ku(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def issue(
        name: str,
        key_id: int,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        ku: x509.KeyUsage,
        qc: tuple[str, ...] = (),
        serial_number: str | None = None,
    ) -> KeyMaterial:
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TR"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Test {name}"),
        ]
        if serial_number:
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attrs))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=300))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(ku, critical=True)
        )
        if qc:
            builder = builder.add_extension(_qc_statements(*qc), critical=False)
        if ku.key_encipherment or ku.key_agreement:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
        cert = builder.sign(ca_key, hashes.SHA256())
        return KeyMaterial(name, bytes([key_id]), key, cert)

    def rsa_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(65537, 2048)

    keys = [
        issue(
            "sign-rsa",
            0x01,
            rsa_key(),
            _ku(content_commitment=True),
            (_QC_COMPLIANCE, _NES_51),
            "12345678950",
        ),
        issue(
            "sign-ec",
            0x02,
            ec.generate_private_key(ec.SECP256R1()),
            _ku(digital_signature=True, content_commitment=True),
        ),
        issue("enc-rsa", 0x03, rsa_key(), _ku(key_encipherment=True)),
        issue("enc-ec", 0x04, ec.generate_private_key(ec.SECP256R1()), _ku(key_agreement=True)),
        issue("seal-rsa", 0x05, rsa_key(), _ku(content_commitment=True), (_NES_51, _SEAL_513)),
        issue("auth-rsa", 0x06, rsa_key(), _ku(content_commitment=True)),
    ]
    return TestPki(ca_key, ca_cert, {k.name: k for k in keys})


@dataclass(frozen=True)
class SoftHsmTokens:
    env: SoftHsmEnvironment
    main: SoftHsmToken
    pairing: SoftHsmToken
    pin: SoftHsmToken
    locked: SoftHsmToken
    final_try: SoftHsmToken

    @property
    def module_path(self) -> str:
        return self.env.module_path


@pytest.fixture(scope="session")
def keys_pki() -> TestPki:
    """The keys test PKI (generated once per session)."""
    return build_test_pki()


@pytest.fixture(scope="session")
def softhsm_env(tmp_path_factory: pytest.TempPathFactory) -> SoftHsmEnvironment:
    """A private SoftHSM2 environment; ``SOFTHSM2_CONF`` is set for this process."""
    if find_softhsm2_module() is None:
        pytest.fail("SoftHSM2 is required for the keys tests (apt-get install softhsm2 opensc)")
    env = SoftHsmEnvironment(Path(tmp_path_factory.mktemp("softhsm")))
    env.activate()
    return env


@pytest.fixture(scope="session")
def softhsm_tokens(softhsm_env: SoftHsmEnvironment, keys_pki: TestPki) -> SoftHsmTokens:
    """All keys test tokens (see module docs), created before the module is loaded."""
    tokens = build_tokens(softhsm_env, keys_pki)
    # SoftHSM2 scans tokens only in C_Initialize; pki_token may have loaded it already.
    softhsm_env.reinitialize_loaded_module()
    return tokens


def build_tokens(env: SoftHsmEnvironment, pki: TestPki) -> SoftHsmTokens:
    main = env.create_token("keys-main")
    for material in pki.keys.values():
        env.import_key(
            main,
            material.private_key,
            material.cert_der,
            key_id=material.key_id,
            label=material.name,
            always_authenticate=material.name == "auth-rsa",
        )
    env.import_certificate(
        main,
        pki.ca_cert.public_bytes(serialization.Encoding.DER),
        key_id=b"\xa1",
        label="ca",
    )

    # Pairing token: the certificate's CKA_ID matches no key; a decoy key carries the label of
    # the certificate. Only public-key comparison finds the right key.
    pairing = env.create_token("keys-pairing")
    sign_rsa = pki["sign-rsa"]
    sign_ec = pki["sign-ec"]
    env.import_key(
        pairing, sign_rsa.private_key, None, key_id=b"\x10", label="decoy", public_key_object=False
    )
    env.import_key(pairing, pki["enc-rsa"].private_key, None, key_id=b"\x11", label="sign-rsa")
    env.import_certificate(pairing, sign_rsa.cert_der, key_id=b"\x99", label="sign-rsa")
    env.import_key(pairing, sign_ec.private_key, None, key_id=b"\x20", label="x")
    env.import_certificate(pairing, sign_ec.cert_der, key_id=b"\x98", label="sign-ec")

    pin = env.create_token("keys-pin", user_pin=DISTINCT_PIN)
    env.import_key(pin, sign_rsa.private_key, sign_rsa.cert_der, key_id=b"\x01", label="p")
    locked = env.create_token("keys-locked")
    env.import_key(locked, sign_rsa.private_key, sign_rsa.cert_der, key_id=b"\x01", label="p")
    locked.set_token_flags(set_bits=CKF_USER_PIN_LOCKED)
    final_try = env.create_token("keys-final")
    env.import_key(final_try, sign_rsa.private_key, sign_rsa.cert_der, key_id=b"\x01", label="p")
    final_try.set_token_flags(set_bits=CKF_USER_PIN_FINAL_TRY)
    return SoftHsmTokens(env, main, pairing, pin, locked, final_try)


@pytest.fixture(scope="session")
def softhsm_module(softhsm_tokens: SoftHsmTokens) -> Pkcs11Module:
    """SoftHSM2 loaded through ``keys`` (first load in the process: OS-locking mode)."""
    return load_module(softhsm_tokens.module_path)


def _find_spy() -> str:
    # OpenSC installs it under the multiarch directory (x86_64-linux-gnu, aarch64-linux-gnu...).
    candidates = [
        *sorted(Path("/usr/lib").glob("*/pkcs11-spy.so")),
        Path("/usr/lib/pkcs11-spy.so"),
        Path("/usr/local/lib/pkcs11-spy.so"),
    ]
    return str(next((c for c in candidates if c.is_file()), candidates[-1]))


#: OpenSC's PKCS#11 call logger (package ``opensc``).
SPY_MODULE = _find_spy()


@dataclass
class SpyLog:
    """OpenSC's pkcs11-spy in front of SoftHSM2: an independent count of PKCS#11 calls."""

    module: Pkcs11Module
    path: Path

    def count(self, function: str) -> int:
        if not self.path.exists():
            return 0
        text = self.path.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if line.endswith(f": {function}"))


@pytest.fixture(scope="session")
def keys_spy(softhsm_module: Pkcs11Module, tmp_path_factory: pytest.TempPathFactory) -> SpyLog:
    """pkcs11-spy loaded after SoftHSM2 (it shares SoftHSM2's initialisation)."""
    if not Path(SPY_MODULE).is_file():
        pytest.fail("pkcs11-spy is required (apt-get install opensc)")
    log = tmp_path_factory.mktemp("spy") / "pkcs11-spy.log"
    os.environ["PKCS11SPY"] = softhsm_module.path
    os.environ["PKCS11SPY_OUTPUT"] = str(log)
    return SpyLog(load_module(SPY_MODULE), log)


@pytest.fixture(scope="session")
def pki_token(softhsm_env: SoftHsmEnvironment, live_pki: LivePki) -> SoftHsmToken:
    """Token ``eyazisma-test`` with the live test PKI's keys (signatures.md §6.9 layout).

    CKA_ID / label: 01 ``person``, 02 ``eseal``, 03 ``enc`` (RSA), 05 ``enc-ec``; CA
    certificates a1 ``root`` and a2 ``qualified_ca``. User PIN ``1234``. Needs the
    ``fixtures_pki`` plugin (``live_pki``). If SoftHSM2 is already loaded in this process the
    module is re-initialised so it sees the new token (this closes open sessions).
    """
    token = softhsm_env.create_pki_token("eyazisma-test", live_pki, user_pin="1234")
    softhsm_env.reinitialize_loaded_module()
    return token
