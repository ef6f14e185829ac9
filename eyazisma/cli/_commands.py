"""The list of subcommand modules, in the order ``--help`` shows them."""

from __future__ import annotations

from types import ModuleType

from eyazisma.cli import _package, _timestamp, _tokens

MODULES: tuple[ModuleType, ...] = (_package, _timestamp, _tokens)
