"""One parent per post: first copies, candidate costs, the arborescence and its annotation.

Private to :mod:`kit.spread.build` (whose module doc states the rules and the attributes):
:func:`_first_copies` picks each variant group's first copy, :func:`_incoming` prices every
candidate parent of every post (:func:`_candidate`), :func:`_choice_graph` adds the analyst's
decisions and the virtual root, :func:`_arborescence` chooses the minimum-cost forest one
component at a time, and :func:`_annotate` writes the chosen edges with their evidence.

Examples
--------
>>> import pandas as pd
>>> _when({"posted_at": pd.Timestamp("2026-01-01T00:00Z"), "time_source": "platform"})
(False, 1767225600.0)
>>> _when({"posted_at": None})
(True, 0.0)
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from kit.spread.cost import lineage_cost, time_penalty
from kit.spread.errors import SpreadError
from kit.spread.orient import TIME_RELIABILITY
from kit.values import present

_ROOT = ("__spread_virtual_root__",)
CLEAR_S = 1800.0  # reported times are off by minutes: a gap over this is clear
MATERIAL_S = 7 * 86400.0  # a photo posted this much earlier is what a fake was made from
OWN_MAX = 0.02  # a region of its own over this share of the frame: the material, not a copy
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


def _when(d: dict) -> tuple:
    """Sort key of a post's time: known times first, by time (seconds; any year, 9999 included)."""
    t = d.get("posted_at")
    ok = t is not None and not pd.isna(t) and d.get("time_source") != "none"
    return (not ok, _seconds(t) if ok else 0.0)


def _quality(d: dict) -> float:
    """A post's estimated JPEG quality (node attribute ``jpeg_quality``), 0 when unknown: among copies
    that look alike and have no time between them, every re-encode loses, so the finest
    quantisation is the likeliest first copy (a tie-break, never a parent on its own)."""
    q = present(d.get("jpeg_quality"))
    return float(q) if isinstance(q, (int, float)) else 0.0


def _seconds(t: Any) -> float:
    """``t`` in seconds since the epoch (0.0 when it has none)."""
    try:
        return float(t.timestamp())
    except (AttributeError, OverflowError, ValueError, OSError):
        return 0.0


def _first_copies(G: nx.DiGraph, members: dict, rows: dict, own: dict, k: _Knobs) -> dict:
    """Group -> its first copy (:func:`_first_copy`; again among the other media while the one it
    chose was posted a week before all of them, :func:`_alone_before`), marked on the node with
    ``first_copy`` and ``first_copy_why``."""
    conflict_of = {key: lineage_cost(r, support=k.support, conflict=k.conflict)[1] for key, r in rows.items()}
    first = {}
    for g, m in members.items():
        rest = m
        while True:
            first[g], why = _first_copy(G, rest, conflict_of, own)
            later = _alone_before(G, rest, first[g])
            if not later:
                break
            rest = later
        G.nodes[first[g]]["first_copy"] = True
        G.nodes[first[g]]["first_copy_why"] = why
        for p, why_material in _material(G, m, first[g], own).items():
            G.nodes[p]["material"] = True
            G.nodes[p]["material_why"] = why_material
    return first


def _alone_before(G: nx.DiGraph, posts: list, first: str) -> list:
    """The posts of the group that show other media than ``first`` when ``first``'s file was posted (a
    platform time) at least :data:`MATERIAL_S` before any of them: a photo a week older than every
    other copy of its picture is what they were made from, or an earlier use of the photo, not the
    first post of their spread (the rule :func:`_first_copy` applies to a week-older post it passes
    over, applied to the copy it chose). Empty when that is not so."""
    d = G.nodes[first]
    if _when(d)[0] or TIME_RELIABILITY.get(str(d.get("time_source")), 0.0) < 1.0:
        return []
    others = [p for p in posts if G.nodes[p]["media_sha256"] != d["media_sha256"]]
    timed = [_when(G.nodes[p])[1] for p in others if not _when(G.nodes[p])[0]]
    return others if timed and min(timed) - _when(d)[1] >= MATERIAL_S else []


def _is_material(gap: float, share: float) -> bool:
    """Whether a post ``gap`` seconds before the first copy, with ``share`` of the frame its own, is
    the material of the fake rather than its first post: over :data:`MATERIAL_S` older, or a region
    of its own over :data:`OWN_MAX` (the source photo lacks the pasted region every copy carries)."""
    return gap >= MATERIAL_S or share >= OWN_MAX


