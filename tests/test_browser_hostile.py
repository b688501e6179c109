"""Real browser: hostile text in every field fires nothing in the report, JupyterLab or Voila.

The case of tests/_hostile.py carries ``<script>``, ``<img onerror>``, ``onmouseover`` and
``javascript:`` payloads in post ids, platforms, accounts, captions, urls, the title, the
analyst, a note and EXIF strings; each payload calls ``alert('<field>')``. Chromium
(Debian's ``/usr/bin/chromium``, driven by playwright as in tests/test_browser.py, whose
server and browser helpers this module reuses) opens the exported report, runs
04_spread.ipynb in JupyterLab and renders 01_intake / 00_case_overview in Voila, with a
dialog handler; every element then gets mouseover, mouseenter and focus events and the
graph's points are hovered (no clicks: a click on everything would fold JupyterLab's outputs). Nothing may fire, no element may carry an event-handler
attribute or a ``javascript:`` link, and the payloads must be on screen as text.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import pytest

from _hostile import hostile_case, payload
from test_browser import BIN, CHROMIUM, KERNEL_IDLE, ROOT, SHOTS, _browser, _env, _free_port, _server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium absent (apt-get install chromium)"),
]

PROVOKE = """(scope) => {
  const root = document.querySelector(scope) || document.body;
  const text = root.innerText;
  for (const el of root.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'mousemove', 'focus']) {
      try { el.dispatchEvent(new Event(type, {bubbles: true})); } catch (e) {}
    }
  }
  const handlers = [], links = [];
  for (const el of root.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) handlers.push(el.tagName + ' ' + a.name);
      if (/^\\s*javascript:/i.test(a.value) && ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name))
        links.push(el.tagName + ' ' + a.name);
    }
  }
  return {handlers, links, text};
}"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The hostile case, its exported report, and the notebooks parameterised for it."""
    papermill = pytest.importorskip("papermill")
    import nbformat
    import papermill.iorw
    import papermill.parameterize

    from kit.report import build_report

    work = tmp_path_factory.mktemp("hostile-browser")
    case = hostile_case(work)
    build_report(case, work / "report.html")
    from kit.report.notebooks import export_notebooks

    export_notebooks(case)  # the notebooks a bundle carries, read without a kernel
    case.close()
    for name, params in (("04_spread.ipynb", {"content_evidence": False}), ("01_intake.ipynb", {}),
                         ("00_case_overview.ipynb", {})):
        src = papermill.iorw.load_notebook_node(str(ROOT / "notebooks" / name))
        nb = papermill.parameterize.parameterize_notebook(src, {"case_path": str(work / "case"), **params})
        nbformat.write(nb, work / name)
    cfg = work / "jupyter-config" / "labconfig"
    cfg.mkdir(parents=True)
    (cfg / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    return work


def _watch(page) -> list[str]:
    fired: list[str] = []

    def on_dialog(dialog):
        fired.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return fired


def _hover_points(page, scope: str) -> int:
    """Move the mouse over each plotly point in ``scope`` (hover labels render the hostile text)."""
    pts = page.locator(f"{scope} .js-plotly-plot .scatterlayer .point")
    n = 0
    for i in range(min(pts.count(), 12)):
        box = pts.nth(i).bounding_box()
        if box and box["width"] > 0:
            pts.nth(i).scroll_into_view_if_needed()
            box = pts.nth(i).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(150)
            n += 1
    return n


def _check(page, scope: str, fired: list[str], shown: list[str], prefix: str) -> None:
    found = page.evaluate(PROVOKE, scope)
    page.wait_for_timeout(500)  # give anything that was scheduled a chance to run
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"hostile_{prefix}.png"), full_page=False)
    assert fired == [], f"{prefix}: dialogs fired: {fired}"
    assert found["handlers"] == [] and found["links"] == [], f"{prefix}: {found['handlers']} {found['links']}"
    missing = [f for f in shown if not any(payload(f, k) in found["text"] for k in range(6))]
    assert not missing, f"{prefix}: payloads not on screen as text: {missing}"


def test_report_fires_nothing(workdir):
    with _browser() as page:
        page.context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                           else r.abort())
        fired = _watch(page)
        page.goto((workdir / "report.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        assert _hover_points(page, "body") > 0
        _check(page, "body", fired, ["title", "analyst", "post_id", "platform", "account", "media_path",
                                     "note", "exif", "conclusion"], "report")


@pytest.mark.parametrize("name", ["00_case_overview", "01_intake", "04_spread"])
def test_stored_notebooks_fire_nothing(workdir, name):
    """The executed notebooks a bundle carries (static renderings of the apps), opened offline."""
    with _browser() as page:
        page.context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                           else r.abort())
        fired = _watch(page)
        page.goto((workdir / "case" / "exports" / f"notebook-{name}.html").as_uri())
        shown = {"00_case_overview": ["title", "analyst", "conclusion"],
                 "01_intake": ["post_id", "platform", "account", "media_path"],
                 "04_spread": ["post_id", "platform"]}[name]
        _check(page, "body", fired, shown, f"stored_{name}")


def test_jupyterlab_and_voila_fire_nothing(workdir):
    pytest.importorskip("voila", reason="pip install voila")
    env = _env(workdir)
    token, port = secrets.token_hex(16), _free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    lab = [str(BIN / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workdir}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly"]
    lab += ["--allow-root"] if os.geteuid() == 0 else []
    with _server(lab, f"{base}/api/status?token={token}", cwd=workdir, env=env,
                 log=workdir / "lab.log"), _browser() as page:
        fired = _watch(page)
        page.goto(f"{base}/lab/tree/04_spread.ipynb?token={token}&reset")
        page.wait_for_function(KERNEL_IDLE, timeout=60_000, polling=500)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".dfk-spread .js-plotly-plot .scatterlayer .point", timeout=90_000)
        page.locator(".dfk-node-picker select").select_option(index=2)  # a post: caption, url, account
        page.wait_for_selector(".dfk-detail [data-post]", timeout=20_000)
        assert _hover_points(page, ".dfk-spread") > 0
        _check(page, ".jp-NotebookPanel", fired, ["post_id", "platform", "account", "caption", "url"], "lab")
    t_lab = time.monotonic() - t0
    port = _free_port()
    voila = [str(BIN / "voila"), str(workdir), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
             "--show_tracebacks=True"]
    with _server(voila, f"http://127.0.0.1:{port}/", cwd=workdir, env=env, log=workdir / "voila.log",
                 timeout=120), _browser() as page:
        fired = _watch(page)
        for name, selector, shown in (
                ("01_intake.ipynb", ".dfk-intake", ["post_id", "platform", "account", "media_path", "exif"]),
                ("00_case_overview.ipynb", ".dfk-overview", ["title", "analyst"])):
            page.goto(f"http://127.0.0.1:{port}/voila/render/{name}", timeout=120_000)
            page.wait_for_selector(f"{selector} table", timeout=120_000)
            _check(page, "body", fired, shown, f"voila_{name.split('_')[0]}")
    print(f"\nlab {t_lab:.1f} s, total {time.monotonic() - t0:.1f} s")
