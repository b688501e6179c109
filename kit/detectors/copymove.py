"""Copy-move (region duplication within one image).

Method: keypoints matched against the same image with the generalised
2-nearest-neighbour test (Amerini et al., "A SIFT-based forensic method for
copy-move attack detection and transformation recovery", IEEE TIFS 6(3),
2011), here with ORB features for speed; matches closer than
``min_distance`` pixels are dropped, and the remaining pairs are clustered
by their displacement vector: a duplicated region gives many pairs sharing
one displacement. The score grows with the size of the largest cluster;
the heat map marks both ends of its matches.

Examples
--------
>>> import numpy as np
>>> r = CopyMoveDetector().score(np.zeros((64, 64, 3), np.uint8))
>>> r.score < 0.1, r.raw["matches"]
(True, 0)
"""

from __future__ import annotations

import numpy as np

from kit.detectors.base import Detector, DetectorResult, squash

__all__ = ["CopyMoveDetector"]


class CopyMoveDetector(Detector):
    """ORB self-matching with displacement clustering (see module docstring)."""

    name, version, kind, mode = "copymove", "1", "image", "L"
    score_meaning = "size of the largest group of regions duplicated within the image"

    def __init__(self, features: int = 3000, ratio: float = 0.6, min_distance: float = 24.0,
                 bin_px: float = 6.0) -> None:
        self.features, self.ratio, self.min_distance, self.bin_px = features, ratio, min_distance, bin_px

    def analyze(self, image: np.ndarray) -> DetectorResult:
        import cv2

        kps, desc = cv2.ORB_create(nfeatures=self.features).detectAndCompute(image, None)
        pairs = []
        if desc is not None and len(kps) > 3:
            pts = np.array([k.pt for k in kps], np.float32)
            knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(desc, desc, k=4)
            for ms in knn:
                ms = [m for m in ms if m.trainIdx != m.queryIdx]
                for a, b in zip(ms, ms[1:]):  # g2NN: stop at the first big jump in distance
                    if a.distance >= self.ratio * max(b.distance, 1):
                        break
                    p, q = pts[a.queryIdx], pts[a.trainIdx]
                    if np.hypot(*(p - q)) >= self.min_distance and a.queryIdx < a.trainIdx:
                        pairs.append((*p, *q))
        pairs = np.array(pairs, np.float32).reshape(-1, 4)
        heat = np.zeros(image.shape[:2], np.float32)
        best = 0
        if len(pairs):
            d = pairs[:, 2:] - pairs[:, :2]
            d[d[:, 0] < 0] *= -1  # p->q and q->p are the same displacement
            keys = np.round(d / self.bin_px).astype(int)
            uniq, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
            best = int(counts.max())
            for x0, y0, x1, y1 in pairs[inv.ravel() == counts.argmax()]:
                for x, y in ((x0, y0), (x1, y1)):
                    cv2.circle(heat, (int(x), int(y)), 12, 1.0, -1)
        return self.result(squash(best, center=8, scale=2.5),
                           f"{len(pairs)} self-matches; largest group sharing one displacement: {best}",
                           heatmap=heat, matches=int(len(pairs)), largest_cluster=best)
