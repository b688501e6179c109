"""Each variant group's first copy: the post its spread started from, and the material before it.

Private to :mod:`kit.spread.build` (whose module doc states the rules): :func:`_first_copies` picks
each group's first copy (:func:`_first_copy`: the media every other copy could have been made from,
unless time is clear), marks the posts published before it that are the material of the fake
(:func:`_material`), and :func:`_when` is the sort key of a post's time that the tracer orders by.

Examples
--------
>>> import pandas as pd
>>> _when({"posted_at": pd.Timestamp("2026-01-01T00:00Z"), "time_source": "platform"})
(False, 1767225600.0)
>>> _when({"posted_at": None})
(True, 0.0)
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kit.spread.cost import lineage_cost
from kit.spread.lattice import carries, lattice_from, luma_of, table_of
from kit.spread.orient import TIME_RELIABILITY
from kit.spread.resave import PREFILTER, requantised_miss, resaved, size_of
from kit.values import present

CLEAR_S = 1800.0  # reported times are off by minutes: a gap over this is clear
MATERIAL_S = 7 * 86400.0  # a photo posted this much earlier is what a fake was made from
OWN_MAX = 0.02  # a region of its own over this share of the frame: the material, not a copy


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


def _first_copies(G: nx.DiGraph, members: dict, rows: dict, own: dict, support: dict | None = None,
                  conflict: dict | None = None, files: dict | None = None) -> dict:
    """Group -> its first copy (:func:`_first_copy`; again among the other media while the one it
    chose was posted a week before all of them, :func:`_alone_before`), marked on the node with
    ``first_copy`` and ``first_copy_why``. ``support`` / ``conflict``: the cost weights
    (:func:`kit.spread.cost.lineage_cost`); ``files``: media -> (path, luma table), for :func:`_re_encodes`."""
    conflict_of = {key: lineage_cost(r, support=support, conflict=conflict)[1] for key, r in rows.items()}
    first = {}
    for g, m in members.items():
        rest = m
        while True:
            first[g], why = _first_copy(G, rest, conflict_of, own, files=files)
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


def _re_encodes(near: set, total: dict, files: dict | None) -> tuple[set, dict, dict]:
    """The look-alike files ``near`` without those re-encoded from another group file, each replaced by
    the file it was made from (a re-encode is never the first copy of its source, whatever its quality
    or time): a JPEG that carries another's quantisation lattice (:func:`kit.spread.lattice.carries`:
    re-encoded at finer steps) gives way to, of the files with that table, the one every other copy
    could best have been made from (``total``: media -> summed conflict); one that saving another file
    again at its settings gives back (:func:`kit.spread.resave.resaved`: a re-save at the same size,
    at any steps) to that file. ``files``: media -> ``(path, luma table or None)``; the lattice reads
    only the candidates' own files. ``(candidates, {re-encode: the file it was made from}, {re-encode:
    "lattice" or "resave"})``."""
    if not files:
        return set(near), {}, {}
    coef: dict = {}
    lat: dict = {}
    tables: dict = {}
    sizes: dict = {}

    def luma(m: str) -> Any:  # each file's coefficients read once, for its lattice and its re-saves
        if m not in coef:
            coef[m] = luma_of(files[m][0]) if m in files and files[m][0] else None
        return coef[m]

    def of(m: str) -> Any:
        if m not in lat:
            lat[m] = lattice_from(luma(m))
        return lat[m]

    def table(m: str) -> Any:  # the metadata step's table, else the file's own
        if m not in tables:
            t = table_of(files[m][1]) if m in files and files[m][1] is not None else None
            tables[m] = t if t is not None else (None if of(m) is None else of(m).q)
        return tables[m]

    def resave(b: str, a: str) -> bool:  # the size, a quick look in the coefficients, the full re-save then
        for m in (a, b):
            if m not in sizes:
                sizes[m] = size_of(files[m][0]) if m in files and files[m][0] else None
        if sizes[a] is None or sizes[a] != sizes[b] or luma(a) is None or luma(b) is None:
            return False
        r = requantised_miss(luma(b), luma(a))
        return r is not None and r <= PREFILTER and resaved(files[b][0], files[a][0])[0]

    cands, out, todo, how = set(near), {}, sorted(near), {}
    while todo:
        b = todo.pop(0)
        if of(b) is None:
            continue
        for a in sorted(total, key=lambda m: (total[m], m)):
            if a == b or a in out:
                continue
            if carries(of(b), table(a))[0]:
                how[b] = "lattice"
                a = min((m for m in total if m != b and m not in out and table(m) is not None
                         and np.array_equal(table(m), table(a))), key=lambda m: (total[m], m))
            elif resave(b, a):
                how[b] = "resave"
            else:
                continue
            out[b] = a
            cands.discard(b)
            if a not in cands:
                cands.add(a)
                todo.append(a)
            break
    return (cands, out, how) if cands else (set(near), {}, {})


def _first_copy(G: nx.DiGraph, posts: list, conflict_of: dict, own: dict | None = None, cap: float = 5.0,
                tie: float = 1.0, files: dict | None = None) -> tuple[str, str]:
    """The group's first copy: the media every other copy could have been made from (the least
    summed conflict as their parent, each capped at ``cap``: an origin carries no change that a
    copy lacks; media within ``tie`` of the best count alike, the earliest seen of them, without
    times the one with the finest JPEG quantisation: every re-encode loses; an unknown time orders
    nothing, so where some of them have no time, the quantisation decides between those and the
    earliest dated one; a look-alike whose JPEG carries another's quantisation, or that a re-save of
    another's file gives back, was re-encoded from it, :func:`_re_encodes`, and is none of them),
    then, of its identical posts within :data:`CLEAR_S` of the earliest dated one (or undated), the
    one most exports name as their source, then the earliest (reported times can be off by minutes:
    the posts that share it name the original; a post hours after the file's first post is a later
    share of it, however many links name it).

    Time overrules that choice where it is clear: the earliest post of the group with a platform
    time more than :data:`CLEAR_S` before it (beyond the minutes reported times are off) that is no
    material (below) is the first copy. In a chain of reposts most copies inherit the first edit, so
    the majority, and the copy that looks least edited against it, are descendants. Not when it is
    over :data:`MATERIAL_S` older (a photo posted a week before is what a fake was made from, not its
    first post) or has a region of its own over :data:`OWN_MAX` of the frame that no other copy shows
    (``own``: media -> share of the frame, the larger of the lineage's replaced region and the own
    changes no other copy shows alike, :func:`kit.spread.build._lineage_tables`): the composite's
    source photo lacks the pasted region every copy carries. Returns the post and the sentence that
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
    cands, later, how = _re_encodes(near, total, files)
    alike = [p for p in posts if G.nodes[p]["media_sha256"] in cands]
    early = min(alike, key=lambda p: (*_when(G.nodes[p]), -_quality(G.nodes[p]), p))
    if not _when(G.nodes[early])[0]:  # the earliest dated one, beside those without a time
        early = min([early, *(p for p in alike if _when(G.nodes[p])[0])],
                    key=lambda p: (-_quality(G.nodes[p]), *_when(G.nodes[p]), p))
    same = [p for p in posts if G.nodes[p]["media_sha256"] == G.nodes[early]["media_sha256"]]
    dated = [_when(G.nodes[p])[1] for p in same if not _when(G.nodes[p])[0]]
    same = [p for p in same if _when(G.nodes[p])[0] or _when(G.nodes[p])[1] - min(dated) <= CLEAR_S]
    first = min(same, key=lambda p: (-named.get(p, 0), *_when(G.nodes[p]), p))
    by_time = _by_time(G, posts, first, own, later)
    if by_time is not None:
        return _named_source(G, posts, *by_time)
    why = ("the first copy of its group: its picture is the one every other copy could have been made from, "
           "and this is its earliest post")
    if later:
        names: dict = {}
        for p in sorted(posts, key=lambda p: (*_when(G.nodes[p]), p)):  # each file by its earliest post
            names.setdefault(G.nodes[p]["media_sha256"], p)
        why += "; " + "; ".join(
            f"{names[b]} looks alike but " + (f"its JPEG carries {names[a]}'s quantisation" if how[b] == "lattice" else
                                               f"saving {names[a]}'s file again at its JPEG settings gives it back")
            + ": re-encoded from it" for b, a in sorted(later.items(), key=lambda kv: names[kv[0]]))
    return _named_source(G, posts, first, why)


