"""kit.spread.pictures: the batched alignment gives the per-pair alignment's answers."""

from __future__ import annotations

import cv2
import numpy as np

from _media import scene
from kit.matching.verify import features
from kit.spread.lineage import SHOT_GAIN
from kit.spread.pictures import _align, _align_many, _align_view


def test_batched_alignment_is_the_per_pair_alignment():
    """One region against references that hold it plain, mirrored, rescaled, not at all, or with too
    few keypoints: every inlier count, mirror flag and map equals what `_align` finds pair by pair."""
    a = scene(3, 360, 480)
    region = np.ascontiguousarray(a[60:260, 100:360])
    refs = [a, np.ascontiguousarray(a[:, ::-1]), cv2.resize(a, (320, 240), interpolation=cv2.INTER_AREA),
            scene(4, 360, 480), scene(5, 300, 300), np.full((64, 64, 3), 128, np.uint8)]
    fr = features(region, max_side=320, nfeatures=400)
    fa = [features(r, max_side=320, nfeatures=600) for r in refs]
    many = _align_many(fa, fr)
    one = [_align(f, fr) for f in fa]
    assert [(n, m) for n, _M, m in many] == [(n, m) for n, _M, m in one]
    for (_n, M1, _m), (_n2, M2, _m2) in zip(many, one):
        assert (M1 is None) == (M2 is None) and (M1 is None or np.allclose(M1, M2))
    assert many[0][0] >= 12 and many[1][0] >= 12 and many[1][2] and many[3][0] < 12


def _persp(a: np.ndarray, j: tuple) -> np.ndarray:
    h, w = a.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * j[0], h * j[1]], [w * (1 - j[1]), h * j[2]], [w * (1 - j[2]), h * (1 - j[3])],
                      [w * j[3], h * (1 - j[0])]])
    return cv2.warpPerspective(a, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT)


def test_a_perspective_fits_another_shot_better_than_a_similarity_and_a_copy_no_better():
    """Copies made by crop, scale, rotation and mirror are similarities of the picture: a homography
    brings their points no closer. Another viewpoint (corners moved 2-4 % of the frame) only a
    perspective follows."""
    a = scene(7, 360, 480)
    rot = cv2.warpAffine(a, cv2.getRotationMatrix2D((240, 180), 3.0, 0.9), (480, 360), borderMode=cv2.BORDER_REFLECT)
    copies = [np.ascontiguousarray(a[30:330, 40:440]), cv2.resize(a, (300, 225), interpolation=cv2.INTER_AREA),
              rot, np.ascontiguousarray(a[:, ::-1])]
    fa = features(a, max_side=320, nfeatures=600)
    for c in copies:
        n, M, _m, gain = _align_view(fa, features(c, max_side=320, nfeatures=600))
        assert n >= 30 and abs(gain) < 0.15
    for j in [(0.03, 0.02, 0.035, 0.025), (0.04, 0.03, 0.05, 0.035)]:
        n, M, _m, gain = _align_view(fa, features(_persp(a, j), max_side=320, nfeatures=600))
        assert n >= 20 and gain > SHOT_GAIN
