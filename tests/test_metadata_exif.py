"""kit.metadata.exif: typed EXIF values, GPS, dates, thumbnail comparison (exiftool as writer)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kit.metadata import THUMBNAIL_DIFF_THRESHOLD, extract, findings
from kit.metadata.exif import dms_to_decimal, exif_groups, parse_exif_datetime, read_exif, thumbnail_distance

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
UTC2 = dt.timezone(dt.timedelta(hours=2))


def _photo(path: Path, seed: int = 0, size: tuple[int, int] = (320, 240)) -> Path:
    rng = np.random.default_rng(seed)
    small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)  # blocky picture: survives resizing
    Image.fromarray(small).resize(size, Image.Resampling.BICUBIC).save(path, quality=90)
    return path


def _exiftool(path: Path, *args: str) -> None:
    subprocess.run([EXIFTOOL, "-q", "-q", "-overwrite_original", *args, str(path)], check=True, timeout=60)


@pytest.mark.parametrize(
    ("text", "offset", "subsec", "expected"),
    [
        pytest.param("2008:10:22 16:28:39", None, None, dt.datetime(2008, 10, 22, 16, 28, 39), id="naive"),
        pytest.param("2008:10:22 16:28:39", "+02:00", None, dt.datetime(2008, 10, 22, 16, 28, 39, tzinfo=UTC2),
                     id="offset"),
        pytest.param("2008:10:22 16:28:39", "Z", "5", dt.datetime(2008, 10, 22, 16, 28, 39, 500000,
                     tzinfo=dt.timezone.utc), id="utc-subsec"),
        pytest.param("2008-10-22T16:28:39", "-0530", None,
                     dt.datetime(2008, 10, 22, 16, 28, 39, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30))),
                     id="iso-compact-offset"),
        pytest.param("2008:10:22 16:28:39", "garbage", None, dt.datetime(2008, 10, 22, 16, 28, 39), id="bad-offset"),
        pytest.param("0000:00:00 00:00:00", None, None, None, id="zeros"),
        pytest.param("    :  :     :  :  ", None, None, None, id="blank"),
        pytest.param("2008:13:45 99:00:00", None, None, None, id="impossible"),
        pytest.param(20081022, None, None, None, id="not-text"),
    ],
)  # fmt: skip
def test_parse_exif_datetime(text: object, offset: object, subsec: object, expected: object) -> None:
    assert parse_exif_datetime(text, offset, subsec) == expected


@pytest.mark.parametrize(
    ("dms", "ref", "expected"),
    [
        pytest.param([43, 28, 2.814], "N", 43.467448, id="north"),
        pytest.param([43, 28, 2.814], "S", -43.467448, id="south"),
        pytest.param([11, 53, 6.456], "W", -11.885127, id="west"),
        pytest.param([10.5], "E", 10.5, id="degrees-only"),
        pytest.param(7.25, None, 7.25, id="scalar"),
        pytest.param([], "N", None, id="empty"),
        pytest.param(["x", 1, 2], "N", None, id="garbage"),
    ],
)
def test_dms_to_decimal(dms: object, ref: object, expected: object) -> None:
    assert dms_to_decimal(dms, ref) == expected


@needs_exiftool
def test_values_written_by_exiftool_are_read_typed(tmp_path: Path) -> None:
    p = _photo(tmp_path / "a.jpg")
    _exiftool(p, "-Make=TestCam", "-Model=T1", "-LensModel=50mm", "-Software=Firmware 1.0",
              "-Artist=Ann", "-Copyright=(c) Ann", "-Orientation#=6",
              "-DateTimeOriginal=2024:05:01 10:00:00", "-OffsetTimeOriginal=+02:00", "-SubSecTimeOriginal=25",
              "-CreateDate=2024:05:01 10:00:01", "-GPSLatitude=12.5", "-GPSLatitudeRef=S",
              "-GPSLongitude=3.25", "-GPSLongitudeRef=W", "-GPSAltitude=10", "-GPSAltitudeRef#=1")  # fmt: skip
    ex = extract(p, c2pa=False).groups["EXIF"]
    assert (ex["Make"], ex["Model"], ex["LensModel"], ex["Software"]) == ("TestCam", "T1", "50mm", "Firmware 1.0")
    assert (ex["Artist"], ex["Copyright"], ex["Orientation"]) == ("Ann", "(c) Ann", 6)
    assert ex["DateTimeOriginal"] == dt.datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC2)
    assert ex["CreateDate"] == dt.datetime(2024, 5, 1, 10, 0, 1)
    assert (ex["GPSLatitude"], ex["GPSLongitude"], ex["GPSAltitude"]) == (-12.5, -3.25, -10.0)


@needs_exiftool
@pytest.mark.parametrize(
    ("thumb_seed", "differs"),
    [pytest.param(0, False, id="same-picture"), pytest.param(1, True, id="other-picture")],
)
def test_thumbnail_comparison(tmp_path: Path, thumb_seed: int, differs: bool) -> None:
    p = _photo(tmp_path / "main.jpg", seed=0)
    t = _photo(tmp_path / "thumb.jpg", seed=thumb_seed, size=(160, 120))
    _exiftool(p, "-Make=TestCam", f"-ThumbnailImage<={t}")
    meta = extract(p, c2pa=False)
    dist = meta.get("EXIF-Thumbnail", "ThumbnailPhashDistance")
    assert meta.get("EXIF-Thumbnail", "ThumbnailPresent") is True
    assert (dist > THUMBNAIL_DIFF_THRESHOLD) is differs
    assert ("THUMBNAIL_DIFFERS" in {f.code for f in findings(meta)}) is differs


def test_thumbnail_distance_direct(tmp_path: Path) -> None:
    p = _photo(tmp_path / "m.jpg", seed=3)
    buf = io.BytesIO()
    with Image.open(p) as im:
        im.resize((160, 120)).save(buf, "JPEG")
    out = thumbnail_distance(buf.getvalue(), p)
    assert out["ThumbnailWidth"] == 160 and out["ThumbnailPhashDistance"] <= 8


def test_no_exif_gives_no_groups(tmp_path: Path) -> None:
    p = _photo(tmp_path / "plain.jpg")
    with open(p, "rb") as fh:
        assert exif_groups(read_exif(fh)) == {}
    assert "EXIF" not in extract(p, c2pa=False).groups


def test_pillow_written_exif(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PilCam"
    exif[0x0112] = 3
    p = tmp_path / "p.jpg"
    Image.new("RGB", (8, 8)).save(p, exif=exif)
    ex = extract(p, c2pa=False).groups["EXIF"]
    assert ex["Make"] == "PilCam" and ex["Orientation"] == 3
