"""Shared machinery of the EYP models: problems, raw values, strict/lenient construction.

Teknik Rehber 2.0 §5 (and spec/eyp.md §5) defines what a valid component looks like, but real
packages break those rules (a third-party Üstveri without ``MimeTuru``, ``Miat`` ``0``). A reader
must still load them so the verifier can *report* the defects, while code that builds a package
must not be able to create them by accident. Hence two construction modes:

* **strict** (the default): a model's ``__post_init__`` checks its own values and raises
  :class:`~eyp.errors.ModelError` listing every problem;
* **lenient**: inside ``with lenient():`` (which every ``from_xml`` uses unless ``strict=True``)
  the checks are skipped; invalid lexical values are kept verbatim as :class:`RawText` and
  ``problems()`` lists them later.

Cross-component rules (uniqueness of ids, EkId references, digest coverage) belong to the
verifier, not here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from eyp.errors import ModelError

__all__ = [
    "Generation",
    "ModelBase",
    "NsStyle",
    "Problem",
    "RawText",
    "is_lenient",
    "lenient",
]

_LENIENT: ContextVar[bool] = ContextVar("eyp_model_lenient", default=False)


@contextlib.contextmanager
def lenient() -> Iterator[None]:
    """Build models without validation (for readers and for tests of the verifier)."""
    token = _LENIENT.set(True)
    try:
        yield
    finally:
        _LENIENT.reset(token)


def is_lenient() -> bool:
    """True inside :func:`lenient`."""
    return _LENIENT.get()


class Generation(enum.Enum):
    """Format generation of a component (spec/eyp.md §1.1, §5.10)."""

    V1 = "1"
    V2 = "2"


class NsStyle(enum.Enum):
    """How the Tipler namespace is spelled in the serialized XML (spec/eyp.md §5.1).

    ``PER_CHILD`` is the official Üstveri layout: each top-level child re-declares
    ``xmlns="…Tipler-2"``. ``PREFIX`` writes ``tipler:`` prefixes declared on the root (official
    NihaiÜstveri/BelgeHedef/GüncellemeBilgisi, and every part of the third-party producers).
    The style only affects bytes, never equality.
    """

    PER_CHILD = "per-child"
    PREFIX = "prefix"


@dataclasses.dataclass(frozen=True)
class Problem:
    """One spec violation found in a model: ``path`` is an XPath-like location."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclasses.dataclass(frozen=True)
class RawText:
    """A lexical value that is not valid for its field, kept verbatim.

    Written back unchanged by ``to_xml`` so that third-party parts round-trip, and reported by
    ``problems()`` so a verifier can name the defect. ``reason`` is not part of equality.
    """

    text: str
    reason: str = dataclasses.field(default="invalid value", compare=False)

    def __str__(self) -> str:
        return self.text


class ModelBase:
    """Mixin for the frozen model dataclasses: validation and problem collection."""

    #: XML element name used in problem paths.
    _xml_name: str = ""
    #: True for the alternatives of an xsd:choice (their element name is part of the path).
    _is_choice: bool = False

    def __post_init__(self) -> None:
        if is_lenient():
            return
        own = self._own_problems(self._path_name())
        if own:
            details = "; ".join(str(p) for p in own)
            raise ModelError(f"invalid {self._path_name()}: {details}")

    def _own_problems(self, path: str) -> list[Problem]:
        """Problems of this object's direct fields at ``path`` (children check themselves)."""
        return []

    def problems(self) -> tuple[Problem, ...]:
        """Every problem of this object and its descendants (empty when valid)."""
        return tuple(self._collect(self._path_name()))

    def _path_name(self) -> str:
        return self._xml_name or type(self).__name__

    def _collect(self, path: str) -> list[Problem]:
        found: list[Problem] = list(getattr(self, "parse_problems", ()))
        found.extend(self._own_problems(path))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            segment = _xml_field(f)
            found.extend(_child_problems(getattr(self, f.name), f"{path}/{segment}".rstrip("/")))
        return found


_XML_NAME_EXCEPTIONS = {
    "kkk": "KKK",
    "birim_kkk": "BirimKKK",
    "byk": "BYK",
    "tckn": "TCKN",
    "tcyk": "TCYK",
    "dagitim_listesi": "DagitimListesi/Dagitim",
    "ekler": "Ekler/Ek",
    "ilgiler": "Ilgiler/Ilgi",
    "ilgili_listesi": "IlgiliListesi/Ilgili",
    "heysk_listesi": "HeyskListesi/Heysk",
    "belge_imzalar": "BelgeImzalar/Imza",
    "imza_listesi": "ImzaListesi/Imza",
    "hedef_listesi": "HedefListesi/Hedef",
    "diger_sdpler": "DigerSdpler/SdpListesi",
    "references": "Reference",
    "digests": "DigestItem",
    "uri_listesi": "URI",
    "party": "",  # the party element names itself (KurumKurulus / GercekSahis / TuzelSahis)
}


def xml_name(field_name: str) -> str:
    """The XML element name of a snake_case model field (``belge_id`` → ``BelgeId``)."""
    special = _XML_NAME_EXCEPTIONS.get(field_name)
    if special is not None:
        return special
    return "".join(part[:1].upper() + part[1:] for part in field_name.split("_"))


def _xml_field(f: dataclasses.Field[Any]) -> str:
    return xml_name(f.name)


def _child_problems(value: object, path: str) -> list[Problem]:
    if isinstance(value, ModelBase):
        if value._is_choice:
            # A choice (party) shows which alternative was taken: …/Olusturan/KurumKurulus/KKK.
            path = f"{path}/{value._path_name()}"
        return value._collect(path)
    if isinstance(value, tuple):
        out: list[Problem] = []
        for i, item in enumerate(value, start=1):
            out.extend(_child_problems(item, f"{path}[{i}]"))
        return out
    return []


def raw_problems(path: str, **values: object) -> list[Problem]:
    """Problems for every :class:`RawText` among ``values`` (keyword = XML element name)."""
    return [
        Problem(f"{path}/{name}", v.reason) for name, v in values.items() if isinstance(v, RawText)
    ]


def require(path: str, **values: object) -> list[Problem]:
    """Problems for every mandatory value that is ``None`` (keyword = XML element name)."""
    return [
        Problem(f"{path}/{name}", "mandatory element is missing")
        for name, v in values.items()
        if v is None
    ]
