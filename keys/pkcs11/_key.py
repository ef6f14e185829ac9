"""A private key on a PKCS#11 token: pairing, session pool, sign / decrypt / derive.

signatures.md §6.4 (pairing), §6.5 (PIN, context-specific login), §6.6 (signing mechanisms),
§6.7 (decryption, ECDH) and §6.8 (HSM session pool).

Threading: with an OS-locking module (:attr:`InitMode.OS_LOCKING`) each thread takes its own
session from the pool and calls run in parallel; otherwise the pool has one session and every
call holds the module lock. Login happens once, on a dedicated session that stays open (login
state is shared by all sessions of the application with the token).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import pkcs11.exceptions as p11e
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11 import KDF, MGF, Attribute, KeyType, Mechanism, ObjectClass

from keys._hostcrypto import (
    check_decrypt_allowed,
    check_key_allowed,
    check_sign_allowed,
    digest_info,
    ecdsa_raw_to_der,
    generic_decryption_error,
    key_type_of,
    oaep_decode,
    verify_signature,
)
from keys._mechanisms import (
    DecryptPadding,
    HashAlgorithm,
    KeyAlgorithm,
)
from keys._mechanisms import KeyType as OurKeyType
from keys._mechanisms import SignatureMechanism as SM
from keys.errors import KeyNotFoundError, KeysError, TokenError, UnsupportedMechanismError
from keys.pkcs11._errors import SESSION_LOST, wrap_error
from keys.pkcs11._inventory import PinStatus, TokenCertificate, TokenInfo, read_token_info
from keys.pkcs11._login import acquire_login
from keys.pkcs11._module import Pkcs11Module
from keys.pkcs11._pin import PinCallback, check_pin_flags, obtain_pin, wrong_pin_error

__all__ = ["Pkcs11Key"]

T = TypeVar("T")

_HASH_MECH = {
    HashAlgorithm.SHA1: (Mechanism.SHA_1, MGF.SHA1),
    HashAlgorithm.SHA256: (Mechanism.SHA256, MGF.SHA256),
    HashAlgorithm.SHA384: (Mechanism.SHA384, MGF.SHA384),
    HashAlgorithm.SHA512: (Mechanism.SHA512, MGF.SHA512),
}
_RSA_HASHED = {
    HashAlgorithm.SHA1: Mechanism.SHA1_RSA_PKCS,
    HashAlgorithm.SHA256: Mechanism.SHA256_RSA_PKCS,
    HashAlgorithm.SHA384: Mechanism.SHA384_RSA_PKCS,
    HashAlgorithm.SHA512: Mechanism.SHA512_RSA_PKCS,
}
_PSS_HASHED = {
    HashAlgorithm.SHA1: Mechanism.SHA1_RSA_PKCS_PSS,
    HashAlgorithm.SHA256: Mechanism.SHA256_RSA_PKCS_PSS,
    HashAlgorithm.SHA384: Mechanism.SHA384_RSA_PKCS_PSS,
    HashAlgorithm.SHA512: Mechanism.SHA512_RSA_PKCS_PSS,
}
_ECDSA_HASHED = {
    HashAlgorithm.SHA1: Mechanism.ECDSA_SHA1,
    HashAlgorithm.SHA256: Mechanism.ECDSA_SHA256,
    HashAlgorithm.SHA384: Mechanism.ECDSA_SHA384,
    HashAlgorithm.SHA512: Mechanism.ECDSA_SHA512,
}
# Return codes meaning "this token cannot do OAEP with these parameters" (§6.7).
_OAEP_UNSUPPORTED = (p11e.ArgumentsBad, p11e.MechanismParamInvalid, p11e.MechanismInvalid)


@dataclass
class _Entry:
    """One pooled session with its cached private-key object (§6.8.3)."""

    session: Any
    key: Any


def _unwrap_point(value: bytes) -> bytes:
    # CKA_EC_POINT is DER OCTET STRING per the standard; some tokens store the raw point.
    if len(value) > 2 and value[0] == 0x04 and value[1] == len(value) - 2 and value[2] in (2, 3, 4):
        return value[2:]
    if len(value) > 3 and value[0] == 0x04 and value[1] == 0x81 and value[2] == len(value) - 3:
        return value[3:]
    return value


def _int_attr(value: Any) -> int:
    return int.from_bytes(bytes(value), "big")


def find_private_key(session: Any, cert: TokenCertificate) -> Any:
    """Pair ``cert`` with its private key: CKA_ID, else public key; never by label (§6.4)."""
    public = cert.certificate.public_key()
    by_id = (
        list(
            session.get_objects(
                {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: cert.key_id}
            )
        )
        if cert.key_id
        else []
    )
    if len(by_id) == 1:
        return by_id[0]
    candidates = by_id or list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        for obj in candidates:
            try:
                if obj.key_type is not KeyType.RSA:
                    continue
                if (
                    _int_attr(obj[Attribute.MODULUS]) == numbers.n
                    and _int_attr(obj[Attribute.PUBLIC_EXPONENT]) == numbers.e
                ):
                    return obj
            except p11e.PKCS11Error:
                continue
    elif isinstance(public, ec.EllipticCurvePublicKey):
        point = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        ids: list[bytes] = []
        for pub in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY}):
            try:
                if (
                    pub.key_type is KeyType.EC
                    and _unwrap_point(bytes(pub[Attribute.EC_POINT])) == point
                ):
                    ids.append(bytes(pub[Attribute.ID]))
            except p11e.PKCS11Error:
                continue
        for key_id in ids:
            matches = [
                o
                for o in candidates
                if o.key_type is KeyType.EC and bytes(o[Attribute.ID]) == key_id
            ]
            if len(matches) == 1:
                return matches[0]
    raise KeyNotFoundError(
        f"No private key on the token pairs with the certificate {cert.info.subject!r} (compared "
        "CKA_ID and public key). The key may be missing or hidden; check the card."
    )


class Pkcs11Key:
    """A private key on a token, implementing :class:`keys.PrivateKey`.

    Create with :meth:`keys.pkcs11.Pkcs11Token.open_key`. Use as a context manager or call
    :meth:`close` to log out.
    """

    def __init__(
        self,
        module: Pkcs11Module,
        slot: Any,
        certificate: TokenCertificate,
        pin_callback: PinCallback,
        *,
        chain: Iterable[x509.Certificate] = (),
        allow_final_try: bool = False,
        pool_size: int = 32,
        legacy: bool = False,
        verify_signatures: bool = True,
        oaep_raw_fallback: bool = True,
    ) -> None:
        self._module = module
        self._slot = slot
        self._cert = certificate
        self._pin_callback = pin_callback
        self._allow_final_try = allow_final_try
        self._legacy = legacy
        self._verify = verify_signatures
        self._oaep_raw_fallback = oaep_raw_fallback
        self._chain = tuple(chain)
        public = certificate.certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise UnsupportedMechanismError("Only RSA and EC certificates are supported.")
        self._public_key = public
        self._key_type: OurKeyType = key_type_of(public)
        check_key_allowed(self._key_type, legacy=legacy)
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._free: list[_Entry] = []  # idle sessions; LIFO keeps hot sessions hot
        self._closed = False
        self._relogins = 0
        # Per OAEP hash: False once the token refused the parameters (use the raw route).
        self._oaep_on_token: dict[HashAlgorithm, bool] = {}
        with module.guard():
            try:
                self._mechanisms = frozenset(slot.get_mechanisms())
                token = slot.get_token()
                max_sessions = int(getattr(token, "max_session_count", 0) or 0)
            except p11e.PKCS11Error as exc:
                raise wrap_error(exc, "read the token's mechanisms") from exc
        size = pool_size if module.thread_safe else 1
        if max_sessions > 0:
            size = min(size, max_sessions)
        self._pool_size = max(1, size)
        self._login = acquire_login(module, slot, pin_callback, allow_final_try=allow_final_try)
        #: PIN status read before the token's (shared) login; ``count_low`` = a wrong PIN had
        #: been entered before.
        self.pin_status_at_login: PinStatus | None = self._login.pin_status
        self._created = 0
        try:
            first = self._new_entry()
        except BaseException:
            self.close()
            raise
        self._always_authenticate = bool(self._attr(first.key, Attribute.ALWAYS_AUTHENTICATE))
        self._free.append(first)

    # --- KeyHolder -----------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"<Pkcs11Key {self._key_type} {self._cert.info.subject!r} "
            f"id={self._cert.key_id.hex()} {self._module.init_mode.value}>"
        )

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert.certificate

    @property
    def certificate_der(self) -> bytes:
        return self._cert.der

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    @property
    def key_type(self) -> OurKeyType:
        return self._key_type

    @property
    def always_authenticate(self) -> bool:
        """``CKA_ALWAYS_AUTHENTICATE``: the PIN callback is asked before each operation."""
        return self._always_authenticate

    @property
    def relogin_count(self) -> int:
        """How many times a lost login was restored (for monitoring; §6.8.1)."""
        return self._relogins

    @property
    def supported_mechanisms(self) -> frozenset[SM]:
        mechs = self._mechanisms
        result = set()
        for m in SM:
            if m.key_algorithm is not self._key_type.algorithm or (
                m.is_legacy and not self._legacy
            ):
                continue
            h = m.hash_algorithm
            if m.key_algorithm is KeyAlgorithm.EC:
                ok = Mechanism.ECDSA in mechs or _ECDSA_HASHED[h] in mechs
            elif m.is_pss:
                ok = Mechanism.RSA_PKCS_PSS in mechs or _PSS_HASHED[h] in mechs
            else:
                ok = Mechanism.RSA_PKCS in mechs or _RSA_HASHED[h] in mechs
            if ok:
                result.add(m)
        return frozenset(result)

    # --- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> Pkcs11Key:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled sessions; the last key of the token logs out (closes the login)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._free = self._free, []
        with self._module.guard():
            for entry in idle:
                with contextlib.suppress(p11e.PKCS11Error):
                    entry.session.close()
        self._login.release()

    # --- pool ------------------------------------------------------------------------------

    def _attr(self, obj: Any, attribute: Attribute) -> Any:
        try:
            return obj[attribute]
        except (p11e.AttributeTypeInvalid, p11e.AttributeSensitive):
            return None

    def _new_entry(self) -> _Entry:
        with self._module.guard():
            try:
                session = self._slot.get_token().open()
                try:
                    key = find_private_key(session, self._cert)
                except BaseException:
                    session.close()
                    raise
            except p11e.PKCS11Error as exc:
                raise wrap_error(exc, "open a session") from exc
        return _Entry(session, key)

    def _acquire(self) -> _Entry:
        with self._available:
            if self._closed:
                raise TokenError("The key was closed; open it again.")
            if self._free:
                return self._free.pop()
            create = self._created + 1 < self._pool_size
            if create:
                self._created += 1
            elif not self._available.wait_for(lambda: bool(self._free), timeout=20):
                raise TokenError("No token session became free within 20 s.")
            else:
                return self._free.pop()
        try:
            return self._new_entry()
        except BaseException:
            with self._lock:
                self._created -= 1
            raise

    def _release(self, entry: _Entry) -> None:
        with self._available:
            if self._closed:
                with self._module.guard(), contextlib.suppress(p11e.PKCS11Error):
                    entry.session.close()
                return
            self._free.append(entry)
            self._available.notify()

    def _discard(self, entry: _Entry, error: Exception) -> None:
        # A dead handle is not closed: the number may already belong to another session.
        if isinstance(error, p11e.SessionHandleInvalid | p11e.SessionClosed):
            return
        with self._module.guard(), contextlib.suppress(p11e.PKCS11Error):
            entry.session.close()

    def _relogin(self, seen_generation: int) -> None:
        """One unattended re-login per incident (§6.8.1): the PIN callback is asked again."""
        if self._login.relogin(seen_generation, self._pin_callback, self._allow_final_try):
            self._relogins += 1

    def _run(self, action: str, op: Callable[[_Entry], T]) -> T:
        """Run ``op`` on a pooled session; on a lost session or login, recover and retry once."""
        generation = self._login.generation
        try:
            entry = self._acquire()
        except KeyNotFoundError:
            # A new session cannot see the private key: the login was lost (§6.8.1).
            if self._always_authenticate:
                raise
            self._relogin(generation)
            entry = self._acquire()
        current: _Entry | None = entry
        try:
            with self._module.guard():
                try:
                    return op(entry)
                except SESSION_LOST as exc:
                    if self._always_authenticate:
                        # the context PIN was used once; retrying would re-send it
                        raise wrap_error(exc, action) from exc
                    first: p11e.PKCS11Error = exc
                except p11e.UserNotLoggedIn as exc:
                    if self._always_authenticate:
                        raise wrap_error(exc, action) from exc
                    first = exc
                except p11e.PinIncorrect as exc:  # context-specific login
                    raise wrong_pin_error(self._module, self._slot, exc) from exc
                except p11e.PKCS11Error as exc:
                    raise wrap_error(exc, action) from exc
            # Recovery runs outside the module lock (login takes it itself); the PIN is
            # never retried — only the operation is, once.
            self._discard(entry, first)
            current = None
            try:
                if isinstance(first, p11e.UserNotLoggedIn):
                    self._relogin(generation)
                    entry = self._new_entry()
                else:
                    try:
                        entry = self._new_entry()
                    except KeyNotFoundError:
                        # private objects are invisible: the login itself was lost
                        self._relogin(generation)
                        entry = self._new_entry()
            except KeysError as exc:
                with self._lock:
                    self._created -= 1  # the discarded session's place can be refilled later
                raise exc from first
            current = entry
            with self._module.guard():
                try:
                    return op(entry)
                except p11e.PKCS11Error as exc:
                    raise wrap_error(exc, action) from exc
        finally:
            if current is not None:
                self._release(current)

    def _context_pin(self) -> Any:
        """PIN for ``CKU_CONTEXT_SPECIFIC`` (§6.5), asked from the callback per operation."""
        if not self._always_authenticate:
            return None
        info: TokenInfo = read_token_info(self._module, self._slot)
        check_pin_flags(info, allow_final_try=self._allow_final_try)
        return obtain_pin(self._pin_callback, info)

    # --- signing -------------------------------------------------------------------------

    def sign(self, data: bytes, mechanism: SM) -> bytes:
        check_sign_allowed(self._key_type, mechanism, legacy=self._legacy)
        h = mechanism.hash_algorithm
        mechs = self._mechanisms
        hashed = (
            _ECDSA_HASHED[h]
            if mechanism.key_algorithm is KeyAlgorithm.EC
            else (_PSS_HASHED[h] if mechanism.is_pss else _RSA_HASHED[h])
        )
        if hashed in mechs:
            param = self._pss_param(h) if mechanism.is_pss else None
            raw = self._token_sign(data, hashed, param)
            signature = ecdsa_raw_to_der(raw) if mechanism.key_algorithm is KeyAlgorithm.EC else raw
            if self._verify:
                verify_signature(self._public_key, mechanism, signature, data=data)
            return signature
        return self.sign_digest(h.digest(data), mechanism)

    def sign_digest(self, digest: bytes, mechanism: SM) -> bytes:
        check_sign_allowed(self._key_type, mechanism, legacy=self._legacy)
        h = mechanism.hash_algorithm
        if len(digest) != h.digest_size:
            raise UnsupportedMechanismError(
                f"A {h.name} digest must be {h.digest_size} bytes, got {len(digest)}."
            )
        if mechanism.key_algorithm is KeyAlgorithm.EC:
            self._require(Mechanism.ECDSA, mechanism)
            signature = ecdsa_raw_to_der(self._token_sign(digest, Mechanism.ECDSA, None))
        elif mechanism.is_pss:
            self._require(Mechanism.RSA_PKCS_PSS, mechanism)
            signature = self._token_sign(digest, Mechanism.RSA_PKCS_PSS, self._pss_param(h))
        else:
            self._require(Mechanism.RSA_PKCS, mechanism)
            signature = self._token_sign(digest_info(h, digest), Mechanism.RSA_PKCS, None)
        if self._verify:
            verify_signature(self._public_key, mechanism, signature, digest=digest)
        return signature

    def _require(self, mech: Mechanism, wanted: SM) -> None:
        if mech not in self._mechanisms:
            raise UnsupportedMechanismError(
                f"The token supports neither the hashed nor the raw mechanism for {wanted.value}."
            )

    @staticmethod
    def _pss_param(h: HashAlgorithm) -> tuple[Any, Any, int]:
        mech, mgf = _HASH_MECH[h]
        return (mech, mgf, h.digest_size)

    def _token_sign(self, data: bytes, mech: Mechanism, param: Any) -> bytes:
        pin = self._context_pin()

        def op(entry: _Entry) -> bytes:
            return bytes(entry.key.sign(data, mechanism=mech, mechanism_param=param, pin=pin))

        return self._run("sign", op)

    # --- decryption ----------------------------------------------------------------------

    def decrypt_key(
        self, encrypted: bytes, padding: DecryptPadding, *, legacy: bool = False
    ) -> bytes:
        check_decrypt_allowed(self._key_type, padding, legacy=legacy or self._legacy)
        try:
            if padding is DecryptPadding.PKCS1V15:
                return self._token_decrypt(encrypted, Mechanism.RSA_PKCS, None)
            h = padding.hash_algorithm
            assert h is not None
            mech, mgf = _HASH_MECH[h]
            if self._oaep_on_token.get(h, True):
                try:
                    plain = self._token_decrypt(
                        encrypted, Mechanism.RSA_PKCS_OAEP, (mech, mgf, None)
                    )
                    self._oaep_on_token[h] = True
                    return plain
                except _OaepUnsupportedError:
                    if not self._oaep_raw_fallback or Mechanism.RSA_X_509 not in self._mechanisms:
                        raise UnsupportedMechanismError(
                            f"The token cannot decrypt RSA-OAEP with {h.name} and the raw "
                            "fallback (CKM_RSA_X_509) is unavailable or disabled."
                        ) from None
                    self._oaep_on_token[h] = False
            raw = self._token_decrypt(encrypted, Mechanism.RSA_X_509, None)
            return oaep_decode(raw, (self._key_type.size_bits + 7) // 8, h)
        except _DecryptFailedError:
            # No cause attached: which token check failed must not be visible (§6.7).
            raise generic_decryption_error() from None

    def _token_decrypt(self, data: bytes, mech: Mechanism, param: Any) -> bytes:
        pin = self._context_pin()

        def op(entry: _Entry) -> bytes:
            try:
                return bytes(
                    entry.key.decrypt(data, mechanism=mech, mechanism_param=param, pin=pin)
                )
            except _OAEP_UNSUPPORTED as exc:
                if mech is Mechanism.RSA_PKCS_OAEP:
                    raise _OaepUnsupportedError from exc
                raise
            except (
                p11e.EncryptedDataInvalid,
                p11e.EncryptedDataLenRange,
                p11e.DataInvalid,
                p11e.DataLenRange,
                p11e.FunctionFailed,
                p11e.GeneralError,
            ) as exc:
                raise _DecryptFailedError from exc

        return self._run("decrypt", op)

    # --- key agreement -------------------------------------------------------------------

    def derive_ecdh(self, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        if self._key_type.algorithm is not KeyAlgorithm.EC:
            raise UnsupportedMechanismError(
                f"ECDH needs an EC key; this key is {self._key_type}. Use decrypt_key()."
            )
        if Mechanism.ECDH1_DERIVE not in self._mechanisms:
            raise UnsupportedMechanismError("The token does not support CKM_ECDH1_DERIVE.")
        public = self.certificate.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        if isinstance(peer_public_key, ec.EllipticCurvePublicKey):
            if peer_public_key.curve.name != public.curve.name:
                raise UnsupportedMechanismError(
                    f"The peer key is on {peer_public_key.curve.name}, this key on "
                    f"{public.curve.name}."
                )
            point = peer_public_key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        else:
            point = bytes(peer_public_key)
            try:  # validate on the host so a bad point gives our error, not a token error
                ec.EllipticCurvePublicKey.from_encoded_point(public.curve, point)
            except ValueError as exc:
                raise UnsupportedMechanismError(
                    f"The peer public key is not a valid {public.curve.name} point."
                ) from exc
        size = (public.curve.key_size + 7) // 8
        pin = self._context_pin()

        def op(entry: _Entry) -> bytes:
            if pin is not None:
                entry.session.reaffirm_credentials(pin)
            secret = entry.key.derive_key(
                KeyType.GENERIC_SECRET,
                size * 8,
                mechanism=Mechanism.ECDH1_DERIVE,
                mechanism_param=(KDF.NULL, None, point),
                template={
                    Attribute.TOKEN: False,
                    Attribute.SENSITIVE: False,
                    Attribute.EXTRACTABLE: True,
                },
            )
            try:
                return bytes(secret[Attribute.VALUE])
            finally:
                secret.destroy()

        return self._run("derive an ECDH secret", op)

    @property
    def pin_status(self) -> PinStatus:
        """Current PIN status of the token (fresh ``C_GetTokenInfo``)."""
        return read_token_info(self._module, self._slot).pin_status


class _OaepUnsupportedError(Exception):
    """Internal: the token refused the OAEP parameters (switch to the raw route)."""


class _DecryptFailedError(Exception):
    """Internal: any data-dependent decryption failure (mapped to one generic error)."""
