"""ML adapters: CallableDetector and OnnxDetector with a real (tiny) ONNX model built here."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from kit.detectors import DetectorError
from kit.detectors.ml import CallableDetector, OnnxDetector, default_preprocess

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _model(path, *, two_class: bool = False):
    """A model computing sigmoid(w * (mean of the red channel) + b) (or two logits)."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 16, 16])
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["m"], axes=[2, 3], keepdims=0),  # (1, 3)
        helper.make_node("MatMul", ["m", "W"], ["z"]),  # (1, k)
        helper.make_node("Add", ["z", "B"], ["logit"]),
    ]
    k = 2 if two_class else 1
    w = np.zeros((3, k), np.float32)
    w[0, -1] = 8.0
    inits = [helper.make_tensor("W", TensorProto.FLOAT, w.shape, w.ravel()),
             helper.make_tensor("B", TensorProto.FLOAT, [k], np.full(k, -4.0, np.float32))]
    if not two_class:
        nodes.append(helper.make_node("Sigmoid", ["logit"], ["prob"]))
    out = helper.make_tensor_value_info("prob" if not two_class else "logit", TensorProto.FLOAT, [1, k])
    graph = helper.make_graph(nodes, "toy", [x], [out], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return path


@pytest.mark.parametrize(
    "red,expected",
    [pytest.param(0, 1 / (1 + np.exp(4)), id="dark"), pytest.param(255, 1 / (1 + np.exp(-4)), id="red"),
     pytest.param(128, 1 / (1 + np.exp(-(8 * 128 / 255 - 4))), id="mid")],
)
def test_onnx_detector_scores_like_the_model(tmp_path, red, expected):
    det = OnnxDetector(_model(tmp_path / "toy.onnx"), input_size=(16, 16))
    img = np.zeros((40, 30, 3), np.uint8)
    img[..., 0] = red
    r = det.score(img)
    assert r.score == pytest.approx(expected, abs=1e-5)
    assert det.name == "onnx.toy" and det.version.startswith("onnx-")


def test_onnx_two_class_logits_softmax_and_pickle(tmp_path):
    det = OnnxDetector(_model(tmp_path / "two.onnx", two_class=True), input_size=(16, 16), name="two")
    img = np.full((20, 20, 3), 255, np.uint8)
    # logits [-4, 4]: softmax -> 1 / (1 + e^-8)
    assert det.score(img).score == pytest.approx(1 / (1 + np.exp(-8)), abs=1e-5)
    again = pickle.loads(pickle.dumps(det))
    assert again.score(img).score == det.score(img).score
    df = det.score_many([img, b"junk", np.zeros((5, 5), np.uint8)])
    assert df["error"].notna().tolist() == [False, True, True]


def test_onnx_custom_preprocess_and_bad_model(tmp_path):
    calls = []

    def prep(image, size):
        calls.append(size)
        return default_preprocess(image, size)

    det = OnnxDetector(_model(tmp_path / "toy.onnx"), preprocess=prep, input_size=(16, 16))
    det.score(np.zeros((16, 16, 3), np.uint8))
    assert calls == [(16, 16)]
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(DetectorError, match="cannot load ONNX"):
        OnnxDetector(bad)


@pytest.mark.parametrize(
    "out,expected",
    [pytest.param(0.25, 0.25, id="probability"), pytest.param(0.0, 0.0, id="zero"),
     pytest.param(3.0, 1 / (1 + np.exp(-3)), id="logit"),
     pytest.param([0.2, 0.8], 0.8, id="two-class-probabilities"),
     pytest.param({"score": 0.4, "explanation": "mine", "extra": 7}, 0.4, id="dict")],
)
def test_callable_detector(out, expected):
    det = CallableDetector(lambda img: out, name="fn")
    r = det.score(np.zeros((16, 16, 3), np.uint8))
    assert r.score == pytest.approx(expected)


def test_callable_detector_heatmap_and_errors():
    det = CallableDetector(lambda img: (0.9, np.ones(img.shape[:2]) * 2), name="fn")
    r = det.score(np.zeros((16, 24, 3), np.uint8))
    assert r.heatmap.shape == (16, 24) and r.heatmap.max() == 1.0
    bad = CallableDetector(lambda img: [1, 2, 3], name="bad")
    df = bad.score_many([np.zeros((16, 16, 3), np.uint8)])
    assert "postprocess" in df["error"].iloc[0]
