"""kit.spread.pictures: the batched alignment gives the per-pair alignment's answers."""

from __future__ import annotations

import cv2
import numpy as np

from _media import scene
from kit.matching.verify import features
from kit.spread.pictures import _align, _align_many


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
