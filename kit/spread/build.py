"""Build the spread graph: who posted which copy first, and what was made from what.

:func:`build` makes one node per post and chooses one parent per post (or
none: an origin) with a minimum-cost arborescence (Edmonds' algorithm,
:func:`networkx.minimum_spanning_arborescence`), one variant group at a time.

A candidate parent ``u`` of ``v`` is another post of ``v``'s variant group
(copies of the same picture). Its cost is

``prior - support + conflict + time + link``

* ``prior``: ``theta`` for every candidate but the group's *first copy*: the
  copy every other copy could have been made from (least summed conflict as
  their parent: an origin carries no change that a copy lacks), its earliest
  post; unless a post of the group was clearly posted earlier (platform
  times, more than 30 min, less than 7 days): in a chain of reposts most
  copies inherit the first edit, so the copy that looks least edited is then
  a descendant, and time settles it. A photo that old, or one with a region
  of its own that no copy shows (the source photo without the pasted
  region), is the material of the fake, not its first post.
  Real cascades are mostly stars: a post hangs from the first copy unless a
  candidate is supported over it.
* ``support`` / ``conflict``: :func:`kit.spread.cost.lineage_cost` of the
  lineage row ``(u's media, v's media)``: the changes ``v`` inherited from
  ``u`` and the ones it would have had to undo. Two posts of the same bytes
  share everything: ``identical_support`` when that copy has changes of its
  own (0 for the original's bytes). Similarity alone never makes a parent.
* ``time``: :func:`kit.spread.cost.time_penalty`, an ordering constraint
  (``v`` posted before ``u``), never a pull toward the most recent post.
* ``link``: ``-explicit_bonus`` for the post ``v``'s export names as its
  source (``parent_post_id``). Platforms often name the first post of a
  chain, so a candidate supported over the link still wins; a candidate on
  another platform than the linked post pays ``platform_penalty`` (a
  platform's share link means a parent on that platform).

Engagement counts are not used: a share count is not a number of children.
The first copy of each group is its origin (root cost 0); every other post
pays ``big`` to be an origin, so a group is one tree unless its posts cannot
be reached. A post without media, or whose media is in no group, is an
origin unless its link names a post. The analyst's ``parent`` /
``spread.parent`` decisions override everything for their post
(:func:`kit.spread.candidates.parent_decisions`; decisions that would close a
cycle are skipped and listed in the graph attribute ``skipped_decisions``).

Without lineage evidence (``lineage=None``), groups come from ``clusters``
or the matcher's pairs and every post hangs from its group's earliest post or
its link: the explicit-else-earliest baseline.

Node attributes: ``platform``, ``account``, ``posted_at`` (UTC Timestamp or
None), ``media_sha256``, ``url``, ``caption``, ``explicit_parent``,
``variant`` (group), ``time_source`` (``platform``/``exif``/``none``), any of
:data:`MEDIA_ATTRS` from ``media``; ``first_copy`` (True for each group's
first copy) and ``first_copy_why`` (by content or by time, a sentence); on
roots ``origin_evidence`` (a sentence).

Edge attributes (``parent -> child``): ``relation`` (``"copy"``; the
composite's ``"source"`` and ``"donor"`` edges sit beside them, see
:func:`add_relations`), ``kind`` (``"explicit"``: the post the export names,
``"inferred"``, ``"analyst"``), ``confidence`` (0-1: the logistic of the
cost margin over the runner-up), ``cost``, ``support``, ``conflict``,
``evidence`` (a sentence), ``reasons_for``, ``reasons_against`` (lists),
``algorithm`` (``identical``, ``lineage``, ``first-copy``, ``link``,
``analyst``), ``time_gap_s`` (child minus parent, seconds, or None),
``refines_explicit`` (the linked post this edge replaced, or None).

Graph attributes: ``alternatives`` (post -> the 5 cheapest candidate parents
as ``(parent, cost)``), ``skipped_decisions`` and ``groups`` (group -> first
copy).

Examples
--------
>>> import pandas as pd
>>> posts = pd.DataFrame({"post_id": ["a", "b", "c"], "platform": ["x", "x", "y"],
...     "posted_at": pd.to_datetime(["2026-01-01T00:00Z", "2026-01-01T01:00Z", "2026-01-01T02:00Z"]),
...     "media_sha256": ["s1", "s1", "s2"], "parent_post_id": [None, "a", None]})
>>> pairs = pd.DataFrame([{"a": "s1", "b": "s2", "decision": "match"}])
>>> g = build(posts, pairs)
>>> sorted(g.edges(data="kind"))
[('a', 'b', 'explicit'), ('a', 'c', 'inferred')]
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

from kit.spread.candidates import apply_match_decisions, parent_decisions, val
from kit.spread.cost import lineage_cost, time_penalty
from kit.spread.errors import SpreadError
from kit.spread.orient import TIME_RELIABILITY

__all__ = ["MEDIA_ATTRS", "add_relations", "build", "copy_graph", "matcher_relations"]

MEDIA_ATTRS = ("kind", "width", "height", "jpeg_quality", "jpeg_tables", "has_exif", "has_c2pa", "added_content",
               "added_reason", "c2pa_ingredients", "exif_time", "detector_score")
_ROOT = ("__spread_virtual_root__",)
BIG = 1000.0


def copy_graph(G: nx.DiGraph) -> nx.DiGraph:
    """The repost forest of ``G``: every node, the edges whose ``relation`` is ``copy`` (or unset)."""
    H = nx.DiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v, d) for u, v, d in G.edges(data=True) if d.get("relation", "copy") == "copy")
    return H


def _groups(shas: list, pairs: pd.DataFrame, clusters: pd.DataFrame | None, lineage: Any) -> dict:
    if lineage is not None and len(lineage.groups):
        return dict(zip(lineage.groups["id"], lineage.groups["group"]))
    if clusters is not None and len(clusters):
        return dict(zip(clusters["id"], clusters["cluster"]))
    g = nx.Graph()
    g.add_nodes_from(s for s in shas if s)
    g.add_edges_from(zip(pairs["a"], pairs["b"]))
    comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(map(str, c))))
    return {s: i for i, c in enumerate(comps) for s in c}


def _nodes(posts: pd.DataFrame, facts: dict, group: dict) -> nx.DiGraph:
    G = nx.DiGraph()
    for r in posts.to_dict("records"):
        pid = str(r["post_id"])
        sha = val(r.get("media_sha256"))
        t = val(r.get("posted_at"))
        parent = val(r.get("parent_post_id"))
        f = facts.get(sha, {})
        src = val(r.get("time_source")) or ("platform" if t is not None else "none")
        if t is None and val(f.get("exif_time")) is not None:
            t, src = pd.Timestamp(f["exif_time"]), "exif"
        attrs = {"platform": val(r.get("platform")), "account": val(r.get("account")), "posted_at": t,
                 "media_sha256": sha, "url": val(r.get("url")), "caption": val(r.get("caption")),
                 "explicit_parent": None if parent is None else str(parent), "variant": group.get(sha),
                 "time_source": src}
        attrs.update({k: v for k, v in f.items() if k != "exif_time"})
        G.add_node(pid, **attrs)
    return G


def _when(d: dict) -> tuple:
    """Sort key of a post's time: known times first, by time (seconds; any year, 9999 included)."""
    t = d.get("posted_at")
    ok = t is not None and not pd.isna(t) and d.get("time_source") != "none"
    return (not ok, _seconds(t) if ok else 0.0)


