"""The appendix holds every row the report summarises; its custody part ignores trailing export entries."""

from __future__ import annotations

import re

import pandas as pd
import pytest

pytest.importorskip("IPython")

from kit.report.appendix import COPIES, appendix, custody_digest, described_log  # noqa: E402


def _part(html: str, ident: str) -> str:
    """The HTML of one appendix part (a part holds no nested div)."""
    found = re.search(rf'<div id="{ident}">(.*?)</div>', html, re.S)
    assert found, f"no part {ident}"
    return found.group(1)


def _rows(html: str) -> list[list[str]]:
    """The body rows of the HTML tables in ``html``, as lists of cell texts."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    return [re.findall(r"<td>(.*?)</td>", row, re.S) for body in bodies for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.mark.parametrize("actions, described", [
    pytest.param(["case.created", "step.run"], 2, id="no-exports"),
    pytest.param(["case.created", "step.run", "report.exported", "report.exported"], 2, id="trailing-reports"),
    pytest.param(["case.created", "report.exported", "step.run", "bundle.exported"], 3, id="export-in-the-middle"),
    pytest.param(["case.created", "step.run", "hashlist.exported", "report.exported"], 3,
                 id="a-hash-list-changes-what-the-report-shows"),
    pytest.param(["report.exported"], 0, id="only-exports"),
    pytest.param([], 0, id="empty"),
])
def test_described_log_stops_at_the_last_entry_that_is_not_a_copy(actions, described):
    log = pd.DataFrame({"seq": range(1, len(actions) + 1), "action": pd.Series(actions, dtype=object)})
    assert described_log(log)["seq"].tolist() == list(range(1, described + 1))
    assert set(COPIES) == {"report.exported", "bundle.exported"}


def test_custody_part_is_the_same_after_an_export_is_logged(tmp_path):
    from _demo import small_case

    case = small_case(tmp_path, metadata=True)
    before = custody_digest(case).data
    case.log("report.exported", "report.html", {"sha256": "0" * 64})
    case.log("bundle.exported", "case.zip", {"sha256": "1" * 64})
    assert custody_digest(case).data == before
    case.record_decision("origin", "p1", True, note="first")
    assert custody_digest(case).data != before  # a decision changes the case: it is described


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from _demo import demo_case_dir

    from kit.case import Case

    case = Case.open(demo_case_dir(tmp_path_factory.getbasetemp() / "demo"))
    yield case
    case.close()


@pytest.mark.slow
def test_the_appendix_holds_every_per_file_row_post_and_entry_of_the_demo(demo):
    html = appendix(demo).data
    expected = demo.findings().drop_duplicates(["sha256", "code"])
    rows = _rows(_part(html, "findings-per-file"))
    assert len(rows) == len(expected) > 100  # the old report printed 100 of them
    got = {(r[2], r[1]) for r in rows}  # severity, code, sha256, posts, ...
    assert got == set(zip(expected["sha256"], expected["code"]))
    evidence = _rows(_part(html, "evidence"))
    assert sorted(r[0] for r in evidence) == sorted(demo.posts()["post_id"])
    log = described_log(demo.custody())
    entries = _rows(_part(html, "custody-log"))[-len(log):]
    assert [int(r[0]) for r in entries] == log["seq"].tolist()
    assert html.count("<details>") >= 3  # the long tables are folded


@pytest.mark.slow
def test_the_demo_findings_have_one_line_per_code(demo):
    from kit.report.sections import findings

    table = demo.findings()
    html = findings(demo).data
    lines = _rows(html)
    codes = table[["severity", "code"]].drop_duplicates()
    assert len(lines) == len(codes) == html.count("<details>")
    assert [r[1] for r in lines][0] == "COMPOSITE_OF_SOURCE"  # most serious first
    for r in lines:
        sub = table[table["code"] == r[1]]
        assert (int(r[3]), int(r[4])) == (sub["sha256"].nunique(), sub["post_id"].nunique())
