"""Video facts, sampled frames and scene-change keyframes (OpenCV / FFmpeg).

:func:`video_info` reads duration, frame rate, size and codec;
:func:`iter_frames` yields RGB frames at a fixed interval;
:func:`keyframes` picks one frame per scene. Files that cannot be read raise
:class:`~kit.errors.UnsupportedMedia` (not a video container),
:class:`~kit.errors.TruncatedMedia` (an MP4/MOV whose boxes run past the end
of the file) or :class:`~kit.errors.CorruptMedia` (anything else).

OpenCV is imported when a function is first called. Videos are opened with
the FFmpeg backend only, so a file name is never read as an image-sequence
pattern. For hostile files, run these in a :class:`kit.sandbox.Sandbox`
(``call_isolated(keyframes, path)``).

Examples
--------
>>> import tempfile, os
>>> with tempfile.TemporaryDirectory() as d:
...     p = os.path.join(d, "fake.mp4")
...     _ = open(p, "w").write("just text")
...     video_info(p)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kit.errors.UnsupportedMedia: ...fake.mp4: not a video container OpenCV/FFmpeg can read (sniffed application/octet-stream)
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from kit.errors import CorruptMedia, TruncatedMedia, UnsupportedMedia
from kit.sniff import sniff_path

__all__ = ["Frame", "VideoInfo", "iter_frames", "keyframes", "video_info"]

_MAX_FPS = 1000.0


@dataclass(frozen=True)
class VideoInfo:
    """Container facts of a video.

    Attributes
    ----------
    duration
        Seconds (``frame_count / fps``).
    fps
        Frames per second as the container declares it.
    frame_count
        Frames (declared; counted by decoding when the container does not say).
    width, height
        Frame size in pixels.
    codec
        FourCC of the video codec (``"avc1"``, ``"mp4v"``, ``"h264"``...), ``""`` if unknown.
    """

    duration: float
    fps: float
    frame_count: int
    width: int
    height: int
    codec: str


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded frame: its 0-based ``index``, time in ``seconds`` and RGB ``image`` (HxWx3 uint8)."""

    index: int
    seconds: float
    image: np.ndarray

    def __repr__(self) -> str:
        return f"Frame(index={self.index}, seconds={self.seconds:.3f}, image={self.image.shape})"


def _mp4_problem(path: str) -> str | None:
    """For ISO-BMFF files: why the box structure is incomplete, else ``None``."""
    size = os.path.getsize(path)
    pos, seen = 0, set()
    with open(path, "rb") as fh:
        while pos < size:
            fh.seek(pos)
            head = fh.read(16)
            if len(head) < 8:
                return f"a {len(head)}-byte fragment follows the last box at offset {pos}"
            n, kind = struct.unpack(">I4s", head[:8])
            if n == 1:
                if len(head) < 16:
                    return f"box header cut at offset {pos}"
                n = struct.unpack(">Q", head[8:16])[0]
            elif n == 0:
                n = size - pos
            if n < 8:
                return f"invalid box size {n} at offset {pos}"
            if pos + n > size:
                name = kind.decode("latin-1")
                return f"box '{name}' at offset {pos} declares {n} bytes but the file ends after {size - pos}"
            seen.add(kind)
            pos += n
    if b"moov" not in seen:
        return "no 'moov' box (the index is missing: recording not finalised or file cut)"
    return None


