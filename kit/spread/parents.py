"""One parent per post: candidate costs, the arborescence and its annotation.

Private to :mod:`kit.spread.build` (whose module doc states the rules and the attributes), on the
first copies :mod:`kit.spread.first` chose: :func:`_incoming` prices every candidate parent of
every post (:func:`_candidate`), :func:`_choice_graph` adds the analyst's decisions and the virtual
root, :func:`_arborescence` chooses the minimum-cost forest one component at a time, and
:func:`_annotate` writes the chosen edges with their evidence.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from kit.spread.cost import lineage_cost, time_penalty
from kit.spread.errors import SpreadError
from kit.spread.first import CLEAR_S, _seconds, _when

_ROOT = ("__spread_virtual_root__",)
BIG = 1000.0
RESHARE = 0.01  # the price of a later post of a file as a parent, over the file's first post


@dataclass(frozen=True)
class _Knobs:
    """The cost terms of :func:`kit.spread.build.build` (see its module doc)."""

    theta: float
    explicit_bonus: float
    platform_penalty: float
    identical_support: float
    time_weight: float
    time_tau_min: float
    support: dict | None
    conflict: dict | None






def _incoming(G: nx.DiGraph, ids: list, members: dict, first: dict, rows: dict, root_like: dict,
              has_lineage: bool, k: _Knobs) -> dict:
    """Post -> its candidate parents ``(cost, parent, info)``: every other post of its group, and the
    post its link names when that is outside the group (or the post has no media)."""
    incoming: dict = {v: [] for v in ids}
    named = Counter(G.nodes[p]["explicit_parent"] for p in ids if G.nodes[p]["explicit_parent"] is not None)
    for g, m in members.items():
        reshare = _reshares(G, m, named)
        shared = Counter(reshare.values())  # a file's first post -> how many later posts show its bytes
        for v in m:
            when = G.nodes[reshare.get(v, v)]  # its file's first post, dated first: the file existed then
            for u in m:
                if u != v:
                    c = _candidate(G, u, v, first[g], rows, root_like, has_lineage, k, when)
                    if u in reshare:
                        c = (c[0] + RESHARE, *c[1:])
                    elif u in shared and G.nodes[u]["media_sha256"] != G.nodes[v]["media_sha256"]:
                        c[2]["reshared"] = shared[u]  # said of u in the edge's sentence
                    incoming[v].append(c)
            incoming[v] = _same_bytes_first(incoming[v])
    for v in ids:  # a link to a post outside the group (or from a post without media) is still a candidate
        link = G.nodes[v]["explicit_parent"]
        if link in G and link != v and all(c[1] != link for c in incoming[v]):
            t, gap = time_penalty(G.nodes[link], G.nodes[v], weight=k.time_weight, tau_min=k.time_tau_min)
            incoming[v].append((k.theta - k.explicit_bonus + t, link, {
                "support": 0.0, "conflict": t, "why": [], "against": [], "algorithm": "link", "gap": gap}))
    return incoming


def _same_bytes_first(cands: list, margin: float = 1.0) -> list:
    """``cands`` with every post of the child's own bytes made before it supported ``margin`` over the
    best other file: the same bytes are the same upload (shared or forwarded), while another file
    that carries the child's additions (a resized copy of the same screenshot) is its sibling or
    its child. Not for the original's bytes (no support: nothing of its own to share)."""
    same = {k for k, c in enumerate(cands) if c[2]["algorithm"] == "identical" and c[2]["support"] > 0
            and (c[2]["gap"] is None or c[2]["gap"] >= 0)}
    if not same:
        return cands
    best = max((c[2]["support"] for c in cands if c[2]["algorithm"] == "lineage"), default=0.0)
    extra = best + margin - min(cands[k][2]["support"] for k in same)
    if extra <= 0:
        return cands
    return [(c[0] - extra, c[1], {**c[2], "support": c[2]["support"] + extra}) if k in same else c
            for k, c in enumerate(cands)]


