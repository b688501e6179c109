"""Tests for kit.spread.rebase: global changes measured against the group's first copy, not its reference."""

from __future__ import annotations

import pytest

from kit.spread.build import build
from kit.spread.evidence import LineageEvidence
from kit.spread.rebase import against_first_copy
from test_spread_build import _lineage, _posts

MEDIA = ["so", "sr", "sc"]


def _reference_branch(reference_said):
    """o (the origin, posted first), r (a repost the group was registered on: the reference) and c (a
    copy of o that made the same global change as r, by itself). ``reference_said``: what o and c
    measure as against r (o shows the opposite of r's change, c shows none)."""
    o_r, c_r = reference_said
    rows = {}
    for u, v in [(u, v) for u in MEDIA for v in MEDIA if u != v]:
        rows[(u, v)] = {**{f"{k}_u": x for k, x in (o_r if u == "so" else c_r if u == "sc" else {}).items()},
                        **{f"{k}_v": x for k, x in (o_r if v == "so" else c_r if v == "sc" else {}).items()}}
        colour = {"so": o_r.get("colour", 0.0), "sr": 0.0, "sc": c_r.get("colour", 0.0)}  # along one axis
        rows[(u, v)]["colour_uv"] = abs(colour[u] - colour[v])
    return rows


@pytest.mark.parametrize("o_r, c_r, cue", [
    pytest.param({"mirror": True}, {}, "mirrored back", id="mirror"),
    pytest.param({"rotation": -2.5}, {}, "rotation", id="rotation"),
    pytest.param({"colour": 12.0}, {"colour": 0.3}, "colour filter", id="colour-filter"),
])
def test_a_change_the_reference_made_is_no_change_of_the_first_copy(o_r, c_r, cue):
    # all_edited seed 1: the group was registered on a mirrored repost r, and most of the group descends
    # from it. Measured against r, the origin o (timed first, the first copy) is the mirrored one, so
    # every copy of o that is not mirrored against r "would have to be mirrored back" (3.0) and hung
    # under r instead. Measured against the first copy, the mirror is r's and c's own change: c
    # hangs from o, and r (which c's change also matches) is the runner-up. The same for a rotation
    # and a colour filter that the reference has and the first copy lacks.
    posts = _posts([("o", 0, "so", None), ("r", 60, "sr", None), ("c", 120, "sc", None)])
    g = build(posts, lineage=_lineage(_reference_branch((o_r, c_r)), MEDIA))
    assert g.nodes["o"]["first_copy"]
    assert next(iter(g.predecessors("c"))) == "o"
    assert cue not in g.edges["o", "c"]["evidence"]


def test_the_first_copy_is_measured_against_itself():
    rows = _reference_branch(({"mirror": True, "rotation": -2.5, "colour": 12.0}, {"colour": 0.3}))
    rows = {k: {"mirror_u": False, "mirror_v": False, "rotation_u": 0.0, "rotation_v": 0.0, "colour_u": 0.0,
                "colour_v": 0.0, "colour_uv": 0.0, **r} for k, r in rows.items()}
    based, like = against_first_copy(rows, {0: ("so", set(MEDIA))}, {"so": True, "sr": True, "sc": False})
    o_r = based[("so", "sr")]
    assert (o_r["mirror_u"], o_r["rotation_u"], o_r["colour_u"]) == (False, 0.0, 0.0)
    # o maps onto r as R(-2.5) F: r maps onto o as F R(2.5) = R(-2.5) F, mirrored and turned by -2.5
    assert (o_r["mirror_v"], o_r["rotation_v"], o_r["colour_v"]) == (True, -2.5, 12.0)
    assert like == {"so": True, "sr": False, "sc": False}
    assert rows[("so", "sr")]["mirror_u"] is True  # the input is not changed
    # where the first copy is the reference, nothing moves
    same, _ = against_first_copy(rows, {0: ("sr", set(MEDIA))}, {})
    assert same == rows


def test_a_group_without_rows_for_its_first_copy_is_left_alone():
    rows = {("sr", "sc"): {"mirror_u": True, "mirror_v": True, "rotation_u": 0.0, "rotation_v": 0.0,
                           "colour_u": 0.0, "colour_v": 0.0, "colour_uv": 0.0}}
    assert against_first_copy(rows, {0: ("so", {"so", "sr", "sc"})}, {"sr": True}) == (rows, {"sr": True})


@pytest.mark.parametrize("first_mirrored, copy_mirrored, first_turn, copy_turn, turn", [
    pytest.param(False, True, 3.0, 3.0, 0.0, id="copy-mirrored-turned-like-the-first"),
    pytest.param(False, False, 3.0, 1.0, -2.0, id="neither-mirrored"),
    pytest.param(True, False, 3.0, 3.0, 0.0, id="first-mirrored-turned-like-the-copy"),
    pytest.param(True, True, 3.0, 1.0, 2.0, id="both-mirrored"),
])
def test_a_turn_is_measured_against_the_first_copy_whichever_is_mirrored(first_mirrored, copy_mirrored, first_turn,
                                                                         copy_turn, turn):
    # each copy maps onto the reference as R(turn) F^mirrored (lineage.py reads the turn with the
    # mirror taken out); onto the first copy f the copy is then F^mf R(r - rf) F^m: a turn of r - rf,
    # or of rf - r where f is the mirrored one, and mirrored where the two differ
    import numpy as np

    def onto_reference(mirrored, deg):
        t = np.radians(deg)
        R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        return R @ np.diag([-1.0, 1.0]) if mirrored else R

    rel = np.linalg.inv(onto_reference(first_mirrored, first_turn)) @ onto_reference(copy_mirrored, copy_turn)
    mirrored = bool(np.linalg.det(rel) < 0)
    B = rel @ np.diag([-1.0, 1.0]) if mirrored else rel
    assert (mirrored, round(float(np.degrees(np.arctan2(B[1, 0], B[0, 0]))), 6)) == (first_mirrored != copy_mirrored,
                                                                                      turn)
    plain = {"colour_u": 0.0, "colour_v": 0.0, "colour_uv": 0.0}
    rows = {("sf", "sc"): {**plain, "mirror_u": first_mirrored, "mirror_v": copy_mirrored, "rotation_u": first_turn,
                           "rotation_v": copy_turn},
            ("sc", "sf"): {**plain, "mirror_u": copy_mirrored, "mirror_v": first_mirrored, "rotation_u": copy_turn,
                           "rotation_v": first_turn}}
    based, _ = against_first_copy(rows, {0: ("sf", {"sf", "sc"})}, {})
    row = based[("sf", "sc")]
    assert (row["mirror_u"], row["rotation_u"]) == (False, 0.0)
    assert (row["mirror_v"], round(row["rotation_v"], 6)) == (first_mirrored != copy_mirrored, turn)
