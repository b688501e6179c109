"""``dfkit case create``, ``dfkit ingest``, ``dfkit verify``, ``dfkit demo``."""

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

    p_ingest = sub.add_parser(
        "ingest", help="ingest a manifest (CSV/JSONL) or a folder of media",
        description="Copy media into the case by SHA-256 and load the posts. Bad rows are "
                    "reported with their line and reason; good rows still load. Re-running adds "
                    "nothing new.")
    p_ingest.add_argument("source", help="manifest.csv, manifest.jsonl or a folder of media")
    p_ingest.add_argument("--case", required=True, help="case folder (created if missing)")
    p_ingest.add_argument("--title", default="", help="title when the case is created")
    p_ingest.add_argument("--media-root", default=None, metavar="DIR",
                          help="folder the manifest's media paths are relative to (default: the "
                               "manifest's folder); no media path may lead out of it")
    p_ingest.add_argument("--max-file-size", type=_size, default=None, metavar="SIZE",
                          help="largest evidence file copied, e.g. 500M, 4G (default 4G)")
    p_ingest.add_argument("--max-ingest-size", type=_size, default=None, metavar="SIZE",
                          help="most bytes one ingest copies, e.g. 64G (the default)")
    p_ingest.add_argument("--no-progress", action="store_true", help="no progress bar")
    p_ingest.set_defaults(func=_ingest)

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
        description="Generate the demo incident (datasets/demo_incident), ingest it into a case "
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


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _size(text: str) -> int:
    """``500M``, ``4G``, ``1.5T`` or a plain number of bytes.

    >>> _size("4G"), _size("1.5k"), _size("100")
    (4294967296, 1536, 100)
    """
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in _UNITS else ""
    try:
        value = float(t[: len(t) - len(unit)])
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (write e.g. 500M, 4G or a number of bytes)")
    return int(value * _UNITS[unit])


def _ingest(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.errors import CaseExists
    from kit.ingest import IngestLimits

    path = Path(args.case)
    try:
        case = Case.open(path) if (path / "case.sqlite").exists() else Case.create(path, title=args.title)
    except CaseExists:  # created by a concurrent `dfkit ingest` a moment ago
        case = Case.open(path)
    defaults = IngestLimits()
    limits = IngestLimits(args.max_file_size or defaults.max_file_bytes,
                          args.max_ingest_size or defaults.max_total_bytes)
    report = case.ingest(args.source, media_root=args.media_root, limits=limits,
                         progress=not args.no_progress)
    print(f"ingest {report.ingest_id} of {report.source}: {report.n_rows} rows, "
          f"{report.n_new_posts} new posts, {report.n_new_media} new media files, "
          f"{report.n_existing} already in the case, {report.n_errors} bad rows")
    if not report.issues.empty:
        print(report.issues.to_string(index=False))
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
