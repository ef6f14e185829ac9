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

from eyp import EypBuilder, verify_package
from eyp.model import (
    Dagitim,
    DagitimTuru,
    DogrulamaBilgisi,
    DotNetDateTime,
    Ek,
    EkTuru,
    GercekSahis,
    GuvenlikKodu,
    Imza,
    Ivedilik,
    Kisi,
    KurumKurulus,
    NihaiUstveri,
    Ustveri,
    new_guid,
)


def run(attachment: Path, out: Path) -> dict[str, float]:
    ustveri = Ustveri(
        belge_id=new_guid(),
        konu="Büyük ek",
        guvenlik_kodu=GuvenlikKodu.YOK,
        mime_turu="application/pdf",
        dagitim_listesi=(
            Dagitim(
                party=KurumKurulus(kkk="24301050"),
                ivedilik=Ivedilik.NRM,
                dagitim_turu=DagitimTuru.GRG,
            ),
        ),
        olusturan=KurumKurulus(kkk="82223362"),
        dosya_adi="ustyazi.pdf",
        dogrulama_bilgisi=DogrulamaBilgisi("https://www.turkiye.gov.tr/belge-dogrulama"),
    )
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
    nihai = NihaiUstveri(
        tarih=DotNetDateTime.now_local(),
        belge_no="1",
        belge_imzalar=(Imza(imzalayan=GercekSahis(kisi=Kisi(ilk_adi="A", soyadi="B"))),),
    )
    start = time.perf_counter()
    with builder.open(out) as session:
        session.paket_ozeti()
        session.add_nihai_ustveri(nihai, allow_unsigned=True)
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
