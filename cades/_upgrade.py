"""Upgrade CAdES signatures: T, C, X-Long and A (with renewal).

signatures.md §1.6 (timing rules), §2.3 (pipeline), §2.6 (verify every time-stamp before use),
§3.5 (T), §3.6 (C), §3.8 (X-Long), §3.9.1 (ATSv3 + ATSHashIndex v1), §3.9.4 (renewal),
§3.11 (splicing, self-check).

Every change is a splice into the stored bytes (:mod:`cades._view`); attributes are appended
in the order T, complete-certificate-references, complete-revocation-references,
certificate-values, revocation-values, archive-time-stamp-v3 (§3.8). The input is never
modified: new bytes are returned only after the whole upgrade and the self-check (§3.11 rule 7)
succeeded, otherwise an error is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cades import _attributes as attrs
from cades import _der, _view
from cades._asn1 import Oid
from cades._ats import ats_v3_imprint, build_ats_hash_index, splice_hash_index
from cades._collect import (
    CertEntry,
    Collector,
    Evidence,
    RevocationKind,
    ValidationSources,
    basic_ocsp_response,
    certificate_refs_attribute,
    certificate_values_attribute,
    revocation_refs_attribute,
    revocation_values_attribute,
)
from cades._crypto import digest
from cades._sign import (
    ContentSource,
    certificate_for_sid,
    content_digests,
    self_check,
    token_imprint,
)
from cades._view import SignedDataView, SignerInfoView
from cades.errors import (
    CadesError,
    CadesFormatError,
    RevocationError,
    SigningError,
    TimestampError,
    UpgradeError,
)
from cades.profiles import TS_WINDOW_AFTER, TS_WINDOW_BEFORE, Level, Profile, RevocationRule
from cades.tsp import TimestampToken, verify_timestamp_token

__all__ = ["ValidationSources", "signer_level", "signer_profile", "upgrade"]

_ARCHIVE_OIDS = (Oid.ARCHIVE_TIME_STAMP_V1, Oid.ARCHIVE_TIME_STAMP_V2, Oid.ARCHIVE_TIME_STAMP_V3)
_FROZEN_OIDS = (Oid.ARCHIVE_TIME_STAMP_V1, Oid.ARCHIVE_TIME_STAMP_V2)


def signer_level(signer: SignerInfoView) -> Level:
    """The CAdES form a SignerInfo has reached, judged by its attributes (§1.4)."""
    if any(signer.unsigned(oid) for oid in _ARCHIVE_OIDS):
        return Level.A
    has_refs = bool(signer.unsigned(Oid.CERTIFICATE_REFS) and signer.unsigned(Oid.REVOCATION_REFS))
    if (
        has_refs
        and signer.unsigned(Oid.CERTIFICATE_VALUES)
        and signer.unsigned(Oid.REVOCATION_VALUES)
    ):
        return Level.XL
    if has_refs and (
        signer.unsigned(Oid.ESC_TIME_STAMP) or signer.unsigned(Oid.CERTS_CRLS_TIME_STAMP)
    ):
        return Level.X
    if has_refs:
        return Level.C
    if signer.unsigned(Oid.SIGNATURE_TIME_STAMP):
        return Level.T
    if signer.signed(Oid.SIGNATURE_POLICY):
        return Level.EPES
    return Level.BES


def signer_profile(signer: SignerInfoView) -> Profile | None:
    """The Turkish profile named by the signer's policy identifier, ``None`` if none (§1.2)."""
    found = signer.signed(Oid.SIGNATURE_POLICY)
    if not found:
        return None
    value = found[0].values()[0]
    if value.name != "signature_policy_id":
        return None
    return Profile.from_policy_oid(str(value.chosen["sig_policy_id"].dotted))


def _revocation_rule(profile: Profile | None) -> RevocationRule:
    return RevocationRule.EITHER if profile is None else profile.signer_revocation


