"""Every XML component of every sample package parses and re-serializes byte-identically
(spec/eyp.md §2.2, §5; samples/README.md). Nested packages (the .eypg's OrijinalPaket and the
.eyps' SifreliIcerik, which the samples store unencrypted) are opened too.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from eyp.errors import ModelError
from eyp.model import (
    BelgeHedef,
    BelgeImza,
    CoreProperties,
    DigestAlgorithm,
    EkTuru,
    Generation,
    GuncellemeBilgisi,
    GuncellemeTuru,
    GuvenlikKodu,
    Ivedilik,
    KurumKurulus,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    NsStyle,
    RawText,
    SifreliIcerikBilgisi,
    TuzelSahis,
    Ustveri,
)

SAMPLES = Path("/work/shared/samples")
OFFICIAL = ("20250512142310.eyp", "20250512142310.eyps", "20250512142310.eypg")

Component = (
    Ustveri
    | NihaiUstveri
    | Manifest
    | BelgeHedef
    | BelgeImza
    | SifreliIcerikBilgisi
    | GuncellemeBilgisi
    | CoreProperties
)


def _component(part: str, data: bytes) -> Component | None:
    folder = part.split("/")[1]
    if part.endswith(".psmdcp"):
        return CoreProperties.from_xml(data, part=part)
    readers: dict[str, Callable[..., Component]] = {
        "Ustveri": Ustveri.from_xml,
        "NihaiUstveri": NihaiUstveri.from_xml,
        "ParafOzeti": Manifest.from_xml,
        "PaketOzeti": Manifest.from_xml,
        "NihaiOzet": Manifest.from_xml,
        "BelgeHedef": BelgeHedef.from_xml,
        "SifreliIcerikBilgisi": SifreliIcerikBilgisi.from_xml,
        "GuncellemeBilgisi": GuncellemeBilgisi.from_xml,
    }
    if part == "/Imzalar/BelgeImza.xml":
        return BelgeImza.from_xml(data, part=part)
    if folder in readers and part.endswith(".xml") and "/_rels/" not in part:
        model: Component = readers[folder](data, part=part)
        return model
    return None


def _parts(label: str, data: bytes) -> Iterator[tuple[str, str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            body = z.read(name)
            if body.startswith(b"PK\x03\x04"):
                yield from _parts(f"{label}!/{name}", body)
            else:
                yield label, "/" + name, body


def _all_parts() -> list[tuple[str, str, bytes]]:
    out: list[tuple[str, str, bytes]] = []
    for path in sorted(SAMPLES.rglob("*.eyp*")):
        out.extend(_parts(str(path.relative_to(SAMPLES)), path.read_bytes()))
    return out


ALL_PARTS = _all_parts()
COMPONENT_PARTS = [p for p in ALL_PARTS if _component(p[1], p[2]) is not None]


def test_corpus_is_complete() -> None:
    """Guard against an empty parametrization silently passing."""
    assert len({label.split("!")[0] for label, _, _ in ALL_PARTS}) == 10
    assert len(COMPONENT_PARTS) >= 60


@pytest.mark.parametrize(
    ("label", "part", "data"),
    COMPONENT_PARTS,
    ids=[f"{label}:{part}" for label, part, _ in COMPONENT_PARTS],
)
def test_parse_and_reserialize_identically(label: str, part: str, data: bytes) -> None:
    model = _component(part, data)
    assert model is not None
    assert model.to_xml() == data
    if label.startswith(OFFICIAL) and "earlybuild" not in label:
        assert model.problems() == ()


def _read(sample: str, part: str) -> bytes:
    with zipfile.ZipFile(SAMPLES / sample) as z:
        return z.read(part.lstrip("/"))


def test_official_ustveri_values() -> None:
    u = Ustveri.from_xml(_read("20250512142310.eyp", "Ustveri/Ustveri.xml"))
    assert u.generation is Generation.V2
    assert u.style is NsStyle.PER_CHILD
    assert u.belge_id == "4F9E2E9B-F4E6-4428-8F99-2E0A0D1D42D9"
    assert u.guvenlik_kodu is GuvenlikKodu.HZO
    assert [e.tur for e in u.ekler] == [EkTuru.DED, EkTuru.HRF, EkTuru.FZK, EkTuru.DED, EkTuru.DED]
    hrf = u.ekler[1]
    assert hrf.ozet is not None
    assert hrf.ozet.algorithm is DigestAlgorithm.SHA256
    assert isinstance(hrf.ozet.value, bytes)
    assert len(hrf.ozet.value) == 32
    assert u.dagitim_listesi[0].konulmamis_ek_listesi == ("396A3897-7A62-4F76-B10A-828E7946D0CD",)
    assert u.dagitim_listesi[1].ivedilik is Ivedilik.GNL
    assert str(u.dagitim_listesi[1].miat) == "P1D"
    assert u.sdp_bilgisi is not None
    assert u.sdp_bilgisi.ana_sdp.aciklama == ""  # <Aciklama /> is empty, not absent
    assert u.sdp_bilgisi.diger_sdpler is not None
    assert [s.kod for s in u.sdp_bilgisi.diger_sdpler] == ["010.07.01", "010.08"]
    assert isinstance(u.olusturan, KurumKurulus)
    assert u.olusturan.kkk == "82223362"


def test_thirdparty_v2_problems_are_reported_not_raised() -> None:
    data = _read("more/thirdparty-paketv2x.eyp", "Ustveri/Ustveri.xml")
    u = Ustveri.from_xml(data)
    assert u.style is NsStyle.PREFIX
    assert u.mime_turu is None
    miat = u.dagitim_listesi[0].miat
    assert isinstance(miat, RawText)
    assert miat.text == "0"
    paths = {p.path for p in u.problems()}
    assert "UstVeri/MimeTuru" in paths
    assert "UstVeri/DagitimListesi/Dagitim[1]/Miat" in paths
    assert "UstVeri/DogrulamaBilgisi/DogrulamaAdresi" in paths
    assert isinstance(u.dagitim_listesi[1].party, TuzelSahis)
    assert u.dagitim_listesi[1].party.id.scheme_id == "MERSIS"
    with pytest.raises(ModelError, match="MimeTuru"):
        Ustveri.from_xml(data, strict=True)


def test_v1_components() -> None:
    u = Ustveri.from_xml(_read("thirdparty-v1x.eyp", "Ustveri/Ustveri.xml"))
    assert u.generation is Generation.V1
    assert u.guvenlik_kodu is GuvenlikKodu.TSD
    assert u.belge_no == "E-24312041-702.03-1"
    assert u.tarih is not None
    assert str(u.tarih) == "2021-02-15T09:39:31.5398074Z"
    assert u.ekler[0].eyazisma_id_mi is False
    imza = BelgeImza.from_xml(_read("thirdparty-v1x.eyp", "Imzalar/BelgeImza.xml"))
    assert imza.imza_listesi[0].imzalayan.kisi.soyadi == "TOKDEMİR"
    hedef = BelgeHedef.from_xml(_read("thirdparty-v1x.eyp", "BelgeHedef/BelgeHedef.xml"))
    assert hedef.generation is Generation.V1
    assert len(hedef.hedef_listesi) == 2
    paket = Manifest.from_xml(_read("thirdparty-v1x.eyp", "PaketOzeti/PaketOzeti.xml"))
    assert paket.generation is Generation.V1
    assert paket.kind is ManifestKind.PAKET_OZETI
    assert all(len(r.digests) == 1 for r in paket.references)
    assert {r.digests[0].algorithm for r in paket.references} == {DigestAlgorithm.SHA256}
    core = CoreProperties.from_xml(
        _read(
            "thirdparty-v1x.eyp",
            "package/services/metadata/core-properties/a75bf22a5f5a4f55aadd014337a0400d.psmdcp",
        )
    )
    assert core.generation is Generation.V1


def test_manifest_digests_match_the_sample_parts() -> None:
    """Every internal reference of the official NihaiÖzet matches the stored bytes (§7.1)."""
    with zipfile.ZipFile(SAMPLES / "20250512142310.eyp") as z:
        nihai = Manifest.from_xml(z.read("NihaiOzet/NihaiOzet.xml"))
        assert nihai.id == "4F9E2E9B-F4E6-4428-8F99-2E0A0D1D42D9"
        for ref in nihai.references:
            body = z.read(ref.uri.lstrip("/"))
            assert [d.algorithm for d in ref.digests] == [
                DigestAlgorithm.SHA384,
                DigestAlgorithm.SHA512,
            ]
            assert all(d.matches(body) for d in ref.digests)
            assert not ref.digests[0].matches(body + b"x")


def test_update_and_encrypted_components() -> None:
    g = GuncellemeBilgisi.from_xml(
        _read("20250512142310.eypg", "GuncellemeBilgisi/GuncellemeBilgisi.xml")
    )
    entry = g.guncellemeler[0]
    assert entry.guncelleme_turu is GuncellemeTuru.GUVENLIK_KODU
    assert entry.guvenlik_kodu_degisiklik_bilgisi is not None
    assert entry.guvenlik_kodu_degisiklik_bilgisi.yeni_gizlilik_derecesi is GuvenlikKodu.YOK
    s = SifreliIcerikBilgisi.from_xml(
        _read("20250512142310.eyps", "SifreliIcerikBilgisi/SifreliIcerikBilgisi.xml")
    )
    assert s == SifreliIcerikBilgisi()  # the official defaults
    assert SifreliIcerikBilgisi().to_xml() == _read(
        "20250512142310.eyps", "SifreliIcerikBilgisi/SifreliIcerikBilgisi.xml"
    )
