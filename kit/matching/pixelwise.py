"""Pixel measures for comparing a picture with its source once aligned (:mod:`kit.matching.comparison`).

Warp the source onto the suspect (:func:`warp_source`, with the mask of where
its picture shows), convert to Lab (:func:`to_lab`), match tones channel by
channel (:func:`tone_curves`, :func:`tone_match`), measure the difference
(:func:`difference`, :func:`gradient`) and find solid regions of it
(:func:`dense_regions`); then test a region: does it look like photograph
(:func:`looks_like_photo`), does it stand out from the picture around it
(:func:`context_gap`), does the source's detail show through it
(:func:`shows_through`; per pixel, :func:`detail_lost`). The decisions are :mod:`kit.matching.comparison`'s.

Examples
--------
>>> import numpy as np
>>> L = np.random.default_rng(0).uniform(10.0, 90.0, (64, 64)).astype(np.float32)  # busy detail
>>> looks_like_photo(L, gradient(L)), looks_like_photo(np.full((8, 8), 99.0), np.zeros((8, 8)))  # vs white
(True, False)
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "band_pass",
    "colour_left",
    "context_gap",
    "dense_regions",
    "detail_lost",
    "difference",
    "disk",
    "gradient",
    "looks_like_photo",
    "masked_correlation",
    "picture_mask",
    "reads_as_text",
    "shows_through",
    "to_lab",
    "tone_curves",
    "tone_match",
    "warp_source",
]


TEXT_EDGES = 10.0
"""Mean lightness gradient (L units per analysis pixel) over which a region with both white and black
in it is taken for text (strokes) rather than a photo with bright and dark parts."""


def reads_as_text(L: np.ndarray, g: np.ndarray, *, strokes: bool = True) -> bool:
    """Whether pixels (lightness ``L`` 0-100 and its gradient ``g``) read as text: white letters
    outlined in black (meme text) or black on white, both ends of the scale at once, and (``strokes``)
    edges all through them (meme text measured 13-30 L units a pixel on average, pasted photo content
    with bright and dark parts at most 9)."""
    if L.size == 0:
        return False
    return float((L > 85).mean()) > 0.08 and float((L < 15).mean()) > 0.08 and (
        not strokes or float(g.mean()) >= TEXT_EDGES)


def looks_like_photo(L: np.ndarray, g: np.ndarray) -> bool:
    """Whether pixels (lightness ``L`` 0-100 and its gradient ``g``) look like photograph rather than
    graphics: not mostly near-white or near-black (text, app chrome, bars), not half of them one
    tone (the background of a bar or a sticker), not one uniform fill, not all flat."""
    if L.size == 0:
        return False
    extreme = float(((L < 5) | (L > 95)).mean())
    one_tone = float((np.abs(L - np.median(L)) < 4.0).mean())
    return extreme < 0.35 and one_tone < 0.5 and float(L.std()) >= 3.0 and float((g < 1.0).mean()) < 0.9


def disk(r: int) -> np.ndarray:
    """OpenCV's elliptical structuring element of radius ``r`` (an odd size: centred on its anchor)."""
    import cv2

    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def context_gap(lab: np.ndarray, m: np.ndarray, valid: np.ndarray) -> float:
    """How much region ``m`` differs from the picture around it (Lab mean and lightness spread,
    inside vs a ring outside as wide as a sixth of the region): small where the scene runs on
    through the region (the source photo), large where other content was put in (the composite).
    Unlike an edge test it holds for feathered pastes."""
    import cv2

    r = max(5, int(round(np.sqrt(float(m.sum())) / 6.0)))
    ring = cv2.dilate(m.astype(np.uint8), disk(r))
    ring = ring.astype(bool) & ~m & valid
    if ring.sum() < 20 or m.sum() < 20:
        return float("nan")
    a, b = lab[m], lab[ring]
    return float(np.linalg.norm(a.mean(axis=0) - b.mean(axis=0)) + abs(a[:, 0].std() - b[:, 0].std()))