def _seconds(t: Any) -> float:
    try:
        return float(t.timestamp())
    except (AttributeError, OverflowError, ValueError, OSError):
        return 0.0


def build(posts: pd.DataFrame, matches: pd.DataFrame | None = None, *, media: pd.DataFrame | None = None,
          clusters: pd.DataFrame | None = None, decisions: pd.DataFrame | None = None, lineage: Any = None,
          theta: float = 2.0, explicit_bonus: float = 2.5, platform_penalty: float = 1.0,
          identical_support: float = 12.0, time_weight: float = 6.0, time_tau_min: float = 60.0,
          include_review: bool = False, support: dict | None = None, conflict: dict | None = None) -> nx.DiGraph:
    """Spread graph of ``posts`` (see the module doc for the rules and attributes).

    Parameters
    ----------
    posts
        ``case.posts()``: ``post_id`` required; ``platform``, ``account``,
        ``posted_at``, ``media_sha256``, ``parent_post_id``, ``url``,
        ``caption``, ``time_source`` used when present.
    matches
        The matcher's pairs (``a``, ``b`` sha256, ``decision``); used for the
        groups when neither ``lineage`` nor ``clusters`` is given.
    media
        Per-sha256 facts (``sha256`` + any of :data:`MEDIA_ATTRS`), e.g.
        :func:`kit.spread.facts.media_facts`.
    clusters
        ``id`` (sha256) -> ``cluster`` table.
    decisions
        ``case.decisions()`` (parent and match decisions).
    lineage
        :class:`kit.spread.evidence.LineageEvidence` (groups, copies, pairs).
    theta, explicit_bonus, platform_penalty, identical_support
        Cost terms (module doc).
    time_weight, time_tau_min
        :func:`kit.spread.cost.time_penalty`.
    include_review
        Also use pairs whose decision is ``"review"`` for the groups.
    support, conflict
        Cue weights overriding :data:`kit.spread.cost.SUPPORT` / :data:`~kit.spread.cost.CONFLICT`.
    """
    if not isinstance(posts, pd.DataFrame) or "post_id" not in posts:
        raise SpreadError("build needs a posts DataFrame with a post_id column")
    pairs = pd.DataFrame(columns=["a", "b", "decision"]) if matches is None else matches
    if not isinstance(pairs, pd.DataFrame) or (len(pairs) and not {"a", "b", "decision"} <= set(pairs.columns)):
        raise SpreadError("matches must be a DataFrame with columns a, b and decision")
    pairs, _rejected = apply_match_decisions(pairs, decisions)
    compared = matcher_relations(pairs, None if clusters is None else dict(zip(clusters["id"], clusters["cluster"])))
    if len(pairs):
        pairs = pairs[pairs["decision"].isin(["match", "review"] if include_review else ["match"])]
    facts = {}
    if media is not None and len(media):
        present = [c for c in MEDIA_ATTRS if c in media.columns]
        facts = {r["sha256"]: {c: val(r[c]) for c in present} for r in media.to_dict("records")}
    ids = [str(p) for p in posts["post_id"]]
    if len(set(ids)) != len(ids):
        raise SpreadError("post_id values must be unique")
    group = _groups([val(s) for s in posts.get("media_sha256", pd.Series(dtype=object))], pairs, clusters, lineage)
    G = _nodes(posts, facts, group)
    analyst, problems = parent_decisions(decisions, set(ids))
    rows: dict = {}
    root_like: dict = {}
    own: dict = {}
    if lineage is not None:
        for r in lineage.pairs.to_dict("records"):
            rows[(r["u"], r["v"])] = r
        for r in lineage.copies.to_dict("records"):
            root_like[r["id"]] = bool(r["root_like"])
            own[r["id"]] = max([0.0, *(float(x) for x in (r["replaced"], r["own_share"]) if x is not None and not pd.isna(x))])
    members: dict = {}
    for pid in ids:
        g = G.nodes[pid]["variant"]
        if g is not None and G.nodes[pid]["media_sha256"]:
            members.setdefault(g, []).append(pid)
    conflict_of = {k: lineage_cost(r, support=support, conflict=conflict)[1] for k, r in rows.items()}
    first = {}
    for g, m in members.items():
        first[g], why = _first_copy(G, m, conflict_of, own)
        G.nodes[first[g]]["first_copy"] = True
        G.nodes[first[g]]["first_copy_why"] = why
    knobs = {"theta": theta, "explicit_bonus": explicit_bonus, "platform_penalty": platform_penalty,
             "identical_support": identical_support, "time_weight": time_weight, "time_tau_min": time_tau_min,
             "support": support, "conflict": conflict}
    incoming: dict = {v: [] for v in ids}
    for g, m in members.items():
        for v in m:
            for u in m:
                if u != v:
                    incoming[v].append(_candidate(G, u, v, first[g], rows, root_like, lineage is not None, knobs))
    for v in ids:  # a link to a post outside the group (or from a post without media) is still a candidate
        link = G.nodes[v]["explicit_parent"]
        if link in G and link != v and all(c[1] != link for c in incoming[v]):
            t, gap = time_penalty(G.nodes[link], G.nodes[v], weight=time_weight, tau_min=time_tau_min)
            incoming[v].append((theta - explicit_bonus + t, link, {
                "support": 0.0, "conflict": t, "why": [], "against": [], "algorithm": "link", "gap": gap}))
    H = nx.DiGraph()
    H.add_nodes_from([_ROOT, *ids])
    for v in ids:
        if v in analyst:
            u = analyst[v]
            H.add_edge(_ROOT if u is None else u, v, cost=-1.0, kind="analyst", info={"algorithm": "analyst"})
            continue
        for c, u, info in incoming[v]:
            H.add_edge(u, v, cost=c, kind="explicit" if u == G.nodes[v]["explicit_parent"] else "inferred", info=info)
        is_first = G.nodes[v].get("first_copy") or not incoming[v]
        H.add_edge(_ROOT, v, cost=0.0 if is_first else BIG, kind="root", info={})
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
    _annotate(G, A, H, incoming)
    if lineage is not None and getattr(lineage, "relations", None) is not None:
        compared = pd.concat([compared, lineage.relations], ignore_index=True) if len(compared) \
            else lineage.relations
    if len(compared):
        add_relations(G, compared, first)
    G.graph["skipped_decisions"] = problems
    G.graph["groups"] = {str(g): p for g, p in first.items()}
    return G


