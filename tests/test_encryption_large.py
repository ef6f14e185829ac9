"""A 3 GiB round trip in constant memory (signatures.md §7.8: multi-GB packages, O(buffer)).

The work runs in a worker process started by a small launcher that reports
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, i.e. the worker's own peak RSS. (A process forked
directly from pytest would inherit pytest's RSS high-water mark in ``ru_maxrss``.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from eyazisma.testing.pki import TestPki

SIZE = 3 << 30
MAX_RSS_MB = 200

CHILD = textwrap.dedent(
    """
    import hashlib, json, os, sys, time
    from pathlib import Path

    import keys
    from cryptography import x509
    from encryption._reader import decrypt_stream
    from encryption._writer import encrypt_stream

    size, folder, report = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[6])
    p12, password, cert = Path(sys.argv[3]), sys.argv[4], Path(sys.argv[5])
    recipient = x509.load_pem_x509_certificate(cert.read_bytes())
    plain, envelope, output = folder / "big.eyp", folder / "big.p7m", folder / "big.out"

    # Plaintext: a pseudo-random 1 MiB block, each copy stamped with its index.
    block = bytearray(os.urandom(1 << 20))
    digest = hashlib.sha256()
    with plain.open("wb") as out:
        for index in range(size >> 20):
            block[:8] = index.to_bytes(8, "big")
            digest.update(block)
            out.write(block)
    timings = {}
    start = time.perf_counter()
    info = encrypt_stream(plain, envelope, [recipient])
    timings["encrypt_s"] = time.perf_counter() - start
    plain.unlink()
    key = keys.load_pkcs12(p12, password)
    start = time.perf_counter()
    result = decrypt_stream(envelope, output, key)
    timings["decrypt_s"] = time.perf_counter() - start
    envelope.unlink()
    check = hashlib.sha256()
    with output.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            check.update(chunk)
    output.unlink()
    report.write_text(json.dumps({
        **timings,
        "definite": info.definite_length,
        "ciphertext": info.encrypted_content_length,
        "plaintext": result.plaintext_length,
        "same": check.digest() == digest.digest(),
    }))
    """
)

LAUNCHER = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    code = subprocess.run(sys.argv[1:]).returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"code": code, "maxrss_kib": usage.ru_maxrss}))
    """
)


@pytest.mark.slow
def test_three_gib_round_trip_in_constant_memory(live_pki: TestPki, tmp_path: Path) -> None:
    from eyazisma.testing.pki import PKCS12_PASSWORD

    report = tmp_path / "report.json"
    started = time.perf_counter()
    launched = subprocess.run(
        [
            sys.executable, "-c", LAUNCHER,
            sys.executable, "-c", CHILD, str(SIZE), str(tmp_path),
            str(live_pki.enc_rsa.p12_path), PKCS12_PASSWORD, str(live_pki.enc_rsa.cert_path),
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert launched.returncode == 0, launched.stderr
    usage = json.loads(launched.stdout)
    assert usage["code"] == 0, launched.stderr
    result = json.loads(report.read_text())
    assert result["same"] is True
    assert result["plaintext"] == SIZE
    assert result["ciphertext"] == SIZE + 16
    assert result["definite"] is True
    peak_mb = usage["maxrss_kib"] / 1024  # Linux reports KiB
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    print(
        f"3 GiB: encrypt {result['encrypt_s']:.1f} s, decrypt {result['decrypt_s']:.1f} s, "
        f"peak RSS {peak_mb:.0f} MB, total {elapsed:.0f} s"
    )
