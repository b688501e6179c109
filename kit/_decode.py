"""Open and decode one image with Pillow, safely: the engine under :mod:`kit.media`.

Import from :mod:`kit.media`; this module holds the parts it is built from:
the enabled formats (:data:`IMAGE_FORMATS`), the pixel limit checked on the
declared size before any pixel is decoded (:data:`DEFAULT_MAX_PIXELS`), the
mapping of decoder exceptions to the kit's :class:`~kit.errors.MediaError`
classes, EXIF orientation (:class:`MediaWarning` when it cannot be read),
mode conversion and JPEG reduced-scale decoding (:func:`open_image`).

Examples
--------
>>> from PIL import Image
>>> open_image(Image.new("P", (4, 4))).mode
'RGB'
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from typing import Any, Iterable, Union

import numpy as np
from PIL import Image

from kit.errors import CorruptMedia, DecompressionBomb, MediaError, TruncatedMedia, UnsupportedMedia
from kit.pixels import array_to_image, convert_mode
from kit.sniff import sniff_bytes

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_FORMATS",
    "REDUCE_FACTORS",
    "ImageSource",
    "MediaWarning",
    "check_size",
    "decode_error",
    "enabled_formats",
    "open_file",
    "open_image",
]

DEFAULT_MAX_PIXELS = 178_956_970
"""Default pixel limit (~179 MP): twice Pillow's default ``MAX_IMAGE_PIXELS``,
the size at which Pillow itself refuses to open a file. It is above every
camera sensor on sale (<= ~150 MP) and common panoramas, and keeps the
decoded RGB array under ~540 MB."""

IMAGE_FORMATS: tuple[str, ...] = (
    "JPEG", "MPO", "PNG", "GIF", "WEBP", "TIFF", "BMP", "DIB", "ICO",
    "PPM", "JPEG2000", "AVIF", "HEIF", "PSD", "TGA", "QOI",
)
"""Pillow formats enabled by default: what platforms, cameras and editors
produce. Legacy and game formats (BLP, DDS, FLI, SGI, PCX, ...) and EPS
(which runs Ghostscript) are off unless ``formats=None``."""

REDUCE_FACTORS = (1, 2, 4, 8)
_TRUNCATED_HINTS = ("truncated", "not enough image data", "premature end", "unexpected end")
_limit_lock = threading.Lock()

ImageSource = Union[str, os.PathLike, bytes, bytearray, memoryview, Image.Image, np.ndarray]


class MediaWarning(UserWarning):
    """Something was off but the image still loaded (e.g. unreadable EXIF orientation)."""


def enabled_formats(formats: Iterable[str] | None) -> tuple[str, ...] | None:
    """The Pillow format names of ``formats`` that this Pillow can open (None: every format)."""
    if formats is None:
        return None
    Image.init()
    return tuple(f.upper() for f in formats if f.upper() in Image.OPEN)


def decode_error(exc: BaseException, label: str, path: str | None, what: str) -> MediaError:
    """Map a decoder exception to the kit's error classes."""
    if isinstance(exc, MediaError):
        return exc
    if isinstance(exc, Image.DecompressionBombError):
        return DecompressionBomb(
            f"{label}: declared size is over the pixel limit, possible decompression bomb ({exc})", path=path
        )
    text = str(exc) or type(exc).__name__
    if isinstance(exc, MemoryError):
        return CorruptMedia(
            f"{label}: the decoder ran out of memory while {what} (malformed file or "
            "decompression bomb)",
            path=path,
        )
    if isinstance(exc, EOFError) or any(h in text.lower() for h in _TRUNCATED_HINTS):
        return TruncatedMedia(f"{label}: image data ends early while {what} ({text})", path=path)
    return CorruptMedia(
        f"{label}: damaged or malformed file while {what} ({type(exc).__name__}: {text})", path=path
    )


def _unsupported(head: bytes, label: str, path: str | None, formats: tuple[str, ...] | None) -> UnsupportedMedia:
    """The error for a file no enabled format opens, saying what its bytes look like."""
    ft = sniff_bytes(head)
    if ft.kind == "video":
        why = f"is a video ({ft.mime}), not an image; use kit.media.iter_frames or keyframes"
    elif ft.kind == "image":
        why = f"{ft.mime} cannot be decoded"
        why += " (format not enabled; formats=None tries every Pillow format)" if formats else ""
    else:
        why = f"not an image (sniffed {ft.mime})"
    return UnsupportedMedia(f"{label}: {why}", path=path)


def open_file(
    fp: Any, label: str, path: str | None, formats: tuple[str, ...] | None, max_pixels: int, check: bool = True
) -> Image.Image:
    """Open ``fp`` with Pillow up to its header (the pixel limit raised for the call where
    ``max_pixels`` is over Pillow's own) and check its declared size unless ``check`` is False."""
    head = fp.read(256)
    fp.seek(0)
    if not head:
        raise UnsupportedMedia(f"{label}: empty file", path=path)
    bomb_limit = Image.MAX_IMAGE_PIXELS
    raise_limit = bomb_limit is not None and max_pixels > 2 * bomb_limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if raise_limit:  # a caller asked for more than Pillow allows
                with _limit_lock:
                    Image.MAX_IMAGE_PIXELS = max_pixels // 2 + 1
                    try:
                        im = Image.open(fp, formats=formats)
                    finally:
                        Image.MAX_IMAGE_PIXELS = bomb_limit
            else:
                im = Image.open(fp, formats=formats)
    except Image.UnidentifiedImageError as exc:
        raise _unsupported(head, label, path, formats) from exc
    except Exception as exc:  # noqa: BLE001 - any plugin error on hostile data
        raise decode_error(exc, label, path, "reading the header") from exc
    if check:
        check_size(im, label, path, max_pixels)
    return im