def matcher_relations(pairs: pd.DataFrame, cluster_of: dict | None = None) -> pd.DataFrame:
    """``source`` relations from the matcher's composite pairs whose comparison found the replaced
    region (:func:`kit.matching.comparison.compare_either`): ``a`` the source photo, ``b`` the composite,
    in the columns of the lineage's relations. Pairs the clusters joined anyway are left out."""
    rows = []
    if len(pairs) and "transform" in pairs:
        for a, b, d, t in zip(pairs["a"], pairs["b"], pairs["decision"], pairs["transform"]):
            c = (t or {}).get("comparison") if isinstance(t, dict) and d == "composite" else None
            if not c or c.get("relation") != "composite: region replaced" or not c.get("source"):
                continue
            if cluster_of and cluster_of.get(a) is not None and cluster_of.get(a) == cluster_of.get(b):
                continue
            w, h = c.get("size") or (1, 1)
            box = c.get("changed_box")
            rows.append({"a": c["source"], "b": c["suspect"], "relation": "source",
                         "replaced": float(c.get("changed_fraction") or 0.0), "own_share": None,
                         "box": (box[0] / w, box[1] / h, box[2] / w, box[3] / h) if box else None})
    return pd.DataFrame(rows, columns=["a", "b", "relation", "replaced", "own_share", "box"])


