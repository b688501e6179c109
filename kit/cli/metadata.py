"""``dfkit metadata --case DIR``: read metadata of new media and print the findings."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``metadata`` subcommand."""
    p = sub.add_parser(
        "metadata",
        help="read file facts, EXIF/XMP/IPTC, C2PA and video metadata; list red flags",
        description="Run the metadata step on media that have no result yet (keyed by SHA-256 and "
        "step version), then print a summary of the findings (AI-generated per C2PA/IPTC, invalid "
        "credentials, editing software, extension mismatch, capture after post, stripped EXIF, "
        "thumbnail mismatch, re-saved JPEG, GPS). Exit status 0.",
    )
    p.add_argument("--case", required=True, help="case folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--retry-errors", action="store_true", help="run again on files that failed before")
    p.add_argument("--all", action="store_true", help="list every finding, not only the summary")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.metadata import STEP, findings_table, summarise_findings

    case = Case.open(args.case)
    todo = len(case.pending(STEP, retry_errors=args.retry_errors))
    results = case.run(STEP, progress=not args.no_progress, retry_errors=args.retry_errors)
    n_err = int((results["status"] == "error").sum())
    print(f"metadata: {todo} new file(s) read; {len(results)} stored, {n_err} with errors")
    table = findings_table(results, case.posts(), media=case.media())
    print(summarise_findings(table))
    if args.all and not table.empty:
        import pandas as pd

        with pd.option_context("display.max_colwidth", 100, "display.width", 200):
            print(table[["sha256", "post_id", "severity", "code", "message"]].to_string(index=False))
    return 0
