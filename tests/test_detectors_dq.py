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
    assert (hot & truth).sum() / (hot | truth).sum() >= 0.45  # 0.76 and 0.54 when written
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
