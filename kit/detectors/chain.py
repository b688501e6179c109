"""Scores along the repost chain: pick the best copy, see how scores drift.

Reposts are recompressed and resized, and forensic traces fade with every
generation, so the analyst should score the best copy of a picture (highest
resolution, least recompressed), not the latest. :func:`copy_quality`
ranks copies from their headers (pixels, JPEG quality estimated from the
quantisation tables, bytes per pixel); :func:`chain_scores` lays each
detector's score out over a variant cluster with the change from the best
copy, and :func:`score_drift` summarises, per detector, how scores move
with copy rank (Spearman correlation over clusters).

Examples
--------
>>> import pandas as pd
>>> q = pd.DataFrame({"sha256": ["a", "b"], "pixels": [100, 400], "jpeg_quality": [90, 70], "bytes": [1, 1]})
>>> best_copies(q, {"a": 1, "b": 1}).to_dict()
{1: 'b'}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["copy_quality", "best_copies", "best_copy_scores", "chain_scores", "score_drift"]


def copy_quality(media):
    """Per file: pixels, JPEG quality (101 for lossless formats), bytes per pixel, from headers only.

    ``media`` has columns ``sha256`` and ``path`` (as ``case.media()``).
    Unreadable files get NaN values and an ``error``.
    """
    import pandas as pd
    from PIL import Image

    from kit.metadata.jpeg import estimate_quality

    rows = []
    for sha, path in zip(media["sha256"], media["path"], strict=True):
        row = {"sha256": sha, "pixels": np.nan, "jpeg_quality": np.nan, "bytes": np.nan, "error": None}
        try:
            with Image.open(path) as im:
                row["pixels"] = im.width * im.height
                q = getattr(im, "quantization", None)
                row["jpeg_quality"] = estimate_quality({0: tuple(q[0])})[0] if im.format == "JPEG" and q else \
                    (101 if im.format in ("PNG", "TIFF", "BMP") else np.nan)
            row["bytes"] = Path(path).stat().st_size
        except Exception as exc:  # noqa: BLE001 - a row with its error, never a crash
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["sha256", "pixels", "jpeg_quality", "bytes", "error"])


def _ranked(quality, clusters: Mapping[str, object]):
    q = quality.copy()
    q["cluster"] = q["sha256"].map(clusters)
    q = q[q["cluster"].notna()]
    q["bpp"] = q["bytes"] / q["pixels"]
    q = q.sort_values(["cluster", "pixels", "jpeg_quality", "bpp"], ascending=[True, False, False, False],
                      na_position="last")
    q["copy_rank"] = q.groupby("cluster").cumcount()
    return q


def best_copies(quality, clusters: Mapping[str, object]):
    """cluster -> sha256 of its best copy (most pixels, then highest JPEG quality, then bytes/pixel)."""
    q = _ranked(quality, clusters)
    return q[q["copy_rank"] == 0].set_index("cluster")["sha256"]


def best_copy_scores(scores, quality, clusters: Mapping[str, object]):
    """Every detector's score on each cluster's best copy: cluster, sha256, detector, score, explanation.

    >>> import pandas as pd
    >>> q = pd.DataFrame({"sha256": ["a", "b"], "pixels": [100, 400], "jpeg_quality": [90, 70], "bytes": [1, 1]})
    >>> s = pd.DataFrame({"sha256": ["a", "b"], "detector": "ela", "score": [0.9, 0.2], "explanation": ""})
    >>> best_copy_scores(s, q, {"a": 0, "b": 0})[["cluster", "sha256", "score"]].values.tolist()
    [[0, 'b', 0.2]]
    """
    best = best_copies(quality, clusters)
    pick = {sha: cluster for cluster, sha in best.items()}
    out = scores[scores["sha256"].isin(list(pick))].copy()
    out.insert(0, "cluster", out["sha256"].map(pick))
    return out[["cluster", "sha256", "detector", "score", "explanation"]].sort_values(
        ["cluster", "detector"]).reset_index(drop=True)


def chain_scores(scores, quality, clusters: Mapping[str, object]):
    """Each detector's score over each cluster's copies, best copy first.

    Parameters
    ----------
    scores
        ``scores_table`` output (sha256, detector, score, ...).
    quality
        :func:`copy_quality` output.
    clusters
        sha256 -> variant cluster id (from matching).

    Returns
    -------
    pandas.DataFrame
        cluster, sha256, copy_rank (0 = best), pixels, jpeg_quality,
        detector, score, best_score, delta (score - best copy's score).
    """
    q = _ranked(quality, clusters)
    df = q.merge(scores[["sha256", "detector", "score"]], on="sha256", how="left")
    best = df[df["copy_rank"] == 0][["cluster", "detector", "score"]].rename(columns={"score": "best_score"})
    df = df.merge(best, on=["cluster", "detector"], how="left")
    df["delta"] = df["score"] - df["best_score"]
    cols = ["cluster", "sha256", "copy_rank", "pixels", "jpeg_quality", "detector", "score", "best_score", "delta"]
    return df[cols].sort_values(["cluster", "detector", "copy_rank"]).reset_index(drop=True)


def score_drift(chain):
    """Per detector: mean |delta| from the best copy and Spearman rho of score vs copy rank."""
    import pandas as pd
    from scipy.stats import spearmanr

    rows = []
    for det, g in chain.dropna(subset=["score"]).groupby("detector"):
        rho = spearmanr(g["copy_rank"], g["score"]).statistic if g["copy_rank"].nunique() > 1 else np.nan
        rows.append({"detector": det, "copies": len(g), "mean_abs_delta": float(g["delta"].abs().mean()),
                     "spearman_rank_vs_score": float(rho)})
    return pd.DataFrame(rows, columns=["detector", "copies", "mean_abs_delta", "spearman_rank_vs_score"])
