"""A registered copy against its group's reference: tone matching and the copy's own changes.

Private to :mod:`kit.spread.lineage` (:func:`kit.spread.lineage.register_group`): on the group's
canvas, :func:`_own_changes` tone-matches a warped copy to the reference (:func:`_normalise`,
:func:`_tone`), keeps the pixels it changed beyond the noise of re-encoding and alignment
(:func:`_clean`), and measures the largest region of other picture (:func:`_replaced`) and how
differently the parts of the picture are shifted (:func:`_displacement`: another shot of the scene).

Examples
--------
>>> import numpy as np
>>> m = np.zeros((20, 20), bool); m[2:9, 2:9] = True; m[15, 15] = True
>>> int(_clean(m, 10).sum())  # the lone pixel is no change
49
"""

from __future__ import annotations

import numpy as np

from kit.spread.canvas import _chroma, _free_chroma, _grad, _span


def _own_changes(lab: np.ndarray, ov: np.ndarray, R_lab: np.ndarray, R_L: np.ndarray, R_grad: np.ndarray,
                 chroma_R: float, frame: tuple, canvas: int, t0: float, k_grad: float, min_blob: int,
                 extent: tuple | None = None) -> tuple:
    """A copy's own changes inside the reference frame, on the overlap ``ov`` with the reference.

    Returns ``(own, norm, gray, colour, replaced, replaced_box, misfit, displaced)``: the changed
    pixels (canvas mask), the tone-matched Lab of the copy, its gray and colour characters, the
    region of other picture (share of the frame and box, :func:`_replaced`), the share of the
    reference's edges it changed, and the displacement of its parts (:func:`_displacement`). With
    ``extent`` (slices of the canvas) the tone map is applied there only: the copy's pixels and a margin
    for the gradients read at its edge; elsewhere the tone-matched Lab is the warped one."""
    import cv2

    own = np.zeros(ov.shape, bool)
    y0, x0, y1, x1 = _span(ov)
    sl = (slice(y0, y1), slice(x0, x1))
    norm, gray, colour, diff = _normalise(lab, R_lab, ov, R_L, R_grad, chroma_R, t0, k_grad, sl, extent)
    o = ov[sl] & (diff > t0 + k_grad * R_grad[sl])
    own[sl] = _clean(o, min_blob)
    big = _solid(norm[sl][:, :, 0], R_lab[sl][:, :, 0], ov[sl], canvas, t0)
    fr = (frame[0] - x0, frame[1] - y0, frame[2] - x0, frame[3] - y0)
    replaced, rbox = _replaced(big, norm[sl][:, :, 0], R_lab[sl][:, :, 0], fr, o, raw=lab[sl][:, :, 0])
    edges = ov[sl] & (R_grad[sl] > np.percentile(R_grad[sl][ov[sl]], 75)) & ~big.astype(bool)
    misfit = float((own[sl] & edges).sum() / max(1, edges.sum()))
    displaced = _displacement(norm[sl][:, :, 0], R_lab[sl][:, :, 0], ov[sl])
    return own, norm, gray, colour, replaced, rbox, misfit, displaced


def _solid(L: np.ndarray, R_L: np.ndarray, ov: np.ndarray, canvas: int, t0: float) -> np.ndarray:
    """Where two tone-matched lightness planes differ solidly (uint8 mask on ``ov``): a difference over
    ``t0`` once thin marks (text, outlines) are opened away and the holes closed."""
    import cv2

    strong = ov & (np.abs(cv2.GaussianBlur(L, (0, 0), 1.2) - cv2.GaussianBlur(R_L, (0, 0), 1.2)) > t0)
    ko, kc = (max(3, int(round(f * canvas))) for f in (0.05, 0.06))
    big = cv2.morphologyEx(strong.astype(np.uint8), cv2.MORPH_OPEN,
                           cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ko, ko)))
    big = cv2.morphologyEx(big, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kc, kc)))
    return big & ov.astype(np.uint8)


