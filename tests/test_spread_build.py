"""Tests for kit.spread.build (parent choice), kit.spread.cost (cues) and kit.spread.candidates (decisions)."""

from __future__ import annotations

import functools

import networkx as nx
import pandas as pd
import pytest

from kit.spread.build import build, copy_graph
from kit.spread.candidates import parent_decisions
from kit.spread.cost import CONFLICT, lineage_cost, time_penalty
from kit.spread.errors import SpreadError
from kit.spread.evidence import COPY_COLUMNS, LineageEvidence
from kit.spread.pairs import LINEAGE_COLUMNS

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


PLAIN = {"inherited": 0.0, "inherited_out": 0.0, "lacking": 0.0, "overwritten": 0.0, "uncovered": 0.0,
         "lacking_sides": 0, "shared_edges": 0, "mirror_u": False, "mirror_v": False, "rotation_u": 0.0,
         "rotation_v": 0.0, "scale_u": 1.0, "scale_v": 1.0, "gray_u": False, "gray_v": False, "colour_u": 0.0,
         "colour_v": 0.0, "colour_uv": 0.0, "added_u": 0.0, "added_v": 0.0}


def _lineage(rows, media, root_like=()):
    """rows: {(u, v): overrides of PLAIN}; every other ordered pair of ``media`` is plain."""
    pairs = [{"u": u, "v": v, **PLAIN, **rows.get((u, v), {})} for u in media for v in media if u != v]
    copies = [{c: None for c in COPY_COLUMNS} | {"id": m, "group": 0, "registered": True, "root_like": m in root_like}
              for m in media]
    return LineageEvidence(pd.DataFrame(pairs, columns=LINEAGE_COLUMNS), pd.DataFrame(copies, columns=COPY_COLUMNS),
                           pd.DataFrame({"id": list(media), "group": 0}), {})


@pytest.mark.parametrize("row, support, conflict", [
    pytest.param({}, 0.0, 0.0, id="plain"),
    pytest.param({"inherited": 0.05}, pytest.approx(1.5 * 3.258, abs=1e-3), 0.0, id="carries-marks"),
    pytest.param({"inherited": 0.003}, 0.0, 0.0, id="noise-is-no-mark"),
    pytest.param({"inherited": 0.008}, 0.0, 0.0, id="residue-under-1pc-is-no-mark"),
    pytest.param({"inherited": 0.012}, pytest.approx(1.5 * 1.946, abs=1e-3), 0.0, id="a-1pc-logo-is-a-mark"),
    pytest.param({"lacking": 0.02}, 0.0, pytest.approx(2 * 2.398, abs=1e-3), id="lacks-marks"),
    pytest.param({"shared_edges": 2}, 1.6, 0.0, id="shared-crop-edges"),
    pytest.param({"mirror_u": True}, 0.0, CONFLICT["unmirrored"], id="unmirrored"),
    pytest.param({"mirror_u": True, "mirror_v": True}, 1.0, 0.0, id="both-mirrored"),
    pytest.param({"gray_u": True}, 0.0, CONFLICT["colour_regained"], id="colour-regained"),
    pytest.param({"scale_u": 0.5}, 0.0, pytest.approx(4 * 0.9), id="resolution-regained"),
    pytest.param({"scale_u": 0.5, "added_v": 0.3}, 0.0, 0.0, id="screenshot-rerenders"),
    pytest.param({"scale_u": 0.5, "added_u": 0.3, "added_v": 0.3}, 0.0, pytest.approx(4 * 0.9),
                 id="sharper-inside-the-parents-own-frame"),
    pytest.param({"lacking_sides": 1}, 0.0, CONFLICT["cut_addition"], id="addition-cut-exactly"),
    pytest.param({"rotation_u": 2.0, "rotation_v": 2.1}, 1.5, 0.0, id="same-rotation"),
    pytest.param({"scale_u": 0.6, "scale_v": 0.603, "scale_full": 1.0}, 1.0, 0.0, id="keeps-the-parents-resize"),
    pytest.param({"scale_u": 0.6, "scale_v": 0.5, "scale_full": 1.0}, 0.0, 0.0, id="resized-again-says-nothing"),
    pytest.param({"scale_u": 1.0, "scale_v": 1.0, "scale_full": 1.0}, 0.0, 0.0, id="full-size-copies-share-nothing"),
    pytest.param({"scale_u": 0.6, "scale_v": 0.6, "scale_full": 1.0, "added_v": 0.3}, 0.0, 0.0,
                 id="a-screenshot-rerenders-at-any-size"),
    pytest.param({"colour_u": 3.0, "colour_v": 0.2, "colour_uv": 3.0}, 0.0, CONFLICT["unfiltered"],
                 id="filter-undone"),
    pytest.param({"colour_u": 3.0, "colour_v": 3.1, "colour_uv": 0.2}, 1.2, 0.0, id="same-filter"),
    pytest.param({"colour_u": 3.0, "colour_v": 0.2, "colour_uv": 3.0, "gray_v": True}, 0.0, 0.0,
                 id="a-gray-child-says-nothing-of-the-filter"),
])
def test_lineage_cost_cues(row, support, conflict):
    s, c, why, against = lineage_cost({**PLAIN, **row})
    assert s == support and c == conflict
    assert bool(why) == (s > 0) and bool(against) == (c > 0)


