"""Checks of a normal package, 2.x and 1.x (eyp.md §3.1–3.2, §5, §7.2–7.4, §8; §12.2–12.7)."""

from __future__ import annotations

from eyp._cms_shape import inspect_signed_data
from eyp._locate import Located
from eyp._names import MUHUR_V1_PART, Component
from eyp._opc import PartName
from eyp.errors import EypError
from eyp.model import (
    EkTuru,
    Generation,
    GercekSahis,
    KurumKurulus,
    Manifest,
    ManifestKind,
    NihaiUstveri,
    RawText,
    TuzelSahis,
    Ustveri,
    is_guid,
)
from eyp.verify._context import VerifyContext
from eyp.verify._manifests import check_manifest_digests, load_manifest, prefetch_digests
from eyp.verify._report import Severity

__all__ = ["check_normal"]

E, W = Severity.ERROR, Severity.WARNING


def _single(
    ctx: VerifyContext, component: Component, rule: str, *, required: bool, code: int | None = None
) -> Located | None:
    found = ctx.components(component)
    if len(found) > 1:
        ctx.add(
            rule,
            E,
            component.part,
            f"{len(found)} {component.name} relationships; at most one allowed",
        )
    if not found:
        if required:
            ctx.add(rule, E, component.part, f"{component.name} is missing", code)
        return None
    return found[0] if found[0].part is not None else None


def _placement(ctx: VerifyContext, loc: Located | None, component: Component, rule: str) -> None:
    if (
        loc is not None
        and loc.part is not None
        and loc.part.key() != PartName(component.part).key()
    ):
        ctx.add(rule, E, loc.part, f"{component.name} must be stored at {component.part}")


def check_normal(ctx: VerifyContext) -> None:
    v2 = ctx.generation is not Generation.V1
    ust_yazi = _single(ctx, Component.USTYAZI, "EYP-CMP-001", required=True, code=6)
    ustveri_loc = _single(ctx, Component.USTVERI, "EYP-CMP-005", required=True, code=2)
    _placement(ctx, ustveri_loc, Component.USTVERI, "EYP-CMP-006")
    if ust_yazi is not None and ust_yazi.part is not None:
        if not ust_yazi.part.startswith("/UstYazi/"):
            ctx.add("EYP-CMP-002", E, ust_yazi.part, "the ÜstYazı must be under /UstYazi/")
        if any(ch.isspace() for ch in ust_yazi.part.filename):
            ctx.add("EYP-CMP-003", E, ust_yazi.part, "the ÜstYazı file name contains whitespace")
        if ctx.opc.content_type(ust_yazi.part) != "application/pdf":
            ctx.add("EYP-CMP-004", W, ust_yazi.part, "the ÜstYazı is not a PDF (PDF/A expected)")
    ustveri = _check_ustveri(ctx, ustveri_loc)
    if ustveri is not None:
        ctx.belge_id = ustveri.belge_id
        _check_ustveri_vs_package(ctx, ustveri, ust_yazi)
    nihai_ustveri_loc = None
    if v2:
        nihai_ustveri_loc = _single(ctx, Component.NIHAI_USTVERI, "EYP-CMP-007", required=True)
        _placement(ctx, nihai_ustveri_loc, Component.NIHAI_USTVERI, "EYP-CMP-008")
    else:
        _single(ctx, Component.BELGE_HEDEF, "EYP-CMP-019", required=True, code=4)
        _single(ctx, Component.BELGE_IMZA, "EYP-CMP-019", required=False)
    for component in (
        (Component.BELGE_IMZA,) if v2 else (Component.PARAF_OZETI, Component.NIHAI_USTVERI)
    ):
        if ctx.components(component):
            ctx.add(
                "EYP-CMP-020",
                W,
                component.part,
                f"{component.name} does not belong to a {'2' if v2 else '1'}.x package",
            )
    paket = _single(ctx, Component.PAKET_OZETI, "EYP-CMP-009", required=True, code=25)
    _placement(ctx, paket, Component.PAKET_OZETI, "EYP-CMP-010")
    paraf = _single(ctx, Component.PARAF_OZETI, "EYP-CMP-011", required=False) if v2 else None
    _placement(ctx, paraf, Component.PARAF_OZETI, "EYP-CMP-011")
    nihai = _single(ctx, Component.NIHAI_OZET, "EYP-CMP-012", required=v2)
    _placement(ctx, nihai, Component.NIHAI_OZET, "EYP-CMP-013")
    _check_ek_parts(ctx, ustveri)

    manifests: list[tuple[PartName, Manifest]] = []
    for loc, component in (
        (paraf, Component.PARAF_OZETI),
        (paket, Component.PAKET_OZETI),
        (nihai, Component.NIHAI_OZET),
    ):
        if loc is not None and loc.part is not None:
            manifest = load_manifest(ctx, component, loc.part)
            if manifest is not None:
                manifests.append((loc.part, manifest))
    prefetch_digests(ctx, manifests)
    tolerated = _tolerated_missing(ctx, ustveri)
    for part, manifest in manifests:
        check_manifest_digests(ctx, part, manifest, tolerated_missing=tolerated)
        _check_coverage(ctx, part, manifest, ustveri, ust_yazi)
    _check_signatures(ctx, paraf, paket, nihai)
    if v2 and nihai_ustveri_loc is not None and nihai_ustveri_loc.part is not None:
        _check_nihai_ustveri(ctx, nihai_ustveri_loc.part)


