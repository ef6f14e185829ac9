"""A throw-away test PKI shaped like Kamu SM's (signatures.md §1.8, §4.4, §5.5).

Why not certomancer: its YAML only emits extensions that asn1crypto knows, and the Turkish
markers live in qcStatements (RFC 3739), which asn1crypto cannot encode; the Kamu SM-like TSA
also needs middleware (identity header, credits, fault hooks) that is simpler in our own small
server (:mod:`eyazisma.testing.services`). So certificates are built with ``cryptography``
(qcStatements DER from :mod:`eyazisma.testing._qc`).

Layout::

    root ──┬── qualified_ca ──┬── person, person_revoked, person_expired (NES, QC esign)
           │                  ├── seal (institutional e-seal, QC eseal)
           │                  ├── enc_rsa (RSA-2048 keyEncipherment), enc_ec (P-256 keyAgreement)
           │                  └── ocsp (delegated responder, id-pkix-ocsp-nocheck)
           └── tsa (EKU timeStamping, critical; Kamu SM tokens carry "TSA + root", §5.5)

Every end-entity and the qualified CA carry AIA (OCSP + caIssuers) and CRLDP URLs under
``base_url``, so the service port must be chosen before :meth:`TestPki.create` is called.
Keys are cached in the directory and reused by later calls, which keeps session start fast;
names, serial numbers and extensions are fixed, validity periods are relative to "now".
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from eyazisma.testing import _qc

__all__ = [
    "IDENTITY_NAMES",
    "PKCS12_PASSWORD",
    "Identity",
    "PrivateKey",
    "TestPki",
    "free_port",
    "tc_kimlik_no",
]

#: Password of every PKCS#12 file written by :class:`TestPki`.
PKCS12_PASSWORD = "eyazisma-test"  # noqa: S105 - test fixture, published on purpose

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

IDENTITY_NAMES = (
    "root",
    "qualified_ca",
    "tsa",
    "ocsp",
    "person",
    "person_revoked",
    "person_expired",
    "seal",
    "enc_rsa",
    "enc_ec",
)

_MANIFEST = "pki.json"
_ORG = "Test Kamu Sertifikasyon Merkezi"
_CA_OU = "Test Kamu SM"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the certificates need it up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tc_kimlik_no(first_nine: str) -> str:
    """Complete nine digits to a checksum-valid 11-digit TC kimlik no (e.g. ``10000000146``)."""
    d = [int(c) for c in first_nine]
    if len(d) != 9 or d[0] == 0:
        raise ValueError("need nine digits, the first not zero")
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    eleventh = (sum(d) + tenth) % 10
    return f"{first_nine}{tenth}{eleventh}"


@dataclass(frozen=True)
class Identity:
    """A key with its certificate, written to disk in the usual formats.

    ``key_path`` is an unencrypted PKCS#8 PEM; ``p12_path`` holds key, certificate and chain
    protected by :data:`PKCS12_PASSWORD`.
    """

    name: str
    key: PrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key_path: Path
    cert_path: Path
    cert_der_path: Path
    p12_path: Path

    @property
    def cert_der(self) -> bytes:
        """DER of the certificate."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def issuer(self) -> x509.Certificate:
        """The issuing certificate (the certificate itself for the root)."""
        return self.chain[1] if len(self.chain) > 1 else self.certificate

    @property
    def serial_number(self) -> int:
        """Certificate serial number."""
        return self.certificate.serial_number


@dataclass(frozen=True)
class _Spec:
    name: str
    issuer: str | None
    serial: int
    subject: x509.Name
    ec_key: bool = False


def _name(*attrs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])


def _person_name(given: str, surname: str, tc: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "TR"),
        (NameOID.SERIAL_NUMBER, tc),
        (NameOID.GIVEN_NAME, given),
        (NameOID.SURNAME, surname),
        (NameOID.COMMON_NAME, f"{given} {surname}"),
    )


def _institution_name(cn: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "TR"),
        (NameOID.LOCALITY_NAME, "Ankara"),
        (NameOID.ORGANIZATION_NAME, "Test Bakanlığı"),
        # ETSI EN 319 412-1 §5.1.4 semantics identifier; the number is a DETSİS-style id.
        (NameOID.ORGANIZATION_IDENTIFIER, "NTRTR-12345678"),
        (NameOID.COMMON_NAME, cn),
    )


def _ca_name(cn: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "TR"),
        (NameOID.LOCALITY_NAME, "Ankara"),
        (NameOID.ORGANIZATION_NAME, _ORG),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, _CA_OU),
        (NameOID.COMMON_NAME, cn),
    )


