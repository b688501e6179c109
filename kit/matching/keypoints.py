"""The keypoint stage of :func:`kit.matching.match_collection`.

Every image (and a few frames of every video) gets SIFT features once; all
descriptors go into one FAISS L2 index. Each image's descriptors, and their
mirrored versions, ask the index for their nearest neighbours; a neighbour
closer than ``max_dist`` is a vote for its image. Pairs with enough votes are
verified (:func:`kit.matching.verify.verify_pair`), most votes first, and a
pair whose two items are already connected is skipped unless ``exhaustive``;
so is a pair once an item failed ``max_fail`` times against the other's
component or ``max_item_fail`` times in all (look-alike faces or scenes give
many weak candidates; a true repost is found through its strongest ones).

Examples
--------
>>> from kit.matching.keypoints import item_features
>>> item_features(None, "image")
[]
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import numpy as np
import pandas as pd

from kit.matching.verify import Features, features, mirror_features, verify_pair

__all__ = ["item_features", "keypoint_stage"]


def item_features(path: Any, kind: str, *, max_side: int = 480, nfeatures: int = 500, box: Any = None,
                  video_every_s: float = 2.0, video_frames: int = 4, contrast: float = 0.01) -> list[Features]:
    """SIFT features of one item: the whole image (and the trimmed picture), or a few video frames.

    ``box`` is the item's content box from the ``hash.image`` payload
    (``[x0, y0, x1, y1]`` in full-size pixels, plus ``(width, height)``) as
    ``(box, (width, height))``; when it is a real trim, the picture inside is
    analysed too (first), at full analysis size, so that a photo inside a
    phone screenshot gets as many keypoints as the photo itself.
    Returns an empty list when there is no path or the file cannot be decoded.
    """
    if path is None or (isinstance(path, float) and np.isnan(path)):
        return []
    kw = {"max_side": max_side, "nfeatures": nfeatures, "contrast": contrast}
    try:
        if kind == "video":
            from kit.hashing.video import _frames

            from dataclasses import replace

            return [replace(features(img, **kw), video=True) for _, img in _frames(path, video_every_s, video_frames)]
        from kit.hashing.decode import choose_reduce, image_size, load

        size = image_size(path)
        view = _view(box)
        need = max_side / max(view[2] - view[0], view[3] - view[1]) if view else max_side
        reduce = choose_reduce(*size, min_side=int(min(need, 4 * max_side)), use_max=True) if size else 1
        g = load(path, mode="L", reduce=reduce)
        out = []
        if view:
            H, W = g.shape
            x0, y0, x1, y1 = round(view[0] * W), round(view[1] * H), round(view[2] * W), round(view[3] * H)
            if x1 - x0 >= 16 and y1 - y0 >= 16:
                out.append(features(g[y0:y1, x0:x1], view=view, **kw))
        out.append(features(g, **kw))
        return out
    except Exception:  # noqa: BLE001 - an undecodable item just gets no keypoint stage
        return []


def _view(box: Any) -> tuple | None:
    """The content box as fractions when it trims a real part of the image, else None."""
    if not box:
        return None
    try:
        (x0, y0, x1, y1), (w, h) = box
        v = (x0 / w, y0 / h, x1 / w, y1 / h)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if (v[2] - v[0]) * (v[3] - v[1]) > 0.9 or v[2] <= v[0] or v[3] <= v[1]:
        return None
    return v


def _box_arg(payload: Any) -> Any:
    if not isinstance(payload, dict) or payload.get("box_reason", "none") == "none":
        return None
    if not payload.get("box") or not payload.get("width"):
        return None
    return payload["box"], (payload["width"], payload["height"])


def _extract_all(items: pd.DataFrame, max_side: int, nfeatures: int, workers: int,
                 progress: bool) -> list[list[Features]]:
    args = [(p, k, _box_arg(pl)) for p, k, pl in zip(items["path"], items["kind"], items["payload"])]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(args), desc="keypoints", unit="file")
    out: list[list[Features]] = []
    if workers > 1 and len(args) > 8:
        from functools import partial

        from kit.workers import process_pool

        fn = partial(_extract_one, max_side=max_side, nfeatures=nfeatures)
        with process_pool(workers) as ex:
            for res in ex.map(fn, args, chunksize=max(1, min(8, len(args) // (4 * workers)))):
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
    return item_features(arg[0], arg[1], box=arg[2], max_side=max_side, nfeatures=nfeatures)


def _candidates(feats: list[list[Features]], *, k: int, max_dist: float, min_votes: int,
                max_query: int = 250) -> dict:
    """``{(i, j): (votes, mirrored votes)}`` for pairs with enough votes either way."""
    owner_parts, desc_parts = [], []
    for i, fl in enumerate(feats):
        for f in fl:
            if len(f):
                desc_parts.append(f.desc)
                owner_parts.append(np.full(len(f), i, np.int64))
    if not desc_parts:
        return {}
    from kit.extras import optional_import

    faiss = optional_import("faiss", extra="faiss")
    xb = np.ascontiguousarray(np.concatenate(desc_parts).astype(np.float32))
    owner = np.concatenate(owner_parts)
    d = xb.shape[1]
    if len(xb) > 40_000:
        nlist = int(min(2048, max(64, np.sqrt(len(xb)))))
        quant = faiss.IndexFlatL2(d)
        index = faiss.IndexIVFFlat(quant, d, nlist)
        rng = np.random.default_rng(0)
        train = xb[rng.choice(len(xb), size=min(len(xb), nlist * 39), replace=False)]
        index.train(train)
        index.add(xb)
        index.nprobe = 3
    else:
        index = faiss.IndexFlatL2(d)
        index.add(xb)
    votes: Counter = Counter()
    mvotes: Counter = Counter()
    for i, fl in enumerate(feats):
        for f in fl:
            if not len(f):
                continue
            for q, tally in ((f, votes), (mirror_features(f), mvotes)):
                # the first descriptors are each grid cell's strongest (verify._spread): enough to vote
                D, I = index.search(np.ascontiguousarray(q.desc[:max_query]), k)
                ok = (I >= 0) & (D <= max_dist * max_dist)
                own = np.where(ok, owner[np.clip(I, 0, None)], -1)
                own[own == i] = -1
                own = np.sort(own, axis=1)
                dup = np.zeros_like(own, dtype=bool)
                dup[:, 1:] = own[:, 1:] == own[:, :-1]
                vals, cnt = np.unique(own[(own >= 0) & ~dup], return_counts=True)
                for j, n in zip(vals.tolist(), cnt.tolist()):
                    key = (min(i, j), max(i, j))
                    tally[key] = max(tally[key], n)
    return {key: (votes.get(key, 0), mvotes.get(key, 0)) for key, n in (votes | mvotes).items() if n >= min_votes}


def keypoint_stage(items: pd.DataFrame, matched: Iterable[tuple[Any, Any]], *,
                   min_inliers: int, min_cover: float, cell_share: float, min_votes: int,
                   exhaustive: bool, max_side: int, nfeatures: int, workers: int, progress: bool,
                   k: int = 12, max_dist: float = 200.0, max_fail: int = 8, max_item_fail: int = 30,
                   max_changed: float | None = 0.05) -> list[tuple[int, int, str, int, dict | None]]:
    """Verified keypoint pairs (see the module doc), given the ``(a, b)`` ids already ``matched``.

    Returns ``(i, j, decision, inliers, transform)`` in the order found, ``i`` and ``j`` item
    positions with ``id[i] <= id[j]``, the transform mapping j into i; ``decision`` is
    ``"match"``, or ``"composite"`` for a pair of two still images refused because a solid
    region differs.
    """
    ids = list(items["id"])
    feats = _extract_all(items, max_side, nfeatures, workers, progress)
    groups = _Components(len(ids))
    pos = {x: n for n, x in enumerate(ids)}
    for a, b in matched:
        groups.union(pos[a], pos[b])
    cands = _candidates(feats, k=k, max_dist=max_dist, min_votes=min_votes)
    order = sorted(cands.items(), key=lambda kv: (-max(kv[1]), kv[0]))
    fails: Counter = Counter()
    found = []
    for (i, j), (n_plain, n_mirror) in order:
        ri, rj = groups.label(i), groups.label(j)
        if not exhaustive and (ri == rj or fails[(i, rj)] >= max_fail or fails[(j, ri)] >= max_fail
                               or fails[i] >= max_item_fail or fails[j] >= max_item_fail):
            continue
        best = _best_view_pair(feats[i], feats[j], min_inliers=min_inliers, min_cover=min_cover,
                               cell_share=cell_share, max_changed=max_changed,
                               try_mirror=n_mirror >= max(min_votes, n_plain // 2))
        still = not any(f.video for f in (*feats[i], *feats[j]))  # video frames: zoom and overlays
        a, b = (i, j) if ids[i] <= ids[j] else (j, i)
        if best is not None and best.verified:
            found.append((a, b, "match", best.inliers, best.transform if a == i else _swap(best.transform)))
            groups.union(i, j)
        else:
            if best is not None and still and _changed(best, max_changed, 0.0):  # a composite of its source
                found.append((a, b, "composite", best.inliers, best.transform if a == i else _swap(best.transform)))
            for key in ((i, rj), (j, ri), i, j):
                fails[key] += 1
    return found


def _best_view_pair(fi: list[Features], fj: list[Features], *, max_changed: float | None,
                    **kw: Any) -> Any:
    """The best :func:`verify_pair` over the two items' views (trimmed picture first), stopping at
    the first verified or composite one; None when an item has no views."""
    best = None
    for fa in fi:
        for fb in fj:
            v = verify_pair(fa, fb, max_changed=max_changed, **kw)
            if best is None or (v.verified, v.inliers) > (best.verified, best.inliers):
                best = v
            if v.verified or _changed(v, max_changed):
                break
        if best is not None and (best.verified or _changed(best, max_changed)):
            break
    return best


class _Components:
    """Items joined so far (:class:`networkx.utils.UnionFind`) and a label for each component, the
    key of the failure counts: a joined component keeps the label of the second item's side."""

    def __init__(self, n: int) -> None:
        from networkx.utils import UnionFind

        self.uf = UnionFind(range(n))
        self.labels: dict[int, int] = {}  # root -> label, where it is not the root itself

    def label(self, i: int) -> int:
        """The label of ``i``'s component."""
        root = self.uf[i]
        return self.labels.get(root, root)

    def union(self, i: int, j: int) -> None:
        """Join the components of ``i`` and ``j``."""
        keep = self.label(j)
        self.uf.union(i, j)
        self.labels[self.uf[i]] = keep


def _changed(v: Any, max_changed: float | None, above: float = 0.12) -> bool:
    """The pair aligned but differs in content (composite vs source) by a region over ``above`` of
    the overlap (0.12: no other view will do better) and over ``max_changed``."""
    return bool(max_changed is not None and v.transform
                and v.transform.get("changed", 0.0) > max(above, max_changed))


def _swap(t: dict | None) -> dict | None:
    """The transform of (b, a) from that of (a, b): b's view of a."""
    if t is None:
        return None
    return {**t, "scale": 1.0 / t["scale"] if t["scale"] else None, "rotation_deg": -t["rotation_deg"],
            "box_in_a": t["box_in_b"], "box_in_b": t["box_in_a"], "overlap_a": t["overlap_b"],
            "overlap_b": t["overlap_a"], "cover_a": t["cover_b"], "cover_b": t["cover_a"],
            **{f"{k}_{x}": t[f"{k}_{y}"] for k in ("view", "cells") for x, y in (("a", "b"), ("b", "a"))
               if f"{k}_{y}" in t}}
