"""The three manifests ParafÖzeti, PaketÖzeti and NihaiÖzet (spec/eyp.md §5.4, §7).

They share one shape — root ``Id`` plus ``Reference`` elements from the PaketOzeti namespace —
so one :class:`Manifest` class with a :class:`ManifestKind` serves all three. 2.x references
carry ``DigestItem`` pairs, 1.x references exactly one DigestMethod/DigestValue. Shape rules
(two items, distinct algorithms, one SHA-512, coverage) are the verifier's job (§7.4); the
model only refuses what it could not write.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable

from eyp.model._base import Generation, ModelBase, Problem, RawText, raw_problems
from eyp.model._enums import DigestAlgorithm, ReferenceType

__all__ = [
    "DEFAULT_DIGEST_ALGORITHMS",
    "DigestItem",
    "Manifest",
    "ManifestKind",
    "Reference",
]

#: What the official API writes per reference in 2.x: SHA-384 first, SHA-512 second (§7.1).
DEFAULT_DIGEST_ALGORITHMS: tuple[DigestAlgorithm, ...] = (
    DigestAlgorithm.SHA384,
    DigestAlgorithm.SHA512,
)


class ManifestKind(enum.Enum):
    """Which manifest: the value is the root element name (and namespace stem)."""

    PARAF_OZETI = "ParafOzeti"
    PAKET_OZETI = "PaketOzeti"
    NIHAI_OZET = "NihaiOzet"

    @property
    def root_name(self) -> str:
        return str(self.value)

    @property
    def part_name(self) -> str:
        """Canonical part name, e.g. ``/PaketOzeti/PaketOzeti.xml`` (§3.1)."""
        return f"/{self.value}/{self.value}.xml"


@dataclasses.dataclass(frozen=True)
class DigestItem(ModelBase):
    """One digest of a reference: algorithm and raw hash bytes (base64 in XML)."""

    algorithm: DigestAlgorithm | RawText
    value: bytes | RawText
    _xml_name = "DigestItem"

    def _own_problems(self, path: str) -> list[Problem]:
        return raw_problems(
            path, **{"DigestMethod/@Algorithm": self.algorithm, "DigestValue": self.value}
        )

    def matches(self, data: bytes) -> bool:
        """True when this item is well-formed and equals the digest of ``data``."""
        if not isinstance(self.algorithm, DigestAlgorithm) or not isinstance(self.value, bytes):
            return False
        return self.algorithm.digest(data) == self.value


@dataclasses.dataclass(frozen=True)
class Reference(ModelBase):
    """One covered component: absolute part name (or URL for ``harici``), type, digests."""

    uri: str
    type: ReferenceType | RawText | None
    digests: tuple[DigestItem, ...]
    id: str | None = None
    _xml_name = "Reference"

    def _own_problems(self, path: str) -> list[Problem]:
        out = raw_problems(path, **{"@Type": self.type})
        if not self.uri:
            out.append(Problem(f"{path}/@URI", "URI is missing or empty"))
        if self.type is None:
            out.append(Problem(f"{path}/@Type", "Type is missing"))
        if not self.digests:
            out.append(Problem(path, "at least one digest is required"))
        return out

    @classmethod
    def for_bytes(
        cls,
        uri: str,
        data: bytes,
        algorithms: Iterable[DigestAlgorithm] = DEFAULT_DIGEST_ALGORITHMS,
        type: ReferenceType = ReferenceType.DAHILI,
    ) -> Reference:
        """A reference whose digests are computed over ``data`` (the exact part bytes, §7.1)."""
        return cls(uri, type, tuple(DigestItem(a, a.digest(data)) for a in algorithms))

    def digest(self, algorithm: DigestAlgorithm) -> bytes | None:
        """The digest value recorded for ``algorithm`` (first match), if any."""
        for item in self.digests:
            if item.algorithm is algorithm and isinstance(item.value, bytes):
                return item.value
        return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Manifest(ModelBase):
    """ParafÖzeti, PaketÖzeti or NihaiÖzet (§5.4). ``id`` is the BelgeId (update package: the
    core identifier)."""

    kind: ManifestKind
    id: str | None
    references: tuple[Reference, ...]
    generation: Generation = Generation.V2
    parse_problems: tuple[Problem, ...] = dataclasses.field(default=(), compare=False)

    def _path_name(self) -> str:
        return self.kind.root_name

    def _own_problems(self, path: str) -> list[Problem]:
        out = []
        if self.generation is Generation.V1:
            if self.kind is ManifestKind.PARAF_OZETI:
                out.append(Problem(path, "ParafOzeti does not exist in 1.x"))
            for i, ref in enumerate(self.references, start=1):
                if len(ref.digests) != 1:
                    out.append(
                        Problem(
                            f"{path}/Reference[{i}]", "a 1.x reference carries exactly one digest"
                        )
                    )
        return out

    @classmethod
    def build(
        cls,
        kind: ManifestKind,
        id: str,
        references: Iterable[Reference],
        generation: Generation = Generation.V2,
    ) -> Manifest:
        """A manifest from references, later ones replacing earlier ones with the same URI
        (case-insensitive; the replacement moves to the end, as the official builder does)."""
        manifest = cls(kind=kind, id=id, references=(), generation=generation)
        for ref in references:
            manifest = manifest.with_reference(ref)
        return manifest

    def with_reference(self, ref: Reference) -> Manifest:
        """A copy with ``ref`` appended, dropping any reference with the same URI (§7.1)."""
        key = ref.uri.casefold()
        kept = tuple(r for r in self.references if r.uri.casefold() != key)
        return dataclasses.replace(self, references=(*kept, ref))

    def reference_for(self, uri: str, *, ignore_case: bool = False) -> Reference | None:
        """The first reference whose URI equals ``uri`` (exact string comparison by default,
        as the official presence checks do)."""
        for ref in self.references:
            if ref.uri == uri or (ignore_case and ref.uri.casefold() == uri.casefold()):
                return ref
        return None

    @property
    def uris(self) -> tuple[str, ...]:
        return tuple(r.uri for r in self.references)

    def to_xml(self) -> bytes:
        """Serialize in the official layout (§2.2, §5.4)."""
        from eyp.model._codec_manifest import write_manifest  # lazy: codec imports us

        return write_manifest(self)

    @classmethod
    def from_xml(
        cls,
        data: bytes,
        *,
        part: str = "manifest",
        kind: ManifestKind | None = None,
        strict: bool = False,
    ) -> Manifest:
        """Parse any of the three manifests (2.x or 1.x); ``kind`` (if given) must match the
        root element, otherwise :class:`~eyp.errors.XmlError`."""
        from eyp.model._codec_manifest import read_manifest

        return read_manifest(data, part, kind, strict)
