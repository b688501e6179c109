"""Near-duplicate search, keypoint verification and variant clusters.

- search: :func:`search`, :func:`build_index`, :func:`load_index` (numpy
  popcount for small sets, FAISS binary indexes for large; exact).
- verify: :func:`features`, :func:`verify_pair` (SIFT + RANSAC similarity,
  transform b -> a).
- collection: :func:`match_collection` -> :class:`MatchResult` (pairs,
  clusters), :func:`items_from_results` (items from a case).
- difference: :func:`changed_region` (composite vs its source after alignment).
- compare: :func:`compare` (a picture against its source: relation, repost
  edits, the replaced region's mask, box and share, a difference heat map),
  :func:`compare_either` (which of two is the source), :class:`Comparison`.
- mih: :class:`MultiIndex` (exact multi-index hashing, numpy).
- evaluate: :func:`pair_scores`, :func:`posts_clusters`.
- :func:`content_box` (borders, letterbox, caption bars, phone screenshots)
  is re-exported from :mod:`kit.hashing.preprocess`.
"""

from __future__ import annotations

from kit.hashing.preprocess import ContentBox, content_box
from kit.matching.collection import (
    PAIR_COLUMNS,
    MatchResult,
    clusters_from_pairs,
    hash_transform,
    items_from_results,
    match_collection,
)
from kit.matching.comparison import Comparison, compare, compare_either
from kit.matching.difference import changed_region
from kit.matching.evaluate import PairScores, pair_scores, posts_clusters
from kit.matching.mih import MultiIndex
from kit.matching.search import HashIndex, SearchError, build_index, load_index, search
from kit.matching.verify import Features, Verification, features, mirror_features, verify_pair

__all__ = [
    "PAIR_COLUMNS",
    "Comparison",
    "ContentBox",
    "Features",
    "HashIndex",
    "MatchResult",
    "MultiIndex",
    "PairScores",
    "SearchError",
    "Verification",
    "build_index",
    "changed_region",
    "clusters_from_pairs",
    "compare",
    "compare_either",
    "content_box",
    "features",
    "hash_transform",
    "items_from_results",
    "load_index",
    "match_collection",
    "mirror_features",
    "pair_scores",
    "posts_clusters",
    "search",
    "verify_pair",
]
