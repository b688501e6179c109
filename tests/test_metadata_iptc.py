"""kit.metadata.iptc: Photoshop resources and IPTC IIM records (exiftool as writer)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kit.metadata import extract
from kit.metadata.iptc import parse_iim, photoshop_iptc, photoshop_resources

EXIFTOOL = shutil.which("exiftool")


def _ds(rec: int, ds: int, value: bytes) -> bytes:
    return bytes([0x1C, rec, ds]) + len(value).to_bytes(2, "big") + value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(_ds(2, 120, b"cap"), {"Caption-Abstract": "cap"}, id="caption"),
        pytest.param(_ds(2, 25, b"a") + _ds(2, 25, b"b"), {"Keywords": ["a", "b"]}, id="keywords"),
        pytest.param(_ds(2, 80, b"Ann"), {"By-line": ["Ann"]}, id="byline"),
        pytest.param(_ds(2, 55, b"20240102") + _ds(2, 60, b"101500+0200"),
                     {"DateCreated": dt.date(2024, 1, 2), "TimeCreated": "101500+0200"}, id="dates"),
        pytest.param(_ds(2, 55, b"20241399"), {"DateCreated": "20241399"}, id="bad-date-kept"),
        pytest.param(_ds(1, 90, b"\x1b%G") + _ds(2, 120, "é".encode()), {"Caption-Abstract": "é"}, id="utf8"),
        pytest.param(_ds(2, 120, "é".encode("latin-1")), {"Caption-Abstract": "é"}, id="latin1"),
        pytest.param(_ds(2, 0, b"\x00\x04"), {"ApplicationRecordVersion": 4}, id="version"),
        pytest.param(_ds(3, 10, b"x"), {"3:10": "x"}, id="other-record"),
        pytest.param(b"\x1c\x02\x78\x00\x10short", {"Caption-Abstract": "short"}, id="truncated"),
        pytest.param(b"\x1c\x02\x78\x80\x09" + b"\xff" * 9, {}, id="absurd-extended-length"),
        pytest.param(b"garbage", {}, id="garbage"),
    ],
)  # fmt: skip
def test_parse_iim(data: bytes, expected: dict) -> None:
    assert parse_iim(data) == expected


def test_photoshop_resources() -> None:
    iim = _ds(2, 120, b"xy")  # 7 bytes: padded to even
    block = b"8BIM\x04\x04\x02ab\x00" + len(iim).to_bytes(4, "big") + iim + b"\x00"  # name padded too
    block += b"8BIM\x04\x25\x00\x00" + (16).to_bytes(4, "big") + b"\x01" * 16
    res = photoshop_resources(block)
    assert set(res) == {0x0404, 0x0425}
    assert photoshop_iptc(block) == iim
    assert photoshop_resources(b"8BIM\x04\x04\x00\x00\xff\xff\xff\xff") == {0x0404: b""}
    assert photoshop_resources(b"nonsense") == {}


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
def test_exiftool_written_iptc(tmp_path: Path) -> None:
    p = tmp_path / "i.jpg"
    Image.new("RGB", (8, 8)).save(p)
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", "-IPTC:Caption-Abstract=Fire at the port",
                    "-IPTC:By-line=Jane Doe", "-IPTC:Keywords=fire", "-IPTC:Keywords=port",
                    "-IPTC:DateCreated=2024:03:01", "-IPTC:CopyrightNotice=(c) Jane", str(p)],
                   check=True, timeout=60)  # fmt: skip
    iptc = extract(p, c2pa=False).groups["IPTC"]
    assert iptc["Caption-Abstract"] == "Fire at the port"
    assert iptc["By-line"] == ["Jane Doe"]
    assert iptc["Keywords"] == ["fire", "port"]
    assert iptc["DateCreated"] == dt.date(2024, 3, 1)
    assert iptc["CopyrightNotice"] == "(c) Jane"