# -- Üstveri ------------------------------------------------------------------------------------
def _check_ustveri(ctx: VerifyContext, loc: Located | None) -> Ustveri | None:
    if loc is None or loc.part is None:
        return None
    data = ctx.read_xml(loc.part)
    if data is None:
        return None
    try:
        ustveri = Ustveri.from_xml(data, part=loc.part)
    except EypError as exc:
        ctx.add("EYP-UV-001", E, loc.part, str(exc))
        return None
    if ctx.generation is not None and ustveri.generation is not ctx.generation:
        ctx.add(
            "EYP-CORE-003",
            E,
            loc.part,
            f"core version {ctx.version} but a {ustveri.generation.value}.x Üstveri",
        )
    for problem in ustveri.problems():
        ctx.add(_rule_for_problem(str(problem.path)), E, loc.part, str(problem))
    if not is_guid(ustveri.belge_id):
        ctx.add(
            "EYP-UV-003", E, loc.part, f"BelgeId {ustveri.belge_id!r} is not an upper-case GUID"
        )
    return ustveri


_PROBLEM_RULES = (  # most specific first: a path names its innermost element last
    ("Miat", "EYP-UV-012"),
    ("KonulmamisEk", "EYP-UV-013"),
    ("OzId", "EYP-UV-014"),
    ("BirimKKK", "EYP-UV-008"),
    ("KKK", "EYP-UV-008"),
    ("TCKN", "EYP-UV-009"),
    ("TuzelSahis", "EYP-UV-010"),
    ("Kisi", "EYP-UV-011"),
    ("Heysk", "EYP-UV-025"),
    ("Ilgiler", "EYP-UV-021"),
    ("Ekler/Ek", "EYP-UV-019"),
    ("DogrulamaBilgisi", "EYP-UV-015"),
    ("GuvenlikKodu", "EYP-UV-017"),
    ("Ivedilik", "EYP-UV-017"),
    ("DagitimListesi", "EYP-UV-007"),
    ("BelgeId", "EYP-UV-003"),
    ("Konu", "EYP-UV-004"),
    ("MimeTuru", "EYP-UV-005"),
    ("Dil", "EYP-UV-016"),
)


def _rule_for_problem(path: str) -> str:
    for needle, rule in _PROBLEM_RULES:
        if needle in path:
            return rule
    return "EYP-UV-002"