def check_size(im: Image.Image, label: str, path: str | None, max_pixels: int) -> None:
    """Refuse an empty declared size, or one over ``max_pixels`` (a possible decompression bomb)."""
    w, h = im.size
    if w <= 0 or h <= 0:
        raise CorruptMedia(f"{label}: declared size {w}x{h} is empty", path=path)
    if w * h > max_pixels:
        raise DecompressionBomb(
            f"{label}: declared size {w}x{h} = {w * h:,} pixels is over the pixel limit of "
            f"{max_pixels:,} (possible decompression bomb; raise max_pixels to load it)",
            path=path,
        )


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orient(im: Image.Image, label: str) -> Image.Image:
    """``im`` turned as its EXIF Orientation says (as stored, with a MediaWarning, when EXIF is unreadable)."""
    try:
        orientation = int(im.getexif().get(0x0112, 1))
    except Exception as exc:  # noqa: BLE001 - bad EXIF must not fail a valid image
        warnings.warn(f"{label}: EXIF unreadable ({exc}); orientation not applied", MediaWarning, stacklevel=4)
        return im
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def open_image(
    src: ImageSource,
    *,
    mode: str = "RGB",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduce: int = 1,
    apply_orientation: bool = True,
    formats: Iterable[str] | None = IMAGE_FORMATS,
) -> Image.Image:
    """Open, validate, decode, orient and convert an image; return a PIL image.

    Same parameters and errors as :func:`kit.media.load_image`; the result is a new,
    fully loaded ``PIL.Image.Image`` in ``mode`` (the caller's image, when
    given one, is not modified).

    Examples
    --------
    >>> from PIL import Image
    >>> im = open_image(Image.new("CMYK", (6, 4)), mode="L", reduce=2)
    >>> im.mode, im.size
    ('L', (3, 2))
    """
    if mode not in ("RGB", "L"):
        raise ValueError(f"mode must be 'RGB' or 'L', got {mode!r}")
    if reduce not in REDUCE_FACTORS:
        raise ValueError(f"reduce must be one of {REDUCE_FACTORS}, got {reduce!r}")
    if max_pixels is None or max_pixels <= 0:
        raise ValueError(f"max_pixels must be a positive int, got {max_pixels!r}")
    label, path, im, owned, fh = _source(src, enabled_formats(formats), max_pixels)
    try:
        return _pixels(im, src, label, path, owned, mode=mode, reduce=reduce, apply_orientation=apply_orientation)
    finally:
        if fh is not None:
            fh.close()


def _source(src: ImageSource, fmts: tuple[str, ...] | None,
            max_pixels: int) -> tuple[str, str | None, Image.Image, bool, Any]:
    """Open ``src`` up to its header and check its declared size: (label for messages, path, image,
    whether the image is ours to change, the file opened here for the caller to close, or None)."""
    fh = None
    path: str | None = None
    if isinstance(src, np.ndarray):
        label, im, owned = "<array>", array_to_image(src), True
        check_size(im, label, None, max_pixels)
    elif isinstance(src, Image.Image):
        fn = getattr(src, "filename", "") or ""
        label, path, im, owned = (str(fn) if fn else "<PIL image>"), (str(fn) or None), src, False
        check_size(im, label, path, max_pixels)
    elif isinstance(src, (bytes, bytearray, memoryview)):
        label = "<bytes>"
        im, owned = open_file(io.BytesIO(bytes(src)), label, None, fmts, max_pixels), True
    elif isinstance(src, (str, os.PathLike)):
        path = label = str(os.fspath(src))
        fh = open(path, "rb")  # a missing file is FileNotFoundError, not a MediaError
        im, owned = open_file(fh, label, path, fmts, max_pixels), True
    else:
        raise TypeError(f"cannot load an image from {type(src).__name__}")
    return label, path, im, owned, fh


def _pixels(im: Image.Image, src: ImageSource, label: str, path: str | None, owned: bool, *, mode: str,
            reduce: int, apply_orientation: bool) -> Image.Image:
    """Decode the pixels (a JPEG at reduced scale through its DCT), orient, convert to ``mode`` and
    shrink; never hand back the caller's own image."""
    scale = 1.0
    if reduce > 1 and owned and im.format in ("JPEG", "MPO"):
        w, h = im.size
        got = im.draft(mode, (max(1, w // reduce), max(1, h // reduce)))
        if got is not None:
            scale = im.size[0] / w
    try:
        im.load()
    except Exception as exc:  # noqa: BLE001 - any decoder error on hostile data
        raise decode_error(exc, label, path, "decoding pixels") from exc
    out = _orient(im, label) if apply_orientation else im
    try:
        out = convert_mode(out, mode)
        left = int(round(reduce * scale))
        if left > 1:
            out = out.reduce(left)
    except (ValueError, OSError, TypeError) as exc:
        raise UnsupportedMedia(
            f"{label}: cannot convert pixel mode {im.mode} to {mode} ({exc})", path=path
        ) from exc
    except MemoryError as exc:
        raise decode_error(exc, label, path, "converting pixels") from exc
    if out is src:
        out = out.copy()
    return out
