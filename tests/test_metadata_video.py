"""kit.metadata.video: ffprobe and OpenCV container facts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import kit.metadata.video as vid
from kit.metadata import extract

FFPROBE = shutil.which("ffprobe")
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
META = SHARED / "metadata"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import cv2

    path = tmp_path_factory.mktemp("v") / "clip.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(20):
        w.write((rng.random((48, 64, 3)) * 255).astype(np.uint8))
    w.release()
    return path


@pytest.mark.skipif(FFPROBE is None, reason="ffprobe not installed")
def test_ffprobe(clip: Path) -> None:
    g = vid.video_group(clip)
    assert g["Probe"] == "ffprobe"
    assert (g["Width"], g["Height"], g["FPS"], g["FrameCount"]) == (64, 48, 10.0, 20)
    assert g["Duration"] == pytest.approx(2.0, abs=0.01)
    assert g["VideoCodec"] == "mpeg4" and "mp4" in g["Container"]


def test_opencv_fallback(clip: Path) -> None:
    g = vid.video_group(clip, use_ffprobe=False)
    assert g["Probe"] == "opencv"
    assert (g["Width"], g["Height"], g["FPS"], g["FrameCount"]) == (64, 48, 10.0, 20)


def test_extract_says_which_probe(clip: Path) -> None:
    meta = extract(clip, use_ffprobe=False, c2pa=False)
    assert meta.get("Video", "Probe") == "opencv"
    assert (meta.get("File", "ImageWidth"), meta.get("File", "Kind")) == (64, "video")


def test_opencv_cannot_open(tmp_path: Path) -> None:
    p = tmp_path / "junk.mp4"
    p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(ValueError, match="OpenCV"):
        vid.probe_opencv(p)
    meta = extract(p, use_ffprobe=False, c2pa=False)
    assert any(w.startswith("Video: ValueError") for w in meta.warnings)


@pytest.mark.skipif(FFPROBE is None, reason="ffprobe not installed")
def test_ffprobe_timeout_and_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(ValueError, match="ffprobe failed"):
        vid.probe_ffprobe(bad)

    def _slow(*a: object, **k: object) -> None:
        raise subprocess.TimeoutExpired(cmd="ffprobe", timeout=1)

    monkeypatch.setattr(vid.subprocess, "run", _slow)
    with pytest.raises(ValueError, match="longer than"):
        vid.probe_ffprobe(bad, timeout=1)


@pytest.mark.parametrize(
    ("stream", "rotation"),
    [
        pytest.param({"side_data_list": [{"rotation": -90}]}, -90.0, id="side-data"),
        pytest.param({"tags": {"rotate": "90"}}, 90.0, id="legacy-tag"),
        pytest.param({}, None, id="none"),
    ],
)
def test_rotation(stream: dict, rotation: float | None) -> None:
    info = {"format": {}, "streams": [{"codec_type": "video", **stream}]}
    assert vid.summarise_ffprobe(info).get("Rotation") == rotation


@pytest.mark.skipif(FFPROBE is None or not META.exists(), reason="ffprobe or ../shared/data absent")
def test_video1_against_exiftool_golden() -> None:
    gold = json.loads((META / "goldens" / "c2pa" / "video1.mp4.json").read_text())[0]
    g = extract(META / "c2pa" / "video1.mp4", c2pa=False).groups["Video"]
    assert (g["Width"], g["Height"]) == (gold["Track1:ImageWidth"], gold["Track1:ImageHeight"])
    assert g["Duration"] == pytest.approx(gold["QuickTime:Duration"], abs=0.05)
    assert g["CreationTime"].strftime("%Y:%m:%d %H:%M:%S") == gold["QuickTime:CreateDate"]
