"""Heat maps localise a splice: a region pasted from another JPEG saved at another quality."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from _media import jpeg_bytes
from kit.detectors import get_detector


def _scene(seed: int, noise: float, h: int = 384, w: int = 512) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for s, a in ((4, 60), (16, 40), (64, 50)):
        f = rng.normal(0, 1, (h // s + 2, w // s + 2, 3)).astype(np.float32)
        img += a * cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w]
    img += 128 + np.linspace(-30, 30, w)[None, :, None] + rng.normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)




def _decode(b: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(b)).convert("RGB"))


def _splice(tmp_path, seed, box, q_host, q_donor, q_final):
    host = _decode(jpeg_bytes(_scene(seed, noise=4.0), q_host))  # camera JPEG, noisier sensor
    donor = _decode(jpeg_bytes(_scene(seed + 100, noise=1.0), q_donor))  # another JPEG, other quality
    y, x, h, w = box
    out = host.copy()
    out[y:y + h, x:x + w] = donor[y:y + h, x:x + w]
    path = tmp_path / "splice.jpg"
    path.write_bytes(jpeg_bytes(out, q_final))
    truth = np.zeros(host.shape[:2], bool)
    truth[y:y + h, x:x + w] = True
    return path, truth


CASES = [
    pytest.param(1, (112, 192, 128, 160), 95, 60, 92, id="centre-q60-into-q95"),
    pytest.param(2, (32, 32, 144, 128), 90, 50, 90, id="corner-q50-into-q90"),
    pytest.param(3, (208, 320, 128, 144), 95, 70, 95, id="lower-right-q70-into-q95"),
]


@pytest.mark.parametrize("seed,box,q_host,q_donor,q_final", CASES)
@pytest.mark.parametrize("name", ["ela", "noise", "ghost", "splice"])
def test_heatmap_localises_splice(request, tmp_path, name, seed, box, q_host, q_donor, q_final):
    if name == "noise" and q_final <= 90:
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "known limit: a final q90 recompression flattens the sensor-noise difference "
            "(region 0.84 vs rest 1.18 sigma), so the noise map does not localise it")))
    path, truth = _splice(tmp_path, seed, box, q_host, q_donor, q_final)
    res = get_detector(name).score(path)
    hot = res.heatmap >= 0.5
    iou = (hot & truth).sum() / (hot | truth).sum()
    assert iou >= 0.5, f"{name}: IoU {iou:.2f}"
    assert res.score > 0.5


@pytest.mark.parametrize("name", ["ela", "noise", "ghost", "splice"])
def test_untouched_image_is_quiet(tmp_path, name):
    path = tmp_path / "clean.jpg"
    path.write_bytes(jpeg_bytes(_decode(jpeg_bytes(_scene(9, noise=4.0), 95)), 92))
    res = get_detector(name).score(path)
    assert res.score < 0.5 and (res.heatmap >= 0.5).mean() < 0.05
