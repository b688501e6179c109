"""Built-in detectors against outside references (libjpeg tables, C2PA fixtures, known transforms)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from _media import jpeg_bytes, scene
from kit.detectors import get_detector
from kit.metadata.jpeg import estimate_quality
from kit.detectors.provenance import provenance_from_metadata

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
C2PA = SHARED / "metadata" / "c2pa"






@pytest.mark.parametrize("q", [pytest.param(q, id=f"q{q}") for q in (30, 50, 75, 90, 95)])
def test_quality_estimate_matches_libjpeg(tmp_path, q):
    """libjpeg (through Pillow) writes the IJG-scaled tables for quality q: we must read q back."""
    p = tmp_path / "a.jpg"
    p.write_bytes(jpeg_bytes(scene(1), q))
    assert estimate_quality({0: tuple(Image.open(p).quantization[0])})[0] == q
    r = get_detector("jpeg").score(p)
    assert r.raw["quality"] == q and r.raw["standard_tables"]


@pytest.mark.parametrize(
    "first,second,double",
    [pytest.param(None, 90, False, id="single-q90"), pytest.param(None, 80, False, id="single-q80"),
     pytest.param(60, 90, True, id="q60-then-q90"), pytest.param(50, 85, True, id="q50-then-q85")],
)
def test_double_compression(tmp_path, first, second, double):
    img = scene(2, 512, 512)
    if first:
        img = np.asarray(Image.open(io.BytesIO(jpeg_bytes(img, first))))
    p = tmp_path / "d.jpg"
    p.write_bytes(jpeg_bytes(img, second))
    assert (get_detector("jpeg").score(p).score > 0.5) is double


def test_jpeg_detector_says_nothing_on_png(tmp_path):
    p = tmp_path / "a.png"
    Image.fromarray(scene(3)).save(p)
    assert get_detector("jpeg").score(p).score is None


def test_copy_move_found_and_localised():
    img = scene(4)
    fake = img.copy()
    fake[20:100, 30:130] = img[150:230, 190:290]
    clean_r, fake_r = get_detector("copymove").score(img), get_detector("copymove").score(fake)
    assert clean_r.score < 0.2 and fake_r.score > 0.9
    assert fake_r.heatmap[20:100, 30:130].mean() > 0.3 and fake_r.heatmap[150:230, 190:290].mean() > 0.3


def test_spectral_sees_nearest_neighbour_upsampling():
    """2x nearest up-sampling (as in naive generator layers) puts a peak/dip at half the band."""
    import cv2

    img = cv2.cvtColor(scene(5, 128, 128), cv2.COLOR_RGB2GRAY)
    up = np.repeat(np.repeat(img, 2, 0), 2, 1)
    natural = cv2.resize(cv2.cvtColor(scene(5, 256, 256), cv2.COLOR_RGB2GRAY), (256, 256))
    det = get_detector("spectral")
    assert det.score(up).raw["hf_excess"] != pytest.approx(det.score(natural).raw["hf_excess"], abs=0.3)


def test_faces_none_without_face():
    """Haar cascades do fire on busy textures; a plain gradient has no face."""
    img = np.broadcast_to(np.linspace(0, 255, 320, dtype=np.uint8)[None, :, None], (240, 320, 3)).copy()
    r = get_detector("faces").score(img)
    assert r.score is None and "no frontal face" in r.explanation


@pytest.mark.skipif(not (SHARED / "detectors").exists(), reason="../shared/data absent")
def test_faces_found_on_real_faces():
    paths = sorted((SHARED / "detectors" / "faces-dev" / "real").glob("*.jpg"))[:5]
    df = get_detector("faces").score_many(paths)
    assert df["score"].notna().sum() >= 4
    assert all(len(r.raw["faces"]) >= 1 for r in df["result"] if r is not None and r.score is not None)


@pytest.mark.skipif(not C2PA.exists(), reason="../shared/data absent")
@pytest.mark.parametrize(
    "name,score,term",
    [pytest.param("ocsp.jpg", 1.0, "trainedAlgorithmicMedia", id="firefly-ai"),
     pytest.param("C.jpg", 1.0, "algorithmicMedia", id="algorithmic"),
     pytest.param("no_manifest.jpg", None, None, id="no-manifest"),
     pytest.param("CA.jpg", None, None, id="c2pa-without-source-type"),
     pytest.param("video1.mp4", None, None, id="video")],
)
def test_provenance_on_c2pa_fixtures(name, score, term):
    r = get_detector("provenance").score(C2PA / name)
    assert r.score == score
    if term:
        assert term in {m["term"] for m in r.raw["markers"]}


@pytest.mark.parametrize(
    "payload,score",
    [pytest.param({"xmp": {"Iptc4xmpExt:DigitalSourceType":
                           "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"}}, 1.0,
                  id="xmp-ai"),
     pytest.param({"xmp": {"DigitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}},
                  None, id="capture-says-nothing"),
     pytest.param({}, None, id="empty")],
)
def test_provenance_from_metadata_payload(payload, score):
    assert provenance_from_metadata(payload).score == score


def test_provenance_uses_metadata_function(tmp_path):
    p = tmp_path / "a.jpg"
    p.write_bytes(jpeg_bytes(scene(7), 90))
    det = get_detector("provenance", metadata=lambda path: {"c2pa": {"digitalSourceType": "trainedAlgorithmicMedia"}})
    assert det.score(p).score == 1.0
    assert get_detector("provenance").score(p).score is None
