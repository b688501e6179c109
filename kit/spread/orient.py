"""Direction cues: which of two matched copies was derived from the other.

:func:`direction_cues` compares two posts (node attribute dicts) and their
match row and returns signed cues in ``[-1, 1]``; positive means "``u`` is the
parent of ``v``". :func:`direction_probability` combines them with weights
into P(u -> v).

Cues (each skipped, i.e. absent from the result, when its inputs are missing):

``time``
    ``reliability * tanh((t_v - t_u) / time_scale)`` (``time_scale`` 300 s
    by default: a few minutes apart is already a clear order; with 600 s a
    copy 1 minute older scored far below one 4 minutes older, which pulled
    identical copies onto the oldest post); reliability from the
    node attribute ``time_source``: ``platform`` 1.0 (default when
    ``posted_at`` is set), ``c2pa`` / ``exif`` 0.6, ``file`` 0.3, ``date`` / ``local`` 0.2, ``none`` 0.
    The weaker of the two reliabilities is used.
``resolution``
    ``tanh(log2(scale))`` with the verified transform's ``scale`` (a-pixels
    per b-pixel); platforms downscale, so the sharper copy is upstream.
``containment``
    From the transform's ``overlap_a`` / ``overlap_b`` (share of each image
    inside the other): the copy that holds all of the other is upstream
    (the other is a crop). A copy with *added* content (caption bar, frame,
    screenshot chrome) also holds less of the other: set the node attribute
    ``added_content=True`` (e.g. from ``kit.hashing.preprocess.content_box``)
    and this cue is replaced by ``added_content``.
``added_content``
    +1 when only ``v`` has added content, -1 when only ``u`` has.
``colour``
    From the transform's ``chroma_a`` / ``chroma_b`` (Lab colourfulness without the mean cast, see
    :mod:`kit.spread.content`): +1 when ``u`` has colour (>= 6) and ``v`` is
    grayscale (< 3): colour is lost downstream, never regained.
``quality``
    ``tanh((q_u - q_v) / 10)`` from the node attribute ``jpeg_quality``
    (each recompression lowers it).
``metadata``
    +1 when ``u`` has EXIF (``has_exif``) and ``v`` lost it, -1 reversed.
``c2pa``
    +1 when ``u`` has a C2PA manifest (``has_c2pa``) and ``v`` not; +1 (and
    final) when ``u``'s ``media_sha256`` is in ``v``'s ``c2pa_ingredients``.

Examples
--------
>>> import pandas as pd
>>> u = {"posted_at": pd.Timestamp("2026-01-01T00:00Z"), "jpeg_quality": 95}
>>> v = {"posted_at": pd.Timestamp("2026-01-01T00:10Z"), "jpeg_quality": 75}
>>> cues = direction_cues(u, v, {"transform": {"scale": 2.0, "overlap_a": 1.0, "overlap_b": 1.0}}, u_is_a=True)
>>> sorted(cues), round(direction_probability(cues), 3)
(['containment', 'quality', 'resolution', 'time'], 0.993)
"""

from __future__ import annotations

import math

import pandas as pd

from kit.values import is_missing

__all__ = ["CUE_WEIGHTS", "TIME_RELIABILITY", "direction_cues", "direction_probability"]

CUE_WEIGHTS = {"time": 3.0, "resolution": 1.5, "containment": 1.5, "added_content": 1.5, "quality": 1.0,
               "metadata": 1.0, "c2pa": 2.0, "colour": 2.0}
"""Default weight of each cue in :func:`direction_probability`."""

TIME_RELIABILITY = {"platform": 1.0, "c2pa": 0.6, "exif": 0.6, "file": 0.3, "date": 0.2, "local": 0.2, "none": 0.0}
"""How far a post time can be trusted for ordering, by its source: the platform's own UTC time; a
capture time from C2PA or EXIF; a file time; only the day (``date``, yt-dlp's ``upload_date``); a
local time in an unknown zone (``local``, an export's wall clock)."""


