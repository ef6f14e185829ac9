"""CAdES signatures per second: BES, X-Long and A, and pyHanko's CMS signing, in the same run.

    python benchmarks/bench_cades.py [--n 200] [--n-net 20] [--size 4096] [--json]

Setup: the test PKI's person key (software RSA-2048 from its PKCS#12 file) and the local TSA /
OCSP / CRL services (``eyazisma.testing.services``) on 127.0.0.1, started in a temp directory.

Rows:

* **ours BES** — ``cades.sign(..., profile=P1)``: attached, signed attributes content-type,
  message-digest, signing-time, signing-certificate-v2, mime-type. ``sign`` re-parses and
  re-verifies its own output before returning it (signatures.md §3.11 rule 7), which is part of
  the measured time.
* **pyHanko BES** — ``SimpleSigner.async_sign_general_data(content, "sha256", detached=False,
  use_cades=True)`` with the same key and certificate: content-type, message-digest,
  signing-time, signing-certificate-v2, CMS algorithm protection; no self-check. All calls run
  inside one event loop so ``asyncio.run`` overhead is not measured.
* **pyHanko BES, key pre-loaded** — the same, but ``async_sign_raw`` signs with a key object
  loaded once: stock ``SimpleSigner.sign_raw`` re-loads the private key from DER (with RSA
  key validation, ~40 ms here) on every signature, which dominates its time. This row isolates
  the CMS assembly cost; both ratios are printed.
* **bound** — one bare RSA-2048 PKCS#1 v1.5 signature with ``cryptography``: no signature
  can be made faster than this with this key.
* **ours X-Long / A** — ``sign`` then ``upgrade(to=XL / A)``: one (XL) or two (A) time-stamps
  plus OCSP (signer) and CRLs (CA) from the local services over HTTP, each verified before use,
  and the self-check of the result. pyHanko has no general CMS CAdES-XL/A path, so these rows
  have no peer; they show what the network round trips cost relative to BES.

The ratio printed is ours / pyHanko in signatures per second (> 1: we are faster).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign.signers import SimpleSigner

from cades import Level, Profile, ValidationSources, sign, upgrade
from cades.tsp import TimestampClient
from eyazisma.testing.pki import PKCS12_PASSWORD
from eyazisma.testing.services import start_live_services
from keys import load_pkcs12


class _PreloadedKeySigner(SimpleSigner):
    """pyHanko's SimpleSigner with the RSA key loaded once (PKCS#1 v1.5, as for this key)."""

    def __init__(self, base: Any) -> None:
        super().__init__(
            signing_cert=base.signing_cert,
            signing_key=base.signing_key,
            cert_registry=base.cert_registry,
        )
        key = serialization.load_der_private_key(base.signing_key.dump(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._loaded_key = key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        assert digest_algorithm == "sha256"
        return self._loaded_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _rate(n: int, fn: Callable[[], object]) -> float:
    fn()  # warm-up (also checks that the path works before timing it)
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def _pyhanko_rate(n: int, signer: Any, content: bytes) -> float:
    async def run() -> float:
        async def once() -> object:
            return await signer.async_sign_general_data(
                content, "sha256", detached=False, use_cades=True
            )

        await once()  # warm-up
        start = time.perf_counter()
        for _ in range(n):
            await once()
        return n / (time.perf_counter() - start)

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="signatures per BES measurement")
    parser.add_argument("--n-net", type=int, default=20, help="signatures per XL/A measurement")
    parser.add_argument("--size", type=int, default=4096, help="content size in bytes")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args, _unknown = parser.parse_known_args()  # run_all.py may pass its own flags

    content = bytes(range(256)) * (args.size // 256) + b"x" * (args.size % 256)
    with tempfile.TemporaryDirectory(prefix="bench-cades-") as folder:
        services = start_live_services(Path(folder))
        try:
            pki = services.pki
            key = load_pkcs12(pki.person.p12_path, PKCS12_PASSWORD)
            peer = SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
                str(pki.person.p12_path), passphrase=PKCS12_PASSWORD.encode()
            )
            roots = [pki.root.certificate]
            sources = ValidationSources(
                tsa=TimestampClient(services.tsa_url, trust_roots=roots),
                trust_roots=roots,
                certificates=[pki.qualified_ca.certificate],
            )

            def bes() -> bytes:
                return sign(content, key, profile=Profile.P1)

            def xl() -> bytes:
                return upgrade(sign(content, key, profile=Profile.P4), Level.XL, sources)

            def archive() -> bytes:
                return upgrade(sign(content, key, profile=Profile.P4), Level.A, sources)

            raw_key = pki.person.key
            assert isinstance(raw_key, rsa.RSAPrivateKey)
            bound = _rate(
                args.n,
                lambda: raw_key.sign(content[:200], padding.PKCS1v15(), hashes.SHA256()),
            )
            ours_bes = _rate(args.n, bes)
            pyhanko_bes = _pyhanko_rate(args.n, peer, content)
            pyhanko_fast = _pyhanko_rate(args.n, _PreloadedKeySigner(peer), content)
            ours_xl = _rate(args.n_net, xl)
            ours_a = _rate(args.n_net, archive)
            sizes = {"BES": len(bes()), "X-L": len(xl()), "A": len(archive())}
        finally:
            services.stop()

    results = {
        "content_bytes": args.size,
        "key": "RSA-2048 (software, PKCS#12)",
        "bound_raw_rsa_sign_per_s": round(bound, 1),
        "ours_bes_per_s": round(ours_bes, 1),
        "pyhanko_bes_per_s": round(pyhanko_bes, 1),
        "ratio_bes_ours_over_pyhanko": round(ours_bes / pyhanko_bes, 3),
        "pyhanko_preloaded_key_bes_per_s": round(pyhanko_fast, 1),
        "ratio_bes_ours_over_pyhanko_preloaded_key": round(ours_bes / pyhanko_fast, 3),
        "ours_xl_per_s": round(ours_xl, 2),
        "ours_a_per_s": round(ours_a, 2),
        "signature_bytes": sizes,
        "n": args.n,
        "n_net": args.n_net,
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"CAdES signing, {args.size}-byte content, RSA-2048 software key, local TSA/OCSP/CRL "
        f"({args.n} BES / {args.n_net} XL, A signatures per cell)"
    )
    print(f"{'row':<28} {'sig/s':>9} {'ratio':>7} {'bytes':>7}")
    print(f"{'bound: raw RSA-2048 sign':<28} {bound:9.1f} {'':>7} {'':>7}")
    print(f"{'pyHanko BES (peer)':<28} {pyhanko_bes:9.1f} {1.0:7.2f} {'':>7}")
    print(f"{'pyHanko BES, key loaded once':<28} {pyhanko_fast:9.1f} {'':>7} {'':>7}")
    print(f"{'eyazisma BES':<28} {ours_bes:9.1f} {ours_bes / pyhanko_bes:7.2f} {sizes['BES']:7}")
    print(f"{'  ratio vs key loaded once':<28} {'':>9} {ours_bes / pyhanko_fast:7.2f} {'':>7}")
    print(f"{'eyazisma X-Long':<28} {ours_xl:9.2f} {'-':>7} {sizes['X-L']:7}")
    print(f"{'eyazisma A':<28} {ours_a:9.2f} {'-':>7} {sizes['A']:7}")
    print("ratio = ours / pyHanko, signatures per second (> 1: eyazisma faster)")


if __name__ == "__main__":
    main()