def other_picture(a_L: np.ndarray, b_L: np.ndarray, ov: np.ndarray, frame: tuple, canvas: int, t0: float = 9.0,
                  k_grad: float = 0.6) -> float:
    """The largest region (share of ``frame``) where two copies registered on one canvas show
    different picture (:func:`_replaced` between them, on their tone-matched lightness ``a_L``,
    ``b_L`` over the part ``ov`` both show): two composites of one host photo with different pastes
    differ there, two reposts of one composite do not. No tone matching between the two: each was
    matched to the reference already."""
    if ov.sum() < 50:
        return 0.0
    y0, x0, y1, x1 = _span(ov)
    sl = (slice(y0, y1), slice(x0, x1))
    a, b, o = a_L[sl], b_L[sl], ov[sl]
    changed = o & (np.abs(a - b) > t0 + k_grad * _grad(b))
    fr = (frame[0] - x0, frame[1] - y0, frame[2] - x0, frame[3] - y0)
    return _replaced(_solid(a, b, o, canvas, t0), a, b, fr, changed)[0]


def _displacement(x: np.ndarray, r: np.ndarray, ov: np.ndarray, min_response: float = 0.5) -> float:
    """How differently the quarters of the overlap are shifted (canvas pixels, phase correlation):
    near 0 for a copy that a similarity brings onto the reference, several pixels for another shot
    of the scene (parallax, perspective), which no scale, rotation and shift can align. Only
    quarters whose correlation peak reaches ``min_response`` count, and at least three of them: a
    quarter mostly of other content (app chrome, meme text, a small overlap of 35-55 px quarters)
    peaked at 0.3-0.45 somewhere else and split the demo's mirrored branch off as another shot,
    while the pictures' own quarters peak at 0.5-1.2 (DEVELOPERS.md)."""
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
    an affine map of the copy's colour and lightness (tints, saturation, and sepia, which colours by
    lightness: a colour copy of a sepia-toned reference is no gray copy). Returns ``(apply, gray)``;
    gray when the copy holds (almost) no colour beyond what its lightness explains (gray or toned
    gray) or its colour follows no such map (the fit leaves more than half of the reference's colour
    unexplained)."""
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
        X = np.column_stack([xs[:, 1:], xs[:, 0], np.ones(len(xs))])
        coef, *_ = np.linalg.lstsq(X, rs[:, 1:], rcond=None)
        gray = float(np.median(np.abs(X @ coef - rs[:, 1:]).sum(axis=1))) > max(8.0, 0.5 * chroma_R)

    def apply(x: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[:, :, 0] = np.interp(np.ascontiguousarray(x[:, :, 0]), qx, qr)
        if coef is not None and not gray:
            out[:, :, 1:] = (x[:, :, 1:].reshape(-1, 2) @ coef[:2] + x[:, :, :1].reshape(-1, 1) @ coef[2:3]
                             + coef[3]).reshape(*x.shape[:2], 2)
        return out

    return apply, bool(gray)


def _normalise(lab: np.ndarray, R_lab: np.ndarray, ov: np.ndarray, R_L: np.ndarray, R_grad: np.ndarray,
               chroma_R: float, t0: float, k_grad: float, sl: tuple, extent: tuple | None = None) -> tuple:
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
    if extent is None:
        norm = apply(lab)
    else:  # a wide canvas (one letterboxed copy widens it for all) is mostly not this copy's
        norm = lab.copy()
        norm[extent] = apply(lab[extent])
    norm[sl] = nx_
    xs, rs = x[fit], r[fit]
    colour = np.array([(xs[:, 0].mean() - rs[:, 0].mean()) / 5.0,
                       5.0 * np.log((xs[:, 0].std() + 1) / (rs[:, 0].std() + 1)),
                       (xs[:, 1].mean() - rs[:, 1].mean()) / 3.0, (xs[:, 2].mean() - rs[:, 2].mean()) / 3.0,
                       3.0 * np.log((_chroma(xs[:, 1:]) + 1.0) / (_chroma(rs[:, 1:]) + 1.0))], np.float32)
    return norm, gray, colour, diff


def _replaced(big: np.ndarray, L: np.ndarray, R_L: np.ndarray, frame: tuple,
              changed: np.ndarray, raw: np.ndarray | None = None) -> tuple[float, tuple | None]:
    """The largest solid changed region where the copy shows *other picture*: photograph on both
    sides (:func:`kit.matching.comparison.looks_like_photo`; a caption bar, meme text, app chrome or
    a fill over the picture is graphics), textured on one side at least, and changed almost throughout (under half of its
    pixels like the reference; overlaid text leaves the picture between the letters). Its share
    of the frame and its box as fractions of the frame (x0, y0, x1, y1), or (0, None).

    Whether the copy shows photograph there is asked of its own lightness (``raw``, when given), not
    of ``L`` (its tones mapped onto the reference's): the mapping lifts a screenshot's black app
    chrome into the reference's mid-tones, where it passes for picture."""
    import cv2

    from kit.matching.comparison import looks_like_photo

    fx0, fy0, fx1, fy1 = frame
    area = max(1.0, float((fx1 - fx0) * (fy1 - fy0)))
    n, lab, stats, _c = cv2.connectedComponentsWithStats(big, connectivity=8)
    best, box = 0.0, None
    if n <= 1:
        return best, box
    grad, R_grad = _grad(L), _grad(R_L)
    own_L, own_grad = (L, grad) if raw is None else (raw, _grad(raw))
    for k in range(1, n):
        m = lab == k
        a = float(stats[k, cv2.CC_STAT_AREA]) / area
        if a <= best or 1.0 - float(changed[m].mean()) >= 0.5:
            continue
        if max(float(grad[m].mean()), float(R_grad[m].mean())) < 1.5:
            continue
        if not (looks_like_photo(own_L[m], own_grad[m]) and looks_like_photo(R_L[m], R_grad[m])):
            continue
        x, y, w, h = (int(stats[k, j]) for j in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                  cv2.CC_STAT_HEIGHT))
        best = a
        box = ((x - fx0) / (fx1 - fx0), (y - fy0) / (fy1 - fy0), (x + w - fx0) / (fx1 - fx0),
               (y + h - fy0) / (fy1 - fy0))
    return best, box


