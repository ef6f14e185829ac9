"""Archive time-stamp imprints and hash indexes on hand-built input (signatures.md §3.9, §3.10).

The input is an OpenSSL ``cms -sign -cades`` signature (an independent producer) into which
unsigned attributes and SignedData certificates/CRLs are spliced with :mod:`cades._view`. The
expected values are computed independently with asn1crypto, whose ``dump()`` returns the stored
encoding of loaded objects.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, core

from cades import _der, _view
from cades._asn1 import AtsHashIndexV3, Oid
from cades._ats import (
    ats_hash_index_entries,
    ats_v2_imprints,
    ats_v3_imprint,
    build_ats_hash_index,
    parse_ats_hash_index,
    splice_hash_index,
)
from cades.errors import CadesFormatError
from cades.tsp import TimestampClient, verify_timestamp_token
from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import LiveServices

CONTENT = b"ATS test content\r\n"


def _openssl_sign(live_pki: TestPki, tmp_path: Path, *, detached: bool = False) -> bytes:
    content = tmp_path / "content.bin"
    content.write_bytes(CONTENT)
    out = tmp_path / "sig.der"
    args = [
        "openssl",
        "cms",
        "-sign",
        "-cades",
        "-binary",
        "-outform",
        "DER",
        "-md",
        "sha256",
        "-in",
        str(content),
        "-signer",
        str(live_pki.person.cert_path),
        "-inkey",
        str(live_pki.person.key_path),
        "-out",
        str(out),
    ]
    if not detached:
        args.append("-nodetach")
    subprocess.run(args, check=True, capture_output=True)
    return out.read_bytes()


def _with_unsigned(signature: bytes, *attributes: bytes) -> bytes:
    for attribute in attributes:
        view = _view.parse_signed_data(signature)
        signature = _view.add_unsigned_attribute(view, view.signers[0], attribute)
    return signature


def _dummy_attributes() -> tuple[bytes, bytes, bytes]:
    one = _view.attribute_der("1.2.3.4.1", core.UTF8String("first").dump())
    two = _view.attribute_der(
        "1.2.3.4.2", core.UTF8String("a").dump(), core.UTF8String("bb").dump()
    )
    three = _view.attribute_der("1.2.3.4.3", core.OctetString(b"\x00" * 40).dump())
    return one, two, three


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _independent_index(certs: Any, crls: list[bytes], attributes: list[bytes]) -> bytes:
    """ATSHashIndex v1 for SHA-256 written with asn1crypto's generic types."""

    def hashes(items: list[bytes]) -> Any:
        return core.SequenceOf([core.OctetString(_sha256(i)) for i in items], spec=core.OctetString)

    return bytes(
        core.Sequence(
            contents=hashes([c.dump() for c in certs]).dump()
            + hashes(crls).dump()
            + hashes(attributes).dump()
        ).dump()
    )


def test_index_v1_shape_and_entries(live_pki: TestPki, tmp_path: Path) -> None:
    one, two, three = _dummy_attributes()
    signature = _with_unsigned(_openssl_sign(live_pki, tmp_path), one, two, three)
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    index_der = build_ats_hash_index(view, signer, Oid.SHA256)

    # SHA-256 is the DEFAULT: the SEQUENCE starts directly with certificatesHashIndex, which
    # holds OCTET STRINGs (an AlgorithmIdentifier would start with an OID).
    outer = _der.read_tlv(index_der, 0)
    first = _der.children(index_der, outer)[0]
    assert len(_der.children(index_der, outer)) == 3
    assert {c.tag_byte for c in _der.children(index_der, first)} == {0x04}
    parsed = parse_ats_hash_index(index_der)
    assert parsed.hash_oid == Oid.SHA256 and not parsed.algorithm_present
    info = cms.ContentInfo.load(signature)
    certs = info["content"]["certificates"]
    assert parsed.certificates == tuple(_sha256(c.dump()) for c in certs)
    assert parsed.crls == ()
    assert parsed.unsigned_attrs == (_sha256(one), _sha256(two), _sha256(three))
    # Same DER as an independent encoder writes for the explicit-free v1 layout.
    expected = _independent_index(certs, [], [one, two, three])
    assert index_der == expected


