"""Fusion and calibration: many detector scores -> one calibrated probability.

Method: logistic regression on standardised detector scores/features
(Platt, "Probabilistic outputs for support vector machines", 1999, is the
one-feature case), optionally followed by isotonic regression of its output
(Zadrozny & Elkan, KDD 2002). Missing scores (``None``) are imputed with the
training mean. A fitted :class:`Fusion` is a plain value: ``to_dict()`` is
JSON-able, so the case stores it with its provenance (training set size,
labels, columns, method). Reliability-diagram data and expected calibration
error (Naeini et al., AAAI 2015) come with it.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0); y = np.r_[np.zeros(50), np.ones(50)]
>>> X = pd.DataFrame({"a": y + rng.normal(0, 0.5, 100), "b": rng.normal(0, 1, 100)})
>>> f = fit_fusion(X, y)
>>> p = f.predict(X); bool(p[y == 1].mean() > p[y == 0].mean()), f.columns
(True, ('a', 'b'))
>>> Fusion.from_dict(f.to_dict()).predict(X.iloc[:2]).round(6).tolist() == p[:2].round(6).tolist()
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kit.extras import optional_import

__all__ = ["Fusion", "fit_fusion", "reliability", "expected_calibration_error", "cross_val_predict"]


@dataclass(frozen=True)
class Fusion:
    """A fitted fusion model (see module docstring)."""

    columns: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    method: str = "logistic"
    isotonic: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    provenance: dict = field(default_factory=dict, compare=False)

    def _matrix(self, features) -> np.ndarray:
        X = np.asarray(features[list(self.columns)], dtype=float)
        return np.where(np.isnan(X), np.asarray(self.mean), X)

    def predict(self, features) -> np.ndarray:
        """Calibrated probability of manipulated/synthetic for each row of ``features``."""
        z = ((self._matrix(features) - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef)
        p = 1 / (1 + np.exp(-np.clip(z + self.intercept, -50, 50)))
        if self.isotonic is not None:
            p = np.interp(p, *self.isotonic)
        return p

    def to_dict(self) -> dict[str, Any]:
        from kit.steps import to_jsonable

        return to_jsonable(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fusion:
        iso = d.get("isotonic")
        return cls(tuple(d["columns"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]),
                   float(d["intercept"]), d.get("method", "logistic"),
                   None if iso is None else (tuple(iso[0]), tuple(iso[1])), dict(d.get("provenance", {})))


def fit_fusion(features, labels: Sequence[int], *, columns: Sequence[str] | None = None,
               method: str = "logistic", C: float = 1.0, source: str = "") -> Fusion:
    """Fit fusion on a labelled feature table (one row per item; labels 1 = fake)."""
    lm = optional_import("sklearn.linear_model", extra="ml")
    if method not in ("logistic", "isotonic"):
        from kit.detectors.base import DetectorError

        raise DetectorError(f"unknown fusion method {method!r}: use 'logistic' or 'isotonic'")
    cols = tuple(columns or [c for c in features.columns if np.issubdtype(features[c].dtype, np.number)])
    X = np.asarray(features[list(cols)], dtype=float)
    mean = np.nanmean(X, axis=0)
    mean = np.where(np.isnan(mean), 0.0, mean)
    X = np.where(np.isnan(X), mean, X)
    scale = X.std(axis=0) + 1e-9
    y = np.asarray(labels, int)
    lr = lm.LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y)
    f = Fusion(cols, tuple(mean), tuple(scale), tuple(lr.coef_[0]), float(lr.intercept_[0]), method, None,
               {"n": int(len(y)), "n_fake": int(y.sum()), "C": C, "source": source})
    if method == "isotonic":
        iso = optional_import("sklearn.isotonic", extra="ml").IsotonicRegression(
            out_of_bounds="clip", y_min=0, y_max=1).fit(f.predict(features), y)
        f = Fusion(*[getattr(f, k) for k in ("columns", "mean", "scale", "coef", "intercept", "method")],
                   (tuple(iso.X_thresholds_), tuple(iso.y_thresholds_)), f.provenance)
    return f


def reliability(labels, probs, *, bins: int = 10):
    """Reliability-diagram data: per probability bin, count, mean prediction, share of fakes."""
    import pandas as pd

    y, p = np.asarray(labels, float), np.asarray(probs, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    rows = [{"bin": b, "lo": b / bins, "hi": (b + 1) / bins, "count": int((idx == b).sum()),
             "mean_pred": float(p[idx == b].mean()) if (idx == b).any() else np.nan,
             "frac_fake": float(y[idx == b].mean()) if (idx == b).any() else np.nan} for b in range(bins)]
    return pd.DataFrame(rows)


def expected_calibration_error(labels, probs, *, bins: int = 10) -> float:
    """ECE: count-weighted mean |share of fakes - mean prediction| over bins.

    >>> expected_calibration_error([0, 1, 1, 0], [0.0, 1.0, 1.0, 0.0])
    0.0
    """
    r = reliability(labels, probs, bins=bins)
    r = r[r["count"] > 0]
    return float((r["count"] * (r["frac_fake"] - r["mean_pred"]).abs()).sum() / r["count"].sum())


def cross_val_predict(fit: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]], labels,
                      *, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold predictions: ``fit(train_idx)`` returns ``predict(test_idx)``; never sees the test fold."""
    ms = optional_import("sklearn.model_selection", extra="ml")
    y = np.asarray(labels, int)
    out = np.full(len(y), np.nan)
    for tr, te in ms.StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y):
        out[te] = fit(tr)(te)
    return out
