"""Noise residual inconsistency.

Method: estimate the local noise level per block from the residual of the
Laplacian-difference operator that cancels smooth structure (Immerkaer,
"Fast noise variance estimation", CVIU 64(2), 1996), and flag blocks whose log noise
level is an outlier against the whole image (Mahdian & Saic, "Using noise
inconsistencies for blind image forensics", Image Vis. Comput. 2009; Lyu,
Pan & Zhang, "Exposing region splicing forgeries with blind local noise
estimation", IJCV 2014). Spliced regions usually come from a camera,
quality or resampling with a different noise level.

Examples
--------
>>> import numpy as np
>>> r = NoiseDetector().score(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8))
>>> 0 <= r.score <= 1
True
"""

from __future__ import annotations

import numpy as np

from kit.detectors.base import Detector, DetectorResult, block_reduce, squash

__all__ = ["NoiseDetector", "noise_level_map"]


def noise_level_map(gray: np.ndarray, block: int = 16) -> np.ndarray:
    """Noise sigma per ``block`` tile (Immerkaer's Laplacian-difference estimator)."""
    import cv2

    k = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    res = np.abs(cv2.filter2D(gray.astype(np.float32), -1, k, borderType=cv2.BORDER_REFLECT))
    return block_reduce(res, block) * np.sqrt(np.pi / 2) / 6


class NoiseDetector(Detector):
    """Block-wise noise-level outliers (see module docstring)."""

    name, version, kind, mode = "noise", "1", "image", "L"
    score_meaning = "share of the image whose noise level is inconsistent with the rest"

    def __init__(self, block: int = 16) -> None:
        self.block = block

    def analyze(self, image: np.ndarray) -> DetectorResult:
        sigma = noise_level_map(image, self.block)
        flat = block_reduce(image.astype(np.float32), self.block, "std") > 1.0
        from scipy.ndimage import median_filter

        logs = median_filter(np.log(sigma + 0.1), size=3, mode="nearest")  # tile estimates are noisy
        ref = logs[flat] if flat.sum() >= 4 else logs.ravel()
        med = float(np.median(ref))
        mad = float(np.median(np.abs(ref - med))) * 1.4826 + 0.05
        z = np.abs(logs - med) / mad
        z[~flat] = 0
        outlier = float((z > 3).mean())
        return self.result(squash(outlier, center=0.06, scale=0.03),
                           f"median noise sigma {np.exp(med) - 0.1:.2f}; {outlier:.0%} of tiles are "
                           "outliers", heatmap=np.clip(z / 6, 0, 1), shape=image.shape,
                           noise_median=float(np.exp(med) - 0.1), log_spread=mad, outlier_share=outlier)
