"""The rows of one cascade for the tables of :func:`kit.spread.metrics.metrics`.

Private to :mod:`kit.spread.metrics` (whose :class:`~kit.spread.metrics.CascadeMetrics`
documents the columns): :func:`_component_rows` takes one weak component of a
``parent -> child`` graph and returns its tree row, its reach per platform, its
cross-platform hops, its origins and its spreaders. Only networkx's public API is
read (``G.succ``, ``G.in_degree``, ``G.successors``, ``G.nodes``).

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph([("o", "a"), ("o", "b"), ("a", "c")])
>>> rows = _component_rows(g, set(g), {"time": "t", "platform": "p", "account": "u", "variant": "v"}, (2,), "2-9")
>>> rows["tree"]["root"], rows["tree"]["depth"], [(r["node"], r["descendants"]) for r in rows["spreaders"]]
('o', 2, [('o', 3), ('a', 1)])
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from kit.values import is_missing


def _bfs(adj: dict, sources: list) -> tuple[list, dict]:
    """Breadth-first ``(order, parent)`` from ``sources`` over the adjacency mapping ``adj``."""
    parent = {s: None for s in sources}
    order = list(sources)
    for u in order:
        for v in adj[u]:
            if v not in parent:
                parent[v] = u
                order.append(v)
    return order, parent


def _sv_from_order(order: list, parent: dict, n: int) -> float:
    """Structural virality of a tree of ``n`` nodes from a breadth-first order, via subtree sizes."""
    sub = dict.fromkeys(order, 1)
    total = 0
    for v in reversed(order):
        p = parent[v]
        if p is not None:
            s = sub[v]
            sub[p] += s
            total += s * (n - s)
    return 2.0 * total / (n * (n - 1))


def _component_rows(G: nx.DiGraph, comp: set, attrs: dict, n_reposts: tuple, label: str) -> dict:
    """One cascade's rows: ``tree`` (a dict), ``reach``, ``hops``, ``origins``, ``spreaders`` (lists of
    dicts) and ``times`` (node -> time, timed nodes only). ``attrs`` names the node attributes
    (``time``, ``platform``, ``account``, ``variant``); ``label`` is the cascade's size bin."""
    roots, times = _roots(G, comp, attrs["time"])
    root = roots[0]
    order, parent = _bfs(G.succ, roots)  # depth from the roots, directed
    depth = {}
    for v in order:
        p = parent[v]
        depth[v] = 0 if p is None else depth[p] + 1
    m_edges = sum(len(G.succ[v]) for v in comp)
    sv, desc = _virality_and_descendants(G, comp, order, parent, len(roots), m_edges)
    row = _tree_row(G, comp, attrs, roots, times, depth, sv, m_edges, label, n_reposts)
    p_attr, a_attr = attrs["platform"], attrs["account"]
    spread = [{"node": v, "root": root, "descendants": d, "children": len(G.succ[v]), "depth": depth.get(v),
               "platform": G.nodes[v].get(p_attr), "account": G.nodes[v].get(a_attr)} for v, d in desc.items() if d > 0]
    return {"tree": row, "reach": _reach(G, comp, p_attr, times, order, root), "hops": _hops(G, comp, p_attr, times, root),
            "origins": _origins(G, roots, attrs, times, desc, root), "spreaders": spread, "times": times}


def _roots(G: nx.DiGraph, comp: set, t_attr: str) -> tuple[list, dict]:
    """``(roots, times)``: the nodes without a parent (the earliest node of a cycle when none has),
    earliest first, and node -> time of the timed nodes."""
    times = {v: G.nodes[v].get(t_attr) for v in comp}
    times = {v: t for v, t in times.items() if not is_missing(t)}
    roots = [v for v in comp if G.in_degree(v) == 0]
    if not roots:  # a cycle: start from the earliest node
        roots = [min(comp, key=lambda v: (v not in times, times.get(v, 0), str(v)))]
    roots.sort(key=lambda v: (v not in times, times.get(v, 0), str(v)))
    return roots, times


