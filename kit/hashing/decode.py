"""One place that turns path / bytes / PIL image / array into the array a hasher gets.

Delegates to :func:`kit.media.load_image` (safe decoding, pixel limits, typed
errors) and adds what hashing needs on top: choosing the JPEG reduce factor
from the image size *before* decoding (the fast path), and Meta's rule of
squashing images over 512 px to 512 x 512 with nearest-neighbour sampling.

Examples
--------
>>> import numpy as np
>>> from kit.hashing.decode import choose_reduce, squash512
>>> choose_reduce(4000, 3000, min_side=64), choose_reduce(400, 300, min_side=64)
(8, 4)
>>> squash512(np.zeros((1000, 800, 3), np.uint8)).shape
(512, 512, 3)
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np


__all__ = ["choose_reduce", "image_size", "load", "squash512"]

_REDUCE_STEPS = (8, 4, 2, 1)


def choose_reduce(width: int, height: int, *, min_side: int = 512, use_max: bool = False) -> int:
    """Largest JPEG reduce factor (8, 4, 2 or 1) keeping the chosen side >= ``min_side``.

    ``use_max`` measures the longer side instead of the shorter one.
    """
    side = max(width, height) if use_max else min(width, height)
    for r in _REDUCE_STEPS:
        if side // r >= min_side:
            return r
    return 1


def image_size(src: Any) -> tuple[int, int] | None:
    """(width, height) from the header without decoding pixels; None when unknown."""
    if isinstance(src, np.ndarray):
        return int(src.shape[1]), int(src.shape[0])
    try:
        from PIL import Image

        if isinstance(src, Image.Image):
            return src.size
        if isinstance(src, (bytes, bytearray)):
            with Image.open(io.BytesIO(src)) as im:
                return im.size
        with Image.open(Path(src)) as im:
            return im.size
    except Exception:  # noqa: BLE001 - the real decode reports the error
        return None


def load(src: Any, *, mode: str = "RGB", reduce: int = 1, apply_orientation: bool = True) -> np.ndarray:
    """Decode ``src`` to a uint8 array (HxWx3 RGB or HxW gray) at ``1/reduce`` scale.

    Raises a :class:`kit.errors.MediaError` subclass when the file cannot be decoded.
    """
    from kit.media import load_image

    return load_image(src, mode=mode, reduce=reduce, apply_orientation=apply_orientation)


def squash512(arr: np.ndarray) -> np.ndarray:
    """Meta's pre-step: images over 512 px on either side become 512 x 512 (nearest)."""
    if max(arr.shape[0], arr.shape[1]) <= 512:
        return arr
    import cv2

    return cv2.resize(arr, (512, 512), interpolation=cv2.INTER_NEAREST)
