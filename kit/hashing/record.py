"""All hashes of one image file from one decode: what the ``hash.image`` step stores.

:func:`hash_image_file` reads the file once for SHA-256 / MD5, decodes it
once at a reduced scale (the longer side stays >= 512 px so PDQ stays within a
few bits of Meta's reference), and computes from that one array: aHash, dHash,
pHash, wHash, PDQ + quality, the 8 dihedral PDQ and pHash hashes, the picture's
content box (borders, letterbox, caption bar, phone-screenshot frame) and the
same hashes of the trimmed picture when the box is not the whole image.

Payload keys (all JSON types): ``sha256, md5, width, height, reduce, pdq,
pdq_quality, ahash, dhash, phash, whash, pdq_dihedral (8 hex), phash_dihedral
(8 hex), box ([x0, y0, x1, y1] in full-size pixels), box_reason ("none" /
"border" / "frame"), screenshot (bool), trimmed`` (None, or a dict with
``pdq, pdq_quality, phash, pdq_dihedral, phash_dihedral``).

Examples
--------
>>> import io, numpy as np
>>> from PIL import Image
>>> from kit.hashing.record import hash_image_file
>>> rng = np.random.default_rng(0)
>>> buf = io.BytesIO()
>>> Image.fromarray((rng.random((80, 120, 3)) * 255).astype(np.uint8)).save(buf, "PNG")
>>> rec = hash_image_file(buf.getvalue())
>>> len(rec["pdq"]), len(rec["phash"]), len(rec["pdq_dihedral"]), rec["box_reason"]
(64, 16, 8, 'none')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kit.digest import hash_bytes, hash_file
from kit.hashing.decode import choose_reduce, image_size, load
from kit.hashing.image import (
    _dihedral_arrays,
    _gray32,
    _phash_bits,
    _bits_to_hash,
    dihedral_pdq_from_rgb,
    imagehash_family,
)
from kit.hashing.preprocess import content_box, crop

__all__ = ["file_digests", "hash_image_file", "hash_array"]


def file_digests(src: str | Path | bytes) -> dict[str, str]:
    """SHA-256 and MD5 of a file (or bytes) in one read.

    >>> file_digests(b"abc")["md5"]
    '900150983cd24fb0d6963f7d28e17f72'
    """
    sha, md5, _ = hash_bytes(bytes(src)) if isinstance(src, (bytes, bytearray)) else hash_file(src)
    return {"sha256": sha, "md5": md5}


def _gray_from_rgb(rgb: np.ndarray) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(rgb).convert("L"))


def _core(rgb: np.ndarray, *, family: bool) -> dict[str, Any]:
    gray = _gray_from_rgb(rgb)
    out: dict[str, Any] = {}
    if family:
        out.update({k: str(v) for k, v in imagehash_family(gray).items()})
    dih, quality = dihedral_pdq_from_rgb(rgb)
    small = _gray32(gray)
    out["pdq"] = str(dih[0])
    out["pdq_quality"] = quality
    out["pdq_dihedral"] = [str(h) for h in dih]
    out["phash_dihedral"] = [str(_bits_to_hash(_phash_bits(np.ascontiguousarray(v)), "phash"))
                             for v in _dihedral_arrays(small)]
    out["phash"] = out["phash_dihedral"][0]
    return out


def hash_array(rgb: np.ndarray, *, full_size: tuple[int, int] | None = None, trim: bool = True) -> dict[str, Any]:
    """Every perceptual hash of a decoded RGB array (see the module doc for the keys).

    ``full_size`` is the (width, height) of the original when ``rgb`` was
    decoded at reduced scale; the box is reported in those pixels.
    """
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    rgb = np.ascontiguousarray(rgb[:, :, :3])
    H, W = rgb.shape[:2]
    fw, fh = full_size or (W, H)
    out = _core(rgb, family=True)
    out["box"], out["box_reason"], out["screenshot"], out["trimmed"] = [0, 0, fw, fh], "none", False, None
    if trim:
        box = content_box(rgb)
        if box.trimmed:
            part = np.ascontiguousarray(crop(rgb, box))
            t = _core(part, family=False)
            out["trimmed"] = {k: t[k] for k in ("pdq", "pdq_quality", "phash", "pdq_dihedral", "phash_dihedral")}
            out["box"] = box.scaled(fw, fh).as_list()
            out["box_reason"], out["screenshot"] = box.reason, bool(box.screenshot)
    return out


def hash_image_file(path: str | Path | bytes, *, fast: bool = True, trim: bool = True) -> dict[str, Any]:
    """The ``hash.image`` step: digests plus every perceptual hash from one decode.

    Raises a :class:`kit.errors.MediaError` subclass when the image cannot be decoded.
    """
    out: dict[str, Any] = dict(file_digests(path))
    size = image_size(path)
    reduce = choose_reduce(*size, min_side=512, use_max=True) if (fast and size) else 1
    rgb = load(path, mode="RGB", reduce=reduce)
    H, W = rgb.shape[:2]
    if size is not None and reduce > 1:
        # orientation may swap the sides: report the oriented full size
        fw, fh = size if (size[0] >= size[1]) == (W >= H) else (size[1], size[0])
    else:
        fw, fh = W, H
    out.update({"width": fw, "height": fh, "reduce": reduce})
    out.update(hash_array(rgb, full_size=(fw, fh), trim=trim))
    return out
