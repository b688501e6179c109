"""Pixel formats to 8 bits: PIL modes and numpy dtypes to ``uint8`` RGB or gray.

The rules :func:`kit.media.load_image` applies, in one place:

* alpha (``RGBA``, ``LA``, ``PA``, palette transparency) is composited on white;
* ``1`` becomes 0/255 gray; ``CMYK``, ``YCbCr``, ``LAB``, ``HSV`` become RGB;
* 16-bit (``I;16*``, ``uint16``) keeps the high byte (``>> 8``);
* 32-bit int and float images (``I``, ``F``) are scaled by their actual
  finite range; NaN becomes the low end;
* float arrays in [0, 1] are scaled by 255, float arrays in [0, 255] are
  rounded, other ranges are scaled like ``F`` images.

Examples
--------
>>> import numpy as np
>>> stretch(np.array([-1.0, 0.0, 3.0])).tolist()
[0, 64, 255]
>>> from PIL import Image
>>> convert_mode(Image.new("LA", (1, 1), (0, 0)), "L").getpixel((0, 0))
255
"""

from __future__ import annotations

import numpy as np
from PIL import Image

__all__ = ["array_to_image", "composite_on_white", "convert_mode", "stretch"]


def stretch(a: np.ndarray) -> np.ndarray:
    """Scale a numeric array to ``uint8`` by its actual finite range (NaN/inf -> low end).

    A constant array keeps its value, clipped to [0, 255].
    """
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    if not finite.any():
        return np.zeros(a.shape, np.uint8)
    lo, hi = float(a[finite].min()), float(a[finite].max())
    a = np.where(finite, a, lo)
    if hi > lo:
        out = (a - lo) * (255.0 / (hi - lo))
    else:
        out = np.full(a.shape, min(max(lo, 0.0), 255.0))
    return np.rint(out).astype(np.uint8)


def composite_on_white(im: Image.Image) -> Image.Image:
    """Flatten an image with alpha onto a white background; returns ``RGB``."""
    rgba = im if im.mode == "RGBA" else im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def convert_mode(im: Image.Image, mode: str) -> Image.Image:
    """Convert a loaded PIL image of any mode to ``"RGB"`` or ``"L"`` (see module rules).

    Returns ``im`` itself when it is already in ``mode``.
    """
    m = im.mode
    if m in ("RGB", "L"):
        out = im
    elif m == "1":
        out = im.convert("L")
    elif m in ("P", "PA"):
        alpha = m == "PA" or "transparency" in im.info
        out = composite_on_white(im) if alpha else im.convert("RGB")
    elif m in ("LA", "La", "RGBA", "RGBa"):
        out = composite_on_white(im)
    elif m.startswith("I;16"):
        out = Image.fromarray((np.asarray(im).astype(np.uint16) >> 8).astype(np.uint8), "L")
    elif m in ("I", "F") or m.startswith("I;"):
        out = Image.fromarray(stretch(np.asarray(im)), "L")
    else:  # CMYK, YCbCr, LAB, HSV, RGBX, ...
        out = im.convert("RGB")
    if out.mode != mode:
        out = out.convert(mode)
    return out


def array_to_image(arr: np.ndarray) -> Image.Image:
    """Turn an ``HxW``, ``HxWx1``, ``HxWx3`` (RGB) or ``HxWx4`` (RGBA) array into a PIL image.

    Raises
    ------
    ValueError
        Wrong shape or a dtype that is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> array_to_image(np.array([[0.0, 0.5]])).getpixel((1, 0))
    128
    """
    a = np.asarray(arr)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or 0 in a.shape:
        raise ValueError(f"expected an HxW, HxWx3 or HxWx4 array, got shape {a.shape}")
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    elif a.dtype == np.uint16:
        a = (a >> 8).astype(np.uint8)
    elif a.dtype.kind == "f":
        finite = np.isfinite(a)
        vals = a[finite]
        lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 0.0)
        if lo >= 0 and hi <= 255:
            scale = 255.0 if hi <= 1 else 1.0
            a = np.rint(np.where(finite, a, 0.0) * scale).astype(np.uint8)
        else:
            a = stretch(a)
    elif a.dtype.kind in "iu" and a.dtype != np.uint8:
        a = a.astype(np.uint8) if a.min() >= 0 and a.max() <= 255 else stretch(a)
    elif a.dtype != np.uint8:
        raise ValueError(f"cannot load an array of dtype {a.dtype} as an image")
    mode = "L" if a.ndim == 2 else ("RGB" if a.shape[2] == 3 else "RGBA")
    return Image.fromarray(np.ascontiguousarray(a), mode)
