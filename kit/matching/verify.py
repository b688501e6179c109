"""Local-feature verification: SIFT keypoints + RANSAC similarity transform.

What hashes miss (10-20 % crops, caption bars, stickers, phone screenshots,
mirrored crops) is found by matching SIFT keypoints and fitting a similarity
transform (scale, rotation, translation) with RANSAC. Mirrored descriptors
are derived from the unmirrored ones by permuting the descriptor bins (no
second extraction): a left-right flip reverses the 4 spatial rows of the
canonical patch and negates the 8 orientation bins.

A pair is *verified* when it has at least ``min_inliers`` RANSAC inliers and
the inliers' convex hull covers at least ``min_cover`` of both images and, in
each image, at least ``cell_share`` of the 8 x 8 grid cells inside the shared
region that hold keypoints also hold an inlier. The second rule rejects
composites (which share only a pasted region) and images that share only
overlaid text or app chrome.

The transform (JSON-able dict) maps ``b`` into ``a``: ``scale`` (a-pixels per
b-pixel, measured on the original sizes), ``rotation_deg``, ``mirror``,
``box_in_a`` ([x0, y0, x1, y1] as fractions of a's width / height: where b's
picture lies in a), ``box_in_b`` (where a lies in b), ``overlap_a`` /
``overlap_b`` (share of each image inside the other), ``cover_a`` / ``cover_b``
(inliers' hull shares).

Examples
--------
>>> import numpy as np
>>> from kit.matching.verify import features, verify_pair
>>> rng = np.random.default_rng(0)
>>> base = (rng.random((60, 80)) * 255).astype(np.uint8)
>>> import cv2
>>> a = cv2.resize(base, (480, 360), interpolation=cv2.INTER_CUBIC)
>>> b = np.ascontiguousarray(a[40:320, 50:430][:, ::-1])
>>> v = verify_pair(features(a), features(b))
>>> v.verified, v.transform["mirror"], round(v.transform["box_in_a"][0], 1)
(True, True, 0.1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Features", "Verification", "features", "mirror_features", "verify_pair"]

_MIRROR_PERM = np.arange(128).reshape(4, 4, 8)[::-1][:, :, (-np.arange(8)) % 8].ravel()


@dataclass(frozen=True)
class Features:
    """SIFT keypoints of one image at analysis scale.

    ``xy`` (n, 2) float32 positions in analysis pixels, ``desc`` (n, 128)
    float32, ``width`` / ``height`` the analysis size, ``scale`` analysis
    pixels per original pixel, ``mirrored`` whether this is the flipped view.
    """

    xy: np.ndarray
    desc: np.ndarray
    width: int
    height: int
    scale: float = 1.0
    mirrored: bool = False

    def __len__(self) -> int:
        return int(self.xy.shape[0])


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_pair`; ``transform`` is None when no model was found."""

    verified: bool
    inliers: int
    matches: int
    transform: dict[str, Any] | None = field(default=None)


def features(gray: np.ndarray, *, max_side: int = 480, nfeatures: int = 500) -> Features:
    """SIFT keypoints and descriptors of a gray (or RGB) uint8 array, resized to ``max_side``."""
    import cv2

    g = np.asarray(gray)
    if g.ndim == 3:
        g = cv2.cvtColor(np.ascontiguousarray(g[..., :3]), cv2.COLOR_RGB2GRAY)
    H, W = g.shape
    s = min(1.0, max_side / max(H, W))
    if s < 1.0:
        g = cv2.resize(g, (max(1, round(W * s)), max(1, round(H * s))), interpolation=cv2.INTER_AREA)
    sift = cv2.SIFT_create(nfeatures=nfeatures)
    kps, desc = sift.detectAndCompute(np.ascontiguousarray(g), None)
    xy = np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2)
    if desc is None:
        desc = np.zeros((0, 128), np.float32)
    return Features(xy, desc.astype(np.float32), g.shape[1], g.shape[0], s, False)


def mirror_features(f: Features) -> Features:
    """The features of the left-right mirrored image, derived without re-extraction."""
    xy = f.xy.copy()
    xy[:, 0] = (f.width - 1) - xy[:, 0]
    return Features(xy, np.ascontiguousarray(f.desc[:, _MIRROR_PERM]), f.width, f.height, f.scale, not f.mirrored)


def _hull_share(pts: np.ndarray, w: int, h: int) -> float:
    import cv2

    if len(pts) < 3:
        return 0.0
    hull = cv2.convexHull(pts.astype(np.float32))
    return float(cv2.contourArea(hull)) / float(w * h)


def _box_of(M: np.ndarray, w: int, h: int, W: int, H: int) -> tuple[list[float], float]:
    """Where the (w x h) rectangle lands under M (2x3) in a W x H image: box fractions, area share."""
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    p = corners @ M[:, :2].T + M[:, 2]
    x0, y0 = np.clip(p.min(axis=0), 0, [W, H])
    x1, y1 = np.clip(p.max(axis=0), 0, [W, H])
    share = max(0.0, (x1 - x0)) * max(0.0, (y1 - y0)) / float(W * H)
    return [float(x0 / W), float(y0 / H), float(x1 / W), float(y1 / H)], float(share)


