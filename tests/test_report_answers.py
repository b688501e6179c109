"""The report's first screen (kit.report.answers): the five answers, checked against the demo's truth.

The demo incident's truth.json says what the answers must be: the fake is a composite of the
source photo post (``distractor_kind: source_original``), first posted as ``origin_post_id``
on its platform at ``t0_utc``; the hash list the demo exports has 75 signals.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from _demo import demo_case_dir, fresh_copy, small_case
from kit.case import Case
from kit.decisions import CONCLUSION_DECISION, NOTE_DECISION
from kit.report.answers import QUESTIONS, case_answers, first_screen


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.getbasetemp() / "demo"
    case_dir = fresh_copy(demo_case_dir(base), tmp_path_factory.mktemp("answers") / "case")
    truth = json.loads((base / "incident" / "truth.json").read_text())
    return case_dir, truth


@pytest.mark.slow
def test_the_demo_answers_match_its_truth(demo):
    from kit.report.hashlist import export_hashlist

    case_dir, truth = demo
    source = next(p for p, t in truth["posts"].items() if t.get("distractor_kind") == "source_original")
    origin, t0 = truth["origin_post_id"], pd.Timestamp(truth["t0_utc"])
    with Case.open(case_dir) as case:
        before = case_answers(case)
        export_hashlist(case)
        what, first, spread, sure, block = case_answers(case)
        n_posts, n_platforms = len(case.posts()), case.posts()["platform"].nunique()
    assert [a.question for a in before] == list(QUESTIONS)
    assert what.text.startswith(f"A composite: post {origin} shows the photo of post {source} with ")
    assert f"Post {origin} on {truth['posts'][origin]['platform']} " in first.text
    assert t0.strftime("%Y-%m-%d %H:%M UTC") in first.text
    assert "No post of its cascade is timed earlier." in first.lines
    assert f"the whole case holds {n_posts} posts on {n_platforms} platforms" in spread.text
    assert sure.text.startswith("Manipulated") and sure.lines[0].startswith("Strong: compared with its source")
    assert any("uncalibrated" in x for x in sure.lines)  # detector scores are hints until a fusion is fitted
    assert before[4].text.startswith("No hash list exported yet")
    assert block.text.startswith("75 signals for ")


def test_a_case_without_a_composite_says_what_is_not_established(tmp_path):
    case = small_case(tmp_path, metadata=True)
    what, first, spread, sure, block = case_answers(case)
    assert what.text.startswith("Not established")
    assert first.text.startswith("Post p1 on x by origin_acc, at 2026-03-14 23:42 UTC")  # no spread graph: earliest
    assert spread.text.startswith("4 posts by 4 accounts on 2 platforms")
    assert not sure.text.startswith("Manipulated")
    assert block.text.startswith("No hash list exported yet")


def test_the_analysts_words_are_shown_as_theirs_and_escaped(tmp_path):
    case = small_case(tmp_path)
    case.record_decision(CONCLUSION_DECISION, "case", "First draft", analyst="ana")
    case.record_decision(CONCLUSION_DECISION, "case", 'A composite <script>alert(1)</script>', analyst="bo")
    case.record_decision(NOTE_DECISION, "p1", '<img src=x onerror="alert(2)">', analyst="ana")
    html = first_screen(case).data
    assert "First draft" not in html  # the latest conclusion counts
    assert "<b>Conclusion</b> (bo, " in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Note</b> (ana, " in html and "&lt;img src=x onerror=" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count('<div class="answer">') == 5


@pytest.mark.slow
def test_the_report_opens_with_the_answers(tmp_path):
    from kit.report.notebook import build_report

    case = small_case(tmp_path, metadata=True, match=True)
    text = build_report(case).html.read_text()
    glance = text.index("<h2>At a glance</h2>")
    assert glance < text.index("<h2>Key findings</h2>") < text.index("<h2>Appendix</h2>") < text.index("<h3>Summary</h3>")
    assert [text.index(f"<h3>{q}</h3>", glance) for q in QUESTIONS] == sorted(
        text.index(f"<h3>{q}</h3>", glance) for q in QUESTIONS)


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("chromium") is None, reason="needs Debian's chromium")
def test_the_demo_report_answers_on_its_first_screen_and_is_four_screens_before_the_appendix(demo):
    """Issue #15: at 1400x900 the five answers are on the first screen, every evidence link lands on a section,
    and the report is at most four screens long before its appendix."""
    from playwright.sync_api import sync_playwright

    from kit.report.notebook import build_report
    from kit.report.pdf import LAUNCH_ARGS, chromium_path

    from kit.report.hashlist import export_hashlist

    case_dir, truth = demo
    source = next(p for p, t in truth["posts"].items() if t.get("distractor_kind") == "source_original")
    origin = truth["origin_post_id"]
    with Case.open(case_dir) as case:
        export_hashlist(case)  # what make demo does before its report
        n_posts, n_platforms = len(case.posts()), case.posts()["platform"].nunique()
        html = build_report(case).html
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            page.goto(html.as_uri(), wait_until="load")
            top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top + window.scrollY",
                                "answers")
            first = page.inner_text("#answers")
            bottoms = page.evaluate("() => [...document.querySelectorAll('#answers .answer h3')]"
                                    ".map(h => h.getBoundingClientRect().bottom + window.scrollY)")
            targets = page.evaluate("() => [...document.querySelectorAll('#answers a[href^=\"#\"]')]"
                                    ".map(a => [a.getAttribute('href'), !!document.getElementById("
                                    "a.getAttribute('href').slice(1))])")
            appendix = page.evaluate("() => document.getElementById('appendix').getBoundingClientRect().top"
                                     " + window.scrollY")
            pictures = page.locator("#compared-with-the-source label.reveal img")
            filters = [page.evaluate("e => getComputedStyle(e).filter", pictures.first.element_handle())]
            pictures.first.click()  # safe viewing: blurred until the reader clicks
            filters.append(page.evaluate("e => getComputedStyle(e).filter", pictures.first.element_handle()))
        finally:
            browser.close()
    assert top < 900 and len(bottoms) == 5 and max(bottoms) < top + 900, (top, bottoms)
    t0 = pd.Timestamp(truth["t0_utc"]).strftime("%Y-%m-%d %H:%M UTC")
    for answer in (f"A composite: post {origin} shows the photo of post {source}",  # what it is
                   f"Post {origin} on {truth['posts'][origin]['platform']} ", t0,  # where and when
                   f"the whole case holds {n_posts} posts on {n_platforms} platforms",  # how it spread
                   "Strong: compared with its source photo", "uncalibrated",  # how sure
                   "75 signals for "):  # what to block
        assert answer in first, answer
    assert targets and all(ok for _, ok in targets), [t for t, ok in targets if not ok]
    assert appendix <= 4 * 900, f"{appendix / 900:.1f} screens before the appendix"
    assert "blur" in filters[0] and filters[1] == "none", filters
