"""Tests for kit.spread.prior: a group spread as a chain charges less for a parent other than its first copy."""

from __future__ import annotations

import pytest

from kit.spread.build import build
from kit.spread.prior import group_prior
from test_spread_build import _lineage, _posts


def _group(chain: bool):
    """o (the first copy), eight copies c1..c8 and t, v: v is rotated like t (one cue, 1.5 units of
    support). In a chain each ck carries c(k-1)'s mark (support 4.9); in a star the copies share nothing."""
    cs = [f"c{k}" for k in range(1, 9)]
    media = ["so", *[f"s{c}" for c in cs], "st", "sv"]
    rows = {("st", "sv"): {"rotation_u": 2.0, "rotation_v": 2.1}}
    rows.update({("st", m): {"rotation_u": 2.0} for m in media if m not in ("st", "sv")})
    rows.update({("sv", m): {"rotation_u": 2.1} for m in media if m not in ("st", "sv")})
    rows.update({(m, "sv"): {"rotation_v": 2.1} for m in media if m not in ("st", "sv")})
    rows.update({(m, "st"): {"rotation_v": 2.0} for m in media if m not in ("st", "sv")})
    if chain:
        rows.update({(a, b): {"inherited": 0.05} for a, b in zip(media[1:8], media[2:9])})
    posts = _posts([("o", 0, "so", None), *[(c, 60 * k, f"s{c}", None) for k, c in enumerate(cs, 1)],
                    ("t", 600, "st", None), ("v", 660, "sv", None)])
    return posts, _lineage(rows, media)


@pytest.mark.parametrize("chain, parent", [(True, "t"), (False, "o")])
def test_one_weak_cue_makes_a_parent_in_a_chain_not_in_a_star(chain, parent):
    # deep_chains: a copy rotated like the copy before it hung from the first copy, because a rotation
    # (1.5) is short of the prior (2.0) every other candidate pays; where most copies of the group
    # carry another copy's changes, the group is a chain and that prior is too high. In a star the
    # same cue is not enough: nothing is said of a star's copies but what each carries.
    posts, lin = _group(chain)
    g = build(posts, lineage=lin)
    assert g.nodes["o"]["first_copy"]
    assert next(iter(g.predecessors("v"))) == parent
    if chain:
        assert [next(iter(g.predecessors(f"c{k}"))) for k in range(2, 9)] == [f"c{k}" for k in range(1, 8)]
        assert "in its group 7 of 10 copies carry another copy's changes" in g.edges["t", "v"]["evidence"]
        assert g.graph["chain_groups"]
    else:
        assert "in its group" not in g.edges["o", "v"]["evidence"] and not g.graph["chain_groups"]


def test_the_prior_moves_only_the_other_candidates_and_never_below_the_floor():
    strong = {"support": 9.0, "conflict": 1.0, "algorithm": "lineage"}
    incoming = {f"c{k}": [(0.0, "o", {"algorithm": "first-copy"}), (-6.0, "x", strong)] for k in range(40)}
    out, chains = group_prior(incoming, {0: ["o", *incoming]}, {0: "o"}, 2.0)
    assert chains == {0: (1.0, 40, 40)}
    assert out["c0"] == [(0.0, "o", {"algorithm": "first-copy"}), (-7.0, "x", strong)]  # theta 2.0 -> floor 1.0
    assert incoming["c0"][1][0] == -6.0  # the input is not changed
    # identical bytes are no evidence of a chain (a share is no edit)
    same = {"support": 12.0, "conflict": 0.0, "algorithm": "identical"}
    shares = {f"c{k}": [(0.0, "o", {}), (-10.0, "x", same)] for k in range(40)}
    assert group_prior(shares, {0: ["o", *shares]}, {0: "o"}, 2.0) == (shares, {})
