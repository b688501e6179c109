"""What one copy's evidence says about a candidate parent: support, conflict, and the reasons.

:func:`lineage_cost` reads one :func:`kit.spread.lineage.pair_lineage` row
(``u`` the candidate parent, ``v`` the child) and returns the *support* (what
``v`` inherited from ``u``: changes only ``u``'s line has) and the *conflict*
(what ``v`` would have had to undo to be made from ``u``), each a sum of
cues with a stated meaning, in units of "log odds" (a cue of 2 makes the
parent about e^2 = 7 times likelier):

support (:data:`SUPPORT`)
    ``marks`` / ``additions``: ``u``'s own changes that ``v`` shows pixel for
    pixel, inside the picture (text, logo, sticker, a replaced region) or
    around it (caption bar, frame, app chrome; weighed less: app chrome and
    letterboxes follow templates), ``log1p(area / 0.2 %)`` of the frame each
    (from 1 % of the frame up, :data:`MARK_MIN`: below that, two re-encodes of one
    picture share noise and tone-mapping residue; on the spread benchmark 216 of the
    267 edges supported by a shared mark under 1 % hung a post from the wrong parent),
    times the squared share of ``u``'s changed pixels that ``v`` shows alike
    rather than otherwise (two screenshots of one post in one app agree on
    the chrome and differ in its text);
    ``crop``: each crop edge of ``u`` that ``v`` shares (two independent crops
    rarely share an edge); ``mirror``, ``rotation``, ``filter``, ``gray``:
    ``u``'s global change that ``v`` has too; ``resolution``: ``v`` shows the
    picture at ``u``'s resolution (pixels per picture pixel within 2 %) and ``u``
    lost resolution (under 90 % of ``scale_full``, the group's full resolution:
    the largest scale that several copies share): two independent resizes rarely
    land on one size, a copy made from ``u`` without resizing keeps it. Not when
    ``v`` re-renders the picture in a larger frame (a screenshot, a letterbox).
conflict (:data:`CONFLICT`)
    ``lacking``: ``u``'s changes where ``v`` shows the original picture;
    ``overwritten``: where ``v`` shows other changes instead; ``uncovered``:
    picture that ``v`` shows and ``u`` does not hold (an un-crop);
    ``cut_addition``: ``u``'s caption bar / frame cut off exactly with no
    picture; ``unmirrored``, ``unrotated``, ``unfiltered``: ``u``'s global
    change undone (a colour filter not where ``v`` is gray: going gray removes
    any filter, so a gray copy says nothing of its parent's colour either way);
    ``colour_regained``: ``v`` has colour and ``u`` is gray;
    ``resolution_gained``: ``v`` is sharper than ``u`` (``log2`` of the ratio
    above 7 %; not counted when ``v`` re-renders the picture in a larger frame than
    ``u`` has, as a screenshot or a letterbox does: within a frame no larger than
    ``u``'s, a sharper picture was not made from ``u``).

Nothing here rewards a post for being recent or popular; time enters
:func:`kit.spread.build` only as an ordering constraint
(:func:`time_penalty`).

Examples
--------
>>> row = {"inherited": 0.10, "inherited_out": 0.10, "lacking": 0.0, "overwritten": 0.0, "uncovered": 0.0,
...        "lacking_sides": 0, "shared_edges": 0, "mirror_u": False, "mirror_v": False, "rotation_u": 0.0,
...        "rotation_v": 0.0, "scale_u": 1.0, "scale_v": 0.8, "gray_u": False, "gray_v": False,
...        "colour_u": 0.1, "colour_v": 0.1, "colour_uv": 0.0, "added_u": 0.1, "added_v": 0.1}
>>> s, c, why, against = lineage_cost(row)
>>> round(s, 2), c, why
(3.93, 0.0, ['carries its additions around the picture (caption bar, frame or app chrome) over 10.0 % of the frame'])
"""

from __future__ import annotations

import math

import pandas as pd

from kit.spread.orient import TIME_RELIABILITY

__all__ = ["CONFLICT", "SUPPORT", "lineage_cost", "time_penalty"]

SUPPORT = {"marks": 1.5, "additions": 1.0, "crop": 0.8, "mirror": 1.0, "rotation": 1.5, "filter": 1.2, "gray": 1.0,
           "resolution": 1.0}
"""Weight of each support cue (module doc)."""
CONFLICT = {"lacking": 2.0, "overwritten": 1.5, "uncovered": 2.0, "cut_addition": 3.0, "unmirrored": 3.0,
            "unrotated": 3.0, "unfiltered": 2.0, "colour_regained": 5.0, "resolution_gained": 4.0}
"""Weight of each conflict cue (module doc)."""
AREA0 = 0.002  # 0.2 % of the frame: the smallest mark worth a unit of evidence
MARK_MIN = 0.01  # shared marks below 1 % of the frame: re-encoding residue agrees by chance (module doc)
ROT = 0.8      # degrees: a rotation worth naming
FILTER = 1.5   # size of a colour change worth naming (lineage ``colour`` units)
COLOUR_CLEAR = 8.0  # a colour change this large against a gray reference is colour it lacks, not a lift
SAME_RES = 0.02  # |log| of the scale ratio: the same resolution (fits agree to 0.1 %; resizes are 15-55 %)
LOST_RES = 0.9   # a copy under this share of the group's full resolution was resized


