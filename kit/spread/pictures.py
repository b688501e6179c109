"""Small pictures for the content evidence: decoding at analysis size, SIFT description, alignment.

Private helpers of :mod:`kit.spread.content` (:func:`load_small`, :func:`describe_small` and
:func:`_align` are importable from there too), also used by :mod:`kit.spread.lineage` and
:mod:`kit.spread.evidence`: a picture is decoded small (long side ``side``), described by SIFT
features (:func:`kit.matching.verify.features`) and its blurred Lab, and two pictures are aligned
by a RANSAC similarity, mirrored where needed.

Examples
--------
>>> import numpy as np
>>> _rgb(np.zeros((4, 6), np.uint8)).shape
(4, 6, 3)
>>> float(_box_mask((4, 4), (0.5, 0.0, 1.0, 0.5)).sum())
4.0
"""

from __future__ import annotations

from typing import Any

import numpy as np


def load_small(path: Any, kind: str = "image", *, side: int = 320) -> tuple[np.ndarray, float] | None:
    """Gray uint8 picture with long side <= ``side`` and its scale (analysis px per original px).

    Videos give the frame at 1 s (else the first). None when it cannot be decoded.
    """
    import cv2

    try:
        if kind == "video":
            from kit.media import iter_frames

            frames = list(iter_frames(path, every_s=1.0, max_frames=2))
            if not frames:
                return None
            img = np.asarray(frames[-1].image)
        else:
            from kit.hashing.decode import choose_reduce, image_size, load

            size = image_size(path)
            reduce = choose_reduce(*size, min_side=side, use_max=True) if size else 1
            img = load(path, mode="RGB", reduce=reduce)
            full = max(size) if size else max(img.shape[:2])
    except Exception:  # noqa: BLE001 - an undecodable file just gets no content evidence
        return None
    img = _rgb(img)
    h, w = img.shape[:2]
    if kind == "video":
        full = max(h, w)
    s = min(1.0, side / max(h, w))
    if s < 1.0:
        img = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img), max(img.shape[:2]) / float(full)


def _rgb(img: np.ndarray) -> np.ndarray:
    """``img`` as a contiguous 3-channel array (gray repeated, alpha dropped)."""
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, :3])


def _align(fa: Any, fb: Any, ratio: float = 0.8) -> tuple[int, np.ndarray | None, bool]:
    """``(inliers, 2x3 map of b's points into a, mirrored)`` of the best RANSAC similarity between the
    features ``fa`` and ``fb`` (plain, then mirrored unless the plain one has 60 inliers)."""
    return _best_similarity(fa, fb, ratio)[:3]


def _align_view(fa: Any, fb: Any, ratio: float = 0.8) -> tuple[int, np.ndarray | None, bool, float]:
    """:func:`_align` and the :func:`perspective_gain` of its matched points: ``(inliers, map,
    mirrored, gain)``."""
    n, M, mirrored, src, dst = _best_similarity(fa, fb, ratio)
    return n, M, mirrored, perspective_gain(src, dst, M) if M is not None else 0.0


def perspective_gain(src: np.ndarray, dst: np.ndarray, M: np.ndarray, *, tol: float = 3.0,
                     min_points: int = 20) -> float:
    """How much closer a perspective (RANSAC homography) brings the matched points ``src`` onto
    ``dst`` than the similarity ``M`` does: the median residual of the similarity's inliers minus
    the homography's (pixels of ``dst``). A copy is a similarity of its parent (crop, scale,
    rotation, mirror, frame), so the gain stays near 0 (-0.21 to 0.15 px at 320 px on 600 copies
    sampled from the spread benchmark); another shot of the scene has another viewpoint, which only
    a perspective follows (0.35-0.81 px on its 21 look-alikes). 0.0 with under ``min_points`` inliers."""
    import cv2

    if M is None or len(src) < min_points:
        return 0.0
    rs = np.linalg.norm(src @ M[:, :2].T + M[:, 2] - dst, axis=1)
    if int((rs < tol).sum()) < min_points:
        return 0.0
    H, _mask = cv2.findHomography(src, dst, cv2.RANSAC, tol, maxIters=2000, confidence=0.995)
    if H is None:
        return 0.0
    rh = np.linalg.norm(cv2.perspectiveTransform(src[None].astype(np.float64), H)[0] - dst, axis=1)
    if int((rh < tol).sum()) < min_points:
        return 0.0
    return float(np.median(rs[rs < tol]) - np.median(rh[rh < tol]))


