"""Tests for kit.video: facts, sampled frames, scene keyframes, unreadable files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kit.errors import CorruptMedia, MediaError, TruncatedMedia, UnsupportedMedia
from kit.media import probe
from kit.video import Frame, VideoInfo, iter_frames, keyframes, video_info

cv2 = pytest.importorskip("cv2")

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TMK = SHARED / "video" / "tmk-samples"
W, H, FPS = 96, 64, 10


def write_video(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """Write RGB frames as an MPEG-4 Part 2 ('mp4v') MP4."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (W, H))
    assert writer.isOpened()
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def scene_frames() -> list[np.ndarray]:
    """3 scenes x 1.5 s: red with a moving square, blue checkerboard, noisy gray ramp."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(15):
        f = np.full((H, W, 3), (200, 30, 30), np.uint8)
        f[20:36, 4 + 3 * i : 20 + 3 * i] = 255
        frames.append(f)
    board = (((np.arange(H)[:, None] // 8) + (np.arange(W)[None, :] // 8)) % 2).astype(np.uint8)
    for i in range(15):
        f = np.zeros((H, W, 3), np.uint8)
        f[..., 2] = 60 + 180 * board
        frames.append(np.roll(f, i, axis=1))
    ramp = np.tile(np.linspace(0, 255, W, dtype=np.uint8), (H, 1))
    for i in range(15):
        g = np.clip(ramp.astype(int) + rng.integers(-8, 8, (H, W)), 0, 255).astype(np.uint8)
        frames.append(np.repeat(g[..., None], 3, axis=2))
    return frames


def ramp_frames(n: int = 50) -> list[np.ndarray]:
    """Frame i is flat gray at level 4 * i + 20, so a frame's index can be read back."""
    return [np.full((H, W, 3), 4 * i + 20, np.uint8) for i in range(n)]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("video")
    five = write_video(d / "five.mp4", ramp_frames())
    data = five.read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    (d / "text.mp4").write_text("this is not a video\n" * 20)
    (d / "image.mp4").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    # complete boxes, but the moov box is garbage
    junk = np.random.default_rng(1).bytes(200)
    (d / "garbage.mp4").write_bytes(
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + (8 + len(junk)).to_bytes(4, "big") + b"moov" + junk
    )
    return {
        "five": five,
        "scenes": write_video(d / "scenes.mp4", scene_frames()),
        **{k: d / f"{k}.mp4" for k in ("truncated", "text", "image", "garbage")},
    }


def test_video_info(clips):
    info = video_info(clips["five"])
    assert info == VideoInfo(5.0, 10.0, 50, W, H, info.codec)
    assert info.codec.lower() in ("fmp4", "mp4v")


def test_iter_frames_every_second(clips):
    frames = list(iter_frames(clips["five"], every_s=1.0))
    assert [f.index for f in frames] == [0, 10, 20, 30, 40]
    assert [f.seconds for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0]
    for f in frames:
        assert isinstance(f, Frame) and f.image.shape == (H, W, 3) and f.image.dtype == np.uint8
        assert abs(float(f.image.mean()) - (4 * f.index + 20)) < 4  # the right frame was decoded


@pytest.mark.parametrize(
    "every_s, max_frames, indices",
    [
        pytest.param(2.5, None, [0, 25], id="2.5s"),
        pytest.param(1.0, 2, [0, 10], id="max-frames"),
        pytest.param(0.01, None, list(range(50)), id="faster-than-fps"),
        pytest.param(0.15, 4, [0, 2, 3, 5], id="between-frames"),
    ],
)
def test_iter_frames_sampling(clips, every_s, max_frames, indices):
    assert [f.index for f in iter_frames(clips["five"], every_s, max_frames)] == indices


def test_keyframes_find_three_scenes(clips):
    keys = keyframes(clips["scenes"])
    assert [k.index for k in keys] == [0, 15, 30]
    assert keys[1].image[..., 2].mean() > keys[1].image[..., 0].mean()  # blue scene
    assert [k.index for k in keyframes(clips["scenes"], max_frames=2)] == [0, 15]
    assert [k.index for k in keyframes(clips["scenes"], threshold=1.0)] == [0]
    assert [k.index for k in keyframes(clips["five"])] != []  # a slow fade: first frame at least


BAD = [
    pytest.param("truncated", TruncatedMedia, "declares", id="truncated-mp4"),
    pytest.param("text", UnsupportedMedia, "not a video container", id="text-as-mp4"),
    pytest.param("image", UnsupportedMedia, "is an image", id="png-as-mp4"),
    pytest.param("garbage", CorruptMedia, "could not be opened", id="garbage-moov"),
]


@pytest.mark.parametrize("name, exc, text", BAD)
def test_unreadable_videos(clips, name, exc, text):
    path = clips[name]
    for fn in (video_info, lambda p: list(iter_frames(p)), keyframes):
        with pytest.raises(exc, match=text) as info:
            fn(path)
        assert str(path) in str(info.value) and info.value.path == str(path)
    assert probe(path).error.startswith(exc.__name__) or name == "image"


@pytest.mark.parametrize(
    "kw", [{"every_s": 0}, {"every_s": float("nan")}, {"max_frames": 0}], ids=["zero", "nan", "max0"]
)
def test_bad_arguments(clips, kw):
    with pytest.raises(ValueError):
        list(iter_frames(clips["five"], **kw))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        video_info(tmp_path / "none.mp4")
    with pytest.raises(ValueError):
        keyframes(tmp_path / "none.mp4", threshold=0)


def test_probe_video(clips):
    info = probe(clips["five"])
    assert (info.kind, info.width, info.height, info.n_frames, info.fps, info.duration, info.error) == (
        "video", W, H, 50, 10.0, 5.0, None
    )


# ---------------------------------------------------------------- outside reference
def _ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,avg_frame_rate,nb_frames", "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    )
    return json.loads(out.stdout)["streams"][0]


@pytest.mark.shared
@pytest.mark.skipif(not TMK.exists() or shutil.which("ffprobe") is None, reason="../shared/data or ffprobe absent")
def test_video_info_matches_ffprobe():
    files = sorted(TMK.glob("*.mp4"))
    assert len(files) >= 10
    for path in files:
        ref = _ffprobe(path)
        num, den = (int(x) for x in ref["avg_frame_rate"].split("/"))
        info = video_info(path)
        assert (info.width, info.height, info.frame_count) == (ref["width"], ref["height"], int(ref["nb_frames"]))
        assert info.fps == pytest.approx(num / den)
        assert info.duration == pytest.approx(int(ref["nb_frames"]) * den / num)


@pytest.mark.shared
@pytest.mark.skipif(not TMK.exists(), reason="../shared/data absent")
def test_real_clip_frames():
    path = TMK / "doorknob-hd-no-bar.mp4"  # 4.0 s, 30 fps, 1280x720
    frames = list(iter_frames(path, every_s=1.0))
    assert [f.index for f in frames] == [0, 30, 60, 90]
    assert frames[0].image.shape == (720, 1280, 3)
    keys = keyframes(path)
    assert keys[0].index == 0 and all(b.seconds - a.seconds >= 0.5 for a, b in zip(keys, keys[1:]))


def test_video_errors_are_media_errors():
    assert issubclass(UnsupportedMedia, MediaError) and issubclass(TruncatedMedia, MediaError)
