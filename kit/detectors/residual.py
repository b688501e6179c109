"""Learned detector: residual co-occurrence features + logistic regression.

Method: rich-model style features (Fridrich & Kodovsky, "Rich models for
steganalysis of digital images", IEEE TIFS 7(3), 2012; applied to GAN
images by Nataraj et al., "Detecting GAN generated fake images using
co-occurrence matrices", EI 2019) in two families:

* spatial: high-pass residuals (1st/2nd order and the 3x3 "KV" kernel) of Y,
  Cb and Cr, quantised and truncated to {-2..2}, and 3rd-order co-occurrences
  along rows and columns, merged as the rich models merge them (a triple and
  its reverse and negation are one bin; rows and columns summed): 585 dims;
* colour: for nine residual kernels (1st/2nd/3rd order both ways, KV 3x3 and
  5x5, edge) and two quantisation steps (1, 2), the co-occurrence of the Y,
  Cb and Cr residuals *at the same pixel* (Goljan, Fridrich and Cogranne,
  "Rich model for steganalysis of color images", WIFS 2014; Li et al.,
  "Detection of deep network generated images using disparities in color
  components", 2018), a triple and its negation one bin: 1134 dims. It
  measures how the fine detail of the three colour channels moves together:
  a camera's demosaicing and JPEG's chroma handling tie them one way, a
  generator's upsampling another.

On the 120 faces of ../shared/data/detectors/faces-dev (5-fold CV, three
seeds, trained on clean, JPEG q70 and half-size copies) the colour family
lifted the AUC from 0.91 / 0.87 / 0.91 (the spatial family alone, at 3750
dims, stop 27) to 0.96 / 0.90 / 0.97 (clean / q70 / half; DEVELOPERS.md).
The features are L2-regularised logistic regression inputs (square-rooted
frequencies).

The parameters are learned at run time from the analyst's labelled set
(:func:`fit_residual`); the kit ships none (a model trained on FFHQ faces
would carry FFHQ's CC BY-NC-SA 4.0 terms). Without a model the detector
says nothing (score ``None``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kit.detectors.base import Detector, DetectorResult, load_input

__all__ = ["ResidualDetector", "ResidualModel", "residual_features", "fit_residual", "N_FEATURES"]

FEATURES_VERSION = 2
"""2: spatial (symmetrised) + colour co-occurrences, 1719 dims; 1 (stop 27 and before): 3750 spatial dims."""

_KV = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], np.float32) / 4
_KV5 = np.array([[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2],
                 [-1, 2, -2, 2, -1]], np.float32) / 12
_EDGE = np.array([[-1, 2, -1], [2, -4, 2], [0, 0, 0]], np.float32) / 4


def _merge_index(order: int, rev: bool) -> tuple[np.ndarray, int]:
    """Bin of each {-2..2} tuple once a tuple, its negation (and with ``rev`` its reverse) are one."""
    import itertools

    seen: dict = {}
    out = []
    for tup in itertools.product(range(-2, 3), repeat=order):
        forms = [tup, tuple(-v for v in tup)]
        if rev:
            forms += [f[::-1] for f in forms]
        out.append(seen.setdefault(min(forms), len(seen)))
    return np.array(out), len(seen)


_SPATIAL, _N_SPATIAL = _merge_index(3, True)   # 39 bins
_COLOUR, _N_COLOUR = _merge_index(3, False)    # 63 bins


def _residuals(x: np.ndarray, rich: bool) -> list[np.ndarray]:
    import cv2

    rs = [x[:, 1:] - x[:, :-1], x[1:] - x[:-1], x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2],
          x[2:] - 2 * x[1:-1] + x[:-2]]
    if rich:
        rs += [x[:, 3:] - 3 * x[:, 2:-1] + 3 * x[:, 1:-2] - x[:, :-3], x[3:] - 3 * x[2:-1] + 3 * x[1:-2] - x[:-3]]
    rs.append(cv2.filter2D(x, -1, _KV)[1:-1, 1:-1])
    if rich:
        rs += [cv2.filter2D(x, -1, _KV5)[2:-2, 2:-2], cv2.filter2D(x, -1, _EDGE)[1:-1, 1:-1]]
    return rs


def _hist(codes: np.ndarray, merge: np.ndarray, n: int) -> np.ndarray:
    h = np.bincount(merge[codes.ravel()], minlength=n).astype(np.float64)
    return np.sqrt(h / max(h.sum(), 1))


def _spatial(q: np.ndarray) -> np.ndarray:
    a = q + 2
    h = a[:, :-2] * 25 + a[:, 1:-1] * 5 + a[:, 2:]
    v = a[:-2] * 25 + a[1:-1] * 5 + a[2:]
    return _hist(np.concatenate([h.ravel(), v.ravel()]), _SPATIAL, _N_SPATIAL)


def _colour(rs: list[np.ndarray], step: float) -> np.ndarray:
    """Same-pixel co-occurrence of one residual kind in Y, Cb and Cr (cropped to their common size)."""
    hh, ww = (min(r.shape[k] for r in rs) for k in (0, 1))
    q = [np.clip(np.rint(r[:hh, :ww] / step), -2, 2).astype(np.int64) + 2 for r in rs]
    return _hist(q[0] * 25 + q[1] * 5 + q[2], _COLOUR, _N_COLOUR)


def residual_features(image: np.ndarray, *, max_side: int = 512) -> np.ndarray:
    """1719 co-occurrence features (square-rooted frequencies) of an RGB uint8 image (module docstring)."""
    import cv2

    if max(image.shape[:2]) > max_side:  # centre crop keeps the pixel grid (no resampling)
        h, w = image.shape[:2]
        y, x = max(0, (h - max_side) // 2), max(0, (w - max_side) // 2)
        image = image[y:y + max_side, x:x + max_side]
    ycc = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2YCrCb).astype(np.float32)
    rich = [_residuals(ycc[..., c], True) for c in range(3)]
    spatial = [_spatial(np.clip(np.rint(r), -2, 2).astype(np.int64))
               for c in range(3) for k, r in enumerate(rich[c]) if k in (0, 1, 2, 3, 6)]
    colour = [_colour([rich[c][k] for c in range(3)], step) for step in (1.0, 2.0) for k in range(len(rich[0]))]
    return np.concatenate(spatial + colour)


N_FEATURES = 5 * 3 * _N_SPATIAL + 2 * 9 * _N_COLOUR


@dataclass(frozen=True)
class ResidualModel:
    """Standardiser + logistic regression weights, with what they were trained on."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict

    def decision(self, feats: np.ndarray) -> np.ndarray:
        return ((np.atleast_2d(feats) - self.mean) / self.scale) @ self.coef + self.intercept

    def predict(self, feats: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-np.clip(self.decision(feats), -50, 50)))

    @property
    def digest(self) -> str:
        f32 = [np.asarray(a, np.float32).tobytes() for a in (self.coef, self.mean, self.scale)]
        return hashlib.sha256(b"".join(f32) + np.float32(self.intercept).tobytes()).hexdigest()[:12]

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            coef=self.coef.astype(np.float32), intercept=self.intercept,
                            meta=np.array(repr(self.meta)))

    @classmethod
    def load(cls, path: str | Path) -> ResidualModel:
        import ast

        from kit.errors import KitError

        z = np.load(path)
        model = cls(z["mean"].astype(float), z["scale"].astype(float), z["coef"].astype(float),
                    float(z["intercept"]), ast.literal_eval(str(z["meta"])))
        if len(model.coef) != N_FEATURES:
            raise KitError(f"{path}: a residual model of {len(model.coef)} features (feature version "
                           f"{model.meta.get('features', 1)}); this kit computes {N_FEATURES} (version "
                           f"{FEATURES_VERSION}): train it again with `dfkit detectors train`", path=str(path))
        return model


