"""Build the spread graph: explicit repost links plus inferred "derived from" edges.

:func:`build` makes one node per post and chooses one parent per post (or
none: an origin) with a minimum-cost arborescence (Edmonds' algorithm,
:func:`networkx.minimum_spanning_arborescence`) over a virtual root:

* candidate parents of a post are the posts with the same media bytes and the
  posts whose media the matcher paired with it (``decision == "match"``);
* the cost of ``u -> v`` is ``dissimilarity(u, v) + direction_weight * (1 -
  P(u -> v))``, with P from :mod:`kit.spread.orient` (time, resolution,
  containment, added content, quality, metadata, C2PA cues) and the
  dissimilarity from the match (0 for identical bytes, PDQ distance / 64,
  pHash distance / 32, 1 - frame share for vPDQ, SIFT by inliers);
* a post becomes an origin (edge from the virtual root) at ``root_cost``;
* an explicit link (``parent_post_id``) is kept unless the content names a
  closer parent: every candidate ``w -> v`` of a linked post ``v`` posted
  between the linked parent and ``v`` competes with the link, and wins when
  its cost is lower by ``refine_margin`` (exports often name the original
  rather than the immediate parent); a linked post is an origin only if
  nothing else is possible;
* the analyst's latest ``spread.parent`` decision for a post (``value`` = parent
  post id, or None for "origin") overrides everything for that post.

Node attributes: the post's ``platform``, ``account``, ``posted_at`` (UTC
Timestamp or None), ``media_sha256``, ``url``, ``caption``, ``explicit_parent``
(id or None), ``variant`` (cluster id or None), ``time_source``; from the
optional ``media`` table (by sha256) any of ``width``, ``height``,
``jpeg_quality``, ``has_exif``, ``has_c2pa``, ``added_content``,
``c2pa_ingredients``, ``detector_score``; ``audience`` (0-1, from likes,
shares, views); on roots ``origin_evidence``.

Edge attributes (``parent -> child``): ``kind`` (``"explicit"``,
``"inferred"``, ``"analyst"``), ``confidence`` (0-1), ``cost``, ``cues``
(dict of signed cues), ``direction_cue`` (the cue that weighed most),
``algorithm``, ``distance``, ``inliers``, ``transform`` (or None),
``time_gap_s`` (child minus parent, seconds, or None), ``refines_explicit``
(the linked parent this edge replaced, or None).

Graph attributes: ``alternatives`` (post id -> the 5 cheapest candidate
parents as ``(parent, cost)``, the evidence for "why this parent") and
``root_cost``.

Examples
--------
>>> import pandas as pd
>>> posts = pd.DataFrame({"post_id": ["a", "b", "c"], "platform": ["x", "x", "y"],
...     "posted_at": pd.to_datetime(["2026-01-01T00:00Z", "2026-01-01T01:00Z", "2026-01-01T02:00Z"]),
...     "media_sha256": ["s1", "s1", "s2"], "parent_post_id": [None, "a", None]})
>>> pairs = pd.DataFrame([{"a": "s1", "b": "s2", "algorithm": "pdq", "distance": 8.0, "verified": False,
...     "inliers": 0, "transform": None, "decision": "match"}])
>>> g = build(posts, pairs)
>>> sorted(g.edges(data="kind"))
[('a', 'b', 'explicit'), ('a', 'c', 'inferred')]
"""

from __future__ import annotations


import math

import networkx as nx
import pandas as pd

from kit.spread.errors import SpreadError
from kit.spread.orient import CUE_WEIGHTS, direction_cues, direction_probability

__all__ = ["MEDIA_ATTRS", "build", "dissimilarity"]

MEDIA_ATTRS = ("width", "height", "jpeg_quality", "has_exif", "has_c2pa", "added_content", "c2pa_ingredients",
               "detector_score")
_ROOT = ("__spread_virtual_root__",)


def _val(x: object) -> object:
    try:
        return None if x is None or (not isinstance(x, (list, tuple, dict)) and pd.isna(x)) else x
    except (TypeError, ValueError):
        return x


