"""kit.safetext: hostile text is escaped for HTML and defused for spreadsheets, kit markup passes."""

from __future__ import annotations

import csv
import html
import io
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from kit.safetext import Html, csv_cell, csv_frame, csv_text, html_table, html_text

HOSTILE = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('<img src=x onerror="alert(2)">', id="img-onerror"),
    pytest.param('" onmouseover="alert(3)', id="attribute-break"),
    pytest.param("javascript:alert(4)", id="javascript-url"),
    pytest.param("<a href='javascript:alert(5)'>x</a>", id="link"),
    pytest.param("</td></tr></table><svg onload=alert(6)>", id="table-break"),
    pytest.param("&lt;script&gt;", id="pre-escaped"),
]


class _Tags(HTMLParser):
    """Every start tag and attribute a browser's parser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _tags(markup: str) -> list[tuple[str, list]]:
    parser = _Tags()
    parser.feed(markup)
    return parser.tags


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_builds_no_tag_and_reads_back_as_the_same_text(text):
    out = html_text(text)
    assert _tags(f"<p title='{out}'>{out}</p>") == [("p", [("title", text)])]
    assert html.unescape(out) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_html_table_escapes_cells_and_headers(text):
    df = pd.DataFrame({text: [text, None], "n": [1, 2], "when": pd.to_datetime(["2024-01-01", None])})
    tags = _tags(html_table(df))
    assert {t for t, _ in tags} <= {"table", "thead", "tbody", "tr", "th", "td"}
    assert all(a in ([], [("class", "dataframe")], [("style", "text-align: right;")]) for _, a in tags)


@pytest.mark.parametrize("value, expected", [
    pytest.param(None, "", id="none"),
    pytest.param(float("nan"), "", id="nan"),
    pytest.param(pd.NA, "", id="pd-na"),
    pytest.param(3, "3", id="int"),
    pytest.param(["<b>"], "[&#x27;&lt;b&gt;&#x27;]", id="list"),
    pytest.param(Html("<b>kit</b>"), "<b>kit</b>", id="kit-markup"),
])
def test_html_text_values(value, expected):
    assert html_text(value) == expected


def test_html_table_raw_columns_and_row_limit():
    df = pd.DataFrame({"thumb": ["<img src='data:,'>"] * 3, "caption": ["<i>x</i>"] * 3})
    out = html_table(df, raw=["thumb"], max_rows=2)
    assert [t for t, _ in _tags(out)].count("img") == 2 and "<i>" not in out
    assert "First 2 of 3 rows." in out


@pytest.mark.parametrize("value, expected", [
    pytest.param('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")', id="equals"),
    pytest.param("+1", "'+1", id="plus"),
    pytest.param("-1+1", "'-1+1", id="minus"),
    pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
    pytest.param("\t=1", "'\t=1", id="tab"),
    pytest.param("\r=1", "'\r=1", id="cr"),
    pytest.param("  =1", "'  =1", id="spaces-first"),
    pytest.param("a=b", "a=b", id="inside"),
    pytest.param("", "", id="empty"),
    pytest.param(-1, -1, id="a-number"),
    pytest.param(None, None, id="none"),
])
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_csv_text_defuses_text_keeps_numbers_and_round_trips():
    df = pd.DataFrame({"=h": ["=1+1", "ok"], "n": [-1, 2], "q": [np.nan, 0.5]})
    text = csv_text(df)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'=h", "n", "q"], ["'=1+1", "-1", ""], ["ok", "2", "0.5"]]
    assert df["=h"].tolist() == ["=1+1", "ok"]  # the caller's frame is untouched
    assert csv_frame(df)["n"].tolist() == [-1, 2]
