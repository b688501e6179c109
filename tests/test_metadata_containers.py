"""kit.metadata.containers: sizes and EXIF blocks outside JPEG, against exiftool's goldens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kit.metadata.containers import bmff_size, canon_cmt_tags, embedded_tiff, jxl_size, psd_resources

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
META = SHARED / "metadata"
needs_shared = pytest.mark.skipif(not META.exists(), reason="../shared/data absent")


def _bits(*fields: tuple[int, int]) -> bytes:
    """Pack (value, nbits) fields LSB-first, as JPEG XL headers are."""
    acc, pos = 0, 0
    for value, n in fields:
        acc |= value << pos
        pos += n
    return b"\xff\x0a" + acc.to_bytes(16, "little")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(_bits((1, 1), (3, 5), (0, 3), (7, 5)), (64, 32), id="small-explicit"),
        pytest.param(_bits((1, 1), (3, 5), (5, 3)), (56, 32), id="small-16:9"),
        pytest.param(_bits((0, 1), (1, 2), (1079, 13), (0, 3), (1, 2), (1919, 13)), (1920, 1080), id="u32"),
        pytest.param(_bits((0, 1), (0, 2), (99, 9), (7, 3)), (200, 100), id="ratio-2:1"),
        pytest.param(b"no codestream here", None, id="none"),
    ],
)
def test_jxl_size(data: bytes, expected: tuple[int, int] | None) -> None:
    out = jxl_size(data)
    assert ((out["ImageWidth"], out["ImageHeight"]) if out else None) == expected


def test_bmff_size_takes_largest_ispe() -> None:
    def ispe(w: int, h: int) -> bytes:
        return (20).to_bytes(4, "big") + b"ispe\x00\x00\x00\x00" + w.to_bytes(4, "big") + h.to_bytes(4, "big")

    assert bmff_size(b"ftypheic" + ispe(512, 512) + ispe(4032, 3024) + ispe(320, 240)) == {
        "ImageWidth": 4032, "ImageHeight": 3024}  # fmt: skip
    assert bmff_size(b"ftypheic") == {}


@pytest.mark.parametrize(
    ("data", "mime", "expected"),
    [
        pytest.param(b"RIFF\0\0\0\0WEBPVP8 \x02\0\0\0abEXIF\x0e\0\0\0Exif\0\0II*\0\x08\0\0\0", "image/webp",
                     b"II*\0\x08\0\0\0", id="webp-exif-prefix"),
        pytest.param(b"RIFF\0\0\0\0WEBPVP8 \x02\0\0\0ab", "image/webp", None, id="webp-no-exif"),
        pytest.param((32).to_bytes(4, "big") + b"uuidJpgTiffExif->JP2MM\0*\0\0\0\x08", "image/jp2",
                     b"MM\0*\0\0\0\x08", id="jp2"),
        pytest.param(b"RIFF\0\0\0\0WEBPEXIF\x04\0\0\0junk", "image/webp", None, id="not-tiff"),
    ],
)  # fmt: skip
def test_embedded_tiff(data: bytes, mime: str, expected: bytes | None) -> None:
    assert embedded_tiff(data, mime) == expected


def test_psd_resources_short_input() -> None:
    assert psd_resources(b"8BPS" + b"\0" * 30) == {}
    assert canon_cmt_tags(b"nothing") == {}


@needs_shared
@pytest.mark.parametrize(
    "rel",
    ["exiftool-t/JXL.jxl", "exif-py/heic/mobile/iphone_13_pro_max.heic",
     "exif-py/heic/spring_1440x960.heic", "exiftool-t/QuickTime.heic"],
)  # fmt: skip
def test_sizes_match_exiftool(rel: str) -> None:
    gold = json.loads((META / "goldens" / f"{rel}.json").read_text())[0]
    data = (META / rel).read_bytes()
    size = jxl_size(data) if rel.endswith(".jxl") else bmff_size(data)
    assert (size["ImageWidth"], size["ImageHeight"]) == (gold["File:ImageWidth"], gold["File:ImageHeight"])


@needs_shared
def test_cr3_and_psd_exif_match_exiftool() -> None:
    cr3 = canon_cmt_tags((META / "exiftool-t" / "CanonRaw.cr3").read_bytes())
    assert str(cr3["Image Model"]) == "Canon EOS M50"
    assert str(cr3["Image DateTimeOriginal"]) == "2018:02:21 12:08:56"
    res = psd_resources((META / "exiftool-t" / "Photoshop.psd").read_bytes())
    assert 0x0422 in res and res[0x0422][:4] in (b"II*\0", b"MM\0*")
