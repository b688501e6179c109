"""Tests for kit.spread.resave: a JPEG saved again from another is given back by re-saving the other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from _media import decoded, jpeg_bytes as _jpeg
from kit.spread.lattice import carries, lattice_of, luma_of
from kit.spread.resave import PREFILTER, RESAVE_MAX, requantised_miss, resave_miss, resaved, size_of

PHOTO = data.astronaut()


@pytest.mark.parametrize("q1, q2", [(91, 92), (88, 88), (92, 70), (75, 60)])
def test_a_re_save_is_given_back_and_the_other_way_is_not(q1, q2):
    # the benchmark's tie (no_time_no_links 304: a q91 origin and its q92 re-upload, which the lattice
    # cannot see: the two tables share most steps) and re-saves at the same or coarser steps
    first = _jpeg(PHOTO, q1, subsampling=0)
    again = _jpeg(decoded(first), q2)
    said, miss, back = resaved(again, first)
    assert said and miss == 0.0 and back > 0.0
    assert not resaved(first, again)[0]
    assert requantised_miss(luma_of(again), luma_of(first)) <= PREFILTER  # the quick look lets it through
    if q2 <= q1:
        assert not carries(lattice_of(again), lattice_of(first))[0]  # what this test adds to the lattice


def test_a_re_save_with_a_logo_of_its_own_is_given_back_but_for_the_logo():
    first = _jpeg(PHOTO, 90)
    img = decoded(first).copy()
    img[400:480, 400:480] = (230, 40, 40)  # a badge of its own
    later = _jpeg(img, 85)
    said, miss, _back = resaved(later, first)
    assert said and 0.0 < miss <= RESAVE_MAX


@pytest.mark.parametrize("edit", ["siblings", "grandparent", "filter"])
def test_files_saved_apart_from_one_picture_are_not_re_saves(edit):
    # two re-uploads of one parent (siblings), a child against its parent's parent (the intermediate
    # save moved every block), a colour filter before the save
    parent = _jpeg(PHOTO, 90)
    if edit == "siblings":
        a, b = _jpeg(decoded(parent), 91), _jpeg(decoded(parent), 92)
    elif edit == "grandparent":
        a, b = parent, _jpeg(decoded(_jpeg(decoded(parent), 80)), 85)
    else:
        a, b = parent, _jpeg((decoded(parent) * 0.9).astype(np.uint8), 88)
    assert resave_miss(b, a) > RESAVE_MAX
    assert not resaved(b, a)[0] and not resaved(a, b)[0]


def test_other_sizes_pngs_and_unreadable_files_are_not_compared(tmp_path):
    first = _jpeg(PHOTO, 90)
    assert resave_miss(_jpeg(decoded(first)[::2, ::2].copy(), 90), first) is None
    png = tmp_path / "x.png"
    Image.fromarray(PHOTO).save(png)
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    assert resave_miss(png, first) is None and resave_miss(first, png) is None
    assert resave_miss(bad, first) is None and resaved(first, bad) == (False, None, None)
    assert resave_miss(first, first, max_pixels=100) is None
    assert luma_of(png) is None and luma_of(bad) is None and luma_of(first, max_pixels=100) is None
    assert size_of(bad) is None and size_of(png) == (512, 512) and size_of(first) == (512, 512)
    half = luma_of(_jpeg(decoded(first)[::2, ::2].copy(), 90))
    assert requantised_miss(half, luma_of(first)) is None


HOSTILE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hostile" / "pillow"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.skipif(not HOSTILE.exists(), reason="../shared/data absent")
def test_the_hostile_files_give_a_share_or_none():
    # Pillow's crash, bomb and truncation corpus, each against itself and against a sound JPEG of its
    # own size where it has one: a share or None, nothing raises
    for p in sorted(q for q in HOSTILE.iterdir() if q.is_file()):
        for other in (p, _jpeg(PHOTO, 90)):
            got = resave_miss(p, other)
            assert got is None or 0.0 <= got <= 1.0, p.name
