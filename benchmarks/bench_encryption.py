"""Benchmark: streaming CMS encryption / decryption of a large file, ours vs ``openssl cms``.

    python benchmarks/bench_encryption.py [--size 1G] [--json]

Same machine, same run, same input (signatures.md §7.8: O(buffer) memory, multi-GB content):

* encrypt: ``openssl cms -encrypt -binary -stream -aes256`` (RSA-OAEP-SHA-256 recipient) vs
  ``encryption._writer.encrypt_stream`` (AES-256-CBC, RSA-OAEP-SHA-256, definite-length DER);
* decrypt: ``openssl cms -decrypt -binary -inform DER`` vs ``encryption._reader.decrypt_stream``,
  both on the envelope OpenSSL wrote (indefinite-length BER).

Every step runs in its own child process; wall time includes process start-up, and peak RSS is
the kernel's ``ru_maxrss`` of that child (``getrusage(RUSAGE_CHILDREN)`` in a small launcher).
Our rows are shown without fsync, like OpenSSL, and with the default fsync before the atomic
rename. Outputs are checked (SHA-256) outside the timed part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _bigfile import make_big_file  # noqa: E402

OAEP = [
    "-keyopt", "rsa_padding_mode:oaep",
    "-keyopt", "rsa_oaep_md:sha256",
    "-keyopt", "rsa_mgf1_md:sha256",
]  # fmt: skip


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def make_identity(folder: Path) -> tuple[Path, Path]:
    """An RSA-2048 keyEncipherment certificate and its PEM key (no PKI needed here)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench encryption")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.KeyUsage(False, False, True, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


# Runs the command as its own child and reports that child's wall time and peak RSS. The extra
# hop matters: a child forked from this (large) process inherits its RSS high-water mark in
# ru_maxrss, while a grandchild forked from this small launcher starts from the launcher's.
_LAUNCHER = """
import json, os, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "seconds": seconds, "maxrss_kib": usage.ru_maxrss}))
"""


def run_child(command: list[str]) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, peak RSS in MB of that process alone)."""
    result = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"launcher failed: {result.stderr.strip()}")
    report = json.loads(result.stdout)
    if report["code"]:
        raise SystemExit(f"{command[0]} failed ({report['code']}): {result.stderr.strip()}")
    return float(report["seconds"]), report["maxrss_kib"] / 1024


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def child_main(args: list[str]) -> None:
    """``--child encrypt|decrypt SRC DST KEY CERT DURABLE``: one operation, nothing else."""
    from cryptography import x509

    import keys
    from encryption._reader import decrypt_stream
    from encryption._writer import encrypt_stream

    operation, source, target, key_path, cert_path, durable = args
    if operation == "encrypt":
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
        encrypt_stream(Path(source), Path(target), [cert], durable=durable == "1")
    else:
        key = keys.load_pem(Path(key_path), Path(cert_path))
        decrypt_stream(Path(source), Path(target), key, durable=durable == "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="content size, e.g. 512M or 1G (default)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child_main(options.child)
        return
    size = parse_size(options.size)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(
        dir=HERE.parent if (HERE.parent / ".venv").exists() else None
    ) as folder:
        tmp = Path(folder)
        key_path, cert_path = make_identity(tmp)
        plain = make_big_file(tmp / "inner.eyp", size)
        expected = sha256(plain)  # also warms the page cache like the runs below
        ossl_env, ours_env = tmp / "openssl.p7m", tmp / "ours.p7m"
        out = tmp / "out.eyp"

        def row(step: str, peer: str, command: list[str], check: Path | None = None) -> None:
            seconds, rss = run_child(command)
            if check is not None:
                if sha256(check) != expected:
                    raise SystemExit(f"{step}: decrypted output differs from the input")
                check.unlink()
            rows.append({"step": step, "tool": peer, "seconds": seconds, "peak_rss_mb": rss})

        row(
            "encrypt", "openssl",
            ["openssl", "cms", "-encrypt", "-binary", "-stream", "-aes256", "-in", str(plain),
             "-outform", "DER", "-out", str(ossl_env), "-recip", str(cert_path), *OAEP],
        )  # fmt: skip
        row(
            "encrypt",
            "eyazisma",
            [*me, "encrypt", str(plain), str(ours_env), "-", str(cert_path), "0"],
        )
        ours_env.unlink()
        row(
            "encrypt", "eyazisma+fsync",
            [*me, "encrypt", str(plain), str(ours_env), "-", str(cert_path), "1"],
        )  # fmt: skip
        row(
            "decrypt", "openssl",
            ["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(ossl_env),
             "-inkey", str(key_path), "-recip", str(cert_path), "-out", str(out)],
            out,
        )  # fmt: skip
        decrypt = [*me, "decrypt", str(ossl_env), str(out), str(key_path), str(cert_path)]
        row("decrypt", "eyazisma", [*decrypt, "0"], out)
        row("decrypt", "eyazisma+fsync", [*decrypt, "1"], out)
        # Our own DER envelope must open with OpenSSL too (correctness, not timed).
        check = subprocess.run(
            ["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(ours_env),
             "-inkey", str(key_path), "-recip", str(cert_path), "-out", str(out)],
            capture_output=True, check=False,
        )  # fmt: skip
        if check.returncode or sha256(out) != expected:
            raise SystemExit("OpenSSL could not decrypt our envelope")
    baseline = {r["step"]: r["seconds"] for r in rows if r["tool"] == "openssl"}
    for r in rows:
        r["mb_per_s"] = size / 1e6 / float(r["seconds"])  # type: ignore[arg-type]
        r["ratio_to_openssl"] = float(r["seconds"]) / float(baseline[str(r["step"])])  # type: ignore[arg-type]
    if options.json:
        print(json.dumps({"size_bytes": size, "rows": rows}, indent=2))
        return
    print(f"CMS envelope, {size / (1 << 20):.0f} MiB content, AES-256-CBC, RSA-OAEP-SHA-256")
    print(f"{'step':8} {'tool':16} {'seconds':>8} {'MB/s':>8} {'× openssl':>10} {'peak RSS':>10}")
    for r in rows:
        print(
            f"{r['step']:8} {r['tool']:16} {r['seconds']:8.2f} {r['mb_per_s']:8.0f} "
            f"{r['ratio_to_openssl']:10.2f} {r['peak_rss_mb']:8.0f} MB"
        )


if __name__ == "__main__":
    main()
