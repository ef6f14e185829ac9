"""Typed models of the e-Yazışma XML components with byte-exact serialization.

Teknik Rehber 2.0/2.1 components as frozen dataclasses (spec/eyp.md §5, §6, §7). Field names
are the Turkish element names in snake_case (``belge_id``, ``guvenlik_kodu``).

API summary
-----------
Components — each has ``to_xml() -> bytes`` (official .NET layout, §2.2) and
``from_xml(data, *, part=..., strict=False)``:

* :class:`Ustveri` (2.x ``UstVeri`` and 1.x ``Ustveri``; ``generation`` field)
* :class:`NihaiUstveri`, :class:`BelgeHedef` (2.x/1.x), :class:`BelgeImza` (1.x)
* :class:`Manifest` with :class:`ManifestKind` PARAF_OZETI / PAKET_OZETI / NIHAI_OZET (2.x/1.x);
  ``Reference(uri, type, digests, id=None)``, ``DigestItem(algorithm, value)``,
  ``Reference.for_bytes(uri, data)``, ``Manifest.build(kind, id, refs)``,
  ``manifest.with_reference(ref)``, ``manifest.reference_for(uri)``
* :class:`SifreliIcerikBilgisi` (2.x/1.x), :class:`GuncellemeBilgisi`
* :class:`CoreProperties` (+ ``CORE_ORDER_NORMAL`` / ``CORE_ORDER_UPDATE``,
  :func:`creator_display_name`)

Shared types: :class:`Dagitim`, :class:`Ek`, :class:`Ozet`, :class:`Ilgi`, the party choice
:data:`Party` = :class:`KurumKurulus` | :class:`GercekSahis` | :class:`TuzelSahis`,
:class:`Kisi`, :class:`IletisimBilgisi`, :class:`Identifier`, :class:`SdpBilgisi`/:class:`Sdp`,
:class:`Heysk`, :class:`Imza`, :class:`DogrulamaBilgisi`.

Values: :class:`DotNetDateTime` (100 ns ticks + .NET kind, exact lexical form),
:class:`Duration` (xsd:duration), :func:`new_guid` / :func:`is_guid` / :func:`normalize_guid`;
enums carrying their XML text/URI: :class:`GuvenlikKodu`, :class:`Ivedilik`,
:class:`DagitimTuru`, :class:`EkTuru`, :class:`GuncellemeTuru`, :class:`PackageCategory`,
:class:`ReferenceType`, :class:`DigestAlgorithm` (``.uri``, ``.new()``, ``.digest(data)``).

Strict and lenient
------------------
Constructing a model validates its own values and raises :class:`~eyp.errors.ModelError`
(bad GUID/KKK/TCKN, wrong enum for the generation, missing mandatory element…). ``from_xml``
reads leniently: invalid lexical values are kept as :class:`RawText` (written back verbatim, so
third-party parts round-trip byte-identically), missing mandatory elements become ``None`` /
empty strings, and ``model.problems()`` lists every :class:`Problem` (path + message) for the
verifier. ``from_xml(..., strict=True)`` raises ``ModelError`` instead. Wrong root element or
namespace, malformed XML and any DTD raise :class:`~eyp.errors.XmlError`. Use
``with lenient():`` to build invalid models on purpose (e.g. verifier tests). Fields that
the schema makes mandatory but that a defective part may lack are typed ``X | None`` (e.g.
``Ustveri.mime_turu``, ``Ustveri.olusturan``, ``Dagitim.party``); strict construction rejects
``None`` there, so models you build yourself always have them. Cross-component
rules (unique ids, EkId references, digest coverage and the 2.x DigestItem shape) are the
verifier's job.

Generations: one class per component serves 1.x and 2.x; ``generation`` selects namespaces and
allowed elements (1.x-only fields: ``Ustveri.tarih``/``belge_no``, ``KurumKurulus.byk``,
``Imza.tcyk``). 1.x can be written too, in the layout of the 1.x producer.
"""

from __future__ import annotations

from eyp.model._base import Generation, NsStyle, Problem, RawText, is_lenient, lenient
from eyp.model._core import (
    CONTENT_TYPE_EYAZISMA,
    CORE_ORDER_NORMAL,
    CORE_ORDER_UPDATE,
    CoreProperties,
)
from eyp.model._datetime import DateTimeKind, DotNetDateTime
from eyp.model._enums import (
    DagitimTuru,
    DigestAlgorithm,
    EkTuru,
    GuncellemeTuru,
    GuvenlikKodu,
    Ivedilik,
    PackageCategory,
    ReferenceType,
)
from eyp.model._guncelleme import Guncelleme, GuncellemeBilgisi, GuvenlikKoduDegisiklikBilgisi
from eyp.model._manifest import (
    DEFAULT_DIGEST_ALGORITHMS,
    DigestItem,
    Manifest,
    ManifestKind,
    Reference,
)
from eyp.model._nihai import BelgeHedef, BelgeImza, NihaiUstveri
from eyp.model._parties import (
    GercekSahis,
    Identifier,
    IletisimBilgisi,
    Imza,
    Kisi,
    KurumKurulus,
    Party,
    TuzelSahis,
    creator_display_name,
)
from eyp.model._sifreli import (
    SIFRELI_ICERIK_URIS,
    SIFRELI_ICERIK_VERSION,
    SIFRELI_ICERIK_YONTEM,
    SifreliIcerikBilgisi,
)
from eyp.model._ustveri import (
    Dagitim,
    DogrulamaBilgisi,
    Ek,
    Heysk,
    Ilgi,
    Ozet,
    Sdp,
    SdpBilgisi,
    Ustveri,
)
from eyp.model._values import Duration, is_guid, new_guid, normalize_guid

__all__ = [
    "CONTENT_TYPE_EYAZISMA",
    "CORE_ORDER_NORMAL",
    "CORE_ORDER_UPDATE",
    "DEFAULT_DIGEST_ALGORITHMS",
    "SIFRELI_ICERIK_URIS",
    "SIFRELI_ICERIK_VERSION",
    "SIFRELI_ICERIK_YONTEM",
    "BelgeHedef",
    "BelgeImza",
    "CoreProperties",
    "Dagitim",
    "DagitimTuru",
    "DateTimeKind",
    "DigestAlgorithm",
    "DigestItem",
    "DogrulamaBilgisi",
    "DotNetDateTime",
    "Duration",
    "Ek",
    "EkTuru",
    "Generation",
    "GercekSahis",
    "Guncelleme",
    "GuncellemeBilgisi",
    "GuncellemeTuru",
    "GuvenlikKodu",
    "GuvenlikKoduDegisiklikBilgisi",
    "Heysk",
    "Identifier",
    "IletisimBilgisi",
    "Ilgi",
    "Imza",
    "Ivedilik",
    "Kisi",
    "KurumKurulus",
    "Manifest",
    "ManifestKind",
    "NihaiUstveri",
    "NsStyle",
    "Ozet",
    "PackageCategory",
    "Party",
    "Problem",
    "RawText",
    "Reference",
    "ReferenceType",
    "Sdp",
    "SdpBilgisi",
    "SifreliIcerikBilgisi",
    "TuzelSahis",
    "Ustveri",
    "creator_display_name",
    "is_guid",
    "is_lenient",
    "lenient",
    "new_guid",
    "normalize_guid",
]
