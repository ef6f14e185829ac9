"""Make a large incompressible file quickly (a random 16 MiB block repeated)."""

from __future__ import annotations

import os
from pathlib import Path

BLOCK = 16 * 1024 * 1024


def make_big_file(path: Path, size: int) -> Path:
    block = os.urandom(BLOCK)
    with path.open("wb") as out:
        remaining = size
        while remaining > 0:
            chunk = block[: min(BLOCK, remaining)]
            out.write(chunk)
            remaining -= len(chunk)
    return path
