"""The daily EBYS flow: paraf → e-signature → NihaiÜstveri → seal (eyp.md §1.2; signatures.md §2.3).

Two ways in:

* **in one session** — :func:`paraf`, :func:`sign` and :func:`seal` drive an open
  :class:`~eyp.build.EypSession` (all signers of a step are given together, because a part is
  written once);
* **on files, in several sittings** — :func:`sign_package` and :func:`seal_package` continue a
  draft (:meth:`EypSession.save_draft`) through :func:`eyp.build.resume_session`; each call adds
  one signer and writes the result atomically (the input is never modified in place unless it is
  also the target, and then only by an atomic rename after success).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eyp._names import Component
from eyp.build._resume import read_draft_state, resume_session
from eyp.build._session import EypSession, Stage
from eyp.errors import SigningRefusedError
from eyp.signing._nihai import nihai_ustveri_for
from eyp.signing._roles import SignatureRole
from eyp.signing._services import SigningServices
from eyp.signing._signatures import add_signer, create_signature
from keys import Signer

__all__ = [
    "AddMode",
    "SignOutcome",
    "paraf",
    "seal",
    "seal_package",
    "sign",
    "sign_package",
]


class AddMode(enum.Enum):
    """How a further signer joins an existing paraf/e-signature (signatures.md §2.4)."""

    SERIAL = "serial"
    PARALLEL = "parallel"


@dataclass(frozen=True)
class SignOutcome:
    """What one file-level signing call did."""

    role: SignatureRole
    signer_subject: str
    stage: str
    path: Path


def _sign_all(
    manifest: bytes,
    keys: Sequence[Signer],
    role: SignatureRole,
    services: SigningServices,
    mode: AddMode,
) -> bytes:
    if not keys:
        raise SigningRefusedError(f"the {role.title} needs at least one key")
    cms = create_signature(manifest, keys[0], role, services)
    for key in keys[1:]:
        cms = add_signer(cms, key, role, services, serial=mode is AddMode.SERIAL)
    return cms


def paraf(
    session: EypSession,
    keys: Sequence[Signer],
    services: SigningServices,
    *,
    mode: AddMode = AddMode.PARALLEL,
) -> bytes:
    """ParafÖzeti + paraf signature(s), P4 X-Long (eyp.md §8.3). Returns the CMS."""
    cms = _sign_all(session.paraf_ozeti(), keys, SignatureRole.PARAF, services, mode)
    session.add_paraf_signature(cms)
    return cms


def sign(
    session: EypSession,
    keys: Sequence[Signer],
    services: SigningServices,
    *,
    mode: AddMode = AddMode.SERIAL,
) -> bytes:
    """PaketÖzeti + e-signature(s), P4 X-Long; further signers serial by default (§2.4)."""
    cms = _sign_all(session.paket_ozeti(), keys, SignatureRole.IMZA, services, mode)
    session.add_signature(cms)
    return cms


def seal(session: EypSession, key: Signer, services: SigningServices, *, belge_no: str) -> bytes:
    """NihaiÜstveri (Tarih from the latest e-signature time-stamp) + core + NihaiÖzet + e-seal.

    The seal is P4 CAdES-A (eyp.md §8.3). Returns the seal CMS; call ``session.save()`` next.
    """
    imza = session.signature_bytes(Component.IMZA)
    if imza is None:
        raise SigningRefusedError(
            "the package has no e-signature yet; sign it before sealing (eyp.md §1.2)"
        )
    session.add_nihai_ustveri(nihai_ustveri_for(imza, belge_no))
    cms = create_signature(session.nihai_ozet(), key, SignatureRole.MUHUR, services)
    session.add_seal(cms)
    return cms


def _subject(key: Signer) -> str:
    return key.certificate.subject.rfc4514_string()


def sign_package(
    source: str | os.PathLike[str],
    key: Signer,
    services: SigningServices,
    *,
    paraf_signature: bool = False,
    mode: AddMode = AddMode.SERIAL,
    target: str | os.PathLike[str] | None = None,
) -> SignOutcome:
    """Add one paraf signer or one e-signature signer to the draft at ``source``.

    The first signer of a step creates the manifest and the signature; later signers join the
    stored signature (serial by default for the e-signature, §2.4). Paraf signing is refused
    once the PaketÖzeti exists, because the PaketÖzeti covers the paraf signature.
    """
    out = Path(target if target is not None else source)
    state = read_draft_state(source)
    role = SignatureRole.PARAF if paraf_signature else SignatureRole.IMZA
    replace: dict[Component, bytes] = {}
    if paraf_signature:
        if state.paket_ozeti is not None:
            raise SigningRefusedError(
                "the PaketÖzeti already covers the paraf signature; paraf signers must sign "
                "before the first e-signature (eyp.md §1.2)"
            )
        if state.paraf_imza is not None:
            replace[Component.PARAF_IMZA] = add_signer(
                state.paraf_imza, key, role, services, serial=mode is AddMode.SERIAL
            )
    elif state.imza is not None:
        replace[Component.IMZA] = add_signer(
            state.imza, key, role, services, serial=mode is AddMode.SERIAL
        )
    with resume_session(source, out, replace=replace) as session:
        if not replace:
            if paraf_signature:
                manifest = (
                    session.paraf_ozeti() if session.stage is Stage.CONTENT else state.paraf_ozeti
                )
                assert manifest is not None
                session.add_paraf_signature(create_signature(manifest, key, role, services))
            else:
                manifest = (
                    state.paket_ozeti
                    if session.stage is Stage.PAKET_OZETI
                    else session.paket_ozeti()
                )
                assert manifest is not None
                session.add_signature(create_signature(manifest, key, role, services))
        stage = session.stage.name
        session.save_draft()
    return SignOutcome(role, _subject(key), stage, out)


def seal_package(
    source: str | os.PathLike[str],
    key: Signer,
    services: SigningServices,
    *,
    belge_no: str,
    target: str | os.PathLike[str] | None = None,
) -> SignOutcome:
    """Finish the signed draft at ``source``: NihaiÜstveri, core, NihaiÖzet and the e-seal."""
    out = Path(target if target is not None else source)
    with resume_session(source, out) as session:
        if session.stage is not Stage.IMZA:
            raise SigningRefusedError(
                "only a draft with its e-signature can be sealed; it is at stage "
                f"{session.stage.name} (eyp.md §1.2)"
            )
        seal(session, key, services, belge_no=belge_no)
        session.save()
    return SignOutcome(SignatureRole.MUHUR, _subject(key), Stage.MUHUR.name, out)
