"""Cross-validated fused evaluation: learned detectors + fusion, never fit on the test fold.

For each outer fold, on the training items only: the residual co-occurrence
model (:mod:`.residual`) and a spectral-profile logistic regression (Durall
et al. 2020) are trained on the clean and repost-transformed versions of the
training images; their inner-fold (out-of-fold) outputs plus the forensic
detectors' scores and summary values train the fusion
(:mod:`.fusion`). The test fold is then scored under every transform.

Examples
--------
>>> FEATURES["ela"]
('score', 'energy', 'energy_q90')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kit.detectors.fusion import fit_fusion
from kit.detectors.residual import fit_residual

__all__ = ["FEATURES", "feature_table", "residual_matrices", "cross_validated_fusion"]

FEATURES = {"ela": ("score", "energy", "energy_q90"), "noise": ("score", "noise_median"), "ghost": ("score", "contrast"),
            "jpeg": ("score", "periodicity"), "copymove": ("score",), "spectral": ("score", "hf_excess", "slope"),
            "faces": ("score",)}


def feature_table(scores):
    """Wide table (path, transform, label) x features from :func:`evaluate.score_images` output."""
    import pandas as pd

    rows: dict[tuple, dict] = {}
    for r in scores.itertuples(index=False):
        row = rows.setdefault((r.path, r.transform), {"path": r.path, "transform": r.transform, "label": r.label})
        res = r.result
        for f in FEATURES.get(r.detector, ("score",)):
            v = None if res is None else (res.score if f == "score" else res.raw.get(f))
            row[f"{r.detector}.{f}" if f != "score" else r.detector] = np.nan if v is None else float(v)
        if res is not None and r.detector == "spectral":
            row["_profile"] = np.asarray(res.raw["profile"], float)
    return pd.DataFrame(rows.values())


def residual_matrices(paths, transforms: Sequence[str]) -> dict[str, np.ndarray]:
    """Residual co-occurrence features of every image under every repost transform (NaN rows if unreadable)."""
    from kit.detectors.base import load_input
    from kit.detectors.evaluate import TRANSFORMS
    from kit.detectors.residual import N_FEATURES, residual_features

    out = {t: [] for t in transforms}
    for p in paths:
        try:
            img = load_input(p)
        except Exception:  # noqa: BLE001 - unreadable: a NaN row, reported by the detectors' error rows
            img = None
        for t in transforms:
            if img is None:
                out[t].append(np.full(N_FEATURES, np.nan))
            else:
                fn = TRANSFORMS[t]
                out[t].append(residual_features(img if fn is None else load_input(fn(img))))
    return {t: np.stack(v) for t, v in out.items()}


def _lr(X, y, C):
    from kit.extras import optional_import

    lm = optional_import("sklearn.linear_model", extra="ml")
    mu, sd = X.mean(0), X.std(0) + 1e-9
    m = lm.LogisticRegression(C=C, max_iter=5000).fit((X - mu) / sd, y)
    return lambda Z: m.decision_function((Z - mu) / sd)


def cross_validated_fusion(wide, residual: dict[str, np.ndarray] | None, *, folds: int = 5, seed: int = 0,
                           transforms: Sequence[str] = ("clean", "q70", "half"), C_res: float = 0.01,
                           columns: Sequence[str] | None = None, C_fusion: float = 0.1,
                           bagged: bool = True):
    """Out-of-fold fused probabilities per transform, plus the learned detectors' own scores.

    ``wide`` is :func:`feature_table` output; ``residual`` maps transform ->
    feature matrix in the order of the clean rows (``None`` skips the learned
    residual model); ``columns`` limits the forensic features fused
    (default: all), ``C_fusion`` is the fusion's inverse L2 strength.
    ``bagged`` scores the test fold with the average of the inner-fold
    learned models (cross-fitting) instead of a refit on the whole training
    fold, so the fusion sees test inputs distributed like its training
    inputs (better calibrated). Returns ``{transform: DataFrame(path, label, fused,
    residual, spectral_lr)}``.
    """
    import pandas as pd

    base = wide[wide["transform"] == "clean"].reset_index(drop=True)
    y = base["label"].to_numpy(int)
    by_t = {t: wide[wide["transform"] == t].set_index("path").loc[base["path"]].reset_index() for t in transforms}
    cols = list(columns) if columns is not None else \
        [c for c in base.columns if c not in ("path", "transform", "label", "_profile")]
    has_prof = "_profile" in base.columns
    prof = {t: np.stack([p if isinstance(p, np.ndarray) else np.zeros(len(base["_profile"].dropna().iloc[0]))
                         for p in by_t[t]["_profile"]]) for t in transforms} if has_prof else {}
    if residual is not None:  # unreadable images: zero features (their error rows say why)
        residual = {t: np.nan_to_num(np.asarray(residual[t], float), nan=0.0) for t in transforms}
    out = {t: pd.DataFrame({"path": base["path"], "label": y, "fused": np.nan, "residual": np.nan,
                            "spectral_lr": np.nan}) for t in transforms}

    def learned(tr):  # models trained on (augmented) training items only
        yy = np.concatenate([y[tr]] * len(transforms))
        models = {"spectral_lr": (_lr(np.vstack([prof[t][tr] for t in transforms]), yy, 0.1), prof)} \
            if has_prof else {}
        if residual is not None:
            m = fit_residual(np.vstack([residual[t][tr] for t in transforms]), yy, C=C_res)
            models["residual"] = (m.decision, residual)
        return models

    def stack_features(t, idx, models):
        X = by_t[t].loc[idx, cols].copy()
        for name, (fn, feats) in models.items():
            X[name] = fn(feats[t][idx])
        return X

    from kit.extras import optional_import

    ms = optional_import("sklearn.model_selection", extra="ml")
    for tr, te in ms.StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y):
        inner = {t: pd.DataFrame(index=tr) for t in transforms}  # out-of-fold learned outputs on train
        bag = []
        for itr, ite in ms.StratifiedKFold(folds, shuffle=True, random_state=seed + 1).split(tr, y[tr]):
            models = learned(tr[itr])
            bag.append(models)
            for t in transforms:
                f = stack_features(t, tr[ite], models)
                for c in f.columns:
                    inner[t].loc[tr[ite], c] = f[c].to_numpy()
        train = pd.concat([inner[t] for t in transforms], ignore_index=True)
        fusion = fit_fusion(train, np.concatenate([y[tr]] * len(transforms)), columns=list(train.columns),
                            C=C_fusion, source="cross-validation fold")
        if bagged:  # the inner models, averaged: test outputs distributed as the fusion saw them
            models = {k: (lambda Z, k=k: np.mean([m[k][0](Z) for m in bag], axis=0), bag[0][k][1])
                      for k in bag[0]}
        else:
            models = learned(tr)
        for t in transforms:
            f = stack_features(t, te, models)
            out[t].loc[te, "fused"] = fusion.predict(f)
            for name in models:
                out[t].loc[te, name] = f[name].to_numpy()
    return out


