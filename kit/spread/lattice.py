"""Whether one JPEG was re-encoded from another: the earlier file's quantisation lattice in the later one.

A JPEG stores each 8x8 block's DCT coefficients as whole multiples of a step per frequency (the
quantisation table). Decode a JPEG and save it again with finer steps, and the new coefficients
still sit where the old steps put them: ``k * s`` falls within rounding of a multiple of the first
step ``p`` (Lukas and Fridrich's double quantisation; the same trace :mod:`kit.detectors.dq`
reads without knowing the first table). Here the first table is a candidate's own, so the test is
direct: of the child's coefficient values that the parent's step rules out (no multiple of ``p``
rounds to them), how many does the child use? A file saved once from other pixels uses them as
often as its neighbours (the share expected when every value is as likely as the next); a
re-encode of the parent almost never.

It speaks only where the later steps are finer than the earlier ones (a coarser re-encode reaches
every value) and the block grid was kept (a crop off the 8 px grid, a resize or a rotation remake
the coefficients, a colour filter most of them). So it tells a re-encode at a higher quality from
its original, which the finer quantisation would otherwise rank first
(:func:`kit.spread.first._first_copy`), and it is silent, never against, elsewhere.

Examples
--------
>>> import io, numpy as np
>>> from PIL import Image
>>> rng = np.random.default_rng(0)
>>> img = Image.fromarray(rng.normal(128, 40, (128, 128)).clip(0, 255).astype(np.uint8))
>>> def jpeg(im, q):
...     b = io.BytesIO(); im.save(b, "JPEG", quality=q); return b.getvalue()
>>> first = jpeg(img, 80)
>>> again = jpeg(Image.open(io.BytesIO(first)), 92)
>>> a, b = lattice_of(first), lattice_of(again)
>>> carries(b, a)[0], carries(a, b)[0], carries(lattice_of(jpeg(img, 92)), a)[0]
(True, False, False)
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Lattice", "carries", "lattice_from", "lattice_of", "luma_of", "table_of"]

ZIGZAG_AC = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0), (4, 0), (3, 1), (2, 2),
             (1, 3), (0, 4), (0, 5)]
"""The 15 lowest AC frequencies (row, column): the ones most blocks carry non-zero values in."""
K = 60
"""Coefficient values counted, in steps of the file's own table (larger ones are clipped)."""
TOL = 0.25
"""Slack beyond half the later step, in DCT units, for the rounding of the decoded pixels (any value
under 0.5 rules out the same values: the margins come in halves of a step)."""
MIN_VALUES = 200
"""Coefficient values the test needs before it says anything."""
MAX_SHARE = 0.5
"""A re-encode holds at most this share of what a file saved once holds at the ruled-out values.
Five of scikit-image's photos (resized by 2/3 first, so without a JPEG history of their own), saved
at q88, q90, q85, q75, q60, q91, q70 and re-encoded at q91, q92, q90, q80, q90, q93, q72: 0.01-0.43
(0.43: q70 then q72; 3 of the 35 too few values to tell); the same photos saved once at the later
quality: 0.84-1.07. On the benchmark collections an origin against its screenshot re-upload's
coarser table: 0.83; a re-upload against its parent after a colour filter: 0.47 (true)."""


@dataclass(frozen=True)
class Lattice:
    """A JPEG's luma table ``q`` (8 x 8, natural order) and ``hist``: for each of :data:`ZIGZAG_AC`,
    how many blocks hold each value ``-K .. K`` (clipped)."""

    q: np.ndarray
    hist: np.ndarray


