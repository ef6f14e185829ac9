"""Interoperability with OpenSSL 3 in both directions (signatures.md §3.2–§3.9, §4).

* Our outputs (BES, EPES, X-Long, A; attached and detached; countersigned and parallel) pass
  ``openssl cms -verify``. OpenSSL checks the signed attributes, message-digest, the ESS
  signing-certificate(-v2) and the path to ``ca-bundle.pem``; it ignores the CAdES unsigned
  attributes, which is exactly what a generic CMS consumer does with them.
* A CAdES-BES made by ``openssl cms -sign -cades`` is read by our verifier (P1, crypto checks
  PASSED), takes a live signature-time-stamp spliced in, and is upgraded to X-Long and A by our
  ``upgrade()``; the results verify TOTAL_PASSED here and pass the BouncyCastle checker.
* Time-stamp tokens from the live TSA, and the tokens inside our signatures (signature and
  archive time-stamps, the latter with the ATSHashIndex spliced into its SignerInfo), verify with
  ``openssl ts -verify``.

``-purpose any``: the test signer certificates carry only nonRepudiation (Turkish NES profile)
and no EKU; OpenSSL's default S/MIME purpose check is not what these tests are about.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

import keys
from cades import (
    Level,
    Oid,
    Profile,
    ValidationSources,
    _ats,
    _view,
    add_parallel_signer,
    countersign,
    sign,
    upgrade,
)
from cades.tsp import TimestampClient
from cades.verify import CheckStatus, Indication, SignatureReport, ValidationPolicy, verify
from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from tests.test_cades_interop_bc import (
    BES_CHECKS,
    CONTENT,
    assert_bc_passes,
    bc_check,
    checks_for,
    openssl_sign,
    splice_signature_timestamp,
)


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)


def openssl_cms_verify(
    work: Path, signature: bytes, ca_bundle: Path, *, content: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """``openssl cms -verify -inform DER -binary -CAfile … -purpose any`` (+ ``-content``)."""
    work.mkdir(parents=True, exist_ok=True)
    sig_path = work / "signature.der"
    sig_path.write_bytes(signature)
    out_path = work / "verified.bin"
    cmd = ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(sig_path), "-binary"]
    cmd += ["-CAfile", str(ca_bundle), "-purpose", "any", "-out", str(out_path)]
    if content is not None:
        content_path = work / "content.bin"
        content_path.write_bytes(content)
        cmd += ["-content", str(content_path)]
    proc = _run(cmd)
    if proc.returncode == 0:
        # What OpenSSL says was signed must be exactly our content.
        assert out_path.read_bytes() == (content if content is not None else CONTENT)
    return proc


def openssl_ts_verify(
    work: Path, token: bytes, digest: bytes, root: Path
) -> subprocess.CompletedProcess[str]:
    """``openssl ts -verify -token_in -in <token> -digest <hex> -CAfile <root>``.

    ``-token_in``: the input is a bare TimeStampToken (ContentInfo), not a TimeStampResp.
    ``-digest``: the expected messageImprint.hashedMessage (hash algorithm from the token).
    ``-CAfile``: the trust anchor; the TSA certificate comes from the token itself. OpenSSL also
    requires the TSA certificate's critical, sole timeStamping EKU and checks the ESS
    signing-certificate(-v2) attribute (RFC 3161 §2.3, RFC 5816).
    """
    work.mkdir(parents=True, exist_ok=True)
    token_path = work / f"token-{digest.hex()[:12]}.der"
    token_path.write_bytes(token)
    return _run(
        [
            "openssl",
            "ts",
            "-verify",
            "-token_in",
            "-in",
            str(token_path),
            "-digest",
            digest.hex(),
            "-CAfile",
            str(root),
        ]
    )


def failed_ids(report: SignatureReport) -> set[str]:
    checks = [*report.format_checks]
    for signer in report.all_signers():
        checks.extend(signer.checks)
    return {c.id for c in checks if c.status is CheckStatus.FAILED}


def describe(report: SignatureReport) -> str:
    return report.to_json()


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsa(live_pki: TestPki) -> TimestampClient:
    return TimestampClient(live_pki.tsa_url, trust_roots=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def sources(live_pki: TestPki, tsa: TimestampClient) -> ValidationSources:
    return ValidationSources(
        tsa=tsa,
        trust_roots=[live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
    )


@pytest.fixture(scope="module")
def policy(live_pki: TestPki) -> ValidationPolicy:
    return ValidationPolicy(trust_anchors=[live_pki.root.certificate])


@pytest.fixture(scope="module")
def person(live_pki: TestPki) -> keys.SoftwareKey:
    return keys.load_pkcs12(live_pki.person.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def seal(live_pki: TestPki) -> keys.SoftwareKey:
    return keys.load_pkcs12(live_pki.seal.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="module")
def outputs(
    person: keys.SoftwareKey, seal: keys.SoftwareKey, sources: ValidationSources
) -> dict[str, bytes]:
    """Our signatures at every level the library writes (attached)."""
    epes = sign(CONTENT, person, profile=Profile.P4, mime_type="application/xml")
    xl = upgrade(epes, Level.XL, sources)
    sealed = upgrade(
        sign(CONTENT, seal, profile=Profile.P4, mime_type="application/xml"), Level.A, sources
    )
    serial = upgrade(countersign(xl, seal), Level.XL, sources)
    parallel = upgrade(
        add_parallel_signer(epes, seal, mime_type="application/xml"), Level.XL, sources
    )
    return {
        "bes": sign(CONTENT, person, profile=Profile.P1),
        "epes": epes,
        "xl": xl,
        "a": sealed,
        "a-renewed": upgrade(sealed, Level.A, sources),
        "xl-countersigned": serial,
        "xl-parallel": parallel,
    }


# --- our output → OpenSSL ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["bes", "epes", "xl", "a", "a-renewed", "xl-countersigned", "xl-parallel"]
)
def test_our_output_passes_openssl_cms_verify(
    outputs: dict[str, bytes],
    live_pki: TestPki,
    policy: ValidationPolicy,
    tmp_path: Path,
    name: str,
) -> None:
    proc = openssl_cms_verify(tmp_path, outputs[name], live_pki.ca_bundle_path)
    assert proc.returncode == 0, proc.stderr
    assert "Verification successful" in proc.stderr
    if name not in ("bes", "epes"):  # X-Long and A carry their own validation data: offline
        report = verify(outputs[name], policy=policy)
        assert report.indication is Indication.TOTAL_PASSED, describe(report)


def test_openssl_rejects_our_output_with_other_content(
    outputs: dict[str, bytes], live_pki: TestPki, tmp_path: Path
) -> None:
    tampered = outputs["xl"].replace(CONTENT, CONTENT[:-3] + b"X\r\n")
    assert tampered != outputs["xl"]
    proc = openssl_cms_verify(tmp_path, tampered, live_pki.ca_bundle_path)
    assert proc.returncode != 0
    assert "content verify error" in proc.stderr  # message-digest mismatch


def test_our_detached_xl_passes_openssl_with_content_only(
    person: keys.SoftwareKey, sources: ValidationSources, live_pki: TestPki, tmp_path: Path
) -> None:
    detached = sign(CONTENT, person, profile=Profile.P4, detached=True)
    xl = upgrade(detached, Level.XL, sources, content=CONTENT)
    proc = openssl_cms_verify(tmp_path / "ok", xl, live_pki.ca_bundle_path, content=CONTENT)
    assert proc.returncode == 0, proc.stderr
    wrong = openssl_cms_verify(
        tmp_path / "wrong", xl, live_pki.ca_bundle_path, content=CONTENT + b"\r\n"
    )
    assert wrong.returncode != 0


# --- time-stamp tokens → openssl ts -verify ------------------------------------------------


def test_live_tsa_token_verifies_with_openssl_ts(
    tsa: TimestampClient, live_pki: TestPki, tmp_path: Path
) -> None:
    digest = hashlib.sha256(b"openssl ts interop").digest()
    token = tsa.timestamp_digest(digest).token_der
    ok = openssl_ts_verify(tmp_path, token, digest, live_pki.root.cert_path)
    assert ok.returncode == 0, ok.stderr
    assert "Verification: OK" in ok.stdout
    other = openssl_ts_verify(
        tmp_path, token, hashlib.sha256(b"other").digest(), live_pki.root.cert_path
    )
    assert other.returncode != 0
    assert "message imprint mismatch" in other.stderr
    # Trusting only the qualified CA (not the TSA's root) must fail the chain.
    untrusted = openssl_ts_verify(tmp_path, token, digest, live_pki.qualified_ca.cert_path)
    assert untrusted.returncode != 0


def _tokens(
    signature: bytes, oid: str
) -> list[tuple[_view.SignedDataView, _view.SignerInfoView, bytes]]:
    """Every token of attribute ``oid`` of every signer, with the signer it belongs to."""
    view = _view.parse_signed_data(signature)
    found: list[tuple[_view.SignedDataView, _view.SignerInfoView, bytes]] = []
    for signer in view.all_signers():
        for attribute in signer.unsigned(oid):
            found.extend((view, signer, v.raw(view.buf)) for v in attribute.value_tlvs)
    return found


@pytest.mark.parametrize("name", ["xl", "a", "xl-countersigned"])
def test_signature_timestamps_in_our_output_verify_with_openssl_ts(
    outputs: dict[str, bytes], live_pki: TestPki, tmp_path: Path, name: str
) -> None:
    found = _tokens(outputs[name], Oid.SIGNATURE_TIME_STAMP)
    assert found
    for _, signer, token in found:
        digest = hashlib.sha256(signer.signature_value).digest()
        proc = openssl_ts_verify(tmp_path, token, digest, live_pki.root.cert_path)
        assert proc.returncode == 0, f"signer {signer.path}: {proc.stderr}"


def test_archive_timestamps_in_our_output_verify_with_openssl_ts(
    outputs: dict[str, bytes], live_pki: TestPki, tmp_path: Path
) -> None:
    """The ATSHashIndex spliced into the token's SignerInfo leaves the token valid (§3.9.1)."""
    found = _tokens(outputs["a-renewed"], Oid.ARCHIVE_TIME_STAMP_V3)
    assert len(found) == 2
    for view, signer, token in found:
        token_view = _view.parse_signed_data(token)
        index_attr = token_view.signers[0].unsigned(Oid.ATS_HASH_INDEX)
        assert len(index_attr) == 1
        index_der = index_attr[0].value_der()
        # The index fixes everything that changed later, so the imprint is computed on the
        # current bytes: eContent, the SignerInfo fields and the index (§3.9.1 step 4).
        imprint = _ats.ats_v3_imprint(view, signer, index_der, Oid.SHA256)
        proc = openssl_ts_verify(tmp_path, token, imprint, live_pki.root.cert_path)
        assert proc.returncode == 0, proc.stderr


