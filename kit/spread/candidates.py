"""Candidate parent pairs for :func:`kit.spread.build`, and analyst match decisions.

:func:`candidate_pairs` lists, for every ordered pair of posts ``(u, v)``
that may be parent and child, the content evidence: ``content`` (the
dissimilarity in ``[0, 1]``), ``how`` (``identical``, ``aligned``, the
matcher's algorithm or ``indirect``), ``pair`` (the match row, or None),
``transform`` (scale / overlaps oriented so that ``u`` is side ``a``),
``inliers`` and ``residual``.

Sources, best first: identical media bytes (content 0); the dense aligned
residual (``evidence`` from :func:`kit.spread.content.pair_evidence`,
content ``0.1 + residual_scale * residual``); a direct matcher pair
(:func:`kit.spread.cost.dissimilarity`); a path of matcher pairs (sum of
dissimilarities + ``indirect_penalty``).

Analyst match decisions (:func:`apply_match_decisions`): rows of
``case.decisions()`` whose ``kind`` is ``match`` (or ``matching.match``),
``subject`` ``"<sha a>|<sha b>"`` (also ``,`` or whitespace), or ``subject``
= one sha256 and ``value`` a dict with ``other``; the value (or its
``decision`` key) ``True``/``"confirm"``/``"match"`` confirms, ``False``/
``"reject"``/``"no match"`` rejects. The latest decision per pair wins.

Examples
--------
>>> import pandas as pd
>>> pairs = pd.DataFrame([{"a": "s1", "b": "s2", "decision": "match"}])
>>> dec = pd.DataFrame({"id": [1, 2], "kind": ["match", "match"], "subject": ["s1|s2", "s3|s1"],
...                     "value": ["reject", True]})
>>> kept, rejected = apply_match_decisions(pairs, dec)
>>> kept[["a", "b", "algorithm", "decision"]].values.tolist(), sorted(map(sorted, rejected))
([['s1', 's3', 'analyst', 'match']], [['s1', 's2']])
"""

from __future__ import annotations

import math
import re

import networkx as nx
import pandas as pd

from kit.spread.cost import dissimilarity

__all__ = ["EDIT_COSTS", "MATCH_KINDS", "PARENT_KINDS", "apply_match_decisions", "candidate_pairs", "val"]

PARENT_KINDS = ("parent", "spread.parent")
EDIT_COSTS = {"mirror": 0.05, "uncovered": 2.0, "upscale": 0.3, "grayscale": 0.2, "video_to_image": 0.5}
"""Content cost of each edit a derivation needs (parsimony): a mirror, the share of the
child's picture that the parent does not hold, an upscale (log2 of the factor), a colour
loss, an image taken from a video. A child with added content (screenshot, frame, caption
bar: node attribute ``added_content``) pays a third of ``uncovered`` and no ``upscale``
(its picture was re-rendered inside the new frame)."""
MATCH_KINDS = ("match", "matching.match")
_YES = {"confirm", "confirmed", "match", "yes", "true", "same"}
_NO = {"reject", "rejected", "no match", "no", "false", "different", "not a match"}


def val(x: object) -> object:
    """None for missing values (None, NaN, NaT), else ``x``."""
    try:
        return None if x is None or (not isinstance(x, (list, tuple, dict)) and pd.isna(x)) else x
    except (TypeError, ValueError):
        return x


def _verdict(v: object) -> bool | None:
    if isinstance(v, dict):
        v = v.get("decision", v.get("value", v.get("match")))
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v.strip().lower()
        return True if s in _YES else False if s in _NO else None
    return None


