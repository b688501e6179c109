"""Safe loading of images (and, via :mod:`kit.video`, video frames).

One entry point, :func:`load_image`, turns a path, bytes, a PIL image or a
numpy array into the ``uint8`` array every algorithm in the kit receives
(``HxWx3`` RGB, or ``HxW`` gray with ``mode="L"``):

* EXIF orientation is applied (a broken EXIF block leaves the image as
  stored, with a :class:`MediaWarning`);
* palette, alpha, CMYK, YCbCr, LAB, 1-bit, 16-bit, 32-bit int and float
  images are converted (alpha is composited on white; 16-bit is ``>> 8``;
  32-bit int and float are scaled by their actual range);
* the declared pixel count is checked before any pixel is decoded
  (:class:`~kit.errors.DecompressionBomb`);
* only a list of common formats is enabled by default (:data:`IMAGE_FORMATS`;
  ``formats=None`` enables every Pillow plugin);
* every failure is a :class:`~kit.errors.MediaError` subclass whose message
  names the file and says why: :class:`~kit.errors.UnsupportedMedia`,
  :class:`~kit.errors.TruncatedMedia`, :class:`~kit.errors.CorruptMedia`,
  :class:`~kit.errors.DecompressionBomb`.

A decoder can still crash or hang on hostile input: batch code calls
:func:`load_image_safe`, which decodes in a :class:`kit.sandbox.Sandbox`
worker so that a crash becomes :class:`~kit.errors.DecoderCrash` and a hang
:class:`~kit.errors.DecoderTimeout`.

Examples
--------
>>> import io, numpy as np
>>> from PIL import Image
>>> buf = io.BytesIO()
>>> Image.new("RGBA", (4, 2), (255, 0, 0, 0)).save(buf, "PNG")
>>> img = load_image(buf.getvalue())
>>> img.shape, img.dtype, img[0, 0].tolist()
((2, 4, 3), dtype('uint8'), [255, 255, 255])
>>> load_image(b"not an image")
Traceback (most recent call last):
...
kit.errors.UnsupportedMedia: <bytes>: not an image (sniffed application/octet-stream)
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Union

import numpy as np
from PIL import Image

from kit.errors import (
    CorruptMedia,
    DecompressionBomb,
    KitError,
    MediaError,
    TruncatedMedia,
    UnsupportedMedia,
)
from kit.pixels import array_to_image, convert_mode
from kit.sniff import sniff_bytes
from kit.steps import Step
from kit.video import Frame, VideoInfo, iter_frames, keyframes, video_info

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_FORMATS",
    "ImageSource",
    "MediaInfo",
    "MediaWarning",
    "load_image",
    "load_image_safe",
    "open_image",
    "probe",
    "probe_for_step",
    "PROBE_STEP",
    # re-exported from kit.video
    "Frame",
    "VideoInfo",
    "iter_frames",
    "keyframes",
    "video_info",
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


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` found out about a file (never raised, see ``error``).

    Attributes
    ----------
    kind
        ``"image"``, ``"video"`` or ``"other"``.
    mime
        MIME type (from the decoder where it identified the file, else sniffed).
    width, height
        Pixel size as stored (before EXIF orientation); ``None`` if unknown.
    mode
        Pillow mode of an image (``"RGB"``, ``"P"``, ``"I;16"``...), ``None`` for video.
    n_frames
        Frames of an animation or video (1 for a still image).
    duration
        Seconds (animations and video), else ``None``.
    fps
        Frames per second (animations and video), else ``None``.
    error
        ``None`` when the file decodes, else ``"ErrorClass: message"``.
    format
        Pillow format name, or the video codec's FourCC.
    """

    kind: str
    mime: str
    width: int | None = None
    height: int | None = None
    mode: str | None = None
    n_frames: int | None = None
    duration: float | None = None
    fps: float | None = None
    error: str | None = None
    format: str | None = None


# ------------------------------------------------------------------ helpers
def _enabled(formats: Iterable[str] | None) -> tuple[str, ...] | None:
    if formats is None:
        return None
    Image.init()
    return tuple(f.upper() for f in formats if f.upper() in Image.OPEN)


def _decode_error(exc: BaseException, label: str, path: str | None, what: str) -> MediaError:
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
    ft = sniff_bytes(head)
    if ft.kind == "video":
        why = f"is a video ({ft.mime}), not an image; use kit.media.iter_frames or keyframes"
    elif ft.kind == "image":
        why = f"{ft.mime} cannot be decoded"
        why += " (format not enabled; formats=None tries every Pillow format)" if formats else ""
    else:
        why = f"not an image (sniffed {ft.mime})"
    return UnsupportedMedia(f"{label}: {why}", path=path)


