"""The spread graph (hierarchical layout, time along x) and the timeline."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.safetext import html_text

__all__ = ["EDGE_STYLES", "PLATFORM_COLOURS", "spread_layout", "spread_figure", "timeline_figure", "colour"]

PLATFORM_COLOURS = {"x": "#222222", "twitter": "#222222", "facebook": "#3b5fc0", "telegram": "#27a7e7",
                    "instagram": "#c13584"}
_OTHER_COLOURS = ["#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]
EDGE_STYLES = {"explicit": {"color": "#888888", "dash": "solid", "width": 1.2},
               "inferred": {"color": "#e08214", "dash": "dash", "width": 1.2},
               "analyst": {"color": "#1a9850", "dash": "solid", "width": 3.0},
               "source": {"color": "#b2182b", "dash": "dot", "width": 2.0},
               "donor": {"color": "#762a83", "dash": "dot", "width": 2.0}}
"""Line style of each edge ``kind``; a composite's ``source`` / ``donor`` edges (``relation``) have their own."""


def colour(platform: Any, n: int = 0) -> str:
    return PLATFORM_COLOURS.get(str(platform).lower(), _OTHER_COLOURS[n % len(_OTHER_COLOURS)])



def _hours(g: Any, time_attr: str) -> dict[Hashable, float]:
    times = {n: g.nodes[n].get(time_attr) for n in g}
    known = [pd.Timestamp(t) for t in times.values() if t is not None and not pd.isna(t)]
    t0 = min(known) if known else None
    out = {}
    for n, t in times.items():
        out[n] = float("nan") if (t is None or pd.isna(t) or t0 is None) else \
            (pd.Timestamp(t) - t0).total_seconds() / 3600.0
    return out


def spread_layout(g: Any, *, time_attr: str = "posted_at") -> dict[Hashable, tuple[float, float]]:
    """Hierarchical positions ``{node: (x, y)}``: x = hours since the first post, y = tidy-tree row.

    Roots are taken in time order; each tree is laid out depth-first with
    children in time order, a leaf per row and a parent at the middle of its
    children's rows. A node without a time is placed just right of its parent
    (or at x = 0). Only the first parent of a node with several is followed;
    cycles are broken.
    """
    hours = _hours(g, time_attr)
    key = lambda n: (np.inf if np.isnan(hours[n]) else hours[n], str(n))  # noqa: E731
    parent: dict[Hashable, Hashable] = {}
    for n in g:  # the repost tree: a composite's source and donor edges do not place nodes
        preds = sorted((p for p in g.predecessors(n) if g.edges[p, n].get("relation", "copy") == "copy"), key=key)
        if preds:
            parent[n] = preds[0]
    children: dict[Hashable, list] = {n: [] for n in g}
    for c, p in parent.items():
        children[p].append(c)
    roots = sorted((n for n in g if n not in parent), key=key)
    pos: dict[Hashable, tuple[float, float]] = {}
    row = 0.0

    def place(n: Hashable, px: float) -> float:  # iterative would be needed beyond ~900 levels
        nonlocal row
        x = hours[n] if not np.isnan(hours[n]) else px
        kids = sorted((c for c in children[n] if c not in pos), key=key)
        pos[n] = (x, row)
        if not kids:
            row += 1.0
            return pos[n][1]
        ys = [place(c, x) for c in kids]
        y = (ys[0] + ys[-1]) / 2.0
        pos[n] = (x, y)
        return y

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * len(g) + 100))
    try:
        for r in roots + sorted((n for n in g if n not in roots), key=key):  # cycles: nodes left over
            if r not in pos:
                place(r, 0.0)
    finally:
        sys.setrecursionlimit(limit)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def _node_size(g: Any, n: Hashable, size_by: str | None) -> float:
    d = g.nodes[n]
    if size_by == "descendants":
        v = float(d.get("descendants", 0) or 0)
    elif size_by == "engagement":
        v = sum(float(d.get(k) or 0) if not pd.isna(d.get(k)) else 0.0 for k in ("likes", "shares"))
        v = v / 50.0
    else:
        return 9.0
    return float(min(30.0, 6.0 + 2.5 * np.sqrt(v)))


