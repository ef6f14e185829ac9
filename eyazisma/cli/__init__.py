"""The ``eyazisma`` command line: parse arguments → call the library → print / exit code.

Exit codes (stable): 0 success; 1 the checked object is invalid (e.g. ``verify`` found an error);
2 usage error or unreadable input; 3 a key/token/PIN problem; 4 a network service failed;
5 a licence problem (missing, expired, wrong product; see :mod:`licensing`).
Every subcommand lives in its own module exposing ``register(subparsers)``; the module sets
``handler`` via ``parser.set_defaults(handler=...)`` taking the parsed namespace and returning
the exit code. PINs and passwords are never taken from argv.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eyazisma import __version__
from eyazisma.cli import _commands
from keys.errors import EYazismaError

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "main", "run"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eyazisma",
        description="e-Yazışma packages (EYP): build, inspect, verify, sign, seal, encrypt.",
    )
    parser.add_argument("--version", action="version", version=f"eyazisma {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _commands.MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (without the program name); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code or 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(handler(args))
    except EYazismaError as exc:
        print(f"eyazisma: error [{exc.code}]: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_USAGE)
    except KeyboardInterrupt:
        print("eyazisma: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
