"""JPEG quality, quantisation tables and double compression.

Method: read the file's quantisation tables, estimate the IJG quality they
correspond to (and whether they are the standard tables), then look for
double compression in the histograms of the block-DCT coefficients divided
by the final quantisation step: a second compression at a different quality
leaves periodic peaks and gaps in those histograms (Popescu & Farid,
"Statistical tools for digital forensics", IH 2004; Lukas & Fridrich,
"Estimation of primary quantization matrix in double compressed JPEG
images", DFRWS 2003). Periodicity is measured per low-frequency coefficient
as the strongest non-zero frequency of the detrended histogram's spectrum.
Not a JPEG: score ``None``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kit.detectors.base import Detector, DetectorResult, squash
from kit.metadata.jpeg import estimate_quality

__all__ = ["JpegDetector", "block_dct"]

# zig-zag positions 1..9 (low-frequency AC) as (row, col)
_LOW_AC = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0)]


def block_dct(gray: np.ndarray) -> np.ndarray:
    """8x8 block DCT-II (orthonormal) of the grid-aligned image, shape (n, 8, 8)."""
    n = np.arange(8)
    c = np.sqrt(2 / 8) * np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / 16)
    c[0] /= np.sqrt(2)
    h, w = (gray.shape[0] // 8) * 8, (gray.shape[1] // 8) * 8
    b = gray[:h, :w].astype(np.float32).reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    return np.einsum("ij,njk,lk->nil", c, b - 128, c, optimize=True)


def _periodicity(values: np.ndarray, kmax: int = 40) -> float:
    """Share of the detrended histogram's spectral energy in its strongest frequency."""
    k = np.abs(np.rint(values)).astype(int)
    h = np.bincount(k[(k >= 1) & (k <= kmax)], minlength=kmax + 1)[1:].astype(float)
    if h.sum() < 400:
        return 0.0
    smooth = np.convolve(np.pad(h, 3, mode="edge"), np.ones(7) / 7, mode="valid")
    x = np.where(smooth > 2, h / np.maximum(smooth, 1e-9) - 1, 0.0)
    power = np.abs(np.fft.rfft(x))[2:] ** 2
    return float(power.max() / (power.sum() + 1e-9))


class JpegDetector(Detector):
    """Quality estimate + double-compression periodicity (see module docstring)."""

    name, version, kind, needs_path = "jpeg", "1", "image", True
    score_meaning = "evidence of double JPEG compression (periodic DCT histograms)"

    def analyze_path(self, path: Path) -> DetectorResult:
        from PIL import Image

        with Image.open(path) as im:
            if im.format != "JPEG":
                return self.result(None, f"not a JPEG ({im.format}): nothing to say", format=im.format)
            tables = {int(k): np.array(v, float) for k, v in im.quantization.items()}
        luma = tables[0]
        quality, _, err = estimate_quality({0: tuple(int(v) for v in luma)})  # luma table only
        from kit.media import load_image

        gray = load_image(path, mode="L", apply_orientation=False)  # the grid as stored: no EXIF rotation
        coef = block_dct(gray)
        per = [_periodicity(coef[:, r, c] / luma[r * 8 + c]) for r, c in _LOW_AC]
        strength = float(np.median(per))
        return self.result(squash(strength, center=0.38, scale=0.06),
                           f"quality ~{quality} ({'standard' if err < 0.5 else 'custom'} tables); "
                           f"DCT histogram periodicity {strength:.2f}", quality=quality,
                           table_error=err, standard_tables=err < 0.5, periodicity=strength,
                           periodicity_by_coefficient=[round(p, 4) for p in per],
                           luma_table=luma.astype(int).tolist())