def test_time_is_an_order_constraint_not_a_pull():
    u, near, far = ({"posted_at": T0 + pd.Timedelta(minutes=m)} for m in (0, 5, 600))
    assert time_penalty(u, near)[0] == time_penalty(u, far)[0] == 0.0  # older by 5 min or 10 h: the same
    assert time_penalty(far, u)[0] > time_penalty(near, u)[0] > 0  # posted after the child: a penalty
    assert time_penalty({"posted_at": T0, "time_source": "none"}, u) == (0.0, 0.0)


def test_a_child_carrying_the_parents_caption_bar_goes_under_it_not_under_its_sibling():
    # o -> bar (caption bar); o -> meme (a sibling, posted just before the child); bar -> child
    posts = _posts([("o", 0, "so", None), ("bar", 60, "sb", None), ("meme", 170, "sm", None),
                    ("child", 180, "sc", None)])
    lin = _lineage({("sb", "sc"): {"inherited": 0.12, "inherited_out": 0.12},
                    ("sm", "sc"): {"lacking": 0.03}, ("sb", "sm"): {"lacking_sides": 1},
                    ("sm", "sb"): {"lacking": 0.03}}, ["so", "sb", "sm", "sc"], root_like={"so"})
    g = build(posts, lineage=lin)
    assert sorted(g.edges) == [("bar", "child"), ("o", "bar"), ("o", "meme")]
    e = g.edges["bar", "child"]
    assert e["relation"] == "copy" and e["kind"] == "inferred" and e["confidence"] > 0.5
    assert "caption bar" in e["evidence"] and "bar" in e["evidence"]
    assert g.nodes["o"]["first_copy"] and g.nodes["o"]["origin_evidence"].startswith("the first copy")


def test_a_sibling_that_lacks_the_parents_crop_is_not_made_its_child():
    # o -> crop; o -> wide (uncropped sibling, later); wide shows picture crop does not hold
    posts = _posts([("o", 0, "so", None), ("crop", 30, "sc", None), ("wide", 90, "sw", None)])
    lin = _lineage({("sc", "sw"): {"uncovered": 0.15}, ("sw", "sc"): {"shared_edges": 0}},
                   ["so", "sc", "sw"], root_like={"so"})
    g = build(posts, lineage=lin)
    assert sorted(g.edges) == [("o", "crop"), ("o", "wide")]
    alt = dict(g.graph["alternatives"]["wide"])
    assert alt["crop"] > alt["o"] + 2  # the un-crop costs more than the prior


def test_nothing_makes_a_post_a_parent_only_because_it_is_recent_or_popular():
    # identical copies: b is recent and hugely popular, yet c hangs from the first copy o
    posts = _posts([("o", 0, "s", None), ("b", 295, "s", None), ("c", 300, "s", None)])
    posts["likes"], posts["shares"], posts["views"] = [3, 10 ** 6, 0], [0, 50_000, 0], [10, 10 ** 8, 5]
    lin = _lineage({}, ["s"], root_like={"s"})
    g = build(posts, lineage=lin)
    assert sorted(g.edges) == [("o", "b"), ("o", "c")]
    no_counts = build(posts.drop(columns=["likes", "shares", "views"]), lineage=lin)
    assert sorted(no_counts.edges) == sorted(g.edges)


def test_identical_bytes_of_an_edited_copy_carry_its_changes():
    # m is an edited copy; s shares m's bytes: it hangs under m, not the first copy
    posts = _posts([("o", 0, "so", None), ("m", 10, "sm", None), ("s", 20, "sm", None)])
    g = build(posts, lineage=_lineage({}, ["so", "sm"], root_like={"so"}))
    assert g.has_edge("m", "s") and g.edges["m", "s"]["algorithm"] == "identical"


def test_explicit_link_is_kept_and_refined_when_content_names_a_closer_parent():
    # c2 links the chain's first post o, but carries c1's marks (c1 is the closer parent)
    posts = _posts([("o", 0, "so", None), ("c1", 10, "s1", "o"), ("c2", 20, "s2", "o"), ("x", 30, "so", "o")])
    lin = _lineage({("s1", "s2"): {"inherited": 0.2}}, ["so", "s1", "s2"], root_like={"so"})
    g = build(posts, lineage=lin)
    assert g.edges["o", "c1"]["kind"] == "explicit" and g.edges["o", "x"]["kind"] == "explicit"
    assert g.has_edge("c1", "c2") and g.edges["c1", "c2"]["refines_explicit"] == "o"
    assert "its export names o" in g.edges["c1", "c2"]["evidence"]


def test_explicit_link_outside_the_group_is_followed():
    posts = _posts([("a", 0, "s1", None), ("b", 10, "s2", "a"), ("c", 20, None, "b")])
    g = build(posts, pd.DataFrame(columns=["a", "b", "decision"]))
    assert sorted(g.edges(data="kind")) == [("a", "b", "explicit"), ("b", "c", "explicit")]


