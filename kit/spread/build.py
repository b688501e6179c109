"""Build the spread graph: who posted which copy first, and what was made from what.

:func:`build` makes one node per post and chooses one parent per post (or
none: an origin) with a minimum-cost arborescence (Edmonds' algorithm,
:func:`networkx.minimum_spanning_arborescence`), one variant group at a time
(the choice itself is in :mod:`kit.spread.first` and :mod:`kit.spread.parents`).

A candidate parent ``u`` of ``v`` is another post of ``v``'s variant group
(copies of the same picture). Its cost is

``prior - support + conflict + time + link``

* ``prior``: ``theta`` for every candidate but the group's *first copy* (less
  in a group whose copies mostly carry another copy's changes, a chain:
  :func:`kit.spread.prior.group_prior`): the
  copy every other copy could have been made from (least summed conflict as
  their parent: an origin carries no change that a copy lacks; a file whose
  JPEG carries another copy's quantisation, or that a re-save of another
  copy's file gives back, was re-encoded from it, and that one takes its
  place, :mod:`kit.spread.lattice`, :mod:`kit.spread.resave`), its earliest post; unless
  a post of the group was clearly posted earlier (platform times, more than
  30 min, less than 7 days; a re-encode's time bounds its undated source's):
  in a chain of reposts most
  copies inherit the first edit, so the copy that looks least edited is then
  a descendant, and time settles it. A photo that old, or one with a region
  of its own that no copy shows (the source photo without the pasted
  region), is the material of the fake, not its first post; posted clearly
  before the first copy, it cannot be a repost of it either, and is an
  origin of its own (``material``). So is the copy chosen by content when its
  file was posted a week before every other copy of the picture: the first
  copy is then chosen among the rest.
  Real cascades are mostly stars: a post hangs from the first copy unless a
  candidate is supported over it.
* ``support`` / ``conflict``: :func:`kit.spread.cost.lineage_cost` of the
  lineage row ``(u's media, v's media)``, its mirror, rotation and colour
  measured against the group's first copy
  (:func:`kit.spread.rebase.against_first_copy`): the changes ``v`` inherited from
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
first copy) and ``first_copy_why`` (by content or by time, a sentence);
``material`` and ``material_why`` (an earlier post passed over as the material
of the fake); on roots ``origin_evidence`` (a sentence).

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
as ``(parent, cost)``), ``skipped_decisions``, ``groups`` (group -> first
copy) and ``chain_groups`` (group -> ``(prior, strong, n)``: its own prior,
how many of its ``n`` posts besides the first copy have a strongly supported
other candidate; the groups charged less than ``theta``, whose inferred edges
from another parent than the first copy say so).

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

from typing import Any

import networkx as nx
import pandas as pd

from kit.spread.candidates import apply_match_decisions, parent_decisions, val
from kit.spread.cost import COLOUR_CLEAR
from kit.spread.errors import SpreadError
from kit.spread.parents import BIG  # noqa: F401 - the cost of an origin, importable from here as before
from kit.spread.first import _first_copies, _when
from kit.spread.parents import _annotate, _arborescence, _choice_graph, _incoming, _Knobs
from kit.spread.prior import chain_sentence, group_prior
from kit.spread.rebase import against_first_copy

__all__ = ["MEDIA_ATTRS", "add_relations", "build", "copy_graph", "matcher_relations"]

MEDIA_ATTRS = ("kind", "width", "height", "jpeg_quality", "jpeg_tables", "has_exif", "has_c2pa", "added_content",
               "added_reason", "c2pa_ingredients", "exif_time", "detector_score")


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
    pairs, compared = _match_pairs(posts, matches, decisions, clusters, include_review)
    facts = _media_facts(media)
    ids = [str(p) for p in posts["post_id"]]
    if len(set(ids)) != len(ids):
        raise SpreadError("post_id values must be unique")
    group = _groups([val(s) for s in posts.get("media_sha256", pd.Series(dtype=object))], pairs, clusters, lineage)
    G = _nodes(posts, facts, group)
    analyst, problems = parent_decisions(decisions, set(ids))
    rows, root_like, own = _lineage_tables(lineage)
    members = _members(G, ids)
    knobs = _Knobs(theta=theta, explicit_bonus=explicit_bonus, platform_penalty=platform_penalty,
                   identical_support=identical_support, time_weight=time_weight, time_tau_min=time_tau_min,
                   support=support, conflict=conflict)
    first = _first_copies(G, members, rows, own, knobs.support, knobs.conflict, _files(media))
    based, root_like = against_first_copy(rows, {g: (G.nodes[first[g]]["media_sha256"], {
        G.nodes[p]["media_sha256"] for p in m}) for g, m in members.items()}, root_like)
    incoming, chains = group_prior(_incoming(G, ids, members, first, based, root_like, lineage is not None, knobs),
                                   members, first, theta)
    H = _choice_graph(G, ids, incoming, analyst)
    _annotate(G, _arborescence(H, ids), H, incoming)
    _say_chains(G, members, first, chains, theta)
    _typed_relations(G, compared, lineage, first)
    G.graph["skipped_decisions"] = problems
    G.graph["groups"] = {str(g): p for g, p in first.items()}
    return G


def _say_chains(G: nx.DiGraph, members: dict, first: dict, chains: dict, theta: float) -> None:
    """The group's own prior (:func:`kit.spread.prior.group_prior`) in the evidence of its inferred edges
    from a parent other than its first copy, and on the graph (``chain_groups``: group -> ``(prior,
    strong, n)``, the prior and how many of the ``n`` posts besides the first copy have a strongly
    supported other candidate)."""
    G.graph["chain_groups"] = {str(g): tuple(v) for g, v in chains.items()}
    for g, (prior, strong, n) in chains.items():
        said = chain_sentence(prior, strong, n, theta)
        for v in members[g]:
            for u in G.predecessors(v):
                d = G.edges[u, v]
                if d.get("relation") == "copy" and d.get("kind") == "inferred" and u != first[g]:
                    d["evidence"] = f"{d['evidence']}. {said}"


def _match_pairs(posts: pd.DataFrame, matches: pd.DataFrame | None, decisions: pd.DataFrame | None,
                 clusters: pd.DataFrame | None, include_review: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The inputs checked; ``(pairs, compared)``: the matcher's pairs after the analyst's match
    decisions, those that join a group (``match``, and ``review`` with ``include_review``), and the
    composite ``source`` relations they found (:func:`matcher_relations`)."""
    if not isinstance(posts, pd.DataFrame) or "post_id" not in posts:
        raise SpreadError("build needs a posts DataFrame with a post_id column")
    pairs = pd.DataFrame(columns=["a", "b", "decision"]) if matches is None else matches
    if not isinstance(pairs, pd.DataFrame) or (len(pairs) and not {"a", "b", "decision"} <= set(pairs.columns)):
        raise SpreadError("matches must be a DataFrame with columns a, b and decision")
    pairs, _rejected = apply_match_decisions(pairs, decisions)
    compared = matcher_relations(pairs, None if clusters is None else dict(zip(clusters["id"], clusters["cluster"])))
    if len(pairs):
        pairs = pairs[pairs["decision"].isin(["match", "review"] if include_review else ["match"])]
    return pairs, compared


