"""The issuing tool: licence terms + authority key → signed licence XML (signatures.md §8).

The authority key may be a ``cryptography`` RSA/EC private key or any :class:`keys.Signer`
(a PKCS#12/PEM :class:`keys.SoftwareKey`, or a PKCS#11 key in an HSM — which is how the real
production authority key is meant to be used: offline, never as a file). signxml wants a key
object with a ``sign`` method; :class:`_SignerAdapter` gives a :class:`keys.Signer` that shape,
so the private key never leaves its token.

Algorithms (secure defaults, §1.7): RSA → rsa-sha256 with SHA-256 digests; EC P-256/P-384/P-521
→ ecdsa-sha256/384/512 with the matching digest; canonicalisation is exclusive c14n for both
SignedInfo and the reference. Every issued document is verified again with the strict reader
before it is returned, so the tool cannot hand out a file the library would refuse.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import (  # type: ignore[attr-defined]
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureMethod,
    XMLSigner,
    methods,
)

from keys import KeyAlgorithm, KeyType, SignatureMechanism, Signer
from keys.errors import KeysError
from licensing._authorities import Authority, builtin_authorities
from licensing._model import Licence, Licensee, Product, Renewal, as_instant
from licensing._protect import is_protected, protect
from licensing._verify import verify_with
from licensing._xml import LicenceFields, build_document, consistency_problem, parse_document
from licensing.errors import LicenceError, LicenceIssueError, LicenceUntrustedError

__all__ = ["AuthorityKey", "issue_licence", "protect_licence"]

AuthorityKey = Signer | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_EC_ALGORITHMS = {
    256: (SignatureMechanism.ECDSA_SHA256, SignatureMethod.ECDSA_SHA256, DigestAlgorithm.SHA256),
    384: (SignatureMechanism.ECDSA_SHA384, SignatureMethod.ECDSA_SHA384, DigestAlgorithm.SHA384),
    521: (SignatureMechanism.ECDSA_SHA512, SignatureMethod.ECDSA_SHA512, DigestAlgorithm.SHA512),
}
_RSA_ALGORITHMS = (
    SignatureMechanism.RSA_PKCS1_SHA256,
    SignatureMethod.RSA_SHA256,
    DigestAlgorithm.SHA256,
)


class _SignerAdapter:
    """Duck-types the part of a ``cryptography`` private key that signxml's signer calls."""

    def __init__(self, signer: Signer, mechanism: SignatureMechanism) -> None:
        self._signer = signer
        self._mechanism = mechanism

    @property
    def key_size(self) -> int:  # signxml sizes the raw ECDSA r||s with it
        return self._signer.key_type.size_bits

    def sign(self, data: bytes, *args: Any, **kwargs: Any) -> bytes:
        # signxml passes padding/algorithm objects; the mechanism chosen up front is the same.
        return self._signer.sign(data, self._mechanism)


def _algorithms(key_type: KeyType) -> tuple[SignatureMechanism, Any, Any]:
    if key_type.algorithm is KeyAlgorithm.RSA:
        if key_type.size_bits < 2048:
            raise LicenceIssueError("The authority RSA key must have at least 2048 bits.")
        return _RSA_ALGORITHMS
    chosen = _EC_ALGORITHMS.get(key_type.size_bits)
    if chosen is None:
        raise LicenceIssueError(
            f"The authority key {key_type} is not supported; use P-256, P-384, P-521 or RSA."
        )
    return chosen


