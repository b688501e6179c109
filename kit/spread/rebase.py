"""A group's global changes measured against its first copy, not against the copy it was registered on.

:func:`kit.spread.lineage.register_group` registers every copy of a variant
group on one copy, the *reference*, and measures each copy's global
characters against it: ``mirror``, ``rotation`` and ``colour`` (the colour
change). The reference is the copy closest to the group's consensus, and that
can be a repost whose branch outvotes the original (all_edited seed 1: the
group was registered on a mirrored repost with 32 of its 47 copies below it).
Measured against it the origin, timed first, is the mirrored one, and each
unmirrored child of it "would have to be mirrored back" (3.0); the same with a
turn or a colour filter that a big branch inherited.

The lineage pairs are measured against the reference; the tracer believes the
group's *first copy* (:func:`kit.spread.first._first_copies`: by content, or
by time where time is clear) is the original, so :func:`against_first_copy`
re-expresses the global characters of each pair row against it: a copy is
mirrored when its mirror state differs from the first copy's; it is turned by
its turn less the first copy's, or the other way round where the first copy is
the mirrored one (each copy maps onto the reference as a turn after its mirror,
so onto the first copy as ``F^mf R(r - rf) F^m``); and its colour change is its
distance from the first copy's colour (the pair row of the copy and the first
copy holds it). Then a change the first copy lacks is the changed copies' own,
the ones that carry it support each other, and no child of the first copy is
charged with undoing it. A copy that differs from the first copy in one of
these is no longer "like an origin" (``root_like``), so its byte-identical
shares count as shares of a changed file. Where the first copy is the
reference nothing changes (and nothing is copied).

Examples
--------
>>> plain = {"mirror_u": False, "mirror_v": False, "rotation_u": 0.0, "rotation_v": 0.0,
...          "colour_u": 0.0, "colour_v": 0.0, "colour_uv": 0.0}
>>> rows = {("o", "r"): {**plain, "colour_u": 12.0, "colour_uv": 12.0},
...         ("r", "o"): {**plain, "colour_v": 12.0, "colour_uv": 12.0}}
>>> based, like = against_first_copy(rows, {0: ("o", {"o", "r"})}, {"o": False, "r": True})
>>> based[("o", "r")]["colour_u"], based[("o", "r")]["colour_v"], like["r"]
(0.0, 12.0, False)
"""

from __future__ import annotations

from kit.spread.cost import FILTER, ROT

__all__ = ["against_first_copy"]


def _characters(rows: dict, f: str, media: set) -> dict:
    """media -> (mirror, rotation) against the reference and colour distance from ``f``, read from
    the pair rows with ``f`` (a media without such a row is left out)."""
    out = {}
    for x in media:
        if x == f:
            r = next((rows[(f, y)] for y in media if (f, y) in rows), None)
            if r is not None:
                out[x] = (bool(r["mirror_u"]), float(r["rotation_u"]), 0.0)
        elif (x, f) in rows:
            r = rows[(x, f)]
            out[x] = (bool(r["mirror_u"]), float(r["rotation_u"]), float(r["colour_uv"]))
    return out


def against_first_copy(rows: dict, groups: dict, root_like: dict) -> tuple[dict, dict]:
    """``(rows, root_like)`` with every pair row's ``mirror_*``, ``rotation_*`` and ``colour_u`` /
    ``colour_v`` measured against its group's first copy (module doc). ``rows``: (u media, v media)
    -> lineage pair row; ``groups``: group -> (first copy's media, the group's media); ``root_like``:
    media -> whether it looks like an origin. The inputs are not changed."""
    based, like = dict(rows), dict(root_like)
    for f, media in groups.values():
        seen = _characters(rows, f, set(media))
        if f not in seen or len(seen) < 2:
            continue
        mf, rf, _ = seen[f]
        if not mf and abs(rf) < 1e-6 and all(abs(c - float(rows[(x, f)]["colour_u"])) < 1e-6
                                             for x, (_, _, c) in seen.items() if x != f):
            continue  # the first copy is the reference: nothing moves
        # a copy maps onto the reference as R(r) F^m (its mirror F first): onto the first copy as
        # F^mf R(r - rf) F^m, a turn by r - rf, or by rf - r where the first copy is the mirrored one
        rel = {x: (m != mf, rf - r if mf else r - rf, c) for x, (m, r, c) in seen.items()}
        for x, (m, r, c) in rel.items():
            if x != f and (m or abs(r) > ROT or c > FILTER):
                like[x] = False
        for u in rel:
            for v in rel:
                row = rows.get((u, v))
                if row is not None:
                    based[(u, v)] = {**row, "mirror_u": rel[u][0], "mirror_v": rel[v][0], "rotation_u": rel[u][1],
                                     "rotation_v": rel[v][1], "colour_u": rel[u][2], "colour_v": rel[v][2]}
    return based, like
