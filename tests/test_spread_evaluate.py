"""Tests for kit.spread.evaluate and kit.spread.nist.

Known answers: NIST MediScore's own checkfiles (every graph-building and
filtering case of its provenance test suite), plus hand-computed graphs.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from kit.spread import SpreadError, direct_paths, evaluate, nist_scores, reduce_to
from kit.spread.errors import NistFormatError
from kit.spread.nist import aggregate, read_journal, read_system_output, score_filtering, score_graph_building

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SUITE = SHARED / "provenance" / "nist-mediscore"


def needs_suite(f):
    """Mark a test as using ../shared/data and skip it when the NIST suite is absent."""
    return pytest.mark.shared(pytest.mark.skipif(not SUITE.exists(), reason="shared NIST MediScore suite absent")(f))

# checkfile folder -> (case prefix, system index, direct, undirected), as in
# MediScore's tools/ProvenanceScorer/integration_tests.sh
GRAPH_BUILDING = [
    pytest.param("test_1_0", "test_case_1", "test_case_1-system_output_0_index.csv", False, False, id="test_1_0"),
    pytest.param("test_1_0_direct", "test_case_1", "test_case_1-system_output_0_index_direct.csv", True, False, id="test_1_0_direct"),
    pytest.param("test_1_0_undirect", "test_case_1", "test_case_1-system_output_0_index_undirect.csv", False, True, id="test_1_0_undirect"),
    pytest.param("test_1_0and1_direct", "test_case_1", "test_case_1-system_output_0and1_index_direct.csv", True, False, id="test_1_0and1_direct"),
    pytest.param("test_1_1_direct", "test_case_1", "test_case_1-system_output_1_index_direct.csv", True, False, id="test_1_1_direct"),
    pytest.param("test_2_0", "test_case_2", "test_case_2-system_output_0_index.csv", False, False, id="test_2_0"),
    pytest.param("test_2_1", "test_case_2", "test_case_2-system_output_1_index.csv", False, False, id="test_2_1"),
    pytest.param("test_2_1_undirect", "test_case_2", "test_case_2-system_output_1_undirect_index.csv", False, True, id="test_2_1_undirect"),
    pytest.param("test_3_1", "test_case_3", "test_case_3-system_output_1_index.csv", False, False, id="test_3_1"),
]
FILTERING = [
    pytest.param("filtering_test_0", "test_case_2", "test_case_2-filtering-system_output_0_index.csv", False, id="filtering_test_0"),
    pytest.param("filtering_test_0_b", "test_case_2", "test_case_2-filtering-system_output_0_index.csv", True, id="filtering_test_0_b"),
    pytest.param("filtering_test_1", "test_case_2", "test_case_2-filtering-system_output_1_index.csv", False, id="filtering_test_1"),
    pytest.param("filtering_test_1_b", "test_case_2", "test_case_2-filtering-system_output_1_index.csv", True, id="filtering_test_1_b"),
    pytest.param("filtering_test_2", "test_case_3", "test_case_3-filtering-system_output_1_index.csv", False, id="filtering_test_2"),
    pytest.param("filtering_test_2_b", "test_case_3", "test_case_3-filtering-system_output_1_index.csv", True, id="filtering_test_2_b"),
    pytest.param("IsOptOut_test_0", "test_case_3", "test_case_4-filtering-system_output_0_index.csv", False, id="IsOptOut_test_0"),
]


def _same(a: float, b: float) -> bool:
    """Equal to the precision NIST printed (Python 2 str: 12 significant digits)."""
    return f"{float(a):.12g}" == f"{float(b):.12g}"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="|", dtype={"ProvenanceProbeFileID": str})


@needs_suite
def test_every_checkfile_folder_is_covered():
    names = {p.values[0] for p in GRAPH_BUILDING + FILTERING}
    assert names == {d.name for d in (SUITE / "checkfiles").iterdir() if d.is_dir()}


@needs_suite
@pytest.mark.parametrize("check, case, index, direct, undirected", GRAPH_BUILDING)
def test_graph_building_matches_nist_checkfiles(check, case, index, direct, undirected):
    got = score_graph_building(SUITE, case, index, direct=direct, undirected=undirected)
    exp = _read(SUITE / "checkfiles" / check / "trial_scores.csv")
    assert list(got["ProvenanceOutputFileName"]) == list(exp["ProvenanceOutputFileName"])
    cols = [c for c in exp.columns if c.startswith(("Num", "Sim")) or c == "NodeRecall"]
    for (_, e), (_, g) in zip(exp.iterrows(), got.iterrows()):
        for c in cols:
            assert _same(g[c], e[c]), (check, c, g[c], e[c])
    agg_exp = _read(SUITE / "checkfiles" / check / "scores.csv")
    agg_got = aggregate(got)
    for c in ["MeanSimNLO", "MeanSimNO", "MeanSimLO", "MeanNodeRecall"]:
        assert _same(agg_got[c].iloc[0], agg_exp[c].iloc[0]), (check, c)
    assert bool(agg_exp["Direct"].iloc[0]) == direct


@needs_suite
def test_known_fact_vo_eo_veo_node_recall():
    # data/README: VO 0.789, EO 0.308, VEO 0.545, node recall 0.833
    # (checkfile test_2_1: test_case_2, system output 1)
    row = score_graph_building(SUITE, "test_case_2", "test_case_2-system_output_1_index.csv").iloc[0]
    assert (round(row.SimNO, 3), round(row.SimLO, 3), round(row.SimNLO, 3), round(row.NodeRecall, 3)) == (
        0.789, 0.308, 0.545, 0.833)


@needs_suite
@pytest.mark.parametrize("check, case, index, by_type", FILTERING)
def test_filtering_matches_nist_checkfiles(check, case, index, by_type):
    got = score_filtering(SUITE, case, index, by_node_type=by_type).set_index(["ProvenanceProbeFileID", "NodeType"])
    exp = _read(SUITE / "checkfiles" / check / "trial_scores.csv").set_index(["ProvenanceProbeFileID", "NodeType"])
    assert set(got.index) == set(exp.index)
    cols = [c for c in exp.columns if c.startswith(("Num", "NodeRecall"))]
    for key in exp.index:
        for c in cols:
            assert _same(got.loc[key, c], exp.loc[key, c]), (check, key, c)
    agg_exp = _read(SUITE / "checkfiles" / check / "scores.csv").set_index("NodeType")
    agg_got = aggregate(got.reset_index(), by="NodeType", round_trials=True)
    for t in agg_exp.index:
        for c in agg_exp.columns:
            assert _same(agg_got.loc[t, c], agg_exp.loc[t, c]), (check, t, c)


@needs_suite
def test_antiforensic_donor_edges_are_rejected():
    j = read_journal(SUITE / "reference/provenance/journals/1fafdafac9df0956271b7119ff957546.json")
    assert j.graph["rejected_edges"], "the suite's journal has a Donor edge into an AntiForensic node"
    for s, t in j.graph["rejected_edges"]:
        assert not j.has_edge(s, t)


def test_bad_nist_files_raise(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    with pytest.raises(NistFormatError):
        read_system_output(bad)
    with pytest.raises(NistFormatError):
        read_journal({"nodes": [{"id": "a"}], "links": [{"source": 0, "target": 5}]})
    with pytest.raises(NistFormatError):
        score_graph_building(tmp_path, "nope", "nope.csv")


# ---------------------------------------------------------------- hand-made graphs

T = nx.DiGraph([("r", "a"), ("a", "b"), ("r", "c")])  # r -> a -> b, r -> c


def _g(*edges, nodes=()):
    g = nx.DiGraph(list(edges))
    g.add_nodes_from(nodes)
    return g


HAND = [
    # pred, truth, expected values (hand computed)
    pytest.param(T.copy(), T, dict(root_accuracy=1.0, edge_f1=1.0, undirected_f1=1.0, orientation_accuracy=1.0,
                                   ancestry_f1=1.0, vo=1.0, eo=1.0, veo=1.0, node_recall=1.0), id="perfect"),
    # one edge reversed: a <- b
    pytest.param(_g(("r", "a"), ("b", "a"), ("r", "c")), T,
                 dict(root_accuracy=1.0, edge_precision=2 / 3, edge_recall=2 / 3, undirected_f1=1.0,
                      orientation_accuracy=2 / 3, eo=2 / 3, vo=1.0, veo=(2 * (4 + 2)) / 14,
                      ancestry_precision=2 / 3, ancestry_recall=2 / 4), id="one-reversed"),
    # star from the root: b attached to r instead of a
    pytest.param(_g(("r", "a"), ("r", "b"), ("r", "c")), T,
                 dict(root_accuracy=1.0, edge_f1=2 / 3, undirected_f1=2 / 3, orientation_accuracy=1.0,
                      ancestry_precision=1.0, ancestry_recall=3 / 4), id="star"),
    # wrong root: c is made the origin
    pytest.param(_g(("c", "r"), ("r", "a"), ("a", "b")), T,
                 dict(root_accuracy=0.0, edge_precision=2 / 3, orientation_accuracy=2 / 3, undirected_f1=1.0), id="wrong-root"),
    # no edges predicted, all nodes present
    pytest.param(_g(nodes="rabc"), T,
                 dict(edge_precision=0.0, edge_recall=0.0, edge_f1=0.0, eo=0.0, vo=1.0, node_recall=1.0,
                      veo=8 / 11, root_accuracy=0.0), id="no-edges"),
    # an extra distractor node hung under c
    pytest.param(_g(("r", "a"), ("a", "b"), ("r", "c"), ("c", "x")), T,
                 dict(edge_precision=3 / 4, edge_recall=1.0, vo=8 / 9, node_recall=1.0, root_accuracy=1.0), id="extra-node"),
]


@pytest.mark.parametrize("pred, truth, expected", HAND)
def test_hand_made_graphs(pred, truth, expected):
    s = evaluate(pred, truth).as_dict()
    for k, v in expected.items():
        assert s[k] == pytest.approx(v), k


def test_observed_links_missing_node_parents_to_children():
    # truth r -> m -> {x, y}; m was never collected: NIST links r -> x, r -> y
    truth = _g(("r", "m"), ("m", "x"), ("m", "y"))
    pred = _g(("r", "x"), ("r", "y"))
    s = evaluate(pred, truth, observed=["r", "x", "y"])
    assert (s.edge_f1, s.vo, s.eo, s.n_truth_edges) == (1.0, 1.0, 1.0, 2)
    assert evaluate(pred, truth).edge_f1 == 0.0


def test_reduce_to_chains_and_keeps_attributes():
    g = _g(("a", "h1"), ("h1", "h2"), ("h2", "b"), ("a", "c"))
    g.edges["a", "c"]["kind"] = "explicit"
    r = reduce_to(g, ["a", "b", "c"])
    assert sorted(r.edges) == [("a", "b"), ("a", "c")]
    assert r.edges["a", "b"] == {"linked": True, "via": 2}
    assert r.edges["a", "c"] == {"kind": "explicit"}


def test_direct_paths_and_unknown_probe():
    g = _g(("r", "p"), ("r", "s"), ("p", "c"), ("q", "p"))
    assert sorted(direct_paths(g, "p").edges) == [("p", "c"), ("q", "p"), ("r", "p")]
    with pytest.raises(SpreadError):
        direct_paths(g, "zzz")


def test_nist_undirected_uses_each_system_edge_once():
    ref = {("a", "b"), ("b", "c")}
    s = nist_scores({"a", "b", "c"}, ref, {"a", "b", "c"}, {("b", "a"), ("c", "b")}, undirected=True)
    assert (s.num_correct_links, s.eo) == (2, 1.0)
    d = nist_scores({"a", "b", "c"}, ref, {"a", "b", "c"}, {("b", "a"), ("c", "b")})
    assert (d.num_correct_links, d.num_false_alarm_links, d.eo) == (0, 2, 0.0)


def test_nist_nodes_all_counts_isolated_truth_nodes():
    truth = _g(("r", "a"), nodes=["lonely"])
    pred = _g(("r", "a"), nodes=["lonely"])
    assert evaluate(pred, truth).vo == pytest.approx(2 * 2 / 5)  # NIST: lonely is a false alarm
    assert evaluate(pred, truth, nist_nodes="all").vo == 1.0


def test_empty_and_cyclic_inputs():
    s = evaluate(nx.DiGraph(), nx.DiGraph())
    assert math.isnan(s.root_accuracy) and math.isnan(s.vo) and s.edge_f1 == 1.0
    cyc = _g(("a", "b"), ("b", "a"))
    s = evaluate(cyc, _g(("a", "b")))
    assert s.root_accuracy == 0.0 and s.edge_precision == 0.5


@pytest.mark.parametrize("pred, truth, kw", [
    pytest.param(nx.Graph(), nx.DiGraph(), {}, id="undirected-pred"),
    pytest.param(nx.DiGraph(), [("a", "b")], {}, id="list-truth"),
    pytest.param(nx.DiGraph(), nx.DiGraph(), {"nist_nodes": "some"}, id="bad-option"),
])
def test_bad_inputs_raise(pred, truth, kw):
    with pytest.raises(SpreadError):
        evaluate(pred, truth, **kw)
