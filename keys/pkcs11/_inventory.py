"""Slots, tokens and certificates, listed without a PIN (signatures.md §6.2).

Only a read-only session is opened and only public objects (``CKO_CERTIFICATE`` /
``CKC_X_509``) are read: ``CKA_VALUE``, ``CKA_ID``, ``CKA_LABEL``. ``CKF_LOGIN_REQUIRED`` is
not a reason to ask for a PIN here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pkcs11
import pkcs11.exceptions as p11e
from cryptography import x509
from pkcs11 import Attribute, CertificateType, ObjectClass

from keys._certs import CertificateInfo, classify_certificate
from keys.errors import TokenNotFoundError
from keys.pkcs11._errors import wrap_error
from keys.pkcs11._module import Pkcs11Module

__all__ = [
    "PinStatus",
    "SlotInfo",
    "TokenCertificate",
    "TokenInfo",
    "find_slot",
    "list_certificates",
    "list_slots",
    "read_token_info",
]

CKF_LOGIN_REQUIRED = 0x00000004
CKF_PROTECTED_AUTHENTICATION_PATH = 0x00000100
CKF_TOKEN_INITIALIZED = 0x00000400
CKF_USER_PIN_COUNT_LOW = 0x00010000
CKF_USER_PIN_FINAL_TRY = 0x00020000
CKF_USER_PIN_LOCKED = 0x00040000
CKF_USER_PIN_TO_BE_CHANGED = 0x00080000


@dataclass(frozen=True)
class PinStatus:
    """The user-PIN bits of ``CK_TOKEN_INFO.flags`` (signatures.md §6.5 table)."""

    count_low: bool
    final_try: bool
    locked: bool
    to_be_changed: bool

    @classmethod
    def from_flags(cls, flags: int) -> PinStatus:
        return cls(
            count_low=bool(flags & CKF_USER_PIN_COUNT_LOW),
            final_try=bool(flags & CKF_USER_PIN_FINAL_TRY),
            locked=bool(flags & CKF_USER_PIN_LOCKED),
            to_be_changed=bool(flags & CKF_USER_PIN_TO_BE_CHANGED),
        )

    def to_dict(self) -> dict[str, bool]:
        return {
            "count_low": self.count_low,
            "final_try": self.final_try,
            "locked": self.locked,
            "to_be_changed": self.to_be_changed,
        }


@dataclass(frozen=True)
class TokenInfo:
    """``CK_TOKEN_INFO`` of one token; handed to PIN callbacks so a prompt can name the card."""

    slot_id: int
    label: str
    serial: str
    manufacturer: str
    model: str
    flags: int
    pin_status: PinStatus

    @property
    def login_required(self) -> bool:
        return bool(self.flags & CKF_LOGIN_REQUIRED)

    @property
    def initialized(self) -> bool:
        """``CKF_TOKEN_INITIALIZED``: uninitialised tokens have no objects to list."""
        return bool(self.flags & CKF_TOKEN_INITIALIZED)

    @property
    def protected_authentication_path(self) -> bool:
        """PIN-pad reader: login with a NULL PIN, the user types on the reader."""
        return bool(self.flags & CKF_PROTECTED_AUTHENTICATION_PATH)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "label": self.label,
            "serial": self.serial,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "flags": f"0x{self.flags:x}",
            "initialized": self.initialized,
            "login_required": self.login_required,
            "protected_authentication_path": self.protected_authentication_path,
            "pin_status": self.pin_status.to_dict(),
        }


@dataclass(frozen=True)
class SlotInfo:
    slot_id: int
    description: str
    manufacturer: str
    token: TokenInfo | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "description": self.description,
            "manufacturer": self.manufacturer,
            "token": self.token.to_dict() if self.token else None,
        }


@dataclass(frozen=True)
class TokenCertificate:
    """A certificate object found on a token (public, read without a PIN)."""

    key_id: bytes
    label: str
    der: bytes = field(repr=False)
    certificate: x509.Certificate = field(repr=False)
    info: CertificateInfo

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.key_id.hex(), "label": self.label, **self.info.to_dict()}


def _token_info(slot: Any) -> TokenInfo:
    token = slot.get_token()
    return TokenInfo(
        slot_id=int(slot.slot_id),
        label=token.label,
        serial=token.serial.decode("ascii", "replace").strip(),
        manufacturer=token.manufacturer_id,
        model=token.model,
        flags=int(token.flags),
        pin_status=PinStatus.from_flags(int(token.flags)),
    )


def read_token_info(module: Pkcs11Module, slot: Any) -> TokenInfo:
    """Fresh ``C_GetTokenInfo`` (never cached: PIN flags change after each login)."""
    with module.guard():
        try:
            return _token_info(slot)
        except p11e.PKCS11Error as exc:
            raise wrap_error(exc, "read the token information") from exc


def list_slots(module: Pkcs11Module) -> tuple[SlotInfo, ...]:
    """All slots of the module with their token (if present)."""
    result: list[SlotInfo] = []
    with module.guard():
        try:
            slots = module.lib.get_slots(token_present=False)
        except p11e.PKCS11Error as exc:
            raise wrap_error(exc, "list the slots") from exc
        for slot in slots:
            token: TokenInfo | None
            try:
                token = _token_info(slot) if slot.flags & pkcs11.SlotFlag.TOKEN_PRESENT else None
            except (p11e.TokenNotPresent, p11e.TokenNotRecognised):
                token = None
            except p11e.PKCS11Error as exc:
                raise wrap_error(exc, "read the token information") from exc
            result.append(
                SlotInfo(
                    slot_id=int(slot.slot_id),
                    description=slot.slot_description,
                    manufacturer=slot.manufacturer_id,
                    token=token,
                )
            )
    return tuple(result)


def find_slot(
    module: Pkcs11Module,
    *,
    label: str | None = None,
    serial: str | None = None,
    slot_id: int | None = None,
) -> Any:
    """The python-pkcs11 slot whose token matches all given criteria (exactly one)."""
    matches = []
    with module.guard():
        for slot in module.lib.get_slots(token_present=True):
            if slot_id is not None and int(slot.slot_id) != slot_id:
                continue
            try:
                info = _token_info(slot)
            except (p11e.TokenNotPresent, p11e.TokenNotRecognised):
                continue
            if label is not None and info.label != label:
                continue
            if serial is not None and info.serial != serial:
                continue
            matches.append(slot)
    if not matches:
        raise TokenNotFoundError(
            "No token matches "
            + ", ".join(
                f"{k}={v!r}"
                for k, v in (("label", label), ("serial", serial), ("slot", slot_id))
                if v is not None
            )
            + ". Insert the card and check `eyazisma tokens`."
        )
    if len(matches) > 1:
        raise TokenNotFoundError(
            "Several tokens match; select one by serial number or slot (see `eyazisma tokens`)."
        )
    return matches[0]


def list_certificates(module: Pkcs11Module, slot: Any) -> tuple[TokenCertificate, ...]:
    """Certificates on the token in ``slot``, through a read-only session without login."""
    found: list[TokenCertificate] = []
    with module.guard():
        try:
            token = slot.get_token()
            with token.open(rw=False) as session:
                objects = list(
                    session.get_objects(
                        {
                            Attribute.CLASS: ObjectClass.CERTIFICATE,
                            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        }
                    )
                )
                raw = [
                    (o[Attribute.VALUE], _opt(o, Attribute.ID), _opt(o, Attribute.LABEL))
                    for o in objects
                ]
        except p11e.PKCS11Error as exc:
            raise wrap_error(exc, "list the certificates") from exc
    for value, key_id, label in raw:
        try:
            cert = x509.load_der_x509_certificate(bytes(value))
        except ValueError:
            continue  # unreadable certificate objects are skipped, not fatal for listing
        found.append(
            TokenCertificate(
                key_id=bytes(key_id or b""),
                label=str(label or ""),
                der=bytes(value),
                certificate=cert,
                info=classify_certificate(cert),
            )
        )
    return tuple(found)


def _opt(obj: Any, attribute: Attribute) -> Any:
    try:
        return obj[attribute]
    except (p11e.AttributeTypeInvalid, p11e.AttributeSensitive, p11e.FunctionFailed):
        return None