def test_without_lineage_it_is_explicit_else_earliest():
    posts = _posts([("o", 0, "s1", None), ("a", 5, "s2", None), ("b", 9, "s3", "a"), ("lone", 1, "zz", None)])
    pairs = pd.DataFrame([{"a": "s1", "b": "s2", "decision": "match"}, {"a": "s2", "b": "s3", "decision": "match"}])
    g = build(posts, pairs)
    assert sorted(g.edges) == [("a", "b"), ("o", "a")]
    assert g.nodes["lone"]["origin_evidence"].startswith("no candidate parent")


def test_time_orders_copies_without_content_evidence():
    posts = _posts([("late", 120, "s", None), ("early", 0, "s", None), ("mid", 60, "s", None)])
    g = build(posts, lineage=_lineage({}, ["s"], root_like={"s"}))
    assert g.in_degree("early") == 0 and sorted(g.edges) == [("early", "late"), ("early", "mid")]


def test_analyst_decisions_override_and_cycles_are_skipped():
    posts = _posts([("o", 0, "s1", None), ("a", 5, "s1", None), ("b", 9, "s1", "a")])
    dec = pd.DataFrame({"id": [1, 2, 3], "at": ["t1", "t2", "t3"], "analyst": ["ana"] * 3,
                        "kind": ["spread.parent"] * 3, "subject": ["b", "a", "o"], "value": ["o", None, "b"],
                        "note": [None] * 3})
    g = build(posts, None, decisions=dec)
    assert g.edges["o", "b"]["kind"] == "analyst"
    assert g.in_degree("a") == 0 and g.nodes["a"]["origin_evidence"] == "analyst marked it as an origin"
    assert g.graph["skipped_decisions"] == ["decision 3 (o -> parent b) would close the cycle o -> b -> o: skipped"]
    assert nx.is_branching(g)


@pytest.mark.parametrize("decisions, kept, problem", [
    pytest.param([("a", "a")], {}, "own parent", id="self-parent"),
    pytest.param([("a", "zz")], {}, "unknown parent", id="unknown-parent"),
    pytest.param([("zz", "a")], {}, "unknown post", id="unknown-post"),
    pytest.param([("a", "b"), ("b", "c"), ("c", "a")], {"a": "b", "b": "c"}, "cycle c -> a -> b -> c", id="cycle"),
    pytest.param([("a", "b"), ("a", None)], {"a": None}, None, id="latest-wins"),
])
def test_parent_decisions(decisions, kept, problem):
    dec = pd.DataFrame({"id": range(len(decisions)), "kind": "parent", "subject": [d[0] for d in decisions],
                        "value": [d[1] for d in decisions]})
    out, problems = parent_decisions(dec, {"a", "b", "c"})
    assert out == kept
    assert (problem is None and not problems) or any(problem in p for p in problems)


def test_rejected_match_decision_splits_the_group():
    posts = _posts([("o", 0, "s1", None), ("c", 5, "s2", None)])
    pairs = pd.DataFrame([{"a": "s1", "b": "s2", "decision": "match"}])
    dec = pd.DataFrame({"id": [1], "kind": ["match"], "subject": ["s1|s2"], "value": ["rejected"]})
    assert build(posts, pairs).has_edge("o", "c")
    assert build(posts, pairs, decisions=dec).number_of_edges() == 0


def test_exif_time_stands_in_for_a_missing_post_time():
    posts = _posts([("a", None, "s1", None), ("b", 30, "s1", None)])
    media = pd.DataFrame({"sha256": ["s1"], "exif_time": [T0]})
    g = build(posts, None, media=media)
    assert g.nodes["a"]["time_source"] == "exif" and g.nodes["a"]["posted_at"] == T0
    assert list(g.edges) == [("a", "b")]


def test_copy_graph_leaves_out_source_edges():
    g = nx.DiGraph()
    g.add_edge("s", "f", relation="source")
    g.add_edge("f", "c", relation="copy")
    assert list(copy_graph(g).edges) == [("f", "c")] and set(copy_graph(g)) == {"s", "f", "c"}


@pytest.mark.parametrize("posts, pairs", [
    pytest.param(pd.DataFrame({"x": [1]}), None, id="no-post-id"),
    pytest.param([{"post_id": "a"}], None, id="not-a-frame"),
    pytest.param(pd.DataFrame({"post_id": ["a", "a"]}), None, id="duplicate-ids"),
    pytest.param(pd.DataFrame({"post_id": ["a"]}), pd.DataFrame({"x": [1]}), id="bad-pairs"),
])
def test_bad_inputs_raise(posts, pairs):
    with pytest.raises(SpreadError):
        build(posts, pairs)


def test_a_post_dated_9999_does_not_break_tracing():
    import datetime as dt

    posts = _posts([("o", 0, "s", None), ("late", 10, "s", None)])
    posts["posted_at"] = [T0.to_pydatetime(), dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)]
    g = build(posts, lineage=_lineage({}, ["s"], root_like={"s"}))
    assert list(g.edges) == [("o", "late")] and g.edges["o", "late"]["time_gap_s"] > 2.5e11


