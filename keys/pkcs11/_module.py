"""Loading and initialising PKCS#11 modules (signatures.md §6.1).

python-pkcs11 0.10.1 always calls ``C_Initialize(NULL)``, i.e. *without* OS locking
(signatures.md §10 Q14). SoftHSM2 then disables its internal mutexes, and concurrent calls
from several threads crash the process (measured here: 4 threads × 2000 ECDSA signatures on
separate sessions → SIGSEGV in 3 runs out of 3). So this module initialises the library itself,
through ``ctypes`` and the module's function list, before python-pkcs11 sees it:

1. ``C_Initialize({flags = CKF_OS_LOCKING_OK})`` → :attr:`InitMode.OS_LOCKING`: the module is
   thread-safe; sessions can be used in parallel (same workload: 0 errors in 3 runs).
2. ``CKR_ARGUMENTS_BAD`` / ``CKR_CANT_LOCK`` (older AKİS modules) → ``C_Initialize(NULL)`` →
   :attr:`InitMode.SERIALIZED`: every call goes through one lock per module; pools have size 1.
3. ``CKR_CRYPTOKI_ALREADY_INITIALIZED`` → :attr:`InitMode.SHARED`: someone else in the process
   owns initialisation with unknown locking. Treated like SERIALIZED; ``C_Finalize`` is never
   called.

python-pkcs11's ``lib`` is then created through a subclass whose ``initialize()`` does nothing,
and it is registered in python-pkcs11's own cache so other users of ``pkcs11.lib(path)`` in the
process get the same, already initialised object instead of a failing second ``C_Initialize``.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pkcs11
from pkcs11 import _pkcs11

from keys.errors import ModuleLoadError

__all__ = ["KNOWN_MODULES", "InitMode", "Pkcs11Module", "load_module", "resolve_module_path"]

CKR_OK = 0x0
CKR_ARGUMENTS_BAD = 0x7
CKR_CANT_LOCK = 0xA
CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191
CKF_OS_LOCKING_OK = 0x2


def _lib_names(base: str) -> tuple[str, ...]:
    if sys.platform == "win32":
        return (f"{base}.dll",)
    if sys.platform == "darwin":
        return (f"lib{base}.dylib", f"{base}.dylib")
    return (f"lib{base}.so", f"{base}.so")


_UNIX_DIRS = ("/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/lib")
_MAC_DIRS = ("/usr/local/lib", "/opt/homebrew/lib", "/Library/Akis")
_WIN_DIRS = (
    r"C:\Windows\System32",
    r"C:\Windows\SysWOW64",
    r"C:\Program Files\Akis",
    r"C:\Program Files\Akia",
)


def _candidates(bases: tuple[str, ...], extra_dirs: tuple[str, ...] = ()) -> tuple[str, ...]:
    if sys.platform == "win32":
        dirs = _WIN_DIRS
    elif sys.platform == "darwin":
        dirs = _MAC_DIRS
    else:
        dirs = (*_UNIX_DIRS, *extra_dirs)
    return tuple(str(Path(d) / n) for base in bases for d in dirs for n in _lib_names(base))


#: Known module names (signatures.md §6.1 table) → candidate file locations, probed in order.
KNOWN_MODULES: Mapping[str, tuple[str, ...]] = {
    "akisp11": _candidates(("akisp11",), ("/opt/Akia",)),
    "tckkp11": _candidates(("tckkp11",)),
    "eTPkcs11": _candidates(("eTPkcs11", "eToken")),
    "cryptoki": _candidates(("cryptoki", "Cryptoki2_64")),
    "cs_pkcs11_R2": _candidates(("cs_pkcs11_R2", "cs2_pkcs11")),
    "cknfast": _candidates(("cknfast", "cknfast-64"), ("/opt/nfast/toolkits/pkcs11",)),
    "dirakp11": _candidates(("dirakp11", "dirakp11-64", "dirakp11-32")),
    "uhsmpkcs11": _candidates(("uhsmpkcs11", "uhsmpkcs11x64")),
    "procryptoki": _candidates(("procryptoki",)),
    "softhsm2": (
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
        "/opt/homebrew/lib/softhsm/libsofthsm2.so",
        r"C:\SoftHSM2\lib\softhsm2-x64.dll",
    ),
}


def resolve_module_path(name_or_path: str | os.PathLike[str]) -> str:
    """Turn a known module name (``akisp11``, ``softhsm2``, …) or a file path into a path."""
    text = os.fspath(name_or_path)
    if text in KNOWN_MODULES:
        for candidate in KNOWN_MODULES[text]:
            if Path(candidate).is_file():
                return str(Path(candidate).resolve())
        raise ModuleLoadError(
            f"The PKCS#11 module {text!r} is not installed in a known location. Install the "
            "card/HSM driver or give the module's full path (--module PATH)."
        )
    if not Path(text).is_file():
        raise ModuleLoadError(
            f"PKCS#11 module file not found: {text}. Give the full path of the driver library "
            f"or one of the known names: {', '.join(KNOWN_MODULES)}."
        )
    return str(Path(text).resolve())


class InitMode(enum.Enum):
    """How ``C_Initialize`` succeeded (see module docs)."""

    OS_LOCKING = "os-locking"
    SERIALIZED = "serialized"
    SHARED = "shared"


class _InitArgs(ctypes.Structure):
    # CK_C_INITIALIZE_ARGS (PKCS#11 v2.40 §3.6); CK_ULONG is the C "unsigned long".
    _fields_ = (
        ("CreateMutex", ctypes.c_void_p),
        ("DestroyMutex", ctypes.c_void_p),
        ("LockMutex", ctypes.c_void_p),
        ("UnlockMutex", ctypes.c_void_p),
        ("flags", ctypes.c_ulong),
        ("pReserved", ctypes.c_void_p),
    )


_C_Initialize = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)


class _FunctionListHead(ctypes.Structure):
    # Only the head of CK_FUNCTION_LIST: CK_VERSION then C_Initialize (first function pointer).
    _fields_ = (
        ("major", ctypes.c_ubyte),
        ("minor", ctypes.c_ubyte),
        ("C_Initialize", ctypes.c_void_p),
    )


def _initialize(path: str, *, os_locking: bool) -> tuple[InitMode, ctypes.CDLL]:
    try:
        dll = ctypes.CDLL(path)
    except OSError as exc:
        text = str(exc)
        if "ELFCLASS" in text or "wrong architecture" in text or "%1" in text:
            raise ModuleLoadError(
                f"The PKCS#11 module {path} is built for another architecture (32/64-bit) than "
                "this Python. Install the driver matching this interpreter."
            ) from exc
        raise ModuleLoadError(f"Cannot load the PKCS#11 module {path}: {text}") from exc
    try:
        get_function_list = dll.C_GetFunctionList
    except AttributeError as exc:
        raise ModuleLoadError(f"{path} is not a PKCS#11 module (no C_GetFunctionList).") from exc
    head = ctypes.POINTER(_FunctionListHead)()
    get_function_list.argtypes = [ctypes.POINTER(ctypes.POINTER(_FunctionListHead))]
    get_function_list.restype = ctypes.c_ulong
    rv = get_function_list(ctypes.byref(head))
    if rv != CKR_OK or not head or not head.contents.C_Initialize:
        raise ModuleLoadError(f"{path}: C_GetFunctionList failed (0x{rv:x}).")
    c_initialize = _C_Initialize(head.contents.C_Initialize)
    args = _InitArgs(flags=CKF_OS_LOCKING_OK)

    def call(with_locking: bool) -> int:
        return int(c_initialize(ctypes.addressof(args) if with_locking else None))

    return choose_init_mode(call, path, os_locking=os_locking), dll


def choose_init_mode(call: Callable[[bool], int], path: str, *, os_locking: bool) -> InitMode:
    """The §6.1 initialisation sequence; ``call(True)`` passes CKF_OS_LOCKING_OK, ``call(False)``
    passes NULL. Separate from the ctypes plumbing so every branch can be unit-tested."""
    if os_locking:
        rv = call(True)
        if rv == CKR_OK:
            return InitMode.OS_LOCKING
        if rv == CKR_CRYPTOKI_ALREADY_INITIALIZED:
            return InitMode.SHARED
        if rv not in (CKR_ARGUMENTS_BAD, CKR_CANT_LOCK):
            raise ModuleLoadError(f"{path}: C_Initialize failed (0x{rv:x}).")
    rv = call(False)
    if rv == CKR_OK:
        return InitMode.SERIALIZED
    if rv == CKR_CRYPTOKI_ALREADY_INITIALIZED:
        return InitMode.SHARED
    raise ModuleLoadError(f"{path}: C_Initialize failed (0x{rv:x}).")


class _PreinitialisedLib(_pkcs11.lib):
    """python-pkcs11 ``lib`` that leaves ``C_Initialize`` to :func:`_initialize`."""

    def initialize(self) -> None:
        return None


_NO_LOCK = contextlib.nullcontext()


class Pkcs11Module:
    """A loaded PKCS#11 module. Obtain with :func:`load_module` (one object per path)."""

    def __init__(self, path: str, lib: Any, init_mode: InitMode, dll: ctypes.CDLL) -> None:
        self.path = path
        self.lib = lib
        self.init_mode = init_mode
        self._dll = dll  # keeps the library mapped for the life of the process
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<Pkcs11Module {self.path} {self.init_mode.value}>"

    @property
    def thread_safe(self) -> bool:
        """True when the module was initialised with OS locking (parallel sessions allowed)."""
        return self.init_mode is InitMode.OS_LOCKING

    def guard(self) -> contextlib.AbstractContextManager[object]:
        """Serialise calls into a module that runs without OS locking; no-op otherwise."""
        return _NO_LOCK if self.thread_safe else self._lock

    @property
    def description(self) -> str:
        return f"{self.lib.manufacturer_id} {self.lib.library_description}".strip()


