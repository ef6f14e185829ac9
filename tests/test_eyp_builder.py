"""Builder lifecycle, two-phase signing, update and encrypted containers, recipient copies."""

from __future__ import annotations

import dataclasses
import datetime
import io
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from eyazisma.testing.packages import KKK_RECIPIENT, minimal_nihai_ustveri
from eyp import (
    BuildError,
    Component,
    EypBuilder,
    EypPackage,
    Stage,
    UpdateBuilder,
    recipient_copy,
)
from eyp._filenames import part_file_name, unique_file_name
from eyp.build._encrypted import EncryptedPackageBuilder
from eyp.model import (
    DigestAlgorithm,
    DotNetDateTime,
    Guncelleme,
    GuncellemeBilgisi,
    GuncellemeTuru,
    GuvenlikKodu,
    GuvenlikKoduDegisiklikBilgisi,
    Manifest,
    ManifestKind,
    Ustveri,
    new_guid,
)
from tests.eyp_helpers import (
    build_signed_package,
    builder_with_files,
    sign_attached,
    sign_detached,
    verify_structure,
)


def test_full_lifecycle_package_is_valid(tmp_path: Path) -> None:
    out = build_signed_package(tmp_path, tmp_path / "p.eyp")
    report = verify_structure(out)
    assert report.valid, report.to_text()
    assert report.manifests["ParafOzeti"][2] == "/Ekler/EkBir.pdf"
    nihai = report.manifests["NihaiOzet"]
    for uri in (
        "/Paraflar/ParafImzaCades.imz",
        "/Imzalar/ImzaCades.imz",
        "/NihaiUstveri/NihaiUstveri.xml",
    ):
        assert uri in nihai
    assert not any("/ImzasizEkler/" in u for uris in report.manifests.values() for u in uris)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[:3] == ["Ekler/EkBir.pdf", "ImzasizEkler/not.txt", "UstYazi/ustyazi.pdf"]
        assert zf.read("Ustveri/Ustveri.xml").startswith(b"\xef\xbb\xbf<?xml")
        info = zf.getinfo("Ustveri/Ustveri.xml")
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    with EypPackage(out) as package:
        ustveri = package.ustveri
        assert ustveri is not None and ustveri.dosya_adi == "ustyazi.pdf"
        assert [e.dosya_adi for e in ustveri.ekler][:2] == ["EkBir.pdf", "not.txt"]
        assert package.open_signature(Component.MUHUR) is not None


def test_signing_steps_hand_out_the_exact_manifest_bytes(tmp_path: Path) -> None:
    out = tmp_path / "p.eyp"
    with builder_with_files(tmp_path).open(out) as session:
        paket = session.paket_ozeti()
        manifest = Manifest.from_xml(paket, kind=ManifestKind.PAKET_OZETI)
        assert manifest.id == session.belge_id
        with pytest.raises(BuildError, match="other bytes"):
            session.add_signature(sign_attached(paket + b" "))
        with pytest.raises(BuildError, match="not a CMS"):
            session.add_signature(b"\x00\x01\x02")
        assert session.stage is Stage.PAKET_OZETI  # a refused signature changes nothing
        session.add_signature(sign_attached(paket))
        assert session.stage is Stage.IMZA
    with builder_with_files(tmp_path).open(tmp_path / "q.eyp") as session:
        paket = session.paket_ozeti()
        with pytest.raises(BuildError, match="detached"):
            session.add_signature(sign_detached(paket))


def test_lifecycle_order_is_enforced(tmp_path: Path) -> None:
    target = tmp_path / "p.eyp"
    target.write_bytes(b"previous content")
    with builder_with_files(tmp_path).open(target) as session:
        with pytest.raises(BuildError, match="lifecycle"):
            session.nihai_ozet()
        with pytest.raises(BuildError, match="lifecycle"):
            session.add_nihai_ustveri(minimal_nihai_ustveri())  # no e-signature yet
        session.paket_ozeti()
        with pytest.raises(BuildError, match="lifecycle"):
            session.paraf_ozeti()
        with pytest.raises(BuildError, match="lifecycle"):
            session.save()
    assert target.read_bytes() == b"previous content"  # aborted session never touched it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_builder_is_immutable_and_checks_inputs(tmp_path: Path) -> None:
    base = builder_with_files(tmp_path)
    ek = dataclasses.replace(base.ustveri.ekler[0], id=new_guid(), sira_no=9)
    more = base.with_ek(ek, tmp_path / "Ek Bir.pdf")
    assert len(more.ustveri.ekler) == len(base.ustveri.ekler) + 1
    with pytest.raises(BuildError, match="imzali_mi"):
        base.with_ek(dataclasses.replace(ek, imzali_mi=None), tmp_path / "Ek Bir.pdf")
    with pytest.raises(BuildError, match="give its content"):
        base.with_ek(ek)
    with pytest.raises(BuildError, match="ÜstYazı"):
        EypBuilder(base.ustveri).open(tmp_path / "x.eyp")
    dup = base.with_ek(dataclasses.replace(ek, sira_no=1), tmp_path / "Ek Bir.pdf")
    with pytest.raises(BuildError, match="SiraNo"):
        dup.open(tmp_path / "x.eyp")
    assert not (tmp_path / "x.eyp").exists()


