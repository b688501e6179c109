"""Canvas helpers for the lineage modules: affine maps, Lab warps, colour and gradient measures.

Private to :mod:`kit.spread.lineage`, :mod:`kit.spread.consensus` and
:mod:`kit.spread.pairs` (one place for the small array operations they share).

Examples
--------
>>> import numpy as np
>>> _compose(_flip(10), _flip(10)).round(6).tolist()
[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

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
