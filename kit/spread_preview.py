"""The spread explorer's graph, metrics and origin, on top of :func:`kit.spread.build`.

:func:`build_preview` turns ``case.posts()`` (and optionally the matcher's
pairs, media facts and content evidence) into the :mod:`kit.spread.build`
graph, edges ``parent -> child``: ``kind="explicit"`` from the manifest's
``parent_post_id``, ``"inferred"`` from the media, ``"analyst"`` from the
analyst's ``"spread.parent"`` decisions (``subject`` = child post id,
``value`` = parent post id, or None for "this post has no parent"); the
latest decision for a child overrides everything else for that child.
:func:`kit.spread.trace.spread_builder` gives the explorer a builder with
every input of a case.

Node attributes: those of :mod:`kit.spread.build` plus ``likes``,
``shares``, ``views`` (int or None) and ``descendants`` (int); ``posted_at``
is NaT when unknown. Edge attributes: those of :mod:`kit.spread.build`, and
for analyst edges ``decision_id``, ``analyst``, ``at``, ``note``.

Examples
--------
>>> import pandas as pd
>>> posts = pd.DataFrame({"post_id": ["a", "b", "c"], "platform": "x", "account": ["u", "v", "w"],
...     "posted_at": pd.to_datetime(["2026-01-01T00:00Z", "2026-01-01T01:00Z", "2026-01-01T02:00Z"]),
...     "parent_post_id": [None, "a", "zz"]})
>>> g = build_preview(posts)
>>> sorted(g.edges(data="kind")), g.nodes["a"]["descendants"]
([('a', 'b', 'explicit')], 1)
>>> dec = pd.DataFrame({"id": [1], "at": ["t"], "analyst": ["ana"], "kind": ["spread.parent"],
...                     "subject": ["c"], "value": ["b"], "note": [None]})
>>> sorted(build_preview(posts, dec).edges(data="kind"))
[('a', 'b', 'explicit'), ('b', 'c', 'analyst')]
>>> likely_origin(build_preview(posts, dec)).post_id
'a'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

__all__ = ["PARENT_DECISION", "SpreadMetrics", "Origin", "build_preview", "spread_metrics", "likely_origin"]

PARENT_DECISION = "spread.parent"
_NODE_COLUMNS = ("platform", "account", "posted_at", "media_sha256", "url", "caption", "likes", "shares",
                 "views")


def _value(v: Any) -> Any:
    if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)):
        return pd.NaT if v is pd.NaT else None
    return v.item() if hasattr(v, "item") and not isinstance(v, pd.Timestamp) else v


def build_preview(posts: pd.DataFrame, decisions: pd.DataFrame | None = None, **inputs: Any) -> nx.DiGraph:
    """The spread graph for the explorer: :func:`kit.spread.build` plus the widget's node attributes.

    Without ``inputs`` only explicit links, posts with identical media bytes
    and the analyst's decisions are used; pass ``matches``, ``media``,
    ``clusters``, ``evidence`` (see :func:`kit.spread.trace.spread_inputs`)
    for inferred edges. Analyst edges get ``decision_id``, ``analyst``,
    ``at`` and ``note``; every node ``likes``, ``shares``, ``views`` and
    ``descendants``.
    """
    from kit.spread.build import build

    posts, far = _ns_range(posts)
    g = build(posts, inputs.pop("matches", None), decisions=decisions, **inputs)
    for n, t in far.items():
        if n in g:
            g.nodes[n]["posted_at"] = t
    extra = {str(r["post_id"]): r for r in posts.to_dict("records")}
    for n in g:
        rec = extra.get(n, {})
        for c in ("likes", "shares", "views"):
            if c in rec:
                g.nodes[n][c] = _value(rec.get(c))
        if g.nodes[n].get("posted_at") is None:
            g.nodes[n]["posted_at"] = pd.NaT
    if decisions is not None and len(decisions):
        dec = decisions[decisions["kind"] == PARENT_DECISION].sort_values("id")
        for d in dec.to_dict("records"):
            child = str(d["subject"])
            for u in list(g.predecessors(child)) if child in g else []:
                if g.edges[u, child].get("kind") == "analyst":
                    g.edges[u, child].update(decision_id=int(d["id"]), analyst=d.get("analyst"), at=d.get("at"),
                                             note=d.get("note"))
    from kit.spread.build import copy_graph

    reposts = copy_graph(g)  # a composite's source / donor edges are not reposts
    for n in g:
        g.nodes[n]["descendants"] = len(nx.descendants(reposts, n))
    return g


def _ns_range(posts: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Posts with times outside pandas' nanosecond range (years 1677-2262, e.g. 9999-12-31) as unknown
    for the builder, which counts in nanoseconds, and those times by post id (put back on the nodes)."""
    if "posted_at" not in posts or not len(posts):
        return posts, {}
    t = posts["posted_at"]
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    far = t.notna() & ((t < lo) | (t > hi))
    if not far.any():
        return posts, {}
    return posts.assign(posted_at=t.where(~far)), dict(zip(posts.loc[far, "post_id"].astype(str), t[far]))


