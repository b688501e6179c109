"""Tests for kit.demo.collections / collection_edits / trees (synthetic collections) and benchmarks/bench_trace.py.

Besides the structure of a collection, these tests check that no field encodes the answer: share
counts are not the number of children, post ids and row order do not follow time, delays are not
always minutes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from kit.demo.collection_edits import EDIT_OPS, apply_edit, encode
from kit.demo.collections import FAMILIES, HELD_OUT_FAMILIES, base_images, make_collection
from kit.demo.edits import EDITS
from kit.demo.trees import tree_shapes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ARCHIVE = SHARED / "cascades" / "twitter15_16.tgz"


@pytest.mark.parametrize("kind, broadcast, lo, hi", [
    pytest.param("model", 1.0, 5, 5, id="star"),
    pytest.param("model", 0.0, 10, 20, id="chain-ish"),
    pytest.param("model", 0.6, 20, 40, id="default"),
    pytest.param("chain", 0.6, 20, 30, id="deep"),
])
def test_model_shapes_are_timed_trees(kind, broadcast, lo, hi):
    shapes = tree_shapes(4, sizes=(lo, hi), seed=3, broadcast=broadcast, kind=kind)
    for g in shapes:
        assert nx.is_arborescence(g) and lo <= g.number_of_nodes() <= hi
        assert all(g.nodes[v]["t_min"] > g.nodes[u]["t_min"] for u, v in g.edges)
        if broadcast == 1.0 and kind == "model":
            assert g.out_degree(0) == g.number_of_nodes() - 1
    if kind == "chain":  # chains of 6+ edits occur
        assert max(max(nx.single_source_shortest_path_length(g, 0).values()) for g in shapes) >= 6


@pytest.mark.skipif(not ARCHIVE.exists(), reason="needs ../shared/data/cascades/twitter15_16.tgz")
@pytest.mark.shared
def test_twitter_shapes_are_prefixes_of_real_trees():
    shapes = tree_shapes(3, sizes=(20, 30), seed=0, archive=ARCHIVE)
    for g in shapes:
        assert nx.is_arborescence(g) and 20 <= g.number_of_nodes() <= 30
        times = [g.nodes[v]["t_min"] for v in sorted(g)]
        assert times == sorted(times)  # node ids follow time order


@pytest.mark.parametrize("op", sorted(EDIT_OPS))
def test_every_edit_changes_the_picture(op):
    from PIL import Image

    img = Image.fromarray(base_images(("coffee.png",), side=160)[0])
    out, params = apply_edit(img, op, np.random.default_rng(1))
    assert params["op"] == op and out.mode == "RGB"
    assert out.size != img.size or not np.array_equal(np.asarray(out), np.asarray(img))


def test_the_collections_draw_their_edits_from_the_one_registry():
    assert set(EDIT_OPS) <= set(EDITS)


def test_encode_draws_quality_and_png():
    from PIL import Image

    img = Image.fromarray(np.zeros((20, 20, 3), np.uint8))
    data, p = encode(img, np.random.default_rng(0))
    assert data[:2] == b"\xff\xd8" and 60 <= p["q"] <= 95
    assert encode(img, np.random.default_rng(0), png=True)[0][:4] == b"\x89PNG"


@pytest.fixture(scope="module")
def pics():
    return [np.asarray(p) for p in base_images(("chelsea.png", "coffee.png", "rocket.jpg"), side=160)]


@pytest.fixture(scope="module")
def col(tmp_path_factory, pics):
    return make_collection(tmp_path_factory.mktemp("synth"), family="platform_counts", n_cascades=3, sizes=(14, 20),
                           seed=5, images=pics, drop=(0.3, 0.3), explicit_p=1.0, explicit_root_p=0.5,
                           source_p=1.0, lookalike_p=1.0, donor_p=0.0)


def test_collection_truth_is_reduced_to_collected_posts(col):
    tp = col.true_posts
    assert set(col.truth) == set(col.posts["post_id"]) == set(tp.loc[~tp["dropped"], "post_id"])
    assert not tp.loc[tp["dropped"]].empty
    full = nx.DiGraph([(p, c) for c, p in zip(tp["post_id"], tp["true_parent"]) if p is not None])
    for pid in tp.loc[tp["dropped"], "post_id"]:  # a dropped post is never a leaf and never an origin
        assert full.out_degree(pid) > 0 and full.in_degree(pid) == 1
    assert nx.is_forest(col.truth)
    for role in ("lookalike", "source"):
        for d in tp.loc[tp["role"] == role, "post_id"]:
            assert col.truth.degree(d) == 0
    # the composite's source photo is recorded as a typed relation, not a repost
    assert set(col.relations["relation"]) == {"source"} and len(col.relations) == 3
    assert all(col.truth.in_degree(c) == 0 for c in col.relations["child"])


def test_shares_reuse_bytes_and_reuploads_do_not(col):
    tp = col.true_posts.set_index("post_id")
    for pid, r in tp.iterrows():
        if r["role"] == "share":
            assert r["media_sha256"] == tp.loc[r["true_parent"], "media_sha256"] and not r["edits"]
        elif r["role"] == "reupload":
            assert r["media_sha256"] != tp.loc[r["true_parent"], "media_sha256"]
            assert [e["op"] for e in r["edits"]][-1] in ("jpeg", "png") and len(r["edits"]) >= 2
    assert len(col.media) == col.posts["media_sha256"].nunique()
    assert all(Path(p).exists() and Path(p).stem == s[:16] for p, s in zip(col.media["path"], col.media["sha256"]))


def test_no_field_encodes_the_answer(col):
    tp = col.true_posts.set_index("post_id")
    posts = col.posts
    full = nx.DiGraph([(p, c) for c, p in zip(tp.index, tp["true_parent"]) if isinstance(p, str)])
    children = {p: full.out_degree(p) if p in full else 0 for p in posts["post_id"]}
    shown = posts.set_index("post_id")["shares"].dropna()
    assert (shown != pd.Series(children).loc[shown.index]).mean() > 0.5  # counts are not the number of children
    order = posts.dropna(subset=["posted_at"])
    assert not order["posted_at"].is_monotonic_increasing  # rows are not in time order
    assert not order.sort_values("posted_at")["post_id"].is_monotonic_increasing  # nor are the ids
    # a share shows no counts of its own on X (the platform credits the original)
    shares_on_x = tp[(tp["role"] == "share") & (tp["platform"] == "x") & ~tp["dropped"]].index
    assert (posts.set_index("post_id").loc[shares_on_x, "views"].isna()).all()


def test_explicit_links_name_the_parent_or_an_earlier_chain_post(col):
    tp = col.true_posts.set_index("post_id")
    full = nx.DiGraph([(p, c) for c, p in zip(tp.index, tp["true_parent"]) if p is not None])
    kinds = {"parent": 0, "chain": 0}
    for pid, link in zip(col.posts["post_id"], col.posts["parent_post_id"]):
        if link is None or pd.isna(link):
            continue
        assert link in col.truth and link in nx.ancestors(full, pid)
        assert tp.loc[link, "platform"] == tp.loc[pid, "platform"]  # a platform's own link
        kinds["parent" if tp.loc[pid, "true_parent"] == link else "chain"] += 1
    assert kinds["parent"] > 0 and kinds["chain"] > 0


def test_timestamps_are_noisy_or_missing_and_delays_are_hours(col):
    t = col.posts.set_index("post_id")["posted_at"]
    true = col.true_posts.set_index("post_id")["true_time"].loc[t.index]
    assert t.isna().any() and (t.dropna() != true[t.notna()].dt.floor("s")).any()
    tp = col.true_posts.set_index("post_id")
    gaps = [(tp.loc[c, "true_time"] - tp.loc[p, "true_time"]).total_seconds() / 3600
            for c, p in zip(tp.index, tp["true_parent"]) if isinstance(p, str)]
    assert np.median(gaps) > 0.5


def test_families_differ_where_they_say(tmp_path, pics):
    assert set(HELD_OUT_FAMILIES) <= set(FAMILIES)
    none = make_collection(tmp_path / "a", family="no_time_no_links", n_cascades=1, sizes=(8, 8), seed=1, images=pics)
    assert none.posts["posted_at"].isna().all() and none.posts["parent_post_id"].isna().all()
    edited = make_collection(tmp_path / "b", family="all_edited", n_cascades=1, sizes=(8, 8), seed=1, images=pics)
    assert not (edited.true_posts["role"] == "share").any()
    assert "likes" not in make_collection(tmp_path / "c", family="no_counts", n_cascades=1, sizes=(6, 6), seed=1,
                                          images=pics).posts
    with pytest.raises(ValueError, match="unknown family"):
        make_collection(tmp_path / "d", family="nope")


@pytest.mark.slow
def test_bench_trace_small_prints_every_method(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_trace", ROOT / "benchmarks" / "bench_trace.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table, info = bench.run_one("no_counts", 1, cascades=2, sizes=(8, 12), archive=None, cache=tmp_path)
    assert set(table["method"]) == {"ours", "explicit-else-earliest", "earliest"}
    t = table.set_index("method")
    assert t.loc["ours", "edge_f1"] >= t.loc["earliest", "edge_f1"]
    assert info["posts"] > 10 and info["lineage_s"] > 0


def test_every_repost_is_made_from_its_parents_file_as_posted(tmp_path):
    # the origin's re-uploads too: they were made from the composite's pixels before its JPEG encode,
    # so none carried the origin's JPEG history, which every later re-upload carries of its parent's
    import io

    from PIL import Image

    from kit.demo.collections import _repost, _Writer
    from kit.media import load_image

    (tmp_path / "media").mkdir()
    wr = _Writer(tmp_path, np.random.default_rng(4))
    fake = Image.fromarray(base_images(("coffee.png",), side=160)[0])
    p = {"share_p": 0.0, "edits": (1, 1)}
    origin = _repost(wr, fake, None, p)
    posted = load_image(Path(wr.media[origin["sha"]]["path"]), mode="RGB")
    assert np.array_equal(np.asarray(origin["img"]), posted)
    child = _repost(wr, fake, origin, p)
    assert np.array_equal(np.asarray(child["img"]), np.asarray(Image.open(io.BytesIO(
        Path(wr.media[child["sha"]]["path"]).read_bytes())).convert("RGB")))