def test_the_post_others_name_stays_the_first_copy_when_its_time_is_off():
    # o is the original; s1 shares it but its reported time is 5 min too early; s2, s3 name o
    posts = _posts([("s1", -5, "s", None), ("o", 0, "s", None), ("s2", 30, "s", "o"), ("s3", 40, "s", "o")])
    g = build(posts, lineage=_lineage({}, ["s"], root_like={"s"}))
    assert g.in_degree("o") == 0 and g.nodes["o"]["first_copy"]
    assert sorted(g.edges) == [("o", "s1"), ("o", "s2"), ("o", "s3")]


_SAME_GRAPH = """
import sys
sys.path.insert(0, {tests!r})
from test_spread_build import _lineage, _posts
from kit.spread.build import build
media = [f"s{{i}}" for i in range(12)]
posts = _posts([(f"{{k}}{{i}}", None, m, None) for k in "pqr" for i, m in enumerate(media)])
lin = _lineage({{}}, media)
for t in (lin.groups, lin.copies):  # four groups of three pictures: each group under half the posts
    t["group"] = [int(m[1:]) // 3 for m in t["id"]]
print(sorted(build(posts, lineage=lin).edges))
"""


def test_the_same_inputs_give_the_same_graph_whatever_the_hash_seed():
    # equal costs everywhere (plain copies, no times): the tie-break must not follow string hashing,
    # or the same case traced twice gives two graphs
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = _SAME_GRAPH.format(tests=str(Path(__file__).parent))
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(6)}
    assert len(outs) == 1, outs


@pytest.mark.parametrize("origin_minutes, first", [
    pytest.param(-180, "o", id="hours-earlier-time-settles-it"),
    pytest.param(-20, "m1", id="within-reported-time-noise-content-decides"),
    pytest.param(-8 * 24 * 60, "m1", id="a-week-older-photo-is-material-not-first-post"),
    pytest.param(None, "m1", id="no-time-content-decides"),
])
def test_in_a_chain_the_clearly_earlier_original_is_the_first_copy(origin_minutes, first):
    # every later copy inherited the first edit, so against them the original looks edited (it
    # "has" the change they all lack); only its clearly earlier platform time says it came first
    media = ["so", "s1", "s2", "s3"]
    rows = {("so", v): {"lacking": 0.05} for v in media[1:]}
    posts = _posts([("o", origin_minutes, "so", None), ("m1", 0, "s1", None), ("m2", 60, "s2", None),
                    ("m3", 90, "s3", None)])
    g = build(posts, lineage=_lineage(rows, media))
    assert [n for n in g if g.nodes[n].get("first_copy")] == [first]
    assert g.in_degree(first) == 0
    assert ("by time: posted 3.0 h before m1" in g.nodes[first]["origin_evidence"]) == (first == "o")


@pytest.mark.parametrize("origin_minutes, first", [
    pytest.param(-20, "o", id="within-reported-time-noise"),
    pytest.param(20, "o", id="shifted-a-little-later"),
    pytest.param(None, "o", id="no-time"),
    pytest.param(120, "m1", id="a-named-post-clearly-later-is-not-followed"),
])
def test_a_repost_is_not_the_first_copy_of_the_post_its_link_names(origin_minutes, first):
    # m1 looks least edited (every later copy lacks what o has, as in a chain), but its export says it
    # was reposted from o, which is in the group and not clearly later: o is the first copy
    media = ["so", "s1", "s2", "s3"]
    rows = {("so", v): {"lacking": 0.05} for v in media[1:]}
    posts = _posts([("o", origin_minutes, "so", None), ("m1", 0, "s1", "o"), ("m2", 60, "s2", None),
                    ("m3", 90, "s3", None)])
    g = build(posts, lineage=_lineage(rows, media))
    assert [n for n in g if g.nodes[n].get("first_copy")] == [first]
    assert g.in_degree(first) == 0
    if first == "o":
        assert g.has_edge("o", "m1") and "m1, which looks least edited" in g.nodes["o"]["origin_evidence"]


def test_of_a_files_posts_minutes_apart_the_one_links_name_is_its_first_post():
    # a uploaded file sa (made from o); b shares it with a reported time 5 min too early; d's export
    # names a (a share names the original); c was made from the file. By time alone b was the file's
    # first post and c and a hung from it
    posts = _posts([("o", 0, "so", None), ("b", 25, "sa", None), ("a", 30, "sa", "o"), ("d", 40, "sa", "a"),
                    ("c", 90, "sc", None)])
    lin = _lineage({("sa", "sc"): {"inherited": 0.05}}, ["so", "sa", "sc"], root_like={"so"})
    g = build(posts, lineage=lin)
    assert g.has_edge("o", "a") and g.has_edge("a", "b") and g.has_edge("a", "c") and g.has_edge("a", "d")


@pytest.mark.parametrize("column", ["replaced", "own_share"])
def test_an_earlier_photo_with_a_region_no_copy_shows_is_the_source_not_the_first_copy(column):
    media = ["so", "s1", "s2", "s3"]
    rows = {("so", v): {"lacking": 0.05} for v in media[1:]}
    posts = _posts([("o", -180, "so", None), ("m1", 0, "s1", None), ("m2", 60, "s2", None), ("m3", 90, "s3", None)])
    lin = _lineage(rows, media)
    lin.copies[column] = [0.06 if m == "so" else 0.0 for m in lin.copies["id"]]
    g = build(posts, lineage=lin)
    assert [n for n in g if g.nodes[n].get("first_copy")] == ["m1"]
    # posted 3 h before the first copy, it is no repost of it: an origin of its own (the material)
    assert g.in_degree("o") == 0 and g.nodes["o"].get("material")
    assert "not a repost of it" in g.nodes["o"]["origin_evidence"]
    assert set(g.successors("m1")) == {"m2", "m3"}


