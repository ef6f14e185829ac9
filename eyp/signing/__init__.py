"""Paraf, sign and seal EYP packages with CAdES (eyp.md §1.2, §8; signatures.md §2).

* :class:`SigningServices` — TSA, trust anchors, CA pool and profile for one package;
* in one session: :func:`paraf`, :func:`sign`, :func:`seal` on an open
  :class:`~eyp.build.EypSession`;
* on draft files, one signer per call: :func:`sign_package`, :func:`seal_package`;
* building blocks: :func:`create_signature`, :func:`add_signer`, :func:`nihai_ustveri_for`,
  :class:`SignatureRole`, :func:`check_certificate_kind`.
"""

from eyp.signing._nihai import nihai_ustveri_for, signature_times, signer_records
from eyp.signing._roles import SignatureRole, check_certificate_kind
from eyp.signing._services import SigningServices
from eyp.signing._signatures import MANIFEST_MIME_TYPE, add_signer, create_signature
from eyp.signing._workflow import (
    AddMode,
    SignOutcome,
    paraf,
    seal,
    seal_package,
    sign,
    sign_package,
)

__all__ = [
    "MANIFEST_MIME_TYPE",
    "AddMode",
    "SignOutcome",
    "SignatureRole",
    "SigningServices",
    "add_signer",
    "check_certificate_kind",
    "create_signature",
    "nihai_ustveri_for",
    "paraf",
    "seal",
    "seal_package",
    "sign",
    "sign_package",
    "signature_times",
    "signer_records",
]