def test_index_with_other_hash_names_algorithm(live_pki: TestPki, tmp_path: Path) -> None:
    signature = _with_unsigned(_openssl_sign(live_pki, tmp_path), _dummy_attributes()[0])
    view = _view.parse_signed_data(signature)
    index_der = build_ats_hash_index(view, view.signers[0], Oid.SHA512)
    parsed = parse_ats_hash_index(index_der)
    assert parsed.hash_oid == Oid.SHA512 and parsed.algorithm_present
    # parameters absent (RFC 5754 §2)
    outer = _der.read_tlv(index_der, 0)
    algorithm = _der.children(index_der, outer)[0]
    assert algorithm.raw(index_der) == bytes.fromhex("300b0609608648016503040203")
    assert parsed.unsigned_attrs == (hashlib.sha512(_dummy_attributes()[0]).digest(),)
    # The explicit form is what ats-hash-index-v3 parsers (asn1crypto) read as well.
    v3 = AtsHashIndexV3.load(index_der, strict=True)
    assert v3["hash_ind_algorithm"]["algorithm"].native == "sha512"


def test_index_covers_signed_data_crls(live_pki: TestPki, tmp_path: Path) -> None:
    signature = _openssl_sign(live_pki, tmp_path)
    crl_der = live_pki.crl_path("qualified_ca").read_bytes()
    view = _view.parse_signed_data(signature)
    signature = _view.add_revocation_choices(view, [crl_der])
    view = _view.parse_signed_data(signature)
    parsed = parse_ats_hash_index(build_ats_hash_index(view, view.signers[0]))
    assert parsed.crls == (_sha256(crl_der),)


def test_entry_variants_and_upto(live_pki: TestPki, tmp_path: Path) -> None:
    one, two, three = _dummy_attributes()
    signature = _with_unsigned(_openssl_sign(live_pki, tmp_path), one, two, three)
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    entries = ats_hash_index_entries(view, signer, Oid.SHA256, 3)
    certs, crls, whole, per_value = entries
    assert len(certs) == 1 and crls == ()
    assert whole == (_sha256(one), _sha256(two), _sha256(three))
    # v3 formula: H(DER(attrType) ‖ DER(value)), one entry per value (attribute two has two).
    oid_two = core.ObjectIdentifier("1.2.3.4.2").dump()
    assert len(per_value) == 4
    assert per_value[1] == _sha256(oid_two + core.UTF8String("a").dump())
    assert per_value[2] == _sha256(oid_two + core.UTF8String("bb").dump())
    limited = ats_hash_index_entries(view, signer, Oid.SHA256, 1, upto=2)
    assert limited.unsigned_whole == (_sha256(one), _sha256(two))
    with pytest.raises(CadesFormatError):
        ats_hash_index_entries(view, signer, Oid.SHA256, 4)
    with pytest.raises(CadesFormatError):
        ats_hash_index_entries(view, signer, Oid.SHA256, 1, upto=9)


def _independent_v3(signature: bytes, index_der: bytes, content: bytes) -> bytes:
    info = cms.ContentInfo.load(signature)
    signer_info = info["content"]["signer_infos"][0]
    fields = b"".join(
        signer_info[name].dump()
        for name in (
            "version",
            "sid",
            "digest_algorithm",
            "signed_attrs",
            "signature_algorithm",
            "signature",
        )
    )
    oid_der = bytes.fromhex("06092a864886f70d010701")
    return _sha256(oid_der + _sha256(content) + fields + index_der)


def test_v3_imprint_matches_independent_computation(live_pki: TestPki, tmp_path: Path) -> None:
    signature = _with_unsigned(_openssl_sign(live_pki, tmp_path), *_dummy_attributes())
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    index_der = build_ats_hash_index(view, signer, Oid.SHA256)
    imprint = ats_v3_imprint(view, signer, index_der, Oid.SHA256)
    assert imprint == _independent_v3(signature, index_der, CONTENT)
    # The signed attributes enter with their A0 tag as stored (not 31).
    assert signer.signed_attrs_tlv is not None
    assert view.buf[signer.signed_attrs_tlv.start] == 0xA0
    # Any change to an indexed item changes the index and therefore the imprint.
    longer = _with_unsigned(signature, _view.attribute_der("1.2.3.4.9", core.Null().dump()))
    longer_view = _view.parse_signed_data(longer)
    assert build_ats_hash_index(longer_view, longer_view.signers[0]) != index_der


def test_v3_imprint_detached_needs_content(live_pki: TestPki, tmp_path: Path) -> None:
    signature = _openssl_sign(live_pki, tmp_path, detached=True)
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    index_der = build_ats_hash_index(view, signer)
    with pytest.raises(CadesFormatError, match="detached"):
        ats_v3_imprint(view, signer, index_der, Oid.SHA256)
    expected = _independent_v3(signature, index_der, CONTENT)
    assert ats_v3_imprint(view, signer, index_der, Oid.SHA256, content=CONTENT) == expected
    assert (
        ats_v3_imprint(view, signer, index_der, Oid.SHA256, content_digest=_sha256(CONTENT))
        == expected
    )