def spread_figure(g: Any, *, size_by: str | None = "descendants", until: Any = None,
                  selected: Hashable | None = None, positions: Mapping | None = None,
                  time_attr: str = "posted_at", title: str | None = None) -> Any:
    """The spread graph: nodes coloured by platform, edges styled by ``kind``.

    Parameters
    ----------
    g
        networkx DiGraph, edges parent -> child with attribute ``kind``
        (``explicit`` / ``inferred`` / ``analyst``); node attributes
        ``platform``, ``account``, ``posted_at``, optionally ``descendants``,
        ``likes``, ``shares``.
    size_by
        ``"descendants"``, ``"engagement"`` or None (all the same size).
    until
        A timestamp: posts after it are drawn faint and their edges hidden
        (the replay of the time slider). The traces stay the same, so a
        widget can update them in place.
    selected
        A node drawn with a thick black ring.
    positions
        Precomputed :func:`spread_layout`.

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace per edge kind present, then one marker trace per
        platform whose ``customdata`` holds the node ids.
    """
    import plotly.graph_objects as go

    pos = dict(positions) if positions is not None else spread_layout(g, time_attr=time_attr)
    cut = None if until is None or pd.isna(until) else pd.Timestamp(until)
    shown = {n: cut is None or (not pd.isna(g.nodes[n].get(time_attr))
                                and pd.Timestamp(g.nodes[n][time_attr]) <= cut) for n in g}
    fig = go.Figure()
    def style_of(d: dict) -> str:
        rel = d.get("relation", "copy")
        return rel if rel in ("source", "donor") else d.get("kind", "explicit")

    kinds = sorted({style_of(d) for _, _, d in g.edges(data=True)},
                   key=lambda k: list(EDGE_STYLES).index(k) if k in EDGE_STYLES else 9)
    for kind in kinds:
        xs: list = []
        ys: list = []
        for u, v, d in g.edges(data=True):
            if style_of(d) != kind or not (shown[u] and shown[v]):
                continue
            (x0, y0), (x1, y1) = pos[u], pos[v]
            xs += [x0, x0, x1, None]  # elbow: down the parent's time, then across to the child
            ys += [y0, y1, y1, None]
        style = EDGE_STYLES.get(kind, {"color": "#555", "dash": "dot", "width": 1.0})
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=kind, hoverinfo="skip", line=style,
                                 legendgroup="edges"))
    platforms = sorted({str(g.nodes[n].get("platform", "")) for n in g})
    for i, plat in enumerate(platforms):
        nodes = [n for n in g if str(g.nodes[n].get("platform", "")) == plat]
        text = []
        for n in nodes:
            d = g.nodes[n]
            when = d.get(time_attr)
            when = "time unknown" if when is None or pd.isna(when) else pd.Timestamp(when).strftime(
                "%Y-%m-%d %H:%M UTC")
            text.append(f"<b>{html_text(n)}</b> {html_text(d.get('account', ''))}<br>{html_text(plat)} · "
                        f"{when}<br>descendants: {html_text(d.get('descendants', 0))}")
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers", name=html_text(plat) or "?",
            customdata=[str(n) for n in nodes], hovertext=text, hoverinfo="text",
            marker={"color": colour(plat, i), "size": [_node_size(g, n, size_by) for n in nodes],
                    "opacity": [0.95 if shown[n] else 0.08 for n in nodes],
                    "line": {"color": ["black" if n == selected else "white" for n in nodes],
                             "width": [3 if n == selected else 0.5 for n in nodes]}}))
    n_rows = max((y for _, y in pos.values()), default=0) + 1
    fig.update_layout(
        title=title, template="plotly_white", clickmode="event", hovermode="closest",
        height=int(min(4000, max(420, 9 * n_rows + 120))), margin={"l": 20, "r": 20, "t": 60, "b": 20},
        xaxis={"title": "hours since the first post", "zeroline": False, "side": "top"},
        yaxis={"visible": False, "autorange": "reversed"}, legend={"x": 1.0, "y": 1.0, "xanchor": "left"},
    )
    return fig


def timeline_figure(posts: pd.DataFrame, *, until: Any = None, time_col: str = "posted_at",
                    by: str = "platform") -> Any:
    """Cumulative posts over time, one step line per ``by`` value, a marker line at ``until``.

    >>> df = pd.DataFrame({"posted_at": pd.to_datetime(["2026-01-01", "2026-01-02"], utc=True),
    ...                    "platform": ["x", "telegram"]})
    >>> [tr.name for tr in timeline_figure(df).data]
    ['telegram', 'x']
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    df = posts.dropna(subset=[time_col]).sort_values(time_col)
    for i, (key, grp) in enumerate(df.groupby(by, sort=True)):
        fig.add_trace(go.Scatter(x=grp[time_col], y=np.arange(1, len(grp) + 1), mode="lines+markers",
                                 line={"shape": "hv", "color": colour(key, i)}, name=str(key),
                                 marker={"size": 4}))
    if until is not None and not pd.isna(until):
        fig.add_vline(x=pd.Timestamp(until).to_pydatetime(), line={"color": "black", "dash": "dot"})
    fig.update_layout(template="plotly_white", height=260, margin={"l": 40, "r": 20, "t": 30, "b": 30},
                      yaxis={"title": "posts so far"}, title="Timeline")
    return fig
