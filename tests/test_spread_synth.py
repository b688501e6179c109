"""Tests for kit.spread.synth (synthetic cascades) and benchmarks/bench_trace.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from kit.spread.synth import base_images, make_collection, tree_shapes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ARCHIVE = SHARED / "cascades" / "twitter15_16.tgz"


@pytest.mark.parametrize("broadcast, lo, hi", [
    pytest.param(1.0, 5, 5, id="star"),
    pytest.param(0.0, 10, 20, id="chain-ish"),
    pytest.param(0.6, 20, 40, id="default"),
])
def test_model_shapes_are_timed_trees(broadcast, lo, hi):
    for g in tree_shapes(4, sizes=(lo, hi), seed=3, broadcast=broadcast):
        assert nx.is_arborescence(g) and lo <= g.number_of_nodes() <= hi
        assert all(g.nodes[v]["t_min"] > g.nodes[u]["t_min"] for u, v in g.edges)
        if broadcast == 1.0:
            assert g.out_degree(0) == g.number_of_nodes() - 1


@pytest.mark.skipif(not ARCHIVE.exists(), reason="needs ../shared/data/cascades/twitter15_16.tgz")
@pytest.mark.shared
def test_twitter_shapes_are_prefixes_of_real_trees():
    shapes = tree_shapes(3, sizes=(20, 30), seed=0, archive=ARCHIVE)
    for g in shapes:
        assert nx.is_arborescence(g) and 20 <= g.number_of_nodes() <= 30
        times = [g.nodes[v]["t_min"] for v in sorted(g)]
        assert times == sorted(times)  # node ids follow time order


@pytest.fixture(scope="module")
def col(tmp_path_factory):
    pics = [np.asarray(p) for p in base_images(("chelsea.png", "coffee.png", "rocket.jpg"), side=160)]
    return make_collection(tmp_path_factory.mktemp("synth"), n_cascades=3, sizes=(12, 18), seed=5, images=pics,
                           drop=(0.3, 0.3), explicit_p=1.0, explicit_root_p=0.5)


def test_collection_truth_is_reduced_to_collected_posts(col):
    tp = col.true_posts
    assert set(col.truth) == set(col.posts["post_id"]) == set(tp.loc[~tp["dropped"], "post_id"])
    assert not tp.loc[tp["dropped"]].empty
    # a dropped post is never a leaf and never an origin
    full = nx.DiGraph([(p, c) for c, p in zip(tp["post_id"], tp["true_parent"]) if p is not None])
    for pid in tp.loc[tp["dropped"], "post_id"]:
        assert full.out_degree(pid) > 0 and full.in_degree(pid) == 1
        for child in full.successors(pid):
            if child in col.truth:
                assert col.truth.has_edge(next(iter(full.predecessors(pid))), child) or \
                    next(iter(full.predecessors(pid))) not in col.truth
    assert nx.is_forest(col.truth)
    assert (tp["role"] == "distractor").sum() == 3
    for d in tp.loc[tp["role"] == "distractor", "post_id"]:
        assert col.truth.degree(d) == 0


def test_shares_reuse_bytes_and_reuploads_do_not(col):
    tp = col.true_posts.set_index("post_id")
    for pid, r in tp.iterrows():
        if r["role"] == "share":
            assert r["media_sha256"] == tp.loc[r["true_parent"], "media_sha256"]
        elif r["role"] == "reupload":
            assert r["media_sha256"] != tp.loc[r["true_parent"], "media_sha256"] and r["edits"]
    assert len(col.media) == col.posts["media_sha256"].nunique()
    assert all(Path(p).exists() for p in col.media["path"])


def test_explicit_links_name_the_parent_or_an_earlier_chain_post(col):
    tp = col.true_posts.set_index("post_id")
    full = nx.DiGraph([(p, c) for c, p in zip(tp.index, tp["true_parent"]) if p is not None])
    kinds = {"parent": 0, "chain": 0}
    for pid, link in zip(col.posts["post_id"], col.posts["parent_post_id"]):
        if link is None or pd.isna(link):
            continue
        assert link in col.truth
        kinds["parent" if tp.loc[pid, "true_parent"] == link else "chain"] += 1
        assert link in nx.ancestors(full, pid)
    assert kinds["parent"] > 0 and kinds["chain"] > 0


def test_timestamps_are_noisy_or_missing(col):
    t = col.posts.set_index("post_id")["posted_at"]
    true = col.true_posts.set_index("post_id")["true_time"].loc[t.index]
    assert t.isna().any() and (t.dropna() != true[t.notna()]).any()


@pytest.mark.slow
def test_bench_trace_small_prints_every_method(capsys):
    spec = importlib.util.spec_from_file_location("bench_trace", ROOT / "benchmarks" / "bench_trace.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table, info = bench.run(cascades=2, sizes=(8, 12), seed=1, archive=None)
    assert set(table["method"]) == {"ours", "ours, no timestamps", "ours, no engagement counts",
                                    "earliest (matcher clusters)",
                                    "earliest (true clusters)", "preceding (matcher clusters)", "explicit only",
                                    "truth"}
    t = table.set_index("method")
    assert set(bench.COLS) <= set(t.columns)
    assert t.loc["explicit only", "edge_precision"] >= 0.5  # links name the parent or the origin
    assert t.loc["ours", "edge_f1"] > t.loc["preceding (matcher clusters)", "edge_f1"]
    assert info["shapes"] == "fallback model"