def _check_ustveri_vs_package(
    ctx: VerifyContext, ustveri: Ustveri, ust_yazi: Located | None
) -> None:
    part = Component.USTVERI.part
    if ust_yazi is not None and ust_yazi.part is not None:
        content_type = ctx.opc.content_type(ust_yazi.part)
        if ustveri.mime_turu and content_type and ustveri.mime_turu != content_type:
            ctx.add(
                "EYP-UV-005",
                E,
                part,
                f"MimeTuru {ustveri.mime_turu} differs from the ÜstYazı content type "
                f"{content_type}",
            )
        if ustveri.dosya_adi and ustveri.dosya_adi != ust_yazi.part.filename:
            ctx.add(
                "EYP-UV-006",
                W,
                part,
                f"DosyaAdi {ustveri.dosya_adi} differs from the ÜstYazı file name "
                f"{ust_yazi.part.filename}",
            )
    ek_ids = [e.id.upper() for e in ustveri.ekler]
    ilgi_ids = [i.id.upper() for i in ustveri.ilgiler]
    ids = [ustveri.belge_id.upper(), *ek_ids, *ilgi_ids]
    if len(set(ids)) != len(ids):
        ctx.add("EYP-UV-024", E, part, "BelgeId, Ek ids and İlgi ids are not pairwise distinct")
    sira = [e.sira_no for e in ustveri.ekler]
    if len(set(map(str, sira))) != len(sira):
        ctx.add("EYP-UV-018", E, part, "Ek SiraNo values are not unique")
    for ek in ustveri.ekler:
        if not is_guid(ek.id):
            ctx.add("EYP-UV-018", E, part, f"Ek id {ek.id!r} is not an upper-case GUID")
        if ek.tur is EkTuru.DED and ek.imzali_mi is None:
            ctx.add("EYP-UV-020", W, part, f"DED Ek {ek.id} does not state ImzaliMi")
    for index, dagitim in enumerate(ustveri.dagitim_listesi, start=1):
        for ek_id in dagitim.konulmamis_ek_listesi:
            if ek_id.upper() not in ek_ids:
                ctx.add(
                    "EYP-UV-013",
                    E,
                    part,
                    f"Dagitim[{index}] KonulmamisEk {ek_id} names no declared Ek",
                )
    etiketler = [i.etiket for i in ustveri.ilgiler]
    if len(set(etiketler)) != len(etiketler):
        ctx.add("EYP-UV-021", E, part, "İlgi Etiket values are not unique")
    for ilgi in ustveri.ilgiler:
        if ilgi.ek_id and ilgi.ek_id.upper() not in ek_ids:
            ctx.add(
                "EYP-UV-023", E, part, f"İlgi {ilgi.etiket}: EkId {ilgi.ek_id} names no declared Ek"
            )


# -- Ekler ---------------------------------------------------------------------------------------
def _recipient_matches(ctx: VerifyContext, party: object) -> bool:
    if ctx.recipient is None:
        return False
    wanted = ctx.recipient.identifier
    if isinstance(party, KurumKurulus):
        return wanted in (party.kkk, party.birim_kkk)
    if isinstance(party, GercekSahis):
        return wanted == party.tckn
    if isinstance(party, TuzelSahis):
        return wanted == party.id.value
    return False


def _konulmamis_for_recipient(ctx: VerifyContext, ustveri: Ustveri | None) -> set[str]:
    if ustveri is None:
        return set()
    ids: set[str] = set()
    for dagitim in ustveri.dagitim_listesi:
        if _recipient_matches(ctx, dagitim.party):
            ids.update(e.upper() for e in dagitim.konulmamis_ek_listesi)
    return ids


def _ek_folder(ek: object) -> str:
    return "/Ekler/" if getattr(ek, "imzali_mi", None) is not False else "/ImzasizEkler/"


def _tolerated_missing(ctx: VerifyContext, ustveri: Ustveri | None) -> dict[str, str]:
    tolerated = {
        Component.PARAF_IMZA.part.casefold(): (
            "the paraf signature may be removed after sealing (eyp.md §7.4)"
        )
    }
    if ustveri is not None:
        dropped = _konulmamis_for_recipient(ctx, ustveri)
        for ek in ustveri.ekler:
            if ek.id.upper() in dropped and ek.dosya_adi:
                uri = _ek_folder(ek) + ek.dosya_adi
                tolerated[uri.casefold()] = (
                    f"Ek {ek.id} is not included for recipient "
                    f"{ctx.recipient.identifier if ctx.recipient else ''}"
                )
    return tolerated


