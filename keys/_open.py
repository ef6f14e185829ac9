"""Open a private key from one string: a PKCS#11 URI or a key file (signatures.md §6.2–§6.5).

:func:`open_key` is what command lines and configuration files use: ``--key SPEC`` where SPEC is

* ``pkcs11:token=…;id=%01`` (RFC 7512, see :mod:`keys._uri`) — the module comes from the URI
  (``module-path`` / the ``module=`` shorthand, else ``module-name``), else the ``module``
  argument, else ``$EYAZISMA_PKCS11_MODULE``, else ``akisp11``. The token is the one matching
  every token/slot/library attribute given; the key is the one paired with the certificate
  named by ``id`` (CKA_ID) and/or ``object`` (the certificate's CKA_LABEL). Without either, the
  token's single signing certificate is chosen (§6.3); several candidates raise
  :class:`~keys.errors.AmbiguousCertificateError` listing URIs to choose from. Listing needs no
  PIN (§6.2); the PIN callback is asked once, at login, and a wrong PIN raises
  :class:`~keys.errors.WrongPinError` without a retry (§6.5);
* a ``.p12`` / ``.pfx`` file — PKCS#12 with key, certificate and chain; the password callback is
  asked once;
* a ``.pem`` / ``.key`` file — a PEM private key (the password callback is asked only if the key
  is encrypted) followed by its certificate and chain **in the same file**; certificates may also
  come from separate files (``certificates=``). Other extensions are recognised by content.

The result is usable as a :class:`keys.PrivateKey` and is a context manager: ``close()`` logs out
of the token and releases its sessions; for files it drops the key object.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keys._certs import CertificateRole
from keys._mechanisms import DecryptPadding, KeyType, SignatureMechanism
from keys._protocols import PrivateKey
from keys._software import SoftwareKey, load_pem, load_pkcs12
from keys._uri import KeySpecError, Pkcs11Uri, Pkcs11UriError, looks_like_pkcs11_uri
from keys.errors import (
    AmbiguousCertificateError,
    KeyFileError,
    KeyNotFoundError,
    KeysError,
    ModuleLoadError,
    TokenNotFoundError,
)

if TYPE_CHECKING:
    from keys.pkcs11 import Pkcs11Module, Pkcs11Token, TokenCertificate, TokenInfo

__all__ = [
    "DEFAULT_MODULE",
    "MODULE_ENV",
    "FileKey",
    "OpenedKey",
    "PasswordCallback",
    "open_key",
]

#: Environment variable naming the default PKCS#11 module (same as ``eyazisma tokens``).
MODULE_ENV = "EYAZISMA_PKCS11_MODULE"
#: Module used when nothing else names one: the AKİS card driver (signatures.md §6.1).
DEFAULT_MODULE = "akisp11"

#: Called with a prompt text naming the file; returns the password or ``None`` (no password).
PasswordCallback = Callable[[str], str | bytes | bytearray | None]
_PinCallback = Callable[["TokenInfo"], str | bytes | bytearray | None]

_P12_SUFFIXES = (".p12", ".pfx")
_PEM_SUFFIXES = (".pem", ".key")


class OpenedKey(PrivateKey, Protocol):
    """A :class:`keys.PrivateKey` that must be closed (or used in a ``with`` block)."""

    def close(self) -> None:
        """Release the key (token: close sessions and log out). Idempotent."""
        ...

    def __enter__(self) -> OpenedKey: ...

    def __exit__(self, *exc: object) -> None: ...


class FileKey:
    """A key loaded from a PKCS#12 / PEM file, with the same life cycle as a token key.

    Delegates every :class:`keys.PrivateKey` operation to the loaded :class:`SoftwareKey`;
    after :meth:`close` operations raise :class:`~keys.errors.KeysError`.
    """

    def __init__(self, key: SoftwareKey, source: Path) -> None:
        self._key: SoftwareKey | None = key
        self._certificate = key.certificate
        self._certificate_der = key.certificate_der
        self._chain = key.chain
        self._key_type = key.key_type
        #: The file the key came from.
        self.source = source

    def __repr__(self) -> str:
        state = "closed" if self._key is None else str(self._key_type)
        return f"<FileKey {self.source.name} {state}>"

    def _live(self) -> SoftwareKey:
        if self._key is None:
            raise KeysError("The key was closed; open it again.")
        return self._key

    @property
    def software_key(self) -> SoftwareKey:
        """The underlying in-memory key."""
        return self._live()

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def certificate_der(self) -> bytes:
        return self._certificate_der

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    @property
    def key_type(self) -> KeyType:
        return self._key_type

    @property
    def supported_mechanisms(self) -> frozenset[SignatureMechanism]:
        return self._live().supported_mechanisms

    def sign(self, data: bytes, mechanism: SignatureMechanism) -> bytes:
        return self._live().sign(data, mechanism)

    def sign_digest(self, digest: bytes, mechanism: SignatureMechanism) -> bytes:
        return self._live().sign_digest(digest, mechanism)

    def decrypt_key(
        self, encrypted: bytes, padding: DecryptPadding, *, legacy: bool = False
    ) -> bytes:
        return self._live().decrypt_key(encrypted, padding, legacy=legacy)

    def derive_ecdh(self, peer_public_key: ec.EllipticCurvePublicKey | bytes) -> bytes:
        return self._live().derive_ecdh(peer_public_key)

    def close(self) -> None:
        self._key = None

    def __enter__(self) -> FileKey:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_key(
    spec: str | os.PathLike[str],
    *,
    pin_callback: _PinCallback | None = None,
    password_callback: PasswordCallback | None = None,
    module: str | os.PathLike[str] | None = None,
    certificates: Sequence[str | os.PathLike[str]] = (),
    role: CertificateRole = CertificateRole.SIGNING,
    allow_final_try: bool = False,
    legacy: bool = False,
) -> OpenedKey:
    """Open the key named by ``spec`` (PKCS#11 URI or key file); see the module docs.

    ``pin_callback`` receives the token's :class:`~keys.pkcs11.TokenInfo` (label, PIN flags)
    and returns the PIN, or ``None`` to cancel; it is not called for PIN-pad readers or when the
    URI has ``pin-source``. ``password_callback`` receives a prompt naming the file.
    ``module`` is the PKCS#11 module used when the URI names none (a conflicting one is an
    error). ``certificates`` are extra PEM/DER certificate files for PEM keys. ``role`` picks the
    certificate when the URI names no object. ``allow_final_try`` / ``legacy`` are passed to the
    key (signatures.md §6.5, §1.7).
    """
    text = os.fspath(spec)
    if looks_like_pkcs11_uri(text):
        uri = Pkcs11Uri.parse(text)
        return _open_token_key(
            uri,
            pin_callback=pin_callback,
            module=module,
            role=role,
            allow_final_try=allow_final_try,
            legacy=legacy,
        )
    return _open_file_key(
        Path(text), password_callback=password_callback, certificates=certificates, legacy=legacy
    )


# --- files ---------------------------------------------------------------------------------------


def _read(path: Path, what: str) -> bytes:
    if not path.exists():
        raise KeySpecError(
            f"{what} {str(path)!r} does not exist. Give a .p12/.pfx or .pem file, or a "
            "pkcs11: URI for a smart card or HSM (e.g. pkcs11:token=LABEL;id=%01)."
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"Cannot read {what.lower()} {str(path)!r}: {exc.strerror}.") from exc


def _ask_password(callback: PasswordCallback | None, path: Path) -> str | bytes | None:
    if callback is None:
        return None
    value = callback(f"Password for {path.name}: ")
    if isinstance(value, bytearray):
        # load_* need immutable bytes; the bytearray copy is wiped (the bytes cannot be).
        data = bytes(value)
        value[:] = b"\x00" * len(value)
        return data
    return value


def _kind(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in _P12_SUFFIXES:
        return "p12"
    if suffix in _PEM_SUFFIXES:
        return "pem"
    if data.lstrip()[:10] == b"-----BEGIN":
        return "pem"
    if data[:1] == b"\x30":
        return "p12"
    raise KeySpecError(
        f"Cannot tell what kind of key {path.name!r} is. Use a .p12/.pfx (PKCS#12) or .pem/.key "
        "file, or a pkcs11: URI."
    )


def _open_file_key(
    path: Path,
    *,
    password_callback: PasswordCallback | None,
    certificates: Sequence[str | os.PathLike[str]],
    legacy: bool,
) -> FileKey:
    data = _read(path, "Key file")
    extra = [_read(Path(c), "Certificate file") for c in certificates]
    if _kind(path, data) == "p12":
        if extra:
            raise KeySpecError(
                "A PKCS#12 file already carries its certificate and chain; drop the separate "
                "certificate files."
            )
        key = load_pkcs12(data, _ask_password(password_callback, path), legacy=legacy)
        return FileKey(key, path)
    # PEM: ask for a password only when the key is encrypted ("ENCRYPTED PRIVATE KEY" or the
    # legacy "Proc-Type: 4,ENCRYPTED" header).
    password = _ask_password(password_callback, path) if b"ENCRYPTED" in data else None
    if b"-----BEGIN CERTIFICATE-----" in data:
        cert_source, chain = data, extra
    elif extra:
        cert_source, chain = extra[0], extra[1:]
    else:
        raise KeyFileError(
            f"{path.name} holds no certificate. Append the certificate (and its chain) to the "
            "PEM key file, or give the certificate file separately."
        )
    key = load_pem(data, cert_source, password=password, chain=chain, legacy=legacy)
    return FileKey(key, path)


# --- tokens --------------------------------------------------------------------------------------


def _module_spec(uri: Pkcs11Uri, module: str | os.PathLike[str] | None) -> str:
    from keys.pkcs11._module import KNOWN_MODULES, resolve_module_path

    from_uri = uri.module_path
    if from_uri is None and uri.module_name is not None:
        # RFC 7512 §2.3: module-name is the library name without prefix/suffix.
        if uri.module_name not in KNOWN_MODULES:
            raise ModuleLoadError(
                f"Unknown module-name {uri.module_name!r} in the PKCS#11 URI. Known names: "
                f"{', '.join(KNOWN_MODULES)}; otherwise use module-path=/full/path."
            )
        from_uri = uri.module_name
    if from_uri is not None:
        if module is not None and resolve_module_path(from_uri) != resolve_module_path(module):
            raise KeySpecError(
                "The PKCS#11 URI names a different module than --module; give only one."
            )
        return from_uri
    if module is not None:
        return os.fspath(module)
    return os.environ.get(MODULE_ENV) or DEFAULT_MODULE


def _check_library(uri: Pkcs11Uri, loaded: Pkcs11Module) -> None:
    lib = loaded.lib
    checks = (
        ("library-manufacturer", uri.library_manufacturer, str(lib.manufacturer_id).strip()),
        ("library-description", uri.library_description, str(lib.library_description).strip()),
        (
            "library-version",
            None if uri.library_version is None else "{}.{}".format(*uri.library_version),
            "{}.{}".format(*tuple(lib.library_version)),
        ),
    )
    for name, wanted, actual in checks:
        if wanted is not None and wanted != actual:
            raise TokenNotFoundError(
                f"The PKCS#11 module {loaded.path} has {name} {actual!r}, the URI asks for "
                f"{wanted!r}. Check the module path."
            )


def _find_token(uri: Pkcs11Uri, loaded: Pkcs11Module) -> Pkcs11Token:
    from keys.pkcs11 import list_slots, open_token

    _check_library(uri, loaded)
    # Uninitialised tokens (e.g. SoftHSM2's free slot) hold no keys: never candidates.
    slots = [s for s in list_slots(loaded) if s.token is not None and s.token.initialized]
    matches = []
    for slot in slots:
        token = slot.token
        assert token is not None
        pairs = (
            (uri.token, token.label.strip()),
            (uri.manufacturer, token.manufacturer.strip()),
            (uri.serial, token.serial.strip()),
            (uri.model, token.model.strip()),
            (uri.slot_description, slot.description.strip()),
            (uri.slot_manufacturer, slot.manufacturer.strip()),
            (None if uri.slot_id is None else str(uri.slot_id), str(slot.slot_id)),
        )
        if all(wanted is None or wanted == actual for wanted, actual in pairs):
            matches.append(slot)
    available = "; ".join(
        f"{s.token.label!r} serial {s.token.serial} (slot-id={s.slot_id})"
        for s in slots
        if s.token is not None
    )
    if not matches:
        raise TokenNotFoundError(
            f"No token matches the PKCS#11 URI {uri}. "
            + (f"Available: {available}." if available else "No initialised token is present.")
            + " Insert the card or correct token=/serial= (see `eyazisma tokens`)."
        )
    if len(matches) > 1:
        raise TokenNotFoundError(
            f"Several tokens match the PKCS#11 URI {uri} ({available}); add token= or serial= "
            "to choose one."
        )
    return open_token(loaded, slot_id=matches[0].slot_id)


def _describe(label: str, cert: TokenCertificate) -> str:
    choice = Pkcs11Uri(
        token=label, id=cert.key_id or None, object=None if cert.key_id else cert.label
    )
    return f"{choice} ({cert.info.subject}, {cert.info.qc_type.value})"


def _choose_certificate(
    uri: Pkcs11Uri, token: Pkcs11Token, label: str, role: CertificateRole
) -> TokenCertificate:
    if uri.type not in (None, "private", "cert"):
        raise Pkcs11UriError(
            f"type={uri.type} in the PKCS#11 URI cannot name a private key; use type=private or "
            "omit it."
        )
    certs = token.certificates()
    if not uri.object_selected:
        try:
            return token.select_certificate(role)
        except AmbiguousCertificateError as exc:
            fit = [
                c
                for c in certs
                if (c.info.signing_candidate if role is CertificateRole.SIGNING else False)
                or (c.info.encryption_candidate and role is CertificateRole.ENCRYPTION)
            ]
            choices = "; ".join(_describe(label, c) for c in fit)
            raise AmbiguousCertificateError(
                f"Token {label!r} holds several {role.value} certificates; add id= or object= "
                f"to the PKCS#11 URI. Choices: {choices}."
            ) from exc
    matches = [
        c
        for c in certs
        if (uri.id is None or c.key_id == uri.id) and (uri.object is None or c.label == uri.object)
    ]
    if len(matches) == 1:
        return matches[0]
    listing = "; ".join(_describe(label, c) for c in (matches or list(certs)))
    if not matches:
        raise KeyNotFoundError(
            f"No certificate on token {label!r} matches the PKCS#11 URI {uri}. On the token: "
            f"{listing or 'no certificates'}."
        )
    raise AmbiguousCertificateError(
        f"Several certificates on token {label!r} match the PKCS#11 URI {uri}: {listing}. "
        "Add id= to choose one."
    )


def _pin_source_callback(source: str) -> _PinCallback:
    """``pin-source=file:/path`` (RFC 7512 §2.3): the PIN is read from the file at login."""
    if not source.startswith("file:"):
        raise Pkcs11UriError(
            "Only 'file:' pin-source values are supported (e.g. pin-source=file:/run/pin); "
            "commands are not run."
        )
    path = source[len("file:") :]
    if path.startswith("//"):
        # file://host/path: only the local host (empty or "localhost") is meaningful here.
        host, _, rest = path[2:].partition("/")
        if host not in ("", "localhost"):
            raise Pkcs11UriError("pin-source must be a local file (file:/path).")
        path = "/" + rest

    def read_pin(info: TokenInfo) -> bytearray:
        try:
            data = bytearray(Path(path).read_bytes())
        except OSError as exc:
            raise KeySpecError(
                f"Cannot read the PIN file named by pin-source: {exc.strerror}."
            ) from exc
        while data and data[-1] in (0x0A, 0x0D):  # one line; the newline is not part of it
            del data[-1]
        return data

    return read_pin


def _no_pin(info: TokenInfo) -> None:
    return None  # obtain_pin turns this into PinCancelledError ("No PIN was given")


def _open_token_key(
    uri: Pkcs11Uri,
    *,
    pin_callback: _PinCallback | None,
    module: str | os.PathLike[str] | None,
    role: CertificateRole,
    allow_final_try: bool,
    legacy: bool,
) -> OpenedKey:
    from keys.pkcs11 import load_module

    if uri.vendor_path or uri.vendor_query:
        names = ", ".join(n for n, _ in (*uri.vendor_path, *uri.vendor_query))
        raise Pkcs11UriError(
            f"Vendor attributes ({names}) in the PKCS#11 URI are not supported; remove them."
        )
    callback = (
        _pin_source_callback(uri.pin_source)
        if uri.pin_source is not None
        else pin_callback or _no_pin
    )
    loaded = load_module(_module_spec(uri, module))
    token = _find_token(uri, loaded)
    label = token.info().label.strip()
    chosen = _choose_certificate(uri, token, label, role)
    return token.open_key(chosen, callback, allow_final_try=allow_final_try, legacy=legacy)
