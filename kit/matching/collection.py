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
from typing import Any

import numpy as np
import pandas as pd

from kit.matching.search import search

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


class _DSU:
    def __init__(self, n: int) -> None:
        self.p = list(range(n))

    def find(self, i: int) -> int:
        while self.p[i] != i:
            self.p[i] = self.p[self.p[i]]
            i = self.p[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.p[self.find(a)] = self.find(b)


def _views(payload: dict | None, kind: str) -> list[dict]:
    """Each picture of an item: raw and trimmed image, or a video's keyframes."""
    if not payload:
        return []
    out = []
    pics = payload.get("keyframes", []) if kind == "video" else [payload]
    for p in pics:
        out.append(p)
        if p.get("trimmed"):
            out.append(p["trimmed"])
    return out


def _hash_pairs(items: pd.DataFrame, algo: str, radius: int, min_quality: int) -> pd.DataFrame:
    """Pairs within ``radius``: ``i, j, distance`` plus how the best hit was found (``qi`` the
    querying item, ``d`` its dihedral variant, ``vq`` / ``vt`` the views: 0 raw, 1 trimmed)."""
    idx_hex, idx_meta, q_hex, q_meta = [], [], [], []
    for i, (payload, kind) in enumerate(zip(items["payload"], items["kind"])):
        for v_n, v in enumerate(_views(payload, kind)):
            h = v.get(algo)
            if not h or (algo == "pdq" and v.get("pdq_quality", 100) < min_quality):
                continue
            view = v_n if kind != "video" else -1
            idx_hex.append(h)
            idx_meta.append((i, view))
            for d, hd in enumerate(v.get(f"{algo}_dihedral") or [h]):
                q_hex.append(hd)
                q_meta.append((i, view, d))
    cols = ["i", "j", "distance", "qi", "d", "vq", "vt"]
    if not idx_hex or not q_hex:
        return pd.DataFrame(columns=cols)
    hits = search(q_hex, idx_hex, radius=radius)
    qm = np.asarray(q_meta)[hits["query"].to_numpy()]
    tm = np.asarray(idx_meta)[hits["target"].to_numpy()]
    qi, ti = qm[:, 0], tm[:, 0]
    df = pd.DataFrame({"i": np.minimum(qi, ti), "j": np.maximum(qi, ti), "distance": hits["distance"].to_numpy(),
                       "qi": qi, "d": qm[:, 2], "vq": qm[:, 1], "vt": tm[:, 1]})
    df = df[df["i"] != df["j"]].sort_values(["i", "j", "distance", "d"], kind="stable")
    return df.drop_duplicates(["i", "j"]).reset_index(drop=True)[cols]


def _unit_box(payload: dict | None, view: int) -> list[float]:
    """The view's box as fractions of the whole image (the trimmed picture's box for view 1)."""
    if view == 1 and payload and payload.get("box") and payload.get("width"):
        x0, y0, x1, y1 = payload["box"]
        w, h = payload["width"], payload["height"]
        return [x0 / w, y0 / h, x1 / w, y1 / h]
    return [0.0, 0.0, 1.0, 1.0]


def _dihedral_matrix(d: int) -> np.ndarray:
    """2x3 map of unit-square coordinates (x right, y down) of an image to those of its variant ``d``."""
    from kit.hashing.image import _dihedral_arrays

    X, Y = np.meshgrid(np.arange(3.0), np.arange(2.0))  # an asymmetric 2 x 3 grid
    nx, ny = _dihedral_arrays(X / 2)[d], _dihedral_arrays(Y)[d]
    src = np.array([[nx[0, 0], ny[0, 0]], [nx[0, -1], ny[0, -1]], [nx[-1, 0], ny[-1, 0]]])
    dst = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    A = np.hstack([src, np.ones((3, 1))])
    return np.linalg.solve(A, dst).T  # maps original unit coords -> variant unit coords


def hash_transform(payload_a: dict | None, payload_b: dict | None, view_a: int, view_b: int,
                   d: int, a_is_query: bool) -> dict[str, Any]:
    """Transform (keys of :func:`kit.matching.verify.verify_pair`) of a hash match.

    The query's dihedral variant ``d`` of view ``view_q`` matched the other
    item's view: the two views show the same picture, rotated / flipped by
    ``d``; ``scale`` is measured on the views' full-size widths.
    """
    M = _dihedral_matrix(d)  # query unit coords -> target unit coords
    if a_is_query:  # we need b -> a, i.e. target -> query
        M = np.linalg.inv(np.vstack([M, [0, 0, 1]]))[:2]
    mirror = bool(np.linalg.det(M[:, :2]) < 0)
    Mm = M @ np.diag([-1.0, 1.0, 1.0]) if mirror else M
    rot = float(np.degrees(np.arctan2(Mm[1, 0], Mm[0, 0]))) % 360.0
    rot = rot - 360.0 if rot > 180.0 else rot
    ba, bb = _unit_box(payload_a, view_a), _unit_box(payload_b, view_b)
    wa = (ba[2] - ba[0]) * (payload_a or {}).get("width", 0)
    wb = (bb[2] - bb[0]) * (payload_b or {}).get("width", 0)
    ha = (ba[3] - ba[1]) * (payload_a or {}).get("height", 0)
    quarter = round(rot / 90.0) % 2 == 1
    scale = (ha if quarter else wa) / wb if wb else None
    area = lambda b: (b[2] - b[0]) * (b[3] - b[1])  # noqa: E731
    return {"scale": scale, "rotation_deg": rot, "mirror": mirror, "box_in_a": ba, "box_in_b": bb,
            "overlap_a": area(ba), "overlap_b": area(bb), "cover_a": area(ba), "cover_b": area(bb),
            "view_a": ba, "view_b": bb}


def _video_pairs(items: pd.DataFrame, share: float) -> list[tuple[int, int, float]]:
    from kit.hashing.video import video_similarity

    vids = [(i, p) for i, (p, k) in enumerate(zip(items["payload"], items["kind"])) if k == "video" and p]
    out = []
    for x in range(len(vids)):
        for y in range(x + 1, len(vids)):
            (i, pa), (j, pb) = vids[x], vids[y]
            best = 0.0
            for key in ("vpdq", "vpdq_trimmed"):
                fa = [ln.split(",")[2] for ln in pa.get(key, [])]
                fb = [ln.split(",")[2] for ln in pb.get(key, [])]
                best = max(best, min(video_similarity(fa, fb)))
            if best >= share:
                out.append((i, j, 100.0 * best))
    return out


def clusters_from_pairs(ids: list, pairs: pd.DataFrame) -> pd.DataFrame:
    """Connected components of the ``decision == "match"`` pairs: ``id, cluster, size``."""
    pos = {x: n for n, x in enumerate(ids)}
    dsu = _DSU(len(ids))
    if len(pairs):
        for a, b in pairs.loc[pairs["decision"] == "match", ["a", "b"]].itertuples(index=False):
            dsu.union(pos[a], pos[b])
    roots = [dsu.find(n) for n in range(len(ids))]
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
    rows: list[dict] = []
    seen: dict[tuple[int, int], int] = {}

    def add(i, j, algo, dist, decision, verified=False, inliers=0, transform=None):
        i, j = (i, j) if ids[i] <= ids[j] else (j, i)
        key = (i, j)
        row = {"a": ids[i], "b": ids[j], "algorithm": algo, "distance": float(dist), "verified": verified,
               "inliers": int(inliers), "transform": transform, "decision": decision}
        if key in seen:
            old = rows[seen[key]]
            if old["decision"] == "match" and decision != "match":
                return
            if old["decision"] == decision and not verified:
                return
            rows[seen[key]] = row
        else:
            seen[key] = len(rows)
            rows.append(row)

    payloads = list(items["payload"])
    kinds = list(items["kind"])
    for algo, radius in (("pdq", pdq_radius), ("phash", hash64_review)):
        for i, j, dist, qi, d, vq, vt in _hash_pairs(items, algo, radius, pdq_min_quality).itertuples(index=False):
            i, j = (int(i), int(j)) if ids[int(i)] <= ids[int(j)] else (int(j), int(i))
            tr = None
            if kinds[i] != "video" and kinds[j] != "video":
                a_is_q = int(qi) == i
                tr = hash_transform(payloads[i], payloads[j], int(vq if a_is_q else vt), int(vt if a_is_q else vq),
                                    int(d), a_is_q)
            sure = algo == "pdq" or dist <= (hash64_verify if verify else hash64_radius)
            add(i, j, algo, dist, "match" if sure else "review", transform=tr)
    for i, j, s in _video_pairs(items, video_share):
        add(i, j, "vpdq", s, "match")
    t_hash = time.perf_counter() - t0
    if verify:
        from kit.matching.keypoints import keypoint_stage

        keypoint_stage(items, rows, seen, add, min_inliers=min_inliers, min_cover=min_cover,
                       cell_share=cell_share, min_votes=min_votes, exhaustive=exhaustive,
                       max_side=max_side, nfeatures=nfeatures, workers=workers, progress=progress)
    pairs = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    if len(pairs):
        pairs = pairs.sort_values(["a", "b"], kind="stable").reset_index(drop=True)
    clusters = clusters_from_pairs(ids, pairs)
    if compare and len(pairs):
        compare_composites(pairs, items, clusters)
    t_all = time.perf_counter() - t0
    return MatchResult(pairs, clusters, {"hash": t_hash, "keypoints": t_all - t_hash, "total": t_all})


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

