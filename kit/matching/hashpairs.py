"""The hash stage of :func:`kit.matching.match_collection`: pairs found by hashes alone.

:func:`hash_stage` looks up every view of every image (the raw picture and,
where the ``hash.image`` payload has one, the trimmed picture) by PDQ and by
pHash, all 8 rotations / flips of each, in one exact search
(:func:`kit.matching.search.search`) and keeps the closest hit of each pair;
:func:`hash_transform` turns the variant and the views that matched into the
transform record of :func:`kit.matching.verify.verify_pair`. :func:`video_pairs`
compares videos by their vPDQ frames. The match / review rules are
:mod:`kit.matching.collection`'s.

Examples
--------
>>> import pandas as pd
>>> z = "0" * 64
>>> p = {"pdq": z, "pdq_quality": 100, "pdq_dihedral": [z] * 8, "phash": z[:16]}
>>> items = pd.DataFrame({"id": ["a", "b"], "kind": "image", "payload": [p, p]})
>>> [(i, j, algo, dist, decision) for i, j, algo, dist, decision, _ in hash_stage(
...     items, pdq_radius=31, pdq_min_quality=50, hash64_review=16, hash64_sure=6)]
[(0, 1, 'pdq', 0, 'match'), (0, 1, 'phash', 0, 'match')]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit.matching.search import search

__all__ = ["hash_stage", "hash_transform", "video_pairs"]


def hash_stage(items: pd.DataFrame, *, pdq_radius: int, pdq_min_quality: int, hash64_review: int,
               hash64_sure: int) -> list[tuple[int, int, str, float, str, dict | None]]:
    """PDQ and pHash pairs (any of the 8 variants, raw or trimmed view) as ``(i, j, algorithm,
    distance, decision, transform)``, ``i`` and ``j`` item positions with ``id[i] <= id[j]``: a PDQ
    pair is a match, a pHash pair over ``hash64_sure`` a review; two images get the cheap transform
    of :func:`hash_transform`, a pair with a video None."""
    ids = list(items["id"])
    payloads = list(items["payload"])
    kinds = list(items["kind"])
    out = []
    for algo, radius in (("pdq", pdq_radius), ("phash", hash64_review)):
        for i, j, dist, qi, d, vq, vt in _hash_pairs(items, algo, radius, pdq_min_quality).itertuples(index=False):
            i, j = (int(i), int(j)) if ids[int(i)] <= ids[int(j)] else (int(j), int(i))
            tr = None
            if kinds[i] != "video" and kinds[j] != "video":
                a_is_q = int(qi) == i
                tr = hash_transform(payloads[i], payloads[j], int(vq if a_is_q else vt), int(vt if a_is_q else vq),
                                    int(d), a_is_q)
            sure = algo == "pdq" or dist <= hash64_sure
            out.append((i, j, algo, dist, "match" if sure else "review", tr))
    return out


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


def video_pairs(items: pd.DataFrame, share: float) -> list[tuple[int, int, float]]:
    """Video pairs whose vPDQ frames match in both directions by ``share`` or more (raw or trimmed
    frames): ``(i, j, 100 x the smaller share)``."""
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