def _check_ek_parts(ctx: VerifyContext, ustveri: Ustveri | None) -> None:
    signed = ctx.components(Component.EK)
    unsigned = ctx.components(Component.IMZASIZ_EK)
    for loc in signed + unsigned:
        folder = "/Ekler/" if loc.component is Component.EK else "/ImzasizEkler/"
        if loc.part is not None and not loc.part.startswith(folder):
            ctx.add(
                "EYP-CMP-017",
                E,
                loc.part,
                f"{loc.component.name if loc.component else ''} part must be under {folder}",
            )
        prefix = loc.component.rel_id if loc.component else ""
        if not loc.relationship.id.startswith(prefix) or not is_guid(
            loc.relationship.id[len(prefix) :]
        ):
            ctx.add(
                "EYP-CMP-018",
                E,
                loc.target,
                f"relationship Id {loc.relationship.id} is not {prefix}<Ek GUID>",
            )
    if ustveri is None:
        return
    by_id: dict[str, Located] = {}
    for loc in signed + unsigned:
        prefix = loc.component.rel_id if loc.component else ""
        by_id[loc.relationship.id[len(prefix) :].upper()] = loc
    dropped = _konulmamis_for_recipient(ctx, ustveri)
    declared = set()
    for ek in ustveri.ekler:
        if ek.tur is not EkTuru.DED:
            continue
        ek_id = ek.id.upper()
        declared.add(ek_id)
        found = by_id.get(ek_id)
        if found is None or found.part is None:
            if ek_id in dropped:
                ctx.add(
                    "EYP-EK-001",
                    W,
                    Component.USTVERI.part,
                    f"Ek {ek_id} is absent: not included for this recipient",
                )
            else:
                ctx.add(
                    "EYP-EK-001",
                    E,
                    Component.USTVERI.part,
                    f"DED Ek {ek_id} ({ek.dosya_adi}) has no part in the package",
                )
            continue
        expected = Component.EK if ek.imzali_mi is True else Component.IMZASIZ_EK
        if ek.imzali_mi is not None and found.component is not expected:
            ctx.add(
                "EYP-EK-003",
                E,
                found.part,
                f"Ek {ek_id} has ImzaliMi={ek.imzali_mi} but is stored as "
                f"{found.component.name if found.component else '?'}",
            )
        if ek.dosya_adi and ek.dosya_adi != found.part.filename:
            ctx.add(
                "EYP-EK-004",
                W,
                found.part,
                f"Ek DosyaAdi {ek.dosya_adi} differs from the part file name",
            )
    for ek_id, loc in by_id.items():
        if ek_id not in declared:
            ctx.add("EYP-EK-002", E, loc.target, f"Ek part without a DED Ek {ek_id} in the Üstveri")


