"""The spread explorer's graph and panels, from the same functions as the report and the CLI.

:func:`explorer_graph` is :func:`kit.spread.build` plus the node attributes
the explorer draws with: ``likes``, ``shares``, ``views`` (int or None),
``descendants`` (reposts below it) and ``posted_at`` (NaT when unknown, and
kept as given when outside pandas' nanosecond range). Edges ``parent ->
child``: ``kind="explicit"`` from the manifest's ``parent_post_id``,
``"inferred"`` from the media, ``"analyst"`` from the analyst's
``"spread.parent"`` decisions (``subject`` = child post id, ``value`` =
parent post id, or None for "this post has no parent"; the latest decision
for a child overrides everything else for that child), which also carry
``decision_id``, ``analyst``, ``at`` and ``note``.

:func:`explorer_summary` gives the metrics panel and the likely origin from
:func:`kit.spread.metrics.metrics` and :func:`kit.spread.metrics.origins_table`,
the functions behind the report's "How it spread" section and ``dfkit
trace``: one spread model, so the notebook and the report show the same
numbers.

Examples
--------
>>> import pandas as pd
>>> posts = pd.DataFrame({"post_id": ["a", "b", "c"], "platform": "x", "account": ["u", "v", "w"],
...     "posted_at": pd.to_datetime(["2026-01-01T00:00Z", "2026-01-01T01:00Z", "2026-01-01T02:00Z"]),
...     "parent_post_id": [None, "a", "zz"]})
>>> g = explorer_graph(posts)
>>> sorted(g.edges(data="kind")), g.nodes["a"]["descendants"]
([('a', 'b', 'explicit')], 1)
>>> dec = pd.DataFrame({"id": [1], "at": ["t"], "analyst": ["ana"], "kind": ["spread.parent"],
...                     "subject": ["c"], "value": ["b"], "note": [None]})
>>> g = explorer_graph(posts, dec)
>>> sorted(g.edges(data="kind"))
[('a', 'b', 'explicit'), ('b', 'c', 'analyst')]
>>> s = explorer_summary(g)
>>> s.origin, s.largest["size"], s.largest["depth"]
('a', 3, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from kit.decisions import PARENT_DECISION
from kit.values import is_missing

__all__ = ["PARENT_DECISION", "ExplorerSummary", "explorer_graph", "explorer_summary"]



def _value(v: Any) -> Any:
    if is_missing(v):
        return pd.NaT if v is pd.NaT else None
    return v.item() if hasattr(v, "item") and not isinstance(v, pd.Timestamp) else v


def explorer_graph(posts: pd.DataFrame, decisions: pd.DataFrame | None = None, **inputs: Any) -> nx.DiGraph:
    """The spread graph for the explorer (see the module doc).

    Without ``inputs`` only explicit links, posts with identical media bytes
    and the analyst's decisions are used; pass ``matches``, ``media``,
    ``clusters``, ``lineage`` (see :func:`kit.spread.trace.spread_inputs`)
    for inferred edges.
    """
    from kit.spread.build import build, copy_graph

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
class ExplorerSummary:
    """What the explorer's panels show: ``counts`` (posts, edges of each kind, cascades of more than
    one post), ``largest`` (the largest cascade's row of :data:`kit.spread.metrics.TREE_COLUMNS`, empty for an empty
    graph), ``reach`` (its posts per platform and hop), ``origin`` (its root, None for an empty
    graph) and ``evidence`` (the origin's sentences, as the report gives them)."""

    counts: dict
    largest: dict
    reach: pd.DataFrame
    origin: str | None
    evidence: tuple[str, ...] = field(default=())


def explorer_summary(g: nx.DiGraph) -> ExplorerSummary:
    """The metrics panel and the likely origin of ``g`` (see the module doc)."""
    from kit.spread.metrics import TREE_COLUMNS, metrics, origins_table

    kinds = pd.Series([d.get("relation") if d.get("relation") in ("source", "donor") else d.get("kind")
                       for _, _, d in g.edges(data=True)], dtype=object).value_counts()
    counts = {"posts": g.number_of_nodes(), **{f"{k} edges": int(v) for k, v in kinds.items()}}
    if not len(g):
        return ExplorerSummary(counts, {}, pd.DataFrame(), None, ("the case has no posts",))
    m = metrics(g)
    trees = m.trees.sort_values(["size", "root"], ascending=[False, True])
    counts["cascades of more than one post"] = int((trees["size"] > 1).sum())
    top = trees.iloc[0]
    largest = {c: _value(top[c]) for c in TREE_COLUMNS if c in trees}
    reach = m.reach[m.reach["root"] == top["root"]]
    origins = origins_table(g, m)
    row = origins[origins["node"] == top["root"]]
    ev: list[str] = []
    if len(row):
        r = row.iloc[0]
        ev = [str(x) for x in (r.get("evidence"), r.get("why_root")) if isinstance(x, str) and x]
    return ExplorerSummary(counts, largest, reach, str(top["root"]), tuple(ev))
