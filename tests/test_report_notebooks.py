"""dfkit bundle export --notebooks: the case notebooks, executed, travel in the bundle and read offline.

Issue #15: a colleague who imports the bundle opens each stored notebook's HTML in a browser with no
network and no kernel: the figures are drawn, no widget errors, nothing blurred is revealed; the stored
.ipynb holds static renderings, not live widget views.
"""

from __future__ import annotations

import json
import shutil

import pytest

from _demo import demo_case_dir, fresh_copy
from kit.cli import main
from kit.report.notebooks import CASE_NOTEBOOKS, WIDGET_VIEW, static_outputs


def test_widget_views_give_way_to_their_static_rendering():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("app")
    cell.outputs = [nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "m1"},
                                                                   "text/html": "<div>static</div>",
                                                                   "text/plain": "App()"}),
                    nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "m2"},
                                                                   "text/plain": "Other()"})]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert static_outputs(nb) == 2
    assert [WIDGET_VIEW in o["data"] for o in cell.outputs] == [False, False]
    assert cell.outputs[0]["data"]["text/html"] == "<div>static</div>"
    assert "re-run the notebook" in cell.outputs[1]["data"]["text/html"] and "widgets" not in nb.metadata


def test_an_app_offers_its_static_rendering_beside_the_live_view(tmp_path):
    from _demo import small_case
    from kit.widgets.overview import CaseOverview

    case = small_case(tmp_path)
    case.record_decision("report.conclusion", "case", "<script>alert(1)</script>")
    bundle = CaseOverview(case)._repr_mimebundle_()
    assert WIDGET_VIEW in bundle and "Case overview" in bundle["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bundle["text/html"] and "<script>alert" not in bundle["text/html"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_notebooks_in_a_bundle_read_offline_after_import(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    from kit.report.pdf import LAUNCH_ARGS, chromium_path

    work = tmp_path_factory.mktemp("nb-bundle")
    case_dir = fresh_copy(demo_case_dir(tmp_path_factory.getbasetemp() / "demo"), work / "case")
    assert main(["bundle", "export", "--case", str(case_dir), "--out", str(work / "b.zip"), "--notebooks"]) == 0
    assert main(["bundle", "import", str(work / "b.zip"), "--to", str(work / "imported")]) == 0
    stored = work / "imported" / "exports"
    found = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            for name in CASE_NOTEBOOKS:
                nb = json.loads((stored / f"notebook-{name}.ipynb").read_text())
                assert WIDGET_VIEW not in json.dumps(nb) and "widgets" not in nb["metadata"]
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                refused, errors = [], []
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                           else (refused.append(r.request.url), r.abort()))
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto((stored / f"notebook-{name}.html").as_uri(), wait_until="load")
                found[name] = page.evaluate(
                    "() => [document.querySelectorAll('.plotly-graph-div').length,"
                    " document.querySelectorAll('.plotly-graph-div .main-svg').length / 3,"
                    " [...document.querySelectorAll('.dfk-thumb-state')].map(e => e.innerText.trim()),"
                    " document.body.innerText.includes('Error displaying widget')]")
                assert refused == [] and errors == [], (name, refused, errors)
                page.close()
        finally:
            browser.close()
    assert all(drawn == divs for divs, drawn, _, _ in found.values()), found
    assert sum(divs for divs, _, _, _ in found.values()) >= 2  # the detector and spread figures
    assert not any(error for *_, error in found.values())
    states = [s for _, _, states, _ in found.values() for s in states]
    assert "blurred" in states and set(states) <= {"blurred", "no media"}, states  # nothing revealed by default
