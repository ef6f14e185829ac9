"""Our CAdES output checked by an independent BouncyCastle peer (tests/java/BcCadesCheck.java).

The checker parses with BC's own classes (CMSSignedData, SignerInformation, TimeStampToken, the
ESF/ESS ASN.1 types) and recomputes every hash of signatures.md §3.10 itself: message-digest,
ESSCertIDv2, signature-time-stamp imprints (§3.5), refs → values by hash (§3.6, §3.8) and the
archive-time-stamp-v3 imprint with its ATSHashIndex (§3.9.1). A signature passes only when the
checker exits 0; each test also asserts that the checks it relies on actually ran (an "OK" line),
so a check that silently stopped running cannot hide behind a zero exit code.

The first tests show that the checker is not a rubber stamp: it passes a signature made by
OpenSSL plus a live time-stamp and an ATSv3 spliced in with our byte-level tools, and it fails
the checks that a single flipped byte breaks (also in the X-Long references and values).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import keys
from cades import (
    Level,
    Oid,
    Profile,
    ValidationSources,
    _ats,
    _der,
    _view,
    add_parallel_signer,
    countersign,
    sign,
    upgrade,
)
from cades.tsp import TimestampClient
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.softhsm import SoftHsmToken
from keys.pkcs11 import open_token
from tests.java_tools import run_java

CONTENT = "\ufeff<?xml version='1.0'?>\r\n<PaketOzeti>interop</PaketOzeti>\r\n".encode()


@dataclass(frozen=True)
class BcResult:
    """Parsed output of one BcCadesCheck run."""

    returncode: int
    lines: tuple[str, ...]
    stderr: str

    def passed(self, check: str) -> bool:
        """True when the line ``OK <check>`` was printed."""
        return f"OK {check}" in self.lines

    def failed(self, check: str) -> bool:
        """True when a ``FAIL <check>: …`` line was printed."""
        return any(line.startswith(f"FAIL {check}:") for line in self.lines)

    @property
    def failures(self) -> list[str]:
        return [line for line in self.lines if line.startswith("FAIL")]

    def describe(self) -> str:
        return "\n".join(self.lines) + ("\n" + self.stderr if self.stderr else "")


@dataclass(frozen=True)
class BcJob:
    """One signature for the checker (``content`` for a detached signature)."""

    signature: bytes
    content: bytes | None = None
    trust: Sequence[Path] = ()
    certs: Sequence[Path] = ()


def _job_args(work: Path, name: str, job: BcJob) -> list[str]:
    work.mkdir(parents=True, exist_ok=True)
    sig_path = work / f"{name}.der"
    sig_path.write_bytes(job.signature)
    args = [str(sig_path)]
    if job.content is not None:
        content_path = work / f"{name}.content"
        content_path.write_bytes(job.content)
        args += ["--content", str(content_path)]
    for path in job.trust:
        args += ["--trust", str(path)]
    for path in job.certs:
        args += ["--certs", str(path)]
    return args


def _result(returncode: int, stdout_lines: Sequence[str], stderr: str) -> BcResult:
    lines = tuple(line for line in stdout_lines if line)
    assert lines and lines[-1].startswith("SUMMARY"), "\n".join(lines) + stderr
    return BcResult(returncode, lines, stderr)


def bc_check(
    work: Path,
    signature: bytes,
    *,
    content: bytes | None = None,
    trust: Sequence[Path] = (),
    certs: Sequence[Path] = (),
    name: str = "signature",
) -> BcResult:
    """Write ``signature`` (and detached ``content``) under ``work`` and run the checker."""
    args = _job_args(work, name, BcJob(signature, content, trust, certs))
    proc = run_java("BcCadesCheck.java", args, timeout=120)
    return _result(proc.returncode, proc.stdout.splitlines(), proc.stderr)


def bc_check_many(work: Path, jobs: Sequence[BcJob]) -> list[BcResult]:
    """Check several signatures in one JVM (``--batch``; JVM start-up dominates a check)."""
    lines = ["\t".join(_job_args(work, f"job{i}", job)) for i, job in enumerate(jobs)]
    batch = work / "jobs.tsv"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_java("BcCadesCheck.java", ["--batch", str(batch)], timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results: list[BcResult] = []
    current: list[str] = []
    for line in proc.stdout.splitlines():
        if line.startswith("BEGIN "):
            current = []
        elif line.startswith("END "):
            results.append(_result(int(line.split()[2]), current, proc.stderr))
        else:
            current.append(line)
    assert len(results) == len(jobs), proc.stdout + proc.stderr
    return results


def assert_bc_passes(result: BcResult, *required: str) -> None:
    """Exit code 0, no FAIL line, and every ``required`` check printed as OK."""
    assert result.returncode == 0, result.describe()
    assert not result.failures, result.describe()
    missing = [check for check in required if not result.passed(check)]
    assert not missing, f"checks that did not run: {missing}\n{result.describe()}"


#: Checks every CAdES-BES signer must pass.
BES_CHECKS = (
    "cms parse",
    "cms encoding round-trip",
    "signed-data version",
    "signed-data digest-algorithms",
    "signer {p} signature",
    "signer {p} signed-attributes-der",
    "signer {p} message-digest",
    "signer {p} signing-certificate-v2",
)


def checks_for(path: str, *names: str) -> tuple[str, ...]:
    """Expand ``{p}`` to the signer path, e.g. ``checks_for("0.0", "signer {p} signature")``."""
    return tuple(name.format(p=path) for name in names)


# --- a signature from OpenSSL, upgraded with our byte-level tools ---------------------------


def openssl_sign(
    pki: TestPki,
    work: Path,
    content: bytes,
    *,
    detached: bool = False,
    signer: str = "person",
    keyid: bool = False,
) -> bytes:
    """CAdES-BES by ``openssl cms -sign -cades`` (ESSCertIDv2 signing-certificate-v2).

    ``keyid``: identify the signer by subjectKeyIdentifier (SignerInfo v3, SignedData v3)
    instead of issuerAndSerialNumber.
    """
    identity = pki[signer]
    work.mkdir(parents=True, exist_ok=True)
    source = work / "openssl-content.bin"
    source.write_bytes(content)
    out = work / "openssl.der"
    cmd = [
        "openssl",
        "cms",
        "-sign",
        "-cades",
        "-binary",
        "-md",
        "sha256",
        "-nosmimecap",
        "-in",
        str(source),
        "-signer",
        str(identity.cert_path),
        "-inkey",
        str(identity.key_path),
        "-outform",
        "DER",
        "-out",
        str(out),
    ]
    if not detached:
        cmd.append("-nodetach")
    if keyid:
        cmd.append("-keyid")
    subprocess.run(cmd, check=True, capture_output=True)
    return out.read_bytes()


def splice_signature_timestamp(signature: bytes, client: TimestampClient, path: str = "0") -> bytes:
    """Add a live signature-time-stamp over H(signature value octets) (§3.5)."""
    view = _view.parse_signed_data(signature)
    signer = view.signer(path)
    result = client.timestamp_digest(hashlib.sha256(signer.signature_value).digest())
    attribute = _view.attribute_der(Oid.SIGNATURE_TIME_STAMP, result.token_der)
    return _view.add_unsigned_attribute(view, signer, attribute)


def splice_archive_timestamp(
    signature: bytes, client: TimestampClient, *, content: bytes | None = None
) -> bytes:
    """Add an archive-time-stamp-v3 built with cades._ats (independently recomputed by BC)."""
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    index = _ats.build_ats_hash_index(view, signer, Oid.SHA256)
    imprint = _ats.ats_v3_imprint(view, signer, index, Oid.SHA256, content=content)
    token = _ats.splice_hash_index(client.timestamp_digest(imprint).token_der, index)
    attribute = _view.attribute_der(Oid.ARCHIVE_TIME_STAMP_V3, token)
    return _view.add_unsigned_attribute(view, signer, attribute)


@pytest.fixture(scope="module")
def tsa(live_pki: TestPki) -> TimestampClient:
    return TimestampClient(live_pki.tsa_url, trust_roots=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def openssl_archive(
    live_pki: TestPki, tsa: TimestampClient, tmp_path_factory: pytest.TempPathFactory
) -> bytes:
    """OpenSSL BES + live signature-time-stamp + ATSv3 (index v1) spliced in."""
    bes = openssl_sign(live_pki, tmp_path_factory.mktemp("openssl"), CONTENT)
    return splice_archive_timestamp(splice_signature_timestamp(bes, tsa), tsa)


def _root(pki: TestPki) -> list[Path]:
    return [pki.root.cert_path]


def _ca(pki: TestPki) -> list[Path]:
    return [pki.qualified_ca.cert_path]


def test_checker_passes_openssl_signature_with_spliced_timestamps(
    openssl_archive: bytes, live_pki: TestPki, tmp_path: Path
) -> None:
    result = bc_check(tmp_path, openssl_archive, trust=_root(live_pki), certs=_ca(live_pki))
    assert_bc_passes(
        result,
        *checks_for("0", *BES_CHECKS),
        "signer 0 content-type",
        "signer 0 certificate chain",
        "signer 0 signature-time-stamp[0] token",
        "signer 0 signature-time-stamp[0] chain",
        "signer 0 signature-time-stamp[0] imprint",
        "signer 0 ats-v3[0] token",
        "signer 0 ats-v3[0] imprint",
        "signer 0 ats-v3[0] index certificates",
        "signer 0 ats-v3[0] index crls",
        "signer 0 ats-v3[0] index unsigned-attributes",
        "signer 0 ats-v3[0] order",
    )


def test_checker_passes_detached_signature_only_with_its_content(
    live_pki: TestPki, tsa: TimestampClient, tmp_path: Path
) -> None:
    bes = openssl_sign(live_pki, tmp_path / "make", CONTENT, detached=True)
    archived = splice_archive_timestamp(splice_signature_timestamp(bes, tsa), tsa, content=CONTENT)
    trust, certs = _root(live_pki), _ca(live_pki)
    good, wrong, missing = bc_check_many(
        tmp_path,
        [
            BcJob(archived, CONTENT, trust, certs),
            BcJob(archived, CONTENT + b" ", trust, certs),
            BcJob(archived),
        ],
    )
    assert_bc_passes(good, "signer 0 message-digest", "signer 0 ats-v3[0] imprint")
    assert wrong.returncode == 1
    for check in ("signer 0 signature", "signer 0 message-digest", "signer 0 ats-v3[0] imprint"):
        assert wrong.failed(check), wrong.describe()
    assert missing.returncode == 1
    assert missing.failed("cms content"), missing.describe()


def _flip(data: bytes, offset: int) -> bytes:
    broken = bytearray(data)
    broken[offset] ^= 0x01
    return bytes(broken)


def _token_offset(view: _view.SignedDataView, oid: str, locate: str) -> int:
    """Offset (in the signature) of a byte inside the first token of attribute ``oid``."""
    value = view.signers[0].unsigned(oid)[0].value_tlvs[0]
    token = value.raw(view.buf)
    inner = _view.parse_signed_data(token)
    tst_signer = inner.signers[0]
    if locate == "signature":
        node = tst_signer.signature_tlv
        return value.start + node.end - 5
    assert locate == "index"
    index_attr = tst_signer.unsigned(Oid.ATS_HASH_INDEX)[0]
    return value.start + index_attr.tlv.end - 3  # inside the last unsigned-attribute hash


def _flip_cases(signature: bytes) -> dict[str, tuple[int, tuple[str, ...]]]:
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    assert view.econtent_tlv is not None
    return {
        "econtent": (
            view.econtent_tlv.content_start + 5,
            ("signer 0 signature", "signer 0 message-digest", "signer 0 ats-v3[0] imprint"),
        ),
        "signature-value": (
            signer.signature_tlv.end - 1,
            (
                "signer 0 signature",
                "signer 0 signature-time-stamp[0] imprint",
                "signer 0 ats-v3[0] imprint",
            ),
        ),
        "timestamp-signature": (
            _token_offset(view, Oid.SIGNATURE_TIME_STAMP, "signature"),
            (
                "signer 0 signature-time-stamp[0] token",
                "signer 0 ats-v3[0] index unsigned-attributes",
            ),
        ),
        "timestamp-attribute-hash-index-entry": (
            _token_offset(view, Oid.ARCHIVE_TIME_STAMP_V3, "index"),
            ("signer 0 ats-v3[0] imprint", "signer 0 ats-v3[0] index unsigned-attributes"),
        ),
        "signer-certificate": (
            view.certificate_tlvs()[0].end - 2,
            (
                "signer 0 signing-certificate-v2",
                "signer 0 certificate chain",
                "signer 0 ats-v3[0] index certificates",
            ),
        ),
    }


FLIP_CASES = (
    "econtent",
    "signature-value",
    "timestamp-signature",
    "timestamp-attribute-hash-index-entry",
    "signer-certificate",
)


@pytest.fixture(scope="module")
def flip_results(
    openssl_archive: bytes, live_pki: TestPki, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, BcResult]:
    cases = _flip_cases(openssl_archive)
    jobs = [
        BcJob(_flip(openssl_archive, cases[name][0]), None, _root(live_pki), _ca(live_pki))
        for name in FLIP_CASES
    ]
    results = bc_check_many(tmp_path_factory.mktemp("flips"), jobs)
    return dict(zip(FLIP_CASES, results, strict=True))


@pytest.mark.parametrize("case", FLIP_CASES)
def test_checker_fails_exactly_what_a_flipped_byte_breaks(
    openssl_archive: bytes, flip_results: dict[str, BcResult], case: str
) -> None:
    expected = _flip_cases(openssl_archive)[case][1]
    result = flip_results[case]
    assert result.returncode == 1, result.describe()
    not_failed = [check for check in expected if not result.failed(check)]
    assert not not_failed, f"{case}: expected FAIL for {not_failed}\n{result.describe()}"


# --- our sign() + upgrade() ---------------------------------------------------------------

#: Checks of a signer at X-Long (§3.5, §3.6, §3.8); the references count is three for the test
#: PKI: OCSP responder, qualified CA, root (§3.12).
XL_CHECKS = (
    "signer {p} certificate chain",
    "signer {p} signature-time-stamp[0] token",
    "signer {p} signature-time-stamp[0] chain",
    "signer {p} signature-time-stamp[0] imprint",
    "signer {p} signature-policy",
    "signer {p} certificate-references single",
    "signer {p} revocation-references single",
    "signer {p} certificate-values single",
    "signer {p} revocation-values single",
    "signer {p} certificate-references[0]",
    "signer {p} certificate-references[1]",
    "signer {p} certificate-references[2]",
    "signer {p} certificate-values = references",
    "signer {p} revocation-references count",
    "signer {p} revocation-references[0]",
    "signer {p} revocation-references[3]",
    "signer {p} revocation-values = references",
    "signer {p} revocation-values crl[0] signature",
    "signer {p} revocation-values ocsp[0] signature",
    "signer {p} signer-ocsp present",
    "signer {p} signer-ocsp status",
    "signer {p} signer-ocsp after signature-time-stamp",
)
A_CHECKS = (
    "signer {p} ats-v3[0] token",
    "signer {p} ats-v3[0] chain",
    "signer {p} ats-v3[0] order",
    "signer {p} ats-v3[0] imprint",
    "signer {p} ats-v3[0] index certificates",
    "signer {p} ats-v3[0] index crls",
    "signer {p} ats-v3[0] index unsigned-attributes",
)


@pytest.fixture(scope="module")
def sources(live_pki: TestPki, tsa: TimestampClient) -> ValidationSources:
    # The signature carries only the signer certificate (§3.2); the issuing CA comes from here.
    return ValidationSources(
        tsa=tsa,
        trust_roots=[live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
    )


@pytest.fixture(scope="module")
def person(live_pki: TestPki) -> keys.SoftwareKey:
    return keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def seal(live_pki: TestPki) -> keys.SoftwareKey:
    return keys.load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)


def test_bes_p1_passes(person: keys.SoftwareKey, live_pki: TestPki, tmp_path: Path) -> None:
    bes = sign(CONTENT, person, profile=Profile.P1)
    result = bc_check(tmp_path, bes, trust=_root(live_pki), certs=_ca(live_pki))
    assert_bc_passes(
        result, *checks_for("0", *BES_CHECKS), "signer 0 content-type", "signer 0 certificate chain"
    )
    assert not any("policy" in line for line in result.lines)


def test_epes_p4_passes(person: keys.SoftwareKey, live_pki: TestPki, tmp_path: Path) -> None:
    epes = sign(CONTENT, person, profile=Profile.P4, mime_type="application/xml")
    result = bc_check(tmp_path, epes, trust=_root(live_pki), certs=_ca(live_pki))
    assert_bc_passes(result, *checks_for("0", *BES_CHECKS), "signer 0 signature-policy")
    assert "INFO signer 0 policy 2.16.792.1.61.0.1.5070.3.3.1" in result.lines


def test_detached_t_passes_with_content(
    person: keys.SoftwareKey, sources: ValidationSources, live_pki: TestPki, tmp_path: Path
) -> None:
    detached = sign(CONTENT, person, profile=Profile.P4, detached=True)
    stamped = upgrade(detached, Level.T, sources, content=CONTENT)
    result = bc_check(
        tmp_path, stamped, content=CONTENT, trust=_root(live_pki), certs=_ca(live_pki)
    )
    assert_bc_passes(
        result, *checks_for("0", *BES_CHECKS), "signer 0 signature-time-stamp[0] imprint"
    )


def test_xl_p4_software_key_passes(
    person: keys.SoftwareKey, sources: ValidationSources, live_pki: TestPki, tmp_path: Path
) -> None:
    epes = sign(CONTENT, person, profile=Profile.P4, mime_type="application/xml")
    xl = upgrade(epes, Level.XL, sources)
    result = bc_check(tmp_path, xl, trust=_root(live_pki))
    assert_bc_passes(result, *checks_for("0", *BES_CHECKS, *XL_CHECKS))


@pytest.fixture(scope="module")
def sealed(seal: keys.SoftwareKey, sources: ValidationSources) -> bytes:
    """A P4 e-seal at level A (sign → T → X-Long → ATSv3)."""
    epes = sign(CONTENT, seal, profile=Profile.P4, mime_type="application/xml")
    return upgrade(epes, Level.A, sources)


def test_a_p4_seal_software_key_passes_and_renews(
    sealed: bytes, sources: ValidationSources, live_pki: TestPki, tmp_path: Path
) -> None:
    result = bc_check(tmp_path / "a", sealed, trust=_root(live_pki))
    assert_bc_passes(result, *checks_for("0", *BES_CHECKS, *XL_CHECKS, *A_CHECKS))
    # Renewal (§3.9.4): the second ATS covers the first; the first still resolves its index.
    renewed = upgrade(sealed, Level.A, sources)
    again = bc_check(tmp_path / "renewed", renewed, trust=_root(live_pki))
    second = tuple(check.replace("ats-v3[0]", "ats-v3[1]") for check in A_CHECKS)
    assert_bc_passes(again, *checks_for("0", *A_CHECKS, *second), "signed-data version")


def _value_element(view: _view.SignedDataView, oid: str, index: int) -> _der.Tlv:
    """Element ``index`` of certificate-values, or of the first list in revocation-values."""
    outer = view.signers[0].unsigned(oid)[0].value_tlvs[0]
    elements = _der.children(view.buf, outer)
    if oid == Oid.REVOCATION_VALUES:  # [0] crlVals / [1] ocspVals, explicit SEQUENCE OF
        (inner,) = _der.children(view.buf, elements[-1])  # ocspVals (written after crlVals)
        elements = _der.children(view.buf, inner)
    return elements[index]


def test_checker_fails_tampered_references_and_values(
    sealed: bytes, live_pki: TestPki, tmp_path: Path
) -> None:
    view = _view.parse_signed_data(sealed)
    cert_value = _value_element(view, Oid.CERTIFICATE_VALUES, 1)
    ocsp_value = _value_element(view, Oid.REVOCATION_VALUES, 0)
    # BasicOCSPResponse: tbsResponseData, signatureAlgorithm, signature, [0] certs.
    ocsp_signature = _der.children(view.buf, ocsp_value)[2]
    cases = {
        "certificate-value": (
            cert_value.end - 3,
            (
                "signer 0 certificate-values = references",
                "signer 0 ats-v3[0] index unsigned-attributes",
            ),
        ),
        "ocsp-value": (
            ocsp_signature.end - 3,
            (
                "signer 0 revocation-references[0]",
                "signer 0 revocation-values = references",
                "signer 0 revocation-values ocsp[0] signature",
                "signer 0 ats-v3[0] index unsigned-attributes",
            ),
        ),
    }
    jobs = [BcJob(_flip(sealed, offset), None, _root(live_pki)) for offset, _ in cases.values()]
    results = bc_check_many(tmp_path, jobs)
    for (name, (_, expected)), result in zip(cases.items(), results, strict=True):
        assert result.returncode == 1, result.describe()
        not_failed = [check for check in expected if not result.failed(check)]
        assert not not_failed, f"{name}: expected FAIL for {not_failed}\n{result.describe()}"
        # Exactly one certificate reference stops resolving.
        refs = [line for line in result.failures if "certificate-references[" in line]
        assert len(refs) == (1 if name == "certificate-value" else 0), result.describe()


def test_countersigned_xl_passes(
    person: keys.SoftwareKey,
    seal: keys.SoftwareKey,
    sources: ValidationSources,
    live_pki: TestPki,
    tmp_path: Path,
) -> None:
    xl = upgrade(sign(CONTENT, person, profile=Profile.P4), Level.XL, sources)
    serial = upgrade(countersign(xl, seal), Level.XL, sources)
    result = bc_check(tmp_path, serial, trust=_root(live_pki))
    signer_checks = tuple(c for c in BES_CHECKS if c.startswith("signer"))
    assert_bc_passes(
        result,
        *checks_for("0", *BES_CHECKS, *XL_CHECKS),
        *checks_for("0.0", *signer_checks, *XL_CHECKS),
        "signer 0.0 content-type",  # OK here means: absent, as RFC 5652 §11.4 requires
    )


def test_parallel_signed_xl_passes(
    person: keys.SoftwareKey,
    seal: keys.SoftwareKey,
    sources: ValidationSources,
    live_pki: TestPki,
    tmp_path: Path,
) -> None:
    epes = sign(CONTENT, person, profile=Profile.P4)
    both = upgrade(add_parallel_signer(epes, seal), Level.XL, sources)
    result = bc_check(tmp_path, both, trust=_root(live_pki))
    signer_checks = tuple(c for c in BES_CHECKS if c.startswith("signer"))
    assert_bc_passes(
        result,
        *checks_for("0", *BES_CHECKS, *XL_CHECKS),
        *checks_for("1", *signer_checks, *XL_CHECKS),
    )


# --- the same on the SoftHSM2 token (signatures.md §6.9) ------------------------------------


@pytest.mark.softhsm
@pytest.mark.parametrize(("key_id", "level"), [(b"\x01", Level.XL), (b"\x02", Level.A)])
def test_token_key_output_passes(
    pki_token: SoftHsmToken,
    sources: ValidationSources,
    live_pki: TestPki,
    tmp_path: Path,
    key_id: bytes,
    level: Level,
) -> None:
    token = open_token(pki_token.module_path, label=pki_token.label)
    with token.open_key(key_id, lambda info: pki_token.user_pin) as key:
        epes = sign(CONTENT, key, profile=Profile.P4, mime_type="application/xml")
    expected = live_pki.person if key_id == b"\x01" else live_pki.seal
    assert _view.parse_signed_data(epes).certificates_der() == (expected.cert_der,)
    upgraded = upgrade(epes, level, sources)
    result = bc_check(tmp_path, upgraded, trust=_root(live_pki))
    checks = (*BES_CHECKS, *XL_CHECKS, *(A_CHECKS if level is Level.A else ()))
    assert_bc_passes(result, *checks_for("0", *checks))
