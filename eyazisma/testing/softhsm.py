"""Throw-away SoftHSM2 tokens for tests, examples and the demo (signatures.md §6.9).

A :class:`SoftHsmEnvironment` owns a temporary directory with its own ``softhsm2.conf`` and token
directory. Tokens are initialised with ``softhsm2-util`` and keys/certificates are imported through
PKCS#11 ``C_CreateObject`` in a **child process** (python-pkcs11), so the helper works no matter
whether the current process has already loaded the SoftHSM2 module.

Important SoftHSM2 facts this helper is built around (checked on SoftHSM2 2.6.1):

* ``SOFTHSM2_CONF`` is read once, at ``C_Initialize``; tokens initialised *after* a process has
  loaded the module are not visible to that process. Create every token before the first load
  (:meth:`SoftHsmEnvironment.activate` sets the variable for the current process).
* SoftHSM2 never counts wrong PINs: it sets ``CKF_USER_PIN_COUNT_LOW`` after a failure but never
  ``CKF_USER_PIN_FINAL_TRY`` or ``CKF_USER_PIN_LOCKED``. It does, however, persist the token flags
  in ``token.object`` and report them from ``C_GetTokenInfo``. :meth:`SoftHsmToken.set_token_flags`
  patches that persisted value, which gives a token that *really* reports "locked" / "final try"
  through PKCS#11 (the library under test reads it through the normal ``C_GetTokenInfo`` path).

The user PIN and SO PIN of these throw-away tokens are passed to ``softhsm2-util`` on its command
line (it has no other non-interactive input); they are test values and never real PINs. The
importer child process receives the PIN on stdin, never in argv.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eyazisma.testing.pki import TestPki

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

__all__ = [
    "SOFTHSM2_MODULE",
    "SoftHsmEnvironment",
    "SoftHsmToken",
    "find_softhsm2_module",
]

#: Where Debian/Ubuntu install the SoftHSM2 PKCS#11 module.
SOFTHSM2_MODULE = "/usr/lib/softhsm/libsofthsm2.so"

_MODULE_CANDIDATES = (
    SOFTHSM2_MODULE,
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)

# SoftHSM2's vendor attribute holding the persisted CK_TOKEN_INFO.flags (CKA_VENDOR_DEFINED +
# 0x5348534B, "SHSK"), stored in token.object as: type (8 bytes BE), kind (8 bytes BE, 2 = ulong),
# value (8 bytes BE).
_CKA_OS_TOKENFLAGS = 0x80000000 + 0x534B
_KIND_ULONG = 2


def find_softhsm2_module() -> str | None:
    """Return the SoftHSM2 module path, or ``None`` when SoftHSM2 is not installed."""
    configured = os.environ.get("EYAZISMA_SOFTHSM2_MODULE")
    for candidate in (configured, *_MODULE_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@dataclass(frozen=True)
class SoftHsmToken:
    """One initialised token. PINs are excluded from ``repr``."""

    module_path: str
    label: str
    serial: str
    conf_path: Path
    token_dir: Path
    user_pin: str = field(repr=False)
    so_pin: str = field(repr=False)

    def environ(self) -> dict[str, str]:
        """Environment for child processes (``pkcs11-tool``, ``eyazisma``) that use this token."""
        env = dict(os.environ)
        env["SOFTHSM2_CONF"] = str(self.conf_path)
        return env

    def set_token_flags(self, *, set_bits: int = 0, clear_bits: int = 0) -> int:
        """Patch the token flags SoftHSM2 persists; return the new value.

        Only meaningful before a process loads the module (SoftHSM2 caches the token afterwards).
        Used to put a token into the ``CKF_USER_PIN_LOCKED`` / ``CKF_USER_PIN_FINAL_TRY`` states
        that SoftHSM2 itself never reaches (see module docs).
        """
        path = self.token_dir / "token.object"
        data = bytearray(path.read_bytes())
        needle = _CKA_OS_TOKENFLAGS.to_bytes(8, "big") + _KIND_ULONG.to_bytes(8, "big")
        index = data.find(needle)
        if index < 0:
            raise RuntimeError(f"token flags not found in {path}")
        start = index + len(needle)
        flags = int.from_bytes(data[start : start + 8], "big")
        flags = (flags | set_bits) & ~clear_bits
        data[start : start + 8] = flags.to_bytes(8, "big")
        path.write_bytes(bytes(data))
        return flags


_PKI_TOKEN_KEYS = (
    (b"\x01", "person", "person"),
    (b"\x02", "eseal", "seal"),
    (b"\x03", "enc", "enc_rsa"),
    (b"\x05", "enc-ec", "enc_ec"),
)


class SoftHsmEnvironment:
    """A private SoftHSM2 configuration + token directory under a temporary directory."""

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, module_path: str | None = None
    ) -> None:
        module = module_path or find_softhsm2_module()
        if module is None:
            raise RuntimeError("SoftHSM2 is not installed (apt-get install softhsm2)")
        if shutil.which("softhsm2-util") is None:
            raise RuntimeError("softhsm2-util not found (apt-get install softhsm2)")
        self.module_path = module
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="eyazisma-softhsm-"))
        self.token_root = self.directory / "tokens"
        self.token_root.mkdir(parents=True, exist_ok=True)
        self.conf_path = self.directory / "softhsm2.conf"
        self.conf_path.write_text(
            f"directories.tokendir = {self.token_root}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n",
            encoding="utf-8",
        )
        self.tokens: dict[str, SoftHsmToken] = {}

    def environ(self) -> dict[str, str]:
        """A copy of ``os.environ`` with ``SOFTHSM2_CONF`` pointing at this environment."""
        env = dict(os.environ)
        env["SOFTHSM2_CONF"] = str(self.conf_path)
        return env

    def activate(self) -> None:
        """Point ``SOFTHSM2_CONF`` of the current process at this environment."""
        os.environ["SOFTHSM2_CONF"] = str(self.conf_path)

    def reinitialize_loaded_module(self) -> bool:
        """Make a module already loaded in *this* process see tokens created since its load.

        SoftHSM2 scans its token directory only in ``C_Initialize``. This calls ``C_Finalize``
        and ``C_Initialize`` (with ``CKF_OS_LOCKING_OK``) on the loaded library, which closes
        every session of the process: only call it between tests. Returns ``False`` when the
        module was not initialised in this process (nothing to do).
        """
        functions = _function_list(self.module_path)
        if functions.C_Finalize(None) != 0:
            return False
        args = _InitArgs(flags=_CKF_OS_LOCKING_OK)
        if functions.C_Initialize(ctypes.addressof(args)) != 0:
            rv = functions.C_Initialize(None)
            if rv != 0:
                raise RuntimeError(f"C_Initialize failed after reload (0x{rv:x})")
        return True

    def cleanup(self) -> None:
        """Remove the directory if this object created it."""
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def create_token(
        self, label: str, *, user_pin: str = "1234", so_pin: str = "5678"
    ) -> SoftHsmToken:
        """Initialise a new token with ``label`` in the first free slot."""
        before = set(self.token_root.iterdir())
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                label,
                "--so-pin",
                so_pin,
                "--pin",
                user_pin,
            ],
            env=self.environ(),
            check=True,
            capture_output=True,
        )
        created = [p for p in self.token_root.iterdir() if p not in before]
        if len(created) != 1:
            raise RuntimeError("could not find the new SoftHSM2 token directory")
        token_dir = created[0]
        token = SoftHsmToken(
            module_path=self.module_path,
            label=label,
            serial=_read_serial(self, label),
            conf_path=self.conf_path,
            token_dir=token_dir,
            user_pin=user_pin,
            so_pin=so_pin,
        )
        self.tokens[label] = token
        return token

    def import_key(
        self,
        token: SoftHsmToken,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate_der: bytes | None,
        *,
        key_id: bytes,
        label: str,
        always_authenticate: bool = False,
        public_key_object: bool = True,
    ) -> None:
        """Import a private key (+ public key object + certificate) sharing ``key_id``/``label``.

        The private key is created sensitive and non-extractable, like on a smart card.
        """
        der = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        request: dict[str, Any] = {
            "module": self.module_path,
            "token": token.label,
            "pin": token.user_pin,
            "key_pkcs8": der.hex(),
            "cert": certificate_der.hex() if certificate_der is not None else None,
            "id": key_id.hex(),
            "label": label,
            "always_authenticate": always_authenticate,
            "public_key_object": public_key_object,
        }
        self._run_importer(request)

    def import_certificate(
        self, token: SoftHsmToken, certificate_der: bytes, *, key_id: bytes, label: str
    ) -> None:
        """Import a lone certificate (e.g. a CA certificate) as a public token object."""
        request: dict[str, Any] = {
            "module": self.module_path,
            "token": token.label,
            "pin": token.user_pin,
            "key_pkcs8": None,
            "cert": certificate_der.hex(),
            "id": key_id.hex(),
            "label": label,
            "always_authenticate": False,
            "public_key_object": False,
        }
        self._run_importer(request)

    def create_pki_token(
        self, label: str, pki: TestPki, *, user_pin: str = "1234", ca_certificates: bool = True
    ) -> SoftHsmToken:
        """A token with the test PKI's keys in the layout of signatures.md §6.9.

        CKA_ID / label: 01 ``person`` (smart-card signing key), 02 ``eseal`` (HSM seal key),
        03 ``enc`` (RSA decryption), 05 ``enc-ec`` (EC decryption); with ``ca_certificates``
        also a1 ``root`` and a2 ``qualified_ca`` as certificate objects.
        """
        token = self.create_token(label, user_pin=user_pin)
        for key_id, key_label, name in _PKI_TOKEN_KEYS:
            identity = pki[name]
            self.import_key(token, identity.key, identity.cert_der, key_id=key_id, label=key_label)
        if ca_certificates:
            for key_id, name in ((b"\xa1", "root"), (b"\xa2", "qualified_ca")):
                self.import_certificate(token, pki[name].cert_der, key_id=key_id, label=name)
        return token

    def _run_importer(self, request: Mapping[str, Any]) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "eyazisma.testing.softhsm"],
            input=json.dumps(request).encode(),
            env=self.environ(),
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                "SoftHSM2 import failed: " + result.stderr.decode(errors="replace")[-2000:]
            )


_CKF_OS_LOCKING_OK = 0x2


class _InitArgs(ctypes.Structure):
    _fields_ = (  # ctypes layout of CK_C_INITIALIZE_ARGS
        ("CreateMutex", ctypes.c_void_p),
        ("DestroyMutex", ctypes.c_void_p),
        ("LockMutex", ctypes.c_void_p),
        ("UnlockMutex", ctypes.c_void_p),
        ("flags", ctypes.c_ulong),
        ("pReserved", ctypes.c_void_p),
    )


_CK_FN = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)


class _FunctionListHead(ctypes.Structure):
    _fields_ = (  # head of CK_FUNCTION_LIST
        ("major", ctypes.c_ubyte),
        ("minor", ctypes.c_ubyte),
        ("C_Initialize", ctypes.c_void_p),
        ("C_Finalize", ctypes.c_void_p),
    )


@dataclass(frozen=True)
class _Functions:
    C_Initialize: Any
    C_Finalize: Any


def _function_list(module_path: str) -> _Functions:
    dll = ctypes.CDLL(module_path)
    head = ctypes.POINTER(_FunctionListHead)()
    get_list = dll.C_GetFunctionList
    get_list.argtypes = [ctypes.POINTER(ctypes.POINTER(_FunctionListHead))]
    get_list.restype = ctypes.c_ulong
    if get_list(ctypes.byref(head)) != 0:
        raise RuntimeError("C_GetFunctionList failed")
    return _Functions(
        C_Initialize=_CK_FN(head.contents.C_Initialize),
        C_Finalize=_CK_FN(head.contents.C_Finalize),
    )


def _read_serial(env: SoftHsmEnvironment, label: str) -> str:
    out = subprocess.run(
        ["softhsm2-util", "--show-slots"],
        env=env.environ(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # Blocks are "Slot N ... Label: X ... Serial number: Y"; take the serial of the matching label.
    serial = ""
    current_serial = ""
    for raw in out.splitlines():
        line = raw.strip()
        if line.startswith("Serial number:"):
            current_serial = line.split(":", 1)[1].strip()
        elif line.startswith("Label:") and line.split(":", 1)[1].strip() == label:
            serial = current_serial
    return serial


# --- child process: C_CreateObject through python-pkcs11 ------------------------------------


def _import_in_child(request: Mapping[str, Any]) -> None:  # pragma: no cover - runs in a child
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    lib = pkcs11.lib(request["module"])
    token = lib.get_token(token_label=request["token"])
    key_id = bytes.fromhex(request["id"])
    label = request["label"]
    with token.open(rw=True, user_pin=request["pin"]) as session:
        if request["key_pkcs8"] is not None:
            key = serialization.load_der_private_key(bytes.fromhex(request["key_pkcs8"]), None)
            common = {Attribute.TOKEN: True, Attribute.ID: key_id, Attribute.LABEL: label}
            if isinstance(key, rsa.RSAPrivateKey):
                nums = key.private_numbers()
                pub = nums.public_numbers

                def b(value: int) -> bytes:
                    return value.to_bytes((value.bit_length() + 7) // 8, "big")

                session.create_object(
                    {
                        **common,
                        Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                        Attribute.KEY_TYPE: KeyType.RSA,
                        Attribute.PRIVATE: True,
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                        Attribute.SIGN: True,
                        Attribute.DECRYPT: True,
                        Attribute.UNWRAP: True,
                        Attribute.ALWAYS_AUTHENTICATE: bool(request["always_authenticate"]),
                        Attribute.MODULUS: b(pub.n),
                        Attribute.PUBLIC_EXPONENT: b(pub.e),
                        Attribute.PRIVATE_EXPONENT: b(nums.d),
                        Attribute.PRIME_1: b(nums.p),
                        Attribute.PRIME_2: b(nums.q),
                        Attribute.EXPONENT_1: b(nums.dmp1),
                        Attribute.EXPONENT_2: b(nums.dmq1),
                        Attribute.COEFFICIENT: b(nums.iqmp),
                    }
                )
                if request["public_key_object"]:
                    session.create_object(
                        {
                            **common,
                            Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                            Attribute.KEY_TYPE: KeyType.RSA,
                            Attribute.PRIVATE: False,
                            Attribute.VERIFY: True,
                            Attribute.ENCRYPT: True,
                            Attribute.WRAP: True,
                            Attribute.MODULUS: b(pub.n),
                            Attribute.PUBLIC_EXPONENT: b(pub.e),
                        }
                    )
            elif isinstance(key, ec.EllipticCurvePrivateKey):
                from asn1crypto import core, keys

                curve_oid = {
                    "secp256r1": "1.2.840.10045.3.1.7",
                    "secp384r1": "1.3.132.0.34",
                    "secp521r1": "1.3.132.0.35",
                }[key.curve.name]
                params = keys.ECDomainParameters(name="named", value=curve_oid).dump()
                size = (key.curve.key_size + 7) // 8
                session.create_object(
                    {
                        **common,
                        Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                        Attribute.KEY_TYPE: KeyType.EC,
                        Attribute.PRIVATE: True,
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                        Attribute.SIGN: True,
                        Attribute.DERIVE: True,
                        Attribute.ALWAYS_AUTHENTICATE: bool(request["always_authenticate"]),
                        Attribute.EC_PARAMS: params,
                        Attribute.VALUE: key.private_numbers().private_value.to_bytes(size, "big"),
                    }
                )
                if request["public_key_object"]:
                    point = key.public_key().public_bytes(
                        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                    )
                    session.create_object(
                        {
                            **common,
                            Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                            Attribute.KEY_TYPE: KeyType.EC,
                            Attribute.PRIVATE: False,
                            Attribute.VERIFY: True,
                            Attribute.EC_PARAMS: params,
                            Attribute.EC_POINT: core.OctetString(point).dump(),
                        }
                    )
            else:
                raise TypeError("only RSA and EC keys are supported")
        if request["cert"] is not None:
            cert_der = bytes.fromhex(request["cert"])
            cert = x509.load_der_x509_certificate(cert_der)
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: False,
                    Attribute.ID: key_id,
                    Attribute.LABEL: label,
                    Attribute.VALUE: cert_der,
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.ISSUER: cert.issuer.public_bytes(),
                    Attribute.SERIAL_NUMBER: _der_integer(cert.serial_number),
                }
            )


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    if len(body) >= 0x80:
        raise ValueError("serial number too long")
    return bytes([0x02, len(body)]) + body


if __name__ == "__main__":  # pragma: no cover - child process entry point
    _import_in_child(json.loads(sys.stdin.buffer.read()))
