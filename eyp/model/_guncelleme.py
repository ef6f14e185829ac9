"""GüncellemeBilgisi of update packages (Rehber 2.1; spec/eyp.md §5.7, §10)."""

from __future__ import annotations

import dataclasses

from lxml import etree

from eyp.errors import XmlError
from eyp.model._base import Generation, ModelBase, Problem, RawText, lenient, raw_problems
from eyp.model._codec_tipler import Names, kids, leaf
from eyp.model._datetime import DotNetDateTime
from eyp.model._enums import GuncellemeTuru, GuvenlikKodu
from eyp.model._ns import tipler
from eyp.model._reader import Ctx, Seq, expect_root, finish, namespace, parse_root
from eyp.model._writer import Node, render_pretty

__all__ = ["Guncelleme", "GuncellemeBilgisi", "GuvenlikKoduDegisiklikBilgisi"]

_T = Names("tipler:")
_NS = tipler(Generation.V2)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GuvenlikKoduDegisiklikBilgisi(ModelBase):
    """A change of classification; all five items are mandatory (§5.7)."""

    yeni_gizlilik_derecesi: GuvenlikKodu | RawText | None
    degistirme_tarihi: DotNetDateTime | RawText | None
    aciklama: str | None
    komisyon_karari_belge_no: str | None
    komisyon_karari_belge_id: str | None
    _xml_name = "GuvenlikKoduDegisiklikBilgisi"

    def _own_problems(self, path: str) -> list[Problem]:
        values = {
            "YeniGizlilikDerecesi": self.yeni_gizlilik_derecesi,
            "DegistirmeTarihi": self.degistirme_tarihi,
            "Aciklama": self.aciklama,
            "KomisyonKarariBelgeNo": self.komisyon_karari_belge_no,
            "KomisyonKarariBelgeId": self.komisyon_karari_belge_id,
        }
        out = raw_problems(path, **values)
        out += [
            Problem(f"{path}/{k}", "mandatory element is missing")
            for k, v in values.items()
            if v is None
        ]
        if isinstance(self.yeni_gizlilik_derecesi, GuvenlikKodu) and not (
            self.yeni_gizlilik_derecesi.allowed_in(Generation.V2)
        ):
            out.append(Problem(f"{path}/YeniGizlilikDerecesi", "not a 2.x GuvenlikKodu"))
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class Guncelleme(ModelBase):
    """One ``Guncellemeler`` entry: the change kind and its payload."""

    guncelleme_turu: GuncellemeTuru | RawText
    guvenlik_kodu_degisiklik_bilgisi: GuvenlikKoduDegisiklikBilgisi | None
    _xml_name = "Guncellemeler"

    def _own_problems(self, path: str) -> list[Problem]:
        out = raw_problems(path, GuncellemeTuru=self.guncelleme_turu)
        if (
            self.guncelleme_turu is GuncellemeTuru.GUVENLIK_KODU
            and self.guvenlik_kodu_degisiklik_bilgisi is None
        ):
            out.append(
                Problem(
                    f"{path}/GuvenlikKoduDegisiklikBilgisi",
                    "required for GuncellemeTuru GuvenlikKodu",
                )
            )
        return out


@dataclasses.dataclass(frozen=True, kw_only=True)
class GuncellemeBilgisi(ModelBase):
    """``/GuncellemeBilgisi/GuncellemeBilgisi.xml`` (§5.7): one or more changes."""

    guncellemeler: tuple[Guncelleme, ...]
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "GuncellemeBilgisi"

    def _own_problems(self, path: str) -> list[Problem]:
        if not self.guncellemeler:
            return [Problem(f"{path}/Guncellemeler", "at least one entry is required")]
        return []

    def to_xml(self) -> bytes:
        """Official layout: prefixed root ``tipler:GuncellemeBilgisi``."""
        entries = []
        for g in self.guncellemeler:
            payload = None
            b = g.guvenlik_kodu_degisiklik_bilgisi
            if b is not None:
                payload = Node(
                    _T("GuvenlikKoduDegisiklikBilgisi"),
                    children=kids(
                        leaf(_T("YeniGizlilikDerecesi"), b.yeni_gizlilik_derecesi),
                        leaf(_T("DegistirmeTarihi"), b.degistirme_tarihi),
                        leaf(_T("Aciklama"), b.aciklama),
                        leaf(_T("KomisyonKarariBelgeNo"), b.komisyon_karari_belge_no),
                        leaf(_T("KomisyonKarariBelgeId"), b.komisyon_karari_belge_id),
                    ),
                )
            entries.append(
                Node(
                    _T("Guncellemeler"),
                    children=kids(leaf(_T("GuncellemeTuru"), g.guncelleme_turu), payload),
                )
            )
        root = Node(_T("GuncellemeBilgisi"), (("xmlns:tipler", _NS),), children=tuple(entries))
        return render_pretty(root)

    @classmethod
    def from_xml(
        cls,
        data: bytes,
        *,
        part: str = "/GuncellemeBilgisi/GuncellemeBilgisi.xml",
        strict: bool = False,
    ) -> GuncellemeBilgisi:
        """Parse a GüncellemeBilgisi part."""
        root = parse_root(data, part)
        expect_root(root, part, {"GuncellemeBilgisi": "GuncellemeBilgisi"})
        if namespace(root) != _NS:
            raise XmlError(f"{part}: GuncellemeBilgisi in unexpected namespace {namespace(root)!r}")
        ctx = Ctx(part)
        with lenient():
            s = Seq(root, _NS, ctx, "GuncellemeBilgisi")
            entries = tuple(
                _read_entry(el, ctx, f"GuncellemeBilgisi/Guncellemeler[{i}]")
                for i, el in enumerate(s.all("Guncellemeler"), start=1)
            )
            s.done()
            value = cls(guncellemeler=entries, parse_problems=tuple(ctx.problems))
        return finish(value, strict, part)


def _read_entry(el: etree._Element, ctx: Ctx, path: str) -> Guncelleme:
    s = Seq(el, _NS, ctx, path)
    turu = s.value("GuncellemeTuru", GuncellemeTuru.from_text)
    payload_el = s.one("GuvenlikKoduDegisiklikBilgisi")
    payload = None
    if payload_el is not None:
        p = Seq(payload_el, _NS, ctx, f"{path}/GuvenlikKoduDegisiklikBilgisi")
        payload = GuvenlikKoduDegisiklikBilgisi(
            yeni_gizlilik_derecesi=p.value("YeniGizlilikDerecesi", GuvenlikKodu.from_text),
            degistirme_tarihi=p.value("DegistirmeTarihi", DotNetDateTime.parse),
            aciklama=p.text("Aciklama"),
            komisyon_karari_belge_no=p.text("KomisyonKarariBelgeNo"),
            komisyon_karari_belge_id=p.text("KomisyonKarariBelgeId"),
        )
        p.done()
    s.done()
    return Guncelleme(
        guncelleme_turu=turu if turu is not None else RawText("", "mandatory element is missing"),
        guvenlik_kodu_degisiklik_bilgisi=payload,
    )
