"""Score variant clusters against a ground truth: pairwise precision and recall.

A *pair* is two items put in the same cluster. Precision is the share of
predicted pairs that are true pairs, recall the share of true pairs that were
predicted. Only ids present in both labellings count. Computed from the
contingency table (no loop over pairs), so it scales to large collections.

The demo incident's truth becomes such a labelling with
:func:`kit.demo.score.demo_truth_clusters`; :func:`posts_clusters` maps media
clusters onto posts.

Examples
--------
>>> from kit.matching.evaluate import pair_scores
>>> s = pair_scores({"a": 0, "b": 0, "c": 1, "d": 1}, {"a": "x", "b": "x", "c": "x", "d": "y"})
>>> s.tp, s.fp, s.fn, round(s.precision, 2), round(s.recall, 2)
(1, 1, 2, 0.5, 0.33)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["PairScores", "pair_scores", "posts_clusters"]


@dataclass(frozen=True)
class PairScores:
    """Pairwise scores: ``tp``, ``fp``, ``fn`` pair counts, ``precision``, ``recall``, ``n`` items."""

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    n: int

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        s = self.precision + self.recall
        return 2 * self.precision * self.recall / s if s else 0.0


def _as_series(labels: Any) -> pd.Series:
    if isinstance(labels, pd.DataFrame):
        return labels.set_index("id")["cluster"]
    if isinstance(labels, pd.Series):
        return labels
    return pd.Series(dict(labels))


def _pairs(counts: pd.Series) -> int:
    c = counts.to_numpy().astype("int64")
    return int((c * (c - 1) // 2).sum())


def pair_scores(clusters: Any, truth_clusters: Any) -> PairScores:
    """Pairwise precision / recall of ``clusters`` against ``truth_clusters``.

    Parameters
    ----------
    clusters, truth_clusters
        ``{id: label}`` mappings, Series indexed by id, or DataFrames with
        ``id`` and ``cluster`` columns (as ``MatchResult.clusters``).

    Returns
    -------
    PairScores
        Precision is 1.0 when nothing was paired, recall 1.0 when there is no
        true pair.
    """
    pred, true = _as_series(clusters), _as_series(truth_clusters)
    common = pred.index.intersection(true.index)
    df = pd.DataFrame({"p": pred.loc[common].astype(str).to_numpy(), "t": true.loc[common].astype(str).to_numpy()})
    both = _pairs(df.groupby(["p", "t"]).size())
    n_pred = _pairs(df.groupby("p").size())
    n_true = _pairs(df.groupby("t").size())
    return PairScores(both, n_pred - both, n_true - both,
                      both / n_pred if n_pred else 1.0, both / n_true if n_true else 1.0, len(df))


def posts_clusters(clusters: Any, post_media: dict[str, str]) -> dict[str, Any]:
    """Map item clusters (ids = media sha256) onto posts: ``{post_id: cluster}``.

    ``post_media`` maps each post id to its media id; posts whose media has no
    cluster are left out.
    """
    cl = _as_series(clusters)
    return {pid: cl[m] for pid, m in post_media.items() if m in cl.index}
