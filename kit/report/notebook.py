"""Execute the parameterised case report and export it as one offline HTML file.

``kit/report/case_report.ipynb`` is run with papermill in a fresh, empty
working folder that holds only a link to the case (``case_path =
"case-folder"``, a name Python cannot import), so nothing in the case folder
(an imported bundle, say) is ever on the kernel's ``sys.path``; the kernel
gets no ``PYTHONPATH``. Papermill's own record of local paths, clock times and
the random id of its injected cell is removed, and nbconvert writes HTML with
the code hidden, so the same case gives the same bytes, notebook and HTML
(issue #15). Figures carry their own JavaScript, so the file opens offline.
The written files are checked for the case's absolute path and the home
folder before anything is logged, and each export gets a custody entry with
its SHA-256.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kit._version import __version__
from kit.errors import KitError
from kit.extras import optional_import
from kit.digest import hash_file

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["ReportResult", "ReportError", "report_template", "build_report", "find_leaks"]


class ReportError(KitError):
    """The report could not be produced, or would leak local information."""


@dataclass(frozen=True)
class ReportResult:
    """Where the report went, how big it is and how long it took."""

    html: Path
    notebook: Path
    sha256: str
    bytes: int
    seconds: float


def report_template() -> Path:
    """``kit/report/case_report.ipynb``, shipped with the package (so ``dfkit report`` works after pip install)."""
    path = Path(__file__).resolve().parent / "case_report.ipynb"
    if not path.is_file():
        raise ReportError(f"report notebook not found at {path}: the installation is incomplete")
    return path


def find_leaks(text: str, needles: list[str]) -> list[str]:
    """Which of ``needles`` (local paths, home folder) occur in ``text``.

    Examples
    --------
    >>> find_leaks("saved in /srv/cases/ana/case", ["/srv/cases/ana", "/srv/x"])
    ['/srv/cases/ana']
    """
    return [n for n in needles if n and len(n) > 1 and n in text]


_RUN_TIMES = ("start_time", "end_time", "duration")


def _scrub(nb: object) -> None:
    """Remove what papermill records about this run rather than the case: local paths, clock times,
    and the random id of the cell it injects (nbconvert writes cell ids into the HTML)."""
    meta = nb.metadata.get("papermill", {})  # type: ignore[attr-defined]
    for key in ("input_path", "output_path", "cwd", *_RUN_TIMES):
        meta.pop(key, None)
    for cell in nb.cells:  # type: ignore[attr-defined]
        cell.metadata.pop("execution", None)  # nbclient's iopub / shell-reply timestamps
        for key in _RUN_TIMES:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", ()):
            cell["id"] = "injected-parameters"


def build_report(case: Case, out: str | Path | None = None, *, redact: bool = False,
                 blur: bool = True, timeout: int = 600) -> ReportResult:
    """Execute the report notebook on ``case`` and write HTML (default ``exports/report.html``).

    Parameters
    ----------
    redact
        Replace every media thumbnail by a placeholder (hashes only).
    blur
        Blur thumbnails (the default; ignored when redacted).
    """
    pm = optional_import("papermill", extra="notebook")
    nbformat = optional_import("nbformat", extra="notebook")
    nbconvert = optional_import("nbconvert", extra="notebook")
    t0 = time.perf_counter()
    name = "report-redacted" if redact else ("report" if blur else "report-unblurred")
    html_path = Path(out) if out else case.path / "exports" / f"{name}.html"
    if html_path.is_dir():
        raise ReportError(f"{html_path}: is a folder; --out takes the name of the HTML file to write",
                          path=html_path)
    nb_path = case.path / "exports" / f"{name}.ipynb"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _clean_run(case.path) as (cwd, case_path):
            pm.execute_notebook(str(report_template()), str(nb_path),
                                parameters={"case_path": case_path, "redact": redact, "blur": blur},
                                cwd=cwd, kernel_name="python3", progress_bar=False,
                                execution_timeout=timeout)
    except Exception as exc:  # papermill raises its own PapermillExecutionError
        raise ReportError(f"report notebook failed on this case: {exc}") from exc
    nb = nbformat.read(nb_path, as_version=4)
    _scrub(nb)
    nbformat.write(nb, nb_path)
    exporter = nbconvert.HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                                      exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    body = _strip_remote_scripts(body)
    html_path.write_text(body, encoding="utf-8")
    needles = [str(case.path), str(Path.home()), os.environ.get("HOME", "")]
    for p in (html_path, nb_path):
        leaks = find_leaks(p.read_text(encoding="utf-8"), needles)
        if leaks:
            p.unlink()
            raise ReportError(f"{p.name} would reveal local paths ({', '.join(leaks)}): not written")
    digest = hash_file(html_path)[0]
    size = html_path.stat().st_size
    case.log("report.exported", html_path.name, {
        "sha256": digest, "bytes": size, "notebook_sha256": hash_file(nb_path)[0],
        "redact": redact, "blur": blur, "kit_version": __version__})
    return ReportResult(html_path, nb_path, digest, size, time.perf_counter() - t0)


@contextlib.contextmanager
def _clean_run(case_path: Path) -> Iterator[tuple[str, str]]:
    """An empty working folder with only a link to the case, and no PYTHONPATH: (cwd, case_path)."""
    saved = os.environ.pop("PYTHONPATH", None)
    try:
        with tempfile.TemporaryDirectory(prefix="dfkit-report-") as tmp:
            (Path(tmp) / "case-folder").symlink_to(case_path, target_is_directory=True)
            yield tmp, "case-folder"
    finally:
        if saved is not None:
            os.environ["PYTHONPATH"] = saved


_REMOTE = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', re.IGNORECASE)


def _strip_remote_scripts(body: str) -> str:
    """Drop <script src="http..."> tags (MathJax, require.js from CDNs): the report must not call out."""
    return _REMOTE.sub("", body)
