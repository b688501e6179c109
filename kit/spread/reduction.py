"""Reductions of a provenance graph before it is scored, as NIST's MediScore makes them.

The home of :func:`reduce_to` and :func:`direct_paths`, both importable from (and
documented with) :mod:`kit.spread.evaluate`: the truth reduced to the nodes a system could
see (a hidden node's parents linked to its children), and the edges on the paths through a
probe (NIST's "direct" scoring).
"""

from __future__ import annotations

from typing import Hashable, Iterable

import networkx as nx

from kit.spread.errors import SpreadError


def _check_graph(g: object, name: str) -> nx.DiGraph:
    """``g``, or :class:`SpreadError` naming the argument ``name`` when it is no DiGraph."""
    if not isinstance(g, nx.DiGraph):
        raise SpreadError(f"{name} must be a networkx.DiGraph, got {type(g).__name__}")
    return g


def reduce_to(graph: nx.DiGraph, keep: Iterable[Hashable]) -> nx.DiGraph:
    """Keep only ``keep`` nodes, linking each dropped node's parents to its children.

    This is NIST's ``reduce_graph``: an edge ``u -> v`` (both kept) exists in
    the result iff ``graph`` has a directed path from ``u`` to ``v`` whose
    interior nodes are all dropped. Kept nodes keep their attributes; edge
    attributes of original kept-to-kept edges are kept, linked edges get
    ``linked=True`` and ``via`` (the number of dropped nodes on the shortest
    such path).

    Examples
    --------
    >>> g = nx.DiGraph([("a", "x"), ("x", "b"), ("x", "c"), ("b", "d")])
    >>> sorted(reduce_to(g, ["a", "b", "c", "d"]).edges)
    [('a', 'b'), ('a', 'c'), ('b', 'd')]
    """
    graph = _check_graph(graph, "graph")
    keep = {n for n in keep if n in graph}
    out = nx.DiGraph()
    out.graph.update(graph.graph)
    out.add_nodes_from((n, graph.nodes[n]) for n in keep)
    for u in keep:
        # breadth-first through dropped nodes only
        frontier = [(v, 0) for v in graph.successors(u)]
        seen = set()
        while frontier:
            nxt = []
            for v, hops in frontier:
                if v in seen:
                    continue
                seen.add(v)
                if v in keep:
                    if not out.has_edge(u, v):
                        if hops == 0:
                            out.add_edge(u, v, **graph.edges[u, v])
                        else:
                            out.add_edge(u, v, linked=True, via=hops)
                else:
                    nxt.extend((w, hops + 1) for w in graph.successors(v))
            frontier = nxt
    return out


def direct_paths(graph: nx.DiGraph, probe: Hashable) -> nx.DiGraph:
    """Keep the edges on directed paths through ``probe`` (NIST ``-d`` scoring).

    The result holds every edge into ``probe`` or into one of its ancestors,
    and every edge out of ``probe`` or out of one of its descendants.

    Examples
    --------
    >>> g = nx.DiGraph([("r", "p"), ("r", "s"), ("p", "c"), ("s", "t")])
    >>> sorted(direct_paths(g, "p").edges)
    [('p', 'c'), ('r', 'p')]
    """
    graph = _check_graph(graph, "graph")
    if probe not in graph:
        raise SpreadError(f"probe {probe!r} is not a node of the graph")
    up = nx.ancestors(graph, probe) | {probe}
    down = nx.descendants(graph, probe) | {probe}
    edges = [(u, v) for u, v in graph.edges if v in up or u in down]
    return graph.edge_subgraph(edges).copy()
