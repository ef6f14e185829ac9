"""Drafts and resuming them (eyp.md §1.2): signing in several sittings without breaking bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from eyazisma.testing.packages import minimal_nihai_ustveri
from eyp import (
    BuildError,
    Component,
    EypPackage,
    read_draft_state,
    resume_session,
    verify_package,
)
from eyp.build import Stage
from tests.eyp_helpers import builder_with_files, sign_attached


def _draft(tmp_path: Path) -> Path:
    draft = tmp_path / "draft.eyp"
    with builder_with_files(tmp_path).open(draft) as session:
        session.save_draft()
    return draft


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_resume_keeps_manifests_and_signatures_byte_identical(tmp_path: Path) -> None:
    draft = _draft(tmp_path)
    state = read_draft_state(draft)
    assert state == type(state)(None, None, None, None)
    with resume_session(draft, draft) as session:
        assert session.stage is Stage.CONTENT
        paraf_cms = sign_attached(session.paraf_ozeti())
        session.add_paraf_signature(paraf_cms)
        session.save_draft()
    with resume_session(draft, draft) as session:
        assert session.stage is Stage.PARAF_IMZA
        imza_cms = sign_attached(session.paket_ozeti())
        session.add_signature(imza_cms)
        session.save_draft()
    state = read_draft_state(draft)
    assert state.paraf_imza == paraf_cms and state.imza == imza_cms
    final = tmp_path / "final.eyp"
    with resume_session(draft, final) as session:
        assert session.stage is Stage.IMZA
        session.add_nihai_ustveri(minimal_nihai_ustveri())
        session.add_seal(sign_attached(session.nihai_ozet()))
        session.save()
    report = verify_package(final)
    digest_errors = [f for f in report.errors() if f.rule.startswith("EYP-DIG")]
    assert digest_errors == []
    with EypPackage(final) as package:
        assert package.open_signature(Component.PARAF_IMZA) == paraf_cms
        assert package.open_signature(Component.IMZA) == imza_cms


def test_replacing_a_signature_needs_the_same_manifest(tmp_path: Path) -> None:
    draft = _draft(tmp_path)
    with resume_session(draft, draft) as session:
        session.add_signature(sign_attached(session.paket_ozeti()))
        session.save_draft()
    before = _digest(draft)
    with pytest.raises(BuildError, match="other bytes"):
        resume_session(draft, draft, replace={Component.IMZA: sign_attached(b"other")})
    assert _digest(draft) == before  # a refused resume leaves the draft untouched


def test_finalised_packages_are_not_drafts(tmp_path: Path) -> None:
    out = tmp_path / "done.eyp"
    with builder_with_files(tmp_path).open(out) as session:
        session.paket_ozeti()
        session.add_nihai_ustveri(minimal_nihai_ustveri(), allow_unsigned=True)
        session.nihai_ozet()
        session.save(allow_unsealed=True)
    with pytest.raises(BuildError, match="already finalised"):
        read_draft_state(out)


def test_save_draft_after_nihai_ustveri_is_refused(tmp_path: Path) -> None:
    with builder_with_files(tmp_path).open(tmp_path / "x.eyp") as session:
        session.paket_ozeti()
        session.add_nihai_ustveri(minimal_nihai_ustveri(), allow_unsigned=True)
        with pytest.raises(BuildError, match="NihaiÜstveri"):
            session.save_draft()
