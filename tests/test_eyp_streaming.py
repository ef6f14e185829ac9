"""Streaming: a 2 GiB attachment is built and verified with peak RSS under 200 MB (issue 2 §8).

Runs the pipeline in a child process so the peak RSS measured is that of build + verify alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bigfile import make_big_file  # noqa: E402

GIB = 1024**3


@pytest.mark.slow
def test_two_gib_attachment_builds_and_verifies_in_constant_memory(tmp_path: Path) -> None:
    attachment = make_big_file(tmp_path / "buyuk.bin", 2 * GIB + 12345)
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "package_pipeline.py"),
            str(attachment),
            str(tmp_path / "p.eyp"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    assert measured["digest_errors"] == 0
    assert measured["peak_rss_mb"] < 200, measured
    assert (tmp_path / "p.eyp").stat().st_size > 2 * GIB
