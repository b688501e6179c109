"""Learned detector: residual co-occurrence features + logistic regression.

Method: rich-model style features (Fridrich & Kodovsky, "Rich models for
steganalysis of digital images", IEEE TIFS 7(3), 2012; applied to GAN
images by Nataraj et al., "Detecting GAN generated fake images using
co-occurrence matrices", EI 2019, and to colour by Li et al., "Detection
of deep network generated images using disparities in color components",
2018): high-pass residuals (1st/2nd order and the 3x3 "KV" kernel) of Y,
Cb and Cr, quantised and truncated to {-2..2}, and 3rd-order co-occurrence
histograms along rows and columns (3 x 5 x 2 x 125 = 3750 dims), fed to an
L2-regularised logistic regression.

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

__all__ = ["ResidualDetector", "ResidualModel", "residual_features", "fit_residual"]

_KV = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], np.float32) / 4


def _cooc(q: np.ndarray) -> np.ndarray:
    a = q + 2
    h = a[:, :-2] * 25 + a[:, 1:-1] * 5 + a[:, 2:]
    v = a[:-2] * 25 + a[1:-1] * 5 + a[2:]
    return np.concatenate([np.bincount(h.ravel(), minlength=125), np.bincount(v.ravel(), minlength=125)])


def residual_features(image: np.ndarray, *, max_side: int = 512) -> np.ndarray:
    """3750 co-occurrence features (square-rooted frequencies) of an RGB uint8 image."""
    import cv2

    if max(image.shape[:2]) > max_side:  # centre crop keeps the pixel grid (no resampling)
        h, w = image.shape[:2]
        y, x = max(0, (h - max_side) // 2), max(0, (w - max_side) // 2)
        image = image[y:y + max_side, x:x + max_side]
    ycc = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2YCrCb).astype(np.float32)
    feats = []
    for c in range(3):
        x = ycc[..., c]
        rs = [x[:, 1:] - x[:, :-1], x[1:] - x[:-1], x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2],
              x[2:] - 2 * x[1:-1] + x[:-2], cv2.filter2D(x, -1, _KV)[1:-1, 1:-1]]
        for r in rs:
            q = np.clip(np.rint(r), -2, 2).astype(np.int64)
            hist = _cooc(q).astype(np.float64)
            feats.append(np.sqrt(hist / max(hist[:125].sum(), 1)))
    return np.concatenate(feats)


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

        z = np.load(path)
        return cls(z["mean"].astype(float), z["scale"].astype(float), z["coef"].astype(float),
                   float(z["intercept"]), ast.literal_eval(str(z["meta"])))


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
                         {"n": int(len(y)), "n_fake": int(y.sum()), "C": C, "source": source})


class ResidualDetector(Detector):
    """Residual co-occurrence + logistic regression (see module docstring)."""

    name, kind = "residual", "image"
    score_meaning = "probability of synthetic under a model learned from the analyst's labelled set"

    def __init__(self, model: ResidualModel | str | Path | None = None) -> None:
        self.model = ResidualModel.load(model) if isinstance(model, (str, Path)) else model
        self.version = "1" if self.model is None else f"1-{self.model.digest}"

    def analyze(self, image: np.ndarray) -> DetectorResult:
        if self.model is None:
            return self.result(None, "not trained: fit_residual() on a labelled set first")
        p = float(self.model.predict(residual_features(image))[0])
        return self.result(p, f"residual co-occurrence model ({self.model.meta.get('n')} training "
                           f"images): {p:.2f}", decision=float(np.log(p / (1 - p + 1e-12) + 1e-12)))
