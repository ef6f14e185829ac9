"""Sign rate on SoftHSM2 through ``keys`` vs raw python-pkcs11, measured in the same run.

    python benchmarks/bench_keys.py [--n 2000] [--threads 4]

Both paths use the same module, token, key and token mechanism:

* RSA-2048: ``CKM_SHA256_RSA_PKCS`` over 200 bytes;
* P-256: host SHA-256 + ``CKM_ECDSA`` (SoftHSM2 has no ``CKM_ECDSA_SHA256``); ``keys`` also
  converts ``r ‖ s`` to DER.

``keys`` rows are shown with the default host verification of every signature against the
certificate (signatures.md §6.6) and without it (``verify_signatures=False``), plus a
multi-threaded row (OS-locking mode, session pool).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pkcs11 import Mechanism, ObjectClass

from eyazisma.testing.softhsm import SoftHsmEnvironment
from keys import SignatureMechanism
from keys.pkcs11 import Pkcs11Key, TokenInfo, load_module, open_token

PIN = "1234"
DATA = b"\x31" + bytes(range(199))


def _cert(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def _pin(info: TokenInfo) -> str:
    return PIN


def _signer(key: Pkcs11Key, mechanism: SignatureMechanism) -> Callable[[], bytes]:
    def sign() -> bytes:
        return key.sign(DATA, mechanism)

    return sign


def _rate(n: int, fn: Callable[[], object]) -> float:
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def _threaded_rate(n: int, threads: int, fn: Callable[[], object]) -> float:
    per = max(1, n // threads)
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(per):
            fn()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return per * threads / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="signatures per measurement")
    parser.add_argument("--threads", type=int, default=4, help="threads for the pooled row")
    args, _unknown = parser.parse_known_args()  # run_all.py may pass its own flags

    env = SoftHsmEnvironment()
    try:
        env.activate()
        token_info = env.create_token("bench", user_pin=PIN)
        keys_: dict[str, tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, bytes]] = {
            "RSA-2048": (rsa.generate_private_key(65537, 2048), b"\x01"),
            "P-256": (ec.generate_private_key(ec.SECP256R1()), b"\x02"),
        }
        for label, (key, key_id) in keys_.items():
            env.import_key(token_info, key, _cert(key), key_id=key_id, label=label)

        module = load_module(env.module_path)
        token = open_token(module, label="bench")
        raw_token = pkcs11.lib(env.module_path).get_token(token_label="bench")
        raw_session = raw_token.open(user_pin=PIN)

        rows: list[tuple[str, float, float, float, float]] = []
        for label, (_key, key_id) in keys_.items():
            raw_key = raw_session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
            if label.startswith("RSA"):
                mech = SignatureMechanism.RSA_PKCS1_SHA256

                def raw_sign(k: object = raw_key) -> bytes:
                    return k.sign(DATA, mechanism=Mechanism.SHA256_RSA_PKCS)  # type: ignore[attr-defined,no-any-return]

            else:
                mech = SignatureMechanism.ECDSA_SHA256

                def raw_sign(k: object = raw_key) -> bytes:
                    digest = hashlib.sha256(DATA).digest()
                    return k.sign(digest, mechanism=Mechanism.ECDSA)  # type: ignore[attr-defined,no-any-return]

            raw = _rate(args.n, raw_sign)
            with token.open_key(key_id, _pin) as ours:
                checked = _rate(args.n, _signer(ours, mech))
            with token.open_key(key_id, _pin, verify_signatures=False) as ours:
                unchecked = _rate(args.n, _signer(ours, mech))
            with token.open_key(key_id, _pin, pool_size=args.threads) as ours:
                threaded = _threaded_rate(args.n, args.threads, _signer(ours, mech))
            rows.append((label, raw, checked, unchecked, threaded))
        raw_session.close()
    finally:
        env.cleanup()

    print(f"SoftHSM2 sign rate, {args.n} signatures per cell, init mode {module.init_mode.value}")
    header = (
        f"{'key':<9} {'raw p11/s':>10} {'keys/s':>9} {'ratio':>6} "
        f"{'keys noverify/s':>16} {'ratio':>6} {f'keys {args.threads} thr/s':>14}"
    )
    print(header)
    print("-" * len(header))
    for label, raw, checked, unchecked, threaded in rows:
        print(
            f"{label:<9} {raw:>10.0f} {checked:>9.0f} {checked / raw:>6.2f} "
            f"{unchecked:>16.0f} {unchecked / raw:>6.2f} {threaded:>14.0f}"
        )


if __name__ == "__main__":
    main()
