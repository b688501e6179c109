"""The case notebooks, executed on the case and stored to be read without a kernel (``dfkit bundle export --notebooks``).

Each of ``notebooks/00``-``04`` is run with papermill on the case (from an
empty working folder with a link to the case, as the report is) and stored
in ``CASE/exports/`` twice: ``notebook-NN_name.ipynb`` with its outputs, and
``notebook-NN_name.html`` rendered by nbconvert. Both read offline:

- the kit's apps offer a static rendering of what they showed
  (:class:`kit.widgets.static.StaticView`); the stored notebook keeps that
  rendering and drops the live widget view and the widget state (which would
  show "Error displaying widget" without a kernel, or load the widget
  JavaScript from a CDN);
- the HTML carries plotly.js once, inline, and no remote script;
- thumbnails stay as the apps drew them: blurred unless the case's
  ``blur_media`` setting is off.

A bundle holds every file of ``exports/``, so the notebooks travel with it;
re-running them on the imported case (its ``case_path``) makes the live apps
again. Each stored pair is logged in the custody chain with its SHA-256.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit._version import __version__
from kit.digest import hash_file
from kit.extras import optional_import
from kit.report.notebook import ReportError, _clean_run, _scrub, _strip_remote_scripts, find_leaks

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["CASE_NOTEBOOKS", "WIDGET_VIEW", "notebooks_folder", "static_outputs", "export_notebooks"]

CASE_NOTEBOOKS = ("00_case_overview", "01_intake", "02_reposts", "03_detectors", "04_spread")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def notebooks_folder() -> Path:
    """The case notebooks of the source checkout (``notebooks/``)."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    if not all((folder / f"{n}.ipynb").is_file() for n in CASE_NOTEBOOKS):
        raise ReportError(f"the case notebooks are not at {folder}: run from a source checkout")
    return folder


def static_outputs(nb: Any) -> int:
    """Keep the static rendering of every widget output and drop the live view and the widget state; the
    number of widget views replaced (a view without a static rendering becomes a short note)."""
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                data.setdefault("text/html", "<p><i>An interactive view: re-run the notebook on the case "
                                             "to use it.</i></p>")
                n += 1
    nb.metadata.pop("widgets", None)
    return n


def _plotly_once(body: str) -> str:
    """plotly.js inline, once, before the first figure (figures are written without it)."""
    from kit.report.markup import plotly_library

    return body.replace("</head>", plotly_library().data + "</head>", 1)


def _run_one(case: Case, name: str, folder: Path, timeout: int) -> tuple[Path, Path]:
    pm = optional_import("papermill", extra="notebook")
    nbformat = optional_import("nbformat", extra="notebook")
    nbconvert = optional_import("nbconvert", extra="notebook")
    out_nb = case.path / "exports" / f"notebook-{name}.ipynb"
    out_html = out_nb.with_suffix(".html")
    try:
        with _clean_run(case.path) as (cwd, case_path):
            pm.execute_notebook(str(folder / f"{name}.ipynb"), str(out_nb), parameters={"case_path": case_path},
                                cwd=cwd, kernel_name="python3", progress_bar=False, execution_timeout=timeout)
    except Exception as exc:  # papermill raises its own PapermillExecutionError
        raise ReportError(f"notebook {name} failed on this case: {exc}") from exc
    nb = nbformat.read(out_nb, as_version=4)
    _scrub(nb)
    static_outputs(nb)
    nbformat.write(nb, out_nb)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    out_html.write_text(_plotly_once(_strip_remote_scripts(body)), encoding="utf-8")
    return out_nb, out_html


def export_notebooks(case: Case, *, timeout: int = 900) -> list[Path]:
    """Run the case notebooks on ``case`` and store them with their outputs (see the module doc)."""
    folder, written = notebooks_folder(), []
    for name in CASE_NOTEBOOKS:
        t0 = time.perf_counter()
        paths = _run_one(case, name, folder, timeout)
        needles = [str(case.path), str(Path.home())]
        for p in paths:
            leaks = find_leaks(p.read_text(encoding="utf-8"), needles)
            if leaks:
                p.unlink()
                raise ReportError(f"{p.name} would reveal local paths ({', '.join(leaks)}): not written")
        case.log("notebook.exported", paths[0].name, {
            "notebook_sha256": hash_file(paths[0])[0], "html_sha256": hash_file(paths[1])[0],
            "seconds": round(time.perf_counter() - t0, 1), "kit_version": __version__})
        written += list(paths)
    return written
