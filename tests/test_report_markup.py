"""The report's HTML pieces: stable figure ids, folds, counts in a fixed order (issue #15)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

pytest.importorskip("IPython")
go = pytest.importorskip("plotly.graph_objects")

from kit.report.markup import anchor, counts, figure, figure_id, fold, section, table_block, tally  # noqa: E402


def _fig(y):
    return go.Figure(go.Scatter(x=[1, 2, 3], y=y, name="<b>scores</b>"))


def test_the_same_figure_gives_the_same_html():
    fig = _fig([1, 2, 3])
    first, again = figure(fig).data, figure(fig).data
    assert first == again
    assert figure(_fig([1, 2, 3])).data == first  # a figure built again from the same data
    ids = set(re.findall(r'<div id="([^"]+)" class="plotly-graph-div"', first))
    assert ids == {figure_id(fig)}


def test_different_figures_get_different_ids_and_an_id_can_be_given():
    assert figure_id(_fig([1, 2, 3])) != figure_id(_fig([1, 2, 4]))
    assert 'id="spread-graph"' in figure(_fig([1, 2, 3]), div_id="spread-graph").data


@pytest.mark.parametrize("values, expected", [
    pytest.param(["b", "a", "b", "c", "a"], [("a", 2), ("b", 2), ("c", 1)], id="ties-by-value"),
    pytest.param(["z", "y", "x"], [("x", 1), ("y", 1), ("z", 1)], id="all-tied"),
    pytest.param(["x", "y", "y"], [("y", 2), ("x", 1)], id="most-first"),
    pytest.param([], [], id="empty"),
])
def test_counts_come_out_in_one_order_whatever_the_input_order(values, expected):
    got = counts(pd.Series(values, dtype=object), "v")
    assert list(got.itertuples(index=False, name=None)) == expected
    shuffled = counts(pd.Series(list(reversed(values)), dtype=object), "v")
    assert shuffled.equals(got)


def test_tally_escapes_the_values():
    assert tally(pd.Series(["<i>x</i>", "<i>x</i>", "y"])) == "&lt;i&gt;x&lt;/i&gt;: 2, y: 1"


@pytest.mark.parametrize("n, folded", [pytest.param(3, False, id="short"), pytest.param(11, True, id="long")])
def test_a_long_table_is_folded_with_every_row(n, folded):
    df = pd.DataFrame({"post": [f"<p{i}>" for i in range(n)]})
    out = table_block(df, "posts", fold_over=10)
    assert out.startswith("<details>") is folded
    assert out.count("<tr>") == n  # every row, no cut (the header row has a style)
    assert "<p0>" not in out and "&lt;p0&gt;" in out
    if folded:
        assert f"<summary>{n} posts</summary>" in out


def test_fold_and_section():
    assert fold("s", "<b>b</b>", open_=True) == "<details open><summary>s</summary><b>b</b></details>"
    out = section("How it spread", "<p>x</p>")
    assert '<div class="dfk" id="how-it-spread"><h2>How it spread</h2><p>x</p></div>' in out
    assert anchor("Compared with the source") == "compared-with-the-source"
    assert "&lt;script&gt;" in section("<script>", "")
