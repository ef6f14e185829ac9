"""Package specifications: a JSON or YAML description of a package → an unsigned package.

Used by ``eyazisma create --spec``; documented in README ("Package spec") with an example in
``examples/package.yaml``. Paths in the spec are relative to the spec file. The result is a
*draft*: all components and digests (Üstveri, ÜstYazı, Ekler, ParafÖzeti, PaketÖzeti,
NihaiÜstveri, core, NihaiÖzet) but no signatures — signing comes from ``cades``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from eyp.build import EypBuilder
from eyp.errors import BuildError, EypError
from eyp.model import (
    Dagitim,
    DagitimTuru,
    DogrulamaBilgisi,
    DotNetDateTime,
    Duration,
    Ek,
    EkTuru,
    GercekSahis,
    GuvenlikKodu,
    Identifier,
    Ilgi,
    Imza,
    Ivedilik,
    Kisi,
    KurumKurulus,
    NihaiUstveri,
    TuzelSahis,
    Ustveri,
    new_guid,
)

__all__ = [
    "DEFAULT_DOGRULAMA_ADRESI",
    "PackageSpec",
    "build_draft",
    "build_signing_draft",
    "load_spec",
]

DEFAULT_DOGRULAMA_ADRESI = "https://www.turkiye.gov.tr/belge-dogrulama"


class SpecError(BuildError):
    code = "EYP_SPEC"


@dataclass(frozen=True)
class PackageSpec:
    """A loaded spec: the builder (content) plus what the later lifecycle steps need."""

    builder: EypBuilder
    #: ``None`` when the spec has no ``nihai_ustveri`` section (signing drafts derive it, §5.3).
    nihai_ustveri: NihaiUstveri | None
    paraf: bool


def _req(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise SpecError(f"spec: {where}.{key} is required")
    return data[key]


def _party(data: Any, where: str) -> KurumKurulus | GercekSahis | TuzelSahis:
    if not isinstance(data, Mapping) or len(data) != 1:
        raise SpecError(f"spec: {where} must have exactly one of 'kurum', 'kisi', 'tuzel'")
    ((kind, value),) = data.items()
    if kind == "kurum":
        return KurumKurulus(
            kkk=str(_req(value, "kkk", where)),
            adi=value.get("adi"),
            birim_kkk=value.get("birim_kkk"),
        )
    if kind == "kisi":
        return GercekSahis(
            kisi=_kisi(value, where), tckn=_opt_str(value.get("tckn")), gorev=value.get("gorev")
        )
    if kind == "tuzel":
        return TuzelSahis(
            id=Identifier(str(_req(value, "id", where)), value.get("scheme", "MERSIS")),
            adi=value.get("adi"),
        )
    raise SpecError(f"spec: {where}: unknown party kind {kind!r} (use kurum, kisi or tuzel)")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _kisi(value: Mapping[str, Any], where: str) -> Kisi:
    return Kisi(
        ilk_adi=str(_req(value, "ilk_adi", where)),
        soyadi=str(_req(value, "soyadi", where)),
        ikinci_adi=value.get("ikinci_adi"),
        unvan=value.get("unvan"),
        on_ek=value.get("on_ek"),
    )


def _date(value: Any) -> DotNetDateTime:
    return (
        DotNetDateTime.now_local() if value in (None, "now") else DotNetDateTime.parse(str(value))
    )


def load_spec(path: str | os.PathLike[str]) -> PackageSpec:
    """Read a ``.json``/``.yaml``/``.yml`` spec; errors name the offending key."""
    spec_path = Path(path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read spec {spec_path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if spec_path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(
            f"spec {spec_path} is not valid {spec_path.suffix.lstrip('.').upper() or 'YAML'}: {exc}"
        ) from exc
    if not isinstance(data, Mapping):
        raise SpecError(f"spec {spec_path}: the top level must be a mapping")
    try:
        return spec_from_mapping(data, spec_path.parent)
    except SpecError:
        raise
    except EypError as exc:
        raise SpecError(f"spec {spec_path}: {exc}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise SpecError(f"spec {spec_path}: malformed value ({exc})") from exc


def spec_from_mapping(data: Mapping[str, Any], base: Path) -> PackageSpec:
    ekler_spec = data.get("ekler") or []
    ek_models: list[tuple[Ek, Path | None]] = []
    keys: dict[str, str] = {}
    for index, item in enumerate(ekler_spec, start=1):
        where = f"ekler[{index}]"
        tur = EkTuru.from_text(str(item.get("tur", "DED")))
        ek_id = str(item.get("id") or new_guid()).upper()
        keys[str(item.get("key", index))] = ek_id
        source = None
        if tur is EkTuru.DED:
            source = base / str(_req(item, "path", where))
        ek = Ek(
            id=ek_id,
            tur=tur,
            sira_no=int(item.get("sira_no", index)),
            ad=item.get("ad"),
            aciklama=item.get("aciklama"),
            belge_no=item.get("belge_no"),
            referans=item.get("referans"),
            dosya_adi=source.name if source else None,
            mime_turu=item.get("mime_turu", "application/pdf") if source else None,
            imzali_mi=bool(item.get("imzali", True)) if tur is EkTuru.DED else False,
        )
        ek_models.append((ek, source))
    dagitimlar = []
    for index, item in enumerate(_req(data, "dagitim", "spec"), start=1):
        where = f"dagitim[{index}]"
        party_data = {k: v for k, v in item.items() if k in ("kurum", "kisi", "tuzel")}
        missing = [str(k) for k in item.get("konulmamis_ekler", []) if str(k) not in keys]
        if missing:
            raise SpecError(f"spec: {where}.konulmamis_ekler names unknown Ek keys {missing}")
        dagitimlar.append(
            Dagitim(
                party=_party(party_data, where),
                ivedilik=Ivedilik.from_text(str(item.get("ivedilik", "NRM"))),
                dagitim_turu=DagitimTuru.from_text(str(item.get("dagitim_turu", "GRG"))),
                miat=Duration(str(item["miat"])) if item.get("miat") else None,
                konulmamis_ek_listesi=tuple(keys[str(k)] for k in item.get("konulmamis_ekler", [])),
            )
        )
    ilgiler = tuple(
        Ilgi(
            id=str(item.get("id") or new_guid()).upper(),
            etiket=str(item.get("etiket", chr(ord("a") + i))),
            belge_no=item.get("belge_no"),
            tarih=_date(item["tarih"]) if item.get("tarih") else None,
            ad=item.get("ad"),
        )
        for i, item in enumerate(data.get("ilgiler") or [])
    )
    ust = data.get("ust_yazi")
    if not isinstance(ust, Mapping):
        raise SpecError("spec: ust_yazi: {path: FILE} is required")
    ust_path = base / str(_req(ust, "path", "ust_yazi"))
    ustveri = Ustveri(
        belge_id=str(data.get("belge_id") or new_guid()).upper(),
        konu=str(_req(data, "konu", "spec")),
        guvenlik_kodu=GuvenlikKodu.from_text(str(data.get("guvenlik_kodu", "YOK"))),
        mime_turu=str(ust.get("mime_turu", "application/pdf")),
        dagitim_listesi=tuple(dagitimlar),
        olusturan=_party(_req(data, "olusturan", "spec"), "olusturan"),
        dosya_adi=ust_path.name,
        dogrulama_bilgisi=DogrulamaBilgisi(
            str(data.get("dogrulama_adresi", DEFAULT_DOGRULAMA_ADRESI))
        ),
        dil=data.get("dil", "tur"),
        ilgiler=ilgiler,
    )
    builder = EypBuilder(ustveri).with_ust_yazi(
        ust_path, mime_type=str(ust.get("mime_turu", "application/pdf"))
    )
    for ek, source in ek_models:
        builder = builder.with_ek(ek, source)
    if data.get("nihai_ustveri") is None:
        return PackageSpec(builder, None, bool(data.get("paraf", True)))
    nihai = data["nihai_ustveri"]
    signers = nihai.get("imzalayanlar") or []
    if not signers:
        raise SpecError(
            "spec: nihai_ustveri.imzalayanlar needs at least one signer (NihaiÜstveri, eyp.md §5.3)"
        )
    imzalar = tuple(
        Imza(
            imzalayan=GercekSahis(
                kisi=_kisi(s, f"nihai_ustveri.imzalayanlar[{i}]"),
                tckn=_opt_str(s.get("tckn")),
                gorev=s.get("gorev"),
            ),
            makam=s.get("makam"),
            amac=s.get("amac", "Onay"),
        )
        for i, s in enumerate(signers, start=1)
    )
    nihai_ustveri = NihaiUstveri(
        tarih=_date(nihai.get("tarih")),
        belge_no=str(_req(nihai, "belge_no", "nihai_ustveri")),
        belge_imzalar=imzalar,
    )
    return PackageSpec(builder, nihai_ustveri, bool(data.get("paraf", True)))


def build_draft(spec: PackageSpec, target: str | os.PathLike[str] | BinaryIO) -> str:
    """Write the unsigned, fully digested package; returns its BelgeId."""
    if spec.nihai_ustveri is None:
        raise SpecError(
            "spec: an unsigned complete package needs a nihai_ustveri section (belge_no, "
            "imzalayanlar); for a package to be signed, create a signing draft instead"
        )
    with spec.builder.open(target) as session:
        if spec.paraf:
            session.paraf_ozeti()
        session.paket_ozeti()
        session.add_nihai_ustveri(spec.nihai_ustveri, allow_unsigned=True)
        session.nihai_ozet()
        session.save(allow_unsealed=True)
        return session.belge_id


def build_signing_draft(spec: PackageSpec, target: str | os.PathLike[str] | BinaryIO) -> str:
    """Write a draft holding only the content (Üstveri, ÜstYazı, Ekler); returns its BelgeId.

    ``eyazisma sign`` (paraf and e-signature) and ``eyazisma seal`` continue it; the
    NihaiÜstveri is derived from the signatures at sealing time (signatures.md §2.5).
    """
    with spec.builder.open(target) as session:
        session.save_draft()
        return session.belge_id