def test_v2_imprint_readings(live_pki: TestPki, tmp_path: Path) -> None:
    one, two, three = _dummy_attributes()
    signature = _with_unsigned(_openssl_sign(live_pki, tmp_path), one, two, three)
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    info = cms.ContentInfo.load(signature)
    signed_data = info["content"]
    signer_info = signed_data["signer_infos"][0]
    prefix = (
        signed_data["encap_content_info"].dump()
        + signed_data["certificates"].dump()
        + b"".join(
            signer_info[name].dump()
            for name in (
                "version",
                "sid",
                "digest_algorithm",
                "signed_attrs",
                "signature_algorithm",
                "signature",
            )
        )
    )
    # An ATSv2 at position 2 covers attributes 0 and 1 only.
    imprints = ats_v2_imprints(view, signer, 2, Oid.SHA256, None)
    body = one + two
    header = bytes([0xA1, len(body)])
    assert imprints["v2.2.1"] == _sha256(prefix + header + body)
    assert imprints["v1.8.3"] == _sha256(prefix + body)
    assert imprints["v2.2.1"] != imprints["v1.8.3"]
    # Nothing before the ATS: both readings hash no attribute bytes.
    first = ats_v2_imprints(view, signer, 0, Oid.SHA256, None)
    assert first["v2.2.1"] == first["v1.8.3"] == _sha256(prefix)


def test_v2_imprint_detached_includes_content(live_pki: TestPki, tmp_path: Path) -> None:
    signature = _openssl_sign(live_pki, tmp_path, detached=True)
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    with pytest.raises(CadesFormatError, match="detached"):
        ats_v2_imprints(view, signer, 0, Oid.SHA256, None)
    with_content = ats_v2_imprints(view, signer, 0, Oid.SHA256, CONTENT)
    other = ats_v2_imprints(view, signer, 0, Oid.SHA256, CONTENT + b"x")
    assert with_content["v1.8.3"] != other["v1.8.3"]


def test_splice_index_into_real_token_keeps_it_valid(
    live_pki: TestPki, live_services: LiveServices, tmp_path: Path
) -> None:
    signature = _with_unsigned(_openssl_sign(live_pki, tmp_path), *_dummy_attributes())
    view = _view.parse_signed_data(signature)
    signer = view.signers[0]
    index_der = build_ats_hash_index(view, signer)
    imprint = ats_v3_imprint(view, signer, index_der, Oid.SHA256)
    client = TimestampClient(live_services.tsa_url, trust_roots=[live_pki.root.certificate])
    token_der = client.timestamp_digest(imprint).token_der

    spliced = splice_hash_index(token_der, index_der)
    token_view = _view.parse_signed_data(spliced)
    tst_signer = token_view.signers[0]
    assert [a.oid for a in tst_signer.unsigned_attributes] == [Oid.ATS_HASH_INDEX]
    assert tst_signer.unsigned_attributes[0].value_der() == index_der
    # Only lengths of the enclosing TLVs changed: the signed parts are byte-identical.
    original = _view.parse_signed_data(token_der).signers[0]
    assert original.signed_attrs_tlv is not None and tst_signer.signed_attrs_tlv is not None
    assert original.signed_attrs_tlv.raw(original.buf) == tst_signer.signed_attrs_tlv.raw(spliced)
    assert token_view.econtent() == _view.parse_signed_data(token_der).econtent()
    checked = verify_timestamp_token(
        spliced,
        imprint=imprint,
        hash_algorithm_oid=Oid.SHA256,
        trust_roots=[live_pki.root.certificate],
    )
    assert checked.imprint == imprint
    with pytest.raises(CadesFormatError, match="already"):
        splice_hash_index(spliced, index_der)


def test_parse_index_rejects_malformed() -> None:
    for bad in (b"", b"\x04\x00", b"\x30\x02\x30\x00", b"\x30\x06\x30\x00\x30\x00\x31\x00"):
        with pytest.raises(CadesFormatError):
            parse_ats_hash_index(bad)
    with pytest.raises(CadesFormatError):
        parse_ats_hash_index(b"\x30\x08\x30\x02\x02\x00\x30\x00\x30\x00")
