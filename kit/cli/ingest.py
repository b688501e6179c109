"""``dfkit ingest``: a manifest, a collection tool's export, a folder of them, or a folder of media."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kit.importers import FORMATS

__all__ = ["register", "SHOWN_ISSUES"]

SHOWN_ISSUES = 40
"""Issues printed per export (all of them are in ``case.intake_report()``)."""

EPILOG = """formats (told by content with --format auto):
  manifest     the kit's CSV/JSONL manifest          twarc2       twarc2 JSON Lines (X API v2)
  telegram     Telegram Desktop result.json          ytdlp        yt-dlp .info.json beside the downloads
  instaloader  instaloader .json.xz beside the posts gallerydl    gallery-dl --write-metadata .json files
  4cat         4CAT CSV (+ its media zip, unpacked)  folder       a folder of media, one post a file
A folder may hold several exports: each is ingested as its own run into the case."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``dfkit ingest``."""
    p = sub.add_parser(
        "ingest", help="ingest a manifest, a collection export (twarc2, Telegram, yt-dlp, ...) or a folder",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Copy media into the case by SHA-256 and load the posts. Each export is told by its "
                    "content and reported with its format; bad records are reported with their file, record "
                    "and reason, and the good ones still load. Re-running adds nothing new.")
    p.add_argument("source", nargs="?", default=None,
                   help="an export file (manifest, twarc2 .jsonl, result.json, 4CAT .csv, ...) or a folder")
    p.add_argument("--references", action="append", default=[], metavar="DIR",
                   help="a folder (or file) of candidate source pictures found outside the collection (reverse "
                        "image search, archives): added as evidence without posts, matched and compared like "
                        "posts, shown as sources, never counted in the spread; may be repeated")
    p.add_argument("--note", default=None, help="where the --references were found (kept with each)")
    p.add_argument("--case", required=True, help="case folder (created if missing)")
    p.add_argument("--format", default="auto", choices=("auto", *FORMATS),
                   help="the export's format (default: auto, told by content)")
    p.add_argument("--title", default="", help="title when the case is created")
    p.add_argument("--media-root", "--media", dest="media_root", default=None, metavar="DIR",
                   help="folder holding the media of a manifest, twarc2 or 4CAT export (default: the export's "
                        "folder); no media path may lead out of it")
    p.add_argument("--max-file-size", type=_size, default=None, metavar="SIZE",
                   help="largest evidence file copied, e.g. 500M, 4G (default 4G)")
    p.add_argument("--max-ingest-size", type=_size, default=None, metavar="SIZE",
                   help="most bytes one ingest copies, e.g. 64G (the default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_ingest)


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
    from kit.casework.ingest import IngestLimits

    if args.source is None and not args.references:
        print("dfkit ingest: give an export or a folder to ingest, or --references DIR (or both)", file=sys.stderr)
        return 2
    path = Path(args.case)
    try:
        case = Case.open(path) if (path / "case.sqlite").exists() else Case.create(path, title=args.title)
    except CaseExists:  # created by a concurrent `dfkit ingest` a moment ago
        case = Case.open(path)
    defaults = IngestLimits()
    limits = IngestLimits(args.max_file_size or defaults.max_file_bytes,
                          args.max_ingest_size or defaults.max_total_bytes)
    reports = [] if args.source is None else case.ingest_collection(
        args.source, format=args.format, media_root=args.media_root, limits=limits, progress=not args.no_progress)
    _print_reports(reports)
    for folder in args.references:
        ref = case.add_references(folder, note=args.note, limits=limits)
        print(f"references from {ref.folder!r}: {ref.n_files} files, {ref.n_added} new media files, "
              f"{ref.n_existing} already in the case, {len(ref.issues)} refused")
        for issue in ref.issues[:SHOWN_ISSUES]:
            print(f"  {issue['file']!r}: {issue['reason']}")
    return 0


def _print_reports(reports: list) -> None:
    for report in reports:
        fields = report.fields or {}
        print(f"ingest {report.ingest_id} of {report.source} ({report.format}): {report.n_rows} records, "
              f"{report.n_new_posts} new posts, {report.n_new_media} new media files, "
              f"{report.n_existing} already in the case, {report.n_errors} bad rows")
        cols = fields.get("post_columns") or {}
        if cols and fields.get("posts"):
            print("  posts with: " + ", ".join(f"{k} {n}/{fields['posts']}" for k, n in cols.items()))
        if not report.issues.empty:
            print(report.issues.head(SHOWN_ISSUES).to_string(index=False, max_colwidth=160))
            if len(report.issues) > SHOWN_ISSUES:
                print(f"  ... and {len(report.issues) - SHOWN_ISSUES} more issues: case.intake_report() has them all")
