"""Dense content evidence between copies: aligned pixel residuals (image phylogeny).

The matcher returns a *spanning* set of pairs (it skips pairs already
connected), so the true parent of a copy often has no direct match row.
:func:`pair_evidence` compares the pairs that the spread builder needs
directly: both pictures are decoded small (long side ``side``; :mod:`kit.spread.pictures`), SIFT features
(:func:`kit.matching.verify.features`) are matched, a similarity transform is
fitted with RANSAC (mirrored too), the candidate parent is warped into the
child's frame and the two are compared in Lab where both have pixels:
lightness z-normalised (brightness and contrast changes cost little), chroma
minus its mean (a global tint costs little, lost colour a lot); cf. Dias, Rocha &
Goldenstein 2012, image phylogeny dissimilarity.

Columns of the result (one row per requested ``(a, b)``):

``a``, ``b``
    Media ids (``b`` mapped into ``a``).
``inliers``
    RANSAC inliers (0: no alignment; then the other columns are NaN).
``residual``
    Mean over the overlap of ``|lightness z difference| + (|da| + |db|) /
    chroma``, a and b minus their means (0 = same pixels).
``changed``
    Share of overlap pixels whose difference exceeds ``changed_z``.
``residual_l``, ``changed_l``
    The same from lightness only (for a grayscale child).
``chroma_a``, ``chroma_b``
    Colourfulness of each picture over the overlap: mean ``|a - mean a| +
    |b - mean b|`` (< 3: grayscale). The picture's mean colour is taken out
    first, so a colour cast on a gray picture (a tint or sepia filter) does
    not count as colour: with the plain mean ``|a| + |b|`` a tinted copy of
    a gray original looked upstream of it ("colour is never regained").
``scale``
    a-pixels per b-pixel at full size (> 1: a is sharper, i.e. upstream).
``overlap_a``, ``overlap_b``
    Share of each picture (its content box when given) that the other one
    covers: a crop ``b`` of ``a`` has ``overlap_b`` = 1 and ``overlap_a`` < 1.
``mirror``
    Whether ``b`` is mirrored with respect to ``a``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> import cv2
>>> base = cv2.resize((rng.random((60, 80)) * 255).astype(np.uint8), (320, 240), interpolation=cv2.INTER_CUBIC)
>>> crop = np.ascontiguousarray(base[30:200, 40:300])
>>> ev = pair_evidence({"big": base, "crop": crop}, [("big", "crop")])
>>> r = ev.iloc[0]
>>> bool(r.inliers > 20), round(float(r.overlap_b), 1), bool(r.overlap_a < 0.7), bool(r.residual < 0.3)
(True, 1.0, True, True)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
from networkx.utils import UnionFind

from kit.spread.pictures import _align, _box_mask, _describe_task, _refine, describe_small, load_small

__all__ = ["EVIDENCE_COLUMNS", "content_evidence", "load_small", "pair_evidence"]

EVIDENCE_COLUMNS = ["a", "b", "inliers", "residual", "changed", "residual_l", "changed_l", "chroma_a", "chroma_b",
                    "scale", "overlap_a", "overlap_b", "mirror"]


def pair_evidence(images: dict, pairs: Iterable[tuple], *, kinds: dict | None = None, boxes: dict | None = None,
                  side: int = 320, nfeatures: int = 600, min_inliers: int = 8,
                  changed_z: float = 0.75, chroma: float = 25.0, cache: dict | None = None) -> pd.DataFrame:
    """Aligned residuals for ``pairs`` of media ids (columns in the module doc).

    Parameters
    ----------
    images
        id -> path, or id -> gray/RGB uint8 array (or ``(array, scale)`` as
        :func:`load_small` returns).
    pairs
        ``(a, b)`` id pairs; ``b`` is aligned into ``a``.
    kinds
        id -> ``"image"`` / ``"video"`` for paths.
    boxes
        id -> content box as fractions ``[x0, y0, x1, y1]`` (the picture
        without frames or caption bars); overlaps are measured inside it.
    side, nfeatures
        Analysis size and SIFT feature count.
    min_inliers
        Fewer RANSAC inliers = not aligned.
    changed_z
        Pixel difference that counts a pixel as changed.
    chroma
        Lab a/b difference worth one lightness z-score unit.
    cache
        A dict to keep decoded pictures and features in between calls.
    """
    kinds, boxes = kinds or {}, boxes or {}
    cache = {} if cache is None else cache

    def get(i: Any) -> tuple | None:
        if i not in cache:
            cache[i] = describe_small(images.get(i), kinds.get(i, "image"), side=side, nfeatures=nfeatures)
        return cache[i]

    rows = []
    for a, b in pairs:
        A, B = get(a), get(b)
        rows.append(_pair_row(a, b, A, B, boxes.get(a), boxes.get(b), min_inliers=min_inliers, changed_z=changed_z,
                              chroma=chroma))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def _pair_row(a: Any, b: Any, A: tuple | None, B: tuple | None, box_a: Any, box_b: Any, *, min_inliers: int,
              changed_z: float, chroma: float) -> dict:
    """One row of :func:`pair_evidence`: ``b`` (described as :func:`describe_small` does) aligned into
    ``a`` and compared where both pictures (inside their content boxes) have pixels."""
    row = {"a": a, "b": b, "inliers": 0, "residual": np.nan, "changed": np.nan, "residual_l": np.nan,
           "changed_l": np.nan, "chroma_a": np.nan, "chroma_b": np.nan, "scale": np.nan,
           "overlap_a": np.nan, "overlap_b": np.nan, "mirror": None}
    if A is None or B is None:
        return row
    import cv2

    cv2.setRNGSeed(0)  # RANSAC draws from OpenCV's global RNG: the same pair, the same answer, in any process
    n, M, mirrored = _align(A[2], B[2])
    if M is None or n < min_inliers or abs(np.linalg.det(M[:, :2])) < 1e-6:
        row["inliers"] = n
        return row
    bimg, warped, valid, M, mask_a, mask_b, back = _warp_pair(A, B, M, mirrored, box_a, box_b)
    if valid.sum() < 200:
        row["inliers"] = n
        return row
    sc = float(np.sqrt(abs(np.linalg.det(M[:, :2]))))
    row.update(inliers=n, **_residuals(bimg[valid], warped[valid], changed_z, chroma),
               scale=sc * B[1] / A[1] if A[1] else sc,
               overlap_a=float((back & (mask_a > 0.5)).sum() / max(1.0, (mask_a > 0.5).sum())),
               overlap_b=float(valid.sum() / max(1.0, (mask_b > 0.5).sum())), mirror=bool(mirrored))
    return row


def _warp_pair(A: tuple, B: tuple, M: np.ndarray, mirrored: bool, box_a: Any, box_b: Any) -> tuple:
    """``a``'s blurred Lab warped into ``b``'s frame (``M``: b -> a, refined to the sub-pixel). Returns
    ``(b's Lab, mirrored when b is, a's warped Lab, valid overlap, refined b -> a map, a's box mask,
    b's box mask in b's frame as aligned, b's box mapped back into a)``."""
    import cv2

    hb, wb = B[0].shape[:2]
    ha, wa = A[0].shape[:2]
    bimg = B[3][:, ::-1] if mirrored else B[3]
    Mi = _refine(A[3][:, :, 0], bimg[:, :, 0], cv2.invertAffineTransform(M))  # a -> (mirrored) b
    M = cv2.invertAffineTransform(Mi)
    warped = cv2.warpAffine(A[3], Mi, (wb, hb), flags=cv2.INTER_LINEAR, borderValue=0)
    mask_a = _box_mask((ha, wa), box_a)
    mask_b = _box_mask((hb, wb), box_b)
    if mirrored:
        mask_b = mask_b[:, ::-1]
    valid = cv2.warpAffine(mask_a, Mi, (wb, hb), flags=cv2.INTER_NEAREST, borderValue=0) > 0.5
    valid &= mask_b > 0.5
    back = cv2.warpAffine(mask_b, M, (wa, ha), flags=cv2.INTER_NEAREST, borderValue=0) > 0.5
    return bimg, warped, valid, M, mask_a, mask_b, back


def _residuals(x: np.ndarray, y: np.ndarray, changed_z: float, chroma: float) -> dict:
    """The residual columns of :func:`pair_evidence` from the overlap's Lab pixels of ``b`` (``x``) and
    of ``a`` warped (``y``), both (n, 3)."""
    zx = (x[:, 0] - x[:, 0].mean()) / (x[:, 0].std() + 1e-3)
    zy = (y[:, 0] - y[:, 0].mean()) / (y[:, 0].std() + 1e-3)
    dl = np.abs(zx - zy)
    # chroma minus its mean: a global tint (warm, cool filters) costs little, lost colour a lot
    cx, cy = x[:, 1:] - x[:, 1:].mean(axis=0), y[:, 1:] - y[:, 1:].mean(axis=0)
    d = dl + np.abs(cx - cy).sum(axis=1) / chroma
    return {"residual": float(d.mean()), "changed": float((d > changed_z).mean()),
            "residual_l": float(dl.mean()), "changed_l": float((dl > changed_z).mean()),
            "chroma_a": float(np.abs(cy).sum(axis=1).mean()), "chroma_b": float(np.abs(cx).sum(axis=1).mean())}


def rejoin_groups(images: dict, clusters: pd.DataFrame | None = None, *, kinds: dict | None = None,
                  boxes: dict | None = None, sizes: dict | None = None, merge_per_cluster: int = 3,
                  merge_inliers: int = 15, merge_residual: float = 0.3, small: int = 2, merge_wide: int = 8,
                  side: int = 320, cache: dict | None = None, merge_big: bool = False,
                  min_votes: int = 8, executor: Any = None) -> dict:
    """The matcher's clusters, re-joined where it missed a link: id -> group number.

    A cluster of at most ``small`` items is compared with up to
    ``merge_wide`` items (largest pictures first, ``sizes``: id -> pixel
    count) of every other cluster, and joins it when a pair has
    ``merge_inliers`` inliers and a residual <= ``merge_residual`` (the
    matcher most often misses single copies: screenshots, heavy crops, video
    frames; a stray that matches several clusters joins the one it matches best and
    never makes one group of two clusters the matcher kept apart, :func:`_join_strays`);
    only pairs with ``min_votes`` agreeing descriptors (against the
    ``merge_per_cluster`` largest pictures of each cluster, :func:`_votes`) are
    aligned. With ``merge_big`` two larger clusters are also compared, through
    their ``merge_per_cluster`` largest pictures. A group's number is the smallest
    matcher cluster number it holds. ``cache`` keeps the decoded pictures and
    features (:func:`pair_evidence`'s cache) for later use; with an ``executor`` (a process pool,
    :func:`kit.workers.process_pool`) the pictures are decoded and described in it.
    """
    kinds, boxes, sizes = kinds or {}, boxes or {}, sizes or {}
    ids = [i for i in images if images[i] is not None]
    cl = dict(zip(clusters["id"], clusters["cluster"])) if clusters is not None and len(clusters) else {}
    nxt = max((c for c in cl.values() if isinstance(c, (int, np.integer))), default=-1) + 1
    for i in ids:
        if i not in cl:
            cl[i], nxt = nxt, nxt + 1
    members: dict = {}
    for i in ids:
        members.setdefault(cl[i], []).append(i)
    uf = UnionFind(members)
    cache = {} if cache is None else cache
    by_size = {c: sorted(m, key=lambda i: (-(sizes.get(i) or 0), str(i))) for c, m in members.items()}
    order = sorted(members)
    strays = {i: c for c in order if len(members[c]) <= small for i in members[c]}
    pool = {i: c for c in order for i in by_size[c][:merge_per_cluster]}
    votes = _votes(images, strays, pool, kinds, side, cache, executor)  # every stray against one index of all clusters
    # cluster pairs to align: a stray with a cluster its descriptors voted for; with merge_big every pair
    cand = {tuple(sorted((cl[q], cl[i]))) for (q, i), v in votes.items() if v >= min_votes and cl[q] != cl[i]}
    if merge_big:
        cand |= {(order[x], order[y]) for x in range(len(order)) for y in range(x + 1, len(order))}
    joins = []  # (residual, -inliers, stray's cluster, the other) of every stray that passed

    def plan(ca: Any, cb: Any) -> tuple[bool, list]:
        stray_a, stray_b = len(members[ca]) <= small, len(members[cb]) <= small
        ra, rb = by_size[ca][:merge_per_cluster], by_size[cb][:merge_per_cluster]
        if stray_a or stray_b:  # a stray copy: try more of the other side, where descriptors agree
            ra, rb = ((members[ca], by_size[cb][:merge_wide]) if stray_a
                      else (by_size[ca][:merge_wide], members[cb]))
        return stray_a or stray_b, [(a, b) for a in ra for b in rb
                                    if not (stray_a or stray_b) or votes.get((a, b), votes.get((b, a), 0)) >= min_votes]

    def take(ev: pd.DataFrame, stray: bool, ca: Any, cb: Any) -> None:
        ok = ev[(ev["inliers"] >= merge_inliers) & (ev["residual"] <= merge_residual)]
        if len(ok) and stray:
            joins.append((float(ok["residual"].min()), -int(ok["inliers"].max()), ca, cb))
        elif len(ok):
            uf.union(ca, cb)

    if merge_big:  # two larger clusters joined can spare a later pair its test: one pair after the other
        for ca, cb in sorted(cand):
            if uf[ca] != uf[cb] and (p := plan(ca, cb))[1]:
                take(pair_evidence(images, p[1], kinds=kinds, boxes=boxes, side=side, cache=cache), p[0], ca, cb)
    else:  # strays join only at the end (_join_strays): every pair's alignment stands alone
        plans = [(ca, cb, *plan(ca, cb)) for ca, cb in sorted(cand)]
        plans = [p for p in plans if p[3]]
        found = _pairs_in_pool([p[3] for p in plans], images, kinds, boxes, side, cache, executor)
        for (ca, cb, stray, _), ev in zip(plans, found):
            take(ev, stray, ca, cb)
    _join_strays(uf, joins, {c for c in members if len(members[c]) > small})
    group = {c: min(s) for s in uf.to_sets() for c in s}  # a group is named by its smallest cluster number
    return {i: group[cl[i]] for i in ids}


def _join_strays(uf: UnionFind, joins: list, big: set) -> None:
    """Join each stray to the cluster it matches best (lowest residual first), never two clusters the
    matcher kept apart through a stray: the source photo of a composite matches every composite made
    from it, and joining them all made one group of pictures the matcher had told apart (at 10,000
    posts, groups of 89-377 copies that registration split again, registering each copy up to 6.6
    times)."""
    holds = {}
    for s in uf.to_sets():
        root = uf[next(iter(s))]
        holds[root] = any(c in big for c in s)
    for _, _, ca, cb in sorted(joins, key=lambda j: (j[0], j[1], str(j[2]), str(j[3]))):
        ra, rb = uf[ca], uf[cb]
        if ra == rb or (holds[ra] and holds[rb]):
            continue
        uf.union(ca, cb)
        holds[uf[ca]] = holds[ra] or holds[rb]


def _pairs_in_pool(todos: list, images: dict, kinds: dict, boxes: dict, side: int, cache: dict, executor: Any,
                   min_pairs: int = 64, per_task: int = 40) -> list:
    """:func:`pair_evidence` of each list of pairs in ``todos`` (one frame each), in ``executor`` when
    there is one and ``min_pairs`` pairs or more. The pictures are described once (in the pool, into
    ``cache``); each task takes consecutive lists with their pictures' descriptions, about
    ``per_task`` pictures' worth (a picture's description is about 1.5 MB to send). Each alignment
    seeds OpenCV's RNG (:func:`_pair_row`), so a task's answers do not depend on which process
    ran it, nor after what."""
    if executor is None or sum(len(t) for t in todos) < min_pairs:
        return [pair_evidence(images, t, kinds=kinds, boxes=boxes, side=side, cache=cache) for t in todos]
    _describe_all(sorted({i for t in todos for p in t for i in p}, key=str), images, kinds, side, cache, executor)
    tasks: list = [([], set())]  # (lists of pairs, the pictures they need)
    for t in todos:
        new = {i for p in t for i in p}
        if tasks[-1][0] and len(tasks[-1][1] | new) > per_task:
            tasks.append(([], set()))
        tasks[-1][0].append(t)
        tasks[-1][1].update(new)
    args = [(ts, {i: cache.get(i) for i in ids}, {i: boxes.get(i) for i in ids}) for ts, ids in tasks]
    return [ev for evs in executor.map(_pairs_task, args) for ev in evs]


def _pairs_task(arg: tuple) -> list:
    """:func:`pair_evidence` of each list of pairs, from described pictures (for a process pool)."""
    todos, described, boxes = arg
    return [pair_evidence({}, t, boxes=boxes, cache=described) for t in todos]


def _describe_all(ids: list, images: dict, kinds: dict, side: int, cache: dict, executor: Any = None) -> None:
    """Decode and describe (:func:`describe_small`) the ``ids`` not in ``cache`` yet, in ``executor`` when
    there is one and enough of them."""
    todo = [i for i in ids if i not in cache]
    if executor is not None and len(todo) > 32:
        args = [(images.get(i), kinds.get(i, "image"), side) for i in todo]
        cache.update(zip(todo, executor.map(_describe_task, args, chunksize=8)))
    for i in todo:
        if i not in cache:
            cache[i] = describe_small(images.get(i), kinds.get(i, "image"), side=side)


def _votes(images: dict, strays: dict, pool: dict, kinds: dict, side: int, cache: dict, executor: Any = None,
           max_dist: float = 220.0, max_query: int = 200, max_train: int = 200, exact_below: int = 60_000) -> dict:
    """``{(query, item): votes}``: how many of a stray's first ``max_query`` SIFT descriptors (plain
    or mirrored; the keypoints are spread over the picture) have their nearest neighbour among the
    other clusters' pictures in ``item`` and closer than ``max_dist``. ``strays`` and ``pool`` map
    id -> matcher cluster; every pool item's first ``max_train`` descriptors go into one index
    (exact below ``exact_below`` rows, else a FLANN k-d forest), so the cost grows with the number
    of strays, not strays x clusters. A cheap filter before the RANSAC alignment."""
    import cv2

    from kit.matching.verify import mirror_features

    _describe_all(sorted(set(strays) | set(pool), key=str), images, kinds, side, cache, executor)  # once, kept
    items = [i for i in pool if cache.get(i) is not None and len(cache[i][2]) >= 3]
    if not items or not strays:
        return {}
    train = np.ascontiguousarray(np.vstack([cache[i][2].desc[:max_train] for i in items]), np.float32)
    owner = np.concatenate([np.full(min(len(cache[i][2]), max_train), k) for k, i in enumerate(items)])
    own_cluster = np.array([pool[i] for i in items], dtype=object)
    if len(train) < exact_below:
        matcher = cv2.BFMatcher(cv2.NORM_L2)
    else:
        matcher = cv2.FlannBasedMatcher({"algorithm": 1, "trees": 4}, {"checks": 64})
    matcher.add([train])
    matcher.train()
    own = {}
    for c in pool.values():
        own[c] = own.get(c, 0) + 1
    k = min(len(train), 3 * max(own.get(c, 0) for c in set(strays.values())) + 2)  # past the own cluster's copies
    out: dict = {}
    for q, qc in strays.items():
        if cache.get(q) is None or len(cache[q][2]) < 3:
            continue
        f = cache[q][2]
        for desc in (f.desc[:max_query], mirror_features(f).desc[:max_query]):
            for ms in matcher.knnMatch(np.ascontiguousarray(desc, np.float32), k=k):
                for m in ms:  # the nearest neighbour outside the stray's own cluster
                    k_item = owner[m.trainIdx]
                    if own_cluster[k_item] == qc:
                        continue
                    if m.distance < max_dist:
                        key = (q, items[k_item])
                        out[key] = out.get(key, 0) + 1
                    break
    return out


def content_evidence(images: dict, clusters: pd.DataFrame | None = None, *, kinds: dict | None = None,
                     boxes: dict | None = None, first_seen: dict | None = None, sizes: dict | None = None,
                     max_group: int = 120, side: int = 320, **merge: Any) -> tuple[pd.DataFrame, dict]:
    """Aligned evidence for every pair of media in one variant group, and the groups.

    The groups are :func:`rejoin_groups` (``merge`` passes its options); then
    every pair inside a group is aligned (``a`` = the one seen first, by
    ``first_seen`` values); in groups over ``max_group`` items each item is
    compared with its ``max_group`` successors in that order only.

    Returns ``(evidence, group)`` with ``group`` id -> group number.
    """
    first_seen = first_seen or {}
    cache: dict = {}
    group = rejoin_groups(images, clusters, kinds=kinds, boxes=boxes, sizes=sizes, side=side, cache=cache, **merge)
    by_group: dict = {}
    for i, g in group.items():
        by_group.setdefault(g, []).append(i)
    todo = []
    for m in by_group.values():
        m = sorted(m, key=lambda i: (first_seen.get(i) is None, first_seen.get(i) or 0, str(i)))
        for x in range(len(m)):
            for y in range(x + 1, min(len(m), x + 1 + max_group)):
                todo.append((m[x], m[y]))
    return pair_evidence(images, todo, kinds=kinds, boxes=boxes, side=side, cache=cache), group
