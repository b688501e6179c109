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
    # r is o mirrored back and turned the other way (mirroring reverses the sense of a rotation)
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
