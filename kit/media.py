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

import os
import warnings
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
from PIL import Image

from kit._decode import (
    DEFAULT_MAX_PIXELS,
    IMAGE_FORMATS,
    REDUCE_FACTORS,  # noqa: F401 - importable from kit.media as before
    ImageSource,
    MediaWarning,
    check_size,
    decode_error,
    enabled_formats,
    open_file,
    open_image,
)
from kit.errors import (
    CorruptMedia,
    DecompressionBomb,
    KitError,
    MediaError,
    TruncatedMedia,
    UnsupportedMedia,
)
from kit.sniff import sniff_bytes
from kit.steps import Step
from kit.video import Frame, VideoInfo, iter_frames, keyframes, video_info

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_FORMATS",
    "ImageSource",
    "MediaInfo",
    "MediaWarning",
    "jpeg_luma_dct",
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


def jpeg_luma_dct(src: str | os.PathLike | bytes) -> tuple[np.ndarray, np.ndarray]:
    """A JPEG's luma as libjpeg stores it: the quantised DCT coefficients (block rows, block columns,
    8, 8; int32) and the luma quantisation table (8 x 8, natural order), read with ``jpeglib`` (no
    re-decoding). The caller checks the declared size first: libjpeg allocates the coefficients of
    the whole picture. Raises what libjpeg raises on a file it cannot read."""
    import jpeglib

    if isinstance(src, (bytes, bytearray)):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:  # jpeglib reads files
            p = Path(d) / "x.jpg"
            p.write_bytes(bytes(src))
            return jpeg_luma_dct(p)
    im = jpeglib.read_dct(str(src))
    qt = np.asarray(im.qt)
    q_luma = qt[int(np.asarray(im.quant_tbl_no)[0])] if hasattr(im, "quant_tbl_no") else qt[0]
    return np.asarray(im.Y).astype(np.int32), q_luma


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
    fmts = enabled_formats(formats)
    info: MediaInfo | None = None
    try:
        with open(p, "rb") as fh:
            im = open_file(fh, p, p, fmts, DEFAULT_MAX_PIXELS, check=False)
            mime = Image.MIME.get(im.format or "", ft.mime)
            n = int(getattr(im, "n_frames", 1) or 1)
            duration, fps = _animation_timing(im, n)
            im.seek(0)
            info = MediaInfo("image", mime, im.width, im.height, im.mode, n, duration, fps, None, im.format)
            check_size(im, p, p, DEFAULT_MAX_PIXELS)
    except Exception as exc:  # noqa: BLE001 - probe never raises
        if isinstance(exc, UnsupportedMedia) and ft.kind == "other":
            msg = f"{p}: not an image or video (sniffed {ft.mime})"
            return MediaInfo("other", ft.mime, error=f"UnsupportedMedia: {msg}")
        err = decode_error(exc, p, p, "reading the header") if not isinstance(exc, KitError) else exc
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


def _animation_timing(im: Image.Image, n: int) -> tuple[float | None, float | None]:
    """Seconds and frames per second of an animation of ``n`` frames (up to 1000), from the frames'
    durations; None, None for a still image, no durations or a frame that cannot be read."""
    duration = fps = None
    if 1 < n <= 1000:
        try:
            total = 0.0
            for i in range(n):
                im.seek(i)
                total += float(im.info.get("duration", 0) or 0)
            if total > 0:
                duration, fps = total / 1000.0, n * 1000.0 / total
        except Exception:  # noqa: BLE001 - a broken later frame shows in probe's error
            pass
    return duration, fps


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
