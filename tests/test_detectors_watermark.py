"""The generator-watermark detector against the invisible-watermark package's own encoder and decoder."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from _media import scene
from kit.detectors import get_detector
from kit.detectors.watermark import MESSAGES, _block_scores, _fold, load_max_dct

Embed = load_max_dct()


def _marked(message: str, *, seed: int = 1, size: tuple[int, int] = (512, 640), rgb_as_bgr: bool = False):
    """An RGB picture carrying ``message`` as the reference pipelines embed it (the package's encoder)."""
    rgb = scene(seed, *size)
    bits = list(MESSAGES[message][1])
    if rgb_as_bgr:  # early diffusers releases handed RGB arrays to the BGR encoder
        return Embed(bits, wmLen=len(bits)).encode(rgb.copy())
    return Embed(bits, wmLen=len(bits)).encode(rgb[..., ::-1].copy())[..., ::-1]


def test_the_package_is_installed_without_pytorch():
    import sys

    assert Embed is not None, "make install runs: pip install --no-deps invisible-watermark==0.2.0"
    assert "torch" not in sys.modules


@pytest.mark.parametrize("message", list(MESSAGES))
def test_each_known_message_is_decoded_and_named(message, tmp_path):
    path = tmp_path / "gen.png"
    cv2.imwrite(str(path), _marked(message)[..., ::-1])  # lossless, as the pipelines save
    r = get_detector("watermark").score(path)
    assert r.score == 1.0 and r.raw["message"] == message
    assert MESSAGES[message][0] in r.explanation


def test_a_mark_embedded_into_rgb_as_if_bgr_is_read_too():
    r = get_detector("watermark").score(np.ascontiguousarray(_marked("SDXL", rgb_as_bgr=True)))
    assert r.score == 1.0 and r.raw["message"] == "SDXL"
    assert r.raw["found"][0]["order"] == "RGB-as-BGR"


@pytest.mark.parametrize("seed", [1, 2])
def test_folded_bits_equal_the_package_decoder(seed):
    """One pass over the blocks, folded per message length, gives what the package's decode gives."""
    for message in ("SDV2", "StableDiffusionV1"):
        bgr = _marked(message, seed=seed)[..., ::-1].copy()
        for name, (_, bits) in MESSAGES.items():
            ours = _fold(_block_scores(bgr, Embed), len(bits))
            theirs = Embed([], wmLen=len(bits)).decode(bgr).astype(int)
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{message} read as {name}")


def test_unmarked_small_and_recompressed_pictures_say_nothing():
    det = get_detector("watermark")
    clean = det.score(scene(3, 512, 512))
    assert clean.score is None and "says nothing" in clean.explanation
    assert all(f["wrong"] > 3 for f in clean.raw["found"])
    assert det.score(scene(3, 200, 300)).score is None  # under 256 x 256: the package refuses it too
    ok, buf = cv2.imencode(".jpg", _marked("SDV2")[..., ::-1].copy(), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert det.score(buf.tobytes()).score is None  # a JPEG re-encode erases the mark (measured)


def test_a_decoded_watermark_is_a_high_finding_for_every_post_with_the_file(tmp_path):
    from kit.case import Case
    from kit.detectors import detector_step

    media = tmp_path / "inc" / "media"
    media.mkdir(parents=True)
    cv2.imwrite(str(media / "gen.png"), _marked("SDXL")[..., ::-1])
    cv2.imwrite(str(media / "photo.png"), scene(5, 512, 512)[..., ::-1])
    (tmp_path / "inc" / "manifest.csv").write_text(
        "post_id,platform,account,posted_at,url,media_path\n"
        "a1,x,@a,2024-03-01T10:00:00Z,https://x.example/1,media/gen.png\n"
        "a2,x,@b,2024-03-01T11:00:00Z,https://x.example/2,media/gen.png\n"
        "b1,x,@c,2024-03-01T12:00:00Z,https://x.example/3,media/photo.png\n")
    case = Case.create(tmp_path / "case", title="t", analyst="ana")
    case.ingest(tmp_path / "inc" / "manifest.csv")
    assert not (case.findings()["code"] == "AI_WATERMARK").any()  # not run yet: no finding
    case.run(detector_step("watermark"))
    found = case.findings()
    hits = found[found["code"] == "AI_WATERMARK"]
    assert sorted(hits["post_id"]) == ["a1", "a2"] and set(hits["severity"]) == {"high"}
    assert json.loads(hits["value"].iloc[0])["message"] == "SDXL"
