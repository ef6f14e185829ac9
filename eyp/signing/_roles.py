"""Which certificate may make which EYP signature (signatures.md §1.8, §2.1; eyp.md §8.1).

Paraf and e-signature need a person's qualified certificate (NES); the e-seal and the update
seal need an institutional or qualified seal certificate. A fiscal seal (mali mühür) is never
acceptable for EYP. The classification itself lives in :func:`keys.classify_certificate`.
"""

from __future__ import annotations

import enum

from cryptography import x509

from eyp.errors import SigningRefusedError
from keys import QcType, classify_certificate

__all__ = ["SignatureRole", "check_certificate_kind"]


class SignatureRole(enum.Enum):
    """The four signatures of an EYP (signatures.md §2.1); values match the CLI JSON."""

    PARAF = "paraf"
    IMZA = "imza"
    MUHUR = "muhur"
    GUNCELLEME_MUHRU = "guncelleme-muhru"

    @property
    def is_seal(self) -> bool:
        return self in (SignatureRole.MUHUR, SignatureRole.GUNCELLEME_MUHRU)

    @property
    def accepted_types(self) -> frozenset[QcType]:
        if self.is_seal:
            return frozenset({QcType.KURUMSAL_MUHUR, QcType.NITELIKLI_MUHUR})
        return frozenset({QcType.NES})

    @property
    def title(self) -> str:
        return {
            SignatureRole.PARAF: "paraf signature",
            SignatureRole.IMZA: "e-signature",
            SignatureRole.MUHUR: "e-seal",
            SignatureRole.GUNCELLEME_MUHRU: "update seal",
        }[self]


def check_certificate_kind(certificate: x509.Certificate, role: SignatureRole) -> QcType:
    """Return the certificate's type, or refuse when it does not suit ``role`` (§1.8)."""
    info = classify_certificate(certificate)
    if info.qc_type in role.accepted_types:
        return info.qc_type
    if role.is_seal:
        wanted = "an institutional (kurumsal) or qualified (nitelikli) e-seal certificate"
    else:
        wanted = "a person's qualified electronic certificate (NES)"
    found = {
        QcType.NES: "a person's NES certificate",
        QcType.KURUMSAL_MUHUR: "an institutional e-seal certificate",
        QcType.NITELIKLI_MUHUR: "a qualified e-seal certificate",
        QcType.MALI_MUHUR: "a fiscal seal (mali mühür) certificate, which EYP never accepts",
        QcType.NONE: "a certificate without Turkish qualified-certificate markers",
    }[info.qc_type]
    raise SigningRefusedError(
        f"the {role.title} needs {wanted}, but the key's certificate ({info.subject}) is "
        f"{found}; choose the right key (signatures.md §1.8)"
    )
