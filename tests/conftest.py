"""Shared pytest configuration: fixture plugins of the test PKI, live services and tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins: list[str] = ["tests.fixtures_pki", "tests.fixtures_keys"]

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The official/third-party sample packages (``../shared/samples`` beside the checkout)."""
    if not SAMPLES.is_dir():
        raise RuntimeError(
            f"sample packages not found at {SAMPLES}; shared/ must sit beside the repo"
        )
    return SAMPLES
