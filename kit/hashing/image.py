"""Perceptual hashes of still images: imagehash's family, PDQ, dihedral variants.

Every function takes a path, bytes, a PIL image or an array. ``fast=True``
decodes JPEGs at a reduced scale first (each hash works on a small image
anyway); ``fast=False`` decodes at full size. PDQ with ``fast=False`` follows
Meta's reference tool exactly (squash images over 512 px to 512 x 512 with
nearest-neighbour sampling, ignore EXIF orientation when asked) and is
bit-exact with it; the fast path keeps the longer side >= 512 px and stays
within a few bits.

The 8 dihedral variants are in the order of :data:`DIHEDRAL` (PDQ's order):
the hash of the image rotated / flipped that way, so a mirrored or rotated
repost matches one of the original's variants.

Examples
--------
>>> import numpy as np
>>> from kit.hashing.image import phash, pdq, dihedral_phash
>>> rng = np.random.default_rng(0)
>>> img = (rng.random((64, 96, 3)) * 255).astype(np.uint8)
>>> h = phash(img)
>>> h.kind, h.nbits, h - phash(img[:, ::-1]) > 10
('phash', 64, True)
>>> min(v - phash(img[:, ::-1]) for v in dihedral_phash(img)) <= 4
True
>>> p = pdq(img)
>>> p.hash.nbits, 0 <= p.quality <= 100
(256, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kit.hashing.decode import choose_reduce, image_size, load, squash512
from kit.hashing.values import Hash

__all__ = [
    "DIHEDRAL",
    "PDQResult",
    "ahash",
    "dhash",
    "phash",
    "whash",
    "pdq",
    "dihedral_pdq",
    "dihedral_phash",
    "phash_from_gray",
    "whash_from_gray",
    "pdq_from_rgb",
    "dihedral_pdq_from_rgb",
    "imagehash_family",
]

#: Names of the 8 rotations / flips, in PDQ's order.
DIHEDRAL = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)


@dataclass(frozen=True)
class PDQResult:
    """A PDQ hash and its quality (0-100; below 50 the hash is unreliable)."""

    hash: Hash
    quality: int


def _rgb(src: Any, *, fast: bool, min_side: int, use_max: bool = False,
         apply_orientation: bool = True, mode: str = "RGB") -> np.ndarray:
    reduce = 1
    if fast:
        size = image_size(src)
        if size is not None:
            reduce = choose_reduce(*size, min_side=min_side, use_max=use_max)
    return load(src, mode=mode, reduce=reduce, apply_orientation=apply_orientation)


def _bits_to_hash(bits: np.ndarray, kind: str) -> Hash:
    return Hash(np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes(), kind=kind)


def pdq_from_rgb(rgb: np.ndarray) -> PDQResult:
    """PDQ of an already decoded RGB array (squashed to 512 x 512 first when larger)."""
    import pdqhash

    arr = np.ascontiguousarray(squash512(_as_rgb(rgb)))
    bits, quality = pdqhash.compute(arr)
    return PDQResult(_bits_to_hash(bits, "pdq"), int(quality))


def dihedral_pdq_from_rgb(rgb: np.ndarray) -> tuple[list[Hash], int]:
    """The 8 dihedral PDQ hashes (order :data:`DIHEDRAL`) and the quality."""
    import pdqhash

    arr = np.ascontiguousarray(squash512(_as_rgb(rgb)))
    hashes, quality = pdqhash.compute_dihedral(arr)
    return [_bits_to_hash(h, "pdq") for h in hashes], int(quality)


def _as_rgb(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.shape[2] == 4:
        return arr[:, :, :3]
    return arr


def pdq(src: Any, *, fast: bool = False, apply_orientation: bool = True) -> PDQResult:
    """PDQ hash (256 bits) and quality of an image.

    Parameters
    ----------
    src
        Path, bytes, PIL image or array.
    fast
        Decode JPEGs at reduced scale, keeping the longer side >= 512 px.
    apply_orientation
        Apply EXIF orientation first (Meta's tool does not: pass False to match it).
    """
    rgb = _rgb(src, fast=fast, min_side=512, use_max=True, apply_orientation=apply_orientation)
    return pdq_from_rgb(rgb)


def dihedral_pdq(src: Any, *, fast: bool = False, apply_orientation: bool = True) -> list[Hash]:
    """PDQ hashes of the 8 rotations / flips of the image, in :data:`DIHEDRAL` order."""
    rgb = _rgb(src, fast=fast, min_side=512, use_max=True, apply_orientation=apply_orientation)
    return dihedral_pdq_from_rgb(rgb)[0]


def _gray32(gray: np.ndarray) -> np.ndarray:
    from PIL import Image

    im = Image.fromarray(gray).resize((32, 32), Image.Resampling.LANCZOS)
    return np.asarray(im, dtype=np.float64)


def _phash_bits(small: np.ndarray) -> np.ndarray:
    from scipy.fft import dct

    coeffs = dct(dct(small, axis=0, norm=None), axis=1, norm=None)[:8, :8]
    return (coeffs > np.median(coeffs)).ravel()


def phash_from_gray(gray: np.ndarray) -> Hash:
    """imagehash's pHash (8x8 DCT of a 32x32 LANCZOS thumbnail) of a gray array."""
    return _bits_to_hash(_phash_bits(_gray32(gray)), "phash")


def _dihedral_arrays(a: np.ndarray) -> list[np.ndarray]:
    # PDQ's order and naming (checked on ThreatExchange's dih/ fixtures):
    # "flipx" mirrors top-bottom, "flipy" left-right.
    return [
        a,
        np.rot90(a, 1),
        np.rot90(a, 2),
        np.rot90(a, -1),
        a[::-1, :],
        a[:, ::-1],
        a.T,
        np.rot90(a, 2).T,
    ]


def _gray(src: Any, *, fast: bool, min_side: int = 64) -> np.ndarray:
    arr = _rgb(src, fast=fast, min_side=min_side, mode="L")
    return arr


def phash(src: Any, *, fast: bool = True) -> Hash:
    """64-bit pHash, bit-compatible with ``imagehash.phash`` on the same pixels."""
    return phash_from_gray(_gray(src, fast=fast))


def dihedral_phash(src: Any, *, fast: bool = True) -> list[Hash]:
    """pHash of the 8 rotations / flips, in :data:`DIHEDRAL` order."""
    small = _gray32(_gray(src, fast=fast))
    return [_bits_to_hash(_phash_bits(np.ascontiguousarray(v)), "phash") for v in _dihedral_arrays(small)]


def _imagehash(name: str, src: Any, fast: bool) -> Hash:
    import imagehash
    from PIL import Image

    pil = Image.fromarray(_gray(src, fast=fast))
    h = getattr(imagehash, name)(pil)
    return _bits_to_hash(h.hash.ravel(), name)


def ahash(src: Any, *, fast: bool = True) -> Hash:
    """imagehash's average hash (64 bits)."""
    return Hash(_imagehash("average_hash", src, fast).data, kind="ahash")


def dhash(src: Any, *, fast: bool = True) -> Hash:
    """imagehash's difference hash (64 bits)."""
    return Hash(_imagehash("dhash", src, fast).data, kind="dhash")


def whash(src: Any, *, fast: bool = True) -> Hash:
    """imagehash's wavelet hash (64 bits, Haar), see :func:`whash_from_gray`."""
    return whash_from_gray(_gray(src, fast=fast))


_S = 0.7071067811865476  # the Haar filter tap pywt uses (1 / sqrt 2 as a double)


def _haar2(x: np.ndarray) -> tuple[np.ndarray, ...]:
    # one 2-D Haar level, rows then columns, with pywt's exact arithmetic
    e, o = x[0::2], x[1::2]
    lo, hi = e * _S + o * _S, e * _S - o * _S
    le, lo_ = lo[:, 0::2], lo[:, 1::2]
    he, ho = hi[:, 0::2], hi[:, 1::2]
    return le * _S + lo_ * _S, le * _S - lo_ * _S, he * _S + ho * _S, he * _S - ho * _S


def _ihaar2(aa: np.ndarray, ad: np.ndarray, da: np.ndarray, dd: np.ndarray) -> np.ndarray:
    n, m = aa.shape
    lo, hi = np.empty((n, 2 * m)), np.empty((n, 2 * m))
    lo[:, 0::2], lo[:, 1::2] = aa * _S + ad * _S, aa * _S - ad * _S
    hi[:, 0::2], hi[:, 1::2] = da * _S + dd * _S, da * _S - dd * _S
    out = np.empty((2 * n, 2 * m))
    out[0::2], out[1::2] = lo * _S + hi * _S, lo * _S - hi * _S
    return out


def whash_from_gray(gray: np.ndarray, hash_size: int = 8) -> Hash:
    """imagehash's ``whash`` (Haar, the top LL removed), bit for bit, 2-3x faster.

    The same steps as ``imagehash.whash`` (LANCZOS to the largest power of two
    below the short side, full Haar decomposition, top LL zeroed, rebuilt,
    then the LL of ``log2(scale / hash_size)`` levels against its median)
    with the wavelet transforms written in numpy in pywt's order of
    operations, so every coefficient is the same double (tests compare with
    imagehash on random, flat and photographic images).
    """
    from PIL import Image

    pil = Image.fromarray(np.asarray(gray, dtype=np.uint8))
    scale = max(2 ** int(np.log2(min(pil.size))), hash_size)
    levels = int(np.log2(scale))
    pixels = np.asarray(pil.resize((scale, scale), Image.Resampling.LANCZOS)) / 255.0
    details = []
    a = pixels
    for _ in range(levels):
        a, ad, da, dd = _haar2(a)
        details.append((ad, da, dd))
    a = a * 0
    for ad, da, dd in reversed(details):
        a = _ihaar2(a, ad, da, dd)
    for _ in range(levels - int(np.log2(hash_size))):
        e, o = a[0::2], a[1::2]
        lo = e * _S + o * _S
        a = lo[:, 0::2] * _S + lo[:, 1::2] * _S
    return _bits_to_hash((a > np.median(a)).ravel(), "whash")


def imagehash_family(gray: np.ndarray) -> dict[str, Hash]:
    """aHash, dHash, pHash and wHash of one decoded gray array (one PIL conversion)."""
    import imagehash
    from PIL import Image

    pil = Image.fromarray(gray)
    out = {
        "ahash": _bits_to_hash(imagehash.average_hash(pil).hash.ravel(), "ahash"),
        "dhash": _bits_to_hash(imagehash.dhash(pil).hash.ravel(), "dhash"),
        "whash": whash_from_gray(gray),
        "phash": phash_from_gray(gray),
    }
    return out