def _seconds(dt: object) -> float:
    if isinstance(dt, pd.Timedelta):
        return dt.total_seconds()
    if hasattr(dt, "total_seconds"):
        return float(dt.total_seconds())
    return float(dt)


def direction_cues(u: dict, v: dict, pair: dict | None = None, *, u_is_a: bool = True,
                   time_scale: float = 300.0) -> dict:
    """Signed cues in ``[-1, 1]`` that ``u`` is the parent of ``v`` (see the module doc).

    Parameters
    ----------
    u, v
        Node attribute dicts of the two posts.
    pair
        The match row (``transform`` used); None for identical files.
    u_is_a
        Whether ``u`` is the pair's ``a`` side (the transform maps b into a).
    time_scale
        Seconds over which the time cue saturates.
    """
    cues: dict = {}
    tu, tv = u.get("posted_at"), v.get("posted_at")
    if not is_missing(tu) and not is_missing(tv):
        rel = min(TIME_RELIABILITY.get(str(u.get("time_source") or "platform"), 0.0),
                  TIME_RELIABILITY.get(str(v.get("time_source") or "platform"), 0.0))
        if rel > 0:
            cues["time"] = rel * math.tanh(_seconds(tv - tu) / time_scale)
    tr = (pair or {}).get("transform") if pair is not None else None
    if isinstance(tr, dict):
        sign = 1.0 if u_is_a else -1.0
        scale = tr.get("scale")
        if scale and scale > 0:
            cues["resolution"] = sign * math.tanh(math.log2(scale))
        ou, ov = tr.get("overlap_a"), tr.get("overlap_b")
        if not u_is_a:
            ou, ov = ov, ou
        if ou is not None and ov is not None:
            cues["containment"] = max(-1.0, min(1.0, 5.0 * (ov - ou)))  # v inside u, u not inside v
        cu_, cv_ = tr.get("chroma_a"), tr.get("chroma_b")
        if not u_is_a:
            cu_, cv_ = cv_, cu_
        if cu_ is not None and cv_ is not None:
            if cu_ >= 6.0 and cv_ < 3.0:
                cues["colour"] = 1.0
            elif cv_ >= 6.0 and cu_ < 3.0:
                cues["colour"] = -1.0
    au, av = bool(u.get("added_content")), bool(v.get("added_content"))
    if au or av:
        cues.pop("containment", None)
        cues["added_content"] = float(av) - float(au)
    qu, qv = u.get("jpeg_quality"), v.get("jpeg_quality")
    if not is_missing(qu) and not is_missing(qv):
        cues["quality"] = math.tanh((float(qu) - float(qv)) / 10.0)
    eu, ev = u.get("has_exif"), v.get("has_exif")
    if eu is not None and ev is not None and bool(eu) != bool(ev):
        cues["metadata"] = 1.0 if eu else -1.0
    cu, cv = u.get("has_c2pa"), v.get("has_c2pa")
    if cu is not None and cv is not None and bool(cu) != bool(cv):
        cues["c2pa"] = 1.0 if cu else -1.0
    if u.get("media_sha256") and u.get("media_sha256") in (v.get("c2pa_ingredients") or ()):
        cues["c2pa"] = 1.0
    elif v.get("media_sha256") and v.get("media_sha256") in (u.get("c2pa_ingredients") or ()):
        cues["c2pa"] = -1.0
    return cues


def direction_probability(cues: dict, weights: dict | None = None) -> float:
    """P(u -> v) = logistic(sum of weight * cue); 0.5 without cues.

    Examples
    --------
    >>> direction_probability({}), round(direction_probability({"time": 1.0}), 3)
    (0.5, 0.953)
    """
    w = CUE_WEIGHTS if weights is None else {**CUE_WEIGHTS, **weights}
    z = sum(w.get(k, 0.0) * c for k, c in cues.items())
    return 1.0 / (1.0 + math.exp(-z))