def _material(G: nx.DiGraph, posts: list, first: str, own: dict | None) -> dict:
    """Posts of the group published before its first copy (platform times, more than :data:`CLEAR_S`
    apart) that :func:`_first_copy` passed over as the material of the fake (:func:`_is_material`).
    A post cannot be a copy of one made after it, so each is an origin of its own, not a
    repost hung under the first copy. Post -> the sentence that says why."""
    tf = _when(G.nodes[first])
    if tf[0]:
        return {}
    out = {}
    for p in posts:
        d = G.nodes[p]
        if p == first or d["media_sha256"] == G.nodes[first]["media_sha256"] or _when(d)[0] \
                or TIME_RELIABILITY.get(str(d.get("time_source")), 0.0) < 1.0:
            continue
        gap = tf[1] - _when(d)[1]
        share = (own or {}).get(d["media_sha256"], 0.0)
        if gap > CLEAR_S and _is_material(gap, share):
            why = (f"over {MATERIAL_S / 86400:.0f} days older" if gap >= MATERIAL_S else
                   f"it has a region of its own ({100 * share:.0f} % of the frame) that no copy shows")
            out[p] = (f"posted {gap / 3600:.1f} h before the group's first copy {first}, so not a repost of it, "
                      f"and not its first post: {why}: the material the picture was made from")
    return out


def _first_copy(G: nx.DiGraph, posts: list, conflict_of: dict, own: dict | None = None, cap: float = 5.0,
                tie: float = 1.0) -> tuple[str, str]:
    """The group's first copy: the media every other copy could have been made from (the least
    summed conflict as their parent, each capped at ``cap``: an origin carries no change that a
    copy lacks; media within ``tie`` of the best count alike, the earliest seen of them, without
    times the one with the finest JPEG quantisation: every re-encode loses), then,
    of its identical posts, the one most exports name as their source, then the earliest
    (reported times can be off by minutes: the posts that share it name the original).

    Time overrules that choice where it is clear: the earliest post of the group with a platform
    time more than :data:`CLEAR_S` before it (beyond the minutes reported times are off) that is no
    material (below) is the first copy. In a
    chain of reposts most copies inherit the first edit, so the majority, and the copy that looks
    least edited against it, are descendants. Not when it is over :data:`MATERIAL_S` older (a photo
    posted a week before is what a fake was made from, not its first post) or has a region of its
    own over :data:`OWN_MAX` of the frame that no other copy shows (``own``: media -> share of the
    frame, the larger of the lineage's replaced region and the own changes no other copy shows alike,
    :func:`kit.spread.build._lineage_tables`): the composite's source photo lacks the pasted region
    every copy carries. Returns the post and the sentence that
    says why."""
    media = sorted({G.nodes[p]["media_sha256"] for p in posts})
    total = {u: sum(min(conflict_of.get((u, v), 0.0), cap) for v in media if v != u) for u in media}
    best = min(total.values())
    near = {u for u, t in total.items() if t <= best + tie}
    named: dict = {}
    for p in posts:
        link = G.nodes[p]["explicit_parent"]
        if link is not None:
            named[link] = named.get(link, 0) + 1
    early = min((p for p in posts if G.nodes[p]["media_sha256"] in near),
                key=lambda p: (*_when(G.nodes[p]), -_quality(G.nodes[p]), p))
    same = [p for p in posts if G.nodes[p]["media_sha256"] == G.nodes[early]["media_sha256"]]
    first = min(same, key=lambda p: (-named.get(p, 0), *_when(G.nodes[p]), p))
    timed = [p for p in posts if not _when(G.nodes[p])[0]
             and TIME_RELIABILITY.get(str(G.nodes[p].get("time_source")), 0.0) >= 1.0]
    if timed and not _when(G.nodes[first])[0]:
        for e in sorted(timed, key=lambda p: (*_when(G.nodes[p]), p)):  # the earliest post that is no material
            gap = _when(G.nodes[first])[1] - _when(G.nodes[e])[1]
            if gap <= CLEAR_S:
                break
            if _is_material(gap, (own or {}).get(G.nodes[e]["media_sha256"], 0.0)):
                continue
            return _named_source(G, posts, e, (
                f"the first copy of its group by time: posted {gap / 3600:.1f} h before {first}, the copy that "
                "looks least edited (in a chain of reposts most copies inherit the first edit, so the least "
                "edited-looking copy can be a descendant)"))
    return _named_source(G, posts, first, ("the first copy of its group: its picture is the one every other copy "
                                           "could have been made from, and this is its earliest post"))


def _named_source(G: nx.DiGraph, posts: list, first: str, why: str) -> tuple[str, str]:
    """``first``, or the post of the group its link names when that is not clearly later (over
    :data:`CLEAR_S`; an unknown time is not), followed on: a repost is not the first copy of the post it
    says it was reposted from (a link names an ancestor), however edited that post looks against it."""
    group, seen, link = set(posts), {first}, G.nodes[first]["explicit_parent"]
    while link in group and link not in seen:
        a, b = _when(G.nodes[first]), _when(G.nodes[link])
        if not (a[0] or b[0]) and b[1] - a[1] > CLEAR_S:
            break
        why = (f"the first copy of its group: {first}, which looks least edited or was posted first, names it "
               "as the post it was reposted from, and it is not clearly later")
        first, link = link, G.nodes[link]["explicit_parent"]
        seen.add(first)
    return first, why


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
