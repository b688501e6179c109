"""Tests for kit.spread.metrics (cascade metrics, structural virality)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from kit.spread.errors import SpreadError
from kit.spread.metrics import metrics, size_bin, structural_virality

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TGZ = SHARED / "cascades" / "twitter15_16.tgz"


@pytest.mark.parametrize("n", [2, 3, 5, 50, 1000])
def test_structural_virality_star(n):
    # Goel et al. 2016: a broadcast (star) of n nodes has nu = 2(n-1)/n
    star = nx.DiGraph([(0, i) for i in range(1, n)])
    assert structural_virality(star) == pytest.approx(2 * (n - 1) / n)


@pytest.mark.parametrize("n", [2, 3, 4, 10, 1000])
def test_structural_virality_path(n):
    # a chain of n nodes: mean pairwise distance (n + 1) / 3
    assert structural_virality(nx.path_graph(n, create_using=nx.DiGraph)) == pytest.approx((n + 1) / 3)


def _random_tree(n: int, seed: int) -> nx.DiGraph:
    rng = random.Random(seed)
    g = nx.DiGraph()
    g.add_node(0)
    g.add_edges_from((rng.randrange(i), i) for i in range(1, n))
    return g


@pytest.mark.parametrize("n, seed", [(2, 0), (7, 1), (40, 2), (150, 3), (300, 4)])
def test_structural_virality_equals_networkx_all_pairs(n, seed):
    t = _random_tree(n, seed)
    fast = structural_virality(t)
    assert fast == pytest.approx(nx.average_shortest_path_length(t.to_undirected()))
    assert metrics(t).trees.loc[0, "structural_virality"] == pytest.approx(fast)


@pytest.mark.parametrize("g", [
    pytest.param(nx.DiGraph([(0, 1), (1, 2), (2, 0)]), id="cycle"),
    pytest.param(nx.DiGraph([(0, 1), (2, 3)]), id="forest"),
    pytest.param(nx.DiGraph(), id="empty"),
])
def test_structural_virality_rejects_non_trees(g):
    with pytest.raises(SpreadError):
        structural_virality(g)


def test_single_node_has_nan_virality():
    g = nx.DiGraph()
    g.add_node("x")
    assert math.isnan(structural_virality(g))
    row = metrics(g).trees.iloc[0]
    assert row["size"] == 1 and row["depth"] == 0 and row["max_breadth"] == 1 and math.isnan(row["structural_virality"])


@pytest.mark.parametrize("n, label", [
    (1, "1"), (2, "2-9"), (9, "2-9"), (10, "10-99"), (999, "100-999"), (1000, "1000-9999"), (10000, "10000+"),
])
def test_size_bins(n, label):
    assert size_bin(n) == label


T0 = pd.Timestamp("2026-01-01T00:00:00Z")


def _incident() -> nx.DiGraph:
    """o (x, 0 min) -> a (x, 1) -> c (y, 5) -> e (z, 9); o -> b (y, 3) -> d (y, 4); lone (x, 2)."""
    g = nx.DiGraph()
    spec = {"o": ("x", 0, "V1", "acc0"), "a": ("x", 1, "V1", "acc1"), "b": ("y", 3, "V2", "acc2"),
            "c": ("y", 5, "V1", "acc3"), "d": ("y", 4, "V2", "acc4"), "e": ("z", 9, "V3", "acc5"),
            "lone": ("x", 2, "V9", "acc6")}
    for n, (p, m, v, a) in spec.items():
        g.add_node(n, platform=p, posted_at=T0 + pd.Timedelta(minutes=m), variant=v, account=a)
    g.add_edge("o", "a", kind="explicit")
    g.add_edge("o", "b", kind="inferred")
    g.add_edges_from([("a", "c"), ("b", "d"), ("c", "e")])
    return g


def test_incident_metrics():
    m = metrics(_incident(), n_reposts=(2, 5, 6))
    t = m.trees.set_index("root")
    assert list(t.index) == ["o", "lone"]  # largest first
    o = t.loc["o"]
    assert (o["size"], o["size_bin"], o["depth"], o["max_breadth"], o["edges"]) == (6, "2-9", 3, 2, 5)
    # pairwise distances of the undirected tree, by hand: sum 35 over 15 pairs
    assert o["structural_virality"] == pytest.approx(35 / 15)
    assert o["time_to_2"] == pd.Timedelta(minutes=3)
    assert o["time_to_5"] == pd.Timedelta(minutes=9)
    assert pd.isna(o["time_to_6"])
    assert (o["n_platforms"], o["n_variants"]) == (3, 3)

    reach = m.reach[m.reach.root == "o"]
    assert reach[["platform", "posts", "first_post", "hop"]].values.tolist() == [
        ["x", 2, "o", 1], ["y", 3, "b", 2], ["z", 1, "e", 3]]
    assert set(reach["size"]) == {6}

    hops = m.hops.sort_values("child")
    assert hops[["parent", "child", "from_platform", "to_platform"]].values.tolist() == [
        ["o", "b", "x", "y"], ["a", "c", "x", "y"], ["c", "e", "y", "z"]]
    assert hops.set_index("child").loc["e", "gap"] == pd.Timedelta(minutes=4)

    sp = m.spreaders
    assert sp[["node", "descendants"]].values.tolist()[:3] == [["o", 5], ["a", 2], ["b", 1]]
    assert set(sp.columns) >= {"size", "size_bin"}

    orig = m.origins.set_index("node")
    assert orig.loc["o", "earliest"] and "earliest timestamp" in orig.loc["o", "evidence"]
    assert "1 explicit" in orig.loc["o", "evidence"] and "1 inferred" in orig.loc["o", "evidence"]
    assert orig.loc["lone", "size"] == 1

    tl = m.timeline.set_index(["kind", "key"])
    assert tl.loc[("platform", "y"), "first_post"] == "b"
    assert tl.loc[("variant", "V1"), "posts"] == 3 and tl.loc[("variant", "V9"), "root"] == "lone"
    assert tl.loc[("variant", "V3"), "first_seen"] == T0 + pd.Timedelta(minutes=9)
    for df in (m.trees, m.reach, m.hops, m.spreaders, m.origins, m.timeline):
        assert {"size", "size_bin"} <= set(df.columns)


def test_root_not_earliest_is_flagged():
    g = nx.DiGraph([("late", "early")])
    g.nodes["late"]["posted_at"] = 10.0
    g.nodes["early"]["posted_at"] = 1.0
    o = metrics(g).origins.iloc[0]
    assert o["earliest"] is False or o["earliest"] == False  # noqa: E712
    assert "NOT the earliest" in o["evidence"]


def test_untimed_graph_and_missing_attributes():
    m = metrics(nx.DiGraph([(1, 2), (1, 3)]))
    row = m.trees.iloc[0]
    assert row["first_seen"] is None and pd.isna(row["time_to_10"])
    assert m.reach.empty and m.hops.empty and m.timeline.empty
    assert m.origins.iloc[0]["earliest"] is None


def test_dag_and_cycle_components():
    dag = nx.DiGraph([("r1", "c"), ("r2", "c")])  # two parents: not a tree
    cyc = nx.DiGraph([("p", "q"), ("q", "p")])
    for n, t in {"r1": 0.0, "r2": 1.0, "c": 2.0, "p": 5.0, "q": 4.0}.items():
        (dag if n in dag else cyc).add_node(n, posted_at=t)
    m = metrics(nx.union(dag, cyc))
    t = m.trees.set_index("root")
    assert t.loc["r1", "n_roots"] == 2
    assert t.loc["r1", "structural_virality"] == pytest.approx(nx.average_shortest_path_length(dag.to_undirected()))
    assert t.loc["q", "size"] == 2  # the cycle starts at its earliest node
    assert "cycle" in m.origins.set_index("node").loc["q", "evidence"]


def test_mapping_input_adds_cascade_column():
    m = metrics({"one": _random_tree(5, 0), "two": _random_tree(8, 1)}, top=2)
    assert list(m.trees["cascade"]) == ["one", "two"]
    assert list(m.trees["size"]) == [5, 8]
    assert m.spreaders.groupby("cascade").size().max() <= 2


@pytest.mark.parametrize("bad", [nx.Graph([(0, 1)]), [(0, 1)], {"x": nx.Graph()}], ids=["graph", "list", "mapping"])
def test_bad_input_raises(bad):
    with pytest.raises(SpreadError):
        metrics(bad)


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.skipif(not TGZ.exists(), reason="shared Twitter15/16 archive absent")
def test_twitter15_16_structural_virality_medians():
    from kit.spread.cascades import load_twitter15_16

    cs = load_twitter15_16(TGZ)
    m = metrics(cs.trees, time_attr="t_min")
    assert len(m.trees) == 2308
    med = m.trees.groupby(m.trees["cascade"].str.split("/").str[0])["structural_virality"].median()
    # published reference for these trees: about 2.3-2.4
    assert 2.25 <= med["twitter15"] <= 2.45 and 2.25 <= med["twitter16"] <= 2.45