def band_pass(L: np.ndarray, band: tuple[float, float] = (0.0, 2.0)) -> np.ndarray:
    """Lightness ``L`` blurred at ``band[0]`` minus blurred at ``band[1]`` (Gaussian sigmas in pixels; 0
    is no blur): the fine detail with the default band, the shapes a blur or a vignette keeps with
    ``(2, 8)``."""
    import cv2

    lo = cv2.GaussianBlur(L, (0, 0), band[0]) if band[0] > 0 else L
    return lo - cv2.GaussianBlur(L, (0, 0), band[1])


def masked_correlation(a: np.ndarray, b: np.ndarray, m: np.ndarray) -> float:
    """Correlation of ``a`` and ``b`` inside mask ``m`` (0 where either is flat or ``m`` is tiny)."""
    x, y = a[m], b[m]
    if x.size < 20 or x.std() < 1e-3 or y.std() < 1e-3:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def shows_through(Ls: np.ndarray, Lr: np.ndarray, m: np.ndarray, band: tuple[float, float] = (0.0, 2.0)) -> float:
    """Correlation of the detail (:func:`band_pass`) of the suspect and the source inside ``m``: a tone
    or colour change over the picture leaves the source's detail in place (near 1), other picture
    content does not (near 0). The default band is the fine detail; ``(2, 8)`` the shapes a blur or a
    vignette keeps. (A caller asking of many regions takes the band passes once and
    :func:`masked_correlation` per region.)"""
    return masked_correlation(band_pass(Ls, band), band_pass(Lr, band), m)