@dataclass
class _Context:
    sources: ValidationSources
    collector: Collector
    digests: dict[str, bytes] | None
    tokens: dict[tuple[bytes, bytes, str], TimestampToken] = field(default_factory=dict)

    @property
    def hash_oid(self) -> str:
        return self.sources.tsa.hash_algorithm.oid

    def content_digest(self, view: SignedDataView, oid: str) -> bytes | None:
        if view.attached:
            return None
        if self.digests is None or oid not in self.digests:
            raise UpgradeError("the signature is detached: pass the signed content to upgrade()")
        return self.digests[oid]

    def verify_token(self, token_der: bytes, imprint: bytes, oid: str) -> TimestampToken:
        """§2.6: every token is verified (trust roots included) before it is used."""
        key = (token_der, imprint, oid)
        cached = self.tokens.get(key)
        if cached is not None:
            return cached
        token = verify_timestamp_token(
            token_der,
            imprint=imprint,
            hash_algorithm_oid=oid,
            trust_roots=self.sources.trust_roots,
            intermediates=self.sources.certificates,
        )
        self.tokens[key] = token
        return token

    def timestamp(self, imprint: bytes) -> TimestampToken:
        result = self.sources.tsa.timestamp_digest(imprint)
        return self.verify_token(result.token_der, imprint, self.hash_oid)


def _imprint_oid(token_der: bytes) -> str:
    return token_imprint(token_der)[0]


def _signing_time(signer: SignerInfoView) -> datetime | None:
    found = signer.signed(Oid.SIGNING_TIME)
    if not found:
        return None
    value = found[0].values()[0].native
    return value if isinstance(value, datetime) else None


def _best_signature_time(signer: SignerInfoView, ctx: _Context) -> datetime:
    times: list[datetime] = []
    for attribute in signer.unsigned(Oid.SIGNATURE_TIME_STAMP):
        for index in range(len(attribute.value_tlvs)):
            token_der = attribute.value_der(index)
            oid = _imprint_oid(token_der)
            times.append(
                ctx.verify_token(token_der, digest(oid, signer.signature_value), oid).gen_time
            )
    if not times:
        raise UpgradeError(f"signer {signer.path} has no signature time-stamp")
    return min(times)


def _check_window(signer: SignerInfoView, gen_time: datetime) -> None:
    """§1.6 rule 1: refuse to write a time-stamp that fails the P2–P4 window."""
    if signer_profile(signer) is None:
        return
    signing_time = _signing_time(signer)
    if signing_time is None:
        return
    if not signing_time - TS_WINDOW_BEFORE <= gen_time <= signing_time + TS_WINDOW_AFTER:
        raise UpgradeError(
            f"the time-stamp ({gen_time:%Y-%m-%d %H:%M:%S}Z) is outside the profile window "
            f"around signing-time ({signing_time:%Y-%m-%d %H:%M:%S}Z), §1.6 rule 1; "
            "time-stamp right after signing and check the computer clock"
        )


def _append(data: bytes, path: str, attribute: bytes) -> bytes:
    view = _view.parse_signed_data(data)
    return _view.add_unsigned_attribute(view, view.signer(path), attribute)


def _add_signature_timestamp(data: bytes, path: str, ctx: _Context) -> bytes:
    """§3.5: imprint = H(value octets of the signature), token stored as received."""
    signer = _view.parse_signed_data(data).signer(path)
    imprint = digest(ctx.hash_oid, signer.signature_value)
    token = ctx.timestamp(imprint)
    _check_window(signer, token.gen_time)
    return _append(data, path, _view.attribute_der(Oid.SIGNATURE_TIME_STAMP, token.token_der))


def _pool_from(view: SignedDataView, collector: Collector) -> list[bytes]:
    ders = list(view.certificates_der())
    for candidate in view.all_signers():
        for attribute in candidate.unsigned(Oid.CERTIFICATE_VALUES):
            for value in attribute.value_tlvs:
                ders.extend(c.raw(view.buf) for c in _der.children(view.buf, value))
    for der in ders:
        try:
            collector.add_to_pool(der)
        except CadesFormatError:
            continue
    return ders


def _signer_certificate(view: SignedDataView, signer: SignerInfoView, ctx: _Context) -> bytes:
    ders = _pool_from(view, ctx.collector)
    found = certificate_for_sid(
        signer.sid_tlv.raw(view.buf), [*ders, *(e.der for e in ctx.collector.pool)]
    )
    if found is None:
        raise UpgradeError(
            f"the certificate of signer {signer.path} is not in the signature; "
            "add it to ValidationSources.certificates"
        )
    return found


