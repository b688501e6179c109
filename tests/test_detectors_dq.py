"""The dq detector (aligned double JPEG, kit.detectors.dq) on real photos spliced as forgers do.

A camera JPEG (a photo bundled with scikit-image, saved at a low quality) gets a region of another
photo, rescaled, cut with a feathered ellipse and pasted off the 8x8 grid; the composite is saved
again at a higher quality. The host keeps its double compression, the pasted region lost it.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from kit.detectors import get_detector
from kit.detectors.dq import dq_map

cv2 = pytest.importorskip("cv2")


def _jpeg(a: np.ndarray, q: int) -> bytes:
    b = io.BytesIO()
    Image.fromarray(a).save(b, "JPEG", quality=q)
    return b.getvalue()


def _dec(b: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(b)).convert("RGB"))


def _splice(host_img, donor_img, *, q_host: int, q_final: int, centre, axes, scale: float = 0.8):
    host = _dec(_jpeg(host_img, q_host))
    h, w = host.shape[:2]
    donor = cv2.resize(_dec(_jpeg(donor_img, 80)), None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    donor = cv2.resize(donor, (max(w, donor.shape[1]), max(h, donor.shape[0])))[:h, :w]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, centre, axes, 20, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 3)
    comp = np.clip(host * (1 - alpha[..., None]) + donor * alpha[..., None] + 0.5, 0, 255).astype(np.uint8)
    return _jpeg(comp, q_final), _jpeg(host, q_final), alpha >= 0.5


CASES = [
    pytest.param("astronaut", "coffee", 65, 90, (300, 200), (70, 50), id="astronaut-q65-q90"),
    pytest.param("chelsea", "rocket", 70, 92, (150, 120), (60, 45), id="chelsea-q70-q92"),
    pytest.param("coffee", "astronaut", 60, 85, (420, 300), (65, 55), id="coffee-q60-q85"),
]


@pytest.mark.parametrize("host,donor,q_host,q_final,centre,axes", CASES)
def test_dq_localises_a_pasted_region_that_lost_the_double_compression(tmp_path, host, donor, q_host, q_final,
                                                                       centre, axes):
    from skimage import data

    comp, twin, truth = _splice(getattr(data, host)(), getattr(data, donor)(), q_host=q_host, q_final=q_final,
                                centre=centre, axes=axes)
    (tmp_path / "c.jpg").write_bytes(comp)
    (tmp_path / "a.jpg").write_bytes(twin)
    det = get_detector("dq")
    r = det.score(tmp_path / "c.jpg")
    hot = r.heatmap >= 0.5
    iou = (hot & truth).sum() / (hot | truth).sum()
    assert iou >= 0.5, f"IoU {iou:.2f}"
    assert r.score > 0.5 and r.raw["kept"] >= 3
    quiet = det.score(tmp_path / "a.jpg")  # the same host, same path, nothing pasted
    assert quiet.score < 0.5 and (quiet.heatmap >= 0.5).mean() < 0.02


@pytest.mark.parametrize("host,q_host,q_final", [("immunohistochemistry", 80, 86), ("brick", 70, 77)])
def test_dq_finds_a_first_compression_only_a_little_coarser_than_the_second(tmp_path, host, q_host, q_final):
    """q80 then q86 (first steps 4-6 under second steps 3-5), q70 then q77: only some bins are left
    empty, and the whole-range fit preferred no lattice at all (the flat blocks near zero misfit the
    calibration); the old code had nothing to say on either picture. Fitted on the values two steps or more from
    zero, the history is found and the pasted region outlined, and the twin stays quiet."""
    from skimage import data

    img = getattr(data, host)()
    H = np.dstack([img] * 3) if img.ndim == 2 else img
    h, w = H.shape[:2]
    comp, twin, truth = _splice(H, data.coffee(), q_host=q_host, q_final=q_final, centre=(w // 2, h // 2),
                                axes=(w // 7, h // 8))
    (tmp_path / "c.jpg").write_bytes(comp)
    (tmp_path / "a.jpg").write_bytes(twin)
    det = get_detector("dq")
    r = det.score(tmp_path / "c.jpg")
    assert r.score is not None and r.score > 0.5
    hot = r.heatmap >= 0.5
    # IoU 0.76 and 0.54 when written; 0.74 and 0.44 since the map is taken in by half a block (dq.EDGE_PX):
    # these weak fits cover the region short of its edge, where most composites' hot blocks reach past it
    assert (hot & truth).sum() / (hot | truth).sum() >= 0.4
    quiet = det.score(tmp_path / "a.jpg")
    assert quiet.score < 0.5 and (quiet.heatmap >= 0.5).mean() < 0.02


def test_a_lone_hot_block_is_shown_under_the_threshold_and_a_region_stays():
    from kit.detectors.dq import solid

    bm = np.full((12, 12), 0.1)
    bm[2, 2] = 0.9  # a lone block
    bm[5, 1:9] = 0.8  # a one-block line
    bm[7:10, 7:10] = 0.95  # a region of 3 x 3 blocks
    shown, hot = solid(bm)
    assert shown[2, 2] < 0.5 and (shown[5, 1:6] < 0.5).all()
    assert (shown[7:10, 7:10] == 0.95).all() and hot.sum() == 9
    assert (shown <= bm).all()


def test_hot_blocks_scattered_over_the_picture_are_no_pasted_region():
    """The score reads the largest hot region as a share of all hot blocks too: one region of 6 % of
    the blocks scores high alone, and low when as many hot blocks again lie scattered in small
    patches over the picture (a weak fit on busy or clipped areas; an authentic twin at the held-out
    seeds scored 0.96 so)."""
    from kit.detectors.dq import region_score

    info = np.ones((40, 40), bool)
    hot = np.zeros((40, 40), np.uint8)
    hot[5:15, 5:15] = 1  # 100 blocks: 6 % of 1600
    alone, region, share = region_score(hot, info)
    assert alone > 0.9 and share == 1.0
    for y in range(20, 40, 5):
        for x in range(0, 40, 5):
            hot[y:y + 2, x:x + 2] = 1  # 32 patches of 2 x 2 blocks: 128 more
    scattered, region2, share2 = region_score(hot, info)
    assert region2 == region and share2 < 0.5
    assert scattered < 0.5


def test_the_map_is_taken_in_by_half_a_block_from_the_hot_blocks(tmp_path):
    """A region of hot blocks reaches about a block past a pasted edge (the neighbour sum): the map
    shows it half a block (dq.EDGE_PX) inside the hot blocks' edge."""
    from skimage import data

    from kit.detectors.dq import EDGE_PX

    comp, _twin, truth = _splice(data.astronaut(), data.coffee(), q_host=65, q_final=90, centre=(300, 200),
                                 axes=(70, 50))
    (tmp_path / "c.jpg").write_bytes(comp)
    r = get_detector("dq").score(tmp_path / "c.jpg")
    hot = r.heatmap >= 0.5
    ys, xs = np.nonzero(hot)
    assert ys.min() % 8 == EDGE_PX and xs.min() % 8 == EDGE_PX  # block edges are multiples of 8
    precision, recall = (hot & truth).sum() / hot.sum(), (hot & truth).sum() / truth.sum()
    assert precision >= 0.8 and recall >= 0.95, (precision, recall)  # 0.72 and 1.00 untaken; 0.86 and 0.98


def test_dq_estimates_the_first_quantisation_step(tmp_path):
    """q50 then q90: the first steps fitted to the histograms are the q50 file's own table."""
    import jpeglib
    from skimage import data

    (tmp_path / "q50.jpg").write_bytes(_jpeg(data.astronaut(), 50))
    q50 = np.asarray(jpeglib.read_dct(str(tmp_path / "q50.jpg")).qt[0])  # (8, 8), natural order
    r = dq_map(_jpeg(_dec((tmp_path / "q50.jpg").read_bytes()), 90))
    zigzag = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2)]
    assert [r["q1"].get(z) for z in range(1, 6)] == [int(q50[u, v]) for u, v in zigzag]


def test_dq_has_nothing_to_say_on_a_single_jpeg_or_a_png(tmp_path):
    from skimage import data

    (tmp_path / "once.jpg").write_bytes(_jpeg(data.astronaut(), 85))
    Image.fromarray(data.astronaut()).save(tmp_path / "p.png")
    det = get_detector("dq")
    assert det.score(tmp_path / "once.jpg").score is None
    assert det.score(tmp_path / "p.png").score is None