def add_relations(G: nx.DiGraph, relations: pd.DataFrame, first: dict) -> None:
    """Typed edges beside the reposts: ``source`` from the first post of a composite's source photo,
    ``donor`` from the first post of the picture its pasted region came from, each to the first copy
    of the composite's group (:attr:`kit.spread.evidence.LineageEvidence.relations`). They are not
    reposts: the arborescence is built without them and :func:`copy_graph` leaves them out."""
    by_media: dict = {}
    for p, d in G.nodes(data=True):
        if d.get("media_sha256"):
            by_media.setdefault(d["media_sha256"], []).append(p)
    for r in relations.to_dict("records"):
        kind = r.get("relation")
        posts_a, posts_b = by_media.get(r["a"]), by_media.get(r["b"])
        if kind not in ("source", "donor") or not posts_a or not posts_b:
            continue
        u = min(posts_a, key=lambda p: (*_when(G.nodes[p]), p))
        v = first.get(G.nodes[posts_b[0]]["variant"], posts_b[0])
        if u == v or G.has_edge(u, v) or G.has_edge(v, u):
            continue
        share = float(r.get("replaced") or 0.0)
        if kind == "source":
            why = (f"{u} is the same photograph as {v}'s picture but for one region ({100 * share:.0f} % of the frame) "
                   f"that {v} replaced: the unedited source photo of the composite")
        else:
            why = (f"the region {v} replaced ({100 * share:.0f} % of the frame) comes from {u}'s picture: the donor "
                   "of the pasted content")
        G.add_edge(u, v, relation=kind, kind="inferred", evidence=why, reasons_for=[why], reasons_against=[],
                   confidence=0.8, algorithm="lineage", cost=None, support=None, conflict=None, time_gap_s=None,
                   refines_explicit=None)