def test_the_material_takes_no_parent_however_much_of_a_later_copy_it_seems_to_carry():
    # o, posted 3 h before every copy with a region of its own, is the material; against the copy m1 it
    # looks as if it carried m1's frame (the registration's reference can make it so), which paid
    # for the time conflict and hung it under a copy made hours after it
    media = ["so", "s1", "s2", "s3"]
    rows = {("so", v): {"lacking": 0.05} for v in media[1:]}
    rows[("s1", "so")] = {"inherited": 0.15, "inherited_out": 0.08, "added_u": 0.2, "added_v": 0.2}
    posts = _posts([("o", -180, "so", None), ("m1", 0, "s1", None), ("m2", 60, "s2", None), ("m3", 90, "s3", None)])
    lin = _lineage(rows, media)
    lin.copies["own_share"] = [0.06 if m == "so" else 0.0 for m in lin.copies["id"]]
    g = build(posts, lineage=lin)
    assert g.nodes["o"].get("material") and g.in_degree("o") == 0
    assert sorted(g.edges) == [("m1", "m2"), ("m1", "m3")]


@pytest.mark.parametrize("shown, inside, reference, first", [
    pytest.param(0.055, 0.055, "s1", "o", id="another-copy-shows-its-changes-the-original"),
    pytest.param(0.055, 0.0, "s1", "m1", id="shown-only-around-the-picture-the-source"),
    pytest.param(0.02, 0.02, "s1", "m1", id="most-of-it-shown-by-none-the-source"),
    pytest.param(0.055, 0.055, "so", "m1", id="the-references-own-changes-are-most-copies-lack"),
])
def test_an_earlier_post_whose_own_changes_another_copy_shows_is_no_material(shown, inside, reference, first):
    # measured against a descendant reference (m1: a crop with meme text), the original "changes" the
    # picture back: 6 % of the frame is its own. Its other branch (b1) shows those changes pixel for
    # pixel, so it is no region that no copy shows (the source photo's, under the paste): the
    # original's clearly earlier time makes it the first copy. Shown only outside the picture (a
    # caption bar), or only a third of it, the region stays its own and the post the material. The
    # reference's own changes are regions most copies differ in (reattribute): they stay its own.
    media = ["so", "s1", "s2", "sb"]
    rows = {("so", v): {"lacking": 0.05} for v in media[1:]}
    rows[("so", "sb")] = {"inherited": shown, "inherited_out": shown - inside}
    posts = _posts([("o", -180, "so", None), ("m1", 0, "s1", None), ("m2", 60, "s2", None), ("b1", 90, "sb", None)])
    lin = _lineage(rows, media)
    lin.copies["own_share"] = [0.06 if m == "so" else 0.0 for m in lin.copies["id"]]
    lin.copies["reference"] = reference
    g = build(posts, lineage=lin)
    assert [n for n in g if g.nodes[n].get("first_copy")] == [first]
    assert bool(g.nodes["o"].get("material")) == (first != "o")
    assert g.in_degree("o") == 0


@pytest.mark.parametrize("days, first", [
    pytest.param(10, "m1", id="a-week-older-than-every-copy-is-the-material"),
    pytest.param(3, "o", id="days-older-is-the-first-post"),
])
def test_a_photo_posted_a_week_before_every_other_copy_is_not_their_first_post(days, first):
    # the stock photo a fake was made from (or an earlier use of it) looks least edited: every copy
    # could have been made from it. Posted ten days before any of them, it is their material, an
    # origin of its own; the spread starts at the first copy among the rest.
    media = ["so", "s1", "s2", "s3"]
    rows = {(u, v): {"lacking": 0.05} for u in media[2:] for v in media if u != v}
    posts = _posts([("o", -days * 24 * 60, "so", None), ("m1", 0, "s1", None), ("m2", 60, "s2", None),
                    ("m3", 90, "s3", None)])
    g = build(posts, lineage=_lineage(rows, media))
    assert [n for n in g if g.nodes[n].get("first_copy")] == [first]
    assert g.in_degree("o") == 0 and bool(g.nodes["o"].get("material")) == (first != "o")
    if first == "m1":
        assert "days older" in g.nodes["o"]["origin_evidence"]
        assert g.in_degree("m1") == 0 and set(g.successors("m1")) == {"m2", "m3"}


@pytest.mark.parametrize("minutes, material", [(-8 * 24 * 60, True), (-20, False), (None, False)])
def test_only_a_clearly_earlier_passed_over_post_is_an_origin_of_its_own(minutes, material):
    # a week older: material; within the minutes reported times are off, or without a time: a copy
    media = ["so", "s1", "s2", "s3"]
    rows = {("so", v): {"lacking": 0.05} for v in media[1:]}
    posts = _posts([("o", minutes, "so", None), ("m1", 0, "s1", None), ("m2", 60, "s2", None), ("m3", 90, "s3", None)])
    g = build(posts, lineage=_lineage(rows, media))
    assert (g.in_degree("o") == 0) == material
    assert bool(g.nodes["o"].get("material")) == material


