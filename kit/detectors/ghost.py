"""JPEG ghosts.

Method: recompress the image at a range of qualities and map the squared
difference per block; a region that was earlier compressed at quality q0
shows a "ghost" (a local minimum of the difference) at q0 that the rest of
the image does not (Farid, "Exposing digital forgeries from JPEG ghosts",
IEEE TIFS 4(1), 2009). Differences are normalised per block over qualities
as in the paper; the heat map is the ghost at the quality where it is most
pronounced, and the score grows with its contrast.

Examples
--------
>>> import numpy as np
>>> r = GhostDetector().score(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8))
>>> 0 <= r.score <= 1
True
"""

from __future__ import annotations

import numpy as np

from kit.detectors.base import Detector, DetectorResult, block_reduce, squash

__all__ = ["GhostDetector", "ghost_stack"]


def ghost_stack(gray: np.ndarray, qualities: tuple[int, ...], block: int = 16) -> np.ndarray:
    """Per-block mean squared recompression difference, shape (len(qualities), H/b, W/b)."""
    import cv2

    g = np.ascontiguousarray(gray)
    f = g.astype(np.float32)
    out = []
    for q in qualities:
        rec = cv2.imdecode(cv2.imencode(".jpg", g, [cv2.IMWRITE_JPEG_QUALITY, int(q)])[1],
                           cv2.IMREAD_GRAYSCALE)
        out.append(block_reduce((f - rec) ** 2, block))
    return np.stack(out)


class GhostDetector(Detector):
    """JPEG ghosts over ``qualities`` (see module docstring)."""

    name, version, kind, mode = "ghost", "1", "image", "L"
    score_meaning = "contrast of a JPEG ghost: part of the image was compressed at another quality"

    def __init__(self, qualities: tuple[int, ...] = tuple(range(50, 96, 5)), block: int = 16) -> None:
        self.qualities, self.block = tuple(qualities), block

    def analyze(self, image: np.ndarray) -> DetectorResult:
        d = ghost_stack(image, self.qualities, self.block)
        lo, hi = d.min(axis=0), d.max(axis=0)
        norm = (d - lo) / (hi - lo + 0.5)  # 0.5: damp flat blocks where all differences vanish
        textured = (hi - lo) > 1.0
        heat = np.clip(np.median(norm[:, textured] if textured.sum() >= 4 else norm, axis=-1)
                       [:, None, None] - norm, 0, 1) * textured
        contrast = np.array([np.percentile(h, 95) - np.percentile(h, 50) for h in heat])
        k = int(contrast.argmax())
        share = float((heat[k] > 0.5).mean())
        return self.result(squash(float(contrast[k]), center=0.35, scale=0.1),
                           f"strongest ghost at q{self.qualities[k]} covering {share:.0%} of the image",
                           heatmap=heat[k] * 1.5, shape=image.shape, ghost_quality=self.qualities[k],
                           contrast=float(contrast[k]), hot_share=share,
                           contrast_by_quality=[round(float(c), 4) for c in contrast])
