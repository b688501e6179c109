"""The exported report opens offline in a real browser with every figure drawn.

Debian's chromium (``/usr/bin/chromium``; .ci/run installs it) is driven by
playwright with every network request refused: a figure that needed a CDN
would stay empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium absent (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from _demo import demo_case_dir, fresh_copy  # the shared demo case, built once per session

    from kit.case import Case
    from kit.report import build_report

    work = tmp_path_factory.mktemp("offline")
    case_dir = fresh_copy(demo_case_dir(tmp_path_factory.getbasetemp() / "demo"), work / "case")
    return build_report(Case.open(case_dir), work / "report.html")


def test_report_figures_render_with_the_network_off(report, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()

            def refuse(route):
                if not route.request.url.startswith(("file:", "data:", "blob:", "about:")):
                    requests.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            page.route("**/*", refuse)
            page.goto(report.html.as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            n_divs = page.locator(".plotly-graph-div").count()
            n_drawn = page.locator(".js-plotly-plot .main-svg").count()
            n_points = page.locator(".js-plotly-plot .scatterlayer .point").count()
            headings = page.locator("h2, h3").all_inner_texts()  # sections and the appendix's parts
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert requests == [], f"the report tried to reach the network: {requests[:5]}"
    assert n_divs >= 1 and n_drawn >= n_divs, f"{n_divs} figures, {n_drawn} drawn"
    assert n_points > 10, "the score figure has no points"
    assert n_divs >= 3, "score figure, spread graph and timeline"
    assert {"Summary", "Variant clusters", "Detector scores", "How it spread", "Custody log"} <= set(headings)
