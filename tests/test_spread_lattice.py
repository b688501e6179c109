"""Tests for kit.spread.lattice: a JPEG re-encoded from another carries the other's quantisation lattice."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from kit.spread.lattice import MAX_SHARE, Lattice, carries, lattice_of


def _jpeg(img: Image.Image, q: int, subsampling: int = 2) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=q, subsampling=subsampling)
    return buf.getvalue()


def _open(b: bytes) -> Image.Image:
    return Image.open(io.BytesIO(b)).convert("RGB")


PHOTO = Image.fromarray(data.astronaut())


@pytest.mark.parametrize("q1, q2", [(88, 91), (80, 92), (70, 95), (62, 75)])
def test_a_finer_re_encode_carries_its_originals_lattice_and_not_the_other_way(q1, q2):
    # the benchmark's tie (a q88 origin, its q91 re-upload) and wider gaps; a child saved with 4:2:0
    # chroma from a 4:4:4 original: the luma lattice is what is read
    first = _jpeg(PHOTO, q1, subsampling=0)
    again = _jpeg(_open(first), q2)
    a, b = lattice_of(first), lattice_of(again)
    said, share, n = carries(b, a)
    assert said and share <= MAX_SHARE and n >= 200
    assert not carries(a, b)[0]


@pytest.mark.parametrize("edit", ["saved-once", "crop-off-grid", "resize", "filter", "coarser"])
def test_a_file_not_re_encoded_from_the_other_at_finer_steps_does_not_carry_it(edit):
    first = _jpeg(PHOTO, 80)
    img = _open(first)
    if edit == "saved-once":  # the same pixels saved once at the finer quality, not from the JPEG
        later = _jpeg(PHOTO, 92)
    elif edit == "crop-off-grid":
        later = _jpeg(img.crop((3, 5, 500, 500)), 92)
    elif edit == "resize":
        later = _jpeg(img.resize((400, 400), Image.BICUBIC), 92)
    elif edit == "filter":
        later = _jpeg(Image.eval(img, lambda v: min(255, int(v * 1.1) + 3)), 92)
    else:  # a coarser re-encode reaches every value: nothing to read
        later = _jpeg(img, 70)
    assert not carries(lattice_of(later), lattice_of(first))[0]


def test_a_crop_on_the_block_grid_keeps_the_lattice():
    first = _jpeg(PHOTO, 80)
    later = _jpeg(_open(first).crop((64, 32, 448, 480)), 93)
    assert carries(lattice_of(later), lattice_of(first))[0]


@pytest.mark.parametrize("blob", [b"", b"\xff\xd8\xff\xe0 truncated", b"GIF89a not a jpeg"])
def test_anything_but_a_readable_jpeg_gives_no_lattice_and_no_verdict(blob, tmp_path):
    p = tmp_path / "x.jpg"
    p.write_bytes(blob)
    assert lattice_of(p) is None
    assert carries(None, lattice_of(_jpeg(PHOTO, 80))) == (False, pytest.approx(np.nan, nan_ok=True), 0)


def test_a_png_gives_no_lattice(tmp_path):
    p = tmp_path / "x.png"
    PHOTO.save(p)
    assert lattice_of(p) is None


def test_a_jpeg_over_the_pixel_limit_is_not_decoded():
    assert lattice_of(_jpeg(PHOTO, 80), max_pixels=100) is None


HOSTILE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hostile" / "pillow"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.skipif(not HOSTILE.exists(), reason="../shared/data absent")
def test_the_hostile_files_give_a_lattice_or_none():
    # Pillow's crash, bomb and truncation corpus: libjpeg (through jpeglib) reads the damaged JPEGs it
    # can and every other file is None; nothing raises
    files = sorted(p for p in HOSTILE.iterdir() if p.is_file())
    got = {p.name: lattice_of(p) for p in files}
    assert all(v is None or isinstance(v, Lattice) for v in got.values())
    assert got["decompression_bomb.gif"] is None and got["hopper_bad_exif.jpg"] is not None
