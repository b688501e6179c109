"""Where the source comparison puts a composite's region: on the paste's own edge, not shifted, not
grown by the smoothing, and not run into the untouched picture by a tone fit that the paste bent."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from test_compare import _feathered_paste, _iou, _photo

from kit.matching.comparison import compare
from kit.matching.pixelwise import dense_regions


def test_a_region_of_strong_difference_is_not_moved_by_the_morphology():
    """A square of strong difference keeps its place: with kernels of an even size OpenCV anchors them
    off centre, and the opening and closing moved the region 2 px right and down."""
    s = np.zeros((512, 512), np.uint8)
    s[100:200, 150:260] = 1
    r = dense_regions(s, np.ones(s.shape, bool), density=0.012, open_frac=0.02, close_frac=0.04)
    ys, xs = np.nonzero(r)
    found = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    assert max(abs(a - b) for a, b in zip(found, (150, 100, 260, 200))) <= 1, found


@pytest.mark.parametrize("host,donor", [("chelsea", "coins"), ("rocket", "moon"), ("astronaut", "coffee"),
                                        ("coffee", "astronaut"), ("camera", "chelsea")])
def test_the_box_of_a_feathered_paste_is_where_it_is_half_shown(host, donor):
    """An ellipse feathered over 3 px: a strong difference reaches out to where a tenth of the paste
    shows, and the region made of it reached farther; the edge is put where the difference falls to
    half its level inside (kit.matching.pixelwise.half_level_edge). Box IoU was 0.90-0.95 before,
    2-6 px too wide on the right and bottom; now within a few pixels of the ellipse's box."""
    photo = _photo(host)
    box = tuple(int(f * (photo.width if i % 2 == 0 else photo.height)) for i, f in enumerate((0.3, 0.3, 0.55, 0.6)))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.955, (c.changed_box, box)


@pytest.mark.parametrize("donor", ["rocket", "coins"])
def test_a_large_paste_of_other_tones_does_not_bend_the_tone_fit(donor):
    """A paste of 11 % of the frame on the retina, a saturated red photo: fitted over the whole
    picture, the tone curves bent towards the paste's tones until much of the untouched retina
    differed, and the region ran into it (box IoU 0.21 and 0.75 before). The two agree in tone over
    most of the picture, so the curves are fitted there (kit.matching.pixelwise.AGREE)."""
    photo = _photo("retina")
    box = tuple(int(f * (photo.width if i % 2 == 0 else photo.height)) for i, f in enumerate((0.45, 0.05, 0.8, 0.45)))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.9, (c.changed_box, box)


@pytest.mark.parametrize("scale", [0.6, 1.0, 1.4])
def test_a_small_paste_of_another_photograph_that_does_not_stand_out_is_found_by_its_detail(scale):
    """Grass (a JPEG at q52, rescaled) pasted on gravel over 2 % of the frame, away from the corners:
    it does not stand out from the gravel around it, and it is under a mark's size, so no rule held
    ("derived copy" before). Both sides read as photograph and the gravel's fine detail does not run
    on through the region: another photograph (kit.matching.regions)."""
    photo = _photo("gravel")
    d = _photo("grass")
    buf = io.BytesIO()
    d.save(buf, "JPEG", quality=52)
    d = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    d = d.resize((max(photo.width, round(d.width * scale)), max(photo.height, round(d.height * scale))))
    d = d.crop((0, 0, photo.width, photo.height))
    box = tuple(int(f * (photo.width if i % 2 == 0 else photo.height)) for i, f in enumerate((0.3, 0.5, 0.45, 0.68)))
    c = compare(photo, _feathered_paste(photo, d, box, q=83))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)
