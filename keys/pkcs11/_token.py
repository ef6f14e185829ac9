"""A token in a slot: information, certificates and opening keys (signatures.md §6.2–§6.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from cryptography import x509

from keys._certs import CertificateRole, QcType, select_certificate
from keys.errors import KeyNotFoundError
from keys.pkcs11._inventory import (
    TokenCertificate,
    TokenInfo,
    find_slot,
    list_certificates,
    read_token_info,
)
from keys.pkcs11._key import Pkcs11Key
from keys.pkcs11._module import Pkcs11Module, load_module
from keys.pkcs11._pin import PinCallback

__all__ = ["Pkcs11Token", "open_token"]


class Pkcs11Token:
    """One token; listing needs no PIN, :meth:`open_key` asks the PIN callback once."""

    def __init__(self, module: Pkcs11Module, slot: Any) -> None:
        self.module = module
        self._slot = slot

    def __repr__(self) -> str:
        return f"<Pkcs11Token slot={int(self._slot.slot_id)} module={self.module.path}>"

    @property
    def slot_id(self) -> int:
        return int(self._slot.slot_id)

    def info(self) -> TokenInfo:
        """Fresh token information, including the PIN status flags."""
        return read_token_info(self.module, self._slot)

    def certificates(self) -> tuple[TokenCertificate, ...]:
        """All X.509 certificates on the token, read without a PIN."""
        return list_certificates(self.module, self._slot)

    def select_certificate(
        self,
        role: CertificateRole,
        *,
        qc_types: Iterable[QcType] | None = None,
        now: dt.datetime | None = None,
    ) -> TokenCertificate:
        """Choose the certificate for ``role`` (signatures.md §6.3); ambiguity is an error."""
        certs = self.certificates()
        chosen: TokenCertificate = select_certificate(
            [(c.info, c) for c in certs], role, qc_types=qc_types, now=now
        )
        return chosen

    def open_key(
        self,
        certificate: TokenCertificate | bytes | CertificateRole,
        pin_callback: PinCallback,
        *,
        allow_final_try: bool = False,
        pool_size: int = 32,
        legacy: bool = False,
        verify_signatures: bool = True,
        oaep_raw_fallback: bool = True,
    ) -> Pkcs11Key:
        """Log in once and return the private key paired with ``certificate``.

        ``certificate`` is a :class:`TokenCertificate`, a certificate's CKA_ID, or a role to
        select automatically. The chain is every other certificate on the token.
        """
        certs = self.certificates()
        if isinstance(certificate, TokenCertificate):
            chosen = certificate
        elif isinstance(certificate, CertificateRole):
            chosen = select_certificate([(c.info, c) for c in certs], certificate)
        else:
            matches = [c for c in certs if c.key_id == bytes(certificate)]
            if len(matches) != 1:
                raise KeyNotFoundError(
                    f"Expected one certificate with CKA_ID {bytes(certificate).hex()}, found "
                    f"{len(matches)}. List them with `eyazisma tokens`."
                )
            chosen = matches[0]
        chain: list[x509.Certificate] = [c.certificate for c in certs if c.der != chosen.der]
        return Pkcs11Key(
            self.module,
            self._slot,
            chosen,
            pin_callback,
            chain=chain,
            allow_final_try=allow_final_try,
            pool_size=pool_size,
            legacy=legacy,
            verify_signatures=verify_signatures,
            oaep_raw_fallback=oaep_raw_fallback,
        )


def open_token(
    module: str | Pkcs11Module,
    *,
    label: str | None = None,
    serial: str | None = None,
    slot_id: int | None = None,
) -> Pkcs11Token:
    """Find exactly one token by label / serial / slot in ``module`` (name, path or object)."""
    loaded = module if isinstance(module, Pkcs11Module) else load_module(module)
    return Pkcs11Token(loaded, find_slot(loaded, label=label, serial=serial, slot_id=slot_id))
