"""Evaluate detectors on a labelled set: ROC AUC, AP, EER, TPR at low FPR, robustness.

Metrics follow the usual definitions (scikit-learn's ``roc_auc_score`` and
``average_precision_score``; EER where FPR = FNR on the ROC curve), with
percentile bootstrap confidence intervals (Efron & Tibshirani 1993) over
items resampled within each class. Robustness: the same images scored after
JPEG recompression at quality 70 and after resizing to half size, as reposts
would be.

Examples
--------
>>> m = metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
>>> m["auc"], m["eer"]
(0.75, 0.5)
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kit.extras import optional_import

__all__ = ["metrics", "bootstrap", "evaluate_scores", "TRANSFORMS", "labelled_folder", "score_images"]

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def metrics(labels, scores) -> dict[str, float]:
    """AUC, AP, EER and TPR at 1% / 5% FPR of ``scores`` (higher = fake) against 0/1 labels."""
    skm = optional_import("sklearn.metrics", extra="ml")
    y, s = np.asarray(labels, int), np.asarray(scores, float)
    fpr, tpr, _ = skm.roc_curve(y, s)
    i = int(np.argmin(np.abs(fpr - (1 - tpr))))
    return {"auc": float(skm.roc_auc_score(y, s)), "ap": float(skm.average_precision_score(y, s)),
            "eer": float((fpr[i] + 1 - tpr[i]) / 2),
            "tpr_at_fpr1": float(np.interp(0.01, fpr, tpr)), "tpr_at_fpr5": float(np.interp(0.05, fpr, tpr))}


def bootstrap(labels, scores, *, n: int = 500, seed: int = 0, alpha: float = 0.05) -> dict[str, tuple]:
    """Percentile bootstrap interval of every metric (stratified resampling)."""
    y, s = np.asarray(labels, int), np.asarray(scores, float)
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    draws = []
    for _ in range(n):
        idx = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
        draws.append(metrics(y[idx], s[idx]))
    return {k: (float(np.quantile([d[k] for d in draws], alpha / 2)),
                float(np.quantile([d[k] for d in draws], 1 - alpha / 2))) for k in draws[0]}


def evaluate_scores(table, *, label: str = "label", columns: Sequence[str] | None = None,
                    n_boot: int = 200, seed: int = 0):
    """One row per score column: n, n_missing, metrics and their bootstrap CIs."""
    import pandas as pd

    cols = columns or [c for c in table.columns if c != label and np.issubdtype(table[c].dtype, np.number)]
    rows = []
    for c in cols:
        ok = table[c].notna()
        y, s = table.loc[ok, label].to_numpy(int), table.loc[ok, c].to_numpy(float)
        row = {"detector": c, "n": int(ok.sum()), "n_missing": int((~ok).sum()),
               **dict.fromkeys(("auc", "ap", "eer", "tpr_at_fpr1", "tpr_at_fpr5"), np.nan)}
        if len(set(y)) == 2:
            row.update(metrics(y, s))
            if n_boot:
                for k, (lo, hi) in bootstrap(y, s, n=n_boot, seed=seed).items():
                    row[f"{k}_lo"], row[f"{k}_hi"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def _q70(img: np.ndarray) -> bytes:
    import cv2

    return cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 70])[1].tobytes()


def _half(img: np.ndarray) -> bytes:
    import cv2

    small = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".png", small[..., ::-1])[1].tobytes()


TRANSFORMS = {"clean": None, "q70": _q70, "half": _half}
"""Repost transforms: JPEG quality 70; resize to 0.5 (area), stored losslessly (PNG)."""


def labelled_folder(real: str | Path, fake: str | Path):
    """A (path, label) table from a folder of real and a folder of fake images."""
    import pandas as pd

    rows = [{"path": p, "label": lab} for d, lab in ((real, 0), (fake, 1))
            for p in sorted(Path(d).iterdir()) if p.suffix.lower() in IMAGE_EXT]
    return pd.DataFrame(rows, columns=["path", "label"])


def score_images(items, detectors: Sequence[str], *, transforms: Sequence[str] = ("clean",),
                 keep_heatmaps: bool = False):
    """Score a labelled table (path, label) with each detector under each transform.

    Returns a long DataFrame: path, label, transform, detector, score, error,
    seconds, result (heat maps dropped unless ``keep_heatmaps``, to save memory).
    """
    import dataclasses

    import pandas as pd

    from kit.detectors.base import load_input
    from kit.detectors.registry import get_detector

    dets = [get_detector(n) for n in detectors]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for t in transforms:
            paths = []
            for k, p in enumerate(items["path"]):
                if TRANSFORMS[t] is None:
                    paths.append(Path(p))
                    continue
                q = Path(tmp) / f"{t}_{k}.{'jpg' if t == 'q70' else 'png'}"
                try:
                    q.write_bytes(TRANSFORMS[t](load_input(p)))
                except Exception:  # noqa: BLE001 - the detectors will report the unreadable file
                    q = Path(p)
                paths.append(q)
            for det in dets:
                df = det.score_many(paths, ids=list(items["path"]))
                if not keep_heatmaps:
                    df["result"] = [r if r is None else dataclasses.replace(r, heatmap=None) for r in df["result"]]
                df = df.rename(columns={"item": "path"}).assign(label=items["label"].to_numpy(), transform=t)
                out.append(df)
    return pd.concat(out, ignore_index=True)