def _best_similarity(fa: Any, fb: Any, ratio: float) -> tuple:
    """``(inliers, map, mirrored, src, dst)``: :func:`_align` with the matched points of its best fit."""
    import cv2

    from kit.matching.verify import mirror_features

    best: tuple = (0, None, False, None, None)
    for mirrored in (False, True):
        fbx = mirror_features(fb) if mirrored else fb
        if len(fa) < 3 or len(fbx) < 3:
            continue
        m = cv2.BFMatcher(cv2.NORM_L2).knnMatch(fbx.desc, fa.desc, k=2)
        good = [p[0] for p in m if len(p) == 2 and p[0].distance < ratio * p[1].distance]
        if len(good) < 4:
            continue
        src = fbx.xy[[g.queryIdx for g in good]]
        dst = fa.xy[[g.trainIdx for g in good]]
        M, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0,
                                              maxIters=2000, confidence=0.995)
        if M is None:
            continue
        n = int(mask.sum())
        if n > best[0]:
            best = (n, M, mirrored, src, dst)
        if n >= 60:
            break
    return best


def _ratio_good(q: np.ndarray, refs: list[np.ndarray], ratio: float, block: int = 48) -> list:
    """For each descriptor matrix in ``refs``: the ``(query rows, train rows)`` of the matches of ``q``
    that pass Lowe's ratio test, the same as ``BFMatcher(NORM_L2).knnMatch(q, ref, k=2)`` and the test
    in :func:`_align` find them. OpenCV's SIFT descriptors are whole numbers up to 255, so squared
    distances taken from one matrix product over a block of references are exact in float32 (every
    partial sum stays under 2**24), and their square roots are the matcher's own."""
    out: list = []
    qq = np.einsum("ij,ij->i", q, q)
    for b0 in range(0, len(refs), block):
        part = refs[b0:b0 + block]
        n = max(len(r) for r in part)
        stack = np.zeros((len(part), n, q.shape[1]), np.float32)
        rr = np.full((len(part), n), np.inf, np.float32)  # padding rows: never a neighbour
        for k, r in enumerate(part):
            stack[k, :len(r)] = r
            rr[k, :len(r)] = np.einsum("ij,ij->i", r, r)
        d2 = q @ stack.reshape(-1, q.shape[1]).T  # |q|^2 + |r|^2 - 2 q.r, |q|^2 added once at the end
        d2 *= -2
        d2 += rr.reshape(1, -1)
        d2 = d2.reshape(len(q), len(part), n)
        first = d2.argmin(2)
        d1 = np.take_along_axis(d2, first[..., None], 2)[..., 0]
        np.put_along_axis(d2, first[..., None], np.inf, 2)
        dist1 = np.sqrt(np.maximum(d1 + qq[:, None], 0)).astype(np.float64)
        dist2 = np.sqrt(np.maximum(d2.min(2) + qq[:, None], 0)).astype(np.float64)
        ok = dist1 < ratio * dist2
        for k, r in enumerate(part):
            rows = np.flatnonzero(ok[:, k]) if len(r) >= 2 else np.zeros(0, int)
            out.append((rows, first[rows, k]))
    return out


