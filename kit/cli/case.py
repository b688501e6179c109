"""``dfkit case create``, ``dfkit verify``, ``dfkit demo`` (``dfkit ingest`` is :mod:`kit.cli.ingest`)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the case subcommands."""
    p_case = sub.add_parser("case", help="create a case", description="Manage case folders.")
    case_sub = p_case.add_subparsers(dest="case_command", metavar="ACTION")
    p_create = case_sub.add_parser("create", help="create a new case folder",
                                   description="Create a new, empty case folder.")
    p_create.add_argument("path", help="folder for the new case")
    p_create.add_argument("--title", default="", help="case title")
    p_create.add_argument("--analyst", default=None, help="analyst name (default: login name)")
    p_create.set_defaults(func=_create)

    p_verify = sub.add_parser(
        "verify", help="re-hash evidence, the custody chain and the database rows it vouches for",
        description="Re-hash every evidence file and every custody log entry, check every post, "
                    "media row, result, match, decision and setting against the custody entry that "
                    "wrote it, and the guard triggers; list each mismatch. Exit status 1 when anything "
                    "was altered, 2 when there is no readable case (a missing or empty database is "
                    "never re-created).")
    p_verify.add_argument("--case", required=True, help="case folder")
    p_verify.set_defaults(func=_verify)

    p_demo = sub.add_parser(
        "demo", help="build the demo incident and run every analysis on it",
        description="Generate the demo incident (kit.demo), ingest it into a case "
                    "and run every analysis step the kit has; outputs go under --out.")
    p_demo.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    p_demo.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p_demo.add_argument("--fresh", action="store_true", help="delete --out first")
    p_demo.set_defaults(func=_demo)


def _create(args: argparse.Namespace) -> int:
    from kit.case import Case

    case = Case.create(args.path, title=args.title, analyst=args.analyst)
    print(f"created case {case.meta()['case_id']} at {case.path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from kit.case import Case

    report = Case.open(args.case).verify()
    print(f"checked {report.n_media} evidence files and {report.n_custody} custody entries")
    if report.ok:
        print("intact: every evidence file, log entry and vouched database row matches its hash")
        return 0
    print(report.problems.to_string(index=False))
    return 1


def _demo(args: argparse.Namespace) -> int:
    from kit.pipeline import run_demo

    return run_demo(Path(args.out), seed=args.seed, fresh=args.fresh)
