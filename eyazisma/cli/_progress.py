"""A small progress bar on stderr for long streaming work (DESIGN.md §2.13).

Shown only when stderr is a terminal (or ``$EYAZISMA_PROGRESS=1``) and the work is large enough
to be worth it; it redraws at most every 0.2 s so it never slows the stream down.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

__all__ = ["progress_bar"]

_MIN_BYTES = 16 * 1024 * 1024
_INTERVAL = 0.2
_WIDTH = 30


def progress_bar(label: str) -> Callable[[int, int | None], None] | None:
    """A ``progress(done, total)`` callback, or ``None`` when no bar should be shown."""
    if not (sys.stderr.isatty() or os.environ.get("EYAZISMA_PROGRESS") == "1"):
        return None
    last = [0.0]

    def update(done: int, total: int | None) -> None:
        if total is not None and total < _MIN_BYTES:
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if now - last[0] < _INTERVAL and not finished:
            return
        last[0] = now
        mib = done / (1024 * 1024)
        if total:
            filled = int(_WIDTH * min(done, total) / total)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            text = f"\r{label} [{bar}] {100 * done / total:5.1f}% {mib:,.0f} MiB"
        else:
            text = f"\r{label} {mib:,.0f} MiB"
        sys.stderr.write(text + ("\n" if finished else ""))
        sys.stderr.flush()

    return update
