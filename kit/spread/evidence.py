"""Inheritance evidence for a whole collection: variant groups, registration, pairwise lineage.

:func:`lineage_evidence` takes the media of a collection (id -> path or
array), the matcher's variant clusters and a few facts from the hash step
(content boxes, pixel counts, added content) and returns a
:class:`LineageEvidence`:

``relations``
    ``a``, ``b``, ``relation``, ``replaced``, ``own_share``, ``box``: copies
    that left a group (``a``) and the reference of the group they left
    (``b``): ``source`` when ``a`` is the group's picture but for one region
    of other picture (``replaced`` of the frame, at ``box``: the composite's
    source photo), None for another shot of the scene; ``donor`` when the
    reference of another group aligns with that region (the picture it was
    pasted from).
``groups``
    ``id`` -> ``group``: the matcher's clusters, re-joined where a stray copy
    (a screenshot, a heavy crop) aligns with a bigger cluster
    (:func:`kit.spread.content.rejoin_groups`).
``copies``
    One row per media file (columns :data:`COPY_COLUMNS`): its group, the
    group's ``reference``, whether it was ``registered`` (else ``error`` says
    why), the size of its own changes (``own_share`` inside the picture,
    ``added`` around it, ``replaced``: the largest solid region of other
    content), its global characters (``mirror``, ``rotation``, ``scale``,
    ``gray``, ``colour``), ``coverage`` (share of the reference picture it
    shows) and ``root_like`` (no change of its own: a candidate for the
    group's first copy).
``pairs``
    :func:`kit.spread.lineage.pair_lineage` rows for every ordered pair of
    registered copies of one group (``u`` candidate parent of ``v``).

Registration is linear in a group's size (each copy aligned once to the
reference), the pairwise comparison quadratic but cheap (array operations
on a canvas of about 224 px); groups above ``max_pairs_group`` copies compare
each copy with its ``max_pairs_group`` nearest copies in first-seen order.

Examples
--------
>>> import numpy as np, cv2
>>> rng = np.random.default_rng(2)
>>> base = cv2.resize((rng.random((40, 60, 3)) * 255).astype(np.uint8), (360, 240), interpolation=cv2.INTER_CUBIC)
>>> ev = lineage_evidence({"o": base, "c": base[20:220, 30:330].copy()})
>>> sorted(ev.copies["id"]), bool(ev.copies.set_index("id").loc["o", "root_like"])
(['c', 'o'], True)
>>> r = ev.pairs.set_index(["u", "v"]).loc[("c", "o")]
>>> bool(r.uncovered > 0.05)
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from kit.spread.composite import _Composite, _donors, _left, _odd, _parts, _sources_beside
from kit.spread.majority import reattribute

__all__ = ["COPY_COLUMNS", "LineageEvidence", "lineage_evidence"]

RELATION_COLUMNS = ["a", "b", "relation", "replaced", "own_share", "box"]
COPY_COLUMNS = ["id", "group", "reference", "registered", "error", "inliers", "own_share", "added", "replaced", "misfit", "displaced",
                "mirror", "rotation", "scale", "gray", "colour", "coverage", "root_like"]


@dataclass(frozen=True)
class LineageEvidence:
    """``pairs``, ``copies`` and ``groups`` DataFrames (module doc); ``seconds`` per stage."""

    pairs: pd.DataFrame
    copies: pd.DataFrame
    groups: pd.DataFrame
    seconds: dict
    relations: pd.DataFrame = None  # type: ignore[assignment]


def _root_like(c: Any, coverage: float, added: float) -> bool:
    from kit.spread.cost import FILTER, ROT

    return bool(c.own_share < 0.002 and added < 0.01 and not c.mirror and abs(c.rotation) < ROT and not c.gray
                and float(np.linalg.norm(c.colour)) < FILTER and c.scale >= 0.9 and coverage >= 0.97)


def lineage_evidence(images: dict, clusters: pd.DataFrame | None = None, *, kinds: dict | None = None,
                     boxes: dict | None = None, sizes: dict | None = None, first_seen: dict | None = None,
                     added: dict | None = None, side: int = 320, canvas: int = 224,
                     max_pairs_group: int = 150, rejoin: bool = True, split: float = 0.03,
                     workers: int = 1) -> LineageEvidence:
    """Group, register and compare the media of a collection (see the module doc).

    Parameters
    ----------
    images
        id -> path, or id -> RGB/gray uint8 array.
    clusters
        The matcher's ``id`` -> ``cluster`` table (every id its own group when None).
    kinds
        id -> ``"image"`` / ``"video"`` (a video gives its frame at 1 s).
    boxes
        id -> content box as fractions (for re-joining groups).
    sizes
        id -> pixel count of the picture (the reference is the largest).
    first_seen
        id -> first post time in seconds (the reference choice, ties and order).
    added
        id -> True when the hash step found a frame, bar or screenshot around the picture.
    split
        A copy whose largest solid region of other picture content (``replaced``) covers more
        than this share of the frame is not a repost of the group's picture: it leaves the group.
    workers
        Processes for the groups (a ``forkserver`` pool; in a script, call from under ``if
        __name__ == "__main__":``). Groups are independent, so the time divides by the cores.
    """
    import time

    t0 = time.perf_counter()
    kinds, sizes, first_seen, added = kinds or {}, sizes or {}, first_seen or {}, added or {}
    opts = {"images": images, "kinds": kinds, "boxes": boxes or {}, "sizes": sizes, "added": added,
            "first_seen": first_seen, "side": side, "canvas": canvas, "split": split,
            "max_pairs_group": max_pairs_group}
    group, results, cache, t1 = _run_groups(images, clusters, opts, boxes=boxes, rejoin=rejoin, workers=workers)
    return _assemble(results, group, cache, side, t0, t1, workers)


def _run_groups(images: dict, clusters: pd.DataFrame | None, opts: dict, *, boxes: dict | None, rejoin: bool,
                workers: int) -> tuple[dict, list, dict, float]:
    """The groups (re-joined, :func:`kit.spread.content.rejoin_groups`, or the clusters as they are) and
    each group's evidence (:func:`_group_evidence`, in a process pool with ``workers`` > 1). Returns
    ``(group, results, cache, t1)``: id -> group, one result a group, the decoded pictures and the time
    the groups were ready."""
    import time
    from contextlib import ExitStack

    from kit.spread.content import rejoin_groups
    from kit.workers import process_pool

    ids = [i for i in images if images[i] is not None]
    cache: dict = {}
    with ExitStack() as stack:
        # one pool for the whole run (starting one costs a second or two): pictures, then groups
        ex = stack.enter_context(process_pool(workers)) if workers > 1 and len(ids) > 1 else None
        if rejoin:
            group = rejoin_groups(images, clusters, kinds=opts["kinds"], boxes=boxes, sizes=opts["sizes"],
                                  side=opts["side"], cache=cache, executor=ex)
        else:
            cl = dict(zip(clusters["id"], clusters["cluster"])) if clusters is not None and len(clusters) else {}
            group = {i: cl.get(i, f"single:{i}") for i in ids}
        t1 = time.perf_counter()
        members: dict = {}
        for i in ids:
            members.setdefault(group[i], []).append(i)
        tasks = [(g, m, {i: cache[i][:3] for i in m if cache.get(i) is not None}) for g, m in members.items()]
        if ex is not None and len(tasks) > 1:
            tasks.sort(key=lambda t: -len(t[1]))  # big groups first: the pool ends together
            results = list(ex.map(_group_evidence, tasks, [_task_opts(opts, t[1]) for t in tasks]))
        else:
            results = [_group_evidence(t, opts) for t in tasks]
    return group, results, cache, t1


def _task_opts(opts: dict, members: list) -> dict:
    """``opts`` with its per-file tables cut to one group's ``members``: a worker needs nothing else, and
    every table of the whole collection sent with every group made the transfer grow as files x groups."""
    return {k: ({i: v[i] for i in members if i in v} if isinstance(v, dict) else v) for k, v in opts.items()}


def _assemble(results: list, group: dict, cache: dict, side: int, t0: float, t1: float,
              workers: int) -> LineageEvidence:
    """The groups' results in one :class:`LineageEvidence`, with the donor relations
    (:func:`kit.spread.composite._donors`) and the seconds of each stage since ``t0``."""
    import time

    pair_frames, copy_rows, relations = [], [], []
    t_reg = t_pair = 0.0
    for res in results:
        pair_frames += res["pairs"]
        copy_rows += res["copies"]
        relations += res["relations"]
        group.update(res["group"])
        cache.update(res["refs"])
        t_reg += res["t_reg"]
        t_pair += res["t_pair"]
    pairs = pd.concat([f for f in pair_frames if len(f)], ignore_index=True) if any(len(f) for f in pair_frames) \
        else _empty_pairs()
    copies = pd.DataFrame(copy_rows, columns=COPY_COLUMNS)
    groups = pd.DataFrame({"id": list(group), "group": list(group.values())})
    refs = {r["group"]: r["reference"] for r in copy_rows if r["registered"]}
    relations += _donors(relations, refs, cache, side)
    rel = pd.DataFrame(relations, columns=RELATION_COLUMNS)
    return LineageEvidence(pairs, copies, groups, {"groups": t1 - t0, "register": t_reg, "pairs": t_pair,
                                                   "total": time.perf_counter() - t0, "workers": workers}, rel)


def _group_evidence(task: tuple, opts: dict) -> dict:
    """One variant group: load, register (splitting off other pictures), compare pairwise.

    Runs in a worker process with ``workers`` > 1: everything in and out is plain data."""
    import time

    from kit.matching.verify import features as sift
    from kit.spread.consensus import choose_reference
    from kit.spread.pictures import load_small
    from kit.spread.pairs import pair_lineage
    from kit.workers import trim_heap

    g, m, pre = task
    images, kinds, first_seen, side = opts["images"], opts["kinds"], opts["first_seen"], opts["side"]
    out: dict = {"pairs": [], "copies": [], "relations": [], "group": {}, "refs": {}, "t_reg": 0.0, "t_pair": 0.0}
    pics, scales, feats = {}, {}, {}
    for i in m:
        got = pre.get(i)
        if got is None:
            src = images[i]
            loaded = (np.asarray(src), 1.0) if isinstance(src, np.ndarray) else load_small(
                src, kinds.get(i, "image"), side=side)
            if loaded is None:
                out["copies"].append(_failed_row(i, g, None, "could not be decoded"))
                continue
            got = (loaded[0], loaded[1], sift(loaded[0], max_side=side, nfeatures=600))
        pics[i], scales[i], feats[i] = got
    if not pics:
        return out
    sizes = opts["sizes"]
    ref = choose_reference(pics, {i: sizes.get(i) or pics[i].shape[0] * pics[i].shape[1] for i in pics},
                           opts["added"], first_seen)
    ta = time.perf_counter()
    confirm = _Composite(images, kinds, opts["boxes"])
    t_pair = 0.0
    for key, reg in _register_split(g, pics, ref, feats, scales, first_seen, out["relations"], canvas=opts["canvas"],
                                    side=side, split=opts["split"], confirm=confirm, boxes=opts["boxes"],
                                    framed=opts["added"]):
        tb = time.perf_counter()  # each part measured once final: its canvas planes go before the next
        reg = reattribute(reg)  # the reference's own additions, given back
        for i, why in reg.failed.items():
            out["copies"].append(_failed_row(i, key, reg.reference, why))
        C = reg.frame_mask
        area = max(1.0, float(C.sum()))
        out["refs"][reg.reference] = (pics[reg.reference], scales[reg.reference], feats[reg.reference])
        for i, c in reg.copies.items():
            out["group"][i] = key
            x0, y0, x1, y1 = c.box
            coverage = float((x1 - x0) * (y1 - y0)) / area
            added_share = float((c.valid & ~C).sum() / area)
            out["copies"].append({"id": i, "group": key, "reference": reg.reference, "registered": True,
                                  "error": None, "inliers": c.inliers, "own_share": c.own_share,
                                  "added": added_share, "replaced": c.replaced, "misfit": c.misfit,
                                  "displaced": c.displaced, "mirror": c.mirror, "rotation": c.rotation,
                                  "scale": c.scale, "gray": c.gray, "colour": float(np.linalg.norm(c.colour)),
                                  "coverage": coverage, "root_like": _root_like(c, coverage, added_share)})
        order = sorted(reg.copies, key=lambda i: (first_seen.get(i) is None, first_seen.get(i) or 0, str(i)))
        cap = opts["max_pairs_group"]
        if len(order) > cap:
            near = [(order[x], order[y]) for x in range(len(order))
                    for y in range(max(0, x - cap), min(len(order), x + cap + 1)) if x != y]
            out["pairs"].append(pair_lineage(reg, near))
        else:
            out["pairs"].append(pair_lineage(reg))
        t_pair += time.perf_counter() - tb
    out["t_reg"], out["t_pair"] = time.perf_counter() - ta - t_pair, t_pair
    if len(m) > 100:
        trim_heap()  # a big group's freed memory, back to the system before the worker's next group
    return out


def _register_split(g: Any, pics: dict, ref: Any, feats: dict, scales: dict, first_seen: dict, relations: list,
                    *, canvas: int, side: int, split: float, confirm: Any, boxes: dict | None = None,
                    framed: dict | None = None,
                    displaced: float = 2.0, own_split: float = 0.04, source_min: float = 0.01,
                    spread: int = 3) -> Iterator[tuple]:
    """Register a group and take out the copies that are no copies of its picture (:func:`_odd`: another
    shot of the scene, a composite of the reference or the reference's source photo). Yields
    ``(key, registration)`` of each group as soon as it is final.

    When most copies differ from the reference that way, the reference is the odd one out (the
    source photo of a composite that spread): the group is registered again on one of the others,
    the largest part of them (:func:`kit.spread.composite._parts`); the other parts of ``spread``
    copies or more leave at once as pictures of their own (other composites of one host photo:
    without a typed relation). The copies that do not align with the reference's picture at all
    (another picture the matcher joined in) or only by a perspective (another shot,
    :func:`kit.spread.lineage.align_group`; when most copies are, the reference is the other shot
    and the group is aligned again on one of them) are registered as a group of their own.
    The copies taken out in one round are divided into the pictures they show
    (:func:`kit.spread.composite._parts`), each a group of its own, split again the same way; each
    copy taken out gets a relation row to the group it left (:func:`_left`).
    """
    from kit.spread.lineage import register_group

    def is_odd(ref: Any, c: Any) -> bool:
        return _odd(ref, c, confirm, pics, feats, split=split, displaced=displaced, own_split=own_split,
                    source_min=source_min)

    beside: dict = {}  # copy -> the copy its source test was asked against, where not the reference

    def odd_ones(reg: Any) -> list:
        odd = [i for i, c in reg.copies.items() if is_odd(reg.reference, c)]
        found = _sources_beside(reg, odd, confirm, pics, feats, source_min, framed or {}, boxes or {})
        beside.update(found)
        return odd + list(found)

    def keep(ref: Any, c: Any) -> Any:  # an odd copy leaves: its lightness and validity are enough (_parts)
        return _slim(c) if is_odd(ref, c) else c

    todo, k = [(g, list(pics), ref)], 0
    while todo:
        key, ids, r = todo.pop(0)
        r, maps, failed, shots = _align(ids, pics, feats, r)
        if failed and len(failed) < len(ids):  # copies of another picture the matcher joined in
            k += 1
            todo.append((f"{key}.{k}", list(failed), max(failed, key=lambda i: (pics[i].shape[0] * pics[i].shape[1], str(i)))))
            ids, failed = [i for i in ids if i not in failed], {}
        sub = {i: pics[i] for i in ids}
        kw = {"maps": maps, "scales": scales, "canvas": canvas, "side": side, "first_seen": first_seen, "boxes": boxes}
        reg = register_group(sub, r, keep=keep, **kw)
        relations += [{"a": i, "b": reg.reference, "relation": None, "replaced": None, "own_share": None, "box": None}
                      for i in shots]  # each left with the failed ones above (the reference never fails)
        odd = odd_ones(reg)
        if odd and len(odd) > len(reg.copies) / 2:  # the reference is odd (a source photo, or one of several pictures)
            parts = _parts(reg, odd, split, canvas, confirm, pics, feats)
            big = max(parts, key=len)
            for part in [p for p in parts if p is not big and len(p) >= spread]:  # another picture that spread
                k += 1
                relations += [_left(reg.copies[i], reg.reference, split, displaced, typed=False) for i in part]
                todo.append((f"{key}.{k}", part, part[0]))
                ids = [i for i in ids if i not in part]
            reg = register_group({i: pics[i] for i in ids}, big[0], choose_from=big, keep=keep, **kw)
            odd = odd_ones(reg)
        if odd and len(odd) < len(reg.copies):
            rest = [i for i in ids if i not in odd]
            k += 1
            relations += [_left(reg.copies[i], beside.get(i, reg.reference), split, displaced,
                                confirm.found(beside.get(i, reg.reference), i)) for i in odd]
            rest_odd = [i for i in odd if i not in beside]  # a source found beside a copy: a picture of its own
            parts = _parts(reg, rest_odd, split, canvas, confirm, pics, feats) if rest_odd else []
            for part in parts + [[i] for i in odd if i in beside]:
                todo.append((f"{key}.{k}", part, part[0]))
                k += 1
            if reg.reference in rest:  # the rest keep their registration: only the odd ones leave
                reg = replace(reg, copies={i: c for i, c in reg.copies.items() if i not in odd})
            else:
                reg = register_group({i: pics[i] for i in rest}, rest[0], **kw)
        if failed:
            reg = replace(reg, failed={**reg.failed, **failed})
        yield key, reg


def _align(ids: list, pics: dict, feats: dict, r: Any) -> tuple:
    """``(reference, maps, failed, shots)``: the copies aligned with ``r``'s picture
    (:func:`kit.spread.lineage.align_group`), again on the largest of the others when most are another
    shot of the scene (the reference is the other shot)."""
    from kit.spread.lineage import ANOTHER_SHOT, align_group

    maps, failed = align_group({i: pics[i] for i in ids}, feats, r)
    shots = [i for i, why in failed.items() if why.startswith(ANOTHER_SHOT)]
    if len(ids) > 2 and len(shots) > (len(ids) - 1) / 2:
        r = max(shots, key=lambda i: (pics[i].shape[0] * pics[i].shape[1], str(i)))
        maps, failed = align_group({i: pics[i] for i in ids}, feats, r)
        shots = [i for i, why in failed.items() if why.startswith(ANOTHER_SHOT)]
    return r, maps, failed, shots


_DROPPED = np.zeros((0, 0), bool)


def _slim(c: Any) -> Any:
    """A copy that leaves its group's registration: its lightness, validity and numbers, not the rest
    of its canvas planes (a cluster of 800 copies on one canvas otherwise keeps 19 bytes a canvas
    pixel of each; :func:`kit.spread.composite._parts` and :func:`_left` read no more)."""
    return replace(c, lab=np.ascontiguousarray(c.lab[:, :, :1]), own=_DROPPED, info=_DROPPED, grad=_DROPPED)


def _empty_pairs() -> pd.DataFrame:
    from kit.spread.pairs import LINEAGE_COLUMNS

    return pd.DataFrame(columns=LINEAGE_COLUMNS)


def _failed_row(i: Any, g: Any, ref: Any, why: str) -> dict:
    return {"id": i, "group": g, "reference": ref, "registered": False, "error": why, "inliers": 0,
            "own_share": None, "added": None, "replaced": None, "misfit": None, "displaced": None, "mirror": None, "rotation": None, "scale": None,
            "gray": None, "colour": None, "coverage": None, "root_like": False}