def dissimilarity(pair: dict | None) -> float:
    """Content dissimilarity in ``[0, 1]`` of a match row (None = identical bytes).

    Examples
    --------
    >>> dissimilarity(None), dissimilarity({"algorithm": "pdq", "distance": 16}), dissimilarity({"algorithm": "sift", "inliers": 50})
    (0.0, 0.25, 0.55)
    """
    if pair is None:
        return 0.0
    algo, d = pair.get("algorithm"), _val(pair.get("distance"))
    inl = int(_val(pair.get("inliers")) or 0)
    if algo == "pdq" and d is not None:
        out = d / 64.0
    elif algo == "phash" and d is not None:
        out = d / 32.0
    elif algo == "vpdq" and d is not None:
        out = 1.0 - d / 100.0
    else:  # keypoints only: a crop / caption / screenshot the hashes missed
        out = 0.35 + 0.4 * (1.0 - min(inl, 100) / 100.0)
    if pair.get("verified") and inl > 0:
        out = min(out, 0.35 + 0.4 * (1.0 - min(inl, 100) / 100.0))
    return float(min(max(out, 0.0), 1.0))


def _variants(shas: list, pairs: pd.DataFrame, clusters: pd.DataFrame | None) -> dict:
    if clusters is not None and len(clusters):
        return dict(zip(clusters["id"], clusters["cluster"]))
    g = nx.Graph()
    g.add_nodes_from(s for s in shas if s)
    g.add_edges_from(zip(pairs["a"], pairs["b"]))
    comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(map(str, c))))
    return {s: i for i, c in enumerate(comps) for s in c}


