"""Tests for kit.media: image loading, conversions, limits and hostile files."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kit.errors import (
    CorruptMedia,
    DecompressionBomb,
    MediaError,
    TruncatedMedia,
    UnsupportedMedia,
)
from kit.media import (
    DEFAULT_MAX_PIXELS,
    MediaInfo,
    MediaWarning,
    load_image,
    load_image_safe,
    open_image,
    probe,
)
from kit.sandbox import Sandbox

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HOSTILE = SHARED / "hostile" / "pillow"
ORIENTATION = SHARED / "metadata" / "exif-py" / "jpg" / "orientation"


# ---------------------------------------------------------------- fixtures
def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def asymmetric() -> np.ndarray:
    """A 3x5 RGB image in which every pixel differs (no symmetry)."""
    return (np.arange(3 * 5 * 3, dtype=np.uint8).reshape(3, 5, 3) * 5 + 7).astype(np.uint8)


def exif_orientation(n: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = n
    return exif


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height`` with one tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


# The display transform for each EXIF orientation, written independently of
# Pillow (numpy on an HxWxC array), from the EXIF 2.3 specification.
MANUAL = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirror horizontal
    3: lambda a: a[::-1, ::-1],  # rotate 180
    4: lambda a: a[::-1, :],  # mirror vertical
    5: lambda a: a.transpose(1, 0, 2),  # mirror horizontal + rotate 270 CW
    6: lambda a: np.rot90(a, -1),  # rotate 90 CW
    7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),  # mirror horizontal + rotate 90 CW
    8: lambda a: np.rot90(a, 1),  # rotate 270 CW
}


@pytest.mark.parametrize("n", [pytest.param(n, id=f"orientation-{n}") for n in range(1, 9)])
def test_exif_orientation(n):
    pixels = asymmetric()
    data = encode(Image.fromarray(pixels), "PNG", exif=exif_orientation(n))
    got = load_image(data)
    np.testing.assert_array_equal(got, MANUAL[n](pixels))
    np.testing.assert_array_equal(load_image(data, apply_orientation=False), pixels)


def test_bad_exif_falls_back_with_warning(monkeypatch):
    pixels = asymmetric()
    data = encode(Image.fromarray(pixels), "PNG", exif=exif_orientation(6))

    def broken(self):
        raise SyntaxError("not a TIFF IFD")

    monkeypatch.setattr(Image.Image, "getexif", broken)
    with pytest.warns(MediaWarning, match="orientation not applied"):
        got = load_image(data)
    np.testing.assert_array_equal(got, pixels)


def _palette_with_transparency() -> bytes:
    im = Image.new("P", (4, 2), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.putpixel((1, 0), 1)
    return encode(im, "PNG", transparency=0)


def _cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG", quality=95)


def _gray16() -> bytes:
    a = np.array([[0, 255, 256, 65535]], dtype=np.uint16)
    return encode(Image.fromarray(a), "PNG")


def _float_tiff() -> bytes:
    return encode(Image.fromarray(np.array([[-1.0, 1.0, 3.0]], dtype=np.float32)), "TIFF")


def _bilevel() -> bytes:
    im = Image.new("1", (3, 1), 0)
    im.putpixel((1, 0), 1)
    return encode(im, "PNG")


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (4, 4), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


CONVERSIONS = [
    # (make bytes, mode, expected array, tolerance)
    ("palette-transparency", _palette_with_transparency, "RGB",
     np.array([[[255, 255, 255], [0, 0, 255], [255, 255, 255], [255, 255, 255]]] + [[[255, 255, 255]] * 4]), 0),
    ("LA-on-white", lambda: encode(Image.fromarray(np.array([[[100, 0], [100, 255], [100, 128]]], np.uint8), "LA"), "PNG"),
     "L", np.array([[255, 100, 177]]), 1),
    ("RGBA-on-white", lambda: encode(Image.fromarray(np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [200, 0, 0, 128]]], np.uint8), "RGBA"), "PNG"),
     "RGB", np.array([[[255, 255, 255], [0, 0, 0], [227, 127, 127]]]), 1),
    ("CMYK-jpeg", _cmyk_jpeg, "RGB", np.full((16, 16, 3), [255, 0, 0]), 3),
    ("16-bit-png", _gray16, "L", np.array([[0, 0, 1, 255]]), 0),
    ("16-bit-png-rgb", _gray16, "RGB", np.repeat(np.array([[0, 0, 1, 255]])[..., None], 3, axis=2), 0),
    ("float-tiff", _float_tiff, "L", np.array([[0, 128, 255]]), 0),
    ("1-bit", _bilevel, "L", np.array([[0, 255, 0]]), 0),
    ("animated-gif-first-frame", _animated_gif, "RGB", np.full((4, 4, 3), [255, 0, 0]), 0),
]


@pytest.mark.parametrize("make, mode, expected, tol", [pytest.param(*c[1:], id=c[0]) for c in CONVERSIONS])
def test_mode_conversions(make, mode, expected, tol):
    got = load_image(make(), mode=mode)
    assert got.dtype == np.uint8 and got.shape == expected.shape
    assert np.abs(got.astype(int) - expected).max() <= tol, got


def _truncated_jpeg() -> bytes:
    rng = np.random.default_rng(0)
    data = encode(Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)), "JPEG")
    return data[: len(data) // 2]


ERRORS = [
    ("truncated-jpeg", _truncated_jpeg, {}, TruncatedMedia, "ends early"),
    ("truncated-png", lambda: encode(Image.new("RGB", (300, 300), (1, 2, 3)), "PNG")[:-40], {}, TruncatedMedia, "ends early"),
    ("random-bytes", lambda: np.random.default_rng(1).bytes(4096), {}, UnsupportedMedia, "not an image"),
    ("empty", lambda: b"", {}, UnsupportedMedia, "empty file"),
    ("mp4-header", lambda: b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64, {}, UnsupportedMedia, "is a video"),
    ("bomb-header", lambda: png_header_only(100_000, 100_000), {}, DecompressionBomb, "over the pixel limit"),
    ("pixel-limit", lambda: encode(Image.new("RGB", (10, 10)), "PNG"), {"max_pixels": 99}, DecompressionBomb, "100 pixels"),
    ("corrupt-png-data", lambda: _corrupt_png(), {}, CorruptMedia, "damaged or malformed"),
    ("format-not-enabled", lambda: encode(Image.new("RGB", (5, 5)), "SGI"), {}, UnsupportedMedia, "not an image"),
]


def _corrupt_png() -> bytes:
    data = bytearray(encode(Image.new("RGB", (64, 64), (9, 9, 9)), "PNG"))
    i = data.index(b"IDAT") + 4
    data[i : i + 20] = b"\xff" * 20  # garbage zlib stream, CRC left stale
    return bytes(data)


@pytest.mark.parametrize("make, kw, exc, text", [pytest.param(*c[1:], id=c[0]) for c in ERRORS])
def test_errors(make, kw, exc, text):
    start = time.perf_counter()
    with pytest.raises(exc, match=text) as info:
        load_image(make(), **kw)
    assert "<bytes>" in str(info.value)  # the message names the source
    assert time.perf_counter() - start < 2


def test_error_message_names_the_file(tmp_path):
    p = tmp_path / "cut.jpg"
    p.write_bytes(_truncated_jpeg())
    with pytest.raises(TruncatedMedia) as info:
        load_image(p)
    assert str(p) in str(info.value) and info.value.path == str(p)
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "missing.jpg")


def test_bomb_header_is_refused_without_allocating():
    # in a worker limited to 256 MiB: decoding 10^10 pixels would be a MemoryError
    with Sandbox(timeout=20, memory_mb=256) as sb:
        with pytest.raises(DecompressionBomb):
            load_image_safe(png_header_only(100_000, 100_000), sandbox=sb)
        with pytest.raises(DecompressionBomb):  # over Pillow's own limit too
            load_image_safe(png_header_only(20_000, 10_000), sandbox=sb)


def test_out_of_memory_in_worker_is_corrupt_media():
    # 10^8 pixels passes the pixel limit, but not a 400 MiB address-space limit
    with Sandbox(timeout=20, memory_mb=400) as sb:
        with pytest.raises(CorruptMedia, match="ran out of memory"):
            load_image_safe(png_header_only(10_000, 10_000), sandbox=sb)
        with pytest.raises(TruncatedMedia):  # small enough: allocated, then the data ends
            load_image_safe(png_header_only(2_000, 2_000), sandbox=sb)


def test_formats_none_enables_every_plugin():
    data = encode(Image.new("RGB", (5, 5), (1, 2, 3)), "SGI")
    assert load_image(data, formats=None)[0, 0].tolist() == [1, 2, 3]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("factor", [2, 4, 8])
def test_reduce(fmt, factor):
    rng = np.random.default_rng(3)
    pixels = np.kron(rng.integers(0, 255, (25, 25, 3), dtype=np.uint8), np.ones((32, 32, 1), np.uint8))
    data = encode(Image.fromarray(pixels[:, :-8]), fmt)  # 800 x 792
    full = load_image(data)
    small = load_image(data, reduce=factor)
    assert small.shape == (-(-800 // factor), -(-792 // factor), 3)
    if fmt == "PNG":  # box average of the decoded pixels
        expect = full[:800 // factor * factor, :792 // factor * factor].reshape(
            800 // factor, factor, 792 // factor, factor, 3).mean(axis=(1, 3))
        assert np.abs(small[: 800 // factor, : 792 // factor] - expect).max() <= 1
    else:  # DCT-scaled decode: close to the average of the full decode
        expect = full.reshape(800 // factor, factor, 792 // factor, factor, 3).mean(axis=(1, 3))
        assert np.abs(small.astype(float) - expect).mean() < 4


def test_sources_agree(tmp_path):
    pixels = asymmetric()
    data = encode(Image.fromarray(pixels), "PNG", exif=exif_orientation(6))
    p = tmp_path / "x.png"
    p.write_bytes(data)
    ref = load_image(p)
    pil = Image.open(io.BytesIO(data))
    for src in (str(p), data, bytearray(data), pil, ref):
        np.testing.assert_array_equal(load_image(src), ref)
    assert pil.size == (5, 3)  # the caller's image was not rotated in place
    assert load_image(p, mode="L").shape == (5, 3)


ARRAYS = [
    ("uint8-gray", np.array([[0, 7]], np.uint8), [[0, 7]]),
    ("bool", np.array([[True, False]]), [[255, 0]]),
    ("uint16", np.array([[0, 65535, 256]], np.uint16), [[0, 255, 1]]),
    ("float01", np.array([[0.0, 0.5, 1.0]]), [[0, 128, 255]]),
    ("float255", np.array([[0.0, 254.6]], np.float32), [[0, 255]]),
    ("float-range", np.array([[-2.0, 0.0, 2.0, np.nan]]), [[0, 128, 255, 0]]),
    ("int32-range", np.array([[-10, 0, 10]], np.int32), [[0, 128, 255]]),
    ("hw1", np.array([[[9], [8]]], np.uint8), [[9, 8]]),
]


@pytest.mark.parametrize("arr, expected", [pytest.param(*c[1:], id=c[0]) for c in ARRAYS])
def test_array_inputs(arr, expected):
    np.testing.assert_array_equal(load_image(arr, mode="L"), np.array(expected, np.uint8))
    assert load_image(arr).shape == np.array(expected).shape + (3,)


BAD_ARRAYS = [
    ("1d", np.zeros(5, np.uint8), ValueError),
    ("two-channels", np.zeros((2, 2, 2), np.uint8), ValueError),
    ("empty", np.zeros((0, 3), np.uint8), ValueError),
    ("object", np.array([[object()]]), ValueError),
    ("too-big", np.zeros((20, 20), np.uint8), DecompressionBomb),
]


@pytest.mark.parametrize("arr, exc", [pytest.param(*c[1:], id=c[0]) for c in BAD_ARRAYS])
def test_bad_arrays(arr, exc):
    with pytest.raises(exc):
        load_image(arr, max_pixels=100)


@pytest.mark.parametrize(
    "kw", [{"mode": "RGBA"}, {"reduce": 3}, {"max_pixels": 0}], ids=["mode", "reduce", "max-pixels"]
)
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        load_image(np.zeros((2, 2), np.uint8), **kw)
    with pytest.raises(TypeError):
        load_image(12345)


def test_open_image_returns_converted_pil():
    im = open_image(_cmyk_jpeg(), reduce=2)
    assert isinstance(im, Image.Image) and im.mode == "RGB" and im.size == (8, 8)


def test_probe(tmp_path):
    good = tmp_path / "a.gif"
    good.write_bytes(_animated_gif())
    info = probe(good)
    assert info == MediaInfo("image", "image/gif", 4, 4, "P", 3, 0.3, 10.0, None, "GIF")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(_truncated_jpeg())
    info = probe(cut)
    assert (info.kind, info.width, info.error.split(":")[0]) == ("image", 64, "TruncatedMedia")
    assert probe(cut, decode=False).error is None
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(100_000, 100_000))
    info = probe(bomb, decode=False)  # over Pillow's own limit: no size known
    assert info.kind == "image" and info.error.startswith("DecompressionBomb")
    assert probe(good, decode=False).error is None
    assert probe(tmp_path / "nope.png").error.startswith("FileNotFoundError")
    assert DEFAULT_MAX_PIXELS == 2 * Image.MAX_IMAGE_PIXELS


def test_load_image_safe_overhead(tmp_path):
    rng = np.random.default_rng(5)
    p = tmp_path / "1mp.jpg"
    Image.fromarray(rng.integers(0, 255, (1000, 1000, 3), dtype=np.uint8)).save(p, quality=90)
    with Sandbox(timeout=30) as sb:
        load_image_safe(p, sandbox=sb)  # start the worker
        n = 10
        t0 = time.perf_counter()
        for _ in range(n):
            direct = load_image(p)
        t1 = time.perf_counter()
        for _ in range(n):
            safe = load_image_safe(p, sandbox=sb)
        t2 = time.perf_counter()
    np.testing.assert_array_equal(direct, safe)
    d, s = (t1 - t0) / n, (t2 - t1) / n
    print(f"\n1 MP JPEG: load_image {d * 1e3:.1f} ms, load_image_safe {s * 1e3:.1f} ms, overhead {(s - d) * 1e3:.1f} ms")


# ---------------------------------------------------------------- outside references
def _dihedral(a: np.ndarray) -> dict[int, np.ndarray]:
    return {n: f(a) for n, f in MANUAL.items()}


@pytest.mark.shared
@pytest.mark.skipif(not ORIENTATION.exists(), reason="../shared/data absent")
@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_exif_py_orientation_set(kind):
    """exif-py's set: {kind}_N.jpg all show the same picture once orientation N is applied."""
    ref = load_image(ORIENTATION / f"{kind}_1.jpg", reduce=4).astype(int)
    for n in range(1, 9):
        path = ORIENTATION / f"{kind}_{n}.jpg"
        got = load_image(path, reduce=4).astype(int)
        raw = load_image(path, reduce=4, apply_orientation=False).astype(int)
        scores = {m: np.abs(t - ref).mean() for m, t in _dihedral(raw).items() if t.shape == ref.shape}
        best = min(scores, key=scores.get)
        assert best == n, (n, scores)
        np.testing.assert_array_equal(got, MANUAL[n](raw))


@pytest.mark.shared
@pytest.mark.skipif(not HOSTILE.exists(), reason="../shared/data absent")
def test_hostile_corpus():
    files = sorted(p for p in HOSTILE.iterdir() if p.is_file())
    assert len(files) >= 80
    rows = []
    t0 = time.perf_counter()
    with Sandbox(timeout=8.0) as sb:
        for p in files:
            start = time.perf_counter()
            try:
                out = load_image_safe(p, sandbox=sb, formats=None)
                assert isinstance(out, np.ndarray) and out.dtype == np.uint8
                outcome = f"image {out.shape[1]}x{out.shape[0]}"
            except MediaError as exc:
                outcome = f"{type(exc).__name__}: {str(exc).replace(str(p), '')[:70]}"
            seconds = time.perf_counter() - start
            rows.append((p.name, outcome, seconds))
            assert seconds < 10, (p.name, outcome, seconds)
    total = time.perf_counter() - t0
    print(f"\n{'file':44s} {'s':>6s}  outcome")
    for name, outcome, seconds in rows:
        print(f"{name[:44]:44s} {seconds:6.2f}  {outcome}")
    print(f"{len(rows)} files in {total:.1f} s")