def _media_facts(media: pd.DataFrame | None) -> dict:
    """sha256 -> {attribute: value} of the :data:`MEDIA_ATTRS` columns ``media`` has."""
    facts = {}
    if media is not None and len(media):
        present = [c for c in MEDIA_ATTRS if c in media.columns]
        facts = {r["sha256"]: {c: val(r[c]) for c in present} for r in media.to_dict("records")}
    return facts


def _files(media: pd.DataFrame | None) -> dict:
    """sha256 -> ``(path, luma table)`` of the files ``media`` names a path for (the first-copy choice
    reads the JPEG lattice and re-saves of look-alike copies, :func:`kit.spread.first._re_encodes`)."""
    if media is None or not len(media) or "path" not in media:
        return {}
    tables = media["jpeg_luma_table"] if "jpeg_luma_table" in media else [None] * len(media)
    return {s: (val(p), t if isinstance(t, (list, tuple)) else None)
            for s, p, t in zip(media["sha256"], media["path"], tables) if val(p)}


def _lineage_tables(lineage: Any) -> tuple[dict, dict, dict]:
    """``(rows, root_like, own)`` from the lineage evidence: ``(u, v)`` -> pair row, media -> whether it
    looks like an origin, media -> share of the frame that is its own and that no other copy shows:
    the replaced region, or its own changes inside the picture less the part that the copy showing
    most of them shows alike (:func:`_shown_by_another`). A group's reference keeps its own changes
    whole: they are the regions most copies differ in (:func:`kit.spread.majority.reattribute`). The
    pair rows of a gray picture's copies say nothing of gray (:func:`_gray_picture`)."""
    rows: dict = {}
    root_like: dict = {}
    own: dict = {}
    if lineage is not None:
        gray_picture = _gray_picture(lineage.copies)
        for r in lineage.pairs.to_dict("records"):
            rows[(r["u"], r["v"])] = {**r, "gray_u": False, "gray_v": False} if gray_picture.get(r["u"]) else r
        shown = _shown_by_another(lineage.pairs)
        for r in lineage.copies.to_dict("records"):
            root_like[r["id"]] = bool(r["root_like"])
            shared = 0.0 if r["reference"] == r["id"] else shown.get(r["id"], 0.0)
            own[r["id"]] = max(0.0, float(val(r["replaced"]) or 0.0), float(val(r["own_share"]) or 0.0) - shared)
    return rows, root_like, own


