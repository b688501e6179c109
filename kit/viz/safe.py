"""Safe viewing of media in figures: blur (and greyscale) by default, thumbnails, data URIs."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["safe_image", "thumbnail", "thumbnail_png", "data_uri"]


def safe_image(img: Any, *, blur: bool = True, grey: bool = False, strength: float = 0.06) -> Any:
    """A copy of ``img`` (PIL image or uint8 array) blurred and/or greyscaled for safe viewing.

    ``strength`` is the Gaussian radius as a share of the longer side (0.06:
    shapes and colours stay, faces and detail do not). Returns the input's type.

    >>> a = np.zeros((40, 40, 3), np.uint8); a[:, 20:] = 255
    >>> b = safe_image(a)
    >>> b.shape, int(b[20, 19, 0]) > 0 and int(b[20, 20, 0]) < 255
    ((40, 40, 3), True)
    >>> safe_image(a, blur=False, grey=True).shape
    (40, 40)
    """
    from PIL import Image, ImageFilter

    as_array = isinstance(img, np.ndarray)
    im = Image.fromarray(img) if as_array else img
    if grey:
        im = im.convert("L")
    elif im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    if blur:
        im = im.filter(ImageFilter.GaussianBlur(max(2.0, strength * max(im.size))))
    return np.asarray(im) if as_array else im


def _first_frame(path: Path) -> Any:
    from PIL import Image

    from kit.media import iter_frames

    for frame in iter_frames(path, every_s=1.0, max_frames=1):
        return Image.fromarray(frame.image)
    raise ValueError(f"{path}: no frame could be decoded")


def thumbnail(path: str | Path, *, size: int = 160, blur: bool = True, grey: bool = False,
              kind: str | None = None) -> Any:
    """A small PIL thumbnail of an image (or a video's first frame), safe by default.

    Raises a :class:`kit.errors.MediaError` when the file cannot be decoded.
    """
    from PIL import Image

    from kit.errors import MediaError
    from kit.media import open_image

    path = Path(path)
    if kind is None:
        from kit.sniff import sniff_path

        kind = sniff_path(path).kind
    try:
        im = _first_frame(path) if kind == "video" else open_image(path)
        im = im.convert("RGB")
        im.thumbnail((size, size), Image.Resampling.LANCZOS)
    except MediaError:
        raise
    except Exception as exc:  # a decoder's own error type: give it a kit name
        raise MediaError(f"{path.name}: cannot make a thumbnail ({exc})", path=path) from exc
    return safe_image(im, blur=blur, grey=grey)


def thumbnail_png(path: str | Path, **kwargs: Any) -> bytes:
    """:func:`thumbnail` as PNG bytes (what an ``ipywidgets.Image`` or a data URI takes)."""
    buf = io.BytesIO()
    thumbnail(path, **kwargs).save(buf, format="PNG")
    return buf.getvalue()


def data_uri(img: Any, fmt: str = "PNG") -> str:
    """A ``data:`` URI for PNG bytes, a PIL image or a uint8 array.

    >>> data_uri(b"\\x89PNG")[:22]
    'data:image/png;base64,'
    """
    if not isinstance(img, bytes):
        from PIL import Image

        im = Image.fromarray(img) if isinstance(img, np.ndarray) else img
        buf = io.BytesIO()
        im.save(buf, format=fmt)
        img = buf.getvalue()
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(img).decode("ascii")