def _reshares(G: nx.DiGraph, posts: list, named: Counter) -> dict:
    """Posts of ``posts`` that are not their file's first post -> that post: of those within :data:`CLEAR_S`
    of the earliest (undated after dated; reported times are off by minutes) the one most links name
    (``named``; a share's export names the original), then the earliest, as :func:`_first_copy` does.
    A copy made from the file hangs from it when nothing says which post it was taken from (:data:`RESHARE`)."""
    by_file: dict = {}
    for p in posts:
        by_file.setdefault(G.nodes[p]["media_sha256"], []).append(p)
    out: dict = {}
    for same in by_file.values():
        if len(same) > 1:
            when = {p: _when(G.nodes[p]) for p in same}
            t0 = min(when.values())
            close = [p for p in same if when[p][0] == t0[0] and when[p][1] - t0[1] <= CLEAR_S]
            first = min(close, key=lambda p: (-named.get(p, 0), *when[p], p))
            out.update({p: first for p in same if p != first})
    return out


def _candidate(G: nx.DiGraph, u: str, v: str, first: str, rows: dict, root_like: dict, has_lineage: bool,
               k: _Knobs, when: dict | None = None) -> tuple:
    """``(cost, u, info)`` of ``u`` as ``v``'s parent: prior, lineage support and conflict, time, link.
    Another file than ``v``'s is timed against ``when``, the earliest dated post of ``v``'s file: the
    file was made once, before any post of it (a post without a time takes its file's)."""
    du, dv = G.nodes[u], G.nodes[v]
    su, sv = du["media_sha256"], dv["media_sha256"]
    if su == sv:
        s = k.identical_support if has_lineage and not root_like.get(sv, False) else 0.0
        cf, why, against, algo = 0.0, ["is the same file (identical bytes)"], [], "identical"
    elif (su, sv) in rows:
        s, cf, why, against = lineage_cost(rows[(su, sv)], support=k.support, conflict=k.conflict)
        algo = "lineage"
    else:
        s, cf, why, against, algo = 0.0, 0.0, [], [], "first-copy"
    t, gap = time_penalty(du, dv if su == sv or when is None else when, weight=k.time_weight, tau_min=k.time_tau_min)
    if t > 0:
        against = [*against, f"was posted {abs(gap) / 60:.0f} min after it"]
    link = dv["explicit_parent"]
    bonus = k.explicit_bonus if u == link else 0.0
    link_plat = G.nodes[link]["platform"] if link in G else dv["platform"]
    plat = k.platform_penalty if link is not None and u != link and du["platform"] != link_plat else 0.0
    prior = 0.0 if u == first else k.theta
    cost = prior - s + cf + t - bonus + plat
    return cost, u, {"support": s, "conflict": cf + t + plat, "why": why, "against": against,
                     "algorithm": algo if u != first or algo != "first-copy" else "first-copy", "gap": gap}


def _choice_graph(G: nx.DiGraph, ids: list, incoming: dict, analyst: dict) -> nx.DiGraph:
    """Every candidate edge with its cost, below a virtual root: a group's first copy, its material
    (:func:`_material`: no parent but its link) or a post without candidates is an origin for free, any
    other post pays :data:`BIG`. An analyst's decision is the only edge into its post."""
    H = nx.DiGraph()
    H.add_nodes_from([_ROOT, *ids])
    for v in ids:
        if v in analyst:
            u = analyst[v]
            H.add_edge(_ROOT if u is None else u, v, cost=-1.0, kind="analyst", info={"algorithm": "analyst"})
            continue
        for c, u, info in incoming[v]:  # the material is no repost of a copy made after it: its own link only
            kind = "explicit" if u == G.nodes[v]["explicit_parent"] else "inferred"
            if kind == "explicit" or not G.nodes[v].get("material"):
                H.add_edge(u, v, cost=c, kind=kind, info=info)
        is_first = G.nodes[v].get("first_copy") or G.nodes[v].get("material") or not incoming[v]
        H.add_edge(_ROOT, v, cost=0.0 if is_first else BIG, kind="root", info={})
    return H


def _arborescence(H: nx.DiGraph, ids: list) -> nx.DiGraph:
    """The minimum-cost arborescence of ``H`` (Edmonds' algorithm), one weak component at a time."""
    A = nx.DiGraph()
    pos = {n: k for k, n in enumerate(H)}
    for comp in nx.weakly_connected_components(H.subgraph(ids)):
        # a copy in H's own order: a subgraph view iterates its node set in string-hash order, which
        # changes with PYTHONHASHSEED, and Edmonds' algorithm breaks equal costs by iteration order
        keep = {_ROOT, *comp}
        nodes = sorted(keep, key=pos.__getitem__)
        sub = nx.DiGraph()
        sub.add_nodes_from(nodes)
        sub.add_edges_from((u, v, d) for u in nodes for v, d in H.adj[u].items() if v in keep)
        try:
            A.add_edges_from(nx.minimum_spanning_arborescence(sub, attr="cost", preserve_attrs=True).edges)
        except nx.NetworkXException as exc:
            raise SpreadError(f"no spread forest could be chosen: {exc}") from exc
    return A


