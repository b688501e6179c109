"""Match a whole collection: hashes first, keypoints only where needed, then clusters.

:func:`match_collection` takes an items table (one row a media file: ``id``,
``kind``, ``path``, ``payload`` = the stored ``hash.image`` / ``hash.video``
result; :func:`items_from_results` builds it from a case) and returns a
:class:`MatchResult` with two DataFrames.

``pairs`` (one row an unordered pair, ``a < b``):

- ``a``, ``b``: item ids.
- ``algorithm``: ``"pdq"`` (PDQ of the raw or trimmed picture, any of the 8
  rotations / flips), ``"phash"`` (same for pHash), ``"vpdq"`` (video frames),
  ``"sift"`` (keypoints + RANSAC, found through the descriptor index).
- ``distance``: the smallest Hamming distance (hash algorithms; for ``vpdq``
  100 x the smaller matched-frame share; NaN for ``sift``).
- ``verified``: True when keypoint verification confirmed the pair.
- ``inliers``: RANSAC inliers (0 when not verified).
- ``transform``: the JSON-able dict of :func:`kit.matching.verify.verify_pair`
  (scale, rotation_deg, mirror, box_in_a, box_in_b, overlap_a, overlap_b,
  cover_a, cover_b, view_a, view_b; keypoint pairs add cells_a/b and
  ``changed``); it maps b into a. Hash pairs of two images get the cheap
  version from :func:`hash_transform` (the dihedral rotation / flip that
  matched, the raw or trimmed views as boxes, scale from the views' widths);
  None for pairs involving a video.
- ``decision``: ``"match"``, ``"review"`` or ``"composite"`` (the keypoint
  stage aligned the two but a solid region of other picture content differs:
  a composite and its source photo; with ``compare``, the best such pair of
  each two clusters carries :func:`kit.matching.comparison.compare_either`'s
  record as ``transform["comparison"]``: which is the source, the replaced
  region's box and share, the repost edits).

Rules (thresholds are arguments): PDQ <= 31 with both qualities >= 50 is a
match; pHash <= 10 a match (with ``verify``: <= 6, and 7-10 only when the
keypoint stage confirms it), 11-16 review; vPDQ a match when both frame shares
>= 0.5; SIFT a match when :func:`verify_pair` verifies it (>= 15 inliers, the
inliers' hull covers >= 10 % of both images, inliers sit in >= 35 % of the
keypoint-holding grid cells of the overlap, and no solid region of different
content covers more than 5 % of the overlap - :mod:`kit.matching.difference`,
which keeps a composite apart from its source photo). Screenshots and framed
pictures are also matched on their trimmed picture (the ``box`` of the hash
payload), for keypoints as well as hashes.
Keypoint candidates come from one descriptor index (votes of each image's
descriptors, mirrored descriptors included), not from all pairs; a candidate
whose two items are already connected is skipped (``exhaustive=False``).

``clusters``: ``id``, ``cluster`` (0, 1, ... by decreasing size), ``size``:
connected components of the ``"match"`` pairs; an item with no match is its
own cluster.

Examples
--------
>>> import pandas as pd
>>> from kit.matching.collection import match_collection
>>> z, f = "0" * 64, "f" * 64
>>> p = lambda h: {"pdq": h, "pdq_quality": 100, "pdq_dihedral": [h] * 8, "phash": h[:16]}
>>> items = pd.DataFrame({"id": ["a", "b", "c"], "kind": "image", "path": None,
...                       "payload": [p(z), p(z), p(f)]})
>>> res = match_collection(items, verify=False)
>>> res.pairs[["a", "b", "algorithm", "distance", "decision"]].values.tolist()
[['a', 'b', 'pdq', 0.0, 'match']]
>>> res.clusters["cluster"].tolist()
[0, 0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kit.matching.hashpairs import hash_stage, hash_transform, video_pairs
from kit.matching.keypoints import keypoint_stage

__all__ = ["MatchResult", "PAIR_COLUMNS", "clusters_from_pairs", "hash_transform", "items_from_results", "match_collection"]

PAIR_COLUMNS = ["a", "b", "algorithm", "distance", "verified", "inliers", "transform", "decision"]


@dataclass(frozen=True)
class MatchResult:
    """``pairs`` and ``clusters`` DataFrames (columns in the module doc); ``seconds`` per stage."""

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    seconds: dict


def items_from_results(results: pd.DataFrame, media: pd.DataFrame) -> pd.DataFrame:
    """Build the items table from ``case.results("hash.image")`` (and/or ``hash.video``) rows
    and ``case.media()``: columns ``id`` (sha256), ``kind``, ``path``, ``payload``, ``error``.

    Every media row is kept; one without an ok result has ``payload=None`` and the error.
    """
    res = results.copy()
    if "status" in res:
        res = res.sort_values("status", key=lambda s: s.eq("ok"))  # ok rows last -> kept
    res = res.drop_duplicates("sha256", keep="last").set_index("sha256")
    rows = []
    for m in media.itertuples(index=False):
        r = res.loc[m.sha256] if m.sha256 in res.index else None
        ok = r is not None and (r.get("status", "ok") == "ok") and isinstance(r.get("payload"), dict)
        rows.append({"id": m.sha256, "kind": m.kind, "path": str(m.path) if m.path is not None else None,
                     "payload": r["payload"] if ok else None,
                     "error": None if ok else (r.get("error") if r is not None else "not hashed")})
    return pd.DataFrame(rows, columns=["id", "kind", "path", "payload", "error"])


def clusters_from_pairs(ids: list, pairs: pd.DataFrame) -> pd.DataFrame:
    """Connected components of the ``decision == "match"`` pairs: ``id, cluster, size``."""
    from networkx.utils import UnionFind

    pos = {x: n for n, x in enumerate(ids)}
    uf = UnionFind(range(len(ids)))
    if len(pairs):
        for a, b in pairs.loc[pairs["decision"] == "match", ["a", "b"]].itertuples(index=False):
            uf.union(pos[a], pos[b])
    roots = [uf[n] for n in range(len(ids))]
    # numbered by size, then by first member: which member UnionFind keeps as root does not show
    sizes = pd.Series(roots).value_counts()
    order = {r: k for k, r in enumerate(sorted(sizes.index, key=lambda r: (-sizes[r], roots.index(r))))}
    return pd.DataFrame({"id": ids, "cluster": [order[r] for r in roots], "size": [int(sizes[r]) for r in roots]})


def match_collection(items: pd.DataFrame, *, pdq_radius: int = 31, pdq_min_quality: int = 50,
                     hash64_radius: int = 10, hash64_review: int = 16, hash64_verify: int = 6,
                     video_share: float = 0.5,
                     verify: bool = True, min_inliers: int = 15, min_cover: float = 0.1,
                     cell_share: float = 0.35, min_votes: int = 6, exhaustive: bool = False,
                     max_side: int = 480, nfeatures: int = 500, workers: int = 1,
                     progress: bool = False, compare: bool = True) -> MatchResult:
    """Find repost pairs and variant clusters in a collection (see the module doc).

    Parameters
    ----------
    items
        ``id``, ``kind`` ("image" / "video"), ``path`` (needed for keypoints),
        ``payload`` (hash step result or None).
    pdq_radius, pdq_min_quality
        PDQ match rule.
    hash64_radius, hash64_review
        pHash match / review limits.
    hash64_verify
        With ``verify``, a pHash pair farther than this (but within
        ``hash64_radius``) is a match only when keypoints confirm it (a
        drawn look-alike can sit at pHash 10); otherwise it stays "review".
    video_share
        vPDQ frame share needed in both directions.
    verify
        Run the keypoint stage.
    min_inliers, min_cover, cell_share
        Keypoint verification rule (:func:`kit.matching.verify.verify_pair`).
    min_votes
        Descriptor-index votes that make a keypoint candidate.
    exhaustive
        Verify every candidate, also those already connected.
    max_side, nfeatures
        Keypoint analysis size and count.
    workers
        Processes for keypoint extraction (a ``forkserver`` pool, one OpenCV
        thread each; in a script, call from under ``if __name__ == "__main__":``).
    progress
        Show tqdm progress bars.
    compare
        Compare the best composite pair of each two clusters with
        :func:`kit.matching.comparison.compare_either` (about 1-2 s a pair).
    """
    import time

    t0 = time.perf_counter()
    items = items.reset_index(drop=True)
    ids = list(items["id"])
    table = _PairTable(ids)
    for i, j, algo, dist, decision, tr in hash_stage(
            items, pdq_radius=pdq_radius, pdq_min_quality=pdq_min_quality, hash64_review=hash64_review,
            hash64_sure=hash64_verify if verify else hash64_radius):
        table.add(i, j, algo, dist, decision, transform=tr)
    for i, j, s in video_pairs(items, video_share):
        table.add(i, j, "vpdq", s, "match")
    t_hash = time.perf_counter() - t0
    if verify:
        found = keypoint_stage(items, table.matched(), min_inliers=min_inliers, min_cover=min_cover,
                               cell_share=cell_share, min_votes=min_votes, exhaustive=exhaustive,
                               max_side=max_side, nfeatures=nfeatures, workers=workers, progress=progress)
        for i, j, decision, inliers, tr in found:
            table.add(i, j, "sift", float("nan"), decision, verified=decision == "match", inliers=inliers,
                      transform=tr)
    pairs = table.frame()
    clusters = clusters_from_pairs(ids, pairs)
    if compare and len(pairs):
        compare_composites(pairs, items, clusters)
    t_all = time.perf_counter() - t0
    return MatchResult(pairs, clusters, {"hash": t_hash, "keypoints": t_all - t_hash, "total": t_all})


class _PairTable:
    """The pairs found so far, one row per unordered pair (``a`` the smaller id): a later finding
    replaces the pair's row unless it would demote a match or repeats the decision unverified."""

    def __init__(self, ids: list) -> None:
        self.ids = ids
        self.rows: list[dict] = []
        self.seen: dict[tuple[int, int], int] = {}

    def add(self, i: int, j: int, algo: str, dist: float, decision: str, verified: bool = False,
            inliers: int = 0, transform: dict | None = None) -> None:
        """Record that items ``i`` and ``j`` (positions) pair up (see the rules above)."""
        ids = self.ids
        i, j = (i, j) if ids[i] <= ids[j] else (j, i)
        key = (i, j)
        row = {"a": ids[i], "b": ids[j], "algorithm": algo, "distance": float(dist), "verified": verified,
               "inliers": int(inliers), "transform": transform, "decision": decision}
        if key in self.seen:
            old = self.rows[self.seen[key]]
            if old["decision"] == "match" and decision != "match":
                return
            if old["decision"] == decision and not verified:
                return
            self.rows[self.seen[key]] = row
        else:
            self.seen[key] = len(self.rows)
            self.rows.append(row)

    def matched(self) -> list[tuple]:
        """``(a, b)`` ids of the ``"match"`` rows, in the order they were first found."""
        return [(r["a"], r["b"]) for r in self.rows if r["decision"] == "match"]

    def frame(self) -> pd.DataFrame:
        """The rows as the ``pairs`` DataFrame (:data:`PAIR_COLUMNS`), sorted by ``a``, ``b``."""
        pairs = pd.DataFrame(self.rows, columns=PAIR_COLUMNS)
        if len(pairs):
            pairs = pairs.sort_values(["a", "b"], kind="stable").reset_index(drop=True)
        return pairs


