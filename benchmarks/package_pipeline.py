"""Build + verify one package with a large attachment; print timings and peak RSS as JSON.

Used by ``bench_package.py`` and by the streaming test (run as a child process so that its peak
RSS is its own).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eyazisma.testing.packages import minimal_nihai_ustveri, minimal_ustveri
from eyp import EypBuilder, verify_package
from eyp.model import Ek, EkTuru, new_guid


def run(attachment: Path, out: Path) -> dict[str, float]:
    ustveri = minimal_ustveri("Büyük ek")
    ek = Ek(
        id=new_guid(),
        tur=EkTuru.DED,
        sira_no=1,
        dosya_adi=attachment.name,
        mime_turu="application/octet-stream",
        imzali_mi=True,
    )
    builder = (
        EypBuilder(ustveri)
        .with_ust_yazi(b"%PDF-1.4 small cover letter", file_name="ustyazi.pdf")
        .with_ek(ek, attachment)
    )
    start = time.perf_counter()
    with builder.open(out) as session:
        session.paket_ozeti()
        session.add_nihai_ustveri(minimal_nihai_ustveri(), allow_unsigned=True)
        session.nihai_ozet()
        session.save(allow_unsealed=True)
    built = time.perf_counter()
    report = verify_package(out)
    verified = time.perf_counter()
    digest_errors = [f.rule for f in report.findings if f.rule.startswith("EYP-DIG")]
    return {
        "build_s": built - start,
        "verify_s": verified - built,
        "digest_errors": len(digest_errors),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
