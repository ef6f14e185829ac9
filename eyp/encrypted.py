"""Create and open encrypted packages (``.eyps``), behind the licence gate (eyp.md §3.3, §9;
signatures.md §7, §8).

* :func:`encrypt_package` encrypts a sealed ``.eyp`` for the recipient institution's
  encryption certificate(s) — primary and backup — and, by default, the sender's own
  institution certificate, as CMS EnvelopedData (AES-256-CBC; AES-256-GCM AuthEnvelopedData on
  request), then writes the container: the inner NihaiÖzet copied byte for byte, BelgeHedef,
  ŞifreliİçerikBilgisi and core.
* :func:`decrypt_package` decrypts with the institution's key (token, HSM or file), checks that
  the outer NihaiÖzet equals the inner one (EYP-DIG-019) and verifies the inner package in the
  same call. Plaintext is streamed into a temporary file next to the requested output and moved
  into place only after decryption succeeded; nothing else decrypted touches the disk.

Both are the **only** public paths to the envelope code: each asks :func:`licensing.require`
first (EYP encryption / EYP decryption), so generic CMS encryption is not a way around the
licence (signatures.md §8.1 fact 4). Encrypting needs no institution key (§8.3).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

import licensing
from encryption import ContentCipher, DecryptResult, EncryptionError, EnvelopeInfo
from encryption._reader import decrypt_stream
from encryption._writer import encrypt_stream
from eyp._names import Component, PackageKind
from eyp._read import EypPackage
from eyp.build._encrypted import EncryptedPackageBuilder, read_inner_summary
from eyp.errors import EypError
from eyp.verify import SignatureTrust, VerificationReport, verify_package
from eyp.verify._report import Finding, Severity
from keys import KeyHolder
from keys.errors import EYazismaError

__all__ = ["DecryptedPackage", "EncryptedPackage", "decrypt_package", "encrypt_package"]

Progress = Callable[[int, int | None], None]


class EncryptedPackageError(EypError):
    """An .eyps could not be created or opened (the reason says what to do)."""

    code = "EYP_ENCRYPTED"


@dataclass(frozen=True)
class EncryptedPackage:
    """Result of :func:`encrypt_package`."""

    path: Path
    belge_id: str
    envelope: EnvelopeInfo
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class DecryptedPackage:
    """Result of :func:`decrypt_package`: where the inner package is and its verification."""

    path: Path
    decryption: DecryptResult
    report: VerificationReport

    @property
    def valid(self) -> bool:
        return self.report.valid


def _check_recipient(cert: x509.Certificate, now: datetime) -> None:
    subject = cert.subject.rfc4514_string()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise EncryptedPackageError(
            f"the recipient certificate {subject} is not valid now (valid "
            f"{cert.not_valid_before_utc:%Y-%m-%d} – {cert.not_valid_after_utc:%Y-%m-%d}); "
            "ask the institution for its current encryption certificate (signatures.md §7.7)"
        )


def encrypt_package(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    recipients: Sequence[x509.Certificate],
    *,
    sender: x509.Certificate | None = None,
    cipher: ContentCipher = ContentCipher.AES256_CBC,
    progress: Progress | None = None,
) -> EncryptedPackage:
    """Encrypt the sealed package ``source`` into the ``.eyps`` ``target`` (written atomically).

    ``recipients`` are the addressee institution's encryption certificates (every currently
    valid one, e.g. primary and backup HSM); ``sender`` is the sender institution's own
    encryption certificate, added so it can open its sent packages later (§7.7 item 2).
    """
    everyone = [*recipients, *([sender] if sender is not None else [])]
    if not recipients:
        raise EncryptedPackageError("give at least one recipient encryption certificate")
    licensing.require(licensing.Product.EYP_ENCRYPTION, certificates=everyone)
    now = datetime.now(UTC)
    for cert in everyone:
        _check_recipient(cert, now)
    summary = read_inner_summary(source)
    with EypPackage(source) as inner:
        if inner.kind is not PackageKind.EYP or inner.open_signature(Component.MUHUR) is None:
            raise EncryptedPackageError(
                f"{source}: only sealed packages are encrypted (the e-seal is missing)"
            )
    out = Path(target)
    folder = out.parent if str(out.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=".eyps-content-", dir=folder)
    os.close(handle)
    try:
        info = encrypt_stream(
            Path(source), Path(temp_name), everyone, cipher=cipher, progress=progress
        )
        EncryptedPackageBuilder(summary, Path(temp_name), summary.belge_hedef).save(out)
    except EncryptionError as exc:
        raise EncryptedPackageError(f"cannot encrypt {source}: {exc.message}") from exc
    finally:
        Path(temp_name).unlink(missing_ok=True)
    return EncryptedPackage(
        out, summary.belge_id, info, tuple(c.subject.rfc4514_string() for c in everyone)
    )


def decrypt_package(
    source: str | os.PathLike[str],
    key: KeyHolder | Sequence[KeyHolder],
    target: str | os.PathLike[str],
    *,
    trust: SignatureTrust | None = None,
    legacy: bool = False,
    progress: Progress | None = None,
) -> DecryptedPackage:
    """Decrypt the ``.eyps`` at ``source`` to ``target`` and verify the inner package.

    ``key`` is the institution's decryption key (or all of them, old ones included). A key
    that no RecipientInfo names fails before any key operation; every other decryption failure
    gives one generic error (no oracle). The returned report is the inner package's, with
    EYP-DIG-019 when the outer NihaiÖzet copy differs from the inner NihaiÖzet.
    """
    keys_given = [key] if isinstance(key, KeyHolder) else list(key)
    if not keys_given:
        raise EncryptedPackageError(
            "receiving requires a Kurumsal Şifreleme Sertifikası from Kamu SM and its key "
            "(signatures.md §8.1 fact 5)"
        )
    licensing.require(
        licensing.Product.EYP_DECRYPTION, certificates=[k.certificate for k in keys_given]
    )
    out = Path(target)
    with EypPackage(source) as outer:
        if outer.kind is not PackageKind.EYPS:
            raise EncryptedPackageError(f"{source}: not an encrypted package (.eyps)")
        nihai_part = outer.part_of(Component.NIHAI_OZET)
        outer_nihai = outer.read(str(nihai_part)) if nihai_part is not None else None
        try:
            with outer.open_encrypted_content() as stream:
                result = decrypt_stream(stream, out, keys_given, legacy=legacy, progress=progress)
        except EncryptionError as exc:
            raise EncryptedPackageError(f"cannot decrypt {source}: {exc.message}") from exc
    report = verify_package(out, trust=trust)
    findings = list(report.findings)
    try:
        with EypPackage(out) as inner:
            inner_part = inner.part_of(Component.NIHAI_OZET)
            inner_nihai = inner.read(str(inner_part)) if inner_part is not None else None
    except EYazismaError:
        inner_nihai = None
    if outer_nihai is None or inner_nihai != outer_nihai:
        findings.append(
            Finding(
                "EYP-DIG-019",
                Severity.ERROR,
                Component.NIHAI_OZET.part,
                "the outer NihaiÖzet copy differs from the decrypted package's NihaiÖzet",
            )
        )
    final = VerificationReport(
        source=report.source,
        kind=report.kind,
        version=report.version,
        belge_id=report.belge_id,
        findings=tuple(findings),
        manifests=report.manifests,
        inner=report.inner,
        signatures=report.signatures,
    )
    return DecryptedPackage(out, result, final)
