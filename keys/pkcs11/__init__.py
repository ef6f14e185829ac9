"""Keys on PKCS#11 smart cards and HSMs (signatures.md §6).

Typical use::

    from keys.pkcs11 import open_token
    from keys import CertificateRole, SignatureMechanism

    token = open_token("akisp11", serial="1234...")
    for cert in token.certificates():          # no PIN needed
        print(cert.info.subject, cert.info.qc_type)
    with token.open_key(CertificateRole.SIGNING, pin_callback=ask_pin) as key:
        signature = key.sign(signed_attrs_der, SignatureMechanism.RSA_PKCS1_SHA256)

PIN states: ``PinLockedError`` / ``PinFinalTryError`` are raised before any login;
``CKF_USER_PIN_COUNT_LOW`` is shown to the PIN callback through ``TokenInfo.pin_status`` and
kept in ``Pkcs11Key.pin_status_at_login``. A wrong PIN raises ``WrongPinError`` and is never
retried.
"""

from keys.pkcs11._inventory import (
    PinStatus,
    SlotInfo,
    TokenCertificate,
    TokenInfo,
    list_slots,
)
from keys.pkcs11._key import Pkcs11Key
from keys.pkcs11._module import KNOWN_MODULES, InitMode, Pkcs11Module, load_module
from keys.pkcs11._pin import PinCallback
from keys.pkcs11._token import Pkcs11Token, open_token

__all__ = [
    "KNOWN_MODULES",
    "InitMode",
    "PinCallback",
    "PinStatus",
    "Pkcs11Key",
    "Pkcs11Module",
    "Pkcs11Token",
    "SlotInfo",
    "TokenCertificate",
    "TokenInfo",
    "list_slots",
    "load_module",
    "open_token",
]