def _open_file(
    fp: Any, label: str, path: str | None, formats: tuple[str, ...] | None, max_pixels: int, check: bool = True
) -> Image.Image:
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
        raise _decode_error(exc, label, path, "reading the header") from exc
    if check:
        _check_size(im, label, path, max_pixels)
    return im


def _check_size(im: Image.Image, label: str, path: str | None, max_pixels: int) -> None:
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
    try:
        orientation = int(im.getexif().get(0x0112, 1))
    except Exception as exc:  # noqa: BLE001 - bad EXIF must not fail a valid image
        warnings.warn(f"{label}: EXIF unreadable ({exc}); orientation not applied", MediaWarning, stacklevel=3)
        return im
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


# ------------------------------------------------------------------ public
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

    Same parameters and errors as :func:`load_image`; the result is a new,
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
    fmts = _enabled(formats)
    fh = None
    path: str | None = None
    if isinstance(src, np.ndarray):
        label, im, owned = "<array>", array_to_image(src), True
        _check_size(im, label, None, max_pixels)
    elif isinstance(src, Image.Image):
        fn = getattr(src, "filename", "") or ""
        label, path, im, owned = (str(fn) if fn else "<PIL image>"), (str(fn) or None), src, False
        _check_size(im, label, path, max_pixels)
    elif isinstance(src, (bytes, bytearray, memoryview)):
        label = "<bytes>"
        im, owned = _open_file(io.BytesIO(bytes(src)), label, None, fmts, max_pixels), True
    elif isinstance(src, (str, os.PathLike)):
        path = label = str(os.fspath(src))
        fh = open(path, "rb")  # a missing file is FileNotFoundError, not a MediaError
        im, owned = _open_file(fh, label, path, fmts, max_pixels), True
    else:
        raise TypeError(f"cannot load an image from {type(src).__name__}")
    try:
        scale = 1.0
        if reduce > 1 and owned and im.format in ("JPEG", "MPO"):
            w, h = im.size
            got = im.draft(mode, (max(1, w // reduce), max(1, h // reduce)))
            if got is not None:
                scale = im.size[0] / w
        try:
            im.load()
        except Exception as exc:  # noqa: BLE001 - any decoder error on hostile data
            raise _decode_error(exc, label, path, "decoding pixels") from exc
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
            raise _decode_error(exc, label, path, "converting pixels") from exc
        if out is src:
            out = out.copy()
        return out
    finally:
        if fh is not None:
            fh.close()


def load_image(
    src: ImageSource,
    *,
    mode: str = "RGB",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduce: int = 1,
    apply_orientation: bool = True,
    formats: Iterable[str] | None = IMAGE_FORMATS,
) -> np.ndarray:
    """Load an image as a ``uint8`` array: ``HxWx3`` RGB or ``HxW`` gray.

    Parameters
    ----------
    src
        A path, the file's bytes, a PIL image, or an array (``HxW``,
        ``HxWx3`` RGB or ``HxWx4`` RGBA; ``uint16`` is shifted ``>> 8``,
        floats in [0, 1] are scaled by 255, other ranges by their actual
        range, alpha is composited on white).
    mode
        ``"RGB"`` or ``"L"`` (gray: ITU-R 601-2 luma).
    max_pixels
        Largest declared width x height accepted; checked before decoding.
    reduce
        1, 2, 4 or 8: shrink by this factor. JPEGs decode at the reduced scale
        (DCT scaling, much faster); other formats are box-averaged after
        decoding. Sizes round up (``ceil(w / reduce)``).
    apply_orientation
        Rotate/flip as the EXIF Orientation tag says (as viewers show it).
    formats
        Pillow formats to try; ``None`` for all of Pillow's plugins.

    Returns
    -------
    numpy.ndarray
        ``uint8``, C-contiguous, owned by the caller. Animated files give their first frame.

    Raises
    ------
    UnsupportedMedia
        Not an image, or a format/mode that is not enabled.
    TruncatedMedia
        The data ends before the image does.
    CorruptMedia
        Damaged or malformed data (including a decoder running out of memory).
    DecompressionBomb
        Declared size over ``max_pixels``.
    FileNotFoundError
        ``src`` is a path that does not exist.

    Examples
    --------
    >>> import numpy as np
    >>> load_image(np.array([[0.0, 1.0]]), mode="L").tolist()
    [[0, 255]]
    """
    im = open_image(
        src, mode=mode, max_pixels=max_pixels, reduce=reduce,
        apply_orientation=apply_orientation, formats=formats,
    )
    return np.array(im, dtype=np.uint8, copy=True)


def load_image_safe(src: ImageSource, *, timeout: float = 10.0, sandbox: Any = None, **kwargs: Any) -> np.ndarray:
    """:func:`load_image` in an isolated worker process: use this in batch code.

    A decoder that crashes raises :class:`~kit.errors.DecoderCrash`, one that
    runs over ``timeout`` seconds :class:`~kit.errors.DecoderTimeout`; the
    caller's process is unharmed either way and the next call gets a fresh
    worker. ``sandbox`` is a :class:`kit.sandbox.Sandbox` (default: the
    shared one of :func:`kit.sandbox.default_sandbox`); ``kwargs`` go to
    :func:`load_image`.

    Examples
    --------
    >>> import numpy as np
    >>> load_image_safe(np.zeros((2, 3), np.uint8), timeout=30).shape
    (2, 3, 3)
    """
    from kit.sandbox import default_sandbox

    sb = sandbox if sandbox is not None else default_sandbox()
    return sb.call(load_image, src, timeout=timeout, **kwargs)


def probe(path: str | os.PathLike, *, decode: bool = True, formats: Iterable[str] | None = IMAGE_FORMATS) -> MediaInfo:
    """Describe a media file; never raises for a bad or missing file.

    Parameters
    ----------
    path
        The file.
    decode
        Also decode the pixels (JPEGs at 1/8 scale) so that a truncated or
        corrupt file shows in ``error``; ``False`` reads headers only.
    formats
        Image formats to try (see :func:`load_image`).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "note.txt")
    ...     _ = open(p, "w").write("hello")
    ...     info = probe(p)
    >>> info.kind, info.error  # doctest: +ELLIPSIS
    ('other', 'UnsupportedMedia: ...note.txt: not an image or video (sniffed application/octet-stream)')
    """
    p = os.fspath(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        return MediaInfo("other", "application/octet-stream", error=f"{type(exc).__name__}: {p}: {exc.strerror or exc}")
    ft = sniff_bytes(head)
    if ft.kind == "video":
        try:
            v = video_info(p)
            return MediaInfo("video", ft.mime, v.width, v.height, None, v.frame_count, v.duration, v.fps, None, v.codec)
        except Exception as exc:  # noqa: BLE001 - probe never raises
            return MediaInfo("video", ft.mime, error=f"{type(exc).__name__}: {exc}")
    fmts = _enabled(formats)
    info: MediaInfo | None = None
    try:
        with open(p, "rb") as fh:
            im = _open_file(fh, p, p, fmts, DEFAULT_MAX_PIXELS, check=False)
            mime = Image.MIME.get(im.format or "", ft.mime)
            n = int(getattr(im, "n_frames", 1) or 1)
            duration = fps = None
            if 1 < n <= 1000:
                try:
                    total = 0.0
                    for i in range(n):
                        im.seek(i)
                        total += float(im.info.get("duration", 0) or 0)
                    if total > 0:
                        duration, fps = total / 1000.0, n * 1000.0 / total
                except Exception:  # noqa: BLE001 - a broken later frame shows in error below
                    pass
            im.seek(0)
            info = MediaInfo("image", mime, im.width, im.height, im.mode, n, duration, fps, None, im.format)
            _check_size(im, p, p, DEFAULT_MAX_PIXELS)
    except Exception as exc:  # noqa: BLE001 - probe never raises
        if isinstance(exc, UnsupportedMedia) and ft.kind == "other":
            msg = f"{p}: not an image or video (sniffed {ft.mime})"
            return MediaInfo("other", ft.mime, error=f"UnsupportedMedia: {msg}")
        err = _decode_error(exc, p, p, "reading the header") if not isinstance(exc, KitError) else exc
        if info is not None:
            return MediaInfo(**{**info.__dict__, "error": f"{type(err).__name__}: {err}"})
        return MediaInfo("image" if ft.kind == "image" else "other", ft.mime, error=f"{type(err).__name__}: {err}")
    if decode:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MediaWarning)
                open_image(p, reduce=8, formats=formats, apply_orientation=False, max_pixels=DEFAULT_MAX_PIXELS)
        except Exception as exc:  # noqa: BLE001 - probe never raises
            return MediaInfo(**{**info.__dict__, "error": f"{type(exc).__name__}: {exc}"})
    return info


def probe_for_step(path: str | os.PathLike) -> dict[str, Any]:
    """The ``media.probe`` step: :func:`probe`, with a bad file raised as its MediaError.

    The case stores the file's kind, size, frames and duration, or an error
    row that says why it cannot be decoded.
    """
    info = probe(path)
    if info.error:
        kind, _, message = info.error.partition(": ")
        cls = {c.__name__: c for c in (UnsupportedMedia, TruncatedMedia, CorruptMedia,
                                       DecompressionBomb)}.get(kind, MediaError)
        raise cls(message or info.error, path=path)
    return dict(info.__dict__)


PROBE_STEP = Step("media.probe", "1", probe_for_step, kinds=("image", "video", "other"),
                tool=f"Pillow {Image.__version__}, OpenCV (video)", isolate=True, timeout=30.0,
                  description="decode check: kind, size, frames, duration, or why it cannot be read")
