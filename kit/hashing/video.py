"""Video hashes: per-second PDQ (vPDQ) and keyframe image hashes.

:func:`video_pdq` hashes one frame a second with PDQ, skips frames whose
quality is under ``min_quality`` (50: black or flat frames), and returns
:class:`VideoFrameHash` rows; :func:`to_vpdq_lines` / :func:`from_vpdq_lines`
write and read Meta's vPDQ line format ``frame,quality,pdq_hex,seconds``.
Frames are also hashed after removing uniform bars (letterbox / pillarbox),
which platforms add or remove.

:func:`video_similarity` is vPDQ's rule: the share of A's frames that have a
frame of B within ``distance`` (31), and the same from B to A; two videos
match when both shares reach the threshold (:func:`videos_match`).

Examples
--------
>>> from kit.hashing.video import VideoFrameHash, to_vpdq_lines, from_vpdq_lines, video_similarity
>>> f = [VideoFrameHash(0, 100, "0" * 64, 0.0), VideoFrameHash(1, 90, "f" * 64, 1.0)]
>>> to_vpdq_lines(f)[0]
'0,100,0000000000000000000000000000000000000000000000000000000000000000,0.000'
>>> from_vpdq_lines(to_vpdq_lines(f)) == f
True
>>> video_similarity(f, f[:1])
(0.5, 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kit.errors import MediaError
from kit.hashing.image import pdq_from_rgb
from kit.hashing.preprocess import content_box, crop
from kit.hashing.values import hamming_matrix, pack

__all__ = [
    "VideoFrameHash",
    "video_pdq",
    "to_vpdq_lines",
    "from_vpdq_lines",
    "video_similarity",
    "videos_match",
    "hash_video_file",
]


@dataclass(frozen=True)
class VideoFrameHash:
    """One sampled frame: index (in sampling order), PDQ quality, PDQ hex, time in seconds."""

    frame: int
    quality: int
    pdq: str
    seconds: float


def _frames(path: str | Path, every_s: float, max_frames: int | None) -> Iterator[tuple[float, np.ndarray]]:
    iter_frames = None
    for mod in ("kit.video", "kit.media"):
        try:
            iter_frames = getattr(__import__(mod, fromlist=["iter_frames"]), "iter_frames")
            break
        except (ImportError, AttributeError):
            continue
    if iter_frames is not None:
        for fr in iter_frames(path, every_s=every_s, max_frames=max_frames):
            yield float(fr.seconds), fr.image
        return
    import cv2  # pragma: no cover - fallback while kit.media is absent

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise MediaError(f"{path}: cannot open video", path=path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    step = max(1, round(fps * every_s))
    i = n = 0
    try:
        while max_frames is None or n < max_frames:
            ok = cap.grab()
            if not ok:
                break
            if i % step == 0:
                ok, bgr = cap.retrieve()
                if ok:
                    yield i / fps, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    n += 1
            i += 1
    finally:
        cap.release()


def _frame_rows(frames: Iterable[tuple[float, np.ndarray]], min_quality: int,
                keep_images: bool) -> tuple[list[VideoFrameHash], list[VideoFrameHash], list]:
    raw, trimmed, images = [], [], []
    for k, (sec, rgb) in enumerate(frames):
        p = pdq_from_rgb(rgb)
        box = content_box(rgb)
        t = pdq_from_rgb(np.ascontiguousarray(crop(rgb, box))) if box.reason == "border" else p
        if p.quality >= min_quality:
            raw.append(VideoFrameHash(k, p.quality, str(p.hash), round(sec, 3)))
        if t.quality >= min_quality:
            trimmed.append(VideoFrameHash(k, t.quality, str(t.hash), round(sec, 3)))
        if keep_images:
            images.append((sec, rgb, t if t.quality >= min_quality else None))
    return raw, trimmed, images


def video_pdq(path: str | Path, *, every_s: float = 1.0, min_quality: int = 50,
              max_frames: int | None = 600, trim: bool = False) -> list[VideoFrameHash]:
    """PDQ of one frame every ``every_s`` seconds, frames under ``min_quality`` skipped.

    ``trim=True`` hashes each frame after removing uniform bars.
    """
    raw, trimmed, _ = _frame_rows(_frames(path, every_s, max_frames), min_quality, False)
    return trimmed if trim else raw


def to_vpdq_lines(frames: Iterable[VideoFrameHash]) -> list[str]:
    """vPDQ text lines ``frame,quality,pdq_hex,seconds``."""
    return [f"{f.frame},{f.quality},{f.pdq},{f.seconds:.3f}" for f in frames]


def from_vpdq_lines(lines: Iterable[str]) -> list[VideoFrameHash]:
    """Parse vPDQ lines (blank lines and ``#`` comments ignored)."""
    out = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(",")
        try:
            out.append(VideoFrameHash(int(parts[0]), int(parts[1]), parts[2].lower(), float(parts[3])))
        except (IndexError, ValueError) as exc:
            raise ValueError(f"vPDQ line {n} is malformed: {line[:80]!r}") from exc
    return out


def _hexes(frames: Any) -> list[str]:
    return [f.pdq if isinstance(f, VideoFrameHash) else (f["pdq"] if isinstance(f, dict) else str(f))
            for f in frames]


def video_similarity(a: Any, b: Any, *, distance: int = 31) -> tuple[float, float]:
    """vPDQ similarity: (share of A's frames matched in B, share of B's matched in A).

    ``a`` / ``b``: lists of :class:`VideoFrameHash`, payload dicts or hex strings.
    """
    ha, hb = _hexes(a), _hexes(b)
    if not ha or not hb:
        return 0.0, 0.0
    d = hamming_matrix(pack(sorted(set(ha))), pack(sorted(set(hb))))
    ua, ub = sorted(set(ha)), sorted(set(hb))
    ma = dict(zip(ua, (d <= distance).any(axis=1)))
    mb = dict(zip(ub, (d <= distance).any(axis=0)))
    return (float(np.mean([ma[h] for h in ha])), float(np.mean([mb[h] for h in hb])))


def videos_match(a: Any, b: Any, *, distance: int = 31, threshold: float = 0.5) -> bool:
    """True when both vPDQ shares reach ``threshold`` (vPDQ's default rule uses 50 %)."""
    qa, qb = video_similarity(a, b, distance=distance)
    return qa >= threshold and qb >= threshold


def hash_video_file(path: str | Path, *, every_s: float = 1.0, min_quality: int = 50,
                    max_frames: int | None = 600, max_keyframes: int = 8) -> dict[str, Any]:
    """The ``hash.video`` step: digests, vPDQ frames (raw and bar-trimmed), keyframe hashes.

    Keyframes are the sampled frames whose trimmed PDQ is more than 63 bits
    from every keyframe kept so far (at most ``max_keyframes``); each is hashed
    like an image (:func:`kit.hashing.record.hash_array`) so a still taken from
    the video matches it.
    """
    from kit.hashing.record import file_digests, hash_array

    out: dict[str, Any] = dict(file_digests(path))
    raw, trimmed, images = _frame_rows(_frames(path, every_s, max_frames), min_quality, True)
    keys: list[dict[str, Any]] = []
    kept: list[str] = []
    for sec, rgb, t in images:
        if t is None or len(keys) >= max_keyframes:
            continue
        if kept and int(hamming_matrix(pack(kept), pack([str(t.hash)])).min()) <= 63:
            continue
        kept.append(str(t.hash))
        rec = hash_array(rgb)
        rec["seconds"] = round(sec, 3)
        keys.append(rec)
    out.update({
        "frames": len(images),
        "vpdq": to_vpdq_lines(raw),
        "vpdq_trimmed": to_vpdq_lines(trimmed),
        "keyframes": keys,
    })
    return out