def _open(path: str | os.PathLike) -> Any:
    import cv2

    p = os.fspath(path)
    if not os.path.isfile(p):
        raise FileNotFoundError(f"{p}: no such file")
    ft = sniff_path(p)
    if ft.kind == "image":
        raise UnsupportedMedia(f"{p}: is an image ({ft.mime}), not a video; use kit.media.load_image", path=p)
    cap = cv2.VideoCapture(p, cv2.CAP_FFMPEG)
    if cap.isOpened():
        return cap
    cap.release()
    if ft.kind != "video":
        raise UnsupportedMedia(f"{p}: not a video container OpenCV/FFmpeg can read (sniffed {ft.mime})", path=p)
    if ft.mime in ("video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "video/3gpp2"):
        why = _mp4_problem(p)
        if why is not None:
            raise TruncatedMedia(f"{p}: {ft.mime} file is truncated or incomplete: {why}", path=p)
    raise CorruptMedia(
        f"{p}: {ft.mime} file could not be opened by OpenCV/FFmpeg (damaged or unsupported codec)", path=p
    )


def _facts(cap: Any, p: str) -> tuple[float, int, int, int, str]:
    import cv2

    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not (math.isfinite(fps) and 0 < fps <= _MAX_FPS):
        raise CorruptMedia(f"{p}: the container declares no usable frame rate ({fps!r})", path=p)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if w <= 0 or h <= 0:
        raise CorruptMedia(f"{p}: the container declares an empty frame size {w}x{h}", path=p)
    n = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    n = int(n) if n and math.isfinite(n) and n > 0 else 0
    code = int(cap.get(cv2.CAP_PROP_FOURCC) or 0)
    codec = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ") if code > 0 else ""
    return fps, n, w, h, codec


def video_info(path: str | os.PathLike) -> VideoInfo:
    """Duration, frame rate, frame count, size and codec of a video.

    When the container does not declare a frame count, the frames are
    counted by reading the file to the end.

    Raises
    ------
    UnsupportedMedia, TruncatedMedia, CorruptMedia
        The file is not a readable video (see the module docstring).
    FileNotFoundError
        No such file.
    """
    p = os.fspath(path)
    cap = _open(p)
    try:
        fps, n, w, h, codec = _facts(cap, p)
        if n <= 0:
            while cap.grab():
                n += 1
            if n == 0:
                raise CorruptMedia(f"{p}: no frame could be read", path=p)
        return VideoInfo(n / fps, fps, n, w, h, codec)
    finally:
        cap.release()


def iter_frames(path: str | os.PathLike, every_s: float = 1.0, max_frames: int | None = None) -> Iterator[Frame]:
    """Yield one RGB frame every ``every_s`` seconds, starting with frame 0.

    Frame ``i`` is at ``i / fps`` seconds; the frame yielded for sample time
    ``k * every_s`` is the first frame at or after it. Frames in between are
    only grabbed (demuxed and decoded, not colour-converted or copied).

    Parameters
    ----------
    path
        The video.
    every_s
        Sampling interval in seconds (> 0); below ``1 / fps`` every frame is yielded.
    max_frames
        Stop after this many frames (``None``: to the end).

    Raises
    ------
    UnsupportedMedia, TruncatedMedia, CorruptMedia
        Unreadable file, or not one frame decodes.
    """
    import cv2

    if not (every_s > 0 and math.isfinite(every_s)):
        raise ValueError(f"every_s must be a positive number of seconds, got {every_s!r}")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1 or None, got {max_frames!r}")
    p = os.fspath(path)
    cap = _open(p)
    try:
        fps = _facts(cap, p)[0]
        index, taken, next_t = 0, 0, 0.0
        eps = 1e-6  # float rounding only: the first frame at or after each sample time
        while max_frames is None or taken < max_frames:
            if not cap.grab():
                break
            t = index / fps
            if t + eps >= next_t:
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    break
                yield Frame(index, t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                taken += 1
                next_t = (math.floor((t + eps) / every_s) + 1) * every_s
            index += 1
        if index == 0:
            raise CorruptMedia(f"{p}: no frame could be decoded", path=p)
    finally:
        cap.release()


def _signature(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    thumb = cv2.resize(rgb, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hist = np.bincount((gray >> 4).ravel(), minlength=16).astype(np.float64)
    return thumb, hist / max(hist.sum(), 1.0)


def _distance(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    mad = float(np.abs(a[0] - b[0]).mean()) / 255.0
    tv = 0.5 * float(np.abs(a[1] - b[1]).sum())
    return 0.5 * mad + 0.5 * tv


def keyframes(
    path: str | os.PathLike,
    threshold: float = 0.3,
    min_gap_s: float = 0.5,
    max_frames: int | None = 100,
    sample_s: float = 0.1,
) -> list[Frame]:
    """One frame per scene: the first frame, then each frame that differs enough.

    The rule: frames are examined every ``sample_s`` seconds. Each gets a
    signature, a 32x32 area-downscaled RGB thumbnail and a 16-bin gray
    histogram. The distance between two frames is
    ``0.5 * MAD + 0.5 * TV`` where MAD is the thumbnails' mean absolute
    difference / 255 and TV the histograms' total-variation distance (half the
    L1 norm), both in [0, 1]. A frame becomes a keyframe when its distance to
    the **last keyframe** is at least ``threshold`` and it comes at least
    ``min_gap_s`` seconds after it. Comparing with the last keyframe (not the
    previous frame) also catches slow fades and pans once they add up.

    Parameters
    ----------
    path
        The video.
    threshold
        Distance in [0, 1] that starts a new scene (0.3: a cut between
        different shots; compression noise and small motion stay under ~0.1).
    min_gap_s
        Least time between two keyframes (suppresses flashes).
    max_frames
        Most keyframes returned (``None``: no limit).
    sample_s
        Interval at which frames are examined.

    Returns
    -------
    list of Frame
        In time order; the first frame is always included.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    out: list[Frame] = []
    last: tuple[np.ndarray, np.ndarray] | None = None
    for frame in iter_frames(path, every_s=sample_s):
        sig = _signature(frame.image)
        if last is None or (
            frame.seconds - out[-1].seconds >= min_gap_s - 1e-9 and _distance(sig, last) >= threshold
        ):
            out.append(frame)
            last = sig
            if max_frames is not None and len(out) >= max_frames:
                break
    return out