def apply_match_decisions(pairs: pd.DataFrame, decisions: pd.DataFrame | None) -> tuple[pd.DataFrame, set]:
    """Drop rejected pairs, add confirmed ones (``algorithm="analyst"``); return (pairs, rejected set)."""
    rejected: set = set()
    if decisions is None or not len(decisions) or "kind" not in decisions:
        return pairs, rejected
    latest: dict = {}
    for d in decisions[decisions["kind"].isin(MATCH_KINDS)].to_dict("records"):
        subj, value = str(d.get("subject") or ""), d.get("value")
        parts = [p for p in re.split(r"[|,\s]+", subj) if p]
        if len(parts) == 1 and isinstance(value, dict) and value.get("other"):
            parts.append(str(value["other"]))
        verdict = _verdict(value)
        if len(parts) != 2 or verdict is None or parts[0] == parts[1]:
            continue
        latest[frozenset(parts)] = verdict
    if not latest:
        return pairs, rejected
    rejected = {k for k, ok in latest.items() if not ok}
    keep = [frozenset((a, b)) not in rejected for a, b in zip(pairs["a"], pairs["b"])] if len(pairs) else []
    out = pairs[keep] if len(pairs) else pairs
    have = {frozenset((a, b)) for a, b in zip(out["a"], out["b"])} if len(out) else set()
    extra = [{"a": min(k), "b": max(k), "algorithm": "analyst", "distance": 0.0, "verified": True, "inliers": 0,
              "transform": None, "decision": "match"} for k, ok in latest.items() if ok and k not in have]
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True) if len(out) else pd.DataFrame(extra)
    return out.reset_index(drop=True), rejected


def _edits(t: dict, gray_child: bool, gray_chroma: float) -> dict:
    """The edits that deriving side b from side a needs (each 0-1)."""
    sc = t.get("scale")
    cu = t.get("chroma_a")
    return {"mirror": 1.0 if t.get("mirror") else 0.0,
            "uncovered": max(0.0, min(1.0, 1.0 - float(t.get("overlap_b") or 0.0))),
            "upscale": max(0.0, min(1.0, -math.log2(sc))) if sc and sc > 0 else 0.0,
            "grayscale": 1.0 if gray_child and cu is not None and cu >= 2 * gray_chroma else 0.0}


def _swap(t: dict | None) -> dict | None:
    if not isinstance(t, dict):
        return None
    s = t.get("scale")
    return {**t, "scale": (1.0 / s) if s else s, "overlap_a": t.get("overlap_b"), "overlap_b": t.get("overlap_a"),
            "chroma_a": t.get("chroma_b"), "chroma_b": t.get("chroma_a")}


