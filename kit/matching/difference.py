"""Tell a repost from a composite: a coherent region that differs after alignment.

Two images that share most of their picture can still be different
pictures: a composite (a fireball pasted over the launch pad) and the
unedited source photo it was made from. After :func:`kit.matching.verify`
aligns them, :func:`changed_region` warps ``b`` onto ``a``, matches their
tones (quantile mapping, so colour filters, grayscale and brightness do not
count), and measures the largest *solid* region of strong difference inside
the overlap. A morphological opening removes thin structures first, so what
reposts add on top of a picture - captions, watermarks, meme text, stamps,
thin outlines - and the misalignment along edges do not count; a region of
different photographic content does.

Returns the share of the overlap covered by the largest such region (0 to
1); :func:`kit.matching.verify.verify_pair` rejects a pair above
``max_changed`` (default 0.05; 0.12 when a video frame is involved).

Examples
--------
>>> import numpy as np
>>> from kit.matching.difference import changed_region
>>> a = np.add.outer(np.arange(120), np.arange(160)).astype(np.uint8)
>>> M = np.array([[1.0, 0, 0], [0, 1.0, 0]])
>>> changed_region(a, a, M)
0.0
>>> b = a.copy(); b[30:90, 40:120] = 250  # different content inside
>>> changed_region(a, b, M) > 0.15
True
>>> b = a.copy(); b[30:90:10, 10:150] = 255  # thin lines on top (text, outlines): ignored
>>> changed_region(a, b, M)
0.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["changed_region"]


def _tone_match(src: np.ndarray, ref: np.ndarray, mask: np.ndarray, n: int = 64) -> np.ndarray:
    q = np.linspace(0, 100, n)
    qs = np.percentile(src[mask], q)
    qr = np.percentile(ref[mask], q)
    qs = np.maximum.accumulate(qs + np.arange(n) * 1e-6)
    return np.interp(src, qs, qr)


def _local_std(x: np.ndarray, k: int = 5) -> np.ndarray:
    import cv2

    m = cv2.boxFilter(x, -1, (k, k))
    return np.sqrt(np.maximum(cv2.boxFilter(x * x, -1, (k, k)) - m * m, 0.0))


def changed_region(ga: np.ndarray, gb: np.ndarray, M: np.ndarray, *, size: int = 160,
                   threshold: float = 20.0, open_frac: float = 0.05, close_frac: float = 0.06,
                   flat_std: float = 0.0, margin: float = 0.1, min_overlap: float = 0.05) -> float:
    """Share of the overlap covered by the largest solid region where ``b`` differs from ``a``.

    Parameters
    ----------
    ga, gb
        Gray uint8 images.
    M
        2x3 affine map from ``gb`` pixels to ``ga`` pixels.
    size
        Longer side of the comparison grid (``a``'s frame).
    threshold
        Grey-level difference (after tone matching and a light blur) that counts as strong.
    open_frac
        Opening kernel as a share of the grid's longer side: thinner differences are ignored.
    min_overlap
        Overlaps smaller than this share of ``a`` return 0.0 (nothing to judge);
        the comparison grid covers the overlap's bounding box only.
    """
    import cv2

    M = np.asarray(M, np.float64)
    hb0, wb0 = gb.shape[:2]
    corners = np.array([[0, 0], [wb0, 0], [wb0, hb0], [0, hb0]], np.float64) @ M[:, :2].T + M[:, 2]
    x0, y0 = np.clip(np.floor(corners.min(axis=0)), 0, [ga.shape[1], ga.shape[0]]).astype(int)
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)), 0, [ga.shape[1], ga.shape[0]]).astype(int)
    if (x1 - x0) * (y1 - y0) < min_overlap * ga.shape[0] * ga.shape[1] or x1 - x0 < 8 or y1 - y0 < 8:
        return 0.0
    ga = ga[y0:y1, x0:x1]  # judge on the overlap only, at full grid resolution
    M = M - np.array([[0, 0, x0], [0, 0, y0]], np.float64)
    ha, wa = ga.shape[:2]
    s = min(1.0, size / max(ha, wa))
    w, h = max(8, round(wa * s)), max(8, round(ha * s))
    A = cv2.resize(ga, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    Ms = np.asarray(M, np.float64) * s
    sb = float(np.sqrt(abs(np.linalg.det(Ms[:, :2]))))  # b pixels -> grid pixels
    if sb < 1.0:  # pre-shrink b so that the warp does not alias
        hb, wb = gb.shape[:2]
        nb = (max(4, round(wb * sb)), max(4, round(hb * sb)))
        gb = cv2.resize(gb, nb, interpolation=cv2.INTER_AREA)
        Ms = Ms @ np.diag([wb / nb[0], hb / nb[1], 1.0])
    B = cv2.warpAffine(gb.astype(np.float32), Ms, (w, h), flags=cv2.INTER_LINEAR, borderValue=-1.0)
    inside = cv2.warpAffine(np.ones(gb.shape[:2], np.uint8), Ms, (w, h), flags=cv2.INTER_NEAREST)
    k = max(3, round(2 * margin * max(w, h)) | 1)
    inside = cv2.erode(inside, np.ones((k, k), np.uint8)).astype(bool)
    n_in = int(inside.sum())
    if n_in < 0.25 * w * h:
        return 0.0
    B = _tone_match(B, A, inside).astype(np.float32)
    textured = (_local_std(A, 3) > flat_std) & (_local_std(B, 3) > flat_std) if flat_std > 0 else True
    A = cv2.GaussianBlur(A, (0, 0), 1.2)
    B = cv2.GaussianBlur(B, (0, 0), 1.2)
    strong = ((np.abs(A - B) > threshold) & inside & textured).astype(np.uint8)
    ko = max(3, round(open_frac * max(w, h)))
    strong = cv2.morphologyEx(strong, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ko, ko)))
    if close_frac > 0:
        kc = max(3, round(close_frac * max(w, h)))
        strong = cv2.morphologyEx(strong, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kc, kc)))
        strong &= inside.astype(np.uint8)
    n, _lab, stats, _c = cv2.connectedComponentsWithStats(strong, connectivity=8)
    if n <= 1:
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA].max()) / n_in
