"""Certificate files given on the command line (``--trust``, ``--cert``, ``--to``).

A file may hold one DER certificate or any number of PEM certificates (a bundle). Unreadable
files and garbage become :class:`CertificateFileError` (exit code 2) naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509

from keys.errors import EYazismaError

__all__ = ["CertificateFileError", "load_certificate_files"]


class CertificateFileError(EYazismaError):
    """A certificate file given on the command line cannot be used."""

    code = "CLI_CERTIFICATE_FILE"
    exit_code = 2


def _load(path: Path) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CertificateFileError(
            f"{path}: cannot read the certificate file ({exc.strerror})"
        ) from exc
    try:
        if b"-----BEGIN" in data:
            certificates = x509.load_pem_x509_certificates(data)
        else:
            certificates = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise CertificateFileError(
            f"{path}: not a certificate (PEM or DER X.509 expected)"
        ) from exc
    return list(certificates)


def load_certificate_files(paths: Iterable[str | os.PathLike[str]]) -> list[x509.Certificate]:
    """Every certificate of every file, in order."""
    found: list[x509.Certificate] = []
    for path in paths:
        found.extend(_load(Path(path)))
    return found