_SPECS = (
    _Spec("root", None, 0x10, _ca_name("Test Kamu SM Kök Sertifika Hizmet Sağlayıcısı - S1")),
    _Spec(
        "qualified_ca",
        "root",
        0x20,
        _ca_name("Test Kamu SM NES Hizmet Sağlayıcısı - S1"),
    ),
    _Spec("tsa", "root", 0x30, _ca_name("Test Kamu SM Zaman Damgası Sunucusu - S1")),
    _Spec("ocsp", "qualified_ca", 0x1007, _ca_name("Test Kamu SM NES OCSP Sunucusu - S1")),
    _Spec("person", "qualified_ca", 0x1001, _person_name("AHMET", "YILMAZ", "10000000146")),
    _Spec(
        "person_revoked",
        "qualified_ca",
        0x1002,
        _person_name("AYŞE", "DEMİR", tc_kimlik_no("123456789")),
    ),
    _Spec(
        "person_expired",
        "qualified_ca",
        0x1003,
        _person_name("MEHMET", "ÖZTÜRK", tc_kimlik_no("234567891")),
    ),
    _Spec("seal", "qualified_ca", 0x1004, _institution_name("Test Bakanlığı Kurumsal Mühür")),
    _Spec("enc_rsa", "qualified_ca", 0x1005, _institution_name("Test Bakanlığı Şifreleme RSA")),
    _Spec(
        "enc_ec",
        "qualified_ca",
        0x1006,
        _institution_name("Test Bakanlığı Şifreleme EC"),
        ec_key=True,
    ),
)


def _load_or_create_key(path: Path, ec_key: bool) -> PrivateKey:
    if path.exists():
        loaded = serialization.load_pem_private_key(
            path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
        )
        wanted = ec.EllipticCurvePrivateKey if ec_key else rsa.RSAPrivateKey
        if isinstance(loaded, wanted):
            return loaded
    key: PrivateKey = (
        ec.generate_private_key(ec.SECP256R1())
        if ec_key
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


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
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


@dataclass(frozen=True)
class _Urls:
    base: str

    def ocsp(self) -> str:
        return f"{self.base}/ocsp"

    def crl(self, ca: str) -> str:
        return f"{self.base}/crl/{ca}.crl"

    def ca_cert(self, ca: str) -> str:
        return f"{self.base}/certs/{ca}.cer"


def _add_role_extensions(
    builder: x509.CertificateBuilder, name: str, urls: _Urls
) -> x509.CertificateBuilder:
    """Key usage, EKU, QC statements and policies per role (signatures.md §1.8, §4.4)."""
    if name == "root":
        return builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    if name == "qualified_ca":
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        return builder.add_extension(_ku(key_cert_sign=True, crl_sign=True), True)
    if name == "tsa":
        builder = builder.add_extension(_ku(digital_signature=True, content_commitment=True), True)
        return builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True
        )
    if name == "ocsp":
        builder = builder.add_extension(_ku(digital_signature=True, content_commitment=True), True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False
        )
        return builder.add_extension(x509.OCSPNoCheck(), False)
    if name.startswith("person"):
        builder = builder.add_extension(_ku(content_commitment=True), True)
        builder = builder.add_extension(
            _qc.qc_statements_extension(
                [_qc.QC_COMPLIANCE, _qc.KAMUSM_NES, _qc.QC_SSCD], qc_types=[_qc.QC_TYPE_ESIGN]
            ),
            False,
        )
        return builder.add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(_qc.CP_TR_NES), [f"{urls.base}/cps"])]
            ),
            False,
        )
    if name == "seal":
        builder = builder.add_extension(_ku(digital_signature=True, content_commitment=True), True)
        return builder.add_extension(
            _qc.qc_statements_extension(
                [_qc.QC_COMPLIANCE, _qc.KAMUSM_NES, _qc.KAMUSM_SEAL_RESTRICTION],
                qc_types=[_qc.QC_TYPE_ESEAL],
            ),
            False,
        )
    if name == "enc_rsa":
        return builder.add_extension(_ku(key_encipherment=True, data_encipherment=True), True)
    if name == "enc_ec":
        return builder.add_extension(_ku(key_agreement=True), True)
    raise ValueError(f"unknown test identity {name!r}")


def _validity(name: str, now: datetime) -> tuple[datetime, datetime]:
    if name in ("root", "qualified_ca"):
        return now - timedelta(days=3 * 365), now + timedelta(days=10 * 365)
    if name == "person_expired":
        return now - timedelta(days=2 * 365), now - timedelta(days=365)
    return now - timedelta(days=30), now + timedelta(days=2 * 365)