def _first_copy(G: nx.DiGraph, posts: list, conflict_of: dict, own: dict | None = None, cap: float = 5.0,
                tie: float = 1.0, clear_s: float = 1800.0, material_s: float = 7 * 86400.0,
                own_max: float = 0.02) -> tuple[str, str]:
    """The group's first copy: the media every other copy could have been made from (the least
    summed conflict as their parent, each capped at ``cap``: an origin carries no change that a
    copy lacks; media within ``tie`` of the best count alike, the earliest seen of them), then,
    of its identical posts, the one most exports name as their source, then the earliest
    (reported times can be off by minutes: the posts that share it name the original).

    Time overrules that choice where it is clear: a post of the group with a platform time more
    than ``clear_s`` before it (beyond the minutes reported times are off) is the first copy. In a
    chain of reposts most copies inherit the first edit, so the majority, and the copy that looks
    least edited against it, are descendants. Not when it is over ``material_s`` older (a photo
    posted a week before is what a fake was made from, not its first post) or has a region of its
    own over ``own_max`` of the frame that no other copy shows (``own``: media -> share of the
    frame, the larger of the lineage's replaced region and own changes): the composite's source
    photo lacks the pasted region every copy carries. Returns the post and the sentence that
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
    early = min((p for p in posts if G.nodes[p]["media_sha256"] in near), key=lambda p: (*_when(G.nodes[p]), p))
    same = [p for p in posts if G.nodes[p]["media_sha256"] == G.nodes[early]["media_sha256"]]
    first = min(same, key=lambda p: (-named.get(p, 0), *_when(G.nodes[p]), p))
    timed = [p for p in posts if not _when(G.nodes[p])[0]
             and TIME_RELIABILITY.get(str(G.nodes[p].get("time_source")), 0.0) >= 1.0]
    if timed and not _when(G.nodes[first])[0]:
        e = min(timed, key=lambda p: (*_when(G.nodes[p]), p))
        gap = _when(G.nodes[first])[1] - _when(G.nodes[e])[1]
        if clear_s < gap < material_s and (own or {}).get(G.nodes[e]["media_sha256"], 0.0) < own_max:
            return e, (f"the first copy of its group by time: posted {gap / 3600:.1f} h before {first}, the copy "
                       "that looks least edited (in a chain of reposts most copies inherit the first edit, so "
                       "the least edited-looking copy can be a descendant)")
    return first, ("the first copy of its group: its picture is the one every other copy could have been made "
                   "from, and this is its earliest post")


def _candidate(G: nx.DiGraph, u: str, v: str, first: str, rows: dict, root_like: dict, has_lineage: bool,
               k: dict) -> tuple:
    du, dv = G.nodes[u], G.nodes[v]
    su, sv = du["media_sha256"], dv["media_sha256"]
    if su == sv:
        s = k["identical_support"] if has_lineage and not root_like.get(sv, False) else 0.0
        cf, why, against, algo = 0.0, ["is the same file (identical bytes)"], [], "identical"
    elif (su, sv) in rows:
        s, cf, why, against = lineage_cost(rows[(su, sv)], support=k["support"], conflict=k["conflict"])
        algo = "lineage"
    else:
        s, cf, why, against, algo = 0.0, 0.0, [], [], "first-copy"
    t, gap = time_penalty(du, dv, weight=k["time_weight"], tau_min=k["time_tau_min"])
    if t > 0:
        against = [*against, f"was posted {abs(gap) / 60:.0f} min after it"]
    link = dv["explicit_parent"]
    bonus = k["explicit_bonus"] if u == link else 0.0
    link_plat = G.nodes[link]["platform"] if link in G else dv["platform"]
    plat = k["platform_penalty"] if link is not None and u != link and du["platform"] != link_plat else 0.0
    prior = 0.0 if u == first else k["theta"]
    cost = prior - s + cf + t - bonus + plat
    return cost, u, {"support": s, "conflict": cf + t + plat, "why": why, "against": against,
                     "algorithm": algo if u != first or algo != "first-copy" else "first-copy", "gap": gap}


def _sentence(u: str, v: str, info: dict, kind: str, runner: tuple | None, link: str | None) -> str:
    parts = [f"{v} " + ("; ".join(info["why"]) if info["why"] else
                        "hangs from the group's first copy: no candidate carries changes it shows")]
    if u != link and link is not None and kind != "analyst":
        parts.append(f"its export names {link}, and {u} carries more of its changes")
    elif kind == "explicit":
        parts.append("its export names this post")
    if info.get("gap") is not None and info["gap"] >= 0:
        parts.append(f"{u} is {info['gap'] / 3600:.1f} h older")
    if info["against"]:
        parts.append("against: " + "; ".join(info["against"]))
    if runner is not None:
        parts.append(f"next best {runner[1]} costs {runner[0]:+.2f} more")
    return ". ".join(parts)


def _annotate(G: nx.DiGraph, A: nx.DiGraph, H: nx.DiGraph, incoming: dict) -> None:
    for u, v in A.edges:
        d = H.edges[u, v]
        if u == _ROOT:
            if d["kind"] == "analyst":
                G.nodes[v]["origin_evidence"] = "analyst marked it as an origin"
            elif not incoming[v]:
                G.nodes[v]["origin_evidence"] = "no candidate parent (no other copy of its picture in the collection)"
            elif G.nodes[v].get("first_copy"):
                G.nodes[v]["origin_evidence"] = G.nodes[v]["first_copy_why"]
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