def _by_time(G: nx.DiGraph, posts: list, first: str, own: dict | None, later: dict) -> tuple[str, str] | None:
    """The earliest post of the group with a platform time more than :data:`CLEAR_S` before ``first``
    that is no material (:func:`_is_material`) and no re-encode of another copy (``later``), with the
    sentence that says why; None when there is none. Where ``first`` has no time, a re-encode of its
    file that has one stands in for it: the file existed before that post."""
    ref = first
    if _when(G.nodes[first])[0]:
        heirs = [p for p in posts if later.get(G.nodes[p]["media_sha256"]) == G.nodes[first]["media_sha256"]
                 and not _when(G.nodes[p])[0]]
        ref = min(heirs, key=lambda p: (*_when(G.nodes[p]), p)) if heirs else first
    timed = [p for p in posts if not _when(G.nodes[p])[0]
             and TIME_RELIABILITY.get(str(G.nodes[p].get("time_source")), 0.0) >= 1.0]
    if not timed or _when(G.nodes[ref])[0]:
        return None
    for e in sorted(timed, key=lambda p: (*_when(G.nodes[p]), p)):  # the earliest post that is no material
        gap = _when(G.nodes[ref])[1] - _when(G.nodes[e])[1]
        if gap <= CLEAR_S:
            return None
        if _is_material(gap, (own or {}).get(G.nodes[e]["media_sha256"], 0.0)) \
                or G.nodes[e]["media_sha256"] in later:
            continue
        said = "" if ref == first else f", a re-encode of the file of {first} (which has no time)"
        return e, (f"the first copy of its group by time: posted {gap / 3600:.1f} h before {ref}{said}, the copy "
                   "that looks least edited (in a chain of reposts most copies inherit the first edit, so the "
                   "least edited-looking copy can be a descendant)")
    return None


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
