"""Which copy carries which changes: image phylogeny by inheritance of edits.

A repost is made from one earlier copy and keeps what that copy changed: its
crop, caption bar, logo, meme text, frame, mirror, rotation, colour filter
and lost resolution. Two children of one parent both keep most of the
parent's picture, so "looks alike" does not say who was made from whom; "the
child carries the parent's own changes, and none of the parent's changes is
missing from the child" does.

:func:`register_group` puts every copy of one variant group onto one canvas:
the group's reference copy fixes the coordinates; each copy is aligned to it
with SIFT + RANSAC (a similarity, mirrored where needed; a copy that does not
align to the reference is aligned through another copy), warped in Lab,
tone-matched to the reference (quantile mapping of lightness, an affine map of
the chroma, a smooth flat-field so vignettes and gradients do not count) and
compared with it. A copy's *own changes* (:class:`Copy` ``own``) are the
pixels where it differs from the reference beyond the noise of re-encoding
and alignment (the threshold grows with the local gradient), plus every pixel
it has outside the reference's frame (caption bars, frames, letterboxes,
screenshot chrome). Its global characters are kept beside: ``mirror``,
``rotation`` (degrees), ``scale`` (its pixels per reference pixel at full
size), ``colour`` (lightness shift, contrast, chroma shifts and gain against
the reference) and ``gray``.

:func:`kit.spread.pairs.pair_lineage` then compares the copies two by two
(what ``v`` inherited from ``u``, what it would have had to undo), and
:func:`kit.spread.cost.lineage_cost` turns that into support and conflict.
The reference is the copy closest to the group's consensus
(:func:`kit.spread.consensus.medoid`); a copy that differs from the group's
picture by a region of other picture (``replaced``) or cannot be brought onto
it by a similarity (``displaced``: another shot of the scene) is flagged.

Examples
--------
>>> import numpy as np, cv2
>>> rng = np.random.default_rng(1)
>>> base = cv2.resize((rng.random((40, 60, 3)) * 255).astype(np.uint8), (360, 240), interpolation=cv2.INTER_CUBIC)
>>> logo = base.copy(); logo[20:60, 290:340] = (250, 30, 30)
>>> child = np.vstack([np.full((40, 360, 3), 255, np.uint8), logo])[:, ::-1].copy()  # bar + mirror
>>> g = register_group({"o": base, "l": logo, "c": child}, "o", rechoose=False)
>>> sorted(g.copies), g.copies["c"].mirror, g.copies["l"].own_share > 0.01
(['c', 'l', 'o'], True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from kit.spread.canvas import _bbox, _chroma, _compose, _flip, _free_chroma, _grad, _span, _warp_lab
from kit.spread.consensus import medoid

__all__ = ["Copy", "Group", "align_group", "register_group"]


@dataclass(frozen=True)
class Copy:
    """One copy registered on its group's canvas (see the module doc)."""

    id: Any
    inliers: int
    mirror: bool
    rotation: float
    scale: float
    valid: np.ndarray = field(repr=False)
    own: np.ndarray = field(repr=False)
    info: np.ndarray = field(repr=False)
    lab: np.ndarray = field(repr=False)
    grad: np.ndarray = field(repr=False)
    colour: np.ndarray = field(repr=False)
    gray: bool = False
    box: tuple = (0, 0, 0, 0)
    extent: tuple = (0, 0, 0, 0)
    replaced: float = 0.0
    replaced_box: tuple | None = None
    misfit: float = 0.0
    displaced: float = 0.0
    own_share: float = 0.0



@dataclass(frozen=True)
class Group:
    """A variant group on one canvas: ``reference`` id, ``frame`` (x0, y0, x1, y1) of the reference in
    canvas pixels, ``copies`` (id -> :class:`Copy`), ``failed`` (id -> why it could not be registered),
    ``maps`` (id -> (2x3 map into the reference's analysis pixels, inliers))."""

    reference: Any
    frame: tuple
    shape: tuple
    copies: dict
    failed: dict
    maps: dict = field(default_factory=dict, repr=False)

    @property
    def frame_mask(self) -> np.ndarray:
        m = np.zeros(self.shape, bool)
        x0, y0, x1, y1 = self.frame
        m[y0:y1, x0:x1] = True
        return m


