"""Which copy of a variant group to register on: the one closest to the group's consensus.

Each repost adds its own edits, so the original picture is the copy that the
most copies agree with: :func:`consensus_costs` says how far each copy is
from the per-pixel median of the group (and from the majority's global
characters), :func:`medoid` picks the least-edited one (time settles near
ties where it is known), :func:`choose_reference` is the cheap first guess
before any alignment.

Examples
--------
>>> choose_reference(["a", "b", "c"], sizes={"a": 10, "b": 40, "c": 40}, added={"b": True})
'c'
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from kit.spread.canvas import _compose, _flip, _free_chroma, _grad, _nanmedian, _warp_lab

__all__ = ["choose_reference", "consensus_costs", "medoid"]


def choose_reference(ids: Iterable, sizes: dict | None = None, added: dict | None = None,
                     first_seen: dict | None = None) -> Any:
    """The copy to register a group on: the most pixels of picture (``sizes``: id -> content pixel
    count), copies without added content first, then the earliest (``first_seen``), then by id."""
    sizes, added, first_seen = sizes or {}, added or {}, first_seen or {}
    return min(ids, key=lambda i: (bool(added.get(i)), -(sizes.get(i) or 0),
                                   first_seen.get(i) is None, first_seen.get(i) or 0, str(i)))


def medoid(pics: dict, maps: dict, scales: dict, first_seen: dict, *, only: set | None = None,
           size: int = 64, t0: float = 10.0, near: float = 0.4, clear_s: float = 1800.0,
           boxes: dict | None = None, fine: int = 4) -> Any:
    """The least-edited copy to register on: the least :func:`consensus_costs` cost, unless a copy
    within ``near`` of it was seen more than ``clear_s`` seconds earlier (a small family, or one
    big branch, can outvote the original on an addition; time settles it where it is clear beyond
    the noise of reported times). ``first_seen`` values are seconds. ``boxes``: id -> the picture's
    box inside the copy (fractions), where the hash step found a screenshot frame, bars or a
    border around it. Copies that tie at ``size`` px with no time between them are told apart by
    their departures from the median at ``fine`` times the size (``dev`` only: crops, frames,
    resolution and colour were measured already): a stamped handle or a small logo vanishes at
    64 px, and the file's name (its SHA-256) is no reason to register on the copy that carries one
    (no_time_no_links seeds 0 1 101 and 201: the reference moved from a repost to the origin; at
    twice the size one of the four)."""
    cost = consensus_costs(pics, maps, scales, size=size, t0=t0, boxes=boxes)
    pool = [i for i in cost if only is None or i in only] or list(cost)
    key = lambda i: (round(cost[i]["cost"] / 0.01), first_seen.get(i) is None, first_seen.get(i) or 0, str(i))  # noqa: E731
    best = min(pool, key=key)
    tied = [i for i in pool if key(i)[:3] == key(best)[:3]]
    if len(tied) > 1 and fine > 1:
        finer = consensus_costs(pics, maps, scales, size=fine * size, t0=t0, boxes=boxes)
        best = min(tied, key=lambda i: (round(finer[i]["dev"] / 0.01), str(i)))
    timed = [i for i in pool if cost[i]["cost"] <= cost[best]["cost"] + near and first_seen.get(i) is not None]
    if timed and first_seen.get(best) is not None:
        early = min(timed, key=lambda i: (first_seen[i], key(i)))
        if first_seen[early] + clear_s < first_seen[best]:
            return early
    return best


def consensus_costs(pics: dict, maps: dict, scales: dict, *, size: int = 64, t0: float = 10.0,
                    boxes: dict | None = None) -> dict:
    """How far each copy is from its group's consensus (the least-edited copy is the closest).

    Every copy is warped small (the reference side ``size`` px) onto the common coordinates of
    ``maps`` (id -> (2x3 map, inliers)), tone-matched, and compared with the per-pixel median of
    all copies over the *picture* (where at least half as many copies as at the best-covered
    point show pixels). A copy pays for the share of the picture where it departs from the
    median (a logo, text, a pasted region), the share of the picture it does not show (a crop),
    what it shows outside it (a caption bar, letterbox, app chrome; half weight, the share of the
    file outside its picture box where ``boxes`` gives one), and for each
    global character that differs from most copies (mirror, rotation, gray) or from the median
    (colour, beyond 2 Lab units of mean cast), and for lost resolution below the 80th percentile
    of the group. Each repost adds
    its own edits, so the original is the copy the most copies agree with. Returns id ->
    ``{"cost", "dev", "miss", "extra", "mirror", "rotation", "gray", "colour", "sharp"}``.
    """
    ids = list(maps)
    polys = {i: np.array([[0, 0], [pics[i].shape[1], 0], [pics[i].shape[1], pics[i].shape[0]], [0, pics[i].shape[0]]],
                         float) @ maps[i][0][:, :2].T + maps[i][0][:, 2] for i in ids}
    allp = np.vstack(list(polys.values()))
    ref_span = max(float(np.ptp(polys[ids[0]][:, 0])), float(np.ptp(polys[ids[0]][:, 1])), 1.0)
    lo = np.maximum(allp.min(axis=0), -0.5 * ref_span)
    hi = np.minimum(allp.max(axis=0), 1.5 * ref_span)
    k = size / ref_span
    W, H = max(4, int(np.ceil((hi[0] - lo[0]) * k))), max(4, int(np.ceil((hi[1] - lo[1]) * k)))
    K = np.array([[k, 0, -lo[0] * k], [0, k, -lo[1] * k]])
    L, ab, around = _warped(pics, maps, ids, K, (W, H), boxes or {})
    valid = ~np.isnan(L)
    support = valid.sum(axis=0)
    picture = support >= 0.5 * max(1, support.max())
    med = _nanmedian(np.where(picture, L, np.nan))
    for n in range(len(ids)):  # tone-match each copy to the median before comparing
        m = valid[n] & picture & ~np.isnan(med)
        if m.sum() >= 20:
            q = np.linspace(0, 100, 24)
            qs = np.maximum.accumulate(np.percentile(L[n][m], q) + np.arange(24) * 1e-4)
            L[n] = np.interp(L[n], qs, np.percentile(med[m], q))
    med = _nanmedian(np.where(picture, L, np.nan))
    tol = t0 + 0.6 * _grad(np.nan_to_num(med, nan=0.0))
    gray = [_free_chroma(np.column_stack([L[n][valid[n]], ab[n][valid[n]]])) < 2.0 for n in range(len(ids))]
    mean_ab = [np.nanmean(ab[n][valid[n] & picture], axis=0) if (valid[n] & picture).any() else np.zeros(2)
               for n in range(len(ids))]
    mirror = [bool(np.linalg.det(maps[i][0][:, :2]) < 0) for i in ids]
    rot = []
    for n, i in enumerate(ids):
        A = maps[i][0]
        B = _compose(A, _flip(pics[i].shape[1])) if mirror[n] else A
        rot.append(float(np.degrees(np.arctan2(B[1, 0], B[0, 0]))))
    sharp = [float(np.log2(1.0 / max(scales.get(i, 1.0) * float(np.sqrt(abs(np.linalg.det(maps[i][0][:, :2])))),
                                     1e-9))) for i in ids]
    s80 = float(np.percentile(sharp, 80))
    n_pic = max(1, int(picture.sum()))
    maj_mirror, maj_gray = np.mean(mirror) > 0.5, np.mean(gray) > 0.5
    rot_med = float(np.median(rot))
    ab_med = _nanmedian(np.array(mean_ab, float))

    out = {}
    for n, i in enumerate(ids):
        v = valid[n]
        parts = {"dev": 40.0 * float(((np.abs(L[n] - med) > tol) & v & picture).sum()) / n_pic,
                 "miss": 2.0 * float((picture & ~v).sum()) / n_pic,
                 "extra": float((v & ~picture).sum()) / n_pic + 0.5 * around.get(i, 0.0),
                 "mirror": float(mirror[n] != maj_mirror), "rotation": float(abs(rot[n] - rot_med) > 0.7),
                 "gray": float(gray[n] != maj_gray),
                 "colour": 0.2 * max(0.0, float(np.linalg.norm(np.nan_to_num(mean_ab[n] - ab_med))) - 2.0),
                 "sharp": 2.0 * max(0.0, s80 - sharp[n] - 0.1)}
        out[i] = {"cost": sum(parts.values()), **parts}
    return out


def _warped(pics: dict, maps: dict, ids: list, K: np.ndarray, size: tuple, boxes: dict) -> tuple:
    """``(L, ab, around)``: every copy's lightness and chroma on the common small canvas (NaN where it
    has no picture; with a box from the hash step, only its picture votes, not the app chrome or bars
    around it) and, per copy with a box, the share of its file outside it."""
    W, H = size
    L = np.full((len(ids), H, W), np.nan, np.float32)
    ab = np.full((len(ids), H, W, 2), np.nan, np.float32)
    around = {}
    for n, i in enumerate(ids):
        lab, valid = _warp_lab(pics[i], _compose(K, maps[i][0]), (W, H))
        box = boxes.get(i)
        if box is not None:
            around[i] = max(0.0, 1.0 - float((box[2] - box[0]) * (box[3] - box[1])))
            h, w = pics[i].shape[:2]
            inside = np.zeros((h, w), np.uint8)
            inside[int(box[1] * h):max(int(box[3] * h), int(box[1] * h) + 1),
                   int(box[0] * w):max(int(box[2] * w), int(box[0] * w) + 1)] = 1
            valid &= _warp_lab(np.repeat(inside[:, :, None] * 255, 3, axis=2), _compose(K, maps[i][0]), (W, H))[0][:, :, 0] > 50
        L[n][valid], ab[n][valid] = lab[:, :, 0][valid], lab[:, :, 1:][valid]
    return L, ab, around
