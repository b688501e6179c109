"""A fusion of detector scores fitted on the analyst's labels, stored with the case.

Raw detector scores are not probabilities. When the analyst labels files of
the case as fake or real (``case.label``: a ``detector.label`` decision, who
and when kept), :func:`fit_case_fusion` fits :func:`kit.detectors.fit_fusion`
on their stored scores and keeps it in the case setting ``detector.fusion``
(a vouched row; the change is in the custody log) with what it was fitted on:
the training files' SHA-256 and labels, the detector versions, and its
cross-validated AUC and calibration error (out-of-fold predictions, so the
figures are not the training fit). Every later read of the scores
(:func:`fused_scores`, the report) then shows its calibrated probability beside
the raw scores. Its probabilities hold for media like the labelled set; the
report says so.

Examples
--------
>>> from kit.casework.fusion import FUSION_SETTING
>>> FUSION_SETTING
'detector.fusion'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit.custody import utc_now
from kit.decisions import LABEL_DECISION
from kit.errors import CaseError

if TYPE_CHECKING:
    from kit.casedb import CaseDB
    from kit.detectors.fusion import Fusion

__all__ = ["FUSION_SETTING", "MIN_PER_CLASS", "case_labels", "label_files", "fit_case_fusion", "case_fusion",
           "fused_scores"]

FUSION_SETTING = "detector.fusion"
MIN_PER_CLASS = 5
"""Fewest labelled files of each class before a fusion is fitted (cross-validation needs folds of both)."""
LABELS = {"fake": 1, "real": 0}


def label_files(case: CaseDB, shas: list[str], label: str | None, note: str | None = None) -> None:
    """Label files ``fake`` or ``real`` (None withdraws a label) as the analyst's decisions."""
    if label is not None and label not in LABELS:
        raise CaseError(f"label {label!r}: use 'fake', 'real' or None")
    known = set(case.media()["sha256"])
    for sha in shas:
        if sha not in known:
            raise CaseError(f"{sha[:16]}: no such file in the case")
    for sha in shas:
        case.record_decision(LABEL_DECISION, sha, label, note)


def case_labels(case: CaseDB) -> pd.DataFrame:
    """sha256 and label (1 fake, 0 real) of every labelled file; the latest decision counts."""
    d = case.decisions(LABEL_DECISION)
    latest = dict(zip(d["subject"], d["value"]))
    rows = [(s, LABELS[v]) for s, v in latest.items() if v in LABELS]
    return pd.DataFrame(rows, columns=["sha256", "label"])


def _wide(case: CaseDB, columns: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    scores = case.scores()
    versions = scores.groupby("detector")["version"].first().to_dict() if len(scores) else {}
    wide = scores.pivot_table(index="sha256", columns="detector", values="score", aggfunc="first") \
        if len(scores) else pd.DataFrame()
    if columns is not None:
        wide = wide.reindex(columns=columns)
    return wide, {str(k): str(v) for k, v in versions.items()}


def fit_case_fusion(case: CaseDB, *, detectors: list[str] | None = None, method: str = "logistic",
                    folds: int = 5) -> dict[str, Any]:
    """Fit the fusion on the labelled files' stored scores and store it; the stored value.

    Raises
    ------
    CaseError
        Fewer than :data:`MIN_PER_CLASS` labelled files of a class, or no
        detector with a score on them.
    """
    from kit.detectors.evaluate import metrics
    from kit.detectors.fusion import expected_calibration_error, fit_fusion

    labels = case_labels(case)
    counts = labels["label"].value_counts()
    if min(counts.get(0, 0), counts.get(1, 0)) < MIN_PER_CLASS:
        raise CaseError(f"a fusion needs at least {MIN_PER_CLASS} labelled files of each class; the case has "
                        f"{counts.get(1, 0)} fake and {counts.get(0, 0)} real (dfkit detectors label)")
    wide, versions = _wide(case)
    wide = wide.reindex(labels["sha256"])
    cols = [c for c in (detectors or list(wide.columns)) if c in wide and wide[c].notna().any()]
    if not cols:
        raise CaseError("no detector has scored the labelled files: run the detectors first (dfkit detectors run)")
    X, y = wide[cols], labels["label"].to_numpy()
    k = int(min(folds, counts.min()))
    oof = _out_of_fold(X, y, cols, method, k)
    fusion = fit_fusion(X, y, columns=cols, method=method, source="analyst labels in this case")
    stored = {"fusion": fusion.to_dict(), "fitted_at": utc_now(), "analyst": case.analyst,
              "detector_versions": {c: versions.get(c) for c in cols},
              "training": [{"sha256": s, "label": int(v)} for s, v in zip(labels["sha256"], y)],
              "cross_validation": {"folds": k, "auc": round(metrics(y, oof)["auc"], 4),
                                   "ece": round(expected_calibration_error(y, oof), 4)}}
    case.set_setting(FUSION_SETTING, stored)
    return stored


def _out_of_fold(X: pd.DataFrame, y: np.ndarray, cols: list[str], method: str, folds: int) -> np.ndarray:
    from kit.detectors.fusion import cross_val_predict, fit_fusion

    def fit(tr: np.ndarray):
        f = fit_fusion(X.iloc[tr], y[tr], columns=cols, method=method)
        return lambda te: f.predict(X.iloc[te])

    return cross_val_predict(fit, y, folds=folds)


def case_fusion(case: CaseDB) -> tuple[Fusion, dict[str, Any]] | None:
    """The stored fusion and what it was fitted on, or None when the case has none."""
    from kit.detectors.fusion import Fusion

    stored = case.settings().get(FUSION_SETTING)
    if not isinstance(stored, dict) or "fusion" not in stored:
        return None
    return Fusion.from_dict(stored["fusion"]), stored


def fused_scores(case: CaseDB) -> pd.DataFrame:
    """Every scored file's raw scores (one column per detector) and, with a stored fusion, its
    calibrated ``probability`` of being fake (NaN without one); index sha256."""
    wide, versions = _wide(case)
    fitted = case_fusion(case)
    out = wide.copy()
    out["probability"] = np.nan
    if fitted is not None and len(wide):
        fusion, stored = fitted
        feats = wide.reindex(columns=list(fusion.columns))
        for col, version in (stored.get("detector_versions") or {}).items():
            if versions.get(col) not in (None, version):  # rescored by another version: not what it learned
                feats[col] = np.nan
        out["probability"] = fusion.predict(feats)
    return out