def _overlap(A: np.ndarray, shape: tuple, ref_shape: tuple) -> float:
    """Share of the reference frame (``ref_shape`` h, w) or of the copy's own frame (``shape``),
    whichever is larger, that the other covers once the copy is mapped by ``A``."""
    import cv2

    h, w = shape
    H, W = ref_shape
    quad = (np.array([[0, 0], [w, 0], [w, h], [0, h]], float) @ A[:, :2].T + A[:, 2]).astype(np.float32)
    ref = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
    inter, _ = cv2.intersectConvexConvex(quad, ref)
    area_q = abs(float(cv2.contourArea(quad)))
    return float(inter) / max(1.0, min(area_q, float(W * H)))


def align_group(pics: dict, features: dict, reference: Any, *, min_inliers: int = 10,
                min_overlap: float = 0.25) -> tuple[dict, dict]:
    """Align every copy with ``reference`` (SIFT + RANSAC similarity, mirrored where needed; a copy
    that does not align directly goes through the best-aligned others). An alignment counts only
    when the two frames overlap by ``min_overlap`` of the smaller one: a pasted region matching
    its donor photo, or a small shared element, is no alignment of the picture. Returns ``(maps,
    failed)``: id -> (2x3 map of its analysis pixels into the reference's, inliers), id -> why."""
    from kit.spread.content import _align

    ref_shape = pics[reference].shape[:2]
    maps: dict = {reference: (np.array([[1.0, 0, 0], [0, 1.0, 0]]), 10 ** 6)}
    failed: dict = {}

    def fit(j: Any, i: Any) -> tuple | None:
        n, M, mir = _align(features[j], features[i])
        if M is None or n < min_inliers:
            return None
        A = _compose(M, _flip(pics[i].shape[1])) if mir else M
        if _overlap(A, pics[i].shape[:2], pics[j].shape[:2]) < min_overlap:
            return None
        return A, n

    for i in pics:
        if i != reference and (got := fit(reference, i)) is not None:
            maps[i] = got
    for i in [i for i in pics if i not in maps]:
        best = None
        for j in sorted((j for j in maps if j != reference), key=lambda j: -maps[j][1])[:4]:
            got = fit(j, i)
            if got is not None and (best is None or got[1] > best[1]):
                A = _compose(maps[j][0], got[0])
                if _overlap(A, pics[i].shape[:2], ref_shape) >= min_overlap:
                    best = (A, min(got[1], maps[j][1]))
        if best is None:
            failed[i] = "could not be aligned with the group's picture"
        else:
            maps[i] = best
    return maps, failed


