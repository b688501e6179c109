"""Aligned double JPEG: where the picture lacks the traces of its earlier compression.

Method (Bianchi & Piva, "Image forgery localization via block-grained analysis
of JPEG artifacts", IEEE TIFS 2012, the aligned case, simplified). A photo
saved as JPEG at step ``Q1`` and saved again at step ``Q2`` on the same 8x8
grid has DCT coefficients that were first rounded to multiples of ``Q1``: in
units of ``Q2`` some values are then more frequent than their neighbours and
some cannot occur at all (``n(x)``, the number of multiples of ``Q1`` that
round to ``x``, is periodic). A region pasted in from elsewhere (rescaled,
moved off the grid, or drawn) lost that history: its coefficients follow the
smooth distribution. So, per low-frequency AC coefficient of the luma:

1. ``Q2`` is read from the file and the quantised coefficients with
   ``jpeglib`` (libjpeg's own values, no re-decoding);
2. the coefficients' distribution without any lattice comes from the
   decoded picture's DCT on a grid moved by 4 pixels (calibration); from it,
   the single-compression model (its mass in each ``Q2`` bin) and, for each
   candidate ``Q1``, the double one (its mass in each ``Q1`` bin, carried to
   the ``Q2`` bins with the rounding noise ``sigma`` of the pixels saved in
   between; ``eps`` of the coefficients fall anywhere, as clipped pixels do);
3. ``Q1`` and the share of doubly compressed coefficients ``alpha`` are
   fitted by EM over the whole picture on the mixture of the two; a
   coefficient whose best fit gains under ``min_gain`` nats per value over
   the single model carries no history and is left out (measured on three
   photos: saved once 0.01-0.06, q60 -> q90 0.47-0.97, q75 -> q85 0.18-0.39,
   q90 -> q80 0.02-0.06: a coarser second compression hides the first);
4. each block's log-likelihood ratio is summed over the kept coefficients
   (zeros say little and are skipped) and a third of its 3x3 neighbours' (a
   pasted region is larger than a block), and turned into the posterior
   probability, with ``alpha`` as the prior, that the block was compressed
   once only: the heat map (0 where no block near has a kept non-zero value);
   a hot block outside any hot square of 2x2 blocks is shown under 0.5
   (:func:`solid`).

A coefficient whose histogram shows no history over its whole range is
fitted again on its values two steps or more from zero (:func:`dq_map`):
near zero the calibration fits worst, and a first step only a little
coarser than the second leaves its empty bins further out.

Score: the largest connected region of hot blocks, as a share of the
picture's informative blocks, times its share of all hot blocks (a pasted
region is one piece; hot blocks scattered over the picture are a weak fit
on clipped, flat or busy areas, not a paste), or ``None`` when the file is
not a JPEG or shows no double compression over most of it (under 3 coefficients kept, or ``alpha`` under
0.65: the model then explains too little of the picture to say which part
lacks the history; with the far fit, 0.5 let 26 of the demo's 229 pictures
score over 0.5, with patches of the photo itself hot, and 0.65 left 8, all
screenshots, captions or meme text, whose overlays lack it): a picture
saved once, or a repost moved off its grid by a crop or a caption bar, has
no history to lack; nothing to say, which does not mean
authentic. Added overlays (logos, text, stickers) lack the history too and
are found as regions: read the map with the picture.

The map is the block posterior taken in by half a block (:data:`EDGE_PX`):
through the neighbour sum a block next to the region is hot too, so the hot
blocks reach about a block past the pasted edge.

Examples
--------
>>> import io, numpy as np
>>> from PIL import Image
>>> rng = np.random.default_rng(0)
>>> img = (rng.normal(128, 40, (128, 128))).clip(0, 255).astype(np.uint8)
>>> def jpeg(a, q):
...     b = io.BytesIO(); Image.fromarray(a).save(b, "JPEG", quality=q); return b.getvalue()
>>> once = np.asarray(Image.open(io.BytesIO(jpeg(img, 60))))
>>> r = dq_map(jpeg(once, 90))
>>> r["kept"] >= 3 and r["alpha"] > 0.8
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kit.detectors.base import Detector, DetectorResult, squash

__all__ = ["EDGE_PX", "DoubleQuantDetector", "dq_map", "region_score", "solid"]

EDGE_PX = 4
"""Half a block: how far the map is taken in from the hot blocks' edge (module doc). On
``bench_splices.py``'s camera composites where dq finds the region, the hot blocks had recall 1.0 and
precision 0.6-0.9 against the pasted mask; taking in 4 px raised their mean pixel F1 by 0.035-0.045
on each of four seed sets, 5 px by about as much, 6-8 px less."""

# zig-zag positions 1..15 (AC, low to mid frequency) as (row, col)
_ZIGZAG_AC = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0), (4, 0), (3, 1), (2, 2),
              (1, 3), (0, 4), (0, 5)]


def _read(src: Any) -> tuple[np.ndarray, np.ndarray]:
    """Luma quantised DCT coefficients (rows, cols, 8, 8) and the luma table (8, 8) of a JPEG."""
    from kit.media import jpeg_luma_dct

    Y, q = jpeg_luma_dct(bytes(src) if isinstance(src, bytearray) else src)
    return Y, q.astype(np.float64)


def _calibration(src: Any) -> np.ndarray:
    """Block DCT of the decoded luma on a grid moved by 4 pixels, (n, 8, 8) in the file's DCT units:
    the coefficients' distribution without the quantisation lattice (the moved grid does not see
    it), the reference for both models (Fan and de Queiroz's calibration)."""
    from kit.detectors.jpeg import block_dct
    from kit.media import load_image

    gray = load_image(bytes(src) if isinstance(src, bytearray) else src, mode="L", apply_orientation=False)
    return block_dct(gray[4:, 4:])


class _Cdf:
    """Probability mass of ``values`` between two points, from their empirical CDF, with a floor
    (a bin no calibration value fell in is rare, not impossible)."""

    def __init__(self, values: np.ndarray, floor: float = 0.5) -> None:
        self.v = np.sort(values.astype(np.float64))
        self.floor = floor / max(1, len(self.v))

    def mass(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        n = max(1, len(self.v))
        return (np.searchsorted(self.v, hi) - np.searchsorted(self.v, lo)) / n + self.floor


def _ratio(xs: np.ndarray, cdf: _Cdf, q1: float, q2: float, sigma: float) -> np.ndarray:
    """``p(x | double) / p(x | single)`` for the ``q2`` bins ``xs``: single, the calibrated mass of
    each bin; double, the calibrated mass of each ``q1`` bin ``k`` carried to the ``q2`` bins
    around ``q1 k / q2`` with rounding noise ``sigma`` (pixels are rounded and clipped between
    the two compressions)."""
    from scipy.special import ndtr

    single = cdf.mass(q2 * (xs - 0.5), q2 * (xs + 0.5))
    k = np.arange(np.floor(q2 * (xs[0] - 1) / q1), np.ceil(q2 * (xs[-1] + 1) / q1) + 1)
    p1 = cdf.mass(q1 * (k - 0.5), q1 * (k + 0.5))
    reach = int(np.ceil(3 * sigma / q2)) + 1
    centre = np.rint(q1 * k / q2).astype(int)
    x = centre + np.arange(-reach, reach + 1)[:, None]  # the q2 bins each q1 bin reaches, (2 reach + 1, len(k))
    edges = ndtr((q2 * (np.concatenate([x, x[-1:] + 1]) - 0.5) - q1 * k) / sigma)
    w = np.diff(edges, axis=0) * p1
    ok = (x >= xs[0]) & (x <= xs[-1])
    double = np.bincount(x[ok] - xs[0], weights=w[ok], minlength=len(xs))
    return double / single


def _fit(values: np.ndarray, cal: np.ndarray, q2: float, q1_max: int, sigma: float, eps: float,
         iters: int = 15, centre: int = 2) -> tuple:
    """The best fits of one frequency, ``(whole, far)``, each ``(gain per coefficient, q1, alpha,
    log r table over xs, xs)``: EM for the share ``alpha`` of doubly compressed coefficients, for
    each first step ``q1``; the gain is the mean log-likelihood over the single compression model.
    ``whole`` reads every value; ``far`` only the values at least ``centre`` steps from zero, both
    models renormalised there, first steps from 2, its table 0 (nothing said) nearer zero (see
    :func:`dq_map`). One pass: the models of each ``q1`` are made once for both."""
    none = (0.0, None, 0.0, None, None)
    if (values != 0).sum() < 200:
        return none, none
    xmax = int(min(np.abs(values).max(), 200))
    xs = np.arange(-xmax, xmax + 1)
    counts = np.bincount(np.clip(values, -xmax, xmax) + xmax, minlength=len(xs)).astype(float)
    far = np.abs(xs) >= centre
    cdf = _Cdf(cal)
    single = cdf.mass(q2 * (xs - 0.5), q2 * (xs + 0.5))
    s_far = single[far].sum()
    nz_all, nz_far = counts > 0, (counts > 0) & far
    tables: dict[str, tuple[list, list]] = {"whole": ([], []), "far": ([], [])}
    for q1 in range(1, q1_max + 1):
        if q1 == q2:
            continue
        ratio = _ratio(xs, cdf, q1, q2, sigma)
        tables["whole"][0].append(q1)
        tables["whole"][1].append(ratio)
        if q1 > 1 and counts[nz_far].sum() >= 100:  # both models renormalised over the far bins
            tables["far"][0].append(q1)
            tables["far"][1].append(ratio * s_far / max(1e-12, float((ratio * single)[far].sum())))
    best = {}
    for kind, nz in (("whole", nz_all), ("far", nz_far)):
        q1s, rats = tables[kind]
        best[kind] = (0.0, None, 0.0, None, xs)
        if not q1s:
            continue
        # EM for alpha, every first step at once (one row each)
        r = (1 - eps) * np.array(rats) + eps  # eps: off the lattice anyway (clipping)
        r_nz, c = np.maximum(r[:, nz], 1e-4), counts[nz]
        a = np.full((len(q1s), 1), 0.5)
        for _ in range(iters):
            post = a * r_nz / (a * r_nz + 1 - a)
            a = (post @ c / c.sum())[:, None]
        gains = np.log(a * r_nz + 1 - a) @ c / c.sum()
        i = int(np.argmax(gains))  # the first of equal gains: the smallest step
        if gains[i] > 0.0:
            table = np.log(np.maximum(r[i], 1e-4))
            best[kind] = (float(gains[i]), q1s[i], float(a[i, 0]),
                          table if kind == "whole" else np.where(far, table, 0.0), xs)
    return best["whole"], best["far"]


def dq_map(src: Any, *, n_freq: int = 15, q1_max: int = 40, sigma: float = 1.2, eps: float = 0.15,
           min_gain: float = 0.1, centre: int = 2, min_far: float = 0.06, neighbours: float = 1.0 / 3.0,
           give_up: int = 6) -> dict:
    """The aligned double-compression analysis of one JPEG (path or bytes); see the module doc.

    Returns a dict: ``block_map`` (posterior of single compression per 8x8 block), ``kept``
    (coefficients showing double compression), ``alpha`` (mean share of doubly compressed
    blocks), ``q1`` (estimated first steps of the kept coefficients, by zig-zag index),
    ``informative`` (blocks with a non-zero kept coefficient). When none of the first ``give_up``
    coefficients shows double compression the rest are not fitted (the 141 demo pictures, most of
    them saved once: 22.0 -> 14.7 s, the same scores).

    A coefficient the whole-range fit keeps nothing of is fitted again on its values at least
    ``centre`` steps from zero (``min_far`` nats per value). The bins around zero hold the flat and
    clipped blocks, where the calibrated shape is furthest from the truth; there a first step of 1
    (no lattice at all) fitted that misfit better than the true step fitted the empty bins it leaves
    (a q65 -> q71 photo of coins: 0.128 nats for 1 against 0.083 for the true 8; on the far values
    the true 8 is found). Those coefficients then speak only for blocks where they are that far
    from zero. On single compressions (30 PNG hosts saved once as JPEG) the far fit gains
    0.00-0.05, once 0.18 for a first step of 40 on one coefficient (so ``min_kept`` stays 3).
    """
    Y, q = _read(src)
    cal = _calibration(src)
    rows, cols = Y.shape[:2]
    L = np.zeros((rows, cols))
    info = np.zeros((rows, cols), bool)
    alphas, q1s = [], {}
    for z, (u, v) in enumerate(_ZIGZAG_AC[:n_freq], start=1):
        if z > give_up and not alphas:  # the low frequencies carry the clearest history: none there, none
            break
        x = Y[:, :, u, v]
        whole, far = _fit(x.ravel(), cal[:, u, v], float(q[u, v]), q1_max, sigma, eps, centre=centre)
        gain, q1, a, logr, xs = whole
        low = 0
        if q1 is None or gain < min_gain or a < 0.2:
            gain, q1, a, logr, xs = far
            if q1 is None or gain < min_far or a < 0.2:
                continue
            low = centre
        alphas.append(a)
        q1s[z] = q1
        idx = np.clip(x, xs[0], xs[-1]) - xs[0]
        said = np.abs(x) >= max(1, low)
        L += np.where(said, logr[idx], 0.0)  # log p(double) / p(single) per block
        info |= said
    alpha = float(np.mean(alphas)) if alphas else 0.0
    if alphas:
        from scipy.ndimage import uniform_filter

        Ls = L + neighbours * (uniform_filter(L, 3, mode="nearest") * 9 - L)
        prior = np.log(alpha / max(1e-6, 1 - alpha))
        post_single = 1.0 / (1.0 + np.exp(np.clip(Ls + prior, -50, 50)))
        # a block with nothing to say (all kept coefficients zero) and no informative neighbour is 0
        near = uniform_filter(info.astype(float), 3, mode="nearest") > 0
        post_single = np.where(near, post_single, 0.0)
    else:
        post_single = np.zeros((rows, cols))
    return {"block_map": post_single, "kept": len(alphas), "alpha": alpha, "q1": q1s, "informative": info,
            "q2": q.astype(int).tolist()}


def solid(block_map: np.ndarray, side: int = 2, below: float = 0.49) -> tuple[np.ndarray, np.ndarray]:
    """``(block map, hot blocks)``: the blocks over 0.5 that lie in a hot square of ``side`` x ``side``
    blocks (a morphological opening) stay; a hot block with no such square around it is shown at
    ``below`` at most. A pasted region covers many blocks in one piece; a lone hot block or a one-block
    line is a flat, clipped or textureless stretch whose few coefficients happened to fit the single
    model. On ``bench_splices.py``'s camera family (tuning / held out) the AUC went from 0.875 / 0.865
    to 0.895 / 0.867 and the pixel F1 at 0.5 from 0.435 / 0.406 to 0.434 / 0.416: the score reads the
    largest hot region, which loose blocks had joined up on a twin."""
    from scipy.ndimage import binary_opening

    kept = binary_opening(block_map >= 0.5, np.ones((side, side), bool))  # scipy: no shift with an even side
    return np.where(kept, block_map, np.minimum(block_map, below)), kept.astype(np.uint8)


def region_score(hot: np.ndarray, informative: np.ndarray) -> tuple[float, float, float]:
    """``(score, region, alone)`` from the hot blocks (after :func:`solid`): ``region`` is the largest
    8-connected hot region as a share of the informative blocks, ``alone`` its share of all hot
    blocks, and the score ``region x alone`` squashed (0.5 at 3 %). A paste is one piece; hot blocks
    scattered over the picture come from a weak fit (clipped, flat or busy areas). On
    ``bench_splices.py``'s camera family the one authentic twin that scored over 0.5 at the held-out
    seeds (0.96) had its largest region hold a third of its hot blocks; the composites' regions held
    0.8-1.0 of theirs, a few 0.5."""
    import cv2

    n, _lab, stats, _c = cv2.connectedComponentsWithStats(hot.astype(np.uint8), connectivity=8)
    if n <= 1:
        return squash(0.0, center=0.03, scale=0.008), 0.0, 1.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    region = float(areas.max() / max(1, int(informative.sum())))
    alone = float(areas.max() / areas.sum())
    return squash(region * alone, center=0.03, scale=0.008), region, alone


class DoubleQuantDetector(Detector):
    """Aligned double JPEG compression, block by block (see the module doc)."""

    name, version, kind, needs_path = "dq", "3", "image", True
    score_meaning = "share of the picture that lacks the double JPEG compression the rest carries"

    def __init__(self, min_kept: int = 3, min_alpha: float = 0.65) -> None:
        self.min_kept, self.min_alpha = min_kept, min_alpha

    def analyze_path(self, path: Path) -> DetectorResult:
        from PIL import Image

        from kit.errors import DecompressionBomb
        from kit.media import DEFAULT_MAX_PIXELS

        with Image.open(path) as im:
            fmt, size = im.format, im.size
        if fmt != "JPEG":
            return self.result(None, f"not a JPEG ({fmt}): nothing to say", format=fmt)
        limit = self.max_pixels or DEFAULT_MAX_PIXELS
        if size[0] * size[1] > limit:  # libjpeg would allocate the coefficients of all of it
            raise DecompressionBomb(f"{path}: declared size {size[0]}x{size[1]} is over the pixel limit of "
                                    f"{limit:,} (possible decompression bomb)", path=path)
        r = dq_map(path)
        W, H = size
        bm = r["block_map"]
        heat = np.zeros((H, W), np.float32)
        if r["kept"] < self.min_kept or r["alpha"] < self.min_alpha:
            return self.result(None, "no double JPEG compression over most of the picture (saved once, or "
                                     "at the same quality): nothing to say", heatmap=heat,
                               kept=r["kept"], alpha=r["alpha"])
        import cv2

        bm, hot = solid(bm)
        up = np.repeat(np.repeat(bm, 8, axis=0), 8, axis=1)[:H, :W]
        heat[:up.shape[0], :up.shape[1]] = up
        heat = cv2.erode(heat, np.ones((2 * EDGE_PX + 1, 2 * EDGE_PX + 1), np.uint8))
        info = r["informative"]
        score, region, alone = region_score(hot, info)
        return self.result(score,
                           f"double JPEG compression in {r['kept']} coefficients; the largest region without it "
                           f"covers {region:.0%} of the textured blocks ({alone:.0%} of all blocks without it)",
                           heatmap=heat, kept=r["kept"], alpha=round(r["alpha"], 3), region_share=region,
                           region_alone=alone,
                           hot_share=float((hot.astype(bool) & info).sum() / max(1, info.sum())),
                           first_steps={str(k): int(v) for k, v in r["q1"].items()})