def test_digest_policy_is_configurable_and_checked(tmp_path: Path) -> None:
    builder = builder_with_files(tmp_path).with_digests(
        DigestAlgorithm.SHA256, DigestAlgorithm.SHA512
    )
    out = build_signed_package(tmp_path, tmp_path / "p.eyp", builder)
    with EypPackage(out) as package:
        manifest = package.manifest(ManifestKind.NIHAI_OZET)
        assert manifest is not None
        assert {d.algorithm for d in manifest.references[0].digests} == {
            DigestAlgorithm.SHA256,
            DigestAlgorithm.SHA512,
        }
    assert verify_structure(out).valid
    with pytest.raises(BuildError, match="SHA-512"):
        builder.with_digests(DigestAlgorithm.SHA256, DigestAlgorithm.SHA384)
    with pytest.raises(BuildError, match="two different"):
        builder.with_digests(DigestAlgorithm.SHA512, DigestAlgorithm.SHA512)


def test_streams_are_hashed_while_written(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 40_000
    builder = builder_with_files(tmp_path)
    ek = dataclasses.replace(
        builder.ustveri.ekler[0], id=new_guid(), sira_no=7, dosya_adi="akış.bin"
    )
    builder = builder.with_ek(ek, io.BytesIO(payload))
    with builder.open(tmp_path / "p.eyp") as session:
        digests = session.digests_of("/Ekler/akis.bin")
        assert digests[DigestAlgorithm.SHA512] == DigestAlgorithm.SHA512.digest(payload)
        session.add_signature(sign_attached(session.paket_ozeti()))
        session.add_nihai_ustveri(minimal_nihai_ustveri())
        session.add_seal(sign_attached(session.nihai_ozet()))
        session.save()
    assert verify_structure(tmp_path / "p.eyp").valid


def test_file_names_are_transliterated_and_unique() -> None:
    assert part_file_name("Üst Yazı Şubat.pdf") == "UstYaziSubat.pdf"
    assert part_file_name("C:\\belgeler\\çizelge (1).xlsx") == "cizelge(1).xlsx"
    assert unique_file_name("ek.pdf", {"ek.pdf", "ek_2.pdf"}) == "ek_3.pdf"
    assert part_file_name("çğ") == "cg"
    with pytest.raises(BuildError, match="no usable characters"):
        part_file_name("\u4e2d\u6587")


def test_recipient_copy_drops_konulmamis_ek_and_still_verifies(tmp_path: Path) -> None:
    builder = builder_with_files(tmp_path, konulmamis_signed=True)
    out = build_signed_package(tmp_path, tmp_path / "p.eyp", builder)
    copy = tmp_path / "copy.eyp"
    assert recipient_copy(out, copy, KKK_RECIPIENT) == ["/Ekler/EkBir.pdf"]
    ok = verify_structure(copy, recipient=KKK_RECIPIENT)
    assert ok.valid, ok.to_text()
    assert any(f.rule == "EYP-EK-001" and f.severity.value == "warning" for f in ok.findings)
    other = verify_structure(copy)
    assert not other.valid and {"EYP-EK-001", "EYP-DIG-011"} <= {f.rule for f in other.errors()}
    with pytest.raises(BuildError, match="no Dagitim"):
        recipient_copy(out, tmp_path / "x.eyp", "99999999")


def test_update_package_build_and_verify(tmp_path: Path) -> None:
    original = build_signed_package(tmp_path, tmp_path / "o.eyp")
    out = tmp_path / "u.eypg"
    with UpdateBuilder(_bilgi(), original).open(out) as session:
        session.add_seal(sign_attached(session.nihai_ozet()))
        session.save()
    report = verify_structure(out)
    assert report.valid, report.to_text()
    assert report.kind == "eypg" and report.version == "2.1"
    assert report.inner[0].belge_id is not None
    with EypPackage(out) as package, package.open_original_package() as stream:
        assert stream.read() == original.read_bytes()


def _bilgi() -> GuncellemeBilgisi:
    return GuncellemeBilgisi(
        guncellemeler=(
            Guncelleme(
                guncelleme_turu=GuncellemeTuru.GUVENLIK_KODU,
                guvenlik_kodu_degisiklik_bilgisi=GuvenlikKoduDegisiklikBilgisi(
                    yeni_gizlilik_derecesi=GuvenlikKodu.YOK,
                    degistirme_tarihi=DotNetDateTime.parse("2026-01-01T00:00:00"),
                    aciklama="Gizlilik süresi doldu",
                    komisyon_karari_belge_no="E-1-2-3",
                    komisyon_karari_belge_id=new_guid(),
                ),
            ),
        )
    )


def test_update_of_encrypted_package_is_refused(tmp_path: Path, samples_dir: Path) -> None:
    bilgi = _bilgi()
    eyps = tmp_path / "x.eyp"
    eyps.write_bytes((samples_dir / "20250512142310.eyps").read_bytes())
    with pytest.raises(BuildError, match="encrypted"):
        UpdateBuilder(bilgi, eyps).open(tmp_path / "u.eypg")


def test_encrypted_container_round_trip(tmp_path: Path) -> None:
    inner = build_signed_package(tmp_path, tmp_path / "i.eyp")

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kurum şifreleme")])
    now = datetime.datetime.now(datetime.UTC)
    rsa_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(5)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    envelope = (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(inner.read_bytes())
        .add_recipient(rsa_cert)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    out = tmp_path / "x.eyps"
    EncryptedPackageBuilder.for_inner(inner, envelope).save(out)
    report = verify_structure(out)
    assert report.valid, report.to_text()
    assert report.kind == "eyps"
    with EypPackage(out) as package, EypPackage(inner) as original:
        assert package.read("/NihaiOzet/NihaiOzet.xml") == original.read("/NihaiOzet/NihaiOzet.xml")
        with package.open_encrypted_content() as stream:
            assert stream.read() == envelope
        assert package.belge_hedef is not None
    with pytest.raises(BuildError, match="EnvelopedData"):
        EncryptedPackageBuilder.for_inner(inner, b"plain bytes").save(tmp_path / "y.eyps")
    assert not (tmp_path / "y.eyps").exists()


def test_ustveri_of_built_package_round_trips(tmp_path: Path) -> None:
    out = build_signed_package(tmp_path, tmp_path / "p.eyp")
    with zipfile.ZipFile(out) as zf:
        data = zf.read("Ustveri/Ustveri.xml")
    assert Ustveri.from_xml(data).to_xml() == data


def test_harici_reference_goes_into_paket_ozeti_only(tmp_path: Path) -> None:
    remote = b"%PDF-1.4 a document kept elsewhere"
    digests = {alg: alg.digest(remote) for alg in (DigestAlgorithm.SHA384, DigestAlgorithm.SHA512)}
    builder = builder_with_files(tmp_path).with_harici_reference(
        "https://example.org/d.pdf", digests
    )
    out = build_signed_package(tmp_path, tmp_path / "p.eyp", builder)
    report = verify_structure(out)
    assert report.valid, report.to_text()
    assert "https://example.org/d.pdf" in report.manifests["PaketOzeti"]
    assert "https://example.org/d.pdf" not in report.manifests["NihaiOzet"]
    with EypPackage(out) as package:
        paket = package.manifest(ManifestKind.PAKET_OZETI)
        assert paket is not None
        ref = paket.reference_for("https://example.org/d.pdf")
        assert ref is not None
        assert ref.digest(DigestAlgorithm.SHA512) == digests[DigestAlgorithm.SHA512]


def test_fixed_core_name_makes_reproducible_part_names(tmp_path: Path) -> None:
    builder = builder_with_files(tmp_path).with_options(
        core_name=("0123456789abcdef0123456789abcdef", "R0123456789abcdef"),
        revision="test/1",
    )
    out = build_signed_package(tmp_path, tmp_path / "p.eyp", builder)
    with zipfile.ZipFile(out) as zf:
        core = zf.read(
            "package/services/metadata/core-properties/0123456789abcdef0123456789abcdef.psmdcp"
        )
        assert b'Id="R0123456789abcdef"' in zf.read("_rels/.rels")
    assert b"<revision>test/1</revision>" in core
    assert verify_structure(out).valid
