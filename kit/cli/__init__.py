"""The ``dfkit`` command: one subcommand module per capability.

Each module in :data:`COMMAND_MODULES` defines ``register(subparsers)``,
which adds its subcommands and sets ``func=handler(args) -> int``.

Examples
--------
>>> parser = build_parser()
>>> parser.parse_args(["verify", "--case", "c"]).case
'c'
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kit._version import __version__
from kit.errors import KitError

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

COMMAND_MODULES = [
    "kit.cli.case",
    "kit.cli.ingest",
    "kit.cli.metadata",
    "kit.cli.hashing",
    "kit.cli.detectors",
    "kit.cli.trace",
    "kit.cli.bundle",
    "kit.cli.report",
    "kit.cli.hashes",
    "kit.cli.scale",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="dfkit",
        description="Deepfake Incident Kit: investigate a manipulated image or video that spread.",
    )
    parser.add_argument("--version", action="version", version=f"dfkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 problems found, 2 error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KitError as exc:
        print(f"dfkit {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
