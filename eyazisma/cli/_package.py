"""Package commands: ``create``, ``inspect``, ``verify`` (filled in by the package-core work)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Register the package subcommands."""
    del subparsers


def _unused(args: argparse.Namespace) -> int:
    return 0