def _gray_picture(copies: pd.DataFrame) -> dict:
    """Media -> whether its group's picture is gray: its reference holds no colour, or most of the
    group's copies hold none (the reference is then a copy whose filter or contrast boost lifted the
    chroma of a near-gray photo: no_time_no_links seed 100, 16 of 24 copies gray, the origin among
    them, under a contrast-boosted reference); not where two copies or more hold clear colour against
    the reference (:data:`kit.spread.cost.COLOUR_CLEAR`; a lift measures 2-6): colour is never regained,
    so the gray ones are a grayscale or sepia branch (no_time_no_links seed 0: 25 of 39 copies under a
    sepia copy, the colour origin and its 13 other children 12-18). Gray is a copy's own change only
    where the picture has colour: in a gray photo every copy is gray, and a copy that adds a coloured
    logo or caption bar "has colour" without regaining any (on the spread benchmark: a colour-regained
    conflict against the gray original, its children under a sibling measured as colour)."""
    gray = {i: bool(val(g)) for i, g in zip(copies["id"], copies["gray"])}
    refs = [val(r) for r in copies["reference"]]  # None where a copy was not registered
    tally: dict = {}  # reference -> (copies, gray copies, copies of clear colour)
    for i, ref, c in zip(copies["id"], refs, copies["colour"]):
        n, k, clear = tally.get(ref, (0, 0, 0))
        colour = not gray.get(i, False) and (val(c) or 0.0) >= COLOUR_CLEAR
        tally[ref] = (n + 1, k + gray.get(i, False), clear + colour)
    return {i: ref is not None and tally[ref][2] < 2 and (gray.get(ref, False) or tally[ref][1] > tally[ref][0] / 2)
            for i, ref in zip(copies["id"], refs)}


def _shown_by_another(pairs: pd.DataFrame) -> dict:
    """Media -> the largest share of the frame of its own changes inside the picture that one other copy
    shows pixel for pixel (``inherited`` less ``inherited_out`` of the pair rows it is ``u`` of). A
    copy's own changes are measured against its group's reference; where that reference is a
    descendant (a crop, a copy with meme text), the original and the copies between "change" the
    picture back, and their other children show those changes too. The source photo of a composite
    has a region no copy shows: every copy carries the pasted one there."""
    if not len(pairs):
        return {}
    inside = pd.to_numeric(pairs["inherited"], errors="coerce").fillna(0.0) \
        - pd.to_numeric(pairs["inherited_out"], errors="coerce").fillna(0.0)
    return inside.groupby(pairs["u"]).max().clip(lower=0.0).to_dict()


def _members(G: nx.DiGraph, ids: list) -> dict:
    """Variant group -> its posts with media, in post order."""
    members: dict = {}
    for pid in ids:
        g = G.nodes[pid]["variant"]
        if g is not None and G.nodes[pid]["media_sha256"]:
            members.setdefault(g, []).append(pid)
    return members


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


def _typed_relations(G: nx.DiGraph, compared: pd.DataFrame, lineage: Any, first: dict) -> None:
    """The ``source`` / ``donor`` edges (:func:`add_relations`) of the matcher's composite pairs and of
    the lineage evidence's relations."""
    if lineage is not None and getattr(lineage, "relations", None) is not None:
        compared = pd.concat([compared, lineage.relations], ignore_index=True) if len(compared) \
            else lineage.relations
    if len(compared):
        add_relations(G, compared, first)


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
