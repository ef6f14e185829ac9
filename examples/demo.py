"""The main job, end to end on this machine (README's first command runs it).

Everything runs locally: a test PKI (root, qualified CA, person, institution e-seal and
encryption certificates, TSA, OCSP responder, CRLs) with its TSA/OCSP/CRL services on
127.0.0.1, and a SoftHSM2 token holding the person's signing key (the "smart card") and the
institution's seal and decryption keys (the "HSM"). The flow uses the command line:

1. ``eyazisma create --draft``   content (Üstveri, ÜstYazı, Ekler) from examples/package.yaml
2. ``eyazisma sign --paraf``     paraf signature, P4 CAdES X-Long, on the token
3. ``eyazisma sign``             e-signature, P4 CAdES X-Long, on the token
4. ``eyazisma seal``             NihaiÜstveri + NihaiÖzet + e-seal, P4 CAdES-A, on the token
5. ``eyazisma verify``           structure, digests and every signature, offline
6. ``eyazisma encrypt``          .eyps for the recipient institution (and the sender's copy)
7. ``eyazisma decrypt``          with the institution's key on the token; verifies the inner package

The test token's PIN is handed over in ``$EYAZISMA_PIN`` (a test value; real PINs are typed
at the prompt). Nothing here talks to a real Kamu SM service.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from eyazisma.cli import main as cli
from eyazisma.testing.licences import write_test_licence
from eyazisma.testing.services import LiveServices, start_live_services
from eyazisma.testing.softhsm import SoftHsmEnvironment, SoftHsmToken
from eyp import EypPackage, verify_package
from eyp.verify import SignatureTrust

HERE = Path(__file__).resolve().parent
TOKEN_LABEL = "eyazisma-demo"
DEMO_PIN = "1234"  # the throw-away test token's PIN
BELGE_NO = "E-82223362-010-1"


def _step(title: str, argv: Sequence[str]) -> None:
    print(f"\n== {title}\n$ eyazisma {' '.join(argv)}")
    code = cli(list(argv))
    if code != 0:
        raise SystemExit(f"demo FAILED: 'eyazisma {argv[0]}' exited with {code}")


def run(workdir: Path, services: LiveServices, token: SoftHsmToken) -> int:
    pki = services.pki
    root = str(pki.root.cert_path)
    uri = f"pkcs11:token={TOKEN_LABEL};id=%{{key}}?module-path={token.module_path}"
    common = ["--tsa", services.tsa_url, "--trust", root]
    draft = workdir / "taslak.eyp"
    _step(
        "1. content",
        ["create", "--spec", str(HERE / "package.yaml"), "--draft", "--out", str(draft)],
    )
    _step("2. paraf", ["sign", str(draft), "--paraf", "--key", uri.format(key="01"), *common])
    _step("3. e-signature", ["sign", str(draft), "--key", uri.format(key="01"), *common])
    with EypPackage(draft) as opened:
        belge_id = opened.belge_id
    package = workdir / f"{belge_id}.eyp"
    _step(
        "4. NihaiÜstveri + e-seal",
        [
            "seal",
            str(draft),
            "--belge-no",
            BELGE_NO,
            "--out",
            str(package),
            "--key",
            uri.format(key="02"),
            *common,
        ],
    )
    _step("5. verify (offline, embedded data)", ["verify", str(package), "--trust", root])
    trust = SignatureTrust(trust_anchors=[pki.root.certificate])
    report = verify_package(package, trust=trust)
    if report.indication != "TOTAL_PASSED":
        print(f"demo FAILED: the sealed package is {report.indication}")
        return 1
    licence = write_test_licence(workdir / "test-licence.xml")
    encrypted = workdir / f"{belge_id}.eyps"
    _step(
        "6. encrypt for the recipient (RSA) and the sender's own copy (EC); test licence",
        [
            "encrypt",
            str(package),
            "--to",
            str(pki.enc_rsa.cert_path),
            "--sender",
            str(pki.enc_ec.cert_path),
            "--out",
            str(encrypted),
            "--license",
            str(licence),
        ],
    )
    opened = workdir / "acilan.eyp"
    _step(
        "7. decrypt with the institution's key on the token, then verify what came out",
        [
            "decrypt",
            str(encrypted),
            "--key",
            uri.format(key="03"),
            "--out",
            str(opened),
            "--trust",
            root,
            "--license",
            str(licence),
        ],
    )
    final = verify_package(opened, trust=trust)
    if final.indication != "TOTAL_PASSED" or opened.read_bytes() != package.read_bytes():
        print(f"demo FAILED: the decrypted package is {final.indication}")
        return 1
    print(
        f"\ndemo OK: {package.name} was signed and sealed on the token, encrypted, decrypted "
        f"with the token's key and verifies {final.indication}."
    )
    return 0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="eyazisma-demo-") as folder:
        base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(folder)
        base.mkdir(parents=True, exist_ok=True)
        print("== 0. test PKI, local TSA/OCSP/CRL services and a SoftHSM2 token")
        env = SoftHsmEnvironment(base / "softhsm")
        services = start_live_services(base / "pki")
        try:
            # person key 01 (paraf, e-signature), seal key 02, decryption keys 03 (RSA), 05 (EC)
            token = env.create_pki_token(TOKEN_LABEL, services.pki, user_pin=DEMO_PIN)
            env.activate()  # before the first load of the module in this process
            os.environ["EYAZISMA_PIN"] = DEMO_PIN
            print(f"   TSA {services.tsa_url}, OCSP {services.ocsp_url}, token {TOKEN_LABEL!r}")
            work = base / "work"
            work.mkdir(exist_ok=True)
            return run(work, services, token)
        finally:
            services.stop()


if __name__ == "__main__":
    sys.exit(main())