def _sentence(u: str, v: str, info: dict, kind: str, runner: tuple | None, link: str | None) -> str:
    """The ``evidence`` sentence of the edge ``u -> v``."""
    parts = [f"{v} " + ("; ".join(info["why"]) if info["why"] else
                        "hangs from the group's first copy: no candidate carries changes it shows")]
    if u != link and link is not None and kind != "analyst":
        parts.append(f"its export names {link}, and {u} carries more of its changes")
    elif kind == "explicit":
        parts.append("its export names this post")
    if info.get("reshared"):
        n = info["reshared"]
        parts.append(f"{u} is the first post of its file ({n} later post{'s show' if n > 1 else ' shows'} the same bytes)")
    if info.get("gap") is not None and info["gap"] >= 0:
        parts.append(f"{u} is {info['gap'] / 3600:.1f} h older")
    if info["against"]:
        parts.append("against: " + "; ".join(info["against"]))
    if runner is not None:
        parts.append(f"next best {runner[1]} costs {runner[0]:+.2f} more")
    return ". ".join(parts)


def _annotate(G: nx.DiGraph, A: nx.DiGraph, H: nx.DiGraph, incoming: dict) -> None:
    """The chosen edges ``A`` into ``G`` with their attributes (the module doc of :mod:`kit.spread.build`),
    ``origin_evidence`` on the roots and the graph's ``alternatives``."""
    for u, v in A.edges:
        d = H.edges[u, v]
        if u == _ROOT:
            if d["kind"] == "analyst":
                G.nodes[v]["origin_evidence"] = "analyst marked it as an origin"
            elif not incoming[v]:
                G.nodes[v]["origin_evidence"] = "no candidate parent (no other copy of its picture in the collection)"
            elif G.nodes[v].get("first_copy"):
                G.nodes[v]["origin_evidence"] = G.nodes[v]["first_copy_why"]
            elif G.nodes[v].get("material"):
                G.nodes[v]["origin_evidence"] = G.nodes[v]["material_why"]
            else:
                G.nodes[v]["origin_evidence"] = "every candidate parent descends from it"
            continue
        info = d["info"]
        ranked = sorted((c for c in incoming[v] if c[1] != u and c[1] not in nx.descendants(A, v)),
                        key=lambda x: (x[0], x[1]))
        runner = (ranked[0][0] - d["cost"], ranked[0][1]) if ranked else None
        conf = 1.0 if d["kind"] == "analyst" else 1.0 / (1.0 + math.exp(-min(runner[0], 30.0))) if runner else 0.9
        link = G.nodes[v]["explicit_parent"]
        tu, tv = G.nodes[u].get("posted_at"), G.nodes[v].get("posted_at")
        gap = (_seconds(tv) - _seconds(tu)) if tu is not None and tv is not None and not (pd.isna(tu) or pd.isna(tv)) \
            else None
        G.add_edge(u, v, relation="copy", kind=d["kind"], confidence=float(conf), cost=float(d["cost"]),
                   support=float(info.get("support", 0.0)), conflict=float(info.get("conflict", 0.0)),
                   evidence="analyst decision" if d["kind"] == "analyst" else _sentence(u, v, info, d["kind"],
                                                                                       runner, link),
                   reasons_for=list(info.get("why", [])), reasons_against=list(info.get("against", [])),
                   algorithm=info.get("algorithm"), time_gap_s=gap,
                   refines_explicit=link if link is not None and link != u and d["kind"] != "analyst" else None)
    G.graph["alternatives"] = {v: [(u, round(float(c), 4)) for c, u, _ in sorted(incoming[v], key=lambda x: (x[0], x[1]))[:5]]
                               for v in G.nodes}
    for v in G.nodes:
        if G.in_degree(v) == 0 and "origin_evidence" not in G.nodes[v]:
            G.nodes[v]["origin_evidence"] = "no parent chosen"
