"""Real browser: JupyterLab and Voila render 04_spread.ipynb on the demo case and respond.

Needs Debian's ``chromium`` package (``/usr/bin/chromium``; .ci/run installs it) and the
``playwright`` Python package; never downloads a browser. Screenshots go to out/screenshots/.
Every server and browser started here is stopped in ``finally`` blocks, also on failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from _demo import demo_case_dir, fresh_copy

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "out" / "screenshots"
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium absent (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(cmd: list[str], url: str, *, cwd: Path, env: dict, log: Path, timeout: float = 60.0):
    """Start a server in its own process group, wait until ``url`` answers, stop it afterwards."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[0]} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding 04_spread.ipynb with the demo case injected, and Jupyter config."""
    papermill = pytest.importorskip("papermill")
    import papermill.iorw
    import papermill.parameterize

    work = tmp_path_factory.mktemp("browser")
    case_dir = fresh_copy(demo_case_dir(tmp_path_factory.getbasetemp() / "demo"), work / "case")
    import nbformat


    src = papermill.iorw.load_notebook_node(str(ROOT / "notebooks" / "04_spread.ipynb"))
    nbformat.write(papermill.parameterize.parameterize_notebook(src, {"case_path": str(case_dir)}), work / "04_spread.ipynb")
    cfg = work / "jupyter-config"
    (cfg / "labconfig").mkdir(parents=True)
    (cfg / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    return work


def _env(work: Path) -> dict:
    env = dict(os.environ)
    env.update({"JUPYTER_CONFIG_DIR": str(work / "jupyter-config"),
                "JUPYTERLAB_SETTINGS_DIR": str(work / "lab-settings"),
                "JUPYTERLAB_WORKSPACES_DIR": str(work / "lab-workspaces"),
                "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "PATH": f"{BIN}:{env.get('PATH', '')}"})
    return env


@contextlib.contextmanager
def _browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        try:
            yield browser.new_page(viewport={"width": 1500, "height": 1000})
        finally:
            browser.close()


KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""


def _spread_checks(page, prefix: str, shots: list[str]) -> None:
    """Graph, slider, node click -> detail panel, blurred thumbnail -> reveal; screenshots."""
    try:
        _spread_steps(page, prefix, shots)
    except Exception:
        page.screenshot(path=str(SHOTS / f"{prefix}_FAILED.png"), full_page=True)
        (SHOTS / f"{prefix}_FAILED.txt").write_text(page.inner_text("body")[-20000:])
        raise


def _spread_steps(page, prefix: str, shots: list[str]) -> None:
    page.wait_for_selector(".dfk-spread .js-plotly-plot .scatterlayer .point", timeout=60_000)
    page.wait_for_selector(".dfk-time-slider", timeout=10_000)
    graph = page.locator(".dfk-spread .js-plotly-plot").first  # the graph; the timeline comes second
    graph.scroll_into_view_if_needed()
    shot = SHOTS / f"{prefix}_graph.png"
    page.screenshot(path=str(shot), full_page=False)
    shots.append(shot.name)
    # the replay slider: Home moves it to 0 h; the label and the graph follow
    label = page.locator(".dfk-spread .widget-html:has-text('showing posts up to')").first
    before = label.inner_text()
    handle = page.locator(".dfk-time-slider .noUi-handle").first
    handle.focus()
    handle.press("Home")
    page.wait_for_function("b => !document.body.innerText.includes(b)", arg=before.strip(), timeout=20_000)
    assert label.inner_text() != before
    handle.press("End")
    page.wait_for_function("b => document.body.innerText.includes(b)", arg=before.strip(), timeout=20_000)
    # click the biggest node on screen (plotly picks points from mouse coordinates)
    height = page.viewport_size["height"]
    pts = graph.locator(".scatterlayer .trace .point")
    boxes = [b for b in (pts.nth(i).bounding_box() for i in range(min(pts.count(), 150)))
             if b and 40 < b["y"] < height - 40]
    box = max(boxes, key=lambda b: b["width"])
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".dfk-detail [data-post]", timeout=20_000)
    post = page.locator(".dfk-detail [data-post]").get_attribute("data-post")
    assert post and post.startswith("p")
    state = page.locator(".dfk-side .dfk-thumb-state")
    page.wait_for_function("() => document.querySelector('.dfk-side .dfk-thumb-state').innerText.includes('blurred')",
                           timeout=20_000)
    page.locator(".dfk-side .dfk-thumb").scroll_into_view_if_needed()
    shot = SHOTS / f"{prefix}_selected_blurred.png"
    page.screenshot(path=str(shot))
    shots.append(shot.name)
    src_blurred = page.locator(".dfk-side .dfk-thumb-image").get_attribute("src")
    page.locator(".dfk-side .dfk-reveal").click()
    page.wait_for_function("() => document.querySelector('.dfk-side .dfk-thumb-state').innerText.includes('revealed')",
                           timeout=20_000)
    assert "revealed" in state.inner_text()
    page.wait_for_function("s => document.querySelector('.dfk-side .dfk-thumb-image').src !== s",
                           arg=src_blurred, timeout=20_000)
    shot = SHOTS / f"{prefix}_revealed.png"
    page.screenshot(path=str(shot))
    shots.append(shot.name)


def _mark_parent(page, shots: list[str]) -> None:
    """Pick a parent for the selected post and press "Mark as parent": the case stores it.

    A choice that would close a cycle (the post's own descendant) is refused, saying so; the next is tried.
    """
    text = page.locator(".dfk-side").inner_text()
    for index in range(1, 6):
        page.locator(".dfk-side select").last.select_option(index=index)
        page.locator(".dfk-side .dfk-mark-parent").click()
        page.wait_for_function("t => { const now = document.querySelector('.dfk-side').innerText; "
                               "return /stored/.test(now) && now !== t; }", arg=text, timeout=20_000)
        text = page.locator(".dfk-side").inner_text()
        if "not stored" not in text:
            break
        assert "would close the cycle" in text, text[-500:]
    assert "not stored" not in text and "stored:" in text, text[-500:]
    page.locator(".dfk-side .dfk-mark-parent").scroll_into_view_if_needed()
    shot = SHOTS / "04_spread_lab_marked_parent.png"
    page.screenshot(path=str(shot))
    shots.append(shot.name)


def test_jupyterlab_and_voila_spread_explorer(workdir: Path) -> None:
    pytest.importorskip("playwright", reason="pip install playwright (never `playwright install`)")
    pytest.importorskip("voila", reason="pip install voila")
    SHOTS.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(workdir)
    shots: list[str] = []
    t0 = time.monotonic()
    lab = [str(BIN / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workdir}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly"]
    lab += ["--allow-root"] if os.geteuid() == 0 else []
    with _server(lab, f"{base}/api/status?token={token}", cwd=workdir, env=env,
                 log=workdir / "lab.log"), _browser() as page:
        page.goto(f"{base}/lab/tree/04_spread.ipynb?token={token}&reset")
        page.wait_for_function(KERNEL_IDLE, timeout=60_000, polling=500)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        _spread_checks(page, "04_spread_lab", shots)
        _mark_parent(page, shots)
    t_lab = time.monotonic() - t0
    port = _free_port()
    voila = [str(BIN / "voila"), str(workdir / "04_spread.ipynb"), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    with _server(voila, f"http://127.0.0.1:{port}/", cwd=workdir, env=env, log=workdir / "voila.log",
                 timeout=120), _browser() as page:
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        _spread_checks(page, "04_spread_voila", shots)
    from kit.case import Case

    with Case.open(workdir / "case") as case:
        assert len(case.decisions("spread.parent")) == 1  # stored from the browser, with who and when
    print(f"\nscreenshots in {SHOTS}: {shots}; lab {t_lab:.1f} s, total {time.monotonic() - t0:.1f} s")
