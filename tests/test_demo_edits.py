"""The one registry of repost edits (kit.demo.edits): each edit on a picture, errors, encoders, and the
benchmarks drawing from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kit.demo.edits import EDITS, EditError, apply_edits, colour_filter, decode, jpeg, png
from kit.errors import KitError

ROOT = Path(__file__).resolve().parents[1]


def _picture() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray((rng.random((12, 16, 3)) * 255).astype(np.uint8)).resize((160, 120), Image.BICUBIC)


MARK = Image.new("RGBA", (20, 20), (200, 20, 30, 255))
EXAMPLES = {  # edit -> parameters, and the size it gives a 160 x 120 picture
    "crop": ({"box": (10, 5, 150, 100)}, (140, 95)),
    "resize": ({"size": (80, 60), "method": "lanczos"}, (80, 60)),
    "mirror": ({}, (160, 120)),
    "rotate": ({"angle": 3.0, "trim": 4}, (152, 112)),
    "filter": ({"kind": "sepia"}, (160, 120)),
    "caption_bar": ({"lines": ["BREAKING", "now"], "where": "bottom", "height": 40, "font_size": 14, "x": 6,
                     "y": 4, "line_height": 17}, (160, 160)),
    "meme_text": ({"top": "WHEN IT", "bottom": "HAPPENS", "size": 30}, (160, 120)),
    "logo": ({"mark": MARK, "xy": (130, 10)}, (160, 120)),
    "watermark": ({"text": "@someone", "xy": (60, 90), "size": 14, "opacity": 0.6}, (160, 120)),
    "letterbox": ({"aspect": 1.0, "fill": "blur"}, (160, 160)),
    "screenshot": ({"size": (200, 300), "box": (20, 60, 180, 180), "background": "white", "radius": 8,
                    "chrome": lambda d: d.text((10, 10), "9:41", fill="black")}, (200, 300)),
    "reencode": ({"quality": 40}, (160, 120)),
}


def test_every_edit_has_an_example():
    assert set(EXAMPLES) == set(EDITS)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_edit_changes_the_picture_as_its_parameters_say(name):
    img = _picture()
    params, size = EXAMPLES[name]
    out = apply_edits(img, [(name, params)])
    assert out.mode == "RGB" and out.size == size
    assert out.size != img.size or not np.array_equal(np.asarray(out), np.asarray(img))
    assert np.array_equal(np.asarray(apply_edits(img, [(name, params)])), np.asarray(out))  # draws nothing


@pytest.mark.parametrize("kind", ["grayscale", "sepia", "gain", "saturate", "contrast", "brightness", "fade",
                                  "vignette"])
def test_filters(kind):
    img = _picture()
    out = colour_filter(img, kind, factor=1.4 if kind in ("saturate", "contrast", "brightness") else 0.4,
                        gains=(1.1, 1.0, 0.9), offset=4)
    assert out.size == img.size and not np.array_equal(np.asarray(out), np.asarray(img))


@pytest.mark.parametrize("steps, match", [
    pytest.param([("blur", {})], "unknown edit 'blur'", id="unknown-edit"),
    pytest.param([("filter", {"kind": "lomo"})], "unknown filter 'lomo'", id="unknown-filter"),
])
def test_unknown_edits_are_a_clear_error(steps, match):
    with pytest.raises(EditError, match=match) as err:
        apply_edits(_picture(), steps)
    assert isinstance(err.value, KitError) and isinstance(err.value, ValueError)


def test_encoders_give_the_same_bytes_every_time_and_decode_back():
    img = _picture()
    assert jpeg(img, 80) == jpeg(img, 80) and jpeg(img, 80)[:2] == b"\xff\xd8"
    assert jpeg(img, 80, subsampling=0) != jpeg(img, 80)
    assert png(img)[:4] == b"\x89PNG" and np.array_equal(np.asarray(decode(png(img))), np.asarray(img))


def test_the_robustness_benchmark_draws_its_transforms_from_the_registry():
    spec = importlib.util.spec_from_file_location("bench_robustness", ROOT / "benchmarks" / "bench_robustness.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    img = _picture()
    for name, steps in bench.TRANSFORMS.items():
        assert {edit for edit, _ in steps(img)} <= set(EDITS), name
        assert apply_edits(img, steps(img)).mode == "RGB"