def fit_residual(items: Sequence[Any] | np.ndarray, labels: Iterable[int], *, C: float = 0.01,
                 source: str = "analyst labelled set") -> ResidualModel:
    """Train on images (paths/arrays) or a precomputed feature matrix; labels 1 = fake."""
    from kit.extras import optional_import

    lm = optional_import("sklearn.linear_model", extra="ml")
    X = items if isinstance(items, np.ndarray) and items.ndim == 2 else \
        np.stack([residual_features(load_input(i)) for i in items])
    y = np.asarray(list(labels), int)
    mean, scale = X.mean(0), X.std(0) + 1e-6
    lr = lm.LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y)
    return ResidualModel(mean, scale, lr.coef_[0], float(lr.intercept_[0]),
                         {"n": int(len(y)), "n_fake": int(y.sum()), "C": C, "source": source,
                          "features": FEATURES_VERSION})


class ResidualDetector(Detector):
    """Residual co-occurrence + logistic regression (see module docstring)."""

    name, kind = "residual", "image"
    score_meaning = "probability of synthetic under a model learned from the analyst's labelled set"

    def __init__(self, model: ResidualModel | str | Path | None = None) -> None:
        self.model = ResidualModel.load(model) if isinstance(model, (str, Path)) else model
        v = FEATURES_VERSION
        self.version = str(v) if self.model is None else f"{v}-{self.model.digest}"

    def analyze(self, image: np.ndarray) -> DetectorResult:
        if self.model is None:
            return self.result(None, "not trained: fit_residual() on a labelled set first")
        p = float(self.model.predict(residual_features(image))[0])
        return self.result(p, f"residual co-occurrence model ({self.model.meta.get('n')} training "
                           f"images): {p:.2f}", decision=float(np.log(p / (1 - p + 1e-12) + 1e-12)))