def test_time_passes_over_an_earlier_material_post_to_the_earliest_copy():
    # the source photo (a region of its own) was posted a day before; the origin 3 h before the copy
    # that looks least edited: the origin is the first copy, the photo an origin of its own
    media = ["src", "so", "s1", "s2", "s3"]
    rows = {("so", v): {"lacking": 0.05} for v in media[2:]} | {("src", v): {"lacking": 0.06} for v in media[1:]}
    posts = _posts([("p", -24 * 60, "src", None), ("o", -180, "so", None), ("m1", 0, "s1", None),
                    ("m2", 60, "s2", None), ("m3", 90, "s3", None)])
    lin = _lineage(rows, media)
    lin.copies["own_share"] = [0.06 if m == "src" else 0.0 for m in lin.copies["id"]]
    g = build(posts, lineage=lin)
    assert [n for n in g if g.nodes[n].get("first_copy")] == ["o"]
    assert g.in_degree("p") == 0 and g.nodes["p"].get("material")
    assert "by time" in g.nodes["o"]["origin_evidence"]


@pytest.mark.parametrize("minutes, first", [
    pytest.param((None, None, None), "z_hq", id="no-times"),
    pytest.param((60, 0, 30), "a_lq", id="a-clear-time-decides"),
    pytest.param((None, 0, 30), "z_hq", id="an-unknown-time-is-not-later"),
    pytest.param((0, None, 30), "z_hq", id="an-unknown-time-is-not-earlier"),
])
def test_without_times_the_finest_quantisation_breaks_a_tie_between_look_alike_copies(minutes, first):
    # two copies nothing in the pictures tells apart (a plain re-upload): every re-encode loses, so the
    # one with the higher JPEG quality is the likelier first copy; a clear time still decides. A copy
    # without a time is not after one with a time: the old code took the dated re-upload (all_edited 1:
    # the undated origin tied with a dated child, and the group's first post by time was another child)
    media = ["s_hq", "s_lq", "s_c"]
    posts = _posts([("z_hq", minutes[0], "s_hq", None), ("a_lq", minutes[1], "s_lq", None),
                    ("c", minutes[2], "s_c", None)])  # ids in the other order: no name decides
    rows = {("s_c", v): {"lacking": 0.05} for v in ("s_hq", "s_lq")}  # the third copy added a mark
    facts = pd.DataFrame({"sha256": media, "jpeg_quality": [93, 71, 80]})
    g = build(posts, lineage=_lineage(rows, media), media=facts)
    assert [n for n in g if g.nodes[n].get("first_copy")] == [first]


def _jpeg_file(folder, img, q, name):
    """``img`` saved as a JPEG at quality ``q`` in ``folder``; the path."""
    img.save(folder / name, "JPEG", quality=q)
    return str(folder / name)


@pytest.mark.parametrize("qualities, said", [
    pytest.param((85, 95), "its JPEG carries z_origin's quantisation", id="lattice"),
    pytest.param((91, 92), "saving z_origin's file again at its JPEG settings gives it back", id="re-save"),
])
@pytest.mark.parametrize("minutes", [
    pytest.param((None, None, None), id="no-times"),
    pytest.param((None, 0, 30), id="the-re-encode-dated"),
    pytest.param((120, 0, 150), id="the-re-encode-clearly-earlier-by-its-time"),
])
def test_a_look_alike_re_encoded_from_another_copys_file_is_not_the_first_copy(tmp_path, minutes, qualities, said):
    # the origin; a re-upload of its file at a finer quality, nothing in the picture changed: the finer
    # quantisation alone would make the re-upload the first copy, and its time too where it is the only
    # one or clearly earlier (a reported time can be wrong). At q85 then q95 its coefficients still sit
    # on the origin's steps (kit.spread.lattice); at q91 then q92 (no_time_no_links 304) the two tables
    # share most steps and the lattice sees nothing, but saving the origin's file again at the
    # re-upload's settings gives the re-upload back (kit.spread.resave). Either way it was made from
    # the origin's file
    from PIL import Image
    from skimage import data

    save = functools.partial(_jpeg_file, tmp_path)
    origin = save(Image.fromarray(data.astronaut()), qualities[0], "o.jpg")
    again = save(Image.open(origin).convert("RGB"), qualities[1], "r.jpg")
    mark = save(Image.fromarray(data.astronaut()), 80, "c.jpg")
    media = ["s_o", "s_r", "s_c"]
    posts = _posts([("z_origin", minutes[0], "s_o", None), ("a_reup", minutes[1], "s_r", None),
                    ("c", minutes[2], "s_c", None)])
    rows = {("s_c", v): {"lacking": 0.05} for v in ("s_o", "s_r")}
    facts = pd.DataFrame({"sha256": media, "jpeg_quality": [*qualities, 80], "path": [origin, again, mark]})
    g = build(posts, lineage=_lineage(rows, media), media=facts)
    assert [n for n in g if g.nodes[n].get("first_copy")] == ["z_origin"]
    assert f"a_reup looks alike but {said}" in g.nodes["z_origin"]["first_copy_why"]
    g = build(posts, lineage=_lineage(rows, media), media=facts.drop(columns="path"))  # without the files
    assert [n for n in g if g.nodes[n].get("first_copy")] == ["a_reup"]