def build(posts: pd.DataFrame, matches: pd.DataFrame | None = None, *, media: pd.DataFrame | None = None,
          clusters: pd.DataFrame | None = None, decisions: pd.DataFrame | None = None,
          weights: dict | None = None, direction_weight: float = 1.0, root_cost: float = 1.5,
          refine_margin: float = 0.1, time_scale: float = 600.0, include_review: bool = False,
          indirect: bool = True, indirect_penalty: float = 0.1, platform_bonus: float = 0.0,
          audience_weight: float = 0.2, max_parents: int = 20) -> nx.DiGraph:
    """Spread graph of ``posts`` (see the module doc for the rules and attributes).

    Parameters
    ----------
    posts
        ``case.posts()``: ``post_id`` required; ``platform``, ``account``,
        ``posted_at``, ``media_sha256``, ``parent_post_id``, ``url``,
        ``caption``, ``time_source`` used when present.
    matches
        The matcher's pairs (``a``, ``b`` sha256, ``algorithm``, ``distance``,
        ``verified``, ``inliers``, ``transform``, ``decision``).
    media
        Optional per-sha256 facts (``sha256`` + any of :data:`MEDIA_ATTRS`).
    clusters
        Optional ``id`` (sha256) -> ``cluster`` table for the ``variant`` attribute.
    decisions
        ``case.decisions()``; rows of kind ``spread.parent`` are applied.
    weights
        Cue weights overriding :data:`kit.spread.orient.CUE_WEIGHTS`.
    direction_weight, root_cost, refine_margin, time_scale
        Cost model knobs.
    include_review
        Also use pairs whose decision is ``"review"``.
    indirect, indirect_penalty
        Also consider posts linked only through other matches (the matcher
        skips pairs already connected), at the match-path dissimilarity plus
        the penalty.
    platform_bonus
        Cost taken off a candidate parent on the child's platform.
    audience_weight
        Cost taken off a candidate parent in proportion to its audience
        (``log10(1 + likes + 10 shares + views / 100) / 7``, capped at 1):
        copies spread from widely seen posts, so among equal copies the
        most seen one is the likelier parent.
    max_parents
        Keep only this many cheapest candidate parents per post.
    """
    if not isinstance(posts, pd.DataFrame) or "post_id" not in posts:
        raise SpreadError("build needs a posts DataFrame with a post_id column")
    cols = ["a", "b", "algorithm", "distance", "verified", "inliers", "transform", "decision"]
    pairs = pd.DataFrame(columns=cols) if matches is None else matches
    if len(pairs) and not {"a", "b", "decision"} <= set(pairs.columns):
        raise SpreadError("matches must have columns a, b and decision")
    if len(pairs):
        keep = pairs["decision"].isin(["match", "review"] if include_review else ["match"])
        pairs = pairs[keep]
    facts = {}
    if media is not None and len(media):
        present = [c for c in MEDIA_ATTRS if c in media.columns]
        facts = {r["sha256"]: {c: _val(r[c]) for c in present} for r in media.to_dict("records")}

    ids = [str(p) for p in posts["post_id"]]
    if len(set(ids)) != len(ids):
        raise SpreadError("post_id values must be unique")
    recs = posts.to_dict("records")
    variant = _variants([_val(r.get("media_sha256")) for r in recs], pairs, clusters)
    G = nx.DiGraph()
    for pid, r in zip(ids, recs):
        sha = _val(r.get("media_sha256"))
        t = _val(r.get("posted_at"))
        parent = _val(r.get("parent_post_id"))
        attrs = {"platform": _val(r.get("platform")), "account": _val(r.get("account")),
                 "posted_at": t, "media_sha256": sha, "url": _val(r.get("url")), "caption": _val(r.get("caption")),
                 "explicit_parent": None if parent is None else str(parent), "variant": variant.get(sha),
                 "time_source": _val(r.get("time_source")) or ("platform" if t is not None else "none")}
        attrs.update(facts.get(sha, {}))
        G.add_node(pid, **attrs)

    audience = {}
    for pid, r in zip(ids, recs):
        eng = sum(float(_val(r.get(k)) or 0) * f for k, f in (("likes", 1.0), ("shares", 10.0), ("views", 0.01)))
        audience[pid] = min(math.log10(1.0 + max(eng, 0.0)) / 7.0, 1.0)
        G.nodes[pid]["audience"] = audience[pid]
    by_sha: dict = {}
    for pid in ids:
        sha = G.nodes[pid]["media_sha256"]
        if sha:
            by_sha.setdefault(sha, []).append(pid)
    cand: dict = {}  # (u, v) -> (pair or None, u_is_a, dissimilarity)
    for group in by_sha.values():
        for u in group:
            for v in group:
                if u != v:
                    cand[(u, v)] = (None, True, 0.0)
    direct: dict = {}
    for pr in pairs.to_dict("records"):
        if pr["a"] != pr["b"]:
            direct[(pr["a"], pr["b"])] = pr
    sha_graph = nx.Graph()
    for (a, b), pr in direct.items():
        sha_graph.add_edge(a, b, weight=dissimilarity(pr))
    for (a, b), pr in direct.items():
        for u in by_sha.get(a, ()):
            for v in by_sha.get(b, ()):
                dis = dissimilarity(pr)
                cand[(u, v)] = (pr, True, dis)
                cand[(v, u)] = (pr, False, dis)
    if indirect:
        # posts of one variant that the matcher did not pair directly (it skips
        # pairs already connected): dissimilarity = shortest match path + penalty
        for a, dists in nx.all_pairs_dijkstra_path_length(sha_graph, cutoff=1.0):
            for b, dab in dists.items():
                if a == b or (a, b) in direct or (b, a) in direct:
                    continue
                dis = min(1.0, dab + indirect_penalty)
                for u in by_sha.get(a, ()):
                    for v in by_sha.get(b, ()):
                        cand.setdefault((u, v), (None, True, dis))

    def content_cost(u: str, v: str) -> tuple[float, dict, float]:
        pr, u_is_a, dis = cand[(u, v)]
        cues = direction_cues(G.nodes[u], G.nodes[v], pr, u_is_a=u_is_a, time_scale=time_scale)
        p = direction_probability(cues, weights)
        same = platform_bonus if G.nodes[u]["platform"] is not None and G.nodes[u]["platform"] == G.nodes[v]["platform"] else 0.0
        return max(dis + direction_weight * (1.0 - p) - same - audience_weight * audience[u], 0.0), cues, p

    incoming: dict = {v: [] for v in ids}  # v -> [(cost, u, info)]
    for (u, v) in sorted(cand):
        c, cues, p = content_cost(u, v)
        incoming[v].append((c, u, {"cues": cues, "p": p, "content_cost": c}))
    ANALYST, BIG = -1.0, 100.0
    analyst = {}
    if decisions is not None and len(decisions):
        for d in decisions[decisions["kind"] == "spread.parent"].to_dict("records"):
            analyst[str(d["subject"])] = None if _val(d.get("value")) is None else str(d["value"])
    H = nx.DiGraph()
    H.add_nodes_from([_ROOT, *ids])
    for v in ids:
        if v in analyst:
            u = analyst[v]
            H.add_edge(_ROOT if u is None or u not in G else u, v, cost=ANALYST, kind="analyst", info={})
            continue
        exp = G.nodes[v]["explicit_parent"]
        if exp is not None and exp in G and exp != v:
            t_exp, t_v = G.nodes[exp]["posted_at"], G.nodes[v]["posted_at"]
            base = [x for x in incoming[v] if x[1] == exp]
            c_exp = base[0][0] if base else 0.5 + direction_weight * 0.5
            H.add_edge(exp, v, cost=c_exp, kind="explicit", info=base[0][2] if base else {})
            for c, u, info in sorted(incoming[v])[:max_parents]:
                t_u = G.nodes[u]["posted_at"]
                inside = all(x is None for x in (t_exp, t_v, t_u)) or (
                    t_exp is not None and t_u is not None and t_v is not None and t_exp <= t_u <= t_v)
                if u != exp and inside:
                    H.add_edge(u, v, cost=c + refine_margin, kind="inferred", info={**info, "refines": exp})
            H.add_edge(_ROOT, v, cost=BIG, kind="root", info={})
        else:
            for c, u, info in sorted(incoming[v])[:max_parents]:
                H.add_edge(u, v, cost=c, kind="inferred", info=info)
            H.add_edge(_ROOT, v, cost=root_cost, kind="root", info={})
    try:
        A = nx.minimum_spanning_arborescence(H, attr="cost", preserve_attrs=True)
    except nx.NetworkXException as exc:
        raise SpreadError(f"no spread forest could be chosen: {exc}") from exc

    w_all = CUE_WEIGHTS if weights is None else {**CUE_WEIGHTS, **weights}

    def _how(u: str, v: str) -> str | None:
        if (u, v) not in cand:
            return None
        return "identical" if G.nodes[u]["media_sha256"] == G.nodes[v]["media_sha256"] else "indirect"
    for u, v in A.edges:
        d = H.edges[u, v]
        if u == _ROOT:
            best = sorted(incoming[v])[:1]
            why = ("analyst marked it as an origin" if d["kind"] == "analyst" else
                   "no candidate parent" if not best else
                   f"being an origin (cost {root_cost:.2f}) is cheaper than the best parent {best[0][1]} "
                   f"(cost {best[0][0]:.2f})")
            G.nodes[v]["origin_evidence"] = why
            continue
        info = d["info"]
        pr, _, dis = cand.get((u, v), (None, True, 1.0))
        cues = info.get("cues", {})
        strongest = max(cues, key=lambda k: abs(w_all.get(k, 0.0) * cues[k]), default=None)
        tu, tv = G.nodes[u]["posted_at"], G.nodes[v]["posted_at"]
        gap = (tv - tu).total_seconds() if tu is not None and tv is not None else None
        conf = 1.0 if d["kind"] == "analyst" else info.get("p", 0.5) * (1.0 - dis / 2)
        G.add_edge(u, v, kind=d["kind"], confidence=float(conf), cost=float(d["cost"]), cues=cues,
                   direction_cue=strongest, algorithm=(pr or {}).get("algorithm", _how(u, v)),
                   distance=_val((pr or {}).get("distance")), inliers=int((pr or {}).get("inliers") or 0),
                   transform=(pr or {}).get("transform"), time_gap_s=gap, refines_explicit=info.get("refines"))
    G.graph["alternatives"] = {v: [(u, round(float(c), 4)) for c, u, _ in sorted(incoming[v])[:5]] for v in ids}
    G.graph["root_cost"] = root_cost
    for v in ids:
        if G.in_degree(v) == 0 and "origin_evidence" not in G.nodes[v]:
            G.nodes[v]["origin_evidence"] = "no parent chosen"
    return G
