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
from kit.spread.tree_rows import _bfs, _component_rows, _sv_from_order
from kit.values import is_missing

__all__ = ["CascadeMetrics", "SIZE_BINS", "TREE_COLUMNS", "metrics", "origins_table", "repost_forest", "size_bin",
           "structural_virality"]

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
    order, parent = _bfs(und.adj, [start])
    if len(order) != n:
        raise SpreadError("structural_virality needs a connected tree")
    return _sv_from_order(order, parent, n)


def repost_forest(g: nx.DiGraph) -> nx.DiGraph:
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
        _graph_rows(repost_forest(g), {"cascade": name} if many else {}, attrs, tuple(n_reposts), top, size_bins, out)
    if not many:
        out["trees"].sort(key=lambda r: (-r["size"], str(r["root"])))
    return _frames(out, ["cascade"] if many else [], n_reposts)


def _graph_rows(g: nx.DiGraph, tag: dict, attrs: dict, n_reposts: tuple, top: int, bins: tuple, out: dict) -> None:
    """One graph's rows, each starting with ``tag``, added to ``out``'s lists: every cascade's
    (:func:`kit.spread.tree_rows._component_rows`), the ``top`` spreaders and the timeline."""
    root_of, size_of, spreaders = {}, {}, []
    for comp in nx.weakly_connected_components(g):
        res = _component_rows(g, comp, attrs, n_reposts, size_bin(len(comp), bins))
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
    for kind, attr in (("platform", attrs["platform"]), ("variant", attrs["variant"])):
        out["timeline"] += _timeline(g, kind, attr, attrs["time"], root_of, size_of, tag, bins)


def _timeline(g: nx.DiGraph, kind: str, attr: str, time_attr: str, root_of: dict, size_of: dict, tag: dict,
              bins: tuple) -> list:
    """The ``timeline`` rows of one ``kind``: the first post of every value of the node attribute ``attr``."""
    first: dict = {}
    counts: Counter = Counter()
    for v, d in g.nodes(data=True):
        key = d.get(attr)
        if key is None:
            continue
        counts[key] += 1
        t = d.get(time_attr)
        k = (is_missing(t), 0 if is_missing(t) else t, str(v))
        if key not in first or k < first[key][0]:
            first[key] = (k, v, None if is_missing(t) else t)
    rows = []
    for key in sorted(first, key=str):
        _, v, t = first[key]
        r = root_of[v]
        rows.append({**tag, "kind": kind, "key": key, "first_seen": t, "first_post": v, "posts": counts[key],
                     "root": r, "size": size_of[r], "size_bin": size_bin(size_of[r], bins)})
    return rows


def _frames(out: dict, lead: list, n_reposts: tuple) -> CascadeMetrics:
    """The tables of :class:`CascadeMetrics` from ``out``'s rows, columns in their documented order."""
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
    frames = {k: pd.DataFrame(out[k], columns=lead + c) for k, c in cols.items()}
    return CascadeMetrics(**frames)


def origins_table(G: nx.DiGraph, m: CascadeMetrics | None = None) -> pd.DataFrame:
    """Roots of the cascades with more than one post, largest first (equal sizes: the earliest posted
    first, then by node id, so that one collection ingested from different exports, with other post
    ids, lists its origins in one order), with the evidence sentences."""
    m = metrics(G) if m is None else m
    o = m.origins
    if not len(o):
        return o.assign(why_root=pd.Series(dtype=object))
    o = o[o["size"] > 1].sort_values(["size", "posted_at", "node"], ascending=[False, True, True],
                                     na_position="last").reset_index(drop=True)
    o["why_root"] = [G.nodes[n].get("origin_evidence") for n in o["node"]]
    return o