def _key_and_cert(
    authority_key: AuthorityKey, authority_cert: x509.Certificate | None
) -> tuple[Any, x509.Certificate, KeyType]:
    if isinstance(authority_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        if authority_cert is None:
            raise LicenceIssueError("A raw authority key needs the authority certificate too.")
        if authority_key.public_key() != authority_cert.public_key():
            raise LicenceIssueError(
                "The authority key does not belong to the authority certificate; check that "
                "both files are from the same pair."
            )
        if isinstance(authority_key, rsa.RSAPrivateKey):
            key_type = KeyType(KeyAlgorithm.RSA, authority_key.key_size)
        else:
            key_type = KeyType(
                KeyAlgorithm.EC, authority_key.curve.key_size, authority_key.curve.name
            )
        return authority_key, authority_cert, key_type
    cert = authority_key.certificate
    if authority_cert is not None and authority_cert != cert:
        raise LicenceIssueError(
            "The authority certificate differs from the certificate of the authority key."
        )
    mechanism = _algorithms(authority_key.key_type)[0]
    return _SignerAdapter(authority_key, mechanism), cert, authority_key.key_type


def issue_licence(
    authority_key: AuthorityKey,
    authority_cert: x509.Certificate | None = None,
    *,
    licensee: Licensee,
    products: Iterable[Product | str],
    not_before: dt.date | dt.datetime,
    not_after: dt.date | dt.datetime,
    maintenance_end: dt.date | dt.datetime,
    maintenance_start: dt.date | dt.datetime | None = None,
    renews: Renewal | Licence | None = None,
    test: bool = False,
    licence_id: uuid.UUID | None = None,
    issued_at: dt.datetime | None = None,
) -> bytes:
    """Sign a licence with the authority key and return the XML file bytes (UTF-8).

    Plain dates mean 00:00 Türkiye time (see :mod:`licensing._model`). ``maintenance_start``
    defaults to ``not_before``, or for a renewal to 24 h before the renewed licence's
    maintenance end (§8.1 fact 3); a different explicit value for a renewal is refused.
    ``renews`` may be the previous :class:`Licence` itself.
    """
    key, cert, key_type = _key_and_cert(authority_key, authority_cert)
    _, signature_method, digest = _algorithms(key_type)
    test_authorities = {a.certificate for a in builtin_authorities() if a.test_only}
    if not test and cert in test_authorities:
        raise LicenceIssueError(
            "The test authority can only issue test licences (pass test=True / --test)."
        )
    renewal = (
        Renewal(renews.licence_id, renews.maintenance_end)
        if isinstance(renews, Licence)
        else renews
    )
    start_nb = as_instant(not_before, what="not-before date")
    if maintenance_start is not None:
        m_start = as_instant(maintenance_start, what="maintenance start")
    elif renewal is not None:
        m_start = renewal.maintenance_start
    else:
        m_start = start_nb
    product_set: set[Product] = set()
    for product in products:
        product_set.add(product if isinstance(product, Product) else Product.from_id(product))
    if not product_set:
        raise LicenceIssueError("A licence must list at least one product.")
    fields = LicenceFields(
        licence_id=licence_id or uuid.uuid4(),
        issued_at=as_instant(issued_at or dt.datetime.now(dt.UTC), what="issue time"),
        test=test,
        licensee=licensee,
        products=frozenset(product_set),
        other_products=(),
        not_before=start_nb,
        not_after=as_instant(not_after, what="not-after date"),
        maintenance_start=m_start,
        maintenance_end=as_instant(maintenance_end, what="maintenance end"),
        renews=renewal,
    )
    problem = consistency_problem(fields)
    if problem:
        raise LicenceIssueError(f"The licence terms are inconsistent: {problem}.")
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm=signature_method,
        digest_algorithm=digest,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    try:
        signed = signer.sign(build_document(fields), key=key, cert=[cert])
    except KeysError:
        raise  # PIN / token problems keep their own error and exit code
    except (ValueError, TypeError) as exc:
        raise LicenceIssueError(f"Signing the licence failed: {exc}.") from exc
    xml: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8") + b"\n"
    own = Authority(cert, test_only=False, builtin=False, name="issuing authority")
    own_der = own.der
    try:
        verify_with(xml, lambda der: own if der == own_der else None)
    except LicenceUntrustedError as exc:
        raise LicenceIssueError(
            "The issued licence does not verify against the authority certificate: the "
            f"certificate is not valid at the issue time, or the key does not match ({exc})."
        ) from exc
    except LicenceError as exc:
        raise LicenceIssueError(f"The issued licence does not verify: {exc}") from exc
    return xml


def protect_licence(xml: bytes, password: str) -> bytes:
    """Wrap a signed licence in the password-protected container (:mod:`licensing._protect`)."""
    if is_protected(xml):
        raise LicenceIssueError("The licence file is already password-protected.")
    parse_document(xml)  # refuse to wrap something that is not a licence
    return protect(xml, password)
