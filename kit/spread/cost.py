"""The cost of a candidate edge ``u -> v`` of the spread graph, term by term.

``cost = content_weight * content + direction_weight * (1 - P(u -> v))
+ recency + audience (+ platform)``, with

``content``
    Content dissimilarity in ``[0, 1]`` (:mod:`kit.spread.candidates`).
``P(u -> v)``
    :func:`kit.spread.orient.direction_probability` of the direction cues.
``recency``
    ``recency_weight * log1p(gap_hours / recency_hours)`` when both posts
    have a reliable time and ``v`` is later (copies are made from recent
    posts; Hawkes-style decay); ``recency_weight * log1p(6)`` when unknown.
``audience``
    ``-audience_weight * audience(u)``: widely seen posts are copied more
    (preferential attachment).
``platform``
    ``-platform_bonus`` when both posts are on the same platform.
``shares``
    From ``u``'s node attribute ``shares`` (its own share count, None when
    unknown): ``unshared_cost`` when 0, else ``-share_weight * log1p(n) /
    log1p(100)``: a post nobody shared is rarely a parent.

Examples
--------
>>> import pandas as pd
>>> u = {"posted_at": pd.Timestamp("2026-01-01T00:00Z"), "platform": "x"}
>>> v = {"posted_at": pd.Timestamp("2026-01-01T02:00Z"), "platform": "x"}
>>> c, info = edge_cost(u, v, {"content": 0.0, "transform": None, "pair": None}, audience=0.5)
>>> sorted(info["parts"]), round(c, 3)
(['audience', 'content', 'direction', 'platform', 'recency', 'shares'], -0.295)
"""

from __future__ import annotations

import math

import pandas as pd

from kit.spread.orient import TIME_RELIABILITY, direction_cues, direction_probability

__all__ = ["audience_table", "dissimilarity", "edge_cost"]


def _num(x: object) -> float:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return f if math.isfinite(f) else 0.0


def dissimilarity(pair: dict | None) -> float:
    """Content dissimilarity in ``[0, 1]`` of a match row (None = identical bytes).

    Examples
    --------
    >>> dissimilarity(None), dissimilarity({"algorithm": "pdq", "distance": 16}), dissimilarity({"algorithm": "sift", "inliers": 50})
    (0.0, 0.25, 0.55)
    """
    if pair is None:
        return 0.0
    algo, d = pair.get("algorithm"), pair.get("distance")
    d = None if d is None or (isinstance(d, float) and math.isnan(d)) else float(d)
    inl = int(_num(pair.get("inliers")))
    if algo == "analyst":
        out = 0.1
    elif algo == "pdq" and d is not None:
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


def audience_table(posts: pd.DataFrame) -> dict:
    """post_id -> audience in ``[0, 1]``: ``log10(1 + likes + 10 shares + views / 100) / 7`` of
    the post, or of the account's best post when the post shows none (reposts often do).

    Examples
    --------
    >>> posts = pd.DataFrame({"post_id": ["a", "b"], "account": ["n", "n"], "likes": [999, 0]})
    >>> {k: round(v, 3) for k, v in audience_table(posts).items()}
    {'a': 0.429, 'b': 0.429}
    """
    own: dict = {}
    best: dict = {}
    for r in posts.to_dict("records"):
        eng = sum(_num(r.get(k)) * f for k, f in (("likes", 1.0), ("shares", 10.0), ("views", 0.01)))
        a = min(math.log10(1.0 + max(eng, 0.0)) / 7.0, 1.0)
        pid = str(r["post_id"])
        own[pid] = a
        acc = r.get("account")
        if isinstance(acc, str) and acc:
            best[acc] = max(best.get(acc, 0.0), a)
            own[pid] = (a, acc)
    out = {}
    for pid, a in own.items():
        out[pid] = max(a[0], best[a[1]]) if isinstance(a, tuple) else a
    return out


def _reliable_gap_hours(u: dict, v: dict) -> float | None:
    tu, tv = u.get("posted_at"), v.get("posted_at")
    if tu is None or tv is None or pd.isna(tu) or pd.isna(tv):
        return None
    rel = min(TIME_RELIABILITY.get(str(u.get("time_source") or "platform"), 0.0),
              TIME_RELIABILITY.get(str(v.get("time_source") or "platform"), 0.0))
    if rel <= 0:
        return None
    return (tv - tu).total_seconds() / 3600.0


def _shares_term(shares: object, weight: float, unshared: float) -> float:
    if shares is None:
        return 0.0
    n = _num(shares)
    return unshared if n <= 0 else -weight * math.log1p(n) / math.log1p(100.0)


def edge_cost(u: dict, v: dict, content: dict, *, audience: float = 0.0, weights: dict | None = None,
              direction_weight: float = 2.0, content_weight: float = 2.0, recency_weight: float = 0.1,
              recency_hours: float = 1.0, audience_weight: float = 1.0, platform_bonus: float = 0.0,
              time_scale: float = 300.0, share_weight: float = 0.0,
              unshared_cost: float = 0.6) -> tuple[float, dict]:
    """Cost of ``u -> v`` and its evidence ``{"cues", "p", "parts"}`` (see the module doc).

    ``content`` is a :func:`kit.spread.candidates.candidate_pairs` value:
    ``content`` (dissimilarity) and ``transform`` (``u`` as side ``a``).
    """
    pair = {"transform": content.get("transform")} if content.get("transform") else None
    cues = direction_cues(u, v, pair, u_is_a=True, time_scale=time_scale)
    p = direction_probability(cues, weights)
    gap = _reliable_gap_hours(u, v)
    if gap is None:
        rec = recency_weight * math.log1p(6.0)
    else:
        rec = recency_weight * math.log1p(max(gap, 0.0) / recency_hours)
    same = u.get("platform") is not None and u.get("platform") == v.get("platform")
    parts = {"content": content_weight * float(content["content"]), "direction": direction_weight * (1.0 - p),
             "recency": rec, "audience": -audience_weight * audience, "platform": -platform_bonus if same else 0.0,
             "shares": _shares_term(u.get("shares"), share_weight, unshared_cost)}
    return float(sum(parts.values())), {"cues": cues, "p": p, "parts": parts}
