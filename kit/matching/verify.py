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

__all__ = ["Features", "Verification", "features", "mirror_features", "transform_from_matrix", "verify_pair"]

_MIRROR_PERM = np.arange(128).reshape(4, 4, 8)[::-1][:, :, (-np.arange(8)) % 8].ravel()


@dataclass(frozen=True)
class Features:
    """SIFT keypoints of one image at analysis scale.

    ``xy`` (n, 2) float32 positions in analysis pixels, ``desc`` (n, 128)
    float32, ``width`` / ``height`` the analysis size, ``scale`` analysis
    pixels per original pixel, ``mirrored`` whether this is the flipped view,
    ``image`` the analysed gray array (for :func:`kit.matching.difference.changed_region`;
    None when not kept), ``view`` the part of the whole image analysed
    ([x0, y0, x1, y1] fractions; a trimmed picture inside a screenshot),
    ``video`` whether the image is a video frame.
    """

    xy: np.ndarray
    desc: np.ndarray
    width: int
    height: int
    scale: float = 1.0
    mirrored: bool = False
    image: np.ndarray | None = field(default=None, repr=False)
    view: tuple = (0.0, 0.0, 1.0, 1.0)
    video: bool = False

    def __len__(self) -> int:
        return int(self.xy.shape[0])


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_pair`; ``transform`` is None when no model was found. ``matrix`` is
    the fitted 2x3 map from ``b``'s analysis pixels (mirrored first when ``transform["mirror"]``)
    to ``a``'s, for callers that warp one picture onto the other."""

    verified: bool
    inliers: int
    matches: int
    transform: dict[str, Any] | None = field(default=None)
    matrix: np.ndarray | None = field(default=None, compare=False, repr=False)


def features(gray: np.ndarray, *, max_side: int = 480, nfeatures: int = 500, contrast: float = 0.01,
             keep_image: bool = True, view: tuple = (0.0, 0.0, 1.0, 1.0)) -> Features:
    """SIFT keypoints and descriptors of a gray (or RGB) uint8 array, resized to ``max_side``.

    ``contrast`` is SIFT's contrast threshold (OpenCV's default 0.04 finds too
    few keypoints on smooth, upscaled news photos); ``keep_image`` keeps the
    analysed array for the difference check; ``view`` is recorded as is.
    """
    import cv2

    g = np.asarray(gray)
    if g.ndim == 3:
        g = cv2.cvtColor(np.ascontiguousarray(g[..., :3]), cv2.COLOR_RGB2GRAY)
    H, W = g.shape
    s = min(1.0, max_side / max(H, W))
    if s < 1.0:
        g = cv2.resize(g, (max(1, round(W * s)), max(1, round(H * s))), interpolation=cv2.INTER_AREA)
    g = np.ascontiguousarray(g)
    sift = cv2.SIFT_create(contrastThreshold=contrast)
    # one pass (the scale space is built once; measured 20 % faster than detect, then compute the
    # kept ones, with the same descriptors), then the kept keypoints' rows
    found, all_desc = sift.detectAndCompute(g, None)
    row = {id(k): j for j, k in enumerate(found)}
    kps = _spread(found, nfeatures, g.shape[1], g.shape[0])
    desc = all_desc[[row[id(k)] for k in kps]] if kps and all_desc is not None else None
    xy = np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2)
    if desc is None:
        desc = np.zeros((0, 128), np.float32)
    return Features(xy, desc.astype(np.float32), g.shape[1], g.shape[0], s, False,
                    g if keep_image else None, tuple(float(v) for v in view))


def _spread(kps: Any, n: int, w: int, h: int, grid: int = 4) -> list:
    """At most ``n`` keypoints, spread over a ``grid`` x ``grid`` layout: the strongest of each
    cell first (an even share per cell), then the strongest of the rest. Overlaid text has the
    strongest corners of a picture; a plain top-``n`` cut would keep little else."""
    kps = sorted(kps, key=lambda k: -k.response)
    if len(kps) <= n:
        return list(kps)
    per = max(1, n // (grid * grid))
    used: dict[tuple[int, int], int] = {}
    first, rest = [], []
    for k in kps:
        c = (min(grid - 1, int(k.pt[0] * grid / w)), min(grid - 1, int(k.pt[1] * grid / h)))
        if used.get(c, 0) < per:
            used[c] = used.get(c, 0) + 1
            first.append(k)
        else:
            rest.append(k)
    return first + rest[: max(0, n - len(first))]


def mirror_features(f: Features) -> Features:
    """The features of the left-right mirrored image, derived without re-extraction."""
    xy = f.xy.copy()
    # OpenCV's SIFT places keypoints a quarter pixel right of (and below) the true point, the same
    # on both sides of a plain match; mirrored, the bias flips sign, so the mirror axis of the
    # detected points is width - 1 + 2 * 0.25 (measured: DEVELOPERS.md, "SIFT keypoint bias")
    xy[:, 0] = (f.width - 0.5) - xy[:, 0]
    img = None if f.image is None else np.ascontiguousarray(f.image[:, ::-1])
    return Features(xy, np.ascontiguousarray(f.desc[:, _MIRROR_PERM]), f.width, f.height, f.scale, not f.mirrored,
                    img, f.view, f.video)


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
    cv2.setRNGSeed(0)  # RANSAC draws from OpenCV's global RNG: same pair, same answer
    M, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=reproj,
                                          maxIters=2000, confidence=0.995)
    if M is None:
        return 0, len(good), None, None
    inl = mask.ravel().astype(bool)
    return int(inl.sum()), len(good), M, np.stack([src[inl], dst[inl]], axis=1) if inl.any() else None


def verify_pair(fa: Features, fb: Features, *, min_inliers: int = 15, min_cover: float = 0.1,
                cell_share: float = 0.35, ratio: float = 0.8, try_mirror: bool = True,
                reproj: float = 4.0, max_changed: float | None = 0.05,
                max_changed_video: float = 0.12) -> Verification:
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
    max_changed
        Largest share of the overlap a solid region of different content may
        cover (:func:`kit.matching.difference.changed_region`; a composite and
        its source photo differ in the pasted region); None skips the check,
        as does a pair whose features kept no image.
    max_changed_video
        The limit when either image is a video frame (video re-encoding,
        zoom and overlays change more than a still repost does).
    """
    best = _one(fa, fb, ratio, reproj) + (False,)
    if try_mirror and best[0] < 4 * min_inliers:
        alt = _one(fa, mirror_features(fb), ratio, reproj) + (True,)
        if alt[0] > best[0]:
            best = alt
    n_in, n_match, M, pts, mirrored = best
    if M is None or pts is None or abs(np.linalg.det(M[:, :2])) < 1e-6:
        return Verification(False, n_in, n_match, None)
    transform = transform_from_matrix(M, fa, fb, mirrored)
    cov_b = _hull_share(pts[:, 0], fb.width, fb.height)
    cov_a = _hull_share(pts[:, 1], fa.width, fa.height)
    transform["cover_a"], transform["cover_b"] = cov_a, cov_b
    box_a, box_b = _box_of(M, fb.width, fb.height, fa.width, fa.height)[0], _box_of(
        _invert(M), fa.width, fa.height, fb.width, fb.height)[0]
    cells_a = _cell_share(fa.xy, pts[:, 1], box_a, fa.width, fa.height)
    fb_xy = mirror_features(fb).xy if mirrored else fb.xy
    cells_b = _cell_share(fb_xy, pts[:, 0], box_b, fb.width, fb.height)
    transform["cells_a"], transform["cells_b"] = cells_a, cells_b
    ok = (n_in >= min_inliers and min(cov_a, cov_b) >= min_cover
          and cells_a >= cell_share and cells_b >= cell_share)
    if ok and max_changed is not None and fa.image is not None and fb.image is not None:
        from kit.matching.difference import changed_region

        gb = np.ascontiguousarray(fb.image[:, ::-1] if mirrored else fb.image)
        transform["changed"] = max(changed_region(fa.image, gb, M), changed_region(gb, fa.image, _invert(M)))
        ok = transform["changed"] <= (max(max_changed, max_changed_video) if fa.video or fb.video else max_changed)
    return Verification(bool(ok), n_in, n_match, transform, M)


def _to_whole(box: list[float], view: tuple) -> list[float]:
    """A box in a view's fractions -> fractions of the whole image."""
    x0, y0, x1, y1 = view
    return [x0 + box[0] * (x1 - x0), y0 + box[1] * (y1 - y0), x0 + box[2] * (x1 - x0), y0 + box[3] * (y1 - y0)]


def transform_from_matrix(M: np.ndarray, fa: Features, fb: Features, mirrored: bool) -> dict[str, Any]:
    """The JSON-able transform of a 2x3 map from (possibly mirrored) ``fb`` pixels to ``fa`` pixels.

    Keys: ``scale``, ``rotation_deg``, ``mirror``, ``box_in_a``, ``box_in_b``
    (fractions of the whole images), ``overlap_a``, ``overlap_b`` (shares of
    the analysed views), ``cover_a``, ``cover_b`` (set to the overlaps here;
    :func:`verify_pair` replaces them with the inliers' hull shares),
    ``view_a``, ``view_b``.
    """
    sc = float(np.hypot(M[0, 0], M[1, 0]))
    rot = float(np.degrees(np.arctan2(M[1, 0], M[0, 0])))
    box_a, ov_a = _box_of(M, fb.width, fb.height, fa.width, fa.height)
    box_b, ov_b = _box_of(_invert(M), fa.width, fa.height, fb.width, fb.height)
    if mirrored:  # report b's box in b's own (unmirrored) coordinates
        box_b = _unmirror(box_b)
    return {
        "scale": sc * fb.scale / fa.scale if fa.scale else sc,
        "rotation_deg": rot,
        "mirror": bool(mirrored),
        "box_in_a": _to_whole(box_a, fa.view),
        "box_in_b": _to_whole(box_b, fb.view),
        "overlap_a": ov_a,
        "overlap_b": ov_b,
        "cover_a": ov_a,
        "cover_b": ov_b,
        "view_a": list(fa.view),
        "view_b": list(fb.view),
    }


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
