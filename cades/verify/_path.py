"""Certification path building and validation at a given time (RFC 5280 §6.1).

signatures.md §4.2 step 9.

What is checked on the path ``leaf … anchor``: each signature with the issuer's key and the
issuer/subject name chaining; each certificate below the anchor valid at the control time;
every issuing certificate a CA (basicConstraints cA=TRUE, keyCertSign when keyUsage is present)
within its pathLenConstraint; no unrecognised critical extension. The trust anchor is
information, not a certificate to validate (RFC 5280 §6.1.1 (d)), so its own validity period
is reported but not enforced. Certificate policies and name constraints are not processed;
a certificate that marks them critical makes the result INDETERMINATE rather than PASSED.

Revocation is evaluated separately, per profile (:mod:`cades.verify._revocation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import ExtensionOID

from cades.verify._pool import CertEntry, CertPool

__all__ = ["PathResult", "PathValidator"]

_MAX_DEPTH = 10
#: Extensions whose critical flag we honour by processing them here.
_PROCESSED = {
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ExtensionOID.CRL_DISTRIBUTION_POINTS,
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    ExtensionOID.OCSP_NO_CHECK,
    ExtensionOID.ISSUER_ALTERNATIVE_NAME,
    ExtensionOID.FRESHEST_CRL,
}
#: Understood but not enforced: critical ones make the result INDETERMINATE.
_NOT_ENFORCED = {
    ExtensionOID.CERTIFICATE_POLICIES,
    ExtensionOID.NAME_CONSTRAINTS,
    ExtensionOID.POLICY_CONSTRAINTS,
    ExtensionOID.POLICY_MAPPINGS,
    ExtensionOID.INHIBIT_ANY_POLICY,
}


@dataclass(frozen=True)
class PathResult:
    """Outcome of path validation.

    ``status`` is ``"valid"``, ``"invalid"`` (a path exists but breaks a constraint: FAILED /
    CHAIN_CONSTRAINTS_FAILURE), ``"incomplete"`` (no path to an anchor: INDETERMINATE /
    NO_CERTIFICATE_CHAIN_FOUND) or ``"unsupported"`` (a critical extension we do not enforce).
    ``chain`` is ``(leaf, …, anchor)`` when a path was found.
    """

    status: str
    chain: tuple[CertEntry, ...]
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def issuer(self) -> CertEntry | None:
        return self.chain[1] if len(self.chain) > 1 else None

    def subjects(self) -> list[str]:
        return [c.subject_text for c in self.chain]


class PathValidator:
    """Builds paths over a :class:`CertPool` for one set of anchors; caches signature checks."""

    def __init__(self, pool: CertPool, anchors: Sequence[CertEntry]) -> None:
        self.pool = pool
        self.anchors = tuple(anchors)
        self._anchor_ders = {a.der for a in self.anchors}
        self._anchor_keys = {(a.subject_der, a.public_key_bits) for a in self.anchors}
        self._signed: dict[tuple[int, int], bool] = {}
        self._results: dict[tuple[bytes, datetime, bool], PathResult] = {}

    def is_anchor(self, entry: CertEntry) -> bool:
        return entry.der in self._anchor_ders or (
            (entry.subject_der, entry.public_key_bits) in self._anchor_keys
        )

    def issued_by(self, child: CertEntry, issuer: CertEntry) -> bool:
        key = (id(child), id(issuer))
        known = self._signed.get(key)
        if known is None:
            try:
                child.cert.verify_directly_issued_by(issuer.cert)
                known = True
            except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
                known = False
            self._signed[key] = known
        return known

    def _candidates(self, entry: CertEntry) -> list[CertEntry]:
        anchors = [
            a
            for a in self.anchors
            if a.subject_der == entry.issuer_der or a.cert.subject == entry.cert.issuer
        ]
        pool = [c for c in self.pool.issuers_of(entry) if c not in anchors]
        ordered = anchors + pool
        aki = _aki(entry)
        if aki is not None:
            # Key identifiers only order the search; the signature decides (RFC 5280 §4.2.1.1).
            ordered.sort(key=lambda c: c.ski != aki)
        return ordered

    def _paths(self, chain: list[CertEntry]) -> list[tuple[CertEntry, ...]]:
        current = chain[-1]
        if self.is_anchor(current):
            return [tuple(chain)]
        if len(chain) >= _MAX_DEPTH:
            return []
        found: list[tuple[CertEntry, ...]] = []
        for candidate in self._candidates(current):
            if candidate in chain or not self.issued_by(current, candidate):
                continue
            found.extend(self._paths([*chain, candidate]))
            if found:
                break
        return found

    def validate(self, leaf: CertEntry, at: datetime, *, check_leaf: bool = True) -> PathResult:
        """Find and check a path for ``leaf`` at ``at`` (``check_leaf``: leaf validity too)."""
        key = (leaf.der, at, check_leaf)
        cached = self._results.get(key)
        if cached is not None:
            return cached
        paths = self._paths([leaf])
        if not paths:
            result = PathResult(
                "incomplete",
                (),
                f"no path from {leaf.subject_text} to a trust anchor "
                f"(issuer {leaf.cert.issuer.rfc4514_string()})",
            )
        else:
            result = _check_path(paths[0], at, check_leaf)
        self._results[key] = result
        return result


def _aki(entry: CertEntry) -> bytes | None:
    try:
        value = entry.cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return value.key_identifier


def _check_path(chain: tuple[CertEntry, ...], at: datetime, check_leaf: bool) -> PathResult:
    below_anchor = chain[:-1] if len(chain) > 1 else chain
    for index, entry in enumerate(below_anchor):
        if index == 0 and not check_leaf:
            continue
        if not entry.valid_at(at):
            return PathResult(
                "invalid",
                chain,
                f"{entry.subject_text} is not valid at {at.isoformat()} "
                f"(valid {entry.cert.not_valid_before_utc.isoformat()} – "
                f"{entry.cert.not_valid_after_utc.isoformat()})",
            )
    unsupported: str | None = None
    for index, entry in enumerate(below_anchor):
        problem, unenforced = _extensions_problem(entry)
        if problem:
            return PathResult("invalid", chain, problem)
        unsupported = unsupported or unenforced
        if index == 0:
            continue
        ca_problem = _ca_problem(entry, chain[:index])
        if ca_problem:
            return PathResult("invalid", chain, ca_problem)
    if len(chain) > 1:
        anchor = chain[-1]
        ca_problem = _ca_problem(anchor, chain[:-1]) if anchor.cert.extensions else None
        if ca_problem:
            return PathResult("invalid", chain, ca_problem)
    if unsupported:
        return PathResult("unsupported", chain, unsupported)
    return PathResult("valid", chain)


def _extensions_problem(entry: CertEntry) -> tuple[str | None, str | None]:
    try:
        extensions = list(entry.cert.extensions)
    except ValueError as exc:
        return f"{entry.subject_text} has malformed extensions: {exc}", None
    unenforced = None
    for ext in extensions:
        if not ext.critical or ext.oid in _PROCESSED:
            continue
        if ext.oid in _NOT_ENFORCED:
            unenforced = (
                f"{entry.subject_text} marks {ext.oid.dotted_string} critical (not enforced)"
            )
            continue
        return (
            f"{entry.subject_text} has an unrecognised critical extension {ext.oid.dotted_string}",
            None,
        )
    return None, unenforced


def _ca_problem(issuer: CertEntry, below: tuple[CertEntry, ...]) -> str | None:
    """RFC 5280 §6.1.4 (k), (l), (n) for an issuing certificate."""
    try:
        bc = issuer.cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return f"{issuer.subject_text} issues certificates but is not a CA (no basicConstraints)"
    if not bc.ca:
        return f"{issuer.subject_text} issues certificates but basicConstraints cA is FALSE"
    try:
        ku = issuer.cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.key_cert_sign:
            return f"{issuer.subject_text} lacks keyUsage keyCertSign"
    except x509.ExtensionNotFound:
        pass
    if bc.path_length is not None:
        # Non-self-issued intermediates between this CA and the leaf (leaf excluded).
        intermediates = [c for c in below[1:] if not c.self_issued]
        if len(intermediates) > bc.path_length:
            return f"{issuer.subject_text} pathLenConstraint {bc.path_length} is exceeded"
    return None