def compare_composites(pairs: pd.DataFrame, items: pd.DataFrame, clusters: pd.DataFrame) -> None:
    """Put :func:`kit.matching.comparison.compare_either`'s record into ``transform["comparison"]`` of
    the composite pair with the most inliers between each two clusters (in place). A pair that
    cannot be read or compared gets ``{"error": ...}`` instead; the rest go on."""
    from kit.matching.comparison import compare_either

    comp = pairs.index[pairs["decision"] == "composite"]
    if not len(comp):
        return
    cl = dict(zip(clusters["id"], clusters["cluster"]))
    path = dict(zip(items["id"], items["path"])) if "path" in items else {}
    kind = dict(zip(items["id"], items["kind"]))
    best: dict = {}
    for k in comp:
        a, b = pairs.at[k, "a"], pairs.at[k, "b"]
        if kind.get(a) != "image" or kind.get(b) != "image" or a not in path or b not in path:
            continue
        if cl.get(a) == cl.get(b):  # joined as the same picture through other copies
            continue
        key = tuple(sorted((cl.get(a), cl.get(b)), key=str))
        if key not in best or pairs.at[k, "inliers"] > pairs.at[best[key], "inliers"]:
            best[key] = k
    for k in best.values():
        a, b = pairs.at[k, "a"], pairs.at[k, "b"]
        tr = dict(pairs.at[k, "transform"] or {})
        if "comparison" in tr:  # compared when the keypoint stage looked again
            continue
        try:
            tr["comparison"] = compare_either(path[a], path[b], a_id=a, b_id=b).to_dict()
        except Exception as exc:  # noqa: BLE001 - one unreadable pair is reported, the others go on
            tr["comparison"] = {"error": f"{type(exc).__name__}: {exc}", "source": None, "suspect": None}
        pairs.at[k, "transform"] = tr

