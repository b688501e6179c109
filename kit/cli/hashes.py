"""``dfkit hashes export --case DIR --format hma|csv|stopncii-style``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the hash-list subcommand."""
    p = sub.add_parser("hashes", help="export hash lists of the confirmed variants",
                       description="Hash lists for platforms: every file in a matched variant "
                                   "cluster (PDQ + MD5 for images, per-frame PDQ for videos).")
    hsub = p.add_subparsers(dest="hashes_command", metavar="ACTION")
    e = hsub.add_parser("export", help="write a hash list",
                        description="Write the variants' hashes as an HMA local file, CSV or "
                                    "StopNCII-style CSV; the export is logged in the custody chain.")
    e.add_argument("--case", required=True, help="case folder")
    e.add_argument("--format", default="hma", choices=["hma", "csv", "stopncii-style"])
    e.add_argument("--out", default=None, help="file to write (default CASE/exports/hashes-FORMAT.*)")
    e.add_argument("--cluster", type=int, action="append", help="only these variant clusters")
    e.add_argument("--label", default=None, help="label written with each signal")
    e.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.report.hashlist import export_hashlist

    r = export_hashlist(Case.open(args.case), args.out, fmt=args.format, clusters=args.cluster,
                        label=args.label)
    print(f"wrote {r.path}: {r.n_signals} signals for {r.n_files} files ({r.format}), sha256 {r.sha256}")
    return 0
