"""Benchmark: whole packages built, paraf-signed, e-signed and sealed with CAdES (issue 5).

Two figures, with software RSA-2048 keys and the local test TSA/OCSP/CRL services:

* packages/s for a small package (cover letter + one Ek): build + paraf (P4 X-L) + e-signature
  (P4 X-L) + NihaiÜstveri + e-seal (P4 CAdES-A) + save, then the same with verification;
* the time for the same flow with a 1 GiB attachment, next to the time of the plain
  build-and-hash of that package (no signatures) measured in the same run, so the ratio shows
  what signing adds on top of the unavoidable hashing.

Run: ``python benchmarks/bench_signing.py [--count N] [--size-mib M] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _bigfile import make_big_file  # noqa: E402

from cades.tsp import TimestampClient  # noqa: E402
from eyazisma.testing.packages import minimal_nihai_ustveri, minimal_ustveri  # noqa: E402
from eyazisma.testing.pki import PKCS12_PASSWORD  # noqa: E402
from eyazisma.testing.services import start_live_services  # noqa: E402
from eyp import EypBuilder, verify_package  # noqa: E402
from eyp.model import Ek, EkTuru, new_guid  # noqa: E402
from eyp.signing import SigningServices, paraf, seal, sign  # noqa: E402
from eyp.verify import SignatureTrust  # noqa: E402
from keys import SoftwareKey, load_pkcs12  # noqa: E402


def _builder(folder: Path, attachment: Path) -> EypBuilder:
    cover = folder / "ustyazi.pdf"
    if not cover.exists():
        cover.write_bytes(b"%PDF-1.4\n% cover\n" + b"x" * 20_000)
    ek = Ek(
        id=new_guid(),
        tur=EkTuru.DED,
        sira_no=1,
        dosya_adi=attachment.name,
        mime_turu="application/octet-stream",
        imzali_mi=True,
        ad="ek",
    )
    return EypBuilder(minimal_ustveri()).with_ust_yazi(cover).with_ek(ek, attachment)


def _signed(
    builder: EypBuilder,
    out: Path,
    person: SoftwareKey,
    sealer: SoftwareKey,
    services: SigningServices,
) -> None:
    with builder.open(out) as session:
        paraf(session, [person], services)
        sign(session, [person], services)
        seal(session, sealer, services, belge_no="E-1")
        session.save()


def _unsigned(builder: EypBuilder, out: Path) -> None:
    with builder.open(out) as session:
        session.paraf_ozeti()
        session.paket_ozeti()
        session.add_nihai_ustveri(minimal_nihai_ustveri(), allow_unsigned=True)
        session.nihai_ozet()
        session.save(allow_unsealed=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        services_process = start_live_services(tmp / "pki")
        try:
            pki = services_process.pki
            root = pki.root.certificate
            services = SigningServices(
                tsa=TimestampClient(services_process.tsa_url, trust_roots=[root]),
                trust_roots=[root],
            )
            trust = SignatureTrust(trust_anchors=[root])
            person = load_pkcs12(pki.person.p12_path, PKCS12_PASSWORD)
            sealer = load_pkcs12(pki.seal.p12_path, PKCS12_PASSWORD)
            small = tmp / "ek.txt"
            small.write_bytes(b"ek\n" * 10_000)
            _signed(_builder(tmp, small), tmp / "warm.eyp", person, sealer, services)
            start = time.perf_counter()
            for i in range(args.count):
                _signed(_builder(tmp, small), tmp / f"s{i}.eyp", person, sealer, services)
            build_s = time.perf_counter() - start
            start = time.perf_counter()
            for i in range(args.count):
                report = verify_package(tmp / f"s{i}.eyp", trust=trust)
                assert report.indication == "TOTAL_PASSED", report.to_text()
            verify_s = time.perf_counter() - start
            big = make_big_file(tmp / "big.bin", args.size_mib * 1024 * 1024)
            start = time.perf_counter()
            _unsigned(_builder(tmp, big), tmp / "plain.eyp")
            plain_s = time.perf_counter() - start
            (tmp / "plain.eyp").unlink()
            start = time.perf_counter()
            _signed(_builder(tmp, big), tmp / "big.eyp", person, sealer, services)
            big_s = time.perf_counter() - start
            start = time.perf_counter()
            big_report = verify_package(tmp / "big.eyp", trust=trust)
            big_verify_s = time.perf_counter() - start
            assert big_report.indication == "TOTAL_PASSED"
        finally:
            services_process.stop()
    result = {
        "small_packages_per_s": args.count / build_s,
        "small_verify_per_s": args.count / verify_s,
        "big_mib": args.size_mib,
        "big_signed_s": big_s,
        "big_unsigned_build_s": plain_s,
        "big_signed_vs_unsigned": big_s / plain_s,
        "big_verify_s": big_verify_s,
    }
    if args.json:
        print(json.dumps(result))
        return
    print("package build + paraf + e-signature + e-seal (software RSA-2048, local services)")
    print(f"  small package: {result['small_packages_per_s']:.1f} packages/s built and sealed")
    print(f"  small package: {result['small_verify_per_s']:.1f} packages/s verified (offline)")
    print(
        f"  {args.size_mib} MiB attachment: {big_s:.1f} s signed and sealed vs {plain_s:.1f} s "
        f"unsigned build in the same run ({big_s / plain_s:.2f}×); verify {big_verify_s:.1f} s"
    )


if __name__ == "__main__":
    main()