def candidate_pairs(G: nx.DiGraph, pairs: pd.DataFrame, evidence: pd.DataFrame | None = None, *,
                    rejected: set | None = None, indirect: bool = True, indirect_penalty: float = 0.15,
                    base_content: float = 0.05, residual_weight: float = 0.5, changed_weight: float = 0.15,
                    gray_chroma: float = 3.0, min_inliers: int = 8, edit_costs: dict | None = None) -> dict:
    """``{(u, v): info}`` for every ordered pair of posts that may be parent and child (module doc)."""
    rejected = rejected or set()
    edit_costs = {**EDIT_COSTS, **(edit_costs or {})}
    by_sha: dict = {}
    added: dict = {}
    kind: dict = {}
    for pid, d in G.nodes(data=True):
        sha = d.get("media_sha256")
        if sha:
            by_sha.setdefault(sha, []).append(pid)
            added[sha] = bool(d.get("added_content"))
            if d.get("kind"):
                kind[sha] = d["kind"]
    media: dict = {}  # (a, b) sha -> info with a as "u" side

    def put(a: str, b: str, info: dict) -> None:
        if frozenset((a, b)) in rejected or a == b:
            return
        old = media.get((a, b))
        if old is None or info["content"] < old["content"]:
            media[(a, b)] = info
            tr = info.get("transform")
            media[(b, a)] = {**info, "transform": _swap(tr)}

    sha_graph = nx.Graph()
    for pr in pairs.to_dict("records") if len(pairs) else []:
        a, b = pr["a"], pr["b"]
        if a == b:
            continue
        dis = dissimilarity(pr)
        sha_graph.add_edge(a, b, weight=dis)
        put(a, b, {"content": dis, "how": pr.get("algorithm"), "pair": pr, "transform": val(pr.get("transform")),
                   "inliers": int(val(pr.get("inliers")) or 0), "residual": None})
    if evidence is not None and len(evidence):
        for r in evidence.to_dict("records"):
            a, b = r["a"], r["b"]
            if val(r.get("residual")) is None or int(val(r.get("inliers")) or 0) < min_inliers:
                continue
            if frozenset((a, b)) in rejected or a == b:
                continue
            tr = {"scale": val(r.get("scale")), "overlap_a": val(r.get("overlap_a")),
                  "overlap_b": val(r.get("overlap_b")), "mirror": val(r.get("mirror")),
                  "chroma_a": val(r.get("chroma_a")), "chroma_b": val(r.get("chroma_b"))}
            # aligned evidence replaces the matcher's coarse distance for this pair
            for u, v, t in ((a, b, tr), (b, a, _swap(tr))):
                gray_child = (t.get("chroma_b") is not None and t["chroma_b"] < gray_chroma)
                res = val(r.get("residual_l" if gray_child else "residual"))
                ch = val(r.get("changed_l" if gray_child else "changed"))
                if res is None:
                    continue
                edits = _edits(t, gray_child, gray_chroma)
                if added.get(v):
                    edits["uncovered"] /= 3.0
                    edits["upscale"] = 0.0
                edits["video_to_image"] = 1.0 if kind.get(u) == "video" and kind.get(v) == "image" else 0.0
                content = (base_content + residual_weight * float(res)
                           + changed_weight * max(0.0, math.log10((float(ch or 0.0) + 0.002) / 0.002))
                           + edit_costs.get("mirror", 0.0) * edits["mirror"]
                           + edit_costs.get("uncovered", 0.0) * edits["uncovered"]
                           + edit_costs.get("upscale", 0.0) * edits["upscale"]
                           + edit_costs.get("grayscale", 0.0) * edits["grayscale"]
                           + edit_costs.get("video_to_image", 0.0) * edits["video_to_image"])
                media[(u, v)] = {"content": min(1.0, content), "how": "aligned",
                                 "pair": (media.get((u, v)) or {}).get("pair"), "transform": t,
                                 "inliers": int(r["inliers"]), "residual": float(res), "changed": float(ch or 0.0),
                                 "edits": edits}
    if evidence is not None and len(evidence):
        # a hash-only match that the aligner tried and could not confirm is not trusted
        tried = {frozenset((a, b)) for a, b, n in zip(evidence["a"], evidence["b"], evidence["inliers"])
                 if int(val(n) or 0) < min_inliers}
        for key in [k for k, i in media.items() if i["how"] in ("phash", "pdq") and frozenset(k) in tried]:
            pr = media[key]["pair"] or {}
            if not (pr.get("algorithm") == "pdq" and float(val(pr.get("distance")) or 99) <= 16):
                del media[key]
                if sha_graph.has_edge(*key):
                    sha_graph.remove_edge(*key)
    if indirect and sha_graph.number_of_edges():
        for a, dists in nx.all_pairs_dijkstra_path_length(sha_graph, cutoff=1.0):
            for b, dab in dists.items():
                if a == b or (a, b) in media or frozenset((a, b)) in rejected:
                    continue
                media[(a, b)] = {"content": min(1.0, dab + indirect_penalty), "how": "indirect", "pair": None,
                                 "transform": None, "inliers": 0, "residual": None}
    out: dict = {}
    for group in by_sha.values():
        for u in group:
            for v in group:
                if u != v:
                    out[(u, v)] = {"content": 0.0, "how": "identical", "pair": None, "transform": None,
                                   "inliers": 0, "residual": 0.0}
    for (a, b), info in media.items():
        for u in by_sha.get(a, ()):
            for v in by_sha.get(b, ()):
                out.setdefault((u, v), info)
    return out

