"""Human rendering of a :class:`SignatureReport` (signatures.md §4.7).

Grouped the way İmzager groups its results — signature details, signer, time-stamp, legal
quality — followed by the individual checks. English or Turkish labels and messages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cades.verify._report import CheckStatus

if TYPE_CHECKING:
    from cades.verify._report import SignatureReport, SignerReport

__all__ = ["render"]

_LABELS = {
    "en": {
        "title": "CAdES signature verification",
        "validation_time": "Validation time",
        "mode": "Mode",
        "format": "Format",
        "signer": "Signature",
        "countersigner": "Countersignature",
        "details": "Signature details",
        "profile": "Profile",
        "form": "Form (achieved / claimed)",
        "signing_time": "Signing time",
        "best_time": "Best signature time",
        "mime": "Content type",
        "who": "Signer",
        "subject": "Subject",
        "tckn": "TC identity no",
        "vkn": "Tax no",
        "organization": "Organisation",
        "type": "Certificate type",
        "timestamps": "Time-stamps",
        "none": "none",
        "legal": "Legal quality",
        "maturity": "Finalisation",
        "retry": "Retry after",
        "revocation": "Revocation data",
        "checks": "Checks",
        "trusted": "trusted",
        "untrusted": "not trusted",
        "result": "Result",
        "notes": "Notes",
    },
    "tr": {
        "title": "CAdES imza doğrulama",
        "validation_time": "Doğrulama zamanı",
        "mode": "Kip",
        "format": "Biçim",
        "signer": "İmza",
        "countersigner": "Seri imza",
        "details": "İmza ayrıntıları",
        "profile": "Profil",
        "form": "Biçim (ulaşılan / beyan edilen)",
        "signing_time": "İmza zamanı",
        "best_time": "En iyi imza zamanı",
        "mime": "İçerik türü",
        "who": "İmzacı",
        "subject": "Konu",
        "tckn": "TC kimlik no",
        "vkn": "Vergi no",
        "organization": "Kurum",
        "type": "Sertifika türü",
        "timestamps": "Zaman damgaları",
        "none": "yok",
        "legal": "Yasal nitelik",
        "maturity": "Kesinleşme",
        "retry": "Yeniden deneme",
        "revocation": "İptal bilgileri",
        "checks": "Denetimler",
        "trusted": "güvenilir",
        "untrusted": "güvenilmez",
        "result": "Sonuç",
        "notes": "Notlar",
    },
}
_SOURCES = {
    "en": {
        "signature-time-stamp": "signature time-stamp",
        "signing-time": "signing-time attribute (trusted by policy)",
        "validation-time": "validation time (no time-stamp)",
    },
    "tr": {
        "signature-time-stamp": "imza zaman damgası",
        "signing-time": "signing-time özniteliği (politika gereği)",
        "validation-time": "doğrulama zamanı (zaman damgası yok)",
    },
}
_TYPES = {
    "tr": {
        "NES": "Nitelikli elektronik sertifika (NES)",
        "KURUMSAL_MUHUR": "Kurumsal mühür",
        "NITELIKLI_MUHUR": "Nitelikli mühür",
        "MALI_MUHUR": "Mali mühür",
        "NONE": "Nitelikli değil",
    },
    "en": {
        "NES": "Qualified electronic certificate (NES)",
        "KURUMSAL_MUHUR": "Institutional e-seal",
        "NITELIKLI_MUHUR": "Qualified e-seal",
        "MALI_MUHUR": "Fiscal seal (not for EYP)",
        "NONE": "Not qualified",
    },
}


def _time(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render(report: SignatureReport, lang: str = "en") -> str:
    if lang not in _LABELS:
        raise ValueError("lang must be 'en' or 'tr'")
    labels = _LABELS[lang]
    lines = [
        f"{labels['title']}: {report.indication.value}"
        + (f" ({report.sub_indication})" if report.sub_indication else ""),
        f"{labels['validation_time']}: {_time(report.validation_time)}   "
        f"{labels['mode']}: {report.mode}",
    ]
    if report.retry_after is not None:
        lines.append(f"{labels['retry']}: {_time(report.retry_after)}")
    lines.append(f"{labels['format']}:")
    for check in report.format_checks:
        lines.append(
            _check_line(
                check.status, check.id, check.message_tr if lang == "tr" else check.message, "  "
            )
        )
    notes = report.document.get("notes")
    if notes:
        lines.append(f"{labels['notes']}:")
        lines.extend(f"  - {note}" for note in notes)
    for signer in report.signers:
        lines.append("")
        _signer(signer, lang, lines, "")
    return "\n".join(lines) + "\n"


def _check_line(status: CheckStatus, check_id: str, message: str, indent: str) -> str:
    return f"{indent}[{status.value:<14}] {check_id:<8} {message}"


def _signer(signer: SignerReport, lang: str, lines: list[str], indent: str) -> None:
    labels = _LABELS[lang]
    title = labels["countersigner"] if "." in signer.path else labels["signer"]
    result = signer.indication.value + (
        f" ({signer.sub_indication})" if signer.sub_indication else ""
    )
    lines.append(f"{indent}{title} {signer.path} — {labels['result']}: {result}")
    inner = indent + "  "
    item = inner + "  "
    lines.append(f"{inner}{labels['details']}")
    profile = signer.profile.value if signer.profile else (signer.policy_oid or "-")
    lines.append(f"{item}{labels['profile']}: {profile}")
    lines.append(f"{item}{labels['form']}: {signer.level.value} / {signer.level_claimed.value}")
    lines.append(f"{item}{labels['signing_time']}: {_time(signer.signing_time)}")
    source = _SOURCES[lang].get(
        signer.best_signature_time_source, signer.best_signature_time_source
    )
    lines.append(f"{item}{labels['best_time']}: {_time(signer.best_signature_time)} ({source})")
    mime = signer.attributes.get("mime_type")
    if mime:
        lines.append(f"{item}{labels['mime']}: {mime}")
    lines.append(f"{inner}{labels['who']}")
    lines.append(f"{item}{labels['subject']}: {signer.subject or '-'}")
    for key in ("tckn", "vkn", "organization"):
        if key in signer.identity:
            lines.append(f"{item}{labels[key]}: {signer.identity[key]}")
    if signer.certificate_type is not None:
        from cades.verify._report import _type_name

        name = _type_name(signer.certificate_type) or "NONE"
        marker = f" ({signer.type_marker_source})" if signer.type_marker_source else ""
        lines.append(f"{item}{labels['type']}: {_TYPES[lang][name]}{marker}")
    lines.append(f"{inner}{labels['timestamps']}")
    if not signer.timestamps:
        lines.append(f"{item}{labels['none']}")
    for ts in signer.timestamps:
        trust = labels["trusted"] if ts.trusted else f"{labels['untrusted']} ({ts.reason})"
        variant = f" [{ts.variant}]" if ts.variant else ""
        lines.append(f"{item}{ts.kind}: {_time(ts.gen_time)} — {ts.tsa or '-'} — {trust}{variant}")
    lines.append(f"{inner}{labels['legal']}")
    lines.append(f"{item}{labels['maturity']}: {signer.maturity.value}")
    if signer.retry_after is not None:
        lines.append(f"{item}{labels['retry']}: {_time(signer.retry_after)}")
    if signer.revocation:
        lines.append(f"{item}{labels['revocation']}:")
        for rev in signer.revocation:
            flag = "fresh" if rev.fresh else ("stale" if rev.authentic else "rejected")
            lines.append(
                f"{item}  {rev.role} {rev.type} {rev.status} ({rev.source}, "
                f"{_time(rev.produced_at)}, {flag}) — {rev.certificate}"
            )
    lines.append(f"{inner}{labels['checks']}")
    for check in signer.checks:
        message = check.message_tr if lang == "tr" else check.message
        lines.append(_check_line(check.status, check.id, message, item))
    for counter in signer.countersigners:
        lines.append("")
        _signer(counter, lang, lines, inner)