def _add_references(data: bytes, path: str, ctx: _Context, *, values: bool) -> bytes:
    """§3.6 refs (and §3.8 values when ``values``) from freshly collected data."""
    view = _view.parse_signed_data(data)
    signer = view.signer(path)
    cert_der = _signer_certificate(view, signer, ctx)
    best = _best_signature_time(signer, ctx)
    profile = signer_profile(signer)
    rule = _revocation_rule(profile)
    caution = profile.caution_period if profile is not None else timedelta(0)
    collected = ctx.collector.collect(cert_der, rule, best, caution=caution)
    new = [
        certificate_refs_attribute(collected.validation_set),
        revocation_refs_attribute(collected.evidence),
    ]
    if values:
        new.append(certificate_values_attribute(collected.validation_set))
        new.append(revocation_values_attribute(collected.crls, collected.basic_ocsp_responses))
    for attribute in new:
        data = _append(data, path, attribute)
    return data


def _add_values_for_references(data: bytes, path: str, ctx: _Context) -> bytes:
    """C/X → X-Long: the values must be exactly the referenced data (§3.8)."""
    view = _view.parse_signed_data(data)
    signer = view.signer(path)
    _pool_from(view, ctx.collector)
    certs_by_hash = {digest(Oid.SHA256, e.der): e for e in ctx.collector.pool}
    cert_refs = signer.unsigned(Oid.CERTIFICATE_REFS)[0].values()[0]
    validation_set: list[CertEntry] = []
    for ref in cert_refs:
        entry = _by_other_hash(ref["other_cert_hash"], certs_by_hash, ctx)
        if entry is None:
            raise UpgradeError(
                "a referenced certificate is not available; add it to "
                "ValidationSources.certificates"
            )
        validation_set.append(entry)
    crls = {digest(Oid.SHA256, der): der for der in ctx.sources.crls}
    basics: dict[bytes, bytes] = {}
    for der in ctx.sources.ocsp_responses:
        try:
            basic = basic_ocsp_response(der)
        except CadesFormatError:
            basic = der
        basics[digest(Oid.SHA256, basic)] = basic
        basics[digest(Oid.SHA256, der)] = basic
    crl_values: list[bytes] = []
    ocsp_values: list[bytes] = []
    for ref in signer.unsigned(Oid.REVOCATION_REFS)[0].values()[0]:
        for crl_id in (ref["crlids"].native and ref["crlids"]["crls"]) or []:
            found = _lookup(crl_id["crl_hash"], crls)
            if found is None:
                raise UpgradeError("a referenced CRL is not available; pass it in sources.crls")
            crl_values.append(found)
        for ocsp_id in (ref["ocspids"].native and ref["ocspids"]["ocsp_responses"]) or []:
            found = _lookup(ocsp_id["ocsp_rep_hash"], basics)
            if found is None:
                raise UpgradeError(
                    "a referenced OCSP response is not available; pass it in sources.ocsp_responses"
                )
            ocsp_values.append(found)
    data = _append(data, path, certificate_values_attribute(validation_set))
    return _append(
        data,
        path,
        revocation_values_attribute(
            list(dict.fromkeys(crl_values)), list(dict.fromkeys(ocsp_values))
        ),
    )


def _hash_of(other_hash: object) -> tuple[str, bytes] | None:
    choice = getattr(other_hash, "name", None)
    chosen = getattr(other_hash, "chosen", None)
    if chosen is None:
        return None
    if choice == "sha1_hash":
        return Oid.SHA1, bytes(chosen.native)
    return str(chosen["hash_algorithm"]["algorithm"].dotted), bytes(chosen["hash_value"].native)


def _by_other_hash(
    other_hash: object, by_sha256: dict[bytes, CertEntry], ctx: _Context
) -> CertEntry | None:
    parsed = _hash_of(other_hash)
    if parsed is None:
        return None
    oid, value = parsed
    if oid == Oid.SHA256:
        return by_sha256.get(value)
    for entry in ctx.collector.pool:
        if digest(oid, entry.der, allow_sha1=True) == value:
            return entry
    return None