def luma_of(src: Any, max_pixels: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """A JPEG's (path or bytes) luma coefficients and table (:func:`kit.media.jpeg_luma_dct`); None for
    anything else, for a file libjpeg cannot read, or one over the media pixel limit (its coefficients
    are not decoded)."""
    from PIL import Image

    from kit.media import DEFAULT_MAX_PIXELS, jpeg_luma_dct

    try:
        with Image.open(io.BytesIO(src) if isinstance(src, (bytes, bytearray)) else src) as im:
            fmt, (w, h) = im.format, im.size
        if fmt != "JPEG" or w * h > (max_pixels or DEFAULT_MAX_PIXELS):
            return None
        return jpeg_luma_dct(bytes(src) if isinstance(src, bytearray) else src)
    except Exception:  # noqa: BLE001 - an unreadable file gives no evidence; the trace goes on
        return None


def lattice_from(luma: tuple[np.ndarray, np.ndarray] | None) -> Lattice | None:
    """The :class:`Lattice` of :func:`luma_of`'s ``(coefficients, table)``; None for None."""
    if luma is None:
        return None
    Y, q = luma
    hist = np.stack([np.bincount(np.clip(Y[:, :, u, v].ravel().astype(np.int64), -K, K) + K, minlength=2 * K + 1)
                     for u, v in ZIGZAG_AC])
    return Lattice(np.asarray(q).astype(np.int64), hist)


def lattice_of(src: Any, max_pixels: int | None = None) -> Lattice | None:
    """The :class:`Lattice` of a JPEG (path or bytes); None for anything else, for a file libjpeg
    cannot read, or one over the media pixel limit (its coefficients are not decoded)."""
    return lattice_from(luma_of(src, max_pixels))


def _ruled_out(s: int, p: int) -> np.ndarray:
    """For values ``-K .. K`` at step ``s``: True where no multiple of ``p`` rounds to them."""
    val = np.arange(-K, K + 1) * s
    return np.abs(val - p * np.round(val / p)) > s / 2 + TOL


@functools.lru_cache(maxsize=4096)
def _plan(s: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices (into ``-K .. K``) of the values step ``p`` rules out at step ``s`` that can tell (away
    from zero, short of the clipped ends, an allowed value on both sides on the same side of zero),
    the allowed value below and above each, and how far between them it lies."""
    ks = np.arange(-K, K + 1)
    out = _ruled_out(s, p)
    allowed = np.flatnonzero(~out)
    k = np.flatnonzero(out & (np.abs(ks) < K) & (np.abs(ks * s) >= p))  # near zero every file is peaked
    j = np.searchsorted(allowed, k)
    ok = (j > 0) & (j < len(allowed))
    k, j = k[ok], j[ok]
    lo, hi = allowed[j - 1], allowed[j]
    same = ks[lo] * ks[hi] > 0
    k, lo, hi = k[same], lo[same], hi[same]
    return k, lo, hi, (k - lo) / (hi - lo)


def table_of(parent: Lattice | Any) -> np.ndarray | None:
    """A luma table as 8 x 8 steps: a :class:`Lattice`'s, or 64 steps in natural order (the metadata
    step's ``QuantizationTables``); None for anything else."""
    if isinstance(parent, Lattice):
        return parent.q
    try:
        q = np.asarray(parent, dtype=np.int64).reshape(8, 8)
    except (TypeError, ValueError):
        return None
    return q if (q > 0).all() else None


def carries(child: Lattice | None, parent: Lattice | Any) -> tuple[bool, float, int]:
    """Whether ``child`` was re-encoded from a file with ``parent``'s table (a :class:`Lattice` or its
    64 steps, :func:`table_of`): ``(verdict, share, n)``.
    ``share``: the child's counts at the values ``parent``'s steps rule out, against what a file saved
    once would hold there (each such value's count read off the nearest values on either side that
    the steps allow, on a straight line in the logarithm: without a history the histogram falls off
    smoothly, about exponentially, from zero); a verdict at most :data:`MAX_SHARE`. ``n``: the
    counts behind it (:data:`MIN_VALUES`); ``(False, nan, n)`` where they are too few to tell."""
    table = None if parent is None else table_of(parent)
    if child is None or table is None:
        return False, float("nan"), 0
    used = expected = 0.0
    for i, (u, v) in enumerate(ZIGZAG_AC):
        s, p = int(child.q[u, v]), int(table[u, v])
        if p <= s:  # a coarser or equal first step reaches every value: no trace
            continue
        k, lo, hi, t = _plan(s, p)
        h = child.hist[i]
        la, lb = np.log1p(h[lo]), np.log1p(h[hi])
        used += float(h[k].sum())
        expected += float(np.expm1(la + (lb - la) * t).sum())
    n = int(used + expected)
    if n < MIN_VALUES or expected <= 0:
        return False, float("nan"), n
    share = used / expected
    return bool(share <= MAX_SHARE), float(share), n