# -- coverage ------------------------------------------------------------------------------------
def _check_coverage(
    ctx: VerifyContext,
    part: PartName,
    manifest: Manifest,
    ustveri: Ustveri | None,
    ust_yazi: Located | None,
) -> None:
    v2 = ctx.generation is not Generation.V1
    uris = {u.casefold() for u in manifest.uris}
    required: list[tuple[str, str, int | None]] = []  # (uri, what, official code)
    kind = manifest.kind
    codes = {
        ManifestKind.PARAF_OZETI: {"ustveri": 27, "ustyazi": 26},
        ManifestKind.PAKET_OZETI: {"ustveri": 3, "ustyazi": 7},
        ManifestKind.NIHAI_OZET: {"ustveri": 19, "ustyazi": 21},
    }[kind]
    required.append((Component.USTVERI.part, "the Üstveri", codes["ustveri"]))
    if ust_yazi is not None and ust_yazi.part is not None:
        required.append((str(ust_yazi.part), "the ÜstYazı", codes["ustyazi"]))
    signed_eks = [str(loc.part) for loc in ctx.components(Component.EK) if loc.part is not None]
    if ustveri is not None:
        for ek in ustveri.ekler:
            if ek.tur is EkTuru.DED and ek.imzali_mi is True and ek.dosya_adi:
                uri = "/Ekler/" + ek.dosya_adi
                if uri not in signed_eks:
                    signed_eks.append(uri)
    required += [(u, "signed Ek", None) for u in signed_eks]
    rule = {
        ManifestKind.PARAF_OZETI: "EYP-DIG-013",
        ManifestKind.PAKET_OZETI: "EYP-DIG-014",
        ManifestKind.NIHAI_OZET: "EYP-DIG-015",
    }[kind]
    has_paraf = bool(ctx.components(Component.PARAF_OZETI))
    paraf_sig = _signature_locs(ctx, Component.PARAF_OZETI, Component.PARAF_IMZA)
    if kind in (ManifestKind.PAKET_OZETI, ManifestKind.NIHAI_OZET) and v2:
        if has_paraf:
            required.append((Component.PARAF_OZETI.part, "the ParafÖzeti", None))
        if paraf_sig:
            required.append((Component.PARAF_IMZA.part, "the paraf signature", None))
    if kind is ManifestKind.PAKET_OZETI and not v2:
        required.append((Component.BELGE_HEDEF.part, "the BelgeHedef", 5))
    if kind is ManifestKind.NIHAI_OZET:
        required.append((Component.PAKET_OZETI.part, "the PaketÖzeti", None))
        if _signature_locs(ctx, Component.PAKET_OZETI, Component.IMZA):
            required.append((Component.IMZA.part, "the e-signature", 23))
        if ctx.core_part is not None:
            required.append((str(ctx.core_part), "the core properties", 24))
        if v2:
            required.append((Component.NIHAI_USTVERI.part, "the NihaiÜstveri", None))
        else:
            required.append((Component.BELGE_HEDEF.part, "the BelgeHedef", 20))
            if ctx.components(Component.BELGE_IMZA):
                required.append((Component.BELGE_IMZA.part, "the BelgeImza", 22))
    for uri, what, code in required:
        if uri.casefold() not in uris:
            ctx.add(rule, E, part, f"{what} ({uri}) is not covered", code)
    unsigned = [
        str(loc.part) for loc in ctx.components(Component.IMZASIZ_EK) if loc.part is not None
    ]
    for uri in unsigned:
        if uri.casefold() in uris:
            ctx.add(
                "EYP-DIG-016", E, part, f"{uri} is an unsigned attachment and must not be covered"
            )


# -- signatures ----------------------------------------------------------------------------------
def _signature_locs(ctx: VerifyContext, manifest: Component, signature: Component) -> list[Located]:
    sources = [loc.part for loc in ctx.components(manifest) if loc.part is not None]
    return [r for source in sources for r in ctx.components(signature, source)]


_MANIFEST_NAMES = {
    Component.PARAF_IMZA: "ParafOzeti",
    Component.IMZA: "PaketOzeti",
    Component.MUHUR: "NihaiOzet",
}


