"""The case report as PDF, printed by a headless Chromium from the report's own offline HTML.

``dfkit report --pdf`` writes the HTML report (:func:`kit.report.notebook.build_report`)
and then prints it here: Debian's ``chromium`` (or the one named by
``DFKIT_CHROMIUM``) opens the file, draws the plotly figures (plotly.js is
inlined in the report), and prints A4 pages with backgrounds, so email and
court bundles get the same report as a fixed document. Blurred thumbnails
stay blurred in print (the reveal needs a click).

Nothing may be fetched while printing: every request that is not to the
report file itself (``file:`` or ``data:``) is aborted and listed in the
result, and a PDF printed after such a request is refused. The export is
logged in the custody chain like the HTML (``report.exported`` with the
PDF's SHA-256 and the HTML's it was printed from).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kit._version import __version__
from kit.digest import hash_file
from kit.report.notebook import ReportError
from kit.extras import optional_import

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["PdfResult", "print_pdf", "export_pdf", "chromium_path"]

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@dataclass(frozen=True)
class PdfResult:
    """A printed report: its path, SHA-256, size, pages, and the remote requests that were refused."""

    path: Path
    sha256: str
    bytes: int
    pages: int
    refused: list[str]
    seconds: float


def chromium_path() -> str:
    """The Chromium to print with: ``DFKIT_CHROMIUM``, else ``chromium`` on the PATH."""
    found = os.environ.get("DFKIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise ReportError("PDF export needs Chromium: apt-get install chromium (or set DFKIT_CHROMIUM)")
    return found


def _pages(pdf: bytes) -> int:
    """Pages of a PDF, counted from its page objects (enough for a file Chromium wrote)."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") if b"/Type /Page" in pdf else \
        pdf.count(b"/Type/Page") - pdf.count(b"/Type/Pages")


def print_pdf(html: str | Path, out: str | Path, *, timeout_s: float = 120.0) -> PdfResult:
    """Print the offline HTML report ``html`` to ``out`` (A4, backgrounds) with a headless Chromium."""
    sync_api = optional_import("playwright.sync_api", extra="pdf")
    html, out = Path(html).resolve(), Path(out)
    t0, refused = time.perf_counter(), []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        if url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()  # type: ignore[attr-defined]
        else:
            refused.append(url)
            r.abort()  # type: ignore[attr-defined]

    try:
        data = _print(sync_api, html, route, timeout_s)
    except sync_api.Error as exc:
        raise ReportError(f"{html.name}: Chromium could not print it ({str(exc).splitlines()[0]})", path=html) from exc
    if refused:
        raise ReportError(f"{html.name}: asked for {len(refused)} remote resource(s) while printing "
                          f"({', '.join(refused[:3])}): no PDF written", path=html)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return PdfResult(out, hash_file(out)[0], len(data), _pages(data), refused, time.perf_counter() - t0)


def _print(sync_api: object, html: Path, route: object, timeout_s: float) -> bytes:
    """Open ``html`` in a headless Chromium with every request through ``route``, wait for the figures, print."""
    with sync_api.sync_playwright() as pw:  # type: ignore[attr-defined]
        browser = pw.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", route)
            page.goto(html.as_uri(), wait_until="load", timeout=timeout_s * 1000)
            page.wait_for_function("() => !window.Plotly || [...document.querySelectorAll('.plotly-graph-div')]"
                                   ".every(d => d.querySelector('.main-svg'))", timeout=timeout_s * 1000)
            page.emulate_media(media="print")
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
        finally:
            browser.close()


def export_pdf(case: Case, html: str | Path, out: str | Path | None = None) -> PdfResult:
    """Print a report of ``case`` (its HTML ``html``) to ``out`` (default: beside it, ``.pdf``) and log it."""
    html = Path(html)
    res = print_pdf(html, Path(out) if out else html.with_suffix(".pdf"))
    case.log("report.exported", res.path.name, {
        "sha256": res.sha256, "bytes": res.bytes, "format": "pdf", "pages": res.pages,
        "printed_from": {"name": html.name, "sha256": hash_file(html)[0]}, "kit_version": __version__})
    return res
