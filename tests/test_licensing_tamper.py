"""Hostile licence files: tampering, signature wrapping, untrusted authorities, DTD/XXE.

Each attack must end in our own error class (signatures.md §8; DESIGN.md §2.7, §2.12). Some
documents are *validly signed* with the published test authority key but shaped wrongly, to show
that the checks after the cryptography (reference scope, structure, trust rules) do their part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from lxml import etree
from signxml import XMLSigner, methods  # type: ignore[attr-defined]

import licensing
from eyazisma.testing import licences
from licensing import (
    LicenceMalformedError,
    LicenceTamperedError,
    LicenceUntrustedError,
    Licensee,
    Product,
)

NS = "urn:eyazisma:licence:1"
DS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    licensing.clear_license()
    yield
    licensing.clear_license()
    licensing.reset_trusted_authorities()


@pytest.fixture(scope="module")
def good() -> bytes:
    return licences.issue_test_licence(licensee=Licensee("Test Bakanlığı", kkk="12345678"))


def _body(kind: str = "test", *, extra_licensee_attr: str = "", products: str = "") -> str:
    product_xml = products or "<Product>eyp-encryption</Product><Product>eyp-decryption</Product>"
    return (
        f'<Licence xmlns="{NS}" FormatVersion="1">'
        "<LicenceId>0b0e9f1c-5d2a-4c57-8a3e-2f1d0c9b8a71</LicenceId>"
        "<IssuedAt>2026-11-21T10:00:00+00:00</IssuedAt>"
        f"<Kind>{kind}</Kind>"
        f"<Licensee{extra_licensee_attr}><Name>Test Kurumu</Name></Licensee>"
        f"<Products>{product_xml}</Products>"
        "<Validity><NotBefore>2026-11-01T00:00:00+03:00</NotBefore>"
        "<NotAfter>2036-11-01T00:00:00+03:00</NotAfter></Validity>"
        "<Maintenance><Start>2026-11-01T00:00:00+03:00</Start>"
        "<End>2036-11-01T00:00:00+03:00</End></Maintenance>"
        "</Licence>"
    )


def _sign(
    xml: str,
    authority: licences.TestAuthority | None = None,
    *,
    reference_uri: str | None = None,
    cert_authority: licences.TestAuthority | None = None,
) -> bytes:
    """Sign arbitrary licence-like XML the way the issuing tool does (or with a twist)."""
    signer_authority = authority or licences.test_authority()
    cert = (cert_authority or signer_authority).certificate
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256"
        if signer_authority is licences.test_authority()
        else "ecdsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    root = etree.fromstring(xml.encode())
    signed = signer.sign(root, key=signer_authority.key, cert=[cert], reference_uri=reference_uri)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def test_raw_signing_helper_produces_accepted_licences() -> None:
    # Guards the helper: without a twist its output is a valid licence.
    licence = licensing.load_licence(_sign(_body()))
    assert licence.test and licence.licensee.name == "Test Kurumu"


# -- changed values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<Name>Test Bakanl", b"<Name>Best Bakanl"),
        (b"<NotAfter>20", b"<NotAfter>21"),
        (b"<Product>eyp-decryption</Product>", b"<Product>eyp-encryption</Product>"),
        (b"<Kkk>12345678</Kkk>", b"<Kkk>12345679</Kkk>"),
    ],
)
def test_flipped_field_is_tampered(good: bytes, old: bytes, new: bytes) -> None:
    assert old in good
    with pytest.raises(LicenceTamperedError) as info:
        licensing.set_license_xml(good.replace(old, new, 1))
    assert type(info.value) is LicenceTamperedError
    assert "changed after it was issued" in str(info.value)
    assert licensing.current_licence() is None


def test_flipped_signature_value_is_tampered(good: bytes) -> None:
    start = good.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    flipped = good[:start] + (b"A" if good[start : start + 1] != b"A" else b"B") + good[start + 1 :]
    with pytest.raises(LicenceTamperedError):
        licensing.load_licence(flipped)


def test_test_kind_turned_production_is_tampered(good: bytes) -> None:
    with pytest.raises(LicenceTamperedError):
        licensing.load_licence(good.replace(b"<Kind>test</Kind>", b"<Kind>production</Kind>"))


def test_removed_signature(good: bytes) -> None:
    root = etree.fromstring(good)
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None
    root.remove(signature)
    with pytest.raises(LicenceTamperedError, match="no signature"):
        licensing.load_licence(etree.tostring(root))


def test_two_signatures(good: bytes) -> None:
    root = etree.fromstring(good)
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None
    root.append(etree.fromstring(etree.tostring(signature)))
    with pytest.raises(LicenceTamperedError, match="more than one signature"):
        licensing.load_licence(etree.tostring(root))


# -- signature wrapping (XSW) -------------------------------------------------------------------


def test_wrapped_original_inside_a_forged_licence(good: bytes) -> None:
    forged = etree.fromstring(_body(kind="production").encode())
    forged.append(etree.fromstring(good))  # the signed original hides as a child
    with pytest.raises(LicenceTamperedError, match="last child"):
        licensing.load_licence(etree.tostring(forged))


def test_second_unsigned_licence_element(good: bytes) -> None:
    root = etree.fromstring(good)
    root.insert(0, etree.fromstring(_body(kind="production").encode()))
    with pytest.raises(LicenceTamperedError):
        licensing.load_licence(etree.tostring(root))


def test_element_added_after_the_signature(good: bytes) -> None:
    root = etree.fromstring(good)
    extra = etree.SubElement(root, f"{{{NS}}}Products")
    etree.SubElement(extra, f"{{{NS}}}Product").text = "eyp-decryption"
    with pytest.raises(LicenceTamperedError, match="last child"):
        licensing.load_licence(etree.tostring(root))


def test_licence_wrapped_in_another_root(good: bytes) -> None:
    wrapper = etree.Element("Wrapper")
    wrapper.append(etree.fromstring(_body(kind="production").encode()))
    wrapper.append(etree.fromstring(good))
    with pytest.raises(LicenceMalformedError, match="not an eyazisma licence"):
        licensing.load_licence(etree.tostring(wrapper))


def test_validly_signed_reference_to_a_part_only(good: bytes) -> None:
    # The signature is cryptographically fine but covers only Licensee, not the terms.
    xml = _sign(_body(extra_licensee_attr=' Id="part"'), reference_uri="#part")
    with pytest.raises(LicenceTamperedError, match="does not cover the whole licence"):
        licensing.load_licence(xml)


def test_comments_do_not_split_what_is_read(good: bytes) -> None:
    # Classic comment truncation: a reader taking only the first text node would see "Test".
    injected = good.replace(b"<Name>Test Bakanl", b"<Name>Test<!-- x --> Bakanl", 1)
    licence = licensing.load_licence(injected)  # comments are not signed content (exc-c14n)
    assert licence.licensee.name == "Test Bakanlığı"


def test_comment_inside_issued_at_is_harmless(good: bytes) -> None:
    injected = good.replace(b"<IssuedAt>20", b"<IssuedAt>2<!-- -->0", 1)
    assert licensing.load_licence(injected).issued_at == licensing.load_licence(good).issued_at


def test_fields_outside_the_schema_are_refused_even_when_signed() -> None:
    with pytest.raises(LicenceTamperedError, match="Licensee"):
        licensing.load_licence(_sign(_body(extra_licensee_attr=' Extra="1"')))


def test_unknown_product_ids_are_kept_but_grant_nothing() -> None:
    products = "<Product>eyp-encryption</Product><Product>future-thing</Product>"
    licence = licensing.load_licence(_sign(_body(products=products)))
    assert licence.products == {Product.EYP_ENCRYPTION}
    assert licence.other_products == ("future-thing",)


def test_renewal_without_overlap_is_refused_when_signed() -> None:
    body = _body().replace(
        "</Maintenance>",
        "</Maintenance><Renews><LicenceId>1b0e9f1c-5d2a-4c57-8a3e-2f1d0c9b8a71</LicenceId>"
        "<MaintenanceEnd>2026-12-01T00:00:00+03:00</MaintenanceEnd></Renews>",
    )
    with pytest.raises(LicenceTamperedError, match="24 hours before"):
        licensing.load_licence(_sign(body))


# -- trust ---------------------------------------------------------------------------------------


def test_untrusted_authority() -> None:
    stranger = licences.new_authority("Sahte Lisans Otoritesi")
    xml = stranger.issue(
        licensee=Licensee("Kurum"),
        products=[Product.EYP_ENCRYPTION],
        not_before=dt.date(2026, 1, 1),
        not_after=dt.date(2030, 1, 1),
        maintenance_end=dt.date(2030, 1, 1),
    )
    with pytest.raises(LicenceUntrustedError) as info:
        licensing.load_licence(xml)
    assert "Sahte Lisans Otoritesi" in str(info.value)
    assert "trust_authority" in str(info.value)
    assert info.value.code == "LICENCE_UNTRUSTED"
    licensing.trust_authority(stranger.certificate)  # the deployment decision
    assert not licensing.load_licence(xml).test
    assert any(a.certificate == stranger.certificate for a in licensing.trusted_authorities())


def test_foreign_key_with_the_trusted_certificate_in_keyinfo() -> None:
    # Pinning uses the trusted certificate's key: a foreign key cannot borrow the certificate.
    forger = licences.new_authority("Forger")
    xml = _sign(_body(), forger, cert_authority=licences.test_authority())
    with pytest.raises(LicenceTamperedError):
        licensing.load_licence(xml)


def test_production_licence_from_the_test_authority() -> None:
    with pytest.raises(licensing.LicenceIssueError, match="test licences"):
        licences.issue_test_licence(test=False)
    forged = _sign(_body(kind="production"))  # bypass the issuing tool's own check
    with pytest.raises(LicenceUntrustedError, match="test licences only"):
        licensing.load_licence(forged)


def test_test_only_vendor_authority() -> None:
    vendor = licences.new_authority("Vendor Test Authority")
    licensing.trust_authority(vendor.certificate, test_only=True)
    terms = {
        "licensee": Licensee("Kurum"),
        "products": [Product.EYP_ENCRYPTION],
        "not_before": dt.date(2026, 1, 1),
        "not_after": dt.date(2030, 1, 1),
        "maintenance_end": dt.date(2030, 1, 1),
    }
    assert licensing.load_licence(vendor.issue(test=True, **terms)).test
    with pytest.raises(LicenceUntrustedError):
        licensing.load_licence(vendor.issue(test=False, **terms))


def test_authority_certificate_must_cover_issue_time() -> None:
    now = dt.datetime.now(dt.UTC)
    young = licences.new_authority("Young Authority", not_before=now - dt.timedelta(days=1))
    licensing.trust_authority(young.certificate)
    terms = {
        "licensee": Licensee("Kurum"),
        "products": [Product.EYP_ENCRYPTION],
        "not_before": dt.date(2026, 1, 1),
        "not_after": dt.date(2030, 1, 1),
        "maintenance_end": dt.date(2030, 1, 1),
    }
    with pytest.raises(licensing.LicenceIssueError, match="not valid at the issue time"):
        young.issue(issued_at=now - dt.timedelta(days=30), **terms)
    backdated = _sign(
        _body(kind="production").replace(
            "2026-11-21T10:00:00+00:00", (now - dt.timedelta(days=30)).isoformat("T", "seconds")
        ),
        young,
    )
    with pytest.raises(LicenceUntrustedError, match="outside the validity"):
        licensing.load_licence(backdated)


def test_weak_authority_keys_cannot_be_trusted() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509 import CertificateBuilder, Name, NameAttribute, random_serial_number
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    name = Name([NameAttribute(NameOID.COMMON_NAME, "Weak")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(licensing.LicenceError, match="2048"):
        licensing.trust_authority(cert)


# -- hostile XML ---------------------------------------------------------------------------------

XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Licence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<Licence xmlns="urn:eyazisma:licence:1" FormatVersion="1"><LicenceId>&xxe;</LicenceId>'
    b"</Licence>"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']>\n<Licence xmlns="urn:eyazisma:licence:1" FormatVersion="1">&lol9;</Licence>'
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Licence SYSTEM "http://127.0.0.1:9/licence.dtd">\n'
    b'<Licence xmlns="urn:eyazisma:licence:1" FormatVersion="1"/>'
)


@pytest.mark.parametrize("payload", [XXE, LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"])
def test_dtd_and_entities_are_refused(payload: bytes) -> None:
    with pytest.raises(LicenceMalformedError, match="DTD"):
        licensing.set_license_xml(payload)


def test_utf16_cannot_hide_a_doctype(good: bytes) -> None:
    text = good.decode("utf-8").replace("<?xml version='1.0' encoding='UTF-8'?>", "")
    with pytest.raises(LicenceMalformedError, match="UTF-8"):
        licensing.load_licence(text.encode("utf-16"))


def test_undeclared_entity_is_not_xml() -> None:
    with pytest.raises(LicenceMalformedError, match="well-formed"):
        licensing.load_licence(b'<Licence xmlns="urn:eyazisma:licence:1">&xxe;</Licence>')


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x89PNG\r\n", b"<other/>", b"x" * ((1 << 20) + 10)],
    ids=["empty", "binary", "other-root", "huge"],
)
def test_not_a_licence(payload: bytes) -> None:
    with pytest.raises(LicenceMalformedError):
        licensing.load_licence(payload)


def test_unknown_format_version(good: bytes) -> None:
    with pytest.raises(LicenceMalformedError, match="version '2'"):
        licensing.load_licence(good.replace(b'FormatVersion="1"', b'FormatVersion="2"'))


def test_unreadable_path(tmp_path: object) -> None:
    with pytest.raises(LicenceMalformedError, match="Cannot read the licence file"):
        licensing.load_licence("/nonexistent/dir/licence.xml")


def test_inspect_reports_untrusted_fields_without_trusting_them(good: bytes) -> None:
    report = licensing.inspect_licence(good.replace(b"<Name>Test Bakanl", b"<Name>Best Bakanl"))
    assert not report.verified and report.licence is None
    assert isinstance(report.error, LicenceTamperedError)
    assert report.unverified is not None
    assert report.unverified["licensee"]["name"] == "Best Bakanlığı"
    assert report.to_dict()["error"]["code"] == "LICENCE_TAMPERED"
    ok = licensing.inspect_licence(good)
    assert ok.verified and ok.error is None
