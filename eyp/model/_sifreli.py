"""ŞifreliİçerikBilgisi of encrypted packages (spec/eyp.md §5.6, 1.x §3.4).

It names the Kamu SM guideline used; it carries no key or algorithm data (everything needed for
decryption is inside the CMS object).
"""

from __future__ import annotations

import dataclasses

from eyp.errors import XmlError
from eyp.model._base import Generation, ModelBase, Problem, lenient
from eyp.model._ns import XSD, XSI, ns, tipler
from eyp.model._reader import Ctx, Seq, expect_root, finish, namespace, parse_root
from eyp.model._writer import Node, render_pretty

__all__ = [
    "SIFRELI_ICERIK_URIS",
    "SIFRELI_ICERIK_VERSION",
    "SIFRELI_ICERIK_YONTEM",
    "SifreliIcerikBilgisi",
]

#: Values the official API writes (§5.6).
SIFRELI_ICERIK_VERSION = "1.4"
SIFRELI_ICERIK_YONTEM = (
    "Elektronik Belgeleri Açık Anahtar Altyapısı Kullanarak Güvenli İşleme Rehberi"
)
SIFRELI_ICERIK_URIS = (
    "http://www.kamusm.gov.tr/dokumanlar/belgeler",
    "http://www.e-yazisma.gov.tr/SitePages/dokumanlar.aspx",
)


_V2_ORDER = ("Id", "Version", "Yontem")
_V1_ORDER = ("Id", "Yontem", "Version")


def _root_ns(gen: Generation) -> str:
    # 2.x puts the root in Tipler-2; 1.x has a namespace of its own.
    return tipler(gen) if gen is Generation.V2 else ns("SifreliIcerikBilgisi", gen)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SifreliIcerikBilgisi(ModelBase):
    """Root attributes ``Id`` (official: empty string), ``Version``, ``Yontem`` + URI list."""

    id: str | None = ""
    version: str | None = SIFRELI_ICERIK_VERSION
    yontem: str | None = SIFRELI_ICERIK_YONTEM
    uri_listesi: tuple[str, ...] = SIFRELI_ICERIK_URIS
    generation: Generation = Generation.V2
    #: Order of Id/Version/Yontem in the bytes (``None``: official order; 1.x: the 1.x
    #: producer's Id, Yontem, Version). Recorded by ``from_xml``; not part of equality.
    attribute_order: tuple[str, ...] | None = dataclasses.field(default=None, compare=False)
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)
    _xml_name = "SifreliIcerikBilgisi"

    def to_xml(self) -> bytes:
        """Official layout (§2.2, §5.6), attributes in :attr:`attribute_order`."""
        attrs: list[tuple[str, str]] = [("xmlns:xsi", XSI), ("xmlns:xsd", XSD)]
        values = {"Id": self.id, "Version": self.version, "Yontem": self.yontem}
        order = self.attribute_order
        if order is None:
            order = _V1_ORDER if self.generation is Generation.V1 else _V2_ORDER
        attrs += [(k, v) for k in order if (v := values.get(k)) is not None]
        attrs.append(("xmlns", _root_ns(self.generation)))
        kids = tuple(Node("URI", text=u) for u in self.uri_listesi)
        return render_pretty(Node("SifreliIcerikBilgisi", tuple(attrs), children=kids))

    @classmethod
    def from_xml(
        cls,
        data: bytes,
        *,
        part: str = "/SifreliIcerikBilgisi/SifreliIcerikBilgisi.xml",
        strict: bool = False,
    ) -> SifreliIcerikBilgisi:
        """Parse a 2.x (Tipler-2) or 1.x (SifreliIcerikBilgisi-1) part."""
        root = parse_root(data, part)
        expect_root(root, part, {"SifreliIcerikBilgisi": "SifreliIcerikBilgisi"})
        gen = next((g for g in Generation if namespace(root) == _root_ns(g)), None)
        if gen is None:
            raise XmlError(f"{part}: SifreliIcerikBilgisi in unknown namespace {namespace(root)!r}")
        ctx = Ctx(part)
        with lenient():
            s = Seq(root, _root_ns(gen), ctx, "SifreliIcerikBilgisi")
            uris = tuple(el.text or "" for el in s.all("URI"))
            s.done()
            order = tuple(str(k) for k in root.attrib if k in _V2_ORDER)
            value = cls(
                id=root.get("Id"),
                version=root.get("Version"),
                yontem=root.get("Yontem"),
                uri_listesi=uris,
                generation=gen,
                attribute_order=order,
                parse_problems=tuple(ctx.problems),
            )
        return finish(value, strict, part)