def _check_signatures(
    ctx: VerifyContext, paraf: Located | None, paket: Located | None, nihai: Located | None
) -> None:
    v2 = ctx.generation is not Generation.V1
    checks = [
        (Component.PARAF_IMZA, paraf, "EYP-SIG-003"),
        (Component.IMZA, paket, "EYP-SIG-002"),
        (Component.MUHUR, nihai, "EYP-SIG-004"),
    ]
    for signature, manifest_loc, content_rule in checks:
        if manifest_loc is None or manifest_loc.part is None:
            continue
        found = ctx.components(signature, manifest_loc.part)
        if not found:
            if signature is Component.IMZA:
                ctx.add(
                    "EYP-CMP-014",
                    E,
                    Component.IMZA.part,
                    "the e-signature (ImzaCades.imz) is missing",
                    17,
                )
            elif signature is Component.MUHUR:
                if v2:
                    ctx.add(
                        "EYP-CMP-015",
                        E,
                        Component.MUHUR.part,
                        "the e-seal (MuhurCades.imz) is missing",
                    )
            else:
                nihai_manifest = ctx.manifests.get("NihaiOzet")
                if nihai_manifest and nihai_manifest.reference_for(Component.PARAF_IMZA.part):
                    ctx.add(
                        "EYP-SIG-009",
                        W,
                        Component.PARAF_IMZA.part,
                        "the paraf signature is missing although manifests reference it",
                        32,
                    )
            continue
        if len(found) > 1:
            rule = {Component.IMZA: "EYP-CMP-014", Component.MUHUR: "EYP-CMP-015"}.get(
                signature, "EYP-CMP-016"
            )
            ctx.add(
                rule,
                E,
                manifest_loc.part,
                f"{len(found)} {signature.name} relationships; exactly one allowed",
            )
        loc = found[0]
        if loc.part is None:
            continue
        canonical = MUHUR_V1_PART if (signature is Component.MUHUR and not v2) else signature.part
        if loc.part.key() != PartName(canonical).key() and not (
            signature is Component.MUHUR
            and loc.part.key()
            in (PartName(MUHUR_V1_PART).key(), PartName(Component.MUHUR.part).key())
        ):
            ctx.add(
                "EYP-CMP-015" if signature is Component.MUHUR else "EYP-CMP-014",
                E,
                loc.part,
                f"{signature.name} must be stored at {canonical}",
            )
        try:
            data = ctx.opc.read(loc.part)
            manifest_bytes = ctx.opc.read(manifest_loc.part)
        except EypError as exc:
            ctx.add("EYP-SIG-001", E, loc.part, str(exc))
            continue
        shape = inspect_signed_data(data)
        if shape.error is not None:
            ctx.add("EYP-SIG-001", E, loc.part, shape.error)
            continue
        if shape.econtent is None:
            ctx.add(
                content_rule,
                E,
                loc.part,
                f"the CMS is detached; it must encapsulate {manifest_loc.part}",
            )
        elif shape.econtent != manifest_bytes:
            ctx.add(
                content_rule,
                E,
                loc.part,
                f"the encapsulated content differs from the bytes of {manifest_loc.part}",
            )
        else:
            manifest = ctx.manifests.get(_MANIFEST_NAMES[signature])
            covers = list(manifest.uris) if manifest is not None else []
            ctx.verify_signature(signature, str(loc.part), data, manifest_bytes, covers)


# -- NihaiÜstveri --------------------------------------------------------------------------------
def _check_nihai_ustveri(ctx: VerifyContext, part: PartName) -> None:
    data = ctx.read_xml(part)
    if data is None:
        return
    try:
        nihai = NihaiUstveri.from_xml(data, part=part)
    except EypError as exc:
        ctx.add("EYP-NUV-001", E, part, str(exc))
        return
    if not nihai.belge_no:
        ctx.add("EYP-NUV-002", E, part, "BelgeNo is missing or empty")
    if nihai.tarih is None or isinstance(nihai.tarih, RawText):
        ctx.add("EYP-NUV-003", E, part, f"Tarih {nihai.tarih!s} is not a valid dateTime")
    if not nihai.belge_imzalar:
        ctx.add("EYP-NUV-004", E, part, "BelgeImzalar lists no Imza")
    if ctx.trust is not None:
        _check_nihai_against_signature(ctx, part, nihai)
    for index, imza in enumerate(nihai.belge_imzalar, start=1):
        kisi = imza.imzalayan.kisi if imza.imzalayan else None
        if kisi is None or not kisi.ilk_adi or not kisi.soyadi:
            ctx.add("EYP-NUV-004", E, part, f"Imza[{index}] lacks Imzalayan/Kisi IlkAdi and Soyadi")


def _check_nihai_against_signature(ctx: VerifyContext, part: PartName, nihai: NihaiUstveri) -> None:
    from eyp.verify._signatures import check_nihai_dates

    assert ctx.trust is not None
    paket = [loc.part for loc in ctx.components(Component.PAKET_OZETI) if loc.part is not None]
    found = [r for source in paket for r in ctx.components(Component.IMZA, source)]
    if not found or found[0].part is None:
        return
    try:
        imza = ctx.opc.read(found[0].part)
    except EypError:
        return
    check_nihai_dates(ctx.findings, str(part), nihai, imza, ctx.trust.tarih_tolerance)
