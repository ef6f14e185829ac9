"""Hostile ZIP input: every case yields our own exception with a clear message (issue 2 item 10)."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from eyp._opc import OpcPackage, PartName, ZipLimits, ZipReader, ZipWriter
from eyp._opc._partname import resolve_target
from eyp.errors import PackageFormatError, UnsafePackageError


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_by_ratio_is_refused() -> None:
    data = _zip([("Ekler/zeros.bin", b"\0" * (50 * 1024 * 1024))])
    with pytest.raises(UnsafePackageError, match="compression ratio"):
        ZipReader(data)


def test_declared_size_over_limit_is_refused() -> None:
    data = _zip([("Ekler/a.bin", b"x" * 5000)], zipfile.ZIP_STORED)
    with pytest.raises(UnsafePackageError, match="per-entry limit"):
        ZipReader(data, ZipLimits(max_entry_size=4000))


def test_total_size_and_entry_count_limits() -> None:
    data = _zip([(f"p/{i}.bin", b"y" * 100) for i in range(20)], zipfile.ZIP_STORED)
    with pytest.raises(UnsafePackageError, match="in total"):
        ZipReader(data, ZipLimits(max_total_size=1000))
    with pytest.raises(UnsafePackageError, match="exceed the limit"):
        ZipReader(data, ZipLimits(max_entries=10))


@pytest.mark.parametrize(
    "name", ["../evil.txt", "a/../../evil.txt", "/etc/passwd", "a\\b.txt", "a//b.txt", "a/./b"]
)
def test_traversal_absolute_and_backslash_names_are_refused(name: str) -> None:
    data = _zip([(name, b"x")])
    with pytest.raises(UnsafePackageError):
        ZipReader(data)


def test_duplicate_entries_are_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Ustveri/Ustveri.xml", b"<a/>")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("Ustveri/Ustveri.xml", b"<b/>")
    with pytest.raises(UnsafePackageError, match="duplicate"):
        ZipReader(buf.getvalue())


def test_case_colliding_names_are_refused() -> None:
    data = _zip([("Ustveri/Ustveri.xml", b"<a/>"), ("ustveri/USTVERI.xml", b"<b/>")])
    with pytest.raises(UnsafePackageError, match="differ only in case"):
        ZipReader(data)


def test_truncated_zip_is_a_format_error(tmp_path: Path) -> None:
    data = _zip([("a.txt", b"hello" * 1000)])
    path = tmp_path / "t.eyp"
    path.write_bytes(data[: len(data) // 2])
    before = path.read_bytes()
    with pytest.raises(PackageFormatError, match="not a readable ZIP"):
        ZipReader(path)
    assert path.read_bytes() == before


def test_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PackageFormatError, match="not a readable ZIP"):
        ZipReader(b"%PDF-1.7 not a zip")
    with pytest.raises(PackageFormatError, match="file not found"):
        ZipReader(tmp_path / "missing.eyp")
    with pytest.raises(PackageFormatError, match="directory"):
        ZipReader(tmp_path)


def test_corrupted_entry_data_is_reported_on_read() -> None:
    payload = bytes(range(256)) * 400
    data = bytearray(_zip([("Ekler/a.bin", payload)], zipfile.ZIP_STORED))
    offset = data.find(payload[:64])
    data[offset + 1000] ^= 0xFF
    reader = ZipReader(bytes(data))
    with pytest.raises(PackageFormatError, match="damaged"):
        reader.read("/Ekler/a.bin", max_size=10**6)


def test_overlapping_entries_are_refused() -> None:
    data = bytearray(_zip([("a.txt", b"A" * 100), ("b.txt", b"B" * 100)], zipfile.ZIP_STORED))
    # Point the second central-directory entry at the first local header.
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 42, 0)
    with pytest.raises(UnsafePackageError, match="overlap"):
        ZipReader(bytes(data))


def test_missing_content_types_and_rels_are_problems_not_crashes() -> None:
    with OpcPackage(_zip([("Ustveri/Ustveri.xml", b"<a/>")])) as opc:
        kinds = {(p.kind, p.part) for p in opc.problems}
    assert ("content-types", "/[Content_Types].xml") in kinds
    assert ("relationships", "/_rels/.rels") in kinds


def test_rels_with_xxe_is_a_problem() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="a" Type="t" Target="&x;"/></Relationships>'
    )
    with OpcPackage(_zip([("_rels/.rels", evil)])) as opc:
        assert opc.relationships() == ()
        assert any("DOCTYPE" in p.message for p in opc.problems)


def test_part_names_and_target_resolution() -> None:
    part = PartName("/PaketOzeti/PaketOzeti.xml")
    assert part.rels_part == "/PaketOzeti/_rels/PaketOzeti.xml.rels"
    assert part.resolve("../Imzalar/ImzaCades.imz") == "/Imzalar/ImzaCades.imz"
    assert resolve_target("/", "/Ustveri/Ustveri.xml") == "/Ustveri/Ustveri.xml"
    assert resolve_target("/", "Ustveri/Ustveri.xml") == "/Ustveri/Ustveri.xml"
    with pytest.raises(UnsafePackageError, match="outside"):
        part.resolve("../../etc/passwd")
    assert PartName("/A/b.XML").key() == PartName("/a/B.xml").key()


def test_writer_is_deterministic_and_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out.eyp"
    outputs = []
    for _ in range(2):
        with ZipWriter(target) as writer:
            writer.write("/a/x.xml", b"<x/>")
            writer.write("/b/y.bin", io.BytesIO(b"\x01" * 10000))
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    target.write_bytes(b"original")
    writer = ZipWriter(target)
    writer.write("/a/x.xml", b"<x/>")
    writer.abort()
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["out.eyp"]


def test_writer_hashes_while_writing(tmp_path: Path) -> None:
    import hashlib

    payload = b"abc" * 100_000
    h1, h2 = hashlib.sha384(), hashlib.sha512()
    with ZipWriter(tmp_path / "o.zip") as writer:
        size = writer.write("/Ekler/e.bin", io.BytesIO(payload), hashers=[h1, h2])
    assert size == len(payload)
    assert h1.digest() == hashlib.sha384(payload).digest()
    assert h2.digest() == hashlib.sha512(payload).digest()
    with ZipReader(tmp_path / "o.zip") as reader:
        assert b"".join(reader.iter_chunks("/Ekler/e.bin")) == payload
