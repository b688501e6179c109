"""Whether one JPEG is another saved again: saving the earlier file at the later one's settings gives it back.

JPEG encoding is deterministic: decode a file, save it with given quantisation tables and chroma
subsampling, and libjpeg writes the same coefficients every time. So where ``b`` was made by
opening ``a`` and saving it (a platform's re-encode at the same size, a re-upload of a download),
saving ``a`` again at ``b``'s settings reproduces ``b``'s luma coefficients, all of them but the
blocks an edit of ``b``'s own changed (a logo or a line of text: 1-2 % of them). Two files saved
apart from one picture (siblings), or a file and its grandparent, miss most of each other's: the
intermediate encode moved every block (median 0.9 on the spread benchmark's same-size pairs).

The test is read both ways, because it is nearly symmetric where the two tables are close or the
later one is finer (saving a fine file at coarse steps gives the coarse file's values back almost
everywhere): ``b`` is called a re-save of ``a`` only where ``a`` at ``b``'s settings misses at most
:data:`RESAVE_MAX` of ``b``'s coefficients and ``b`` at ``a``'s settings misses more of ``a``'s
(:data:`RESAVE_GAP`). A re-encode at finer steps is told by its lattice instead
(:mod:`kit.spread.lattice`); this test adds the re-encode at nearly the same or coarser steps,
which the lattice cannot see. It needs the two files at one size (a resize, a crop off the 8 px
grid, a bar or a rotation remake every block) and an encoder that reproduces libjpeg's quantised
values (mozjpeg's trellis quantisation does not): where either fails the files miss each other
and nothing is said.

Examples
--------
>>> import io, numpy as np
>>> from PIL import Image
>>> rng = np.random.default_rng(0)
>>> img = Image.fromarray(rng.normal(128, 40, (96, 128, 3)).clip(0, 255).astype(np.uint8))
>>> def jpeg(im, q):
...     b = io.BytesIO(); im.save(b, "JPEG", quality=q); return b.getvalue()
>>> first = jpeg(img, 91)
>>> again = jpeg(Image.open(io.BytesIO(first)), 92)  # a re-save at nearly the same quality
>>> resaved(again, first)[0], resaved(first, again)[0], resaved(jpeg(img, 92), first)[0]
(True, False, False)
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

__all__ = ["PREFILTER", "RESAVE_GAP", "RESAVE_MAX", "requantised_miss", "resave_miss", "resaved", "size_of"]

RESAVE_MAX = 0.05
"""The most of the later file's coefficients a re-save may miss: the blocks its own edit changed.
On the spread benchmark (three collections, 1,706 same-size JPEG pairs in one group): a child made
from its parent with a logo, a line of text or nothing of its own 0-2 %; a child and its parent the
other way round from 2.6 %; other pairs from 0.4 % (5 % of them under 27 %, median 93 %). Two
re-saves of one q90 photo at q91 and q92 miss 4.5 and 7.6 % of each other: both steps sit close to
the parent's, so near-equal qualities look alike (the other way, :data:`RESAVE_GAP`, still says no)."""
RESAVE_GAP = 0.002
"""How much more of the earlier file the other way must miss, beyond twice the first miss. A re-save
at q92 of a q91 file: 0 % one way, 2.6 % the other on a benchmark photo, 0.26 % on noise (the two
tables share most steps, so most values come back either way)."""

PREFILTER = 0.5
"""The most a re-save misses when read in the coefficients alone (:func:`requantised_miss`). On four
benchmark collections' 2,814 same-size pairs: the pairs a full re-save misses under 5 % of miss
0.02-0.27 there, those it misses under 30 % at most 0.37; 558 of the pairs pass, so four in five are
never decoded."""


def _open(src: Any) -> Any:
    from PIL import Image

    return Image.open(io.BytesIO(bytes(src)) if isinstance(src, (bytes, bytearray)) else src)


def resave_miss(later: Any, earlier: Any, max_pixels: int | None = None) -> float | None:
    """The share of ``later``'s luma coefficients (those non-zero in either file) that saving ``earlier``
    again at ``later``'s settings (its quantisation tables and chroma subsampling, with Pillow's libjpeg)
    does not reproduce. ``later`` / ``earlier``: paths or bytes. None where the two cannot be compared:
    not both JPEG, not one size, unreadable, over the media pixel limit."""
    from PIL import JpegImagePlugin

    from kit.media import DEFAULT_MAX_PIXELS, jpeg_luma_dct

    try:
        with _open(later) as b, _open(earlier) as a:
            w, h = b.size
            if b.format != "JPEG" or a.format != "JPEG" or a.size != b.size \
                    or w * h > (max_pixels or DEFAULT_MAX_PIXELS):
                return None
            mode = "L" if b.mode == "L" else "RGB"
            if mode == "RGB" and b.mode != "RGB":  # CMYK and the like: no libjpeg re-save of ours matches
                return None
            sampling = JpegImagePlugin.get_sampling(b)
            buf = io.BytesIO()
            a.convert(mode).save(buf, "JPEG", qtables=b.quantization, subsampling=max(sampling, 0))
        again, _q = jpeg_luma_dct(buf.getvalue())
        own, _q = jpeg_luma_dct(bytes(later) if isinstance(later, bytearray) else later)
    except Exception:  # noqa: BLE001 - an unreadable file gives no evidence; the trace goes on
        return None
    if again.shape != own.shape:
        return None
    used = (again != 0) | (own != 0)
    n = int(used.sum())
    return float((again != own)[used].sum()) / n if n else None


def resaved(later: Any, earlier: Any, max_pixels: int | None = None) -> tuple[bool, float | None, float | None]:
    """Whether ``later`` is ``earlier`` saved again (module doc): ``(verdict, miss, back)``, the share of
    ``later``'s coefficients a re-save of ``earlier`` misses (:func:`resave_miss`) and of ``earlier``'s
    the other way; ``back`` is only read where ``miss`` is at most :data:`RESAVE_MAX`."""
    miss = resave_miss(later, earlier, max_pixels)
    if miss is None or miss > RESAVE_MAX:
        return False, miss, None
    back = resave_miss(earlier, later, max_pixels)
    return bool(back is not None and back >= 2 * miss + RESAVE_GAP), miss, back


def requantised_miss(later: tuple, earlier: tuple) -> float | None:
    """The re-save of :func:`resave_miss` read in the coefficients alone, a quick first look: the share of
    ``later``'s luma coefficients (non-zero in either) that ``earlier``'s, dequantised and quantised again
    at ``later``'s steps, miss. ``later`` / ``earlier``: :func:`kit.spread.lattice.luma_of`'s
    ``(coefficients, table)``.
    The rounding of the decoded pixels is left out, so a re-save misses more here (:data:`PREFILTER`).
    None where the two have other block counts."""
    (yb, qb), (ya, qa) = later, earlier
    if ya.shape != yb.shape:
        return None
    again = np.round(ya * (np.asarray(qa, float) / np.asarray(qb, float))[None, None]).astype(yb.dtype)
    used = (again != 0) | (yb != 0)
    n = int(used.sum())
    return float((again != yb)[used].sum()) / n if n else None


def size_of(src: Any) -> tuple[int, int] | None:
    """A picture's pixel size from its header alone (nothing decoded); None where it cannot be read."""
    try:
        with _open(src) as im:
            return im.size
    except Exception:  # noqa: BLE001 - an unreadable file gives no evidence; the trace goes on
        return None