def _align_many(refs: list, fb: Any, ratio: float = 0.8) -> list[tuple[int, np.ndarray | None, bool]]:
    """``[_align(fa, fb) for fa in refs]``, with the descriptor matching of all of them done in blocks
    of matrix products (:func:`_ratio_good`) instead of one matcher call per pair: the same inputs
    to the same RANSAC, so the same results. The donor search aligns one region with every group's
    reference, and the matcher calls were nine tenths of its time."""
    import cv2

    from kit.matching.verify import mirror_features

    out: list = [(0, None, False)] * len(refs)
    usable = [k for k, fa in enumerate(refs) if len(fa) >= 3]
    for mirrored in (False, True):
        fbx = mirror_features(fb) if mirrored else fb
        todo = [k for k in usable if out[k][0] < 60]
        if len(fbx) < 3 or not todo:
            continue
        good = _ratio_good(np.ascontiguousarray(fbx.desc, np.float32),
                           [np.ascontiguousarray(refs[k].desc, np.float32) for k in todo], ratio)
        for k, (rows, cols) in zip(todo, good):
            if len(rows) < 4:
                continue
            M, mask = cv2.estimateAffinePartial2D(fbx.xy[rows], refs[k].xy[cols], method=cv2.RANSAC,
                                                  ransacReprojThreshold=3.0, maxIters=2000, confidence=0.995)
            if M is not None and int(mask.sum()) > out[k][0]:
                out[k] = (int(mask.sum()), M, mirrored)
    return out


def _refine(a: np.ndarray, b: np.ndarray, Mi: np.ndarray, step: float = 0.5) -> np.ndarray:
    """Sub-pixel touch-up of the a -> b map: the translation (+-half a pixel) with the least lightness difference."""
    import cv2

    h, w = b.shape[:2]
    inner = (slice(h // 8, h - h // 8), slice(w // 8, w - w // 8))
    best, out = None, Mi
    for dx in (-step, 0.0, step):
        for dy in (-step, 0.0, step):
            M2 = Mi.copy()
            M2[0, 2] += dx
            M2[1, 2] += dy
            warped = cv2.warpAffine(a, M2, (w, h), flags=cv2.INTER_LINEAR, borderValue=np.nan)
            d = np.abs(warped[inner] - b[inner])
            score = float(np.nanmean(d)) if np.isfinite(d).any() else np.inf
            if best is None or score < best:
                best, out = score, M2
    return out


def _box_mask(shape: tuple, box: Any) -> np.ndarray:
    """float32 mask of ``shape`` holding 1 inside ``box`` (fractions x0, y0, x1, y1; everywhere when None)."""
    m = np.zeros(shape, np.float32)
    if box is None:
        m[:] = 1.0
        return m
    h, w = shape
    x0, y0, x1, y1 = box
    m[int(round(y0 * h)):max(int(round(y1 * h)), int(round(y0 * h)) + 1),
      int(round(x0 * w)):max(int(round(x1 * w)), int(round(x0 * w)) + 1)] = 1.0
    return m


def describe_small(src: Any, kind: str = "image", *, side: int = 320, nfeatures: int = 600) -> tuple | None:
    """A picture as :func:`pair_evidence` keeps it: ``(RGB uint8 at long side <= side, scale, SIFT
    features, blurred Lab float32)``, or None when ``src`` (a path, an array, or ``(array, scale)``)
    cannot be decoded."""
    import cv2

    from kit.matching.verify import features

    if src is None:
        return None
    if isinstance(src, tuple):
        img, sc = src
    elif isinstance(src, np.ndarray):
        img, sc = _rgb(src), 1.0
        s = min(1.0, side / max(img.shape[:2]))
        if s < 1.0:
            img = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
            sc = s
    else:
        got = load_small(src, kind, side=side)
        if got is None:
            return None
        img, sc = got
    img = _rgb(img)
    f = features(img, max_side=side, nfeatures=nfeatures)
    lab = cv2.cvtColor(img.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    return img, sc, f, cv2.GaussianBlur(lab, (3, 3), 0.8)


def _describe_task(arg: tuple) -> tuple | None:
    """:func:`describe_small` of ``(src, kind, side)``, for a process pool."""
    src, kind, side = arg
    return describe_small(src, kind, side=side)