# --- OpenSSL output → our verifier and upgrade ---------------------------------------------


@pytest.fixture(scope="module")
def openssl_bes(live_pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return openssl_sign(live_pki, tmp_path_factory.mktemp("openssl-bes"), CONTENT)


@pytest.fixture(scope="module")
def online_policy(live_pki: TestPki) -> ValidationPolicy:
    """A relying party that knows the issuing CA and may fetch OCSP/CRL (§4.1 online mode)."""
    return ValidationPolicy(
        trust_anchors=[live_pki.root.certificate],
        certificates=[live_pki.qualified_ca.certificate],
        offline=False,
    )


def test_openssl_bes_reads_as_p1_with_passed_crypto_checks(
    openssl_bes: bytes, policy: ValidationPolicy, online_policy: ValidationPolicy
) -> None:
    """No policy attribute: P1 / non-Turkish BES (§4.2 step 5), crypto checks all PASSED."""
    offline = verify(openssl_bes, policy=policy)
    signer = offline.signer("0")
    assert signer.profile in (None, Profile.P1)
    assert signer.level is Level.BES
    for check_id in ("BES-001", "BES-002", "BES-003", "BES-004", "BES-005"):
        assert signer.check(check_id).status is CheckStatus.PASSED, describe(offline)
    # Offline there is no revocation evidence at all: not a failure, just not decidable.
    assert offline.indication is Indication.INDETERMINATE, describe(offline)
    assert not failed_ids(offline), describe(offline)
    online = verify(openssl_bes, policy=online_policy)
    assert online.indication is Indication.TOTAL_PASSED, describe(online)


def test_openssl_bes_with_spliced_live_timestamp_reaches_t(
    openssl_bes: bytes, tsa: TimestampClient, online_policy: ValidationPolicy
) -> None:
    stamped = splice_signature_timestamp(openssl_bes, tsa)
    report = verify(stamped, policy=online_policy)
    assert report.indication is Indication.TOTAL_PASSED, describe(report)
    signer = report.signer("0")
    assert signer.level is Level.T, describe(report)
    for check_id in ("BES-002", "BES-003", "BES-004", "T-001", "T-002", "T-003"):
        assert signer.check(check_id).status is CheckStatus.PASSED, describe(report)
    assert signer.best_signature_time_source == "signature-time-stamp"
    assert [t.kind for t in signer.timestamps] == ["signature"]


@pytest.mark.parametrize("keyid", [False, True], ids=["issuer-serial", "subject-key-id"])
@pytest.mark.parametrize("level", [Level.XL, Level.A])
def test_openssl_bes_upgraded_by_us_verifies_everywhere(
    tsa: TimestampClient,
    sources: ValidationSources,
    policy: ValidationPolicy,
    live_pki: TestPki,
    tmp_path: Path,
    level: Level,
    keyid: bool,
) -> None:
    """OpenSSL BES (sid issuerAndSerialNumber or subjectKeyIdentifier) → T spliced → our upgrade."""
    bes = openssl_sign(live_pki, tmp_path / "sign", CONTENT, keyid=keyid)
    assert _view.parse_signed_data(bes).version == (3 if keyid else 1)
    stamped = splice_signature_timestamp(bes, tsa)
    upgraded = upgrade(stamped, level, sources)
    report = verify(upgraded, policy=policy)
    assert report.indication is Indication.TOTAL_PASSED, describe(report)
    assert report.signer("0").level is level
    # The signature-time-stamp we spliced is kept byte for byte (§3.11 rule 4).
    first_ts = _view.parse_signed_data(stamped).signers[0].unsigned(Oid.SIGNATURE_TIME_STAMP)[0]
    assert first_ts.der in upgraded
    proc = openssl_cms_verify(tmp_path / "openssl", upgraded, live_pki.ca_bundle_path)
    assert proc.returncode == 0, proc.stderr
    extra: tuple[str, ...] = (
        "signer 0 certificate-values = references",
        "signer 0 revocation-values = references",
    )
    if level is Level.A:
        extra += ("signer 0 ats-v3[0] imprint", "signer 0 ats-v3[0] index unsigned-attributes")
    result = bc_check(tmp_path / "bc", upgraded, trust=[live_pki.root.cert_path])
    assert_bc_passes(result, *checks_for("0", *BES_CHECKS), "signer 0 certificate chain", *extra)
