"""Video container facts: ffprobe when it is on PATH, OpenCV otherwise.

``Video:Probe`` says which was used. ffprobe runs as a subprocess with a
timeout; OpenCV only knows codec, size, fps and frame count.

Examples
--------
>>> summarise_ffprobe({"format": {"format_name": "mov,mp4", "duration": "2.0",
...     "tags": {"encoder": "Lavf60"}}, "streams": [{"codec_type": "video",
...     "codec_name": "h264", "width": 720, "height": 1280, "avg_frame_rate": "30/1"}]})["FPS"]
30.0
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["video_group", "probe_ffprobe", "probe_opencv", "summarise_ffprobe", "FFPROBE_TIMEOUT"]

FFPROBE_TIMEOUT = 20.0


def _rate(text: Any) -> float | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    num, _, den = text.partition("/")
    try:
        n, d = float(num), float(den)
    except ValueError:
        return None
    return round(n / d, 3) if d else None


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _when(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
    return v


def summarise_ffprobe(info: dict[str, Any]) -> dict[str, Any]:
    """Turn ``ffprobe -show_format -show_streams`` JSON into the ``Video`` group."""
    fmt = info.get("format") or {}
    streams = [s for s in info.get("streams") or [] if isinstance(s, dict)]
    video = next((s for s in streams if s.get("codec_type") == "video"), {})
    audio = next((s for s in streams if s.get("codec_type") == "audio"), {})
    ftags = {str(k).lower(): v for k, v in (fmt.get("tags") or {}).items()}
    vtags = {str(k).lower(): v for k, v in (video.get("tags") or {}).items()}
    rotation = None
    for side in video.get("side_data_list") or []:
        if isinstance(side, dict) and "rotation" in side:
            rotation = _float(side["rotation"])
    if rotation is None and "rotate" in vtags:
        rotation = _float(vtags["rotate"])
    out: dict[str, Any] = {
        "Probe": "ffprobe",
        "Container": fmt.get("format_name"),
        "ContainerLongName": fmt.get("format_long_name"),
        "Duration": _float(fmt.get("duration")) or _float(video.get("duration")),
        "BitRate": _float(fmt.get("bit_rate")),
        "VideoCodec": video.get("codec_name"),
        "VideoProfile": video.get("profile"),
        "Width": video.get("width"),
        "Height": video.get("height"),
        "FPS": _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        "FrameCount": int(video["nb_frames"]) if str(video.get("nb_frames", "")).isdigit() else None,
        "PixelFormat": video.get("pix_fmt"),
        "Rotation": rotation,
        "AudioCodec": audio.get("codec_name"),
        "StreamCount": len(streams),
        "CreationTime": _when(ftags.get("creation_time") or vtags.get("creation_time")),
        "Encoder": ftags.get("encoder") or vtags.get("encoder"),
        "MajorBrand": ftags.get("major_brand"),
        "ContainerTags": {k: v for k, v in ftags.items() if k not in ("creation_time", "encoder")},
    }
    return {k: v for k, v in out.items() if v not in (None, {}, "")}


def probe_ffprobe(path: str | Path, *, timeout: float = FFPROBE_TIMEOUT) -> dict[str, Any]:
    """Run ffprobe (JSON output) on ``path``; raises ``ValueError`` when it fails."""
    exe = shutil.which("ffprobe")
    if exe is None:
        raise FileNotFoundError("ffprobe is not on PATH")
    cmd = [exe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise ValueError(f"ffprobe took longer than {timeout:.0f} s") from exc
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"ffprobe failed: {msg[-1] if msg else proc.returncode}")
    try:
        return json.loads(proc.stdout or b"{}")
    except json.JSONDecodeError as exc:
        raise ValueError("ffprobe printed invalid JSON") from exc


def probe_opencv(path: str | Path) -> dict[str, Any]:
    """Container facts OpenCV can tell (codec FourCC, size, fps, frame count)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ValueError("OpenCV cannot open the video")
        fourcc = int(cap.get(cv2.CAP_PROP_FOURCC))
        codec = "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ") or None
        fps = cap.get(cv2.CAP_PROP_FPS) or None
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        out = {
            "Probe": "opencv",
            "VideoCodec": codec,
            "Width": int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) or None,
            "Height": int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) or None,
            "FPS": round(fps, 3) if fps else None,
            "FrameCount": frames,
            "Duration": round(frames / fps, 3) if fps and frames else None,
        }
    finally:
        cap.release()
    return {k: v for k, v in out.items() if v is not None}


def video_group(path: str | Path, *, use_ffprobe: bool = True) -> dict[str, Any]:
    """The ``Video`` group: ffprobe when installed (and ``use_ffprobe``), else OpenCV."""
    if use_ffprobe and shutil.which("ffprobe"):
        return summarise_ffprobe(probe_ffprobe(path))
    return probe_opencv(path)
