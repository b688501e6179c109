"""Conformance of every registered detector, the registry and the case integration contract."""

from __future__ import annotations

import pickle
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest

from _media import scene
from kit.detectors import (
    Detector,
    DetectorError,
    DetectorResult,
    decode_heatmap,
    detector_names,
    detector_step,
    get_detector,
    list_detectors,
    register,
    result_payload,
    scores_table,
    unregister,
)
from kit.detectors import registry
from kit.steps import run_step




@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    import cv2

    d = tmp_path_factory.mktemp("det")
    out = {}
    for i in (1, 2):
        out[f"jpg{i}"] = d / f"img{i}.jpg"
        cv2.imwrite(str(out[f"jpg{i}"]), scene(i, 192, 256)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    out["png"] = d / "img.png"
    cv2.imwrite(str(out["png"]), scene(3, 192, 256)[..., ::-1])
    vw = cv2.VideoWriter(str(d / "v.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 5, (128, 96))
    for k in range(12):
        vw.write(np.roll(scene(4, 96, 128), 4 * k, axis=1))
    vw.release()
    out["video"] = d / "v.avi"
    out["garbage"] = d / "garbage.jpg"
    out["garbage"].write_bytes(b"this is not an image, whatever its name says" * 3)
    out["missing"] = d / "missing.jpg"
    return out


def _inputs(det: Detector, media: dict[str, Path]) -> list[Path]:
    if "image" not in det.media_kinds:
        return [media["video"], media["video"]]
    return [media["jpg1"], media["jpg2"], media["png"]]


ALL = detector_names()


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_conformance(name, media):
    det = get_detector(name)
    assert det.name == name and det.version and det.score_meaning
    assert det.kind in {"image", "face", "video", "metadata"}
    items = _inputs(det, media)
    singles = [det.score(p) for p in items]
    for r in singles:
        assert isinstance(r, DetectorResult) and r.detector == name and r.version == det.version
        assert r.score is None or 0.0 <= r.score <= 1.0
        assert isinstance(r.explanation, str) and r.explanation
        if r.heatmap is not None:
            assert r.heatmap.dtype == np.float32 and r.heatmap.min() >= 0 and r.heatmap.max() <= 1
    again = [det.score(p).score for p in items]  # determinism
    assert again == [r.score for r in singles]
    batch = det.score_many(items)
    assert len(batch) == len(items) and batch["error"].isna().all()
    np.testing.assert_array_equal(batch["score"].to_numpy(float),
                                  np.array([np.nan if r.score is None else r.score for r in singles], float))
    bad = det.score_many([media["garbage"], media["missing"], items[0]])
    assert bad["error"].notna().tolist() == [True, True, False]
    assert (bad["seconds"] >= 0).all()


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_step_contract(name, media):
    step = detector_step(name)
    assert step.name == f"detector.{name}" and step.version == get_detector(name).version
    pickle.dumps(step.func)
    path = media["video"] if "image" not in step.kinds else media["jpg1"]
    out = run_step(step, path)
    assert out.status == "ok", out.error
    assert set(out.payload) >= {"score", "explanation", "raw", "heatmap", "version"}
    assert len(pickle.dumps(out.payload)) < 60_000  # no full-size maps in the store
    if out.payload["heatmap"] is not None:
        assert max(out.payload["heatmap"]["size"]) <= 64
    assert run_step(step, media["garbage"]).status == "error"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(np.zeros((32, 32, 3), np.float64), id="float-array"),
        pytest.param(np.zeros((32, 32, 4), np.uint8), id="four-channels"),
        pytest.param(np.zeros((4, 4), np.uint8), id="too-small"),
        pytest.param(b"not an image", id="bytes"),
    ],
)
def test_bad_arrays_raise_specific_errors(bad):
    from kit.errors import KitError

    with pytest.raises(KitError):
        get_detector("ela").score(bad)


def test_registry_register_and_clash():
    class Toy(Detector):
        name, version, score_meaning = "toy_det", "3", "toy"

        def analyze(self, image):
            return self.result(0.5, "toy")

    register(Toy)
    try:
        assert "toy_det" in detector_names()
        assert get_detector("toy_det").score(np.zeros((16, 16, 3), np.uint8)).score == 0.5
        with pytest.raises(DetectorError, match="already registered"):
            register(Toy)
        with pytest.raises(DetectorError, match="already registered"):
            register(Toy, name="ela")
    finally:
        unregister("toy_det")
    with pytest.raises(DetectorError, match="no detector named"):
        get_detector("toy_det")


def test_entry_points(monkeypatch):
    import pandas as pd

    eps = {
        "ep_ela": EntryPoint("ep_ela", "kit.detectors.ela:ElaDetector", registry.ENTRY_POINT_GROUP),
        "ep_broken": EntryPoint("ep_broken", "no_such_module_xyz:Nope", registry.ENTRY_POINT_GROUP),
    }
    monkeypatch.setattr(registry, "_ENTRY_POINTS", eps)
    assert {"ep_ela", "ep_broken"} <= set(detector_names())
    assert get_detector("ep_ela", quality=80).quality == 80
    table = list_detectors().set_index("name")
    assert table.loc["ep_broken", "source"] == "entry point"
    assert "failed to load" in table.loc["ep_broken", "error"]
    assert pd.isna(table.loc["ela", "error"])
    with pytest.raises(DetectorError, match="failed to load"):
        get_detector("ep_broken")


def test_scores_table_from_case_results_and_results():
    import pandas as pd

    r = DetectorResult("ela", "1", 0.7, "why", np.ones((10, 10), np.float32))
    payload = result_payload(r)
    case_df = pd.DataFrame([
        {"sha256": "aa", "step": "detector.ela", "version": "1", "status": "ok", "error": None,
         "seconds": 0.1, "payload": payload},
        {"sha256": "bb", "step": "detector.ela", "version": "1", "status": "error",
         "error": "detector.ela: CorruptMedia: bad", "seconds": 0.1, "payload": None},
    ])
    t = scores_table({"detector.ela": case_df, "noise": {"aa": DetectorResult("noise", "2", None, "x"),
                                                          "bb": DetectorError("boom")}})
    assert t.columns.tolist() == ["sha256", "detector", "version", "score", "error", "explanation"]
    assert t["detector"].tolist() == ["ela", "ela", "noise", "noise"]
    assert t["score"].iloc[0] == 0.7 and np.isnan(t["score"].iloc[1]) and np.isnan(t["score"].iloc[2])
    assert t["error"].notna().tolist() == [False, True, False, True]
    assert decode_heatmap(payload["heatmap"]).min() == 1.0


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HOSTILE = SHARED / "hostile" / "pillow"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
@pytest.mark.skipif(not HOSTILE.exists(), reason="../shared/data absent")
@pytest.mark.parametrize("name", [n for n in registry.BUILTIN if n != "video"])
def test_hostile_files_give_error_rows(name):
    """Every detector survives Pillow's crash/bomb/truncation corpus: one row per file, no crash."""
    files = sorted(p for p in HOSTILE.iterdir() if p.is_file())
    df = get_detector(name).score_many(files)
    assert len(df) == len(files)
    if not get_detector(name).needs_path:  # decoders: most of these files must fail to decode
        assert df["error"].notna().sum() >= len(files) // 2
    assert ((df["score"] >= 0) & (df["score"] <= 1) | df["score"].isna()).all()
