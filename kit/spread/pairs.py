"""Pairwise inheritance evidence between the registered copies of a group.

:func:`pair_lineage` compares two copies ``u`` (candidate parent) and ``v``
(child) of one :class:`kit.spread.lineage.Group`, one row per ordered pair
(columns in :data:`LINEAGE_COLUMNS`):

``inherited``
    Share of the reference area where ``u`` has an own change and ``v``
    shows the same pixels, an own change of ``v`` as well (``v`` carries
    ``u``'s change). A pixel ``u`` changed by little more than the own-change
    threshold (tone-match residue of a colour filter) matches the reference
    within the pair tolerance: every copy, the reference itself included,
    "carried" it (a saturated copy's residue was 0.7 % of the frame, and on
    the spread benchmark siblings hung under each other by such marks).
``inherited_out``
    The part of ``inherited`` outside the reference frame (caption bars,
    frames, app chrome).
``lacking``
    Where ``u`` has an own change, ``v`` shows the picture and ``v`` looks
    like the reference there (``v`` would have to undo ``u``'s edit).
``overwritten``
    Where both changed the same pixels differently (not where ``u`` shows its
    picture beyond the reference frame: a crop of it shows something else there).
``uncovered``
    Where ``v`` shows picture content that ``u`` does not hold (an un-crop): inside
    the reference frame, and beyond it where ``v``'s picture surely runs on there
    (:attr:`kit.spread.lineage.Copy` ``beyond`` 2: the reference is a crop), away
    from ``u``'s edge and over :data:`BEYOND_MIN` of the frame.
``lacking_sides``
    Sides on which ``u`` holds added content (a caption bar, frame, app
    chrome) beyond ``v``'s frame while ``v``'s picture ends on the same line
    as ``u``'s: ``v`` would have had to cut the addition off exactly, and no
    picture with it.
``shared_edges``
    Crop edges of ``u`` (inside the reference frame) that ``v`` shares
    within 2 % of the frame.
``mirror_u`` / ``mirror_v``, ``rotation_u`` / ``rotation_v``, ``scale_u`` / ``scale_v``,
``gray_u`` / ``gray_v``, ``colour_u`` / ``colour_v`` (size of each copy's colour change),
``colour_uv`` (distance between the two colour changes), ``added_u`` / ``added_v`` (content around the picture)
    The global characters.
``scale_full``
    The group's full resolution (:func:`full_scale`).

:func:`kit.spread.cost.lineage_cost` turns a row into support and conflict
with reasons an analyst reads. The masks are compared with OpenCV's array
operations (about half a millisecond a pair on the default canvas), each copy
read inside its own box only (:func:`_planes`): the canvas is as wide as the
group's widest copy, and most copies fill only the reference frame.

Examples
--------
>>> import numpy as np, cv2
>>> from kit.spread.lineage import register_group
>>> rng = np.random.default_rng(1)
>>> base = cv2.resize((rng.random((40, 60, 3)) * 255).astype(np.uint8), (360, 240), interpolation=cv2.INTER_CUBIC)
>>> logo = base.copy(); logo[20:60, 290:340] = (250, 30, 30)
>>> child = np.vstack([np.full((40, 360, 3), 255, np.uint8), logo])[:, ::-1].copy()  # bar + mirror
>>> g = register_group({"o": base, "l": logo, "c": child}, "o", rechoose=False)
>>> rows = pair_lineage(g, [("l", "c"), ("c", "l")]).set_index(["u", "v"])
>>> bool(rows.loc[("l", "c"), "inherited"] > 0.01), bool(rows.loc[("c", "l"), "lacking_sides"] >= 1)
(True, True)
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from kit.spread.lineage import Copy, Group

__all__ = ["LINEAGE_COLUMNS", "SIDES", "full_scale", "pair_lineage"]

LINEAGE_COLUMNS = ["u", "v", "inherited", "inherited_out", "lacking", "overwritten", "uncovered", "lacking_sides", "shared_edges",
                   "mirror_u", "mirror_v", "rotation_u", "rotation_v", "scale_u", "scale_v", "gray_u", "gray_v",
                   "colour_u", "colour_v", "colour_uv", "added_u", "added_v", "scale_full"]
SIDES = ("left", "top", "right", "bottom")
BEYOND_MIN = 0.01  # picture beyond the frame under 1 % of it is residue along a picture's edges



def full_scale(scales: Iterable[float], *, tol: float = 0.02, share: float = 0.2) -> float | None:
    """The group's full resolution: the largest scale (pixels per reference pixel) that at least two
    copies and ``share`` of them show within ``tol`` (log ratio). One upscaled screenshot does not
    set it; resized copies fall below it. None without scales.

    >>> full_scale([1.12, 1.0, 1.0, 0.999, 0.61, 0.61, 0.5])
    1.0
    """
    s = np.array(sorted((float(x) for x in scales if x and x > 0), reverse=True))
    if not len(s):
        return None
    need = max(2.0, share * len(s))
    return float(next((x for x in s if (np.abs(np.log(s / x)) < tol).sum() >= need), s[0]))


def _speckless(mask: np.ndarray, min_px: int) -> np.ndarray:
    """``mask`` without single-pixel specks (a 2 x 2 opening); empty when fewer than ``min_px`` remain."""
    import cv2

    if mask.sum() < min_px:
        return np.zeros_like(mask)
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).astype(bool)
    return m if m.sum() >= min_px else np.zeros_like(mask)


def _cut_additions(a: Copy, b: Copy, tol: float) -> int:
    """Sides where ``a`` holds added content (its own, not the reference's picture) beyond ``b``'s
    frame while ``b``'s picture ends on the same line as ``a``'s and ``b``'s frame ends there too:
    ``b`` made from ``a`` would have had to cut ``a``'s caption bar, frame or app chrome off along
    its exact boundary, and no picture with it (a crop that keeps part of a bar cut it elsewhere). Not
    where most of what ``a`` shows there is its picture running on beyond the frame (``beyond``: the
    reference frame is a crop of it, and what ``b`` lacks there is picture)."""
    x0, y0, x1, y1 = b.extent
    n = 0
    for k, side in enumerate(SIDES):
        if side == "top":
            out = (slice(0, y0), slice(x0, x1))
        elif side == "bottom":
            out = (slice(y1, None), slice(x0, x1))
        elif side == "left":
            out = (slice(y0, y1), slice(0, x0))
        else:
            out = (slice(y0, y1), slice(x1, None))
        strip = a.valid[out]
        span = (x1 - x0) if side in ("top", "bottom") else (y1 - y0)
        if strip.sum() < 3 * 0.5 * span or (a.own[out] & strip).sum() < 0.9 * strip.sum():
            continue
        if a.beyond is not None and (a.beyond[out] > 0).sum() >= 0.5 * strip.sum():
            continue  # what a shows there is mostly picture (the reference is a crop of it): a crop cuts picture
        if abs(a.box[k] - b.box[k]) <= tol and abs(b.extent[k] - b.box[k]) <= tol:
            n += 1  # both pictures end on one line, and b has nothing beyond its picture there
    return n


def _edges(box: tuple, frame: tuple, tol: float) -> dict:
    """Per side: the copy's edge position and whether it lies inside the frame (a crop edge)."""
    x0, y0, x1, y1 = frame
    tx, ty = tol * (x1 - x0), tol * (y1 - y0)
    return {"left": (box[0], box[0] > x0 + tx), "top": (box[1], box[1] > y0 + ty),
            "right": (box[2], box[2] < x1 - tx), "bottom": (box[3], box[3] < y1 - ty)}


def _planes(c: Copy, C: np.ndarray) -> dict:
    """A copy's canvas as contiguous float32 planes and 0/255 masks, for OpenCV's fast array ops, cut
    to its extent (``win``: x0, y0, x1, y1 on the canvas; its own and informative pixels lie inside
    it). The canvas is the union of every copy's extent: one wide letterbox or screenshot makes it
    several times the frame, and most copies fill the frame only (at 10,000 posts a worker held
    11 GB of full-canvas planes for one group)."""
    x0, y0, x1, y1 = c.extent
    sl = (slice(y0, y1), slice(x0, x1))
    m = lambda x: np.ascontiguousarray(x.astype(np.uint8) * 255)  # noqa: E731
    f = lambda x: np.ascontiguousarray(x[sl], dtype=np.float32)  # noqa: E731
    valid, own = c.valid[sl], c.own[sl]
    beyond = c.beyond[sl] if c.beyond is not None else np.zeros(valid.shape, np.uint8)
    return {"win": (x0, y0, x1, y1), "L": f(c.lab[:, :, 0]), "A": f(c.lab[:, :, 1]), "B": f(c.lab[:, :, 2]),
            "G": f(c.grad), "valid": m(valid), "own": m(own), "info": m(c.info[sl]), "not_own": m(~own),
            "unc_base": m(valid & C[sl] & ~own & _box_mask(c.box, C.shape)[sl]), "not_valid": m(~valid),
            "beyond": m(beyond == 2), "not_beyond": m(beyond == 0)}


def _cut(p: dict, win: tuple) -> tuple:
    """The slices of planes ``p`` that cover canvas window ``win`` (inside ``p``'s own window)."""
    x0, y0 = p["win"][:2]
    return slice(win[1] - y0, win[3] - y0), slice(win[0] - x0, win[2] - x0)


def _inner(win: tuple, wa: tuple, wb: tuple, k: int = 3) -> tuple:
    """Zero margins (top, bottom, left, right; ``k`` px) for a mask cut to ``win`` on each side where the
    union of windows ``wa`` and ``wb`` runs on: there the mask is empty, and a morphological opening
    or erosion must see it so (beyond the union OpenCV's border leaves the pixels alone)."""
    return (k * (win[1] > min(wa[1], wb[1])), k * (win[3] < max(wa[3], wb[3])),
            k * (win[0] > min(wa[0], wb[0])), k * (win[2] < max(wa[2], wb[2])))


def _pad(mask: np.ndarray, pad: tuple) -> np.ndarray:
    import cv2

    return cv2.copyMakeBorder(mask, *pad, cv2.BORDER_CONSTANT, value=0) if any(pad) else mask


def _box_mask(box: tuple, shape: tuple) -> np.ndarray:
    """The copy's picture box (:func:`kit.spread.changes._peel`) as a canvas mask: only picture there
    can be picture that a candidate parent does not hold."""
    out = np.zeros(shape, bool)
    out[box[1]:box[3], box[0]:box[2]] = True
    return out


def pair_lineage(group: Group, pairs: Iterable[tuple] | None = None, *, t_same: float = 12.0,
                 k_grad: float = 0.6, edge_tol: float = 0.02, min_blob: int = 6) -> pd.DataFrame:
    """Inheritance evidence for ordered pairs ``(u, v)`` of registered copies (all pairs by default)."""
    import cv2

    cp = group.copies
    ids = list(cp)
    todo = [(u, v) for u in ids for v in ids if u != v] if pairs is None else \
        [(u, v) for u, v in pairs if u in cp and v in cp and u != v]
    C = group.frame_mask
    C8 = np.ascontiguousarray(C.astype(np.uint8) * 255)
    notC8 = cv2.bitwise_not(C8)
    area = max(1.0, float(C.sum()))
    x0, y0, x1, y1 = group.frame
    ker = np.ones((3, 3), np.uint8)
    k2 = np.ones((2, 2), np.uint8)
    rows = []
    pl = {i: _planes(c, C) for i, c in cp.items()}
    added = {i: float((c.valid & ~C).sum() / area) for i, c in cp.items()}
    tol_e = {"left": edge_tol * (x1 - x0), "right": edge_tol * (x1 - x0), "top": edge_tol * (y1 - y0),
             "bottom": edge_tol * (y1 - y0)}
    edges = {i: _edges(c.box, group.frame, edge_tol) for i, c in cp.items()}
    cut_tol = max(1.0, edge_tol * max(x1 - x0, y1 - y0))
    full = full_scale(c.scale for c in cp.values())

    def count(mask: np.ndarray, clean: bool, pad: tuple = (0, 0, 0, 0)) -> float:
        n = cv2.countNonZero(mask)
        if clean and n >= min_blob:
            n = cv2.countNonZero(cv2.morphologyEx(_pad(mask, pad), cv2.MORPH_OPEN, k2))
        return n / area if n >= (min_blob if clean else 1) else 0.0

    for u, v in todo:
        a, b = cp[u], cp[v]
        pa, pb = pl[u], pl[v]
        wa, wb = pa["win"], pb["win"]
        both_w = (max(wa[0], wb[0]), max(wa[1], wb[1]), min(wa[2], wb[2]), min(wa[3], wb[3]))
        inh_s = lack_s = over_s = out_s = 0.0
        nva = np.full((wb[3] - wb[1], wb[2] - wb[0]), 255, np.uint8)  # where a has no pixel, over b's window
        if both_w[2] > both_w[0] and both_w[3] > both_w[1]:
            sa, sb = _cut(pa, both_w), _cut(pb, both_w)
            pad = _inner(both_w, wa, wb)
            nva[sb] = pa["not_valid"][sa]
            both = cv2.bitwise_and(pa["info"][sa], pb["valid"][sb])
            if cv2.countNonZero(both):
                d = cv2.absdiff(pa["L"][sa], pb["L"][sb])
                if not (a.gray or b.gray):
                    dab = cv2.add(cv2.absdiff(pa["A"][sa], pb["A"][sb]), cv2.absdiff(pa["B"][sa], pb["B"][sb]))
                    d = cv2.addWeighted(d, 1.0, dab, 0.5, 0.0)
                tol = cv2.addWeighted(cv2.max(pa["G"][sa], pb["G"][sb]), k_grad, d, 0.0, t_same)
                same = cv2.compare(d, tol, cv2.CMP_LT)
                differ = cv2.bitwise_and(both, cv2.bitwise_not(same))
                inh = cv2.bitwise_and(cv2.bitwise_and(both, same), pb["own"][sb])  # and v's own change too
                inh_s = count(inh, False)
                out_s = count(cv2.bitwise_and(inh, notC8[both_w[1]:both_w[3], both_w[0]:both_w[2]]), False)
                lack_s = count(cv2.bitwise_and(differ, pb["not_own"][sb]), True, pad)
                over_s = count(cv2.bitwise_and(cv2.bitwise_and(differ, pb["own"][sb]), pa["not_beyond"][sa]), True, pad)
        unc = cv2.bitwise_and(pb["unc_base"], nva)
        if cv2.countNonZero(pb["beyond"]):  # picture beyond the frame, away from u's own edge, over 1 % of it
            far = cv2.bitwise_and(pb["beyond"], cv2.erode(nva, np.ones((11, 11), np.uint8)))
            if cv2.countNonZero(far) >= BEYOND_MIN * area:
                unc = cv2.bitwise_or(unc, far)
        unc_s = cv2.countNonZero(cv2.erode(_pad(unc, _inner(wb, wa, wb)), ker, iterations=2)) / area \
            if cv2.countNonZero(unc) else 0.0
        eu, ev = edges[u], edges[v]
        shared = sum(1 for s in SIDES if eu[s][1] and abs(eu[s][0] - ev[s][0]) <= tol_e[s])
        rows.append({"u": u, "v": v, "inherited": float(inh_s), "inherited_out": float(out_s),
                     "lacking": float(lack_s), "overwritten": float(over_s), "uncovered": float(unc_s),
                     "lacking_sides": _cut_additions(a, b, cut_tol), "shared_edges": int(shared),
                     "mirror_u": a.mirror, "mirror_v": b.mirror, "rotation_u": a.rotation, "rotation_v": b.rotation,
                     "scale_u": a.scale, "scale_v": b.scale, "gray_u": a.gray, "gray_v": b.gray,
                     "colour_u": float(np.linalg.norm(a.colour)), "colour_v": float(np.linalg.norm(b.colour)),
                     "colour_uv": float(np.linalg.norm(a.colour - b.colour)),
                     "added_u": added[u], "added_v": added[v], "scale_full": full})
    return pd.DataFrame(rows, columns=LINEAGE_COLUMNS)
