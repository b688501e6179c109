"""Cascade metrics of a spread graph (a forest of ``parent -> child`` edges).

Only repost edges count (``relation`` ``copy`` or unset; a composite's
``source`` and ``donor`` edges are left out). Each weakly connected component
is one cascade (tree); its root is the node
without a parent (if a cycle leaves none, the earliest node). Cascades of
different sizes are not comparable (Juul & Ugander 2021, PNAS 118:e2100786118),
so every table carries the cascade ``size`` and its ``size_bin``.

Node attributes read (names are keyword arguments; all optional):
``posted_at`` (pandas Timestamp, datetime or a number such as minutes;
missing = ``None``/``NaT``/``NaN``), ``platform``, ``account``, ``variant``
(variant cluster id).

Structural virality (Goel, Anderson, Hofman & Watts 2016, Management Science
62:180-196) is the mean shortest-path distance over all pairs of nodes of the
undirected tree. It is computed in O(n) from subtree sizes: every edge whose
lower side has ``s`` nodes lies on ``s (n - s)`` of the paths, so
``SV = 2 * sum(s (n - s)) / (n (n - 1))``. A star of ``n`` nodes gives
``2 (n - 1) / n``, a path ``(n + 1) / 3``. A single node has ``NaN``.

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph([("o", "a"), ("o", "b"), ("a", "c")])
>>> m = metrics(g)
>>> m.trees[["root", "size", "depth", "max_breadth", "structural_virality"]].to_dict("records")
[{'root': 'o', 'size': 4, 'depth': 2, 'max_breadth': 2, 'structural_virality': 1.6666666666666667}]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from kit.spread.errors import SpreadError

__all__ = ["CascadeMetrics", "SIZE_BINS", "TREE_COLUMNS", "metrics", "origins_table", "size_bin", "structural_virality"]

TREE_COLUMNS = ("root", "size", "size_bin", "depth", "max_breadth", "structural_virality", "n_platforms",
                "first_seen", "time_to_10")
"""The cascade metrics shown, in this order, by the report, ``dfkit trace`` and the spread explorer."""

SIZE_BINS = (1, 2, 10, 100, 1000, 10000)
"""Lower edges of the default size bins: 1, 2-9, 10-99, 100-999, 1000-9999, 10000+."""


@dataclass(frozen=True)
class CascadeMetrics:
    """Tables returned by :func:`metrics`; every one has ``size`` and ``size_bin``.

    Attributes
    ----------
    trees
        One row a cascade: ``root``, ``size``, ``size_bin``, ``edges``,
        ``n_roots``, ``depth`` (longest root-to-leaf path, edges),
        ``max_breadth`` (most nodes at one depth), ``structural_virality``,
        ``first_seen``, ``last_seen``, ``n_platforms``, ``n_variants`` and
        ``time_to_<N>`` (time from the root's post to the N-th repost;
        missing when fewer than N reposts have a time).
    reach
        One row a (cascade, platform): ``root``, ``platform``, ``posts``,
        ``first_seen``, ``first_post``, ``hop`` (1 = where the cascade
        started, 2 = next platform reached, ... by first time seen).
    hops
        Edges that cross platforms: ``root``, ``parent``, ``child``,
        ``from_platform``, ``to_platform``, ``gap`` (child time - parent time).
    spreaders
        The ``top`` nodes with most descendants: ``node``, ``root``,
        ``descendants``, ``children``, ``depth``, ``platform``, ``account``.
    origins
        Each cascade root with its evidence: ``node``, ``posted_at``,
        ``platform``, ``account``, ``children``, ``earliest`` (True when no
        node of the cascade is timed earlier; None without times) and
        ``evidence`` (a sentence).
    timeline
        First appearance of each variant and each platform over the whole
        graph: ``kind`` (``"variant"``/``"platform"``), ``key``,
        ``first_seen``, ``first_post``, ``posts``, ``root`` (cascade of the
        first post).
    """

    trees: pd.DataFrame
    reach: pd.DataFrame
    hops: pd.DataFrame
    spreaders: pd.DataFrame
    origins: pd.DataFrame
    timeline: pd.DataFrame


def size_bin(n: int, bins: tuple[int, ...] = SIZE_BINS) -> str:
    """Label of the size bin holding ``n`` nodes.

    Examples
    --------
    >>> size_bin(1), size_bin(7), size_bin(250), size_bin(20000)
    ('1', '2-9', '100-999', '10000+')
    """
    label = f"<{bins[0]}"
    for i, lo in enumerate(bins):
        if n >= lo:
            hi = bins[i + 1] - 1 if i + 1 < len(bins) else None
            label = f"{lo}+" if hi is None else (str(lo) if hi == lo else f"{lo}-{hi}")
    return label


def structural_virality(tree: nx.Graph) -> float:
    """Mean shortest-path distance over all node pairs of a tree, in O(n).

    ``tree`` may be directed (directions are ignored) but must be a tree.

    Examples
    --------
    >>> structural_virality(nx.star_graph(4))  # 5 nodes: 2 * 4 / 5
    1.6
    >>> structural_virality(nx.path_graph(5))  # (5 + 1) / 3
    2.0
    """
    n = tree.number_of_nodes()
    if n == 0 or tree.number_of_edges() != n - 1:
        raise SpreadError("structural_virality needs a tree (n - 1 edges, connected)")
    if n == 1:
        return float("nan")
    und = tree.to_undirected(as_view=True) if tree.is_directed() else tree
    start = next(iter(und))
    order, parent = _bfs(und._adj, [start])
    if len(order) != n:
        raise SpreadError("structural_virality needs a connected tree")
    return _sv_from_order(order, parent, n)


def _bfs(adj: dict, sources: list) -> tuple[list, dict]:
    parent = {s: None for s in sources}
    order = list(sources)
    for u in order:
        for v in adj[u]:
            if v not in parent:
                parent[v] = u
                order.append(v)
    return order, parent


def _sv_from_order(order: list, parent: dict, n: int) -> float:
    sub = dict.fromkeys(order, 1)
    total = 0
    for v in reversed(order):
        p = parent[v]
        if p is not None:
            s = sub[v]
            sub[p] += s
            total += s * (n - s)
    return 2.0 * total / (n * (n - 1))


def _isna(t: object) -> bool:
    try:
        return t is None or bool(pd.isna(t))
    except (TypeError, ValueError):
        return False


def _component_rows(G: nx.DiGraph, comp: set, attrs: dict, n_reposts: tuple, bins: tuple) -> dict:
    t_attr, p_attr, a_attr, v_attr = attrs["time"], attrs["platform"], attrs["account"], attrs["variant"]
    nodes = G._node
    n = len(comp)
    roots = [v for v in comp if not G._pred[v]]
    times = {v: nodes[v].get(t_attr) for v in comp}
    times = {v: t for v, t in times.items() if not _isna(t)}
    if not roots:  # a cycle: start from the earliest node
        roots = [min(comp, key=lambda v: (v not in times, times.get(v, 0), str(v)))]
    roots.sort(key=lambda v: (v not in times, times.get(v, 0), str(v)))
    root = roots[0]
    order, parent = _bfs(G._succ, roots)  # depth from the roots, directed
    depth = {}
    for v in order:
        p = parent[v]
        depth[v] = 0 if p is None else depth[p] + 1
    breadth = Counter(depth.values())
    m_edges = sum(len(G._succ[v]) for v in comp)
    if n == 1:
        sv = float("nan")
    elif m_edges == n - 1 and len(order) == n and len(roots) == 1:
        sv = _sv_from_order(order, parent, n)
    else:
        sv = nx.average_shortest_path_length(G.subgraph(comp).to_undirected())
    # descendants for spreaders (tree case exact; otherwise via networkx)
    if len(order) == n and m_edges == n - 1 and len(roots) == 1:
        sub = dict.fromkeys(order, 1)
        for v in reversed(order):
            if parent[v] is not None:
                sub[parent[v]] += sub[v]
        desc = {v: s - 1 for v, s in sub.items()}
    else:
        desc = {v: len(nx.descendants(G, v)) for v in comp}
    row = {"root": root, "size": n, "size_bin": size_bin(n, bins), "edges": m_edges, "n_roots": len(roots),
           "depth": max(breadth) if breadth else 0, "max_breadth": max(breadth.values()) if breadth else 0,
           "structural_virality": sv,
           "first_seen": min(times.values()) if times else None,
           "last_seen": max(times.values()) if times else None,
           "n_platforms": len({nodes[v].get(p_attr) for v in comp} - {None}),
           "n_variants": len({nodes[v].get(v_attr) for v in comp} - {None})}
    t0 = times.get(root, row["first_seen"])
    later = sorted(t for v, t in times.items() if v != root)
    for k in n_reposts:
        row[f"time_to_{k}"] = (later[k - 1] - t0) if len(later) >= k and t0 is not None else None
    # reach per platform, in order of first appearance
    first: dict = {}
    counts: Counter = Counter()
    rank = {v: i for i, v in enumerate(order)}
    for v in comp:
        p = nodes[v].get(p_attr)
        if p is None:
            continue
        counts[p] += 1
        key = (v not in times, times.get(v, 0), rank.get(v, n), str(v))
        if p not in first or key < first[p][0]:
            first[p] = (key, v)
    reach = [{"root": root, "platform": p, "posts": counts[p], "first_seen": times.get(v), "first_post": v}
             for p, (key, v) in sorted(first.items(), key=lambda kv: kv[1][0])]
    for i, r in enumerate(reach, 1):
        r["hop"] = i
    hops = []
    for u in comp:
        pu = nodes[u].get(p_attr)
        for v in G._succ[u]:
            pv = nodes[v].get(p_attr)
            if pu is not None and pv is not None and pu != pv:
                gap = times[v] - times[u] if u in times and v in times else None
                hops.append({"root": root, "parent": u, "child": v, "from_platform": pu, "to_platform": pv, "gap": gap})
    origins = []
    for r in roots:
        tr = times.get(r)
        earliest = None if tr is None else all(t >= tr for t in times.values())
        why = ["no parent in the graph" if not G._pred[r] else "earliest node of a cycle"]
        if earliest is True:
            why.append("earliest timestamp in its cascade")
        elif earliest is False:
            why.append("NOT the earliest timestamp in its cascade")
        else:
            why.append("no timestamp")
        kinds = Counter(G.edges[r, c].get("kind", "edge") for c in G._succ[r])
        if kinds:
            why.append(", ".join(f"{k} {kind} link(s) to children" for kind, k in sorted(kinds.items())))
        if nodes[r].get("origin_evidence"):
            why.append(str(nodes[r]["origin_evidence"]))
        origins.append({"node": r, "root": root, "posted_at": tr, "platform": nodes[r].get(p_attr),
                        "account": nodes[r].get(a_attr), "children": len(G._succ[r]),
                        "descendants": desc.get(r, 0), "earliest": earliest, "evidence": "; ".join(why)})
    spread = [{"node": v, "root": root, "descendants": d, "children": len(G._succ[v]), "depth": depth.get(v),
               "platform": nodes[v].get(p_attr), "account": nodes[v].get(a_attr)} for v, d in desc.items() if d > 0]
    return {"tree": row, "reach": reach, "hops": hops, "origins": origins, "spreaders": spread, "times": times}


def _copies_only(g: nx.DiGraph) -> nx.DiGraph:
    """The repost forest: a composite's ``source`` / ``donor`` edges (``relation``) are not reposts."""
    if all(d.get("relation", "copy") == "copy" for _, _, d in g.edges(data=True)):
        return g
    h = nx.DiGraph()
    h.graph.update(g.graph)
    h.add_nodes_from(g.nodes(data=True))
    h.add_edges_from((u, v, d) for u, v, d in g.edges(data=True) if d.get("relation", "copy") == "copy")
    return h


