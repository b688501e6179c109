"""Tests for kit.spread.trace (case integration, exports) and the ``dfkit trace`` command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from _demo import sha_of, small_case
from kit.spread.errors import SpreadError
from kit.casework.spread import case_spread, spread_builder
from kit.spread.trace import export_graph, scalar_graph


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    case = small_case(tmp_path_factory.mktemp("trace"))
    return case, case_spread(case)


def test_case_spread_recovers_the_small_incident(traced):
    case, res = traced
    g = res.graph
    assert set(g) == {"p1", "p2", "p3", "p4"}
    # p3 names p2, but it is sharper than p2 (full size, mirrored): it was made from p1's picture
    assert {(u, v) for u, v in g.edges} == {("p1", "p2"), ("p1", "p3")}
    assert g.edges["p1", "p2"]["kind"] == "explicit" and g.in_degree("p4") == 0
    e = g.edges["p1", "p3"]
    assert e["refines_explicit"] == "p2" and "its export names p2" in e["evidence"]
    assert res.origin["node"].tolist() == ["p1"] and res.origin.loc[0, "size"] == 3
    assert int(res.metrics.trees.loc[0, "size"]) == 3
    assert g.nodes["p1"]["jpeg_quality"] == 92 and g.nodes["p3"]["jpeg_quality"] is None  # facts fed in
    assert len(res.facts) == 4 and res.facts["error"].isna().all()
    # the lineage evidence saw the resize and the mirror
    ev = res.evidence.set_index(["u", "v"])
    p1, p2, p3 = (sha_of(case, p) for p in ("p1", "p2", "p3"))
    assert ev.loc[(p2, p3), "scale_v"] > 1.4 * ev.loc[(p2, p3), "scale_u"]
    assert bool(ev.loc[(p1, p3), "mirror_v"]) != bool(ev.loc[(p1, p3), "mirror_u"])
    cp = res.lineage.copies.set_index("id")
    assert cp.loc[p1, "root_like"] and cp["registered"].loc[[p1, p2, p3]].all()


def test_analyst_decisions_override(tmp_path):
    case = small_case(tmp_path)
    case.record_decision("parent", "p3", "p1", note="seen first in p1's channel")
    case.record_decision("parent", "p2", None)
    g = case_spread(case, content=False).graph
    assert g.edges["p1", "p3"]["kind"] == "analyst" and g.in_degree("p2") == 0
    assert g.nodes["p2"]["origin_evidence"] == "analyst marked it as an origin"


def test_rejected_match_removes_inferred_edge(tmp_path):
    case = small_case(tmp_path)
    p1, p4 = sha_of(case, "p1"), sha_of(case, "p4")
    case.record_decision("match", f"{min(p1, p4)}|{max(p1, p4)}", "confirmed")
    g = case_spread(case, content=False).graph
    assert g.has_edge("p1", "p4") and g.edges["p1", "p4"]["relation"] == "copy"  # one group now
    case.record_decision("match", f"{min(p1, p4)}|{max(p1, p4)}", "rejected")
    assert not case_spread(case, content=False).graph.has_edge("p1", "p4")


def test_exports_read_back(traced, tmp_path):
    _, res = traced
    paths = export_graph(res.graph, tmp_path / "exports")
    h = nx.read_graphml(paths["graphml"])
    assert set(h.nodes) == set(res.graph.nodes) and set(h.edges) == set(res.graph.edges)
    for _, d in h.nodes(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in d.values())
    e = h.edges["p1", "p2"]
    assert e["kind"] == "explicit" and e["relation"] == "copy" and isinstance(json.loads(e["reasons_for"]), list)
    assert h.nodes["p1"]["posted_at"] == "2026-03-14T23:42:00+00:00"
    data = json.loads(paths["json"].read_text())
    j = nx.node_link_graph(data, edges="edges")
    assert set(j.edges) == set(res.graph.edges) and isinstance(j.edges["p1", "p2"]["reasons_for"], list)
    assert j.edges["p1", "p2"]["relation"] == "copy"


def test_graphml_stays_valid_xml_whatever_the_text(tmp_path):
    g = nx.DiGraph()
    g.add_node("a\x00b", caption="nul\x00 and bell\x07 and <script>alert(1)</script>", account="\x1b[31mred")
    g.add_edge("a\x00b", "c", evidence="tab\there\x0b")
    paths = export_graph(g, tmp_path)
    h = nx.read_graphml(paths["graphml"])  # parses: no XML-illegal character left
    (n, d), = [(n, d) for n, d in h.nodes(data=True) if n != "c"]
    assert d["caption"] == "nul and bell and <script>alert(1)</script>" and "\x00" not in n


def test_scalar_graph_drops_missing_values():
    g = nx.DiGraph()
    g.add_node("a", t=pd.NaT, x=float("nan"), y=None, z=[1, 2], ok=True)
    h = scalar_graph(g)
    assert h.nodes["a"] == {"z": "[1, 2]", "ok": True}
    assert scalar_graph(g, json_safe=True).nodes["a"] == {"z": [1, 2], "ok": True}


def test_export_to_unwritable_place_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SpreadError):
        export_graph(nx.DiGraph([("a", "b")]), blocker / "sub")


def test_spread_builder_for_the_explorer(tmp_path):
    case = small_case(tmp_path)
    build = spread_builder(case, content=False, run_missing=True)
    g = build(case.posts(), case.decisions())
    assert g.nodes["p1"]["descendants"] == 2 and g.nodes["p1"]["likes"] == 100


def test_cli_trace_writes_graphml(tmp_path, capsys):
    from kit.cli.trace import register

    case = small_case(tmp_path)
    case.close()
    ap = argparse.ArgumentParser()
    register(ap.add_subparsers())
    args = ap.parse_args(["trace", "--case", str(tmp_path / "case"), "--no-content"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "origin p1 (3 posts" in out and "spread.graphml" in out
    h = nx.read_graphml(Path(tmp_path / "case" / "exports" / "spread.graphml"))
    assert ("p1", "p2") in h.edges and h.number_of_nodes() == 4
