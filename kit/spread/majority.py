"""The reference's own edits, seen from the rest of its group.

A copy's own changes are measured against its group's reference
(:func:`kit.spread.lineage.register_group`), so the reference itself never
shows a change: when the reference is a repost that added a logo, a sticker,
meme text or letterbox bars, every other copy "changes" the same place back to
the picture, the original looks like an edited copy, and the reference looks
like the copy all others were made from (issue 13: in every collection where
the wrong post was taken for the first copy, it was a leaf repost with one
small addition, registered as the reference).

:func:`reattribute` reads the group the other way round where the rest of the
group says so, with a meaning an analyst can check:

* a region where most of the other copies differ from the reference is the
  reference's addition when the reference's content there stands out from the
  picture around it (Lab mean and spread against a ring,
  :func:`kit.matching.pixelwise.context_gap`) clearly more than the majority's
  picture does (a logo, a sticker, text on the scene), or when the reference
  shows the majority's scene damped under a translucent layer (a badge): it
  moves from their own changes to the reference's;
* flat content inside the reference's frame that most copies do not show at
  all (letterbox bars, a frame) is the reference's addition too.

A region of difference that reaches no deeper into the frame than
:data:`EDGE_BAND` is left alone: where the copies' caption bars, screenshot
chrome and letterboxes meet the picture, registration and resampling leave a
few pixels of them inside the reference's frame (deep_chains 0: strips of 5 to
7 px under eight copies' caption bars and beside their vignettes were given to
the clean origin as "its own", and every copy then "lacked" them).

The other way (the majority's region stands out: a big branch that inherited
one early logo) is left alone: that branch is not the original. Where neither
stands out (a composite and its source photo differ by photograph on both
sides) nothing says which was first, and nothing moves.

Examples
--------
>>> import numpy as np, cv2
>>> from kit.spread.lineage import register_group
>>> rng = np.random.default_rng(1)
>>> base = cv2.resize((rng.random((40, 60, 3)) * 255).astype(np.uint8), (360, 240), interpolation=cv2.INTER_CUBIC)
>>> logo = base.copy(); logo[150:230, 250:350] = (250, 250, 250); logo[175:205, 270:330] = (20, 20, 200)
>>> pics = {"logo": logo, **{f"c{k}": np.clip(base.astype(int) + k, 0, 255).astype(np.uint8) for k in range(5)}}
>>> g = register_group(pics, "logo", rechoose=False)
>>> round(g.copies["c0"].own_share, 2) > 0.05, g.copies["logo"].own_share
(True, 0.0)
>>> h = reattribute(g)
>>> h.copies["c0"].own_share < 0.01, h.copies["logo"].own_share > 0.05
(True, True)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

__all__ = ["reattribute"]

EDGE_BAND = 8.0  # canvas px from the frame's border: the copies' bars and chrome reach this far in


def reattribute(group: Any, *, majority: float = 0.5, min_copies: int = 4, min_share: float = 0.002,
                flat: float = 3.0, stand_out: float = 1.5) -> Any:
    """``group`` (:class:`kit.spread.lineage.Group`) with the reference's own additions given back to
    it (module doc). Needs ``min_copies`` copies besides the reference; a region counts from
    ``min_share`` of the frame; ``majority`` of the copies that show a pixel must differ there;
    ``flat``: gradient (Lab units per pixel) under which reference content is a bar; ``stand_out``:
    how many times the majority's context gap the reference's must be (plus 2 Lab units)."""
    import cv2

    from kit.matching.pixelwise import context_gap

    ref = group.reference
    others = [c for i, c in group.copies.items() if i != ref]
    if ref not in group.copies or len(others) < min_copies:
        return group
    C = group.frame_mask
    area = max(1.0, float(C.sum()))
    cover = np.sum([c.valid & C for c in others], axis=0)
    vote = np.sum([c.own & c.valid & C for c in others], axis=0)
    n = len(others)
    R = group.copies[ref]
    differ = _opened((cover >= majority * n) & (vote >= majority * cover) & C)
    med = np.full((*C.shape, 3), np.nan, np.float32)
    if differ.any():  # the picture most copies show (Lab), around the region only: its ring is read too
        near = cv2.dilate(differ.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
        med[near] = _median([c.lab[near] for c in others], [c.valid[near] for c in others])
    bars = _opened(C & (cover < 0.25 * n) & R.valid & (R.grad < flat))
    depth = cv2.distanceTransform(np.pad(C, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    mine = np.zeros(C.shape, bool)
    for mask, kind in ((differ, "differ"), (bars, "bars")):
        k, lab, stats, _c = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        for j in range(1, k):
            if stats[j, cv2.CC_STAT_AREA] / area < min_share:
                continue
            m = lab == j
            if kind == "bars":
                if float((R.grad[m] < flat).mean()) >= 0.9:
                    mine |= m
                continue
            ok = np.isfinite(med[:, :, 0][m])
            if ok.mean() < 0.8 or depth[m].max() <= EDGE_BAND:
                continue
            ML = np.where(np.isfinite(med), med, R.lab)  # the majority's picture (the reference's where none)
            g_r, g_m = context_gap(R.lab, m, C), context_gap(ML, m, C)
            if g_r >= stand_out * g_m + 2.0 or _under_layer(R.lab[:, :, 0], ML[:, :, 0], m):
                mine |= m
    if not mine.any():
        return group
    copies = {}
    for i, c in group.copies.items():
        own, info = (c.own | mine, c.info | mine) if i == ref else (c.own & ~mine, c.info & ~mine)
        copies[i] = replace(c, own=own, info=info, own_share=float((own & C).sum()) / area)
    return replace(group, copies=copies)


def _under_layer(R_L: np.ndarray, M_L: np.ndarray, m: np.ndarray, corr: float = 0.3, damp: float = 0.6) -> bool:
    """Whether the reference shows, inside ``m``, the majority's scene under a translucent layer (a
    badge, a tinted box): the fine detail of the two is correlated
    (:func:`kit.matching.pixelwise.shows_through` at least ``corr``: the same scene) and the
    reference's is damped (its typical size under ``damp`` of the majority's: a layer over a scene
    weakens it, and the majority cannot have taken one off)."""
    import cv2

    from kit.matching.pixelwise import shows_through

    if shows_through(R_L, M_L, m) < corr:
        return False
    a_r, a_m = (float(np.median(np.abs((x - cv2.GaussianBlur(x, (0, 0), 2.0))[m]))) for x in (R_L, M_L))
    return a_r < damp * a_m


def _median(values: list, valid: list) -> np.ndarray:
    """Per pixel, the median of the values (``(k, 3)`` arrays) of the copies whose ``valid`` says they show
    it (NaN where none does): one sort along the copies, faster than ``np.nanmedian`` on small stacks."""
    v = np.stack(values).astype(np.float32)
    ok = np.stack(valid)
    v[~ok] = np.inf  # sorted after every real value
    v.sort(axis=0)
    n = ok.sum(axis=0)
    lo, hi = np.maximum(n - 1, 0) // 2, n // 2
    idx = np.arange(v.shape[1])
    out = 0.5 * (v[lo, idx] + v[hi, idx])
    out[n == 0] = np.nan
    return out


def _opened(mask: np.ndarray) -> np.ndarray:
    """``mask`` without specks and thin lines (a 3 x 3 opening)."""
    import cv2

    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
