"""Spread explorer: select a post, replay, mark as parent (stored as an analyst edge)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from _demo import small_case
from kit.errors import KitError
from kit.spread.explore import PARENT_DECISION
from kit.widgets.spread import SpreadExplorer


@pytest.fixture
def app(tmp_path: Path) -> SpreadExplorer:
    return SpreadExplorer(small_case(tmp_path))


def _node_trace(app: SpreadExplorer, post: str):
    for tr in app.graph_fig.data:
        if tr.mode == "markers" and post in tr.customdata:
            return tr, list(tr.customdata).index(post)
    raise AssertionError(post)


def test_graph_from_explicit_links(app: SpreadExplorer) -> None:
    assert sorted(app.graph.edges(data="kind")) == [("p1", "p2", "explicit"), ("p2", "p3", "explicit")]
    assert {tr.name for tr in app.graph_fig.data} == {"explicit", "x", "telegram"}
    assert "Likely origin: p1" in app.origin_html.value


def test_click_selects_and_fills_detail_panel(app: SpreadExplorer) -> None:
    tr, i = _node_trace(app, "p3")
    app._on_click(tr, SimpleNamespace(point_inds=[i]), None)  # what plotly calls on a click
    assert app.value == "p3" and 'data-post="p3"' in app.detail.value and "chan" in app.detail.value
    assert app.thumb.blurred and app.thumb.image.value
    assert app.node_picker.value == "p3" and not app.mark_button.disabled


def test_replay_slider_fades_later_posts(app: SpreadExplorer) -> None:
    app.slider.value = 2  # 2 h after the first post: p1 and p2 posted, p3 (4 h 48 min), p4 not yet
    tr, i = _node_trace(app, "p4")
    assert tr.marker.opacity[i] < 0.2
    tr, i = _node_trace(app, "p2")
    assert tr.marker.opacity[i] > 0.9
    assert "2026-03-15 01:42 UTC" in app.slider_label.value


def test_mark_as_parent_button_stores_analyst_edge(app: SpreadExplorer) -> None:
    app.select("p4")
    app.parent_choice.value = "p1"
    app.note_text.value = "same account network"
    app.mark_button.click()
    dec = app.case.decisions(PARENT_DECISION)
    assert dec[["subject", "value", "note", "analyst"]].values.tolist() == [["p4", "p1", "same account network",
                                                                             "tester"]]
    assert app.graph.edges["p1", "p4"]["kind"] == "analyst"
    assert "analyst" in {tr.name for tr in app.graph_fig.data}
    assert app.graph.nodes["p1"]["descendants"] == 3


def test_analyst_overrides_explicit_parent_and_can_clear_it(app: SpreadExplorer) -> None:
    app.select("p3")
    app.mark_parent("p1")
    assert list(app.graph.predecessors("p3")) == ["p1"] and app.graph.edges["p1", "p3"]["kind"] == "analyst"
    app.mark_parent(None, note="no evidence of a link")
    assert list(app.graph.predecessors("p3")) == []
    values = app.case.decisions(PARENT_DECISION)["value"].tolist()
    assert values[0] == "p1" and pd.isna(values[1])  # stored JSON null: "no parent"


def test_mark_without_selection(app: SpreadExplorer) -> None:
    with pytest.raises(KitError):
        app.mark_parent("p1")
    app._on_mark()  # the button path reports instead of raising
    assert "not stored" in app.status.value and app.case.decisions().empty


def test_events_on_another_thread_still_store(app: SpreadExplorer) -> None:
    """JupyterLab delivers widget events on a kernel subshell thread (seen in the browser test)."""
    import threading

    app.select("p4")
    app.parent_choice.value = "p2"
    t = threading.Thread(target=app.mark_button.click)
    t.start()
    t.join()
    assert "not stored" not in app.status.value and "stored:" in app.status.value
    assert app.case.decisions(PARENT_DECISION)["value"].tolist() == ["p2"]
    assert app.graph.edges["p2", "p4"]["kind"] == "analyst"


@pytest.mark.parametrize("stamp", [pytest.param("9999-12-31T23:59:59Z", id="year-9999"),
                                   pytest.param("1000-01-01T00:00:00Z", id="year-1000")])
def test_dates_outside_the_nanosecond_range_do_not_crash(tmp_path: Path, stamp: str) -> None:
    from _demo import small_incident
    from kit.case import Case

    manifest = small_incident(tmp_path / "incident")
    manifest.write_text(manifest.read_text().replace("2026-03-16T00:00:00Z", stamp))
    case = Case.create(tmp_path / "case", analyst="tester")
    case.ingest(manifest)
    app = SpreadExplorer(case)
    app.slider.value = app.slider.max
    app.select("p4")
    assert stamp[:10] in app.detail.value and "Likely origin" in app.origin_html.value
    app.slider.value = 1
    assert "Metrics" in app.metrics_html.value


def test_the_explorer_and_the_report_show_the_same_spread_metrics(tmp_path_factory) -> None:
    """One spread model: on the demo, the explorer (built as notebook 04 builds it) and the report's
    "How it spread" section show the same origin and the same numbers for the largest cascade (the
    old explorer had its own metrics: a one-post cascade's virality was 0 there and NaN here)."""
    from _demo import demo_case_dir
    from kit.case import Case
    from kit.report.sections import spread
    from kit.spread.explore import explorer_summary
    from kit.spread.metrics import metrics
    from kit.casework.spread import load_exported_graph, spread_builder

    case = Case.open(demo_case_dir(tmp_path_factory.getbasetemp() / "demo"))
    try:
        app = SpreadExplorer(case, build=spread_builder(case))
        shown = explorer_summary(app.graph)
        G = load_exported_graph(case)  # what the report reads (dfkit trace's export)
        m = metrics(G)
        top = m.trees.sort_values(["size", "root"], ascending=[False, True]).iloc[0]
        assert shown.origin == top["root"] == "p120"
        panel = re.sub(r">\s+<", "><", app.metrics_html.value)
        for c in ("size", "depth", "max_breadth", "n_platforms"):
            assert shown.largest[c] == top[c], c
            assert f"largest cascade: {c}</td><td>{top[c]}<" in panel
        assert shown.largest["structural_virality"] == pytest.approx(top["structural_virality"])
        assert "Likely origin: p120" in app.origin_html.value
        html = spread(case).data
        assert ">p120<" in html and f">{top['size']}<" in html
    finally:
        case.close()
