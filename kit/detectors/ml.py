"""Adapters for machine-learning models: any Python callable, or an ONNX file.

No weights ship with the kit and none are downloaded: the analyst points the
adapter at a model they have. ``OnnxDetector`` needs onnxruntime (extra
``ml``). The adapter's version includes the model file's SHA-256 prefix, so
a different model file is a different detector version and the case
rescores.

Examples
--------
>>> import numpy as np
>>> det = CallableDetector(lambda img: img.mean() / 255, name="bright")
>>> det.score(np.full((8, 8, 3), 255, np.uint8)).score
1.0
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kit.detectors.base import Detector, DetectorError, DetectorResult
from kit.extras import optional_import

__all__ = ["CallableDetector", "OnnxDetector", "default_preprocess"]


def _to_score(out: Any) -> float:
    a = np.asarray(out, dtype=np.float64).ravel()
    if a.size == 1:
        v = float(a[0])
        return v if 0 <= v <= 1 else float(1 / (1 + np.exp(-v)))  # a logit
    if a.size == 2:  # two-class output: [real, fake] logits or probabilities
        e = np.exp(a - a.max()) if not (np.all(a >= 0) and abs(a.sum() - 1) < 1e-4) else a
        return float(e[1] / e.sum())
    raise DetectorError(f"model output has {a.size} values; give postprocess= to reduce it to one score")


class CallableDetector(Detector):
    """Wrap ``fn(image) -> score | (score, heatmap) | dict`` as a detector.

    ``fn`` gets a uint8 RGB array. A dict may have ``score``, ``heatmap``,
    ``explanation`` and any raw values. Logits and two-class outputs are
    turned into probabilities.
    """

    kind = "image"
    score_meaning = "the wrapped model's probability of manipulated/synthetic"

    def __init__(self, fn: Callable[[np.ndarray], Any], *, name: str = "callable", version: str = "1",
                 score_meaning: str | None = None) -> None:
        self.fn, self.name, self.version = fn, name, version
        if score_meaning:
            self.score_meaning = score_meaning

    def analyze(self, image: np.ndarray) -> DetectorResult:
        out, heat, extra = self.fn(image), None, {}
        if isinstance(out, dict):
            extra = {k: v for k, v in out.items() if k not in ("score", "heatmap", "explanation")}
            out, heat, expl = out.get("score"), out.get("heatmap"), out.get("explanation")
        elif isinstance(out, tuple):
            out, heat, expl = out[0], out[1], None
        else:
            expl = None
        if out is None:
            return self.result(None, expl or f"{self.name}: no score", **extra)
        s = _to_score(out)
        return self.result(s, expl or f"{self.name}: model score {s:.3f}",
                           heatmap=None if heat is None else np.asarray(heat, np.float32),
                           shape=image.shape, **extra)


def default_preprocess(image: np.ndarray, input_size: tuple[int, int]) -> np.ndarray:
    """Resize to ``input_size`` (h, w), scale to [0, 1], NCHW float32 batch of one."""
    import cv2

    h, w = input_size
    x = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return x.transpose(2, 0, 1)[None]


class OnnxDetector(Detector):
    """Run an ONNX model file with onnxruntime (CPU).

    Parameters
    ----------
    model_path
        The ``.onnx`` file (read once; never downloaded).
    preprocess
        ``preprocess(image, input_size) -> array`` feeding the model's first
        input; default :func:`default_preprocess`.
    input_size
        (height, width) given to ``preprocess``.
    postprocess
        ``postprocess(outputs) -> float`` on the list of outputs; default takes
        the first output as a probability, logit or two-class vector.
    """

    kind = "image"
    score_meaning = "the ONNX model's probability of manipulated/synthetic"

    def __init__(self, model_path: str | Path, *, preprocess: Callable[..., np.ndarray] | None = None,
                 input_size: tuple[int, int] = (224, 224), postprocess: Callable[[list], float] | None = None,
                 name: str | None = None) -> None:
        ort = optional_import("onnxruntime", extra="ml")
        self.model_path = Path(model_path)
        try:
            data = self.model_path.read_bytes()
            self.session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - unreadable or invalid model file
            raise DetectorError(f"{model_path}: cannot load ONNX model: {exc}", path=model_path) from exc
        self.name = name or f"onnx.{self.model_path.stem}"
        self.version = "onnx-" + hashlib.sha256(data).hexdigest()[:12]
        self.preprocess, self.input_size = preprocess or default_preprocess, tuple(input_size)
        self.postprocess = postprocess
        self.input_name = self.session.get_inputs()[0].name

    def analyze(self, image: np.ndarray) -> DetectorResult:
        x = np.ascontiguousarray(self.preprocess(image, self.input_size), dtype=np.float32)
        outs = self.session.run(None, {self.input_name: x})
        s = float(self.postprocess(outs)) if self.postprocess else _to_score(outs[0])
        return self.result(s, f"{self.model_path.name}: model score {s:.3f}",
                           output=np.asarray(outs[0]).ravel()[:16].tolist())

    def __reduce__(self):  # sessions do not pickle: rebuild from the file
        return (_rebuild_onnx, (str(self.model_path), self.preprocess, self.input_size,
                                self.postprocess, self.name))


def _rebuild_onnx(path, preprocess, input_size, postprocess, name) -> OnnxDetector:
    return OnnxDetector(path, preprocess=preprocess, input_size=input_size, postprocess=postprocess, name=name)