_MODULES: dict[str, Pkcs11Module] = {}
_LOAD_LOCK = threading.Lock()


def load_module(name_or_path: str | os.PathLike[str], *, os_locking: bool = True) -> Pkcs11Module:
    """Load (once per process) and initialise a PKCS#11 module by known name or path.

    ``os_locking=False`` forces the serialised mode (for modules that misbehave with it).
    """
    path = resolve_module_path(name_or_path)
    # python-pkcs11 caches by the string it was given; register every spelling we know so a
    # later pkcs11.lib(<that spelling>) finds our already-initialised object.
    spellings = {path}
    text = os.fspath(name_or_path)
    if text in KNOWN_MODULES:
        spellings.update(c for c in KNOWN_MODULES[text] if Path(c).is_file())
    else:
        spellings.add(os.path.abspath(text))
    with _LOAD_LOCK:
        module = _MODULES.get(path)
        if module is not None:
            for spelling in spellings:
                pkcs11._loaded.setdefault(spelling, module.lib)
            return module
        mode, dll = _initialize(path, os_locking=os_locking)
        existing = next((pkcs11._loaded[s] for s in spellings if s in pkcs11._loaded), None)
        try:
            lib = existing if existing is not None else _PreinitialisedLib(path)
        except pkcs11.PKCS11Error as exc:
            raise ModuleLoadError(f"{path}: python-pkcs11 could not open the module.") from exc
        for spelling in spellings:
            pkcs11._loaded[spelling] = lib
        if existing is None:
            # Never deallocated: python-pkcs11's __dealloc__ looks up ``unload`` on the object,
            # which fails for a Python subclass torn down during interpreter shutdown
            # ("AttributeError ... no attribute 'unload'" / "Error in sys.excepthook" at exit).
            # The module must stay mapped and initialised until the process ends anyway.
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(lib))
        module = Pkcs11Module(path, lib, mode, dll)
        _MODULES[path] = module
        return module
