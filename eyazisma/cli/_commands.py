"""The list of subcommand modules, in the order ``--help`` shows them."""

from __future__ import annotations

from types import ModuleType

from eyazisma.cli import (
    _cades,
    _encrypted,
    _license,
    _package,
    _signing,
    _timestamp,
    _tokens,
)

MODULES: tuple[ModuleType, ...] = (
    _package,
    _signing,
    _encrypted,
    _cades,
    _timestamp,
    _tokens,
    _license,
)