def detail_lost(Ls: np.ndarray, Lr: np.ndarray, valid: np.ndarray, *, fine: float = 1.5, window: float = 6.0,
                min_detail: float = 1.0, max_corr: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Where both pictures carry fine detail (lightness minus its ``fine`` blur, local standard
    deviation over ``min_detail`` L units in a Gaussian ``window``) but the suspect's does not follow
    the source's (local correlation under ``max_corr``): the source's texture does not run on
    through there, other content of similar tone does (grass pasted on gravel). A re-encode, resize,
    filter or small rotation of the same picture keeps the correlation (measured on the kit's repost
    edits: under 0.5 % of the frame lost, meme text's strokes up to 12 %). Second, from the same
    local sums: also where one picture carries detail and the other does not (a smooth moon over
    coins, grass over a sky)."""
    import cv2

    hs = Ls - cv2.GaussianBlur(Ls, (0, 0), fine)
    hr = Lr - cv2.GaussianBlur(Lr, (0, 0), fine)
    sab = cv2.GaussianBlur(hs * hr, (0, 0), window)
    saa = cv2.GaussianBlur(hs * hs, (0, 0), window)
    sbb = cv2.GaussianBlur(hr * hr, (0, 0), window)
    ds, dr = saa > min_detail ** 2, sbb > min_detail ** 2
    apart = valid & (sab < max_corr * np.sqrt(saa * sbb))
    return ds & dr & apart, (ds | dr) & apart


def gradient(L: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of lightness ``L`` (per pixel, in L units)."""
    import cv2

    gx = cv2.Sobel(L, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(L, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.sqrt(gx * gx + gy * gy)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (float32; L 0-100) of an RGB uint8 picture."""
    import cv2

    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def tone_curves(src: np.ndarray, ref: np.ndarray, mask: np.ndarray, channels: int, n: int = 64,
                 sample: int = 16384) -> list[tuple[np.ndarray, np.ndarray]]:
    """Quantile maps of ``src``'s first ``channels`` Lab channels onto ``ref``'s over the ``mask``
    pixels: ``n`` quantiles of an evenly strided sample of at most ``sample`` pixels (a curve of
    64 points needs no more, and a sort of the sample is 5-10x cheaper than percentiles of all)."""
    idx = np.flatnonzero(mask.ravel())
    if len(idx) > sample:
        idx = idx[:: -(-len(idx) // sample)]
    if len(idx) == 0:
        idx = np.arange(mask.size)
    pos = np.linspace(0, len(idx) - 1, n)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(idx) - 1)
    t = (pos - lo)[:, None]

    def q(x: np.ndarray) -> np.ndarray:
        v = np.sort(x.reshape(-1, x.shape[-1])[idx, :channels], axis=0)
        return v[lo] * (1 - t) + v[hi] * t

    qs, qr = q(src), q(ref)
    return [(np.maximum.accumulate(qs[:, c] + np.arange(n) * 1e-6), qr[:, c]) for c in range(channels)]


FILL_SHAPE = 0.9
"""Bars and the corners a rotation left leave a picture that fills its convex hull; a black or white
stretch of the photo itself (a night sky around galaxies) leaves scattered picture: under this
share of its hull, nothing is taken for fill."""


def picture_mask(rgb: np.ndarray) -> np.ndarray:
    """1 on the picture, 0 on black or white fill reaching a corner of the file (letterbox bars, the
    corners a rotation left): only the source's picture can show what was changed. Fill that leaves
    no (turned) rectangle of picture (:data:`FILL_SHAPE`) is part of the photo. (The kit's content
    box is not used: it takes a smooth sky for a frame.)"""
    import cv2

    h, w = rgb.shape[:2]
    mask = np.ones((h, w), np.uint8)
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    for corner in ((0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)):  # black or white fill in a corner
        v = int(g[corner])
        if 12 < v < 243:
            continue
        flood = np.zeros((h + 2, w + 2), np.uint8)
        cv2.floodFill(g.copy(), flood, (corner[1], corner[0]), 0, loDiff=6, upDiff=6,
                      flags=4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8))
        mask[flood[1:-1, 1:-1].astype(bool)] = 0
    if not mask.all():  # bars and rotation corners leave a (turned) rectangle of picture
        pts = cv2.findNonZero(mask)
        hull = cv2.contourArea(cv2.convexHull(pts)) if pts is not None else 0.0
        if pts is None or float(mask.sum()) < FILL_SHAPE * hull:
            return np.ones((h, w), np.uint8)  # the dark or bright part of a photo (a night sky), not fill
    return mask


def difference(Ls: np.ndarray, nr: np.ndarray, colour: bool) -> np.ndarray:
    """Per-pixel difference of two Lab pictures, lightly blurred: lightness, plus half the chroma
    difference when ``colour``."""
    import cv2

    a = cv2.GaussianBlur(Ls, (0, 0), 1.2)
    b = cv2.GaussianBlur(nr, (0, 0), 1.2)
    d = np.abs(a[..., 0] - b[..., 0])
    if colour:
        d = d + 0.5 * np.abs(a[..., 1:] - b[..., 1:]).sum(axis=2)
    return d


def warp_source(R: np.ndarray, M: np.ndarray, mirrored: bool, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The source ``R`` (mirrored first when the match is) warped by ``M`` onto the suspect's ``size``
    (w, h), and where that shows the source's picture (:func:`picture_mask`, eroded 2 px)."""
    import cv2

    w, h = size
    Rm = np.ascontiguousarray(R[:, ::-1]) if mirrored else R
    warped = cv2.warpAffine(Rm, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    valid = cv2.warpAffine(picture_mask(Rm), M, (w, h), flags=cv2.INTER_NEAREST)
    valid = cv2.erode(valid, np.ones((5, 5), np.uint8)).astype(bool)
    return warped, valid


COLOUR_PART = 0.25
"""Largest share of a suspect's picture coloured (chroma over 5) on a gray source for the colour to be
asked where it lies (:func:`colour_left`): a paste covers a part; a colour photo compared with a gray
copy of itself measured 0.60-1.00 (six bundled photos), a paste of 6 % on a gray photo 0.05."""


AGREE = 0.5
"""Share of the fitted pixels on which the source and the suspect must already agree in tone (no filter
over the picture) for :func:`tone_match` to fit its curves there only. On the splice benchmark a paste
of 6-11 % in other tones on a saturated photo (a retina) bent the curves fitted over all the picture
until 10-22 % of the untouched part differed, and the region found ran into it."""


EXTREME = 4.0
"""Lightness (L units) from either end of the scale within which a pixel (of the suspect or the source) is
page, bar or chrome to the tone fit of :func:`tone_match` (it still counts in the difference)."""


def tone_match(Ls: np.ndarray, Lr: np.ndarray, valid: np.ndarray, threshold: float,
               local_colour: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, float]:
    """Tone-match the warped source ``Lr`` to the suspect ``Ls`` (Lab) over ``valid``, twice: the
    first fit leaves out black and white on either side (:data:`EXTREME`), the second what the suspect
    changed (difference over ``threshold``). With ``local_colour``, on a gray source a suspect coloured
    in a part only has that colour (:func:`colour_left`) in the difference too.

    Returns the matched source, the difference (:func:`difference`), the pixels of the last fit,
    whether both pictures have colour, and how far lightness (and colour) moved: the mean 5th-95th
    percentile shift of the tone curves.
    """
    chroma = lambda x: float(np.hypot(x[..., 1], x[..., 2])[valid].mean())  # noqa: E731
    colour = chroma(Ls) >= 3.0 and chroma(Lr) >= 3.0
    # a gray source and a suspect coloured in a part only (a colour photo over a gray copy of itself
    # is coloured all over): the colour that the suspect's tint by tone does not explain counts too
    coloured = float((np.hypot(Ls[..., 1], Ls[..., 2])[valid] > 5.0).mean()) if local_colour and valid.any() else 0.0
    gray_source = local_colour and chroma(Lr) < 3.0 and 0.0 < coloured <= COLOUR_PART
    nr = Lr.copy()
    # the ends of the scale are left out of the fit (when most of the overlap is not there): a
    # screenshot's black or white page and chrome, or a bar, over the other picture's scene would map
    # that scene's darkest or brightest quarter onto them and bend the curve for the whole picture
    mid = valid & (np.abs(Ls[..., 0] - 50.0) <= 50.0 - EXTREME) & (np.abs(Lr[..., 0] - 50.0) <= 50.0 - EXTREME)
    fit = mid if mid.sum() >= 0.5 * valid.sum() else valid
    # where the two already agree in tone over most of the picture (no filter), the curves are fitted
    # there only: a large paste of other tones (a blue sky on a red retina) bends a fit over all of it
    agree = fit & (difference(Ls, Lr, colour) < threshold)
    if agree.sum() >= AGREE * fit.sum():
        fit = agree
    for _ in range(2):
        for c, (xs, xr) in enumerate(tone_curves(Lr, Ls, fit, 3 if colour else 1)):
            nr[..., c] = np.interp(np.ascontiguousarray(Lr[..., c]), xs, xr)  # a third faster than strided
        d = difference(Ls, nr, colour)
        if gray_source:
            d = d + 0.5 * colour_left(Ls, nr[..., 0], fit)
        keep = valid & (d < threshold)
        if keep.sum() < 0.3 * valid.sum():
            break
        fit = keep
    curve_shift = max(float(np.abs(xs - xr)[3:-3].mean()) for xs, xr in tone_curves(Lr, Ls, fit, 3 if colour else 1))
    return nr, d, fit, colour, curve_shift


def colour_left(Ls: np.ndarray, L: np.ndarray, fit: np.ndarray, bins: int = 32) -> np.ndarray:
    """Where the suspect (Lab ``Ls``) is coloured on a gray source (lightness ``L``): its a and b
    channels minus what a filter over the whole picture gives at that lightness (the median a and b
    of the suspect's ``fit`` pixels in each of ``bins`` lightness bins of ``L``; sepia, warm or cool
    tint pictures by tone), summed. A coloured region pasted on a gray photo is left; a tint is not."""
    import cv2

    from scipy import ndimage

    k = np.clip((L * (bins / 100.0)).astype(np.int32), 0, bins - 1)
    labels = np.where(fit, k + 1, 0)
    n = np.bincount(labels.ravel(), minlength=bins + 1)[1:]
    ab = cv2.GaussianBlur(Ls[..., 1:], (0, 0), 1.2)
    out = np.zeros(L.shape, np.float32)
    for c in range(2):
        med = np.asarray(ndimage.median(ab[..., c], labels, np.arange(1, bins + 1)), np.float32)
        med[n == 0] = float(np.median(med[n > 0])) if (n > 0).any() else 0.0  # no pixel at that lightness
        out += np.abs(ab[..., c] - med[k])
    return out


def dense_regions(strong: np.ndarray, valid: np.ndarray, *, density: float, open_frac: float,
                  close_frac: float) -> np.ndarray:
    """Where most pixels around differ strongly (``strong``, uint8): a region, not scattered edges
    or a line of text; opened, closed (kernels as shares of the long side) and kept to ``valid``."""
    import cv2

    h, w = strong.shape
    dense = (cv2.GaussianBlur(strong.astype(np.float32), (0, 0), density * max(w, h)) > 0.5).astype(np.uint8)
    # odd kernels: OpenCV anchors an even one off centre, and an opening and a closing with it moved
    # the region 2 px right and down (measured on a square)
    ko, kc = (max(3, int(round(f * max(w, h))) | 1) for f in (open_frac, close_frac))
    big = cv2.morphologyEx(dense, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ko, ko)))
    big = cv2.morphologyEx(big, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kc, kc)))
    big &= valid.astype(np.uint8)
    return big


EDGE_MOVE = 0.015
"""Farthest (share of the long side) :func:`half_level_edge` moves a region's edge: a feathered paste's
edge is a few pixels wide (the splice benchmark's feather blurs 1-6 px)."""


def half_level_edge(region: np.ndarray, d: np.ndarray, valid: np.ndarray, *, sigma: float = 0.004,
                    core: float = 0.01) -> np.ndarray:
    """``region`` (bool) with its edge where the difference ``d`` falls to half its level inside: the
    middle of a feathered edge, where the pasted picture and the one under it weigh alike. A strong
    difference reaches out to where a tenth of the paste shows, and the smoothing that makes a region
    of it reaches farther; a weak one stops short of the edge. The level is ``d`` smoothed (Gaussian
    ``sigma`` x long side) and averaged over the region's core (eroded ``core`` x long side) near each
    point, within a few edge widths (a paste differs more from the picture under it in one part than
    in another); the edge moves by at most :data:`EDGE_MOVE` x long side, and what it cuts off the region is
    dropped."""
    import cv2
    from scipy.ndimage import binary_fill_holes

    h, w = region.shape
    u8 = region.astype(np.uint8)
    inner = cv2.erode(u8, disk(max(1, round(core * max(h, w))))).astype(bool)
    if inner.sum() < 20:
        return region
    smooth = cv2.GaussianBlur(np.where(valid, d, 0.0).astype(np.float32), (0, 0), sigma * max(h, w))
    r = max(1, round(EDGE_MOVE * max(h, w)))
    near = cv2.dilate(u8, disk(r)).astype(bool)
    keep = cv2.erode(u8, disk(r)).astype(bool)
    # the level inside near each point (a paste shows more difference in one part than in another):
    # the smoothed difference over the core, averaged within a few edge widths
    wide = 2.0 * EDGE_MOVE * max(h, w)
    weight = cv2.GaussianBlur(inner.astype(np.float32), (0, 0), wide)
    level = cv2.GaussianBlur(np.where(inner, smooth, 0.0).astype(np.float32), (0, 0), wide)
    whole = float(np.median(smooth[inner]))
    level = np.where(weight > 0.02, level / np.maximum(weight, 1e-6), whole)
    # out of the region found, the level of the whole region: a weak difference beside a paste (a glow,
    # smoke) does not grow it; in it, the level near: the weak part of a paste is not cut off
    level = np.where(region, level, np.maximum(level, whole))
    m = ((smooth >= 0.5 * level) & near & valid) | keep
    # a paste is solid: a strip narrower than one move is a neighbour's difference the smoothing joined on
    m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_OPEN, disk(max(1, r // 2))).astype(bool) | keep
    n, lab = cv2.connectedComponents(m.astype(np.uint8))
    out = np.isin(lab, np.unique(lab[region & m])) & (lab > 0)
    return binary_fill_holes(out) if out.any() else region