def _lookup(other_hash: object, table: dict[bytes, bytes]) -> bytes | None:
    parsed = _hash_of(other_hash)
    if parsed is None:
        return None
    oid, value = parsed
    if oid == Oid.SHA256:
        return table.get(value)
    for der in set(table.values()):
        if digest(oid, der, allow_sha1=True) == value:
            return der
    return None


# --- archive time-stamps ---------------------------------------------------------------------


def _renewal_data(view: SignedDataView, signer: SignerInfoView, ctx: _Context) -> bytes:
    """§3.9.4 step 1: add the previous ATS's TSA validation data to SignedData."""
    previous = signer.unsigned(Oid.ARCHIVE_TIME_STAMP_V3)[-1].value_der()
    oid, imprint = token_imprint(previous)
    # The imprint was checked against the signature by the self-check that produced it; here
    # the token only has to be authentic and trusted to name its TSA certificate.
    token = ctx.verify_token(previous, imprint, oid)
    for cert in token.certificates:
        ctx.collector.entry_for(cert)
    now = ctx.sources.current_time()
    chain = ctx.collector.chain(token.tsa_certificate, now)
    present = set(view.certificates_der())
    new_certs: list[bytes] = [e.der for e in chain if e.der not in present]
    crls_present = {node.raw(view.buf) for node in view.crl_tlvs()}
    new_choices: list[bytes] = []
    needs_v5 = False
    for position, entry in enumerate(chain):
        if position + 1 >= len(chain):
            break  # the trust anchor has no status
        evidence: Evidence = ctx.collector.evidence_for(entry, chain, now, now)
        if evidence.kind is RevocationKind.CRL and evidence.crl_der is not None:
            choice = evidence.crl_der
        elif evidence.kind is RevocationKind.OCSP and evidence.ocsp_response_der is not None:
            choice = _der.tlv(
                0xA1, attrs.oid_der(Oid.RI_OCSP_RESPONSE) + evidence.ocsp_response_der
            )
            needs_v5 = True
        else:
            continue
        if choice not in crls_present and choice not in new_choices:
            new_choices.append(choice)
    data = _view.add_certificates(view, new_certs)
    data = _view.add_revocation_choices(_view.parse_signed_data(data), new_choices)
    if needs_v5:
        refreshed = _view.parse_signed_data(data)
        if refreshed.version < 5:
            data = _view.set_version(refreshed, 5)
    return data


def _add_archive_timestamp(data: bytes, path: str, ctx: _Context) -> bytes:
    """§3.9.1: ATSv3 with ATSHashIndex v1 spliced into the token's own SignerInfo."""
    view = _view.parse_signed_data(data)
    if any(s.unsigned(oid) for s in view.all_signers() for oid in _FROZEN_OIDS):
        raise UpgradeError(
            "the signature carries an archive-time-stamp-v2 (or v1); renewing it is not "
            "supported because it would break that time-stamp (§3.9.4, §10 Q6)"
        )
    signer = view.signer(path)
    if signer.unsigned(Oid.ARCHIVE_TIME_STAMP_V3):
        data = _renewal_data(view, signer, ctx)
        view = _view.parse_signed_data(data)
    hash_oid = ctx.hash_oid
    if hash_oid not in view.digest_algorithm_oids():
        data = _view.add_digest_algorithm(view, attrs.algorithm_identifier_der(hash_oid))
        view = _view.parse_signed_data(data)
    signer = view.signer(path)
    index_der = build_ats_hash_index(view, signer, hash_oid)
    imprint = ats_v3_imprint(
        view, signer, index_der, hash_oid, content_digest=ctx.content_digest(view, hash_oid)
    )
    token = ctx.timestamp(imprint)
    spliced = splice_hash_index(token.token_der, index_der)
    return _view.add_unsigned_attribute(
        view, signer, _view.attribute_der(Oid.ARCHIVE_TIME_STAMP_V3, spliced)
    )


# --- driver ----------------------------------------------------------------------------------


