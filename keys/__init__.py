"""Private keys wherever they live: files (PKCS#12/PEM), smart cards and HSMs (PKCS#11).

Leaf of the import graph (DESIGN.md §1); also home of the exception root
:class:`EYazismaError`. One small interface (:class:`PrivateKey` and its parts :class:`Signer`,
:class:`Decrypter`, :class:`KeyAgreer`) with two implementations: :class:`SoftwareKey`
(:func:`load_pkcs12`, :func:`load_pem`) and :class:`keys.pkcs11.Pkcs11Key`. The PKCS#11 side
lives in the :mod:`keys.pkcs11` subpackage so importing ``keys`` does not load python-pkcs11.
"""

from keys._certs import (
    CertificateInfo,
    CertificateRole,
    QcType,
    classify_certificate,
    select_certificate,
)
from keys._mechanisms import (
    DecryptPadding,
    HashAlgorithm,
    KeyAlgorithm,
    KeyType,
    SignatureMechanism,
)
from keys._open import OpenedKey, open_key
from keys._protocols import Decrypter, KeyAgreer, KeyHolder, PrivateKey, Signer
from keys._software import SoftwareKey, load_pem, load_pkcs12
from keys._uri import KeySpecError, Pkcs11Uri, Pkcs11UriError
from keys.errors import (
    AmbiguousCertificateError,
    DecryptionError,
    EYazismaError,
    KeyFileError,
    KeyNotFoundError,
    KeysError,
    ModuleLoadError,
    PinCancelledError,
    PinError,
    PinFinalTryError,
    PinLockedError,
    SignatureCheckError,
    TokenError,
    TokenNotFoundError,
    UnsupportedMechanismError,
    WeakAlgorithmError,
    WrongPinError,
)

__all__ = [
    "AmbiguousCertificateError",
    "CertificateInfo",
    "CertificateRole",
    "DecryptPadding",
    "Decrypter",
    "DecryptionError",
    "EYazismaError",
    "HashAlgorithm",
    "KeyAgreer",
    "KeyAlgorithm",
    "KeyFileError",
    "KeyHolder",
    "KeyNotFoundError",
    "KeySpecError",
    "KeyType",
    "KeysError",
    "ModuleLoadError",
    "OpenedKey",
    "PinCancelledError",
    "PinError",
    "PinFinalTryError",
    "PinLockedError",
    "Pkcs11Uri",
    "Pkcs11UriError",
    "PrivateKey",
    "QcType",
    "SignatureCheckError",
    "SignatureMechanism",
    "Signer",
    "SoftwareKey",
    "TokenError",
    "TokenNotFoundError",
    "UnsupportedMechanismError",
    "WeakAlgorithmError",
    "WrongPinError",
    "classify_certificate",
    "load_pem",
    "load_pkcs12",
    "open_key",
    "select_certificate",
]