def test_a_re_encodes_time_bounds_the_file_it_was_made_from(tmp_path):
    # the least edited-looking file has no time, but a re-encode of it was posted at 4 h: the file existed
    # then, so a copy posted 4 h earlier is the first copy by time, as it would be against a dated file
    from PIL import Image
    from skimage import data

    save = functools.partial(_jpeg_file, tmp_path)
    plain = save(Image.fromarray(data.astronaut()), 85, "a.jpg")
    again = save(Image.open(plain).convert("RGB"), 95, "b.jpg")
    early = save(Image.fromarray(data.astronaut()), 75, "e.jpg")
    media = ["s_a", "s_b", "s_e"]
    posts = _posts([("a", None, "s_a", None), ("b", 240, "s_b", None), ("e", 0, "s_e", None)])
    rows = {("s_e", v): {"lacking": 0.05} for v in ("s_a", "s_b")}  # e carries a mark the others lack
    facts = pd.DataFrame({"sha256": media, "jpeg_quality": [85, 95, 75], "path": [plain, again, early]})
    g = build(posts, lineage=_lineage(rows, media), media=facts)
    assert [n for n in g if g.nodes[n].get("first_copy")] == ["e"]
    assert "4.0 h before b, a re-encode of the file of a" in g.nodes["e"]["first_copy_why"]


def test_a_file_named_by_links_hours_after_its_first_post_starts_from_its_first_post():
    # o posted the original file and r shared the same bytes 3 h later; the copies x and y were made
    # from r and their exports name it. Measured against a descendant reference the original has a
    # region of its own, so a post of other bytes published clearly before the first copy would be
    # its material. The old code took the named post r as the file's first post; measured from r,
    # o was "material" 3 h earlier and the edited copy e (1 h after o) the first copy by time
    # (deep_chains 0). Links name a file's original among posts minutes apart, not hours: o is the
    # first copy, and r a later share of it
    media = ["so", "s1", "s2"]
    rows = {(u, v): {"lacking": 0.05} for u in ("s1", "s2") for v in media if u != v}
    posts = _posts([("o", 0, "so", None), ("e", 60, "s1", None), ("r", 180, "so", None), ("x", 200, "s2", "r"),
                    ("y", 210, "s2", "r")])
    lin = _lineage(rows, media)
    lin.copies["own_share"] = [0.06 if m == "so" else 0.0 for m in lin.copies["id"]]
    g = build(posts, lineage=lin)
    assert [n for n in g if g.nodes[n].get("first_copy")] == ["o"]
    assert not g.nodes["o"].get("material") and g.in_degree("o") == 0
    assert g.has_edge("o", "r") and g.has_edge("o", "e")


def test_a_copy_of_a_file_hangs_from_the_files_first_post_not_from_a_later_share_of_it():
    # "sa" entered with post a; b is a share of it (same bytes); c was made from that file
    posts = _posts([("o", 0, "so", None), ("a", 30, "sa", None), ("b", 60, "sa", None), ("c", 90, "sc", None)])
    lin = _lineage({("sa", "sc"): {"inherited": 0.05}}, ["so", "sa", "sc"], root_like={"so"})
    for order in (posts, posts.iloc[::-1]):
        g = build(order, lineage=lin)
        assert g.has_edge("a", "c") and g.has_edge("a", "b") and g.has_edge("o", "a")
        assert "a is the first post of its file (1 later post shows the same bytes)" in g.edges["a", "c"]["evidence"]
        assert not g.edges["a", "c"]["evidence"].startswith("c is the first post")


def test_a_post_of_the_same_bytes_as_an_earlier_post_hangs_from_it_whatever_another_file_carries():
    # s1 is a screenshot; r is a resized copy of it (it carries all of the screenshot's chrome, so
    # its row to the screenshot's bytes is strongly supported); s2 posts the screenshot's very bytes
    # again: it was forwarded, not made from the smaller copy
    posts = _posts([("o", 0, "so", None), ("s1", 30, "ss", None), ("r", 60, "sr", None), ("s2", 90, "ss", None)])
    big = {"inherited": 0.6, "inherited_out": 0.5, "shared_edges": 4, "added_u": 1.6, "added_v": 1.6}
    lin = _lineage({("ss", "sr"): big, ("sr", "ss"): big}, ["so", "ss", "sr"], root_like={"so"})
    g = build(posts, lineage=lin)
    assert g.has_edge("s1", "s2") and g.has_edge("s1", "r")


