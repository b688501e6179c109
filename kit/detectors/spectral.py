"""Spectral artefacts of generative up-sampling.

Method: the azimuthally averaged (radial) log power spectrum of the image
(Durall, Keuper & Keuper, "Watch your up-convolution: CNN based generative
deep neural networks are failing to reproduce spectral distributions",
CVPR 2020). Up-sampling layers leave too much or too little energy, and
peaks, at high frequencies. The score is the high-frequency residual of the
profile against a power law fitted at mid frequencies; ``raw["profile"]``
(``bins`` values) is the 1-D feature vector Durall et al. feed to a
classifier, which :mod:`kit.detectors.fusion` can learn on a labelled set.

Examples
--------
>>> import numpy as np
>>> r = SpectralDetector().score(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8))
>>> len(r.raw["profile"]), 0 <= r.score <= 1
(32, True)
"""

from __future__ import annotations

import numpy as np

from kit.detectors.base import Detector, DetectorResult, squash

__all__ = ["SpectralDetector", "radial_profile"]


def radial_profile(gray: np.ndarray, bins: int = 32, size: int = 256) -> np.ndarray:
    """Azimuthal average of the log power spectrum of the central ``size`` crop (or all)."""
    h, w = gray.shape
    s = min(size, h, w)
    g = gray[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s].astype(np.float64)
    g = (g - g.mean()) * np.outer(np.hanning(s), np.hanning(s))
    p = np.log(np.abs(np.fft.fftshift(np.fft.fft2(g))) ** 2 + 1e-8)
    yy, xx = np.indices(p.shape)
    r = np.hypot(yy - s // 2, xx - s // 2) / (s / 2)
    idx = np.minimum((r * bins).astype(int), bins)  # corners (r > 1) go to an extra bin
    prof = np.bincount(idx.ravel(), p.ravel(), bins + 1) / np.maximum(np.bincount(idx.ravel(), None, bins + 1), 1)
    return prof[:bins]


class SpectralDetector(Detector):
    """Radial power spectrum high-frequency excess (see module docstring)."""

    name, version, kind, mode = "spectral", "1", "image", "L"
    score_meaning = "high-frequency spectral excess typical of generative up-sampling"

    def __init__(self, bins: int = 32, size: int = 256) -> None:
        self.bins, self.size = bins, size

    def analyze(self, image: np.ndarray) -> DetectorResult:
        prof = radial_profile(image, self.bins, self.size)
        f = (np.arange(self.bins) + 0.5) / self.bins
        mid = slice(self.bins // 8, self.bins // 2)
        slope, icpt = np.polyfit(np.log(f[mid]), prof[mid], 1)
        resid = prof - (slope * np.log(f) + icpt)
        hf = float(resid[3 * self.bins // 4:].mean())
        return self.result(squash(hf, center=0.0, scale=1.0),
                           f"spectral slope {slope:.2f}; high-frequency excess {hf:+.2f} (log power)",
                           slope=float(slope), hf_excess=hf, profile=[round(float(v), 4) for v in prof])
