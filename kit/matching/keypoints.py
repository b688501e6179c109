"""The keypoint stage of :func:`kit.matching.match_collection`.

Every image (and a few frames of every video) gets SIFT features once; all
descriptors go into one FAISS L2 index. Each image's descriptors, and their
mirrored versions, ask the index for their nearest neighbours; a neighbour
closer than ``max_dist`` is a vote for its image. Pairs with enough votes are
verified (:func:`kit.matching.verify.verify_pair`), most votes first, and a
pair whose two items are already connected is skipped unless ``exhaustive``.

Examples
--------
>>> from kit.matching.keypoints import item_features
>>> item_features(None, "image")
[]
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

import numpy as np
import pandas as pd

from kit.matching.verify import Features, features, mirror_features, verify_pair

__all__ = ["item_features", "keypoint_stage"]


def item_features(path: Any, kind: str, *, max_side: int = 480, nfeatures: int = 500,
                  video_every_s: float = 2.0, video_frames: int = 4) -> list[Features]:
    """SIFT features of one item: one entry for an image, a few frames for a video.

    Returns an empty list when there is no path or the file cannot be decoded.
    """
    if path is None or (isinstance(path, float) and np.isnan(path)):
        return []
    try:
        if kind == "video":
            from kit.hashing.video import _frames

            return [features(img, max_side=max_side, nfeatures=nfeatures)
                    for _, img in _frames(path, video_every_s, video_frames)]
        from kit.hashing.decode import choose_reduce, image_size, load

        size = image_size(path)
        reduce = choose_reduce(*size, min_side=max_side, use_max=True) if size else 1
        return [features(load(path, mode="L", reduce=reduce), max_side=max_side, nfeatures=nfeatures)]
    except Exception:  # noqa: BLE001 - an undecodable item just gets no keypoint stage
        return []


def _extract_all(items: pd.DataFrame, max_side: int, nfeatures: int, workers: int,
                 progress: bool) -> list[list[Features]]:
    args = [(p, k) for p, k in zip(items["path"], items["kind"])]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(args), desc="keypoints", unit="file")
    out: list[list[Features]] = []
    if workers > 1 and len(args) > 8:
        from concurrent.futures import ProcessPoolExecutor
        from functools import partial

        fn = partial(_extract_one, max_side=max_side, nfeatures=nfeatures)
        with ProcessPoolExecutor(workers) as ex:
            for res in ex.map(fn, args, chunksize=4):
                out.append(res)
                if bar:
                    bar.update(1)
    else:
        for a in args:
            out.append(_extract_one(a, max_side=max_side, nfeatures=nfeatures))
            if bar:
                bar.update(1)
    if bar:
        bar.close()
    return out


def _extract_one(arg: tuple, *, max_side: int, nfeatures: int) -> list[Features]:
    import cv2

    cv2.setNumThreads(1)
    return item_features(arg[0], arg[1], max_side=max_side, nfeatures=nfeatures)


def _candidates(feats: list[list[Features]], *, k: int, max_dist: float, min_votes: int) -> Counter:
    owner_parts, desc_parts = [], []
    for i, fl in enumerate(feats):
        for f in fl:
            if len(f):
                desc_parts.append(f.desc)
                owner_parts.append(np.full(len(f), i, np.int64))
    if not desc_parts:
        return Counter()
    from kit.extras import optional_import

    faiss = optional_import("faiss", extra="faiss")
    xb = np.ascontiguousarray(np.concatenate(desc_parts).astype(np.float32))
    owner = np.concatenate(owner_parts)
    d = xb.shape[1]
    if len(xb) > 40_000:
        nlist = int(min(1024, max(64, np.sqrt(len(xb)))))
        quant = faiss.IndexFlatL2(d)
        index = faiss.IndexIVFFlat(quant, d, nlist)
        rng = np.random.default_rng(0)
        train = xb[rng.choice(len(xb), size=min(len(xb), nlist * 40), replace=False)]
        index.train(train)
        index.add(xb)
        index.nprobe = 6
    else:
        index = faiss.IndexFlatL2(d)
        index.add(xb)
    votes: Counter = Counter()
    for i, fl in enumerate(feats):
        for f in fl:
            if not len(f):
                continue
            for q in (f, mirror_features(f)):
                D, I = index.search(np.ascontiguousarray(q.desc), k)
                ok = (I >= 0) & (D <= max_dist * max_dist)
                own = np.where(ok, owner[np.clip(I, 0, None)], -1)
                own[own == i] = -1
                own = np.sort(own, axis=1)
                dup = np.zeros_like(own, dtype=bool)
                dup[:, 1:] = own[:, 1:] == own[:, :-1]
                vals, cnt = np.unique(own[(own >= 0) & ~dup], return_counts=True)
                c = dict(zip(vals.tolist(), cnt.tolist()))
                for j, n in c.items():
                    key = (min(i, j), max(i, j))
                    votes[key] = max(votes[key], n)
    return Counter({key: n for key, n in votes.items() if n >= min_votes})


def keypoint_stage(items: pd.DataFrame, rows: list[dict], seen: dict, add: Callable, *,
                   min_inliers: int, min_cover: float, cell_share: float, min_votes: int,
                   exhaustive: bool, max_side: int, nfeatures: int, workers: int, progress: bool,
                   k: int = 12, max_dist: float = 200.0) -> None:
    """Add verified keypoint pairs to ``rows`` through ``add`` (see the module doc)."""
    from kit.matching.collection import _DSU

    ids = list(items["id"])
    feats = _extract_all(items, max_side, nfeatures, workers, progress)
    dsu = _DSU(len(ids))
    pos = {x: n for n, x in enumerate(ids)}
    for r in rows:
        if r["decision"] == "match":
            dsu.union(pos[r["a"]], pos[r["b"]])
    cands = _candidates(feats, k=k, max_dist=max_dist, min_votes=min_votes)
    order = sorted(cands.items(), key=lambda kv: (-kv[1], kv[0]))
    for (i, j), _n in order:
        if not exhaustive and dsu.find(i) == dsu.find(j):
            continue
        best = None
        for fa in feats[i]:
            for fb in feats[j]:
                v = verify_pair(fa, fb, min_inliers=min_inliers, min_cover=min_cover, cell_share=cell_share)
                if best is None or (v.verified, v.inliers) > (best.verified, best.inliers):
                    best = v
                if best.verified:
                    break
            if best is not None and best.verified:
                break
        if best is not None and best.verified:
            a, b = (i, j) if ids[i] <= ids[j] else (j, i)
            tr = best.transform if a == i else _swap(best.transform)
            add(a, b, "sift", float("nan"), "match", verified=True, inliers=best.inliers, transform=tr)
            dsu.union(i, j)


def _swap(t: dict | None) -> dict | None:
    """The transform of (b, a) from that of (a, b): b's view of a."""
    if t is None:
        return None
    return {**t, "scale": 1.0 / t["scale"] if t["scale"] else None, "rotation_deg": -t["rotation_deg"],
            "box_in_a": t["box_in_b"], "box_in_b": t["box_in_a"], "overlap_a": t["overlap_b"],
            "overlap_b": t["overlap_a"], "cover_a": t["cover_b"], "cover_b": t["cover_a"]}
