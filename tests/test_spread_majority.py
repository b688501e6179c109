"""Tests for kit.spread.majority: a reference that carries its own addition, seen from the rest of its group.

Issue 13: in every benchmark collection where a leaf repost was taken for the group's first copy, that
repost (one logo, a letterbox, meme text) had been registered as the reference, so its addition was
nowhere in the evidence. Each case here is a small family of generated pictures on real pixels:
registration, re-attribution, pairwise inheritance, then the cost a parent pays.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from _media import scene
from kit.spread.cost import lineage_cost
from kit.spread.lineage import register_group
from kit.spread.majority import reattribute
from kit.spread.pairs import pair_lineage

cv2 = pytest.importorskip("cv2")


def _jpeg(a: np.ndarray, q: int = 88) -> np.ndarray:
    from PIL import Image

    b = io.BytesIO()
    Image.fromarray(a).save(b, "JPEG", quality=q)
    return np.asarray(Image.open(io.BytesIO(b.getvalue())).convert("RGB"))


def _badge(a: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """A channel badge in the bottom-right corner: a filled disc with letters, ``alpha`` opaque."""
    out = a.copy()
    h, w = a.shape[:2]
    cv2.circle(out, (w - 40, h - 40), 26, (230, 40, 40), -1)
    cv2.putText(out, "TV", (w - 56, h - 31), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    return np.clip(alpha * out.astype(np.float32) + (1 - alpha) * a.astype(np.float32), 0, 255).astype(np.uint8)


def _brighter(a: np.ndarray, k: int) -> np.ndarray:
    return np.clip(a.astype(np.int16) + k, 0, 255).astype(np.uint8)


BASE = scene(21, 240, 320)
ORIGIN = _jpeg(BASE, 92)
# the origin's other children: each re-encoded, most with a change of their own that is not in the corner
CHILDREN = {"c1": _jpeg(_brighter(BASE, 6), 80), "c2": _jpeg(BASE, 70),
            "c3": _jpeg(np.ascontiguousarray(BASE[10:230, 12:300]), 85), "c4": _jpeg(_brighter(BASE, -5), 75),
            "c5": _jpeg(BASE, 83)}


def _costs(group, u: str, vs: list) -> list:
    rows = pair_lineage(group, [(u, v) for v in vs]).set_index("v")
    return [lineage_cost(rows.loc[v].to_dict())[1] for v in vs]


@pytest.mark.parametrize("alpha", [1.0, 0.6])
def test_a_reference_repost_with_a_badge_gets_its_badge_back(alpha):
    # the repost with the badge is registered as the reference (the consensus can miss a small mark)
    pics = {"o": ORIGIN, "badge": _jpeg(_badge(BASE, alpha), 85), **CHILDREN}
    g = register_group(pics, "badge", rechoose=False)
    assert g.copies["badge"].own_share == 0.0
    assert g.copies["o"].own_share > 0.005  # before: the origin looks edited where the badge is
    h = reattribute(g)
    assert h.copies["badge"].own_share > 0.005
    assert h.copies["o"].own_share < 0.5 * g.copies["o"].own_share
    kids = list(CHILDREN)
    before = _costs(g, "badge", kids)
    after = _costs(h, "badge", kids)
    # the children show the picture where the badge is: the badge copy as their parent now pays for it
    assert sum(after) > sum(before) + 2.0 * len(kids) * 0.5
    assert sum(_costs(h, "o", kids)) <= sum(_costs(g, "o", kids)) + 1e-9


def test_a_clean_original_is_not_blamed_for_a_badge_a_big_branch_inherited():
    # a deep chain: one early repost added the badge and most copies descend from it; the reference is
    # the original, which shows the scene there: the majority's region stands out, not the reference's
    badge = _badge(BASE)
    pics = {"o": ORIGIN, **{f"b{k}": _jpeg(_brighter(badge, k - 2), 80 + k) for k in range(5)},
            "c1": CHILDREN["c1"]}
    g = register_group(pics, "o", rechoose=False)
    assert g.copies["b0"].own_share > 0.005
    h = reattribute(g)
    assert h.copies["o"].own_share == 0.0
    assert h.copies["b0"].own_share == pytest.approx(g.copies["b0"].own_share)


def test_a_reference_with_letterbox_bars_owns_the_bars():
    h_, w_ = BASE.shape[:2]
    bars = np.zeros((h_ + 80, w_, 3), np.uint8)
    bars[40:40 + h_] = BASE
    pics = {"o": ORIGIN, "lb": _jpeg(bars, 85), **CHILDREN}
    g = register_group(pics, "lb", rechoose=False)
    h = reattribute(g)
    assert h.copies["lb"].own_share > 0.15  # the two bars, a quarter of its frame
    assert h.copies["o"].own_share <= g.copies["o"].own_share


def test_a_small_group_is_left_as_it_is():
    pics = {"o": ORIGIN, "badge": _jpeg(_badge(BASE), 85), "c1": CHILDREN["c1"]}
    g = register_group(pics, "badge", rechoose=False)
    assert reattribute(g) is g


def _group_with_edge_strip(depth: int) -> Any:
    """A group on a hand-made canvas: the reference shows a dark rim in a band ``depth`` canvas px deep
    along its frame's top edge (a shelf's edge in the scene); five copies show, in that band, what their
    caption bars leave inside the frame (texture like the scene around it, as a bar's own picture has)
    and a bar above the frame. Nothing else differs."""
    from dataclasses import replace as _replace

    from kit.spread.lineage import Copy, Group

    rng = np.random.default_rng(3)
    shape, frame = (120, 160), (20, 20, 140, 100)
    x0, y0, x1, y1 = frame
    C = np.zeros(shape, bool)
    C[y0:y1, x0:x1] = True
    lab = np.zeros((*shape, 3), np.float32)
    lab[..., 0] = 50 + 8 * rng.standard_normal(shape)
    ref_lab = lab.copy()
    ref_lab[y0:y0 + depth, x0:x1, 0] = 10.0
    band = np.zeros(shape, bool)
    band[y0:y0 + depth, x0:x1] = True
    plain = Copy("o", 1000, False, 0.0, 1.0, C.copy(), np.zeros(shape, bool), np.zeros(shape, bool), ref_lab,
                 np.zeros(shape, np.float32), np.zeros(5, np.float32), box=frame, extent=frame)
    copies = {"o": plain}
    for k in range(5):
        valid = C.copy()
        valid[y0 - 12:y0, x0:x1] = True  # the bar above the picture
        own = band | (valid & ~C)
        copies[f"b{k}"] = _replace(plain, id=f"b{k}", valid=valid, own=own, info=own.copy(),
                                   lab=lab + rng.standard_normal((*shape, 3)).astype(np.float32),
                                   own_share=float((own & C).sum() / C.sum()))
    return Group("o", frame, shape, copies, {})


@pytest.mark.parametrize("depth, given", [(6, False), (14, True)])
def test_the_copies_bars_at_the_frames_edge_are_not_the_references(depth, given):
    # deep_chains 0: where eight copies' caption bars and vignettes met the picture, strips 5-7 px deep
    # were handed to the clean origin as its own additions, and every copy then "lacked" them. A band
    # that deep along the frame's edge stays the copies'; the same dark region reaching deeper in is
    # the reference's, as before.
    g = _group_with_edge_strip(depth)
    h = reattribute(g)
    assert (h.copies["o"].own_share > 0.05) is given
    assert (h.copies["b0"].own_share < 0.5 * g.copies["b0"].own_share) is given