def test_a_post_without_a_time_takes_its_files_time_against_another_file():
    # a1 and a2 post the same file; a2 is dated (30 min), a1 is not. c, posted at 90 min, looks like
    # the file's parent by its content. The file was made once, before a2 was posted, so c (an hour
    # later) cannot be its parent through a1 either; the old code timed c against a1 alone, found
    # nothing, and hung the file under c
    posts = _posts([("o", 0, "so", None), ("a1", None, "sa", None), ("a2", 30, "sa", None), ("c", 90, "sc", None)])
    lin = _lineage({("sc", "sa"): {"inherited": 0.05}}, ["so", "sa", "sc"], root_like={"so"})
    g = build(posts, lineage=lin)
    assert not g.has_edge("c", "a1") and not g.has_edge("c", "a2")
    assert nx.has_path(g, "o", "a1") and nx.has_path(g, "o", "a2") and not nx.has_path(g, "c", "a2")


@pytest.mark.parametrize("picture_gray, parent", [(True, "o"), (False, "u")])
def test_gray_is_no_change_of_a_copy_in_a_gray_photo(picture_gray, parent):
    # o (the first copy, the group's reference) and v measure gray / colour; u, a sibling, measures
    # as colour too. In a colour photo v "has colour where o is gray", which it cannot regain: it was
    # not made from o. In a gray photo (a coloured logo gives v colour) that says nothing, and v
    # hangs from the first copy, not from the sibling.
    posts = _posts([("o", 0, "so", None), ("u", 30, "su", None), ("v", 60, "sv", None)])
    lin = _lineage({("so", "sv"): {"gray_u": True}, ("so", "su"): {"gray_u": True}}, ["so", "su", "sv"],
                   root_like={"so"})
    copies = lin.copies.assign(reference="so", gray=[picture_gray, False, False])
    g = build(posts, lineage=LineageEvidence(lin.pairs, copies, lin.groups, {}))
    assert next(iter(g.predecessors("v"))) == parent


@pytest.mark.parametrize("colour", [12.0, 4.0])
def test_a_colour_photo_under_a_sepia_reference_is_no_gray_picture(colour):
    # no times: r, the group's reference, is a sepia copy (gray: its colour follows its lightness), and
    # so are 1-3, made from it; the origin o and its child c hold clear colour against it. As their
    # parent, r "regains" colour, which no copy does; as 1's, o's colour against r read as a filter
    # that 1 "would have to undo". With most copies gray the picture was taken for gray, which turned
    # the first off, and r became the first copy with o under it (no_time_no_links seed 0). Two copies
    # of clear colour make it a colour picture. A lift of a near-gray photo's chroma (4) does not.
    media = ["so", "sc", "sr", "s1", "s2", "s3"]
    grays = ["sr", "s1", "s2", "s3"]
    posts = _posts([(m[1:], None, m, None) for m in media])
    rows = {**{(u, v): {"gray_u": True} for u in grays for v in ("so", "sc")},
            **{(u, v): {"colour_u": colour, "colour_uv": colour, "gray_v": True} for u in ("so", "sc") for v in grays},
            **{(u, v): {"gray_u": True, "gray_v": True} for u in grays for v in grays if u != v},
            **{(u, v): {"colour_u": colour, "colour_v": colour} for u, v in (("so", "sc"), ("sc", "so"))}}
    lin = _lineage(rows, media)
    copies = lin.copies.assign(reference="sr", gray=[m in grays for m in media],
                               colour=[colour if m in ("so", "sc") else 0.0 for m in media])
    facts = pd.DataFrame({"sha256": media, "jpeg_quality": [95, 90, 66, 70, 75, 80]})
    g = build(posts, lineage=LineageEvidence(lin.pairs, copies, lin.groups, {}), media=facts)
    first = [n for n in g if g.nodes[n].get("first_copy")]
    assert (first == ["o"]) == (colour >= 8)  # after a lift (4) a gray copy is the first, by its quality
    if colour >= 8:
        assert not nx.has_path(g, "r", "o")


@pytest.mark.parametrize("gray_copies, first", [(("so", "su", "sv"), "o"), (("so",), "r")])
def test_a_near_gray_photo_is_gray_when_most_of_its_copies_are_whatever_its_reference(gray_copies, first):
    # no times: r, a contrast-boosted repost, is the group's reference and measures as colour; the
    # origin o and the other copies measure gray. As r's parent, o "has colour where the candidate is
    # gray" (never regained), so r was the copy every other could have been made from, and o hung
    # under it (no_time_no_links seed 100, 16 of 24 copies gray). When most copies are gray the
    # picture is gray and that says nothing: o, at the finer JPEG quality, is the first copy. With one
    # gray copy only, the photo has colour and o lost it.
    media = ["so", "sr", "su", "sv"]
    posts = _posts([("o", None, "so", None), ("r", None, "sr", None), ("u", None, "su", None),
                    ("v", None, "sv", None)])
    rows = {(u, v): {"gray_u": True} for u in gray_copies for v in media if v not in gray_copies}
    lin = _lineage(rows, media)
    copies = lin.copies.assign(reference="sr", gray=[m in gray_copies for m in media])
    facts = pd.DataFrame({"sha256": media, "jpeg_quality": [93, 90, 85, 80]})
    g = build(posts, lineage=LineageEvidence(lin.pairs, copies, lin.groups, {}), media=facts)
    assert [n for n in g if g.nodes[n].get("first_copy")] == [first]