def _one(fa: Features, fb: Features, ratio: float, reproj: float) -> tuple[int, int, np.ndarray | None, np.ndarray | None]:
    import cv2

    if len(fa) < 3 or len(fb) < 3:
        return 0, 0, None, None
    m = cv2.BFMatcher(cv2.NORM_L2).knnMatch(fb.desc, fa.desc, k=2)
    good = [p[0] for p in m if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    if len(good) < 3:
        return 0, len(good), None, None
    src = fb.xy[[g.queryIdx for g in good]]
    dst = fa.xy[[g.trainIdx for g in good]]
    M, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=reproj,
                                          maxIters=2000, confidence=0.995)
    if M is None:
        return 0, len(good), None, None
    inl = mask.ravel().astype(bool)
    return int(inl.sum()), len(good), M, np.stack([src[inl], dst[inl]], axis=1) if inl.any() else None


def verify_pair(fa: Features, fb: Features, *, min_inliers: int = 15, min_cover: float = 0.1,
                cell_share: float = 0.5, ratio: float = 0.8, try_mirror: bool = True,
                reproj: float = 4.0) -> Verification:
    """Match ``fb`` into ``fa`` and fit a similarity transform (``b`` -> ``a``).

    Parameters
    ----------
    fa, fb
        :func:`features` of the two images (unmirrored).
    min_inliers
        RANSAC inliers needed.
    min_cover
        Share of each image the inliers' hull must cover.
    cell_share
        Share of the 8 x 8 grid cells inside the overlap that hold keypoints
        and must also hold an inlier, in each image (rejects composites and
        shared text or UI chrome).
    ratio
        Lowe's ratio test.
    try_mirror
        Also try ``b`` mirrored; the better of the two is kept.
    reproj
        RANSAC reprojection threshold in analysis pixels.
    """
    best = _one(fa, fb, ratio, reproj) + (False,)
    if try_mirror and best[0] < 4 * min_inliers:
        alt = _one(fa, mirror_features(fb), ratio, reproj) + (True,)
        if alt[0] > best[0]:
            best = alt
    n_in, n_match, M, pts, mirrored = best
    if M is None or pts is None or abs(np.linalg.det(M[:, :2])) < 1e-6:
        return Verification(False, n_in, n_match, None)
    sc = float(np.hypot(M[0, 0], M[1, 0]))
    rot = float(np.degrees(np.arctan2(M[1, 0], M[0, 0])))
    box_a, ov_a = _box_of(M, fb.width, fb.height, fa.width, fa.height)
    Mi = _invert(M)
    box_b, ov_b = _box_of(Mi, fa.width, fa.height, fb.width, fb.height)
    cov_b = _hull_share(pts[:, 0], fb.width, fb.height)
    cov_a = _hull_share(pts[:, 1], fa.width, fa.height)
    if mirrored:  # report b's box in b's own (unmirrored) coordinates
        box_b = [1.0 - box_b[2], box_b[1], 1.0 - box_b[0], box_b[3]]
    transform = {
        "scale": sc * fb.scale / fa.scale if fa.scale else sc,
        "rotation_deg": rot,
        "mirror": bool(mirrored),
        "box_in_a": box_a,
        "box_in_b": box_b,
        "overlap_a": ov_a,
        "overlap_b": ov_b,
        "cover_a": cov_a,
        "cover_b": cov_b,
    }
    cells_a = _cell_share(fa.xy, pts[:, 1], box_a, fa.width, fa.height)
    fb_xy = mirror_features(fb).xy if mirrored else fb.xy
    cells_b = _cell_share(fb_xy, pts[:, 0], _unmirror(box_b) if mirrored else box_b, fb.width, fb.height)
    transform["cells_a"], transform["cells_b"] = cells_a, cells_b
    ok = (n_in >= min_inliers and min(cov_a, cov_b) >= min_cover
          and cells_a >= cell_share and cells_b >= cell_share)
    return Verification(bool(ok), n_in, n_match, transform)


def _unmirror(box: list[float]) -> list[float]:
    return [1.0 - box[2], box[1], 1.0 - box[0], box[3]]


def _cell_share(xy: np.ndarray, inl: np.ndarray, box: list[float], w: int, h: int, n: int = 8) -> float:
    """Share of the grid cells inside the overlap that hold keypoints and also hold an inlier."""
    def cells(p):
        cx = np.clip((p[:, 0] / w * n).astype(int), 0, n - 1)
        cy = np.clip((p[:, 1] / h * n).astype(int), 0, n - 1)
        inside = ((p[:, 0] >= box[0] * w) & (p[:, 0] <= box[2] * w)
                  & (p[:, 1] >= box[1] * h) & (p[:, 1] <= box[3] * h))
        return set(zip(cx[inside].tolist(), cy[inside].tolist()))
    have = cells(xy)
    if not have:
        return 0.0
    return len(have & cells(inl)) / len(have)


def _invert(M: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine matrix."""
    A = np.vstack([M, [0, 0, 1]])
    return np.linalg.inv(A)[:2]