def _clean(mask: np.ndarray, min_blob: int) -> np.ndarray:
    """``mask`` opened by 2x2 (lone pixels out), without its blobs under ``min_blob`` pixels."""
    import cv2

    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    n, lab, stats, _c = cv2.connectedComponentsWithStats(m, connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_blob
    return keep[lab]


def _peel(box: tuple, inside: np.ndarray, own: np.ndarray, L: np.ndarray | None = None, share: float = 0.5) -> tuple:
    """The copy's picture box: ``box`` without the bands of its own content along its sides (rows or
    columns at least ``share`` own, from the edge inward) that are no photograph (the copy's own
    lightness ``L`` there, :func:`kit.matching.pixelwise.looks_like_photo`). What a copy adds at its
    border (a caption bar, letterbox bars, a screenshot's page and chrome) lands inside the reference
    frame wherever the copy's picture was cropped there, and it is no picture: the crop edge is where
    it starts. Other scene along an edge (the source photo of a composite pasted there) stays. The two
    outermost lines count with their neighbour (the warp's interpolated edge is rarely own)."""
    from kit.matching.pixelwise import looks_like_photo

    g = None if L is None else _grad(L)

    def graphics(sl: tuple) -> bool:
        m = own[sl] & inside[sl]
        return g is None or not m.any() or not looks_like_photo(L[sl][m], g[sl][m])

    x0, y0, x1, y1 = box
    for _ in range(2):
        for axis in (1, 0):  # rows, then columns
            m = inside[y0:y1, x0:x1]
            o = own[y0:y1, x0:x1] & m
            n = m.sum(axis=axis)
            band = (o.sum(axis=axis) >= share * np.maximum(n, 1)) | (n == 0)
            if len(band) > 6:  # the outermost two lines are the warp's interpolated edge
                band[:2] |= band[2]
                band[-2:] |= band[-3]
            if band.all():
                return box
            lo = int(np.argmin(band))
            hi = len(band) - int(np.argmin(band[::-1]))
            a0, a1 = (y0, y1) if axis == 1 else (x0, x1)
            rows = (lambda u, v: (slice(u, v), slice(x0, x1))) if axis == 1 else (lambda u, v: (slice(y0, y1), slice(u, v)))
            lo = lo if lo and graphics(rows(a0, a0 + lo)) else 0
            hi = hi if hi < len(band) and graphics(rows(a0 + hi, a1)) else len(band)
            if axis == 1:
                y0, y1 = a0 + lo, a0 + hi
            else:
                x0, x1 = a0 + lo, a0 + hi
    return (x0, y0, x1, y1)
