"""Thread-safe signing on SoftHSM2 (signatures.md §6.8): 2 threads × 500 signatures, no failure,
every signature verified; the serialised mode (no OS locking, one lock per module) in a fresh
process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from fixtures_keys import SoftHsmTokens

from keys import SignatureMechanism
from keys.pkcs11 import Pkcs11Module, open_token

pytestmark = pytest.mark.softhsm

THREADS = 2
PER_THREAD = 500


@pytest.mark.parametrize(
    ("key_id", "mechanism"),
    [(b"\x01", SignatureMechanism.RSA_PKCS1_SHA256), (b"\x02", SignatureMechanism.ECDSA_SHA256)],
)
def test_two_threads_500_signatures_each(
    softhsm_module: Pkcs11Module,
    softhsm_tokens: SoftHsmTokens,
    key_id: bytes,
    mechanism: SignatureMechanism,
) -> None:
    token = open_token(softhsm_module, label=softhsm_tokens.main.label)
    results: dict[int, list[tuple[bytes, bytes]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    with token.open_key(key_id, lambda info: "1234", pool_size=THREADS) as key:

        def worker(n: int) -> None:
            out: list[tuple[bytes, bytes]] = []
            try:
                start.wait()
                for i in range(PER_THREAD):
                    data = f"thread {n} signature {i}".encode()
                    out.append((data, key.sign(data, mechanism)))
            except BaseException as exc:
                errors.append(exc)
            results[n] = out

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert key._created == THREADS - 1 or key._created == THREADS  # a real pool was used
        public = key.certificate.public_key()
    total = 0
    for out in results.values():
        assert len(out) == PER_THREAD
        for data, signature in out:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                assert isinstance(public, ec.EllipticCurvePublicKey)
                public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            total += 1
    assert total == THREADS * PER_THREAD


def test_serialised_mode_without_os_locking(softhsm_tokens: SoftHsmTokens) -> None:
    # A fresh process, forced into the C_Initialize(NULL) mode older AKİS modules need: all calls
    # go through the module lock, the pool has one session, threads still never fail.
    script = textwrap.dedent(
        f"""
        import threading
        from keys import SignatureMechanism
        from keys.pkcs11 import InitMode, load_module, open_token
        module = load_module({softhsm_tokens.module_path!r}, os_locking=False)
        assert module.init_mode is InitMode.SERIALIZED, module.init_mode
        token = open_token(module, label="keys-main")
        key = token.open_key(b"\\x02", lambda info: "1234")
        assert key._pool_size == 1
        errors = []
        def work():
            try:
                for i in range(200):
                    key.sign(b"x%d" % i, SignatureMechanism.ECDSA_SHA256)
            except BaseException as exc:
                errors.append(repr(exc))
        threads = [threading.Thread(target=work) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        key.close()
        print("errors", len(errors), errors[:2])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=softhsm_tokens.main.environ(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "errors 0 []" in done.stdout