@dataclass(frozen=True)
class SpreadMetrics:
    """Cascade metrics of a spread graph (a forest).

    ``n_posts``, ``n_edges``, ``n_roots`` (posts without a parent),
    ``largest_cascade`` (posts in the biggest tree), ``depth`` (longest chain
    in hops), ``max_breadth`` (most posts at one depth of one tree),
    ``structural_virality`` (mean shortest-path distance between posts of the
    largest tree, Goel et al. 2016; 0 for a single post), ``span_hours``
    (first to last post), ``by_platform`` (posts per platform), ``edges_by_kind``.
    """

    n_posts: int
    n_edges: int
    n_roots: int
    largest_cascade: int
    depth: int
    max_breadth: int
    structural_virality: float
    span_hours: float
    by_platform: dict = field(default_factory=dict)
    edges_by_kind: dict = field(default_factory=dict)


def spread_metrics(g: nx.DiGraph) -> SpreadMetrics:
    """:class:`SpreadMetrics` of ``g`` (edges parent -> child; only reposts, ``relation`` copy, count)."""
    from kit.spread.build import copy_graph

    all_edges = g
    g = copy_graph(g)
    roots = [n for n in g if g.in_degree(n) == 0]
    depth = breadth = 0
    largest: set = set()
    for r in roots:
        levels = nx.single_source_shortest_path_length(g, r)
        depth = max(depth, max(levels.values()))
        counts = pd.Series(list(levels.values())).value_counts()
        breadth = max(breadth, int(counts.max()))
        if len(levels) > len(largest):
            largest = set(levels)
    virality = 0.0
    if len(largest) > 1:
        virality = float(nx.average_shortest_path_length(g.subgraph(largest).to_undirected()))
    times = pd.Series([g.nodes[n].get("posted_at") for n in g], dtype="datetime64[us, UTC]").dropna()
    span = float((times.max() - times.min()).total_seconds() / 3600) if len(times) else 0.0
    plat = pd.Series([str(g.nodes[n].get("platform")) for n in g]).value_counts()
    kinds = pd.Series([d.get("relation") if d.get("relation") in ("source", "donor") else d.get("kind")
                       for _, _, d in all_edges.edges(data=True)], dtype=object).value_counts()
    return SpreadMetrics(g.number_of_nodes(), g.number_of_edges(), len(roots), len(largest), depth, breadth,
                         round(virality, 3), round(span, 2), {k: int(v) for k, v in plat.items()},
                         {str(k): int(v) for k, v in kinds.items()})


@dataclass(frozen=True)
class Origin:
    """The likely first post: ``post_id`` (None for an empty graph) and the ``evidence`` sentences."""

    post_id: str | None
    evidence: tuple[str, ...]


def likely_origin(g: nx.DiGraph) -> Origin:
    """The root of the largest cascade, with the facts that support it (and those that do not).

    Evidence: how many posts descend from it, whether it is the earliest post
    of the case, and which posts (if any) are older than it.
    """
    roots = [n for n in g if g.in_degree(n) == 0]
    if not roots:
        return Origin(None, ("the case has no posts",))

    def when(n: Any) -> pd.Timestamp:
        t = g.nodes[n].get("posted_at")
        return pd.Timestamp.max.tz_localize("UTC") if t is None or pd.isna(t) else pd.Timestamp(t)

    best = min(roots, key=lambda n: (-g.nodes[n].get("descendants", 0), when(n)))
    ev = [f"{g.nodes[best].get('descendants', 0)} of {len(g) - 1} other posts descend from it "
          f"through repost links"]
    t = g.nodes[best].get("posted_at")
    if t is None or pd.isna(t):
        ev.append("its posting time is unknown")
    else:
        older = [n for n in g if n != best and when(n) < when(best)]
        ev.append(f"posted {pd.Timestamp(t).strftime('%Y-%m-%d %H:%M UTC')} on "
                  f"{g.nodes[best].get('platform')} by {g.nodes[best].get('account')}")
        ev.append("it is the earliest post of the case" if not older else
                  f"{len(older)} post(s) are older: {', '.join(sorted(older)[:5])}"
                  f"{' ...' if len(older) > 5 else ''} (check them)")
    kinds = {k for _, _, k in g.out_edges(best, data="kind")}
    if "analyst" in kinds:
        ev.append("some of its links were set by an analyst")
    return Origin(str(best), tuple(ev))