def _g(area: float) -> float:
    return math.log1p(max(float(area), 0.0) / AREA0)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def lineage_cost(row: dict, *, support: dict | None = None, conflict: dict | None = None) -> tuple:
    """``(support, conflict, reasons_for, reasons_against)`` for one lineage row (module doc)."""
    ws, wc = {**SUPPORT, **(support or {})}, {**CONFLICT, **(conflict or {})}
    s = c = 0.0
    why: list = []
    against: list = []
    inh, out = float(row["inherited"]), float(row.get("inherited_out") or 0.0)
    inside = max(inh - out, 0.0)
    over = float(row.get("overwritten") or 0.0)
    agree = (inh / (inh + over)) ** 2 if inh > 0 else 0.0  # two app screenshots share a template, not a file
    if inh >= MARK_MIN:
        s += agree * (ws["marks"] * _g(inside) + ws["additions"] * _g(out))
        if out >= 0.5 * inh:
            why.append(f"carries its additions around the picture (caption bar, frame or app chrome) over {_pct(inh)}"
                       " of the frame")
        elif out > 0:
            why.append(f"carries its marks on the picture (text, logo, sticker) and around it over {_pct(inh)} "
                       "of the frame")
        else:
            why.append(f"carries its marks on the picture (text, logo, sticker) over {_pct(inside)} of the frame")
    n = int(row.get("shared_edges") or 0)
    if n:
        s += ws["crop"] * n
        why.append(f"shares {n} of its crop edge{'s' if n > 1 else ''}")
    mu, mv = bool(row["mirror_u"]), bool(row["mirror_v"])
    if mu and mv:
        s += ws["mirror"]
        why.append("is mirrored like it")
    elif mu and not mv:
        c += wc["unmirrored"]
        against.append("would have to be mirrored back")
    ru, rv = float(row["rotation_u"]), float(row["rotation_v"])
    if abs(ru) > ROT and abs(rv - ru) < 0.5:
        s += ws["rotation"]
        why.append(f"is rotated like it ({ru:+.1f} deg)")
    elif abs(ru) > ROT and abs(rv) < 0.5 * ROT:
        c += wc["unrotated"]
        against.append(f"would have to undo its {ru:+.1f} deg rotation")
    gu, gv = bool(row["gray_u"]), bool(row["gray_v"])
    cu, cv, cuv = float(row["colour_u"]), float(row["colour_v"]), float(row["colour_uv"])
    if gu and not gv:
        c += wc["colour_regained"]
        against.append("has colour where the candidate is gray (colour is never regained)")
    elif gu and gv:
        s += ws["gray"]
        why.append("is gray like it")
    elif gv:
        pass  # v went gray (grayscale or sepia): that removes any colour filter of u's, so v says nothing of it
    elif cu > FILTER and cuv < 0.4 * cu:
        s += ws["filter"]
        why.append("has its colour filter")
    elif cu > FILTER and cv < 0.3 * cu:
        c += wc["unfiltered"]
        against.append("would have to undo its colour filter")
    for key, text in (("lacking", "lacks its marks where it shows the original picture"),
                      ("overwritten", "shows other changes where it has its marks"),
                      ("uncovered", "shows picture it does not hold (an un-crop)")):
        a = float(row.get(key) or 0.0)
        if a > 0 and _g(a) >= 0.5:
            c += wc[key] * _g(a)
            against.append(f"{text} over {_pct(a)} of the frame")
    k = int(row.get("lacking_sides") or 0)
    if k:
        c += wc["cut_addition"] * k
        against.append(f"would have had to cut off its addition{'s' if k > 1 else ''} on {k} side"
                       f"{'s' if k > 1 else ''} exactly, with no picture")
    su, sv = float(row["scale_u"] or 0.0), float(row["scale_v"] or 0.0)
    added_v = float(row.get("added_v") or 0.0)
    if su > 0 and sv > 0 and added_v < float(row.get("added_u") or 0.0) + 0.05:  # no larger frame of v's own
        gain = math.log2(sv / su) - 0.1
        if gain > 0:
            c += wc["resolution_gained"] * gain
            against.append(f"is sharper ({sv / su:.2f}x its resolution)")
        full = float(row.get("scale_full") or 0.0)
        if full > 0 and su < LOST_RES * full and abs(math.log(sv / su)) < SAME_RES:
            s += ws["resolution"]
            why.append(f"has its resolution ({su / full:.2f} of the picture's full size)")
    return s, c, why, against


def time_penalty(u: dict, v: dict, *, weight: float = 6.0, tau_min: float = 60.0) -> tuple[float, float | None]:
    """``(penalty, gap_s)``: ``v`` posted before ``u`` costs ``weight * reliability * min(1, early / tau)``.

    ``gap_s`` is ``v``'s time minus ``u``'s in seconds (None when either is unknown). Time is an
    ordering constraint only: a parent posted long before its child costs nothing more than one
    posted a minute before. Reliability from ``time_source`` (:data:`kit.spread.orient.TIME_RELIABILITY`).

    Examples
    --------
    >>> t = pd.Timestamp("2026-01-01T00:00Z")
    >>> time_penalty({"posted_at": t}, {"posted_at": t + pd.Timedelta(hours=5)})
    (0.0, 18000.0)
    >>> time_penalty({"posted_at": t + pd.Timedelta(minutes=30)}, {"posted_at": t})
    (3.0, -1800.0)
    """
    tu, tv = u.get("posted_at"), v.get("posted_at")
    if tu is None or tv is None or pd.isna(tu) or pd.isna(tv):
        return 0.0, None
    try:
        gap = float(tv.timestamp() - tu.timestamp())
    except (AttributeError, OverflowError, ValueError, OSError):
        return 0.0, None
    rel = min(TIME_RELIABILITY.get(str(u.get("time_source") or "platform"), 0.0),
              TIME_RELIABILITY.get(str(v.get("time_source") or "platform"), 0.0))
    if gap >= 0 or rel <= 0:
        return 0.0, gap
    return float(weight * rel * min(1.0, -gap / 60.0 / tau_min)), gap
