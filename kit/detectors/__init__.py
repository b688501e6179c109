"""Detector scoring: how likely a file is manipulated or synthetic, and where.

One module a detector, a base class and result type (:mod:`.base`), one
registry (:mod:`.registry`, third parties through the ``dfkit.detectors``
entry-point group), ML adapters (:mod:`.ml`), a learned residual detector
(:mod:`.residual`), fusion and calibration (:mod:`.fusion`) and evaluation
(:mod:`.evaluate`). Detector modules are imported on first use.

Examples
--------
>>> import numpy as np
>>> from kit.detectors import get_detector
>>> get_detector("ela").score(np.zeros((32, 32, 3), np.uint8)).detector
'ela'
"""

from kit.detectors.base import (
    Detector,
    DetectorError,
    DetectorResult,
    compact_heatmap,
    decode_heatmap,
    result_payload,
)
from kit.detectors.chain import best_copies, best_copy_scores, chain_scores, copy_quality, score_drift
from kit.detectors.evaluate import evaluate_scores, labelled_folder, metrics, score_images
from kit.detectors.fusion import Fusion, expected_calibration_error, fit_fusion, reliability
from kit.detectors.ml import CallableDetector, OnnxDetector
from kit.detectors.registry import (
    CASE_DETECTORS,
    ENTRY_POINT_GROUP,
    case_steps,
    detector_names,
    detector_step,
    get_detector,
    list_detectors,
    register,
    scores_table,
    unregister,
)
from kit.detectors.residual import ResidualDetector, ResidualModel, fit_residual

__all__ = [
    "CASE_DETECTORS",
    "CallableDetector",
    "case_steps",
    "Detector",
    "DetectorError",
    "DetectorResult",
    "ENTRY_POINT_GROUP",
    "Fusion",
    "OnnxDetector",
    "ResidualDetector",
    "ResidualModel",
    "best_copies",
    "best_copy_scores",
    "chain_scores",
    "compact_heatmap",
    "copy_quality",
    "decode_heatmap",
    "detector_names",
    "detector_step",
    "evaluate_scores",
    "expected_calibration_error",
    "fit_fusion",
    "fit_residual",
    "get_detector",
    "labelled_folder",
    "list_detectors",
    "metrics",
    "register",
    "reliability",
    "result_payload",
    "score_drift",
    "score_images",
    "scores_table",
    "unregister",
]