def _ancestors(view: SignedDataView, path: str) -> list[SignerInfoView]:
    parts = path.split(".")
    return [view.signer(".".join(parts[:depth])) for depth in range(1, len(parts))]


def _plan(view: SignedDataView, to: Level, only: str | None) -> list[tuple[str, Level]]:
    """Signer paths to work on, deepest first so parents cover finished countersigners."""
    if only is not None:
        try:
            view.signer(only)
        except CadesFormatError as exc:
            raise UpgradeError(str(exc)) from exc
        return [(only, to)]
    plan: list[tuple[str, Level]] = []

    def visit(signer: SignerInfoView, depth: int) -> None:
        for counter in signer.counter_signers:
            visit(counter, depth + 1)
        # Countersigners stop at X-Long: the parent's archive time-stamp covers them (§2.4).
        target = to if depth == 0 else min(to, Level.XL)
        level = signer_level(signer)
        if level < target or (target is Level.A and level is Level.A):
            plan.append((signer.path, target))

    for top in view.signers:
        visit(top, 0)
    return plan


def _upgrade_signer(data: bytes, path: str, target: Level, ctx: _Context) -> bytes:
    view = _view.parse_signed_data(data)
    signer = view.signer(path)
    for ancestor in _ancestors(view, path):
        if any(ancestor.unsigned(oid) for oid in _ARCHIVE_OIDS):
            raise UpgradeError(
                f"signer {ancestor.path} carries an archive time-stamp over countersigner "
                f"{path}; changing the countersigner would break it"
            )
    level = signer_level(signer)
    if target >= Level.T and level < Level.T:
        data = _add_signature_timestamp(data, path, ctx)
    if target >= Level.C and level < Level.C:
        data = _add_references(data, path, ctx, values=target >= Level.XL)
    elif target >= Level.XL and level in (Level.C, Level.X):
        data = _add_values_for_references(data, path, ctx)
    if target is Level.A:
        data = _add_archive_timestamp(data, path, ctx)
    return data


def upgrade(
    signature: bytes,
    to: Level | str,
    sources: ValidationSources,
    *,
    signer: str | None = None,
    content: ContentSource | None = None,
) -> bytes:
    """Upgrade ``signature`` to ``to`` (T, C, XL or A) and return the new DER bytes.

    ``signer`` names one SignerInfo path ("0", "1", "0.0" …); by default every top-level
    signer and countersigner below ``to`` is upgraded (countersigners up to X-Long; a
    top-level signer already at A gets a renewal archive time-stamp, §3.9.4). ``content`` is
    needed for detached signatures. Time-stamps are verified against
    ``sources.trust_roots`` before use (§2.6); P4 signers get OCSP collected after the
    time-stamp with ``producedAt ≥ genTime`` (§1.6 rule 3).

    Raises :class:`UpgradeError` (or the :class:`TimestampError` / :class:`RevocationError`
    that stopped it) and never returns partially upgraded bytes.
    """
    target = Level.parse(to) if isinstance(to, str) else to
    if target in (Level.BES, Level.EPES):
        raise UpgradeError("BES/EPES are created by sign(); upgrade() adds T, C, XL or A")
    if target is Level.X:
        raise UpgradeError("CAdES-X is not written (signatures.md §1.4); upgrade to XL")
    if not isinstance(signature, bytes | bytearray | memoryview):
        raise UpgradeError("the signature must be given as bytes")
    data = bytes(signature)
    view = _view.parse_signed_data(data)
    ctx = _Context(sources, Collector(sources), None)
    if content is not None:
        oids = {sources.tsa.hash_algorithm.oid, *(s.digest_algorithm_oid for s in view.signers)}
        ctx.digests = content_digests(content, oids)[0]
    elif not view.attached and target is Level.A:
        raise UpgradeError("the signature is detached: pass the signed content to upgrade()")
    try:
        for path, level in _plan(view, target, signer):
            data = _upgrade_signer(data, path, level, ctx)
        self_check(data, content_digests=ctx.digests)
    except (TimestampError, RevocationError, UpgradeError):
        raise
    except SigningError as exc:
        raise UpgradeError(str(exc)) from exc
    except CadesError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise UpgradeError(f"the signature could not be upgraded: {exc}") from exc
    return data