def register_group(images: dict, reference: Any | None = None, *, features: dict | None = None,
                   maps: dict | None = None,
                   scales: dict | None = None, canvas: int = 224, side: int = 320, margin: float = 1.5,
                   min_inliers: int = 10, t0: float = 9.0, k_grad: float = 0.6, min_blob: int = 10,
                   texture: float = 3.0, first_seen: dict | None = None,
                   rechoose: bool = True, choose_from: Iterable | None = None, boxes: dict | None = None) -> Group:
    """Register ``images`` (id -> RGB/gray uint8 array at analysis size) on one canvas.

    Parameters
    ----------
    images
        id -> picture (long side at most ``side``; larger ones are shrunk).
    reference
        The copy to align the others with first (default: the largest picture).
    first_seen
        id -> first post time (sortable), for ties between equally plain copies.
    rechoose
        Once aligned, register on the copy closest to the group's consensus instead (:func:`medoid`).
    choose_from
        Restrict that choice to these ids.
    boxes
        id -> the picture's box inside the copy (fractions, from the hash step's content box) for
        that choice: the app chrome of a screenshot does not vote for the picture.
    features
        id -> :func:`kit.matching.verify.features` of the picture (computed when missing).
    maps
        Alignments made before (:func:`align_group`, into any common anchor): no matching again.
    scales
        id -> analysis pixels per original pixel (1.0 when missing): turns alignment scales into
        full-size resolution.
    canvas
        The reference's long side on the canvas.
    margin
        How far outside the reference frame (share of its size) added content is kept.
    min_inliers
        RANSAC inliers needed to register a copy.
    t0, k_grad, min_blob
        A pixel is an own change where the tone-matched difference exceeds ``t0 + k_grad *
        gradient`` (Lab units); own-change blobs under ``min_blob`` pixels are dropped.
    texture
        Outside the reference frame only textured own pixels (gradient above this, Lab units per
        pixel, and their neighbours) are informative: a flat bar or background matches any other.
    """
    import cv2

    from kit.matching.verify import features as sift
    from kit.spread.content import _rgb

    features, scales = dict(features or {}), dict(scales or {})
    pics: dict = {}
    for i, img in images.items():
        img = _rgb(np.asarray(img))
        s = min(1.0, side / max(img.shape[:2]))
        if s < 1.0:
            img = cv2.resize(img, (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))),
                             interpolation=cv2.INTER_AREA)
            scales[i] = scales.get(i, 1.0) * s
            features.pop(i, None)
        pics[i] = img
        if i not in features and maps is None:
            features[i] = sift(img, max_side=side, nfeatures=600)
    ref = reference if reference in pics else max(pics, key=lambda i: (pics[i].shape[0] * pics[i].shape[1], str(i)))
    failed: dict = {}
    if maps is None:
        maps, failed = align_group(pics, features, ref, min_inliers=min_inliers)
    else:  # alignments made before (into any common anchor): only the copies asked for
        maps = {i: m for i, m in maps.items() if i in pics}
        failed = {i: "could not be aligned with the group's other copies" for i in pics if i not in maps}
        if ref not in maps:
            ref = max(maps, key=lambda i: maps[i][1])
        inv = cv2.invertAffineTransform(maps[ref][0])
        maps = {i: (_compose(inv, A), n) for i, (A, n) in maps.items()}
    hR, wR = pics[ref].shape[:2]
    if rechoose and len(maps) > 2:
        best = medoid(pics, maps, scales, first_seen or {}, only=None if choose_from is None else set(choose_from),
                      boxes=boxes)
        if best != ref:
            inv = cv2.invertAffineTransform(maps[best][0])
            maps = {i: (_compose(inv, A), n if i != best else 10 ** 6) for i, (A, n) in maps.items()}
            ref = best
            hR, wR = pics[ref].shape[:2]
    # the canvas: the reference frame plus what the copies add around it, up to ``margin``
    k = canvas / max(hR, wR)
    lo, hi = np.array([0.0, 0.0]), np.array([wR, hR], float)
    for i, (A, _) in maps.items():
        h, w = pics[i].shape[:2]
        c = np.array([[0, 0], [w, 0], [w, h], [0, h]], float) @ A[:, :2].T + A[:, 2]
        lo, hi = np.minimum(lo, c.min(axis=0)), np.maximum(hi, c.max(axis=0))
    lo = np.maximum(lo, [-margin * wR, -margin * hR])
    hi = np.minimum(hi, [(1 + margin) * wR, (1 + margin) * hR])
    W, H = int(np.ceil((hi[0] - lo[0]) * k)), int(np.ceil((hi[1] - lo[1]) * k))
    K = np.array([[k, 0, -lo[0] * k], [0, k, -lo[1] * k]])
    frame = (int(round(-lo[0] * k)), int(round(-lo[1] * k)), int(round((wR - lo[0]) * k)), int(round((hR - lo[1] * 1.0) * k)))
    C = np.zeros((H, W), bool)
    C[frame[1]:frame[3], frame[0]:frame[2]] = True

    def warp(i: Any, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lab, valid = _warp_lab(pics[i], _compose(K, A), (W, H))
        return lab, cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)

    R_lab, R_valid = warp(ref, maps[ref][0])
    R_L = cv2.GaussianBlur(R_lab[:, :, 0], (0, 0), 0.7)
    R_grad = _grad(R_lab[:, :, 0])
    chroma_R = _free_chroma(R_lab[C & R_valid][:: max(1, int((C & R_valid).sum()) // 6000)])
    copies: dict = {}
    for i, (A, n) in maps.items():
        lab, valid = (R_lab, R_valid) if i == ref else warp(i, A)
        mirror = bool(np.linalg.det(A[:, :2]) < 0)
        B = _compose(A, _flip(pics[i].shape[1])) if mirror else A
        rot = float(np.degrees(np.arctan2(B[1, 0], B[0, 0])))
        sc = float(np.sqrt(abs(np.linalg.det(A[:, :2]))))  # reference analysis px per copy analysis px
        scale = scales.get(ref, 1.0) / (scales.get(i, 1.0) * sc) if sc else 1.0
        ov = valid & C & R_valid
        own = np.zeros((H, W), bool)
        replaced, rbox, misfit, displaced = 0.0, None, 0.0, 0.0
        norm = lab.copy()
        colour = np.zeros(5, np.float32)
        gray = i == ref and chroma_R < 3.0
        if i != ref and ov.sum() >= 50:
            y0, x0, y1, x1 = _span(ov)
            sl = (slice(y0, y1), slice(x0, x1))
            norm, gray, colour, diff = _normalise(lab, R_lab, ov, R_L, R_grad, chroma_R, t0, k_grad, sl)
            o = ov[sl] & (diff > t0 + k_grad * R_grad[sl])
            own[sl] = _clean(o, min_blob)
            # a region of other picture: a solid difference once thin marks (text, outlines) are opened away
            strong = ov[sl] & (np.abs(cv2.GaussianBlur(norm[sl][:, :, 0], (0, 0), 1.2)
                                      - cv2.GaussianBlur(R_lab[sl][:, :, 0], (0, 0), 1.2)) > t0)
            ko, kc = (max(3, int(round(f * canvas))) for f in (0.05, 0.06))
            big = cv2.morphologyEx(strong.astype(np.uint8), cv2.MORPH_OPEN,
                                   cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ko, ko)))
            big = cv2.morphologyEx(big, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kc, kc)))
            big &= ov[sl].astype(np.uint8)
            fr = (frame[0] - x0, frame[1] - y0, frame[2] - x0, frame[3] - y0)
            replaced, rbox = _replaced(big, norm[sl][:, :, 0], R_lab[sl][:, :, 0], fr, o)
            edges = ov[sl] & (R_grad[sl] > np.percentile(R_grad[sl][ov[sl]], 75)) & ~big.astype(bool)
            misfit = float((own[sl] & edges).sum() / max(1, edges.sum()))
            displaced = _displacement(norm[sl][:, :, 0], R_lab[sl][:, :, 0], ov[sl])
        own = own | (valid & ~C)
        inside = valid & C
        ys, xs = np.nonzero(inside)
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else frame
        g = _grad(norm[:, :, 0])
        textured = cv2.dilate((g > texture).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        near = np.zeros((H, W), bool)  # the picture's own edge is no added content
        near[max(0, box[1] - 4):box[3] + 4, max(0, box[0] - 4):box[2] + 4] = True
        info = own & (C | (textured & ~near))
        copies[i] = Copy(i, int(n), mirror, rot, float(scale), valid, own, info, norm, g, colour,
                         bool(gray), box, _bbox(valid, frame), replaced, rbox, misfit, displaced,
                         float((own & C).sum()) / max(1.0, float(C.sum())))
    return Group(ref, frame, (H, W), copies, failed, maps)


def _displacement(x: np.ndarray, r: np.ndarray, ov: np.ndarray, min_response: float = 0.3) -> float:
    """How differently the quarters of the overlap are shifted (canvas pixels, phase correlation):
    near 0 for a copy that a similarity brings onto the reference, several pixels for another shot
    of the scene (parallax, perspective), which no scale, rotation and shift can align. Only
    quarters whose correlation peak reaches ``min_response`` count, and at least three of them."""
    import cv2

    h, w = ov.shape
    shifts = []
    for a in (0, 1):
        for b in (0, 1):
            sl = (slice(a * h // 2, (a + 1) * h // 2), slice(b * w // 2, (b + 1) * w // 2))
            m = ov[sl]
            if m.size < 256 or m.mean() < 0.8:
                continue
            pa, pb = np.ascontiguousarray(r[sl], np.float32), np.ascontiguousarray(x[sl], np.float32)
            (dx, dy), response = cv2.phaseCorrelate(pa, pb, cv2.createHanningWindow(pa.shape[::-1], cv2.CV_32F))
            if response >= min_response:  # a weak peak (flat or changed content) says nothing
                shifts.append((dx, dy))
    if len(shifts) < 3:
        return 0.0
    sh = np.array(shifts)
    return float(np.ptp(sh[:, 0]) + np.ptp(sh[:, 1]))


def _tone(lab: np.ndarray, R_lab: np.ndarray, fit: np.ndarray, chroma_R: float) -> tuple:
    """The map of ``lab`` onto the reference's tones, fitted on the ``fit`` pixels (a sample of
    them): lightness by quantile mapping (any monotone curve: contrast, fades, gamma), chroma by
    an affine map (tints, sepia, saturation). Returns ``(apply, gray)``; gray when the copy holds
    (almost) no colour beyond what its lightness explains (gray or toned gray) or its colour
    follows no affine map (the fit leaves more than half of the reference's colour unexplained)."""
    idx = np.flatnonzero(fit.ravel())
    if len(idx) > 6000:
        idx = idx[:: len(idx) // 6000]
    xs, rs = lab.reshape(-1, 3)[idx], R_lab.reshape(-1, 3)[idx]
    q = np.linspace(0, 100, 48)
    qx = np.maximum.accumulate(np.percentile(xs[:, 0], q) + np.arange(48) * 1e-4)
    qr = np.percentile(rs[:, 0], q)
    free = _free_chroma(xs)
    gray = free < 3.0 or free < 0.25 * chroma_R
    coef = None
    if not gray:
        X = np.column_stack([xs[:, 1:], np.ones(len(xs))])
        coef, *_ = np.linalg.lstsq(X, rs[:, 1:], rcond=None)
        gray = float(np.median(np.abs(X @ coef - rs[:, 1:]).sum(axis=1))) > max(8.0, 0.5 * chroma_R)

    def apply(x: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[:, :, 0] = np.interp(x[:, :, 0], qx, qr)
        if coef is not None and not gray:
            out[:, :, 1:] = (x[:, :, 1:].reshape(-1, 2) @ coef[:2] + coef[2]).reshape(*x.shape[:2], 2)
        return out

    return apply, bool(gray)


def _normalise(lab: np.ndarray, R_lab: np.ndarray, ov: np.ndarray, R_L: np.ndarray, R_grad: np.ndarray,
               chroma_R: float, t0: float, k_grad: float, sl: tuple) -> tuple:
    """Tone-match a warped copy to the reference (fitted twice: the second time without the pixels
    the copy changed, so that a bar or a sticker does not bend the curve) and take a smooth
    flat-field out of the picture (vignettes, gradients). Works on the overlap's box ``sl``;
    returns (normalised Lab of the whole canvas, gray, colour character, difference in ``sl``)."""
    import cv2

    x, r, o, rL, rg = lab[sl], R_lab[sl], ov[sl], R_L[sl], R_grad[sl]
    h, w = o.shape
    fit = o
    for _ in range(2):
        apply, gray = _tone(x, r, fit, chroma_R)
        nx_ = apply(x)
        d = np.where(o, nx_[:, :, 0] - r[:, :, 0], 0.0).astype(np.float32)
        small = (max(2, w // 4), max(2, h // 4))
        sig = max(h, w) / 40.0
        den = cv2.GaussianBlur(cv2.resize(fit.astype(np.float32), small, interpolation=cv2.INTER_AREA), (0, 0), sig)
        num = cv2.GaussianBlur(cv2.resize(np.where(fit, d, 0.0).astype(np.float32), small,
                                          interpolation=cv2.INTER_AREA), (0, 0), sig)
        low = cv2.resize(num / np.maximum(den, 1e-3), (w, h), interpolation=cv2.INTER_LINEAR)
        den = cv2.resize(den, (w, h), interpolation=cv2.INTER_LINEAR)
        nx_[:, :, 0] -= np.where(den > 0.05, low, 0.0)
        diff = np.abs(cv2.GaussianBlur(nx_[:, :, 0], (0, 0), 0.7) - rL)
        if not gray:
            diff = diff + 0.5 * np.abs(cv2.GaussianBlur(nx_[:, :, 1:], (0, 0), 0.7) - r[:, :, 1:]).sum(axis=2)
        keep = o & (diff < 2.0 * (t0 + k_grad * rg))
        if keep.sum() < 0.3 * o.sum():
            break
        fit = keep
    norm = apply(lab)
    norm[sl] = nx_
    xs, rs = x[fit], r[fit]
    colour = np.array([(xs[:, 0].mean() - rs[:, 0].mean()) / 5.0,
                       5.0 * np.log((xs[:, 0].std() + 1) / (rs[:, 0].std() + 1)),
                       (xs[:, 1].mean() - rs[:, 1].mean()) / 3.0, (xs[:, 2].mean() - rs[:, 2].mean()) / 3.0,
                       3.0 * np.log((_chroma(xs[:, 1:]) + 1.0) / (_chroma(rs[:, 1:]) + 1.0))], np.float32)
    return norm, gray, colour, diff


def _replaced(big: np.ndarray, L: np.ndarray, R_L: np.ndarray, frame: tuple,
              changed: np.ndarray) -> tuple[float, tuple | None]:
    """The largest solid changed region where the copy shows *other picture*: photograph on both
    sides (:func:`kit.matching.comparison.looks_like_photo`; a caption bar, meme text, app chrome or
    a fill over the picture is graphics), textured on one side at least, and changed almost throughout (under half of its
    pixels like the reference; overlaid text leaves the picture between the letters). Its share
    of the frame and its box as fractions of the frame (x0, y0, x1, y1), or (0, None)."""
    import cv2

    from kit.matching.comparison import looks_like_photo

    fx0, fy0, fx1, fy1 = frame
    area = max(1.0, float((fx1 - fx0) * (fy1 - fy0)))
    n, lab, stats, _c = cv2.connectedComponentsWithStats(big, connectivity=8)
    best, box = 0.0, None
    if n <= 1:
        return best, box
    grad, R_grad = _grad(L), _grad(R_L)
    for k in range(1, n):
        m = lab == k
        a = float(stats[k, cv2.CC_STAT_AREA]) / area
        if a <= best or 1.0 - float(changed[m].mean()) >= 0.5:
            continue
        if max(float(grad[m].mean()), float(R_grad[m].mean())) < 1.5:
            continue
        if not (looks_like_photo(L[m], grad[m]) and looks_like_photo(R_L[m], R_grad[m])):
            continue
        x, y, w, h = (int(stats[k, j]) for j in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                  cv2.CC_STAT_HEIGHT))
        best = a
        box = ((x - fx0) / (fx1 - fx0), (y - fy0) / (fy1 - fy0), (x + w - fx0) / (fx1 - fx0),
               (y + h - fy0) / (fy1 - fy0))
    return best, box


def _clean(mask: np.ndarray, min_blob: int) -> np.ndarray:
    import cv2

    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    n, lab, stats, _c = cv2.connectedComponentsWithStats(m, connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_blob
    return keep[lab]
