"""Make the CAdES signatures of a package (signatures.md §2.1–§2.4; eyp.md §8).

Each signature goes through the pipeline of §2.3: checks before signing (§2.6) → CAdES-EPES
over the exact manifest bytes (attached, ``mime-type`` ``application/xml``, §2.2) →
signature-time-stamp → P4 OCSP for the signer after the time-stamp → references and values
(X-Long) → for seals, the archive time-stamp (CAdES-A).

Additional document signers (§2.4): a **serial** signer countersigns the most recent signer
(the incumbent's encoding, and what writers must use); a **parallel** signer adds a SignerInfo
over the same content. Seals have exactly one signer.
"""

from __future__ import annotations

from cades import SignerInfoView, add_parallel_signer, countersign, parse_signed_data, sign, upgrade
from cades.errors import CadesError
from cades.profiles import Level
from eyp.errors import SigningRefusedError
from eyp.signing._precheck import check_before_signing
from eyp.signing._roles import SignatureRole
from eyp.signing._services import SigningServices
from keys import Signer

__all__ = ["MANIFEST_MIME_TYPE", "add_signer", "create_signature", "target_level"]

#: mime-type of the three manifests (signatures.md §2.2, §10 Q3).
MANIFEST_MIME_TYPE = "application/xml"


def target_level(role: SignatureRole) -> Level:
    """X-Long for paraf and e-signature, A for the seals (§2.1)."""
    return Level.A if role.is_seal else Level.XL


def create_signature(
    manifest: bytes, key: Signer, role: SignatureRole, services: SigningServices
) -> bytes:
    """The complete signature of ``role`` over ``manifest`` (the exact part bytes)."""
    check_before_signing(key, role, services, services.now())
    cms = sign(manifest, key, profile=services.profile, mime_type=MANIFEST_MIME_TYPE)
    return upgrade(cms, target_level(role), services.sources())


def _latest(signer: SignerInfoView) -> SignerInfoView:
    while signer.counter_signers:
        signer = signer.counter_signers[-1]
    return signer


def add_signer(
    signature: bytes,
    key: Signer,
    role: SignatureRole,
    services: SigningServices,
    *,
    serial: bool = True,
) -> bytes:
    """Add a serial (countersignature) or parallel signer to an existing paraf/e-signature."""
    if role.is_seal:
        raise SigningRefusedError(
            f"the {role.title} has exactly one signer; no serial or parallel signers (§2.4)"
        )
    check_before_signing(key, role, services, services.now())
    try:
        view = parse_signed_data(signature)
    except CadesError as exc:
        raise SigningRefusedError(f"the existing {role.title} is not readable: {exc}") from exc
    if not view.signers:
        raise SigningRefusedError(f"the existing {role.title} has no signer")
    if serial:
        target = _latest(view.signers[-1])
        signed = countersign(signature, key, target=target.path, profile=services.profile)
        new_path = f"{target.path}.{len(target.counter_signers)}"
    else:
        signed = add_parallel_signer(
            signature, key, profile=services.profile, mime_type=MANIFEST_MIME_TYPE
        )
        new_path = str(len(view.signers))
    return upgrade(signed, target_level(role), services.sources(), signer=new_path)