def metrics(G: object, *, time_attr: str = "posted_at", platform_attr: str = "platform",
            account_attr: str = "account", variant_attr: str = "variant",
            n_reposts: tuple[int, ...] = (10, 100), top: int = 10,
            size_bins: tuple[int, ...] = SIZE_BINS) -> CascadeMetrics:
    """Compute cascade metrics for every cascade (weak component) of ``G``.

    Parameters
    ----------
    G
        A ``parent -> child`` spread graph (e.g. from ``kit.spread.build``),
        or a mapping ``{name: DiGraph}`` of many (e.g. the ``trees`` of
        :func:`kit.spread.cascades.load_twitter15_16`); with a mapping every
        table starts with a ``cascade`` column holding the name, and
        ``spreaders`` lists the ``top`` of each graph.
    time_attr, platform_attr, account_attr, variant_attr
        Node attribute names to read.
    n_reposts
        The N of the ``time_to_<N>`` columns.
    top
        How many spreaders to list (per graph).
    size_bins
        Lower edges of the size bins.

    Returns
    -------
    CascadeMetrics

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("p1", platform="x", posted_at=0.0, variant="A")
    >>> g.add_node("p2", platform="y", posted_at=5.0, variant="A")
    >>> g.add_node("p3", platform="y", posted_at=9.0, variant="B")
    >>> g.add_edges_from([("p1", "p2"), ("p2", "p3")])
    >>> m = metrics(g, n_reposts=(2,))
    >>> float(m.trees.loc[0, "time_to_2"]), m.reach["platform"].tolist(), m.hops[["parent", "child"]].values.tolist()
    (9.0, ['x', 'y'], [['p1', 'p2']])
    >>> m.timeline[["kind", "key", "first_post"]].values.tolist()
    [['platform', 'x', 'p1'], ['platform', 'y', 'p2'], ['variant', 'A', 'p1'], ['variant', 'B', 'p3']]
    """
    many = isinstance(G, Mapping)
    graphs = G.items() if many else [(None, G)]
    attrs = {"time": time_attr, "platform": platform_attr, "account": account_attr, "variant": variant_attr}
    out: dict = {k: [] for k in ("trees", "reach", "hops", "origins", "spreaders", "timeline")}
    for name, g in graphs:
        if not isinstance(g, nx.DiGraph):
            raise SpreadError(f"metrics needs a networkx.DiGraph, got {type(g).__name__} for {name!r}")
        g = _copies_only(g)
        tag = {"cascade": name} if many else {}
        root_of, size_of, spreaders = {}, {}, []
        for comp in nx.weakly_connected_components(g):
            res = _component_rows(g, comp, attrs, tuple(n_reposts), size_bins)
            root = res["tree"]["root"]
            for v in comp:
                root_of[v] = root
            size_of[root] = len(comp)
            extra = {**tag, "size": len(comp), "size_bin": res["tree"]["size_bin"]}
            out["trees"].append({**tag, **res["tree"]})
            for k in ("reach", "hops", "origins"):
                out[k] += [{**r, **extra} for r in res[k]]
            spreaders += [{**r, **extra} for r in res["spreaders"]]
        spreaders.sort(key=lambda r: (-r["descendants"], str(r["node"])))
        out["spreaders"] += spreaders[:top]
        for kind, attr in (("platform", platform_attr), ("variant", variant_attr)):
            first: dict = {}
            counts: Counter = Counter()
            for v, d in g.nodes(data=True):
                key = d.get(attr)
                if key is None:
                    continue
                counts[key] += 1
                t = d.get(time_attr)
                k = (_isna(t), 0 if _isna(t) else t, str(v))
                if key not in first or k < first[key][0]:
                    first[key] = (k, v, None if _isna(t) else t)
            for key in sorted(first, key=str):
                _, v, t = first[key]
                r = root_of[v]
                out["timeline"].append({**tag, "kind": kind, "key": key, "first_seen": t, "first_post": v,
                                        "posts": counts[key], "root": r, "size": size_of[r],
                                        "size_bin": size_bin(size_of[r], size_bins)})
    lead = ["cascade"] if many else []
    cols = {
        "trees": ["root", "size", "size_bin", "edges", "n_roots", "depth", "max_breadth", "structural_virality",
                  "first_seen", "last_seen", "n_platforms", "n_variants", *[f"time_to_{k}" for k in n_reposts]],
        "reach": ["root", "platform", "posts", "first_seen", "first_post", "hop", "size", "size_bin"],
        "hops": ["root", "parent", "child", "from_platform", "to_platform", "gap", "size", "size_bin"],
        "spreaders": ["node", "root", "descendants", "children", "depth", "platform", "account", "size", "size_bin"],
        "origins": ["node", "root", "posted_at", "platform", "account", "children", "descendants", "earliest",
                    "evidence", "size", "size_bin"],
        "timeline": ["kind", "key", "first_seen", "first_post", "posts", "root", "size", "size_bin"],
    }
    if not many:
        out["trees"].sort(key=lambda r: (-r["size"], str(r["root"])))
    frames = {k: pd.DataFrame(out[k], columns=lead + c) for k, c in cols.items()}
    return CascadeMetrics(**frames)


def origins_table(G: nx.DiGraph, m: CascadeMetrics | None = None) -> pd.DataFrame:
    """Roots of the cascades with more than one post, largest first, with the evidence sentences."""
    m = metrics(G) if m is None else m
    o = m.origins
    if not len(o):
        return o.assign(why_root=pd.Series(dtype=object))
    o = o[o["size"] > 1].sort_values(["size", "node"], ascending=[False, True]).reset_index(drop=True)
    o["why_root"] = [G.nodes[n].get("origin_evidence") for n in o["node"]]
    return o
