"""Tree shapes for the benchmark collections (:mod:`kit.demo.collections`): who copies whom, and when.

:func:`tree_shapes` draws rooted trees: ``"twitter"`` cuts a random Twitter15/16 tree to its first
posts in time order (real, shallow, broadcast-like shapes and real delays); ``"model"`` is the
documented fallback (each new post copies the root with probability ``broadcast``, else an earlier
post in proportion to its children + 1); ``"chain"`` makes deep trees (each new post copies one of
the three latest posts with probability ``chain_p``), so chains of 6+ edits occur.

Examples
--------
>>> import networkx as nx
>>> shapes = tree_shapes(2, sizes=(5, 8), seed=1)
>>> [g.number_of_nodes() for g in shapes], all(nx.is_arborescence(g) for g in shapes)
([6, 7], True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

__all__ = ["tree_shapes"]


def tree_shapes(n: int, *, sizes: tuple[int, int] = (20, 60), seed: int = 0, archive: Any = None,
                broadcast: float = 0.6, kind: str | None = None, chain_p: float = 0.75) -> list[nx.DiGraph]:
    """``n`` rooted trees (node 0 = root, node attribute ``t_min``) of ``sizes[0]..sizes[1]`` nodes.

    ``kind``: ``"twitter"`` (needs ``archive``), ``"model"`` or ``"chain"``; default ``"twitter"``
    when ``archive`` exists, else ``"model"``.
    """
    rng = np.random.default_rng(seed)
    have = archive is not None and Path(archive).exists()
    kind = kind or ("twitter" if have else "model")
    if kind == "twitter" and not have:
        kind = "model"
    if kind == "twitter":
        return _twitter_trees(rng, n, sizes, archive, broadcast)
    k_of = [int(rng.integers(sizes[0], sizes[1] + 1)) for _ in range(n)]
    if kind == "chain":
        return [_chain_tree(rng, k, chain_p) for k in k_of]
    return [_model_tree(rng, k, broadcast) for k in k_of]


def _twitter_trees(rng: np.random.Generator, n: int, sizes: tuple[int, int], archive: Any,
                   broadcast: float) -> list[nx.DiGraph]:
    """The first posts, in time order, of random Twitter15/16 trees (a model tree where the cut is not a tree)."""
    from kit.spread.cascades import load_twitter15_16

    cs = load_twitter15_16(archive, limit=150)
    names = sorted(k for k, g in cs.trees.items() if g.number_of_nodes() >= sizes[0])
    out: list[nx.DiGraph] = []
    for _ in range(n):
        g = cs.trees[names[int(rng.integers(len(names)))]]
        k = int(rng.integers(sizes[0], sizes[1] + 1))
        order = sorted(g.nodes, key=lambda v: (float(g.nodes[v].get("t_min") or 0.0), v))[:k]
        relabel = {v: i for i, v in enumerate(order)}
        t = nx.DiGraph()
        for v in order:
            t.add_node(relabel[v], t_min=float(g.nodes[v].get("t_min") or 0.0))
        t.add_edges_from((relabel[a], relabel[b]) for a, b in g.subgraph(order).edges)
        out.append(t if nx.is_arborescence(t) else _model_tree(rng, k, broadcast))
    return out


def _model_tree(rng: np.random.Generator, k: int, broadcast: float) -> nx.DiGraph:
    t = nx.DiGraph()
    t.add_node(0, t_min=0.0)
    kids = [0]
    for v in range(1, k):
        if rng.random() < broadcast:
            u = 0
        else:
            w = np.array(kids, float) + 1.0
            u = int(rng.choice(v, p=w / w.sum()))
        t.add_node(v, t_min=t.nodes[u]["t_min"] + float(rng.lognormal(np.log(20.0), 1.2)))
        t.add_edge(u, v)
        kids[u] += 1
        kids.append(0)
    return t


def _chain_tree(rng: np.random.Generator, k: int, chain_p: float) -> nx.DiGraph:
    t = nx.DiGraph()
    t.add_node(0, t_min=0.0)
    for v in range(1, k):
        u = int(rng.integers(max(0, v - 3), v)) if rng.random() < chain_p else int(rng.integers(0, v))
        t.add_node(v, t_min=t.nodes[u]["t_min"] + float(rng.lognormal(np.log(20.0), 1.0)))
        t.add_edge(u, v)
    return t