def _virality_and_descendants(G: nx.DiGraph, comp: set, order: list, parent: dict, n_roots: int,
                              m_edges: int) -> tuple[float, dict]:
    """Structural virality and node -> number of descendants: from subtree sizes when the cascade is
    a tree, through networkx otherwise."""
    n = len(comp)
    tree = len(order) == n and m_edges == n - 1 and n_roots == 1
    if n == 1:
        sv = float("nan")
    elif tree:
        sv = _sv_from_order(order, parent, n)
    else:
        sv = nx.average_shortest_path_length(G.subgraph(comp).to_undirected())
    if tree:
        sub = dict.fromkeys(order, 1)
        for v in reversed(order):
            if parent[v] is not None:
                sub[parent[v]] += sub[v]
        return sv, {v: s - 1 for v, s in sub.items()}
    return sv, {v: len(nx.descendants(G, v)) for v in comp}


def _tree_row(G: nx.DiGraph, comp: set, attrs: dict, roots: list, times: dict, depth: dict, sv: float,
              m_edges: int, label: str, n_reposts: tuple) -> dict:
    """The cascade's row of the ``trees`` table."""
    n, root = len(comp), roots[0]
    breadth = Counter(depth.values())
    row = {"root": root, "size": n, "size_bin": label, "edges": m_edges, "n_roots": len(roots),
           "depth": max(breadth) if breadth else 0, "max_breadth": max(breadth.values()) if breadth else 0,
           "structural_virality": sv,
           "first_seen": min(times.values()) if times else None,
           "last_seen": max(times.values()) if times else None,
           "n_platforms": len({G.nodes[v].get(attrs["platform"]) for v in comp} - {None}),
           "n_variants": len({G.nodes[v].get(attrs["variant"]) for v in comp} - {None})}
    t0 = times.get(root, row["first_seen"])
    later = sorted(t for v, t in times.items() if v != root)
    for k in n_reposts:
        row[f"time_to_{k}"] = (later[k - 1] - t0) if len(later) >= k and t0 is not None else None
    return row


def _reach(G: nx.DiGraph, comp: set, p_attr: str, times: dict, order: list, root: object) -> list:
    """The ``reach`` rows: posts per platform, in order of first appearance (``hop``)."""
    first: dict = {}
    counts: Counter = Counter()
    rank = {v: i for i, v in enumerate(order)}
    for v in comp:
        p = G.nodes[v].get(p_attr)
        if p is None:
            continue
        counts[p] += 1
        key = (v not in times, times.get(v, 0), rank.get(v, len(comp)), str(v))
        if p not in first or key < first[p][0]:
            first[p] = (key, v)
    reach = [{"root": root, "platform": p, "posts": counts[p], "first_seen": times.get(v), "first_post": v}
             for p, (key, v) in sorted(first.items(), key=lambda kv: kv[1][0])]
    for i, r in enumerate(reach, 1):
        r["hop"] = i
    return reach


def _hops(G: nx.DiGraph, comp: set, p_attr: str, times: dict, root: object) -> list:
    """The ``hops`` rows: edges from a post on one platform to a post on another."""
    hops = []
    for u in comp:
        pu = G.nodes[u].get(p_attr)
        for v in G.successors(u):
            pv = G.nodes[v].get(p_attr)
            if pu is not None and pv is not None and pu != pv:
                gap = times[v] - times[u] if u in times and v in times else None
                hops.append({"root": root, "parent": u, "child": v, "from_platform": pu, "to_platform": pv, "gap": gap})
    return hops


def _origins(G: nx.DiGraph, roots: list, attrs: dict, times: dict, desc: dict, root: object) -> list:
    """The ``origins`` rows: each root of the cascade with the sentence that says why."""
    origins = []
    for r in roots:
        tr = times.get(r)
        earliest = None if tr is None else all(t >= tr for t in times.values())
        why = ["no parent in the graph" if G.in_degree(r) == 0 else "earliest node of a cycle"]
        if earliest is True:
            why.append("earliest timestamp in its cascade")
        elif earliest is False:
            why.append("NOT the earliest timestamp in its cascade")
        else:
            why.append("no timestamp")
        kinds = Counter(G.edges[r, c].get("kind", "edge") for c in G.successors(r))
        if kinds:
            why.append(", ".join(f"{k} {kind} link(s) to children" for kind, k in sorted(kinds.items())))
        if G.nodes[r].get("origin_evidence"):
            why.append(str(G.nodes[r]["origin_evidence"]))
        origins.append({"node": r, "root": root, "posted_at": tr, "platform": G.nodes[r].get(attrs["platform"]),
                        "account": G.nodes[r].get(attrs["account"]), "children": len(G.succ[r]),
                        "descendants": desc.get(r, 0), "earliest": earliest, "evidence": "; ".join(why)})
    return origins
