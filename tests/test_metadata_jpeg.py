"""kit.metadata.jpeg: marker walk, IJG quality fit, subsampling, progressive, trailing bytes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kit.metadata.jpeg import (
    STD_CHROMINANCE,
    STD_LUMINANCE,
    estimate_quality,
    ijg_table,
    jpeg_group,
    parse_jpeg,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
META = SHARED / "metadata"


def _jpeg(quality: int = 75, subsampling: int = 2, progressive: bool = False, **kw: object) -> bytes:
    rng = np.random.default_rng(0)
    arr = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    if "qtables" not in kw:  # Pillow scales custom tables by quality when both are given
        kw["quality"] = quality
    Image.fromarray(arr).save(buf, "JPEG", subsampling=subsampling, progressive=progressive, **kw)
    return buf.getvalue()


# libjpeg (through Pillow) is the outside reference: it writes the IJG tables scaled for q.
@pytest.mark.parametrize("quality", [1, 10, 25, 49, 50, 51, 75, 90, 95, 100], ids=lambda q: f"q{q}")
def test_quality_matches_libjpeg(quality: int) -> None:
    js = parse_jpeg(_jpeg(quality))
    assert js.quality == quality
    assert js.standard_tables is True
    assert js.quality_error == 0.0


@pytest.mark.parametrize(
    ("subsampling", "expected"),
    [pytest.param(0, "4:4:4", id="444"), pytest.param(1, "4:2:2", id="422"), pytest.param(2, "4:2:0", id="420")],
)
def test_subsampling(subsampling: int, expected: str) -> None:
    assert parse_jpeg(_jpeg(subsampling=subsampling)).subsampling == expected


def test_grayscale_and_progressive() -> None:
    buf = io.BytesIO()
    Image.new("L", (16, 16), 128).save(buf, "JPEG", progressive=True)
    js = parse_jpeg(buf.getvalue())
    assert js.subsampling == "grayscale"
    assert js.progressive and js.process == "progressive"
    assert parse_jpeg(_jpeg()).process == "baseline"


def test_custom_tables_are_not_standard() -> None:
    table = list(range(1, 65))
    js = parse_jpeg(_jpeg(qtables=[table, table]))
    assert js.standard_tables is False
    assert js.tables[0] == tuple(table)  # Pillow takes natural order; we return natural order


@pytest.mark.parametrize(
    ("tail", "n", "is_jpeg"),
    [
        pytest.param(b"", 0, False, id="clean"),
        pytest.param(b"PK\x03\x04hidden zip" * 10, 140, False, id="appended-data"),
        pytest.param(b"\xff\xd8\xff\xe0junk", 8, True, id="appended-jpeg"),
    ],
)
def test_trailing_bytes(tail: bytes, n: int, is_jpeg: bool) -> None:
    js = parse_jpeg(_jpeg() + tail)
    assert (js.trailing_bytes, js.trailing_is_jpeg) == (n, is_jpeg)


def test_truncated_file_gives_warning_not_exception() -> None:
    data = _jpeg()
    js = parse_jpeg(data[: len(data) // 2])
    assert js.warning and "truncated" in js.warning
    assert js.eoi_offset is None
    assert jpeg_group(js)["MissingEOI"] is True
    assert js.quality == 75  # tables come before the cut


@pytest.mark.parametrize(
    "data",
    [pytest.param(b"", id="empty"), pytest.param(b"\x89PNG\r\n\x1a\n", id="png"),
     pytest.param(b"GIF89a", id="gif")],
)  # fmt: skip
def test_not_a_jpeg_raises(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a JPEG"):
        parse_jpeg(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xd8\xff\xdb\x00\x05\x00\x01", id="short-dqt"),
        pytest.param(b"\xff\xd8\xff\xe1\xff\xff" + b"x" * 10, id="segment-past-end"),
        pytest.param(b"\xff\xd8\x00\x00\x00", id="no-marker"),
        pytest.param(b"\xff\xd8\xff", id="ends-in-marker"),
    ],
)
def test_damaged_headers_do_not_raise(data: bytes) -> None:
    js = parse_jpeg(data)
    assert js.warning is not None or js.eoi_offset is None


def test_ijg_table_formula() -> None:
    assert ijg_table(STD_LUMINANCE, 50) == STD_LUMINANCE
    assert ijg_table(STD_CHROMINANCE, 100) == (1,) * 64
    assert max(ijg_table(STD_LUMINANCE, 1)) == 255  # baseline clamp
    assert estimate_quality({0: ijg_table(STD_LUMINANCE, 30)}) == (30, True, 0.0)


def test_xmp_and_photoshop_segments_are_returned() -> None:
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"
    ps = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00"
    data = _jpeg()
    seg = lambda m, body: b"\xff" + bytes([m]) + (len(body) + 2).to_bytes(2, "big") + body  # noqa: E731
    data = data[:2] + seg(0xE1, xmp) + seg(0xED, ps) + data[2:]
    js = parse_jpeg(data)
    assert js.xmp == b"<x:xmpmeta/>"
    assert js.photoshop is not None and js.photoshop.startswith(b"8BIM")


_SUB = {"1 1": "4:4:4", "2 1": "4:2:2", "2 2": "4:2:0", "1 2": "4:4:0", "4 1": "4:1:1"}


@pytest.mark.skipif(not META.exists(), reason="../shared/data absent")
def test_structure_agrees_with_exiftool_goldens() -> None:
    """Subsampling, baseline/progressive and size vs exiftool's File group, every exif-py JPEG."""
    checked = 0
    for path in sorted((META / "exif-py" / "jpg").rglob("*.jp*g")):
        golden = META / "goldens" / path.relative_to(META).with_name(path.name + ".json")
        gold = json.loads(golden.read_text())[0]
        js = parse_jpeg(path.read_bytes())
        if "File:YCbCrSubSampling" in gold:
            assert js.subsampling == _SUB[gold["File:YCbCrSubSampling"]], path.name
        if "File:EncodingProcess" in gold:
            assert js.progressive == (gold["File:EncodingProcess"] in (2, 6, 10, 14)), path.name
        if "File:ImageWidth" in gold:
            assert (js.width, js.height) == (gold["File:ImageWidth"], gold["File:ImageHeight"]), path.name
        checked += 1
    assert checked >= 80
