"""The splice detector (kit.detectors.splice): dq's region where the file has a JPEG history that a
region lacks, else noise-level and error-level outliers, on real photos spliced as forgers do."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from _media import jpeg_bytes as _jpeg
from _media import jpeg_roundtrip
from kit.detectors import get_detector

cv2 = pytest.importorskip("cv2")


def _photo(name: str) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    return np.dstack([img] * 3) if img.ndim == 2 else img


def _splice(tmp_path, host: str, donor: str, *, q_host: int, q_donor: int, q_final: int, centre, axes,
            scale: float):
    """A camera JPEG host, a donor from another JPEG rescaled and pasted with a feathered ellipse, saved
    again; its twin is the host through the same path. Returns both paths and the truth mask."""
    h_img = jpeg_roundtrip(_photo(host), q_host)
    h, w = h_img.shape[:2]
    d_img = cv2.resize(jpeg_roundtrip(_photo(donor), q_donor), None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    d_img = cv2.resize(d_img, (max(w, d_img.shape[1]), max(h, d_img.shape[0])))[:h, :w]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, centre, axes, 20, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 3)
    comp = np.clip(h_img * (1 - alpha[..., None]) + d_img * alpha[..., None] + 0.5, 0, 255).astype(np.uint8)
    (tmp_path / "c.jpg").write_bytes(_jpeg(comp, q_final))
    (tmp_path / "a.jpg").write_bytes(_jpeg(h_img, q_final))
    return tmp_path / "c.jpg", tmp_path / "a.jpg", alpha >= 0.5


def _iou(heat: np.ndarray, truth: np.ndarray) -> float:
    hot = heat >= 0.5
    return float((hot & truth).sum() / max(1, (hot | truth).sum()))


def test_where_dq_finds_the_region_the_map_is_dqs(tmp_path):
    comp, twin, truth = _splice(tmp_path, "astronaut", "coffee", q_host=65, q_donor=80, q_final=90,
                                centre=(300, 200), axes=(70, 50), scale=0.8)
    dq, sp = get_detector("dq").score(comp), get_detector("splice").score(comp)
    assert dq.score > 0.5 and sp.raw["used"] == "dq" and sp.score == dq.score
    np.testing.assert_array_equal(sp.heatmap, dq.heatmap)
    assert _iou(sp.heatmap, truth) >= 0.5


def test_a_paste_under_a_coarser_second_compression_is_found_by_its_noise(tmp_path):
    """Grass photo saved at q85, a brick wall pasted in, the composite saved at q80: a second compression
    coarser than the first hides the history, and dq has nothing to say (its map is empty). The brick's
    noise and error level differ from the grass's: the splice map outlines it, and the twin stays quiet."""
    comp, twin, truth = _splice(tmp_path, "grass", "brick", q_host=85, q_donor=60, q_final=80,
                                centre=(200, 250), axes=(60, 50), scale=0.9)
    dq = get_detector("dq").score(comp)
    assert dq.score is None and not (dq.heatmap >= 0.5).any()
    det = get_detector("splice")
    r = det.score(comp)
    assert r.raw["used"] == "noise and error level" and r.raw["dq"] is None
    assert _iou(r.heatmap, truth) >= 0.5, f"IoU {_iou(r.heatmap, truth):.2f}"
    quiet = det.score(twin)
    assert quiet.score < 0.5 and (quiet.heatmap >= 0.5).mean() < 0.01
    assert r.score > quiet.score


def test_a_png_is_read_by_noise_and_error_level(tmp_path):
    img = _photo("grass")
    p = tmp_path / "x.png"
    Image.fromarray(img).save(p)
    r = get_detector("splice").score(p)
    assert r.raw["used"] == "noise and error level" and "not a JPEG" in r.explanation
    assert r.heatmap.shape == img.shape[:2]