def _issue(
    spec: _Spec,
    key: PrivateKey,
    issuer_cert: x509.Certificate | None,
    issuer_key: PrivateKey,
    urls: _Urls,
    now: datetime,
) -> x509.Certificate:
    not_before, not_after = _validity(spec.name, now)
    issuer_name = issuer_cert.subject if issuer_cert is not None else spec.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(spec.subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(spec.serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer_cert is not None and spec.issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(urls.crl(spec.issuer))], None, None, None
                    )
                ]
            ),
            False,
        )
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(urls.ocsp()),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(urls.ca_cert(spec.issuer)),
                    ),
                ]
            ),
            False,
        )
    builder = _add_role_extensions(builder, spec.name, urls)
    if spec.name == "root":
        builder = builder.add_extension(_ku(key_cert_sign=True, crl_sign=True), True)
    return builder.sign(issuer_key, hashes.SHA256())


def build_crl(
    issuer_cert: x509.Certificate,
    issuer_key: PrivateKey,
    revoked: dict[int, datetime],
    *,
    number: int,
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    """A CRL listing ``revoked`` (serial → time) with reason keyCompromise (RFC 5280 §5)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )
    for serial, when in sorted(revoked.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), False)
            .build()
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class TestPki:
    """The test PKI: identities, CRLs, a CA bundle and the service URLs.

    Build with :meth:`create` (writes everything under ``directory``) or re-open with
    :meth:`load` (what the service process does).
    """

    __test__: ClassVar[bool] = False  # not a pytest test class despite the name

    directory: Path
    base_url: str
    created_at: datetime
    revocation_time: datetime
    identities: dict[str, Identity] = field(repr=False)

    # --- identities -------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Identity:
        return self.identities[name]

    @property
    def root(self) -> Identity:
        """Self-signed root CA."""
        return self.identities["root"]

    @property
    def qualified_ca(self) -> Identity:
        """Qualified (NES) issuing CA."""
        return self.identities["qualified_ca"]

    @property
    def person(self) -> Identity:
        """Natural person, NES with QC statements, nonRepudiation (§1.8)."""
        return self.identities["person"]

    @property
    def person_revoked(self) -> Identity:
        """Like :attr:`person`, revoked at :attr:`revocation_time` (keyCompromise)."""
        return self.identities["person_revoked"]

    @property
    def person_expired(self) -> Identity:
        """Like :attr:`person`, expired a year ago."""
        return self.identities["person_expired"]

    @property
    def seal(self) -> Identity:
        """Institutional e-seal (5070.1.1 + 5070.1.3, QcType eseal)."""
        return self.identities["seal"]

    @property
    def enc_rsa(self) -> Identity:
        """Institution encryption certificate, RSA-2048 keyEncipherment."""
        return self.identities["enc_rsa"]

    @property
    def enc_ec(self) -> Identity:
        """Institution encryption certificate, P-256 keyAgreement."""
        return self.identities["enc_ec"]

    @property
    def tsa(self) -> Identity:
        """Time-stamping unit, issued by the root, critical EKU timeStamping."""
        return self.identities["tsa"]

    @property
    def ocsp(self) -> Identity:
        """Delegated OCSP responder of the qualified CA (id-pkix-ocsp-nocheck)."""
        return self.identities["ocsp"]

    # --- files and URLs -----------------------------------------------------------------------
    @property
    def ca_bundle_path(self) -> Path:
        """PEM with root + qualified CA (``openssl -CAfile``)."""
        return self.directory / "ca-bundle.pem"

    def crl_path(self, ca: str) -> Path:
        """DER CRL written at creation time for ``root`` or ``qualified_ca``."""
        return self.directory / f"{ca}.crl"

    @property
    def tsa_url(self) -> str:
        """Plain RFC 3161 endpoint."""
        return f"{self.base_url}/tsa"

    @property
    def kamusm_url(self) -> str:
        """Kamu SM-like endpoint (identity header, credit queries)."""
        return f"{self.base_url}/kamusm"

    @property
    def ocsp_url(self) -> str:
        """OCSP responder (POST, RFC 6960 Appendix A)."""
        return _Urls(self.base_url).ocsp()

    def crl_url(self, ca: str) -> str:
        """Live CRL URL of ``ca`` (freshly signed on every request)."""
        return _Urls(self.base_url).crl(ca)

    def issued_by(self, ca: str) -> tuple[Identity, ...]:
        """Identities issued by ``ca``."""
        spec_issuer = {s.name: s.issuer for s in _SPECS}
        return tuple(i for n, i in self.identities.items() if spec_issuer[n] == ca)

    def revoked_serials(self, ca: str) -> dict[int, datetime]:
        """Serial → revocation time for ``ca``."""
        if ca == "qualified_ca":
            return {self.person_revoked.serial_number: self.revocation_time}
        return {}

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def create(cls, directory: Path, *, base_url: str | None = None) -> TestPki:
        """Issue every certificate and CRL under ``directory`` (keys are reused if present).

        ``base_url`` defaults to ``http://127.0.0.1:<a port free right now>``.
        """
        directory.mkdir(parents=True, exist_ok=True)
        base_url = (base_url or f"http://127.0.0.1:{free_port()}").rstrip("/")
        urls = _Urls(base_url)
        now = datetime.now(UTC).replace(microsecond=0)
        keys: dict[str, PrivateKey] = {}
        certs: dict[str, x509.Certificate] = {}
        for spec in _SPECS:
            keys[spec.name] = _load_or_create_key(directory / f"{spec.name}.key.pem", spec.ec_key)
            issuer = spec.issuer or spec.name
            certs[spec.name] = _issue(
                spec,
                keys[spec.name],
                certs.get(spec.issuer) if spec.issuer else None,
                keys[issuer],
                urls,
                now,
            )
        revocation_time = now - timedelta(hours=1)
        for spec in _SPECS:
            cls._write_identity(directory, spec, keys[spec.name], certs)
        bundle = b"".join(
            certs[n].public_bytes(serialization.Encoding.PEM) for n in ("root", "qualified_ca")
        )
        (directory / "ca-bundle.pem").write_bytes(bundle)
        manifest = {
            "base_url": base_url,
            "created_at": now.isoformat(),
            "revocation_time": revocation_time.isoformat(),
        }
        (directory / _MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        pki = cls.load(directory)
        for ca in ("root", "qualified_ca"):
            crl = build_crl(
                pki[ca].certificate,
                pki[ca].key,
                pki.revoked_serials(ca),
                number=1,
                this_update=now - timedelta(minutes=30),
                next_update=now + timedelta(days=7),
            )
            pki.crl_path(ca).write_bytes(crl.public_bytes(serialization.Encoding.DER))
        return pki

    @staticmethod
    def _write_identity(
        directory: Path, spec: _Spec, key: PrivateKey, certs: dict[str, x509.Certificate]
    ) -> None:
        cert = certs[spec.name]
        chain = _chain_of(spec.name, certs)
        (directory / f"{spec.name}.cert.pem").write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
        )
        (directory / f"{spec.name}.cert.der").write_bytes(
            cert.public_bytes(serialization.Encoding.DER)
        )
        (directory / f"{spec.name}.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                spec.name.encode(),
                key,
                cert,
                list(chain[1:]),
                serialization.BestAvailableEncryption(PKCS12_PASSWORD.encode()),
            )
        )

    @classmethod
    def load(cls, directory: Path) -> TestPki:
        """Re-open a PKI written by :meth:`create`."""
        manifest = json.loads((directory / _MANIFEST).read_text(encoding="utf-8"))
        certs = {
            s.name: x509.load_pem_x509_certificate((directory / f"{s.name}.cert.pem").read_bytes())
            for s in _SPECS
        }
        identities: dict[str, Identity] = {}
        for spec in _SPECS:
            # Skipping the RSA consistency check is fine for keys this module wrote itself and
            # saves ~60 ms per key (it dominated session start-up).
            key = serialization.load_pem_private_key(
                (directory / f"{spec.name}.key.pem").read_bytes(),
                password=None,
                unsafe_skip_rsa_key_validation=True,
            )
            if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
                raise TypeError(f"unexpected key type for {spec.name}")
            identities[spec.name] = Identity(
                name=spec.name,
                key=key,
                certificate=certs[spec.name],
                chain=_chain_of(spec.name, certs),
                key_path=directory / f"{spec.name}.key.pem",
                cert_path=directory / f"{spec.name}.cert.pem",
                cert_der_path=directory / f"{spec.name}.cert.der",
                p12_path=directory / f"{spec.name}.p12",
            )
        return cls(
            directory=directory,
            base_url=manifest["base_url"],
            created_at=datetime.fromisoformat(manifest["created_at"]),
            revocation_time=datetime.fromisoformat(manifest["revocation_time"]),
            identities=identities,
        )


def _chain_of(name: str, certs: dict[str, x509.Certificate]) -> tuple[x509.Certificate, ...]:
    issuers = {s.name: s.issuer for s in _SPECS}
    chain = [certs[name]]
    current = issuers[name]
    while current is not None:
        chain.append(certs[current])
        current = issuers[current]
    return tuple(chain)
