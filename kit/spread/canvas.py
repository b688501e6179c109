"""Canvas helpers for the lineage modules: affine maps, Lab warps, colour and gradient measures, and the
picture a copy shows beyond the reference frame (:func:`_beyond`).

Private to :mod:`kit.spread.lineage`, :mod:`kit.spread.consensus` and
:mod:`kit.spread.pairs` (one place for the small array operations they share).

Examples
--------
>>> import numpy as np
>>> _compose(_flip(10), _flip(10)).round(6).tolist()
[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

def _flip(w: int) -> np.ndarray:
    return np.array([[-1.0, 0.0, w - 1.0], [0.0, 1.0, 0.0]])


def _compose(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A after B, both 2x3."""
    return (np.vstack([A, [0, 0, 1]]) @ np.vstack([B, [0, 0, 1]]))[:2]


def _lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _warp_lab(img: np.ndarray, KA: np.ndarray, size: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``img`` (RGB) warped by the 2x3 map ``KA`` onto a canvas of ``size`` (w, h), in Lab, and
    where it has pixels. A picture shrunk by the map is resized first (INTER_AREA): no aliasing."""
    import cv2

    f = float(np.sqrt(abs(np.linalg.det(KA[:, :2]))))
    if f < 0.9:
        h, w = img.shape[:2]
        nw, nh = max(2, round(w * f)), max(2, round(h * f))
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
        KA = KA @ np.diag([w / nw, h / nh, 1.0])
    lab = cv2.warpAffine(_lab(img), KA, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpAffine(np.ones(img.shape[:2], np.uint8), KA, size, flags=cv2.INTER_NEAREST) > 0
    return lab, valid


def _chroma(ab: np.ndarray) -> float:
    return float(np.abs(ab - ab.mean(axis=0)).sum(axis=1).mean()) if len(ab) else 0.0


def _free_chroma(px: np.ndarray) -> float:
    """Colour that lightness does not explain: mean |a, b| left after fitting them linearly on L
    (Lab pixels, n x 3). Near 0 for gray and for toned gray (sepia, a warm cast on a gray photo)."""
    if len(px) < 3:
        return 0.0
    X = np.column_stack([px[:, 0], np.ones(len(px))])
    coef, *_ = np.linalg.lstsq(X, px[:, 1:], rcond=None)
    return float(np.abs(px[:, 1:] - X @ coef).sum(axis=1).mean())


def _grad(L: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.GaussianBlur(np.nan_to_num(L, nan=0.0), (0, 0), 0.8)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)) / 4.0


def _nanmedian(x: np.ndarray) -> np.ndarray:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels stay NaN
        return np.nanmedian(x, axis=0)


def _span(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return int(ys[0]), int(xs[0]), int(ys[-1]) + 1, int(xs[-1]) + 1


def _bbox(mask: np.ndarray, default: tuple) -> tuple:
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else default


def _quad(box: Any, shape: tuple, M: np.ndarray) -> tuple:
    """A copy's picture (``box``: the hash step's content box, fractions; None: the whole copy; ``shape``: the
    copy's) where ``M`` maps the copy's pixels (onto the canvas, or into the reference): four (x, y) corners."""
    h, w = shape[:2]
    x0, y0, x1, y1 = (0.0, 0.0, 1.0, 1.0) if box is None else (float(b) for b in box)
    c = np.array([[x0 * w, y0 * h], [x1 * w, y0 * h], [x1 * w, y1 * h], [x0 * w, y1 * h]]) @ M[:, :2].T + M[:, 2]
    return tuple((float(x), float(y)) for x, y in c)


def _quad_mask(quad: tuple | None, shape: tuple) -> np.ndarray:
    """A copy's picture (four canvas corners, :func:`_quad`) as a canvas mask (all of it when unknown)."""
    import cv2

    if quad is None:
        return np.ones(shape, bool)
    out = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(out, np.round(np.array(quad)).astype(np.int32), 1)
    return out.astype(bool)


def _grown(L: np.ndarray, hp: np.ndarray, out: np.ndarray, C: np.ndarray, slack: float = 2.0, k: int = 5) -> np.ndarray:
    """The pixels of ``out`` (beyond the frame ``C``) in lines that carry the frame's picture on: from each
    side of the frame outward, line by line, while most of the line is ``out``, under 35 % of it near black
    or white, and its fine detail (``hp``) at least a quarter of that just inside (a blurred fill runs on
    without detail); and not where the second line out already differs from the frame's edge by more
    than twice the step between lines two apart just inside plus ``slack`` (a caption bar or a fill laid
    against the frame starts with a step; the picture runs on, however much it changes further out)."""
    ys, xs = np.nonzero(C)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    band = np.zeros(C.shape, bool)
    views = {"top": (lambda A: A[:y0, x0:x1][::-1], lambda A: A[y0:y1, x0:x1]),  # (beyond, inside), nearest first
             "bottom": (lambda A: A[y1:, x0:x1], lambda A: A[y0:y1, x0:x1][::-1]),
             "left": (lambda A: A[y0:y1, :x0].T[::-1], lambda A: A[y0:y1, x0:x1].T),
             "right": (lambda A: A[y0:y1, x1:].T, lambda A: A[y0:y1, x0:x1].T[::-1])}
    for out_of, in_of in views.values():
        Lo, Ho, Oo, Bo, Li, Hi = out_of(L), out_of(hp), out_of(out), out_of(band), in_of(L), in_of(hp)
        if len(Lo) < 2 or len(Li) <= k:
            continue
        sel = Oo[1]
        if sel.sum() < 0.5 * sel.size or float(np.median(np.abs(Lo[1][sel] - Li[0][sel]))) > \
                2.0 * float(np.median(np.abs(Li[2:k + 1] - Li[:k - 1]))) + slack:
            continue
        det_in = float(np.median(np.abs(Hi[1:k + 1])))
        for r in range(len(Lo)):
            sel = Oo[r]
            line = Lo[r][sel]
            if sel.sum() < 0.5 * sel.size or float(np.median(np.abs(Ho[r][sel]))) < 0.25 * det_in \
                    or float(((line < 5) | (line > 95)).mean()) > 0.35:
                break
            Bo[r] = sel
    return band


def _beyond(L: np.ndarray, valid: np.ndarray, C: np.ndarray, quad: tuple | None, detail: float = 1.0) -> np.ndarray:
    """The picture a copy shows beyond the reference frame ``C`` (its own lightness ``L`` on the canvas,
    where it is ``valid``), as uint8: 1 inside its picture (``quad``, the hash step's content box) in the
    lines beyond the frame that carry the frame's picture on (:func:`_grown`: a bar, or a letterbox's
    fill, laid against the frame is a step or has no detail); 2 where those have fine detail (lightness
    less a 1 px blur, local deviation over ``detail`` units), in runs that reach the frame and look like
    photograph with what lies around them (a caption's letters are strokes on one tone, a button row
    below a screenshot's picture does not touch the frame): the part that is surely picture."""
    import cv2

    from kit.matching.pixelwise import looks_like_photo

    res = np.zeros(C.shape, np.uint8)
    if not (valid & ~C).any():
        return res
    y0, x0, y1, x1 = _span(valid | C)  # the copy and the frame, and nothing else of the canvas
    win = (slice(max(0, y0 - 8), y1 + 8), slice(max(0, x0 - 8), x1 + 8))
    C, valid = C[win], valid[win]
    inner = cv2.erode(_quad_mask(quad, res.shape)[win].astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    out = ~C & valid & inner  # the picture's own outer edge (against a page or a fill) is no picture beyond
    if not out.any():
        return res
    L = np.ascontiguousarray(np.nan_to_num(L[win], nan=0.0), dtype=np.float32)
    hp = L - cv2.GaussianBlur(L, (0, 0), 1.0)
    out = _grown(L, hp, out, C)
    if not out.any():  # most copies: bars, fills and chrome only beyond the frame
        return res
    g = _grad(L)
    m = (out & (cv2.blur(hp * hp, (5, 5)) > detail ** 2) & (L > 5) & (L < 95)).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    ring = cv2.dilate(C.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~C
    keep = np.zeros(n, bool)
    for k in np.unique(lab[ring & (m > 0)]):
        if k == 0 or stats[k, 4] < 25:  # under 5 x 5 px: nothing the pairs' erosion keeps
            continue
        x, y, w, h = stats[k, :4]
        sl = (slice(max(0, y - 3), y + h + 3), slice(max(0, x - 3), x + w + 3))
        near = cv2.dilate((lab[sl] == k).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & out[sl]
        keep[k] = looks_like_photo(L[sl][near], g[sl][near])
    res[win] = out.astype(np.uint8) + keep[lab]
    return res
