"""The main job, end to end on this machine (README's first command runs it).

Today: build a complete package from ``examples/package.yaml`` — Üstveri, ÜstYazı, signed and
unsigned Ekler, ParafÖzeti, PaketÖzeti, NihaiÜstveri, core, NihaiÖzet, every digest — then
inspect and verify it, make the per-recipient copy for the Ministry of Justice and verify that
copy for that recipient. Signing, sealing and encryption join as those features land; until
then the only findings allowed are the missing signatures.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from eyazisma.cli import main as cli
from eyp import EypPackage, recipient_copy, verify_package

HERE = Path(__file__).resolve().parent
#: The signature parts an unsigned draft lacks (e-signature and seal).
UNSIGNED_DRAFT_RULES = {"EYP-CMP-014", "EYP-CMP-015"}


def run(workdir: Path) -> int:
    package = workdir / "taslak.eyp"
    print("== 1. build (eyazisma create --spec examples/package.yaml)")
    if cli(["create", "--spec", str(HERE / "package.yaml"), "--out", str(package)]) != 0:
        return 1
    print("\n== 2. inspect")
    cli(["inspect", str(package)])
    print("\n== 3. verify structure and digests")
    report = verify_package(package)
    print(report.to_text())
    errors = {f.rule for f in report.errors()}
    if not errors <= UNSIGNED_DRAFT_RULES:
        print(f"demo FAILED: unexpected errors {sorted(errors - UNSIGNED_DRAFT_RULES)}")
        return 1
    with EypPackage(package) as opened:
        ustveri = opened.ustveri
        assert ustveri is not None
        kkk = ustveri.dagitim_listesi[0].party.kkk  # type: ignore[union-attr]
    copy = workdir / f"taslak-{kkk}.eyp"
    print(f"\n== 4. per-recipient copy for {kkk}")
    left_out = recipient_copy(package, copy, kkk)
    print(f"left out: {', '.join(left_out) or 'nothing'}")
    copy_report = verify_package(copy, recipient=kkk)
    copy_errors = {f.rule for f in copy_report.errors()}
    print(copy_report.to_text())
    if not copy_errors <= UNSIGNED_DRAFT_RULES:
        print(
            "demo FAILED: unexpected errors in the copy "
            f"{sorted(copy_errors - UNSIGNED_DRAFT_RULES)}"
        )
        return 1
    print(
        "\ndemo OK: every digest of the package and of the recipient copy verifies; "
        "the only open findings are the e-signature and the e-seal (not yet signed)."
    )
    return 0


def main() -> int:
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
        out.mkdir(parents=True, exist_ok=True)
        return run(out)
    with tempfile.TemporaryDirectory(prefix="eyazisma-demo-") as folder:
        return run(Path(folder))


if __name__ == "__main__":
    sys.exit(main())
