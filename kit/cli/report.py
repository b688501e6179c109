"""``dfkit report --case DIR [--redact] [--no-blur] [--out FILE] [--pdf]``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the report subcommand."""
    p = sub.add_parser(
        "report", help="execute the case report and export offline HTML",
        description="Run the report notebook (kit/report/case_report.ipynb) on the case (papermill) and export HTML with "
                    "the code hidden (nbconvert). Thumbnails are blurred unless --no-blur; "
                    "--redact replaces them with placeholders and hashes; --pdf also prints it to PDF. Logged in the "
                    "custody chain.")
    p.add_argument("--case", required=True, help="case folder")
    p.add_argument("--out", default=None, help="HTML file (default: CASE/exports/report*.html)")
    p.add_argument("--redact", action="store_true", help="no media at all: placeholders and hashes")
    p.add_argument("--no-blur", action="store_true", help="show thumbnails unblurred")
    p.add_argument("--pdf", action="store_true",
                   help="also print the report to PDF beside the HTML (headless Chromium; logged like the HTML)")
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.report.notebook import build_report

    case = Case.open(args.case)
    r = build_report(case, args.out, redact=args.redact, blur=not args.no_blur)
    print(f"wrote {r.html} ({r.bytes / 1e6:.1f} MB, {r.seconds:.1f} s), sha256 {r.sha256}")
    if args.pdf:
        from kit.report.pdf import export_pdf

        p = export_pdf(case, r.html)
        print(f"wrote {p.path} ({p.pages} pages, {p.bytes / 1e6:.1f} MB, {p.seconds:.1f} s), sha256 {p.sha256}")
    return 0
