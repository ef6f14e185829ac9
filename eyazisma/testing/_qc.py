"""DER for the Turkish qualified-certificate markers of signatures.md §1.8.

cryptography has no builder for qcStatements (RFC 3739 §3.2.6), and certomancer only emits
extensions asn1crypto knows, so the statements are encoded here with asn1crypto and attached as
an ``UnrecognizedExtension``.
"""

from __future__ import annotations

from collections.abc import Sequence

from asn1crypto import core
from cryptography import x509

__all__ = [
    "CP_TR_NES",
    "KAMUSM_NES",
    "KAMUSM_SEAL_RESTRICTION",
    "QC_COMPLIANCE",
    "QC_SSCD",
    "QC_STATEMENTS",
    "QC_TYPE",
    "QC_TYPE_ESEAL",
    "QC_TYPE_ESIGN",
    "qc_statements_extension",
]

QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPE_ESIGN = "0.4.0.1862.1.6.1"
QC_TYPE_ESEAL = "0.4.0.1862.1.6.2"
#: Kamu SM marker of a qualified (NES) certificate, checked as a QC statement id (§1.8).
KAMUSM_NES = "2.16.792.1.61.0.1.5070.1.1"
#: Kamu SM usage restriction that, with ``KAMUSM_NES``, marks an institutional e-seal (§1.8).
KAMUSM_SEAL_RESTRICTION = "2.16.792.1.61.0.1.5070.1.3"
#: Certificate policy seen in Turkish NES certificates (§1.8, additional signal).
CP_TR_NES = "2.16.792.1.2.1.1.5.7.1.9"


class _QcStatement(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012 - asn1crypto's declarative schema
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


class _QcStatements(core.SequenceOf):  # type: ignore[misc]
    _child_spec = _QcStatement


class _OidList(core.SequenceOf):  # type: ignore[misc]
    _child_spec = core.ObjectIdentifier


def qc_statements_extension(
    statement_ids: Sequence[str], *, qc_types: Sequence[str] = ()
) -> x509.UnrecognizedExtension:
    """qcStatements with the given statement ids plus, if given, a QcType statement."""
    statements = [_QcStatement({"statement_id": oid}) for oid in statement_ids]
    if qc_types:
        statements.append(
            _QcStatement({"statement_id": QC_TYPE, "statement_info": _OidList(list(qc_types))})
        )
    return x509.UnrecognizedExtension(QC_STATEMENTS, bytes(_QcStatements(statements).dump()))
