"""Code lists of the e-Yazışma schemas (spec/eyp.md §5.9, §5.10, §6, §7.1).

Every member carries its exact XML text (``.text``) or URI (``.uri``); ``from_text`` /
``from_uri`` raise :class:`~eyp.errors.ModelError` on unknown values. Members that exist only in
one format generation say so through :meth:`allowed_in`.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Self

from eyp.errors import ModelError
from eyp.model._base import Generation

__all__ = [
    "DagitimTuru",
    "DigestAlgorithm",
    "EkTuru",
    "GuncellemeTuru",
    "GuvenlikKodu",
    "Ivedilik",
    "PackageCategory",
    "ReferenceType",
]

_BOTH = frozenset({Generation.V1, Generation.V2})
_V1 = frozenset({Generation.V1})
_V2 = frozenset({Generation.V2})


class _TextEnum(enum.Enum):
    """Enum whose value is the XML text; subclasses may restrict members per generation."""

    @property
    def text(self) -> str:
        return str(self.value)

    def allowed_in(self, generation: Generation) -> bool:
        """Whether this value is defined by the code list of ``generation``."""
        return generation in self._generations().get(self.text, _BOTH)

    @classmethod
    def _generations(cls) -> dict[str, frozenset[Generation]]:
        return {}

    @classmethod
    def from_text(cls, text: str) -> Self:
        """The member whose XML text is exactly ``text``."""
        for member in cls:
            if member.value == text:
                return member
        allowed = ", ".join(str(m.value) for m in cls)
        raise ModelError(f"unknown {cls.__name__} value {text!r}; expected one of {allowed}")


class GuvenlikKodu(_TextEnum):
    """Security classification (§5.9). 2.x: YOK HZO OZL GZL CGZ; 1.x: TSD HZO OZL GZL CGZ KSO.

    The 2.1 API refuses OZL although the schema keeps it; that is a verifier warning, not a model
    error.
    """

    YOK = "YOK"
    TSD = "TSD"
    HZO = "HZO"
    OZL = "OZL"
    GZL = "GZL"
    CGZ = "CGZ"
    KSO = "KSO"

    @classmethod
    def _generations(cls) -> dict[str, frozenset[Generation]]:
        return {"YOK": _V2, "TSD": _V1, "KSO": _V1}


class Ivedilik(_TextEnum):
    """Urgency (§5.9). 2.x: NRM ACL GNL; 1.x: NRM IVD CIV GNL. GNL needs a Miat."""

    NRM = "NRM"
    ACL = "ACL"
    IVD = "IVD"
    CIV = "CIV"
    GNL = "GNL"

    @classmethod
    def _generations(cls) -> dict[str, frozenset[Generation]]:
        return {"ACL": _V2, "IVD": _V1, "CIV": _V1}


class DagitimTuru(_TextEnum):
    """Distribution kind (§5.9): GRG for action, BLG for information."""

    GRG = "GRG"
    BLG = "BLG"


class EkTuru(_TextEnum):
    """Attachment kind (§5.2): DED file in the package, HRF external link, FZK physical object."""

    DED = "DED"
    HRF = "HRF"
    FZK = "FZK"


class GuncellemeTuru(_TextEnum):
    """Kind of change in an update package (§5.7, Rehber 2.1)."""

    GUVENLIK_KODU = "GuvenlikKodu"

    @classmethod
    def _generations(cls) -> dict[str, frozenset[Generation]]:
        return {"GuvenlikKodu": _V2}


class PackageCategory(_TextEnum):
    """Core-properties ``category`` of the three package kinds (§1.1, §6)."""

    NORMAL = "RESMIYAZISMA"
    ENCRYPTED = "RESMIYAZISMA/SIFRELI"
    UPDATE = "RESMIYAZISMA/GUNCELLEME"


class _UriEnum(enum.Enum):
    @property
    def uri(self) -> str:
        return str(self.value)

    @classmethod
    def from_uri(cls, uri: str) -> Self:
        """The member whose URI is exactly ``uri``."""
        for member in cls:
            if member.value == uri:
                return member
        allowed = ", ".join(str(m.value) for m in cls)
        raise ModelError(f"unknown {cls.__name__} URI {uri!r}; expected one of {allowed}")


class ReferenceType(_UriEnum):
    """Manifest ``Reference/@Type`` (§5.4): a part inside the package or an external resource."""

    DAHILI = "http://eyazisma.dpt/bilesen#dahili"
    HARICI = "http://eyazisma.dpt/bilesen#harici"


class DigestAlgorithm(_UriEnum):
    """Digest algorithms of manifests and Ek/Ozet (§5.9, §7.1).

    SHA-256/384/512 are the 2.x set; SHA-1 and RIPEMD-160 exist only so 1.x packages can be read
    (deprecated; SHA-384 is 2.x only per the third-party validator).
    """

    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
    SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    RIPEMD160 = "http://www.w3.org/2001/04/xmlenc#ripemd160"

    @property
    def hashlib_name(self) -> str:
        return _HASHLIB_NAMES[self]

    @property
    def digest_size(self) -> int:
        return _DIGEST_SIZES[self]

    def allowed_in(self, generation: Generation) -> bool:
        """2.x permits SHA-256/384/512 only; 1.x permits all but SHA-384."""
        if generation is Generation.V2:
            return self in (DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512)
        return self is not DigestAlgorithm.SHA384

    def new(self) -> hashlib._Hash:
        """A fresh hash object (streaming use: ``h = alg.new(); h.update(chunk)``)."""
        try:
            # usedforsecurity=False: SHA-1/RIPEMD-160 are only used to *check* legacy packages.
            return hashlib.new(self.hashlib_name, usedforsecurity=False)
        except ValueError as exc:
            raise ModelError(
                f"digest algorithm {self.name} is not available in this Python/OpenSSL build "
                "(OpenSSL 3 moves RIPEMD-160 to the legacy provider); enable the legacy provider "
                "to check this 1.x package",
                code="EYP_MODEL_DIGEST_UNAVAILABLE",
            ) from exc

    def digest(self, data: bytes) -> bytes:
        """Digest of ``data`` in one call."""
        h = self.new()
        h.update(data)
        return h.digest()


_HASHLIB_NAMES = {
    DigestAlgorithm.SHA256: "sha256",
    DigestAlgorithm.SHA384: "sha384",
    DigestAlgorithm.SHA512: "sha512",
    DigestAlgorithm.SHA1: "sha1",
    DigestAlgorithm.RIPEMD160: "ripemd160",
}
_DIGEST_SIZES = {
    DigestAlgorithm.SHA256: 32,
    DigestAlgorithm.SHA384: 48,
    DigestAlgorithm.SHA512: 64,
    DigestAlgorithm.SHA1: 20,
    DigestAlgorithm.RIPEMD160: 20,
}
