"""Tests for kit.spread.build and kit.spread.orient (graph building, direction cues)."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from kit.spread.build import build, dissimilarity
from kit.spread.content import EVIDENCE_COLUMNS
from kit.spread.errors import SpreadError
from kit.spread.orient import direction_cues, direction_probability

T0 = pd.Timestamp("2026-03-01T00:00:00Z")


def _posts(rows):
    """rows: (post_id, minutes or None, sha, parent, platform)."""
    return pd.DataFrame({
        "post_id": [r[0] for r in rows],
        "posted_at": [pd.NaT if r[1] is None else T0 + pd.Timedelta(minutes=r[1]) for r in rows],
        "media_sha256": [r[2] for r in rows],
        "parent_post_id": [r[3] for r in rows],
        "platform": [r[4] if len(r) > 4 else "x" for r in rows],
        "account": [f"acc_{r[0]}" for r in rows],
    })


def _pair(a, b, algo="pdq", distance=8.0, transform=None, inliers=0, verified=False, decision="match"):
    return {"a": a, "b": b, "algorithm": algo, "distance": distance, "verified": verified, "inliers": inliers,
            "transform": transform, "decision": decision}


CROP = {"scale": 1.0, "rotation_deg": 0.0, "mirror": False, "overlap_a": 0.6, "overlap_b": 1.0}
DOWNSCALE = {"scale": 2.0, "rotation_deg": 0.0, "mirror": False, "overlap_a": 1.0, "overlap_b": 1.0}


@pytest.mark.parametrize("u, v, pair, u_is_a, expect", [
    pytest.param({"posted_at": T0}, {"posted_at": T0 + pd.Timedelta(hours=1)}, None, True, {"time": 1}, id="earlier"),
    pytest.param({"posted_at": T0 + pd.Timedelta(hours=1)}, {"posted_at": T0}, None, True, {"time": -1}, id="later"),
    pytest.param({"posted_at": T0, "time_source": "none"}, {"posted_at": T0}, None, True, {}, id="unreliable-time"),
    pytest.param({}, {}, {"transform": DOWNSCALE}, True, {"resolution": 1}, id="sharper-is-parent"),
    pytest.param({}, {}, {"transform": DOWNSCALE}, False, {"resolution": -1}, id="sharper-is-b"),
    pytest.param({}, {}, {"transform": CROP}, True, {"containment": 1}, id="crop-of-a"),
    pytest.param({}, {"added_content": True}, {"transform": CROP}, True, {"added_content": 1}, id="caption-bar"),
    pytest.param({"jpeg_quality": 95}, {"jpeg_quality": 70}, None, True, {"quality": 1}, id="quality-drop"),
    pytest.param({"has_exif": False}, {"has_exif": True}, None, True, {"metadata": -1}, id="exif-gained"),
    pytest.param({"media_sha256": "s1"}, {"c2pa_ingredients": ["s1"]}, None, True, {"c2pa": 1}, id="c2pa-ingredient"),
])
def test_direction_cue_signs(u, v, pair, u_is_a, expect):
    cues = direction_cues(u, v, pair, u_is_a=u_is_a)
    assert {k: (c > 0) - (c < 0) for k, c in cues.items() if k in expect or abs(c) > 1e-9} == expect
    p = direction_probability(cues)
    if expect:
        assert (p > 0.5) == (sum(expect.values()) > 0)


@pytest.mark.parametrize("pair, expected", [
    pytest.param(None, 0.0, id="identical"),
    pytest.param({"algorithm": "pdq", "distance": 32}, 0.5, id="pdq"),
    pytest.param({"algorithm": "phash", "distance": 8}, 0.25, id="phash"),
    pytest.param({"algorithm": "vpdq", "distance": 80}, 0.2, id="vpdq"),
    pytest.param({"algorithm": "sift", "inliers": 100, "verified": True}, 0.35, id="sift"),
])
def test_dissimilarity(pair, expected):
    assert dissimilarity(pair) == pytest.approx(expected)


def test_same_bytes_and_matches_make_one_tree_rooted_at_the_origin():
    posts = _posts([("o", 0, "s1", None), ("r1", 5, "s1", None), ("c", 30, "s2", None), ("d", 40, "s3", None),
                    ("lone", 1, "zz", None)])
    pairs = pd.DataFrame([_pair("s1", "s2", transform=CROP), _pair("s2", "s3", distance=4.0)])
    g = build(posts, pairs)
    assert nx.is_branching(g)
    roots = {n for n in g if g.in_degree(n) == 0}
    assert roots == {"o", "lone"}
    assert g.has_edge("c", "d") and g.edges["c", "d"]["kind"] == "inferred"
    assert nx.has_path(g, "o", "d")
    assert g.nodes["lone"]["origin_evidence"].startswith("no candidate parent")
    assert g.nodes["c"]["variant"] == g.nodes["o"]["variant"] != g.nodes["lone"]["variant"]
    e = g.edges["c", "d"]
    assert e["algorithm"] == "pdq" and e["direction_cue"] == "time" and 0 < e["confidence"] <= 1
    assert e["time_gap_s"] == 600.0
    assert g.graph["alternatives"]["d"][0][0] == "c"


def test_direction_from_content_without_timestamps():
    # no times: the downscaled copy (b) must hang under the sharper one (a)
    posts = _posts([("small", None, "sb", None), ("big", None, "sa", None)])
    g = build(posts, pd.DataFrame([_pair("sa", "sb", transform=DOWNSCALE)]))
    assert list(g.edges) == [("big", "small")]
    assert g.edges["big", "small"]["direction_cue"] in {"resolution", "containment"}


def test_explicit_link_is_kept_and_refined_when_content_names_a_closer_parent():
    # explicit links name the original; content and time say c2 came through c1 (a crop of a crop)
    posts = _posts([("o", 0, "s0", None), ("c1", 10, "s1", "o"), ("c2", 20, "s2", "o"), ("x", 30, "s0", "o")])
    pairs = pd.DataFrame([_pair("s0", "s1", distance=20.0, transform=CROP),
                          _pair("s1", "s2", distance=2.0, transform=CROP),
                          _pair("s0", "s2", distance=40.0, transform=CROP)])
    g = build(posts, pairs)
    assert g.edges["o", "c1"]["kind"] == "explicit"
    assert g.edges["o", "x"]["kind"] == "explicit"
    assert g.has_edge("c1", "c2") and g.edges["c1", "c2"]["refines_explicit"] == "o"
    assert g.nodes["c2"]["explicit_parent"] == "o"


def test_analyst_decision_overrides():
    posts = _posts([("o", 0, "s1", None), ("a", 5, "s1", None), ("b", 9, "s1", "a")])
    dec = pd.DataFrame({"id": [1, 2], "at": ["t1", "t2"], "analyst": ["ana", "ana"], "kind": ["spread.parent"] * 2,
                        "subject": ["b", "a"], "value": ["o", None], "note": [None, None]})
    g = build(posts, None, decisions=dec)
    assert g.edges["o", "b"]["kind"] == "analyst"
    assert g.in_degree("a") == 0 and g.nodes["a"]["origin_evidence"] == "analyst marked it as an origin"


def test_review_pairs_only_with_include_review():
    posts = _posts([("o", 0, "s1", None), ("c", 5, "s2", None)])
    pairs = pd.DataFrame([_pair("s1", "s2", algo="phash", distance=14.0, decision="review")])
    assert build(posts, pairs).number_of_edges() == 0
    assert list(build(posts, pairs, include_review=True).edges) == [("o", "c")]


def test_media_facts_become_node_attributes():
    posts = _posts([("o", 0, "s1", None)])
    media = pd.DataFrame({"sha256": ["s1"], "jpeg_quality": [92], "has_exif": [True]})
    g = build(posts, None, media=media)
    assert g.nodes["o"]["jpeg_quality"] == 92 and g.nodes["o"]["has_exif"] is True


@pytest.mark.parametrize("posts, pairs", [
    pytest.param(pd.DataFrame({"x": [1]}), None, id="no-post-id"),
    pytest.param([{"post_id": "a"}], None, id="not-a-frame"),
    pytest.param(pd.DataFrame({"post_id": ["a", "a"]}), None, id="duplicate-ids"),
    pytest.param(pd.DataFrame({"post_id": ["a"]}), pd.DataFrame({"x": [1]}), id="bad-pairs"),
])
def test_bad_inputs_raise(posts, pairs):
    with pytest.raises(SpreadError):
        build(posts, pairs)


def _evidence(rows):
    """rows: (a, b, residual, changed, scale, overlap_a, overlap_b, mirror, chroma_a, chroma_b)."""
    out = []
    for a, b, res, ch, sc, oa, ob, mir, ca, cb in rows:
        out.append({"a": a, "b": b, "inliers": 60, "residual": res, "changed": ch, "residual_l": res,
                    "changed_l": ch, "chroma_a": ca, "chroma_b": cb, "scale": sc, "overlap_a": oa,
                    "overlap_b": ob, "mirror": mir})
    return pd.DataFrame(out, columns=EVIDENCE_COLUMNS)


def test_aligned_evidence_picks_the_closest_copy_as_parent():
    # o -> a (overlay added) -> c (crop of a): c keeps a's overlay, so a is closer than o
    posts = _posts([("o", 0, "so", None), ("a", 10, "sa", None), ("c", 20, "sc", None)])
    ev = _evidence([("so", "sa", 0.30, 0.10, 1.0, 1.0, 1.0, False, 20, 20),
                    ("sa", "sc", 0.05, 0.00, 1.0, 0.6, 1.0, False, 20, 20),
                    ("so", "sc", 0.30, 0.12, 1.0, 0.6, 1.0, False, 20, 20)])
    g = build(posts, None, evidence=ev)
    assert sorted(g.edges) == [("a", "c"), ("o", "a")]
    e = g.edges["a", "c"]
    assert e["algorithm"] == "aligned" and e["residual"] == pytest.approx(0.05)
    assert set(e["cost_parts"]) == {"content", "direction", "recency", "audience", "platform", "shares"}


def _shared(rows):
    """rows: (post_id, minutes, shares, likes); all posts hold the same bytes."""
    posts = _posts([(r[0], r[1], "s1", None) for r in rows])
    # one account: the audience term is the same for every candidate
    return posts.assign(shares=[r[2] for r in rows], likes=[r[3] for r in rows], account="acc")


def test_share_count_picks_the_shared_copy_among_identical_ones():
    # o is shared by a and b; a itself was never shared (0 shares, but it shows likes);
    # b came after a, and by time alone would hang under a (recency), by counts under o
    posts = _shared([("o", 0, 2, 40), ("a", 60, 0, 3), ("b", 120, 0, 2)])
    g = build(posts, None)
    assert sorted(g.edges) == [("o", "a"), ("o", "b")]
    assert g.graph["alternatives"]["b"][1][0] == "a"  # the runner-up paid for being unshared
    assert g.nodes["a"]["shares"] == 0
    off = build(posts, None, share_weight=0.0, unshared_cost=0.0)  # the cue switched off: time decides
    assert sorted(off.edges) == [("a", "b"), ("o", "a")]


def test_zero_counts_without_any_engagement_are_unknown():
    # an X retweet shows no counts of its own (likes 0, shares 0, no views): not "never shared"
    posts = _shared([("o", 0, 2, 40), ("rt", 5, 0, 0), ("a", 6, 0, 3), ("b", 9, 0, 2)])
    g = build(posts, None)
    assert g.nodes["rt"]["shares"] is None and g.nodes["a"]["shares"] == 0
    cost = dict(g.graph["alternatives"]["b"])
    assert cost["a"] - cost["rt"] > 0.5  # a pays unshared_cost (0.6), rt nothing


def test_uncovered_content_and_lost_colour_set_direction_without_time():
    # no times: the grayscale crop must hang under the colour original, not the reverse
    posts = _posts([("gray", None, "sg", None), ("colour", None, "sc", None)])
    ev = _evidence([("sc", "sg", 0.1, 0.0, 1.0, 0.6, 1.0, False, 20.0, 0.5)])
    g = build(posts, None, evidence=ev)
    assert list(g.edges) == [("colour", "gray")]
    assert g.edges["colour", "gray"]["cues"]["colour"] == 1.0


def test_look_alike_above_max_content_stays_an_origin():
    posts = _posts([("fake", 0, "sf", None), ("real", 60, "sr", None)])
    ev = _evidence([("sf", "sr", 1.2, 0.6, 1.0, 1.0, 1.0, False, 20, 20)])
    g = build(posts, None, evidence=ev)
    assert g.number_of_edges() == 0 and g.nodes["real"]["origin_evidence"].startswith("no candidate")


def test_explicit_link_to_the_origin_is_refined_to_a_share_in_its_chain():
    # r2 names the origin o (5 h earlier), but r1 (a share of o, widely seen, 30 min before r2) is likelier
    posts = _posts([("o", 0, "s", None), ("r1", 270, "s", "o"), ("r2", 300, "s", "o")])
    posts["likes"] = [10, 100000, 0]
    g = build(posts, None)
    assert g.has_edge("r1", "r2") and g.edges["r1", "r2"]["refines_explicit"] == "o"
    assert g.edges["o", "r1"]["kind"] == "explicit"


@pytest.mark.parametrize("kind", ["parent", "spread.parent"])
def test_parent_decision_kinds(kind):
    posts = _posts([("o", 0, "s1", None), ("a", 5, "s1", None)])
    dec = pd.DataFrame({"id": [1], "kind": [kind], "subject": ["o"], "value": ["a"]})
    g = build(posts, None, decisions=dec)
    assert list(g.edges(data="kind")) == [("a", "o", "analyst")]


def test_rejected_match_decision_blocks_the_pair():
    posts = _posts([("o", 0, "s1", None), ("c", 5, "s2", None)])
    pairs = pd.DataFrame([_pair("s1", "s2")])
    dec = pd.DataFrame({"id": [1], "kind": ["match"], "subject": ["s1|s2"], "value": ["rejected"]})
    assert build(posts, pairs).has_edge("o", "c")
    assert build(posts, pairs, decisions=dec).number_of_edges() == 0


def test_exif_time_stands_in_for_a_missing_post_time():
    posts = _posts([("a", None, "s1", None), ("b", 30, "s2", None)])
    media = pd.DataFrame({"sha256": ["s1", "s2"], "exif_time": [T0, None]})
    g = build(posts, pd.DataFrame([_pair("s1", "s2")]), media=media)
    assert g.nodes["a"]["time_source"] == "exif" and g.nodes["a"]["posted_at"] == T0
    assert g.nodes["b"]["time_source"] == "platform"
    assert list(g.edges) == [("a", "b")] and 0 < g.edges["a", "b"]["cues"]["time"] < 1  # reliability 0.6
