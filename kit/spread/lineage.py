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
screenshot chrome). Where the reference is a crop, some of that is picture:
``beyond`` marks the photograph a copy shows past the frame, running on from it
(:func:`kit.spread.canvas._beyond`, read inside the copy's picture: the hash
step's content box, mapped onto the canvas), so that the crop is no parent of a
copy that shows more of the scene. Its global characters are kept beside: ``mirror``,
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
from typing import Any, Callable, Iterable

import numpy as np

from kit.spread.canvas import _bbox, _beyond, _compose, _flip, _free_chroma, _grad, _quad, _span, _warp_lab
from kit.spread.changes import _own_changes, _peel
from kit.spread.consensus import medoid

ANOTHER_SHOT = "another shot of the scene"
EDGE_MARGIN: int | None = 8  # canvas px around a copy whose tone-matched Lab is read (its edge's gradients reach 5)
SHOT_GAIN = 0.25  # px at the analysis size: copies stay under 0.15, other shots 0.35-0.8 (benchmark)

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
    beyond: np.ndarray | None = field(default=None, repr=False)



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

    H, W = ref_shape
    quad = np.array(_quad(None, shape, A), np.float32)
    ref = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
    inter, _ = cv2.intersectConvexConvex(quad, ref)
    area_q = abs(float(cv2.contourArea(quad)))
    return float(inter) / max(1.0, min(area_q, float(W * H)))


def align_group(pics: dict, features: dict, reference: Any, *, min_inliers: int = 10,
                min_overlap: float = 0.25, shot_gain: float = SHOT_GAIN) -> tuple[dict, dict]:
    """Align every copy with ``reference`` (SIFT + RANSAC similarity, mirrored where needed; a copy
    that does not align directly goes through the best-aligned others). An alignment counts only
    when the two frames overlap by ``min_overlap`` of the smaller one: a pasted region matching
    its donor photo, or a small shared element, is no alignment of the picture. A copy that a
    perspective fits ``shot_gain`` pixels better than the similarity (:func:`kit.spread.pictures.perspective_gain`)
    is another shot of the scene, not a copy: it fails with a why that starts with :data:`ANOTHER_SHOT`.
    Returns ``(maps, failed)``: id -> (2x3 map of its analysis pixels into the reference's,
    inliers), id -> why."""
    from kit.spread.pictures import _align_view

    ref_shape = pics[reference].shape[:2]
    maps: dict = {reference: (np.array([[1.0, 0, 0], [0, 1.0, 0]]), 10 ** 6)}
    failed: dict = {}

    def fit(j: Any, i: Any) -> tuple | None:
        n, M, mir, gain = _align_view(features[j], features[i])
        if M is None or n < min_inliers:
            return None
        A = _compose(M, _flip(pics[i].shape[1])) if mir else M
        if _overlap(A, pics[i].shape[:2], pics[j].shape[:2]) < min_overlap:
            return None
        return A, n, gain

    for i in pics:
        if i != reference and (got := fit(reference, i)) is not None:
            if got[2] > shot_gain:
                failed[i] = (f"{ANOTHER_SHOT}: a perspective fits its points {got[2]:.2f} px closer than any crop, "
                             "scale or rotation of the group's picture (a copy cannot change the viewpoint)")
            else:
                maps[i] = got[:2]
    for i in [i for i in pics if i not in maps and i not in failed]:
        best = None
        for j in sorted((j for j in maps if j != reference), key=lambda j: -maps[j][1])[:4]:
            got = fit(j, i)
            if got is not None and got[2] <= shot_gain and (best is None or got[1] > best[1]):
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
                   rechoose: bool = True, choose_from: Iterable | None = None, boxes: dict | None = None,
                   keep: Callable | None = None) -> Group:
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
    keep
        ``keep(reference, copy)`` -> what to keep of each copy as it is registered (a caller that
        will drop some copies slims them: every copy's canvas planes are kept otherwise).
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
    pics, features, scales = _analysis_pictures(images, features, scales, side, sift_missing=maps is None)
    ref, maps, failed = _anchor(pics, features, reference, maps, min_inliers)
    if rechoose and len(maps) > 2:
        ref, maps = _rechoose(pics, maps, scales, ref, first_seen, choose_from, boxes)
    cv = _canvas(pics, maps, ref, canvas, margin)
    copies = {}
    for i, (A, n) in maps.items():
        c = _register_copy(i, A, n, pics[i], cv, i == ref, (scales.get(ref, 1.0), scales.get(i, 1.0)),
                           canvas=canvas, t0=t0, k_grad=k_grad, min_blob=min_blob, texture=texture,
                           box=(boxes or {}).get(i))
        copies[i] = c if keep is None else keep(ref, c)
    return Group(ref, cv.frame, (cv.size[1], cv.size[0]), copies, failed, maps)


def _analysis_pictures(images: dict, features: dict | None, scales: dict | None, side: int,
                       sift_missing: bool) -> tuple[dict, dict, dict]:
    """The pictures as RGB at analysis size (long side at most ``side``), with their scales and, where
    missing and ``sift_missing``, their SIFT features (a shrunk picture's old features are dropped)."""
    import cv2

    from kit.matching.verify import features as sift
    from kit.spread.pictures import _rgb

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
        if i not in features and sift_missing:
            features[i] = sift(img, max_side=side, nfeatures=600)
    return pics, features, scales


def _anchor(pics: dict, features: dict, reference: Any, maps: dict | None, min_inliers: int) -> tuple:
    """``(reference, maps, failed)``: every copy aligned with the reference (:func:`align_group`), or the
    alignments made before (``maps``, into any common anchor) re-expressed against the reference."""
    import cv2

    ref = reference if reference in pics else max(pics, key=lambda i: (pics[i].shape[0] * pics[i].shape[1], str(i)))
    if maps is None:
        maps, failed = align_group(pics, features, ref, min_inliers=min_inliers)
        return ref, maps, failed
    maps = {i: m for i, m in maps.items() if i in pics}  # only the copies asked for
    failed = {i: "could not be aligned with the group's other copies" for i in pics if i not in maps}
    if ref not in maps:
        ref = max(maps, key=lambda i: maps[i][1])
    inv = cv2.invertAffineTransform(maps[ref][0])
    return ref, {i: (_compose(inv, A), n) for i, (A, n) in maps.items()}, failed


def _rechoose(pics: dict, maps: dict, scales: dict, ref: Any, first_seen: dict | None, choose_from: Iterable | None,
              boxes: dict | None) -> tuple[Any, dict]:
    """``(reference, maps)`` moved onto the copy closest to the group's consensus (:func:`medoid`)."""
    import cv2

    best = medoid(pics, maps, scales, first_seen or {}, only=None if choose_from is None else set(choose_from),
                  boxes=boxes)
    if best == ref:
        return ref, maps
    inv = cv2.invertAffineTransform(maps[best][0])
    return best, {i: (_compose(inv, A), n if i != best else 10 ** 6) for i, (A, n) in maps.items()}


@dataclass(frozen=True)
class _Canvas:
    """The group's canvas: ``K`` maps reference analysis pixels onto it, ``size`` (W, H), the reference's
    ``frame`` (x0, y0, x1, y1) and its mask ``inside``; the reference warped onto it: ``lab``, ``valid``,
    lightness ``L`` (slightly blurred), ``grad`` and ``chroma`` (its colour beyond lightness)."""

    K: np.ndarray
    size: tuple
    frame: tuple
    inside: np.ndarray
    lab: np.ndarray
    valid: np.ndarray
    L: np.ndarray
    grad: np.ndarray
    chroma: float


def _warp(pic: np.ndarray, A: np.ndarray, K: np.ndarray, size: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``pic`` mapped by ``A`` (into the reference) and ``K`` onto the canvas: Lab, and where it has pixels
    (eroded by one pixel: the interpolated border is no picture)."""
    import cv2

    lab, valid = _warp_lab(pic, _compose(K, A), size)
    return lab, cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _canvas(pics: dict, maps: dict, ref: Any, canvas: int, margin: float) -> _Canvas:
    """The canvas: the reference frame (long side ``canvas``) plus what the copies add around it, up to
    ``margin`` of its size on each side, with the reference warped onto it."""
    import cv2

    hR, wR = pics[ref].shape[:2]
    k = canvas / max(hR, wR)
    lo, hi = np.array([0.0, 0.0]), np.array([wR, hR], float)
    for i, (A, _) in maps.items():
        c = np.array(_quad(None, pics[i].shape, A))
        lo, hi = np.minimum(lo, c.min(axis=0)), np.maximum(hi, c.max(axis=0))
    lo = np.maximum(lo, [-margin * wR, -margin * hR])
    hi = np.minimum(hi, [(1 + margin) * wR, (1 + margin) * hR])
    W, H = int(np.ceil((hi[0] - lo[0]) * k)), int(np.ceil((hi[1] - lo[1]) * k))
    K = np.array([[k, 0, -lo[0] * k], [0, k, -lo[1] * k]])
    frame = (int(round(-lo[0] * k)), int(round(-lo[1] * k)), int(round((wR - lo[0]) * k)), int(round((hR - lo[1] * 1.0) * k)))
    C = np.zeros((H, W), bool)
    C[frame[1]:frame[3], frame[0]:frame[2]] = True
    R_lab, R_valid = _warp(pics[ref], maps[ref][0], K, (W, H))
    chroma_R = _free_chroma(R_lab[C & R_valid][:: max(1, int((C & R_valid).sum()) // 6000)])
    return _Canvas(K, (W, H), frame, C, R_lab, R_valid, cv2.GaussianBlur(R_lab[:, :, 0], (0, 0), 0.7),
                   _grad(R_lab[:, :, 0]), chroma_R)


def _register_copy(i: Any, A: np.ndarray, n: int, pic: np.ndarray, cv: _Canvas, is_ref: bool, scales: tuple, *,
                   canvas: int, t0: float, k_grad: float, min_blob: int, texture: float,
                   box: Any = None) -> Copy:
    """One copy on the canvas (:class:`Copy`): its global characters from its map ``A`` into the reference,
    its own changes against the reference (:func:`kit.spread.changes._own_changes`), plus what it has
    outside the frame. ``scales``: the reference's and the copy's analysis pixels per original pixel."""
    lab, valid = (cv.lab, cv.valid) if is_ref else _warp(pic, A, cv.K, cv.size)
    mirror = bool(np.linalg.det(A[:, :2]) < 0)
    B = _compose(A, _flip(pic.shape[1])) if mirror else A
    rot = float(np.degrees(np.arctan2(B[1, 0], B[0, 0])))
    sc = float(np.sqrt(abs(np.linalg.det(A[:, :2]))))  # reference analysis px per copy analysis px
    scale = scales[0] / (scales[1] * sc) if sc else 1.0
    ov = valid & cv.inside & cv.valid
    if not is_ref and ov.sum() >= 50:
        y0, x0, y1, x1 = _span(valid)
        m = EDGE_MARGIN
        ext = None if m is None else (slice(max(0, y0 - m), y1 + m), slice(max(0, x0 - m), x1 + m))
        own, norm, gray, colour, replaced, rbox, misfit, displaced = _own_changes(
            lab, ov, cv.lab, cv.L, cv.grad, cv.chroma, cv.frame, canvas, t0, k_grad, min_blob, ext)
    else:
        own, norm, colour = np.zeros(ov.shape, bool), lab.copy(), np.zeros(5, np.float32)
        gray, replaced, rbox, misfit, displaced = is_ref and cv.chroma < 3.0, 0.0, None, 0.0, 0.0
    own, pbox, g, info = _informative(own, valid, norm, cv, texture, lab[:, :, 0])
    C = cv.inside
    return Copy(i, int(n), mirror, rot, float(scale), valid, own, info, norm, g, colour,
                bool(gray), pbox, _bbox(valid, cv.frame), replaced, rbox, misfit, displaced,
                float((own & C).sum()) / max(1.0, float(C.sum())),
                None if is_ref else _beyond(lab[:, :, 0], valid, C, _quad(box, pic.shape, _compose(cv.K, A))))


def _informative(own: np.ndarray, valid: np.ndarray, norm: np.ndarray, cv: _Canvas, texture: float,
                 L: np.ndarray | None = None) -> tuple:
    """``(own, box, grad, info)``: the own changes with every pixel outside the frame added, the copy's
    picture box inside the frame (:func:`kit.spread.changes._peel`, with the copy's own lightness
    ``L``), its gradient, and the own pixels that say something (inside the frame, or textured
    outside it and away from the picture's own edge: a flat bar or background matches any other)."""
    import cv2

    C = cv.inside
    own = own | (valid & ~C)
    inside = valid & C
    ys, xs = np.nonzero(inside)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else cv.frame
    g = _grad(norm[:, :, 0])
    textured = cv2.dilate((g > texture).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    near = np.zeros(C.shape, bool)  # the picture's own edge is no added content
    near[max(0, box[1] - 4):box[3] + 4, max(0, box[0] - 4):box[2] + 4] = True
    return own, _peel(box, inside, own, L), g, own & (C | (textured & ~near))
