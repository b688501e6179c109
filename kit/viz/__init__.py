"""Figures: spread graph, timeline, score plots, side-by-side compare, heat-map overlay.

Every function returns a :class:`plotly.graph_objects.Figure` (or image
bytes); nothing here displays anything or imports IPython / ipywidgets.
Media shown in a figure go through :func:`safe_image`: blurred (and
optionally greyscaled) unless the caller passes ``blur=False`` (the analyst
revealed it, or the case setting ``blur_media`` is off). Safe viewing is the
default because the kit is used on explicit and abusive material.

The spread graph uses :func:`spread_layout`: time along x (hours since the
first post), one row per leaf of the tree along y (a "tidy" tree: a parent
sits at the middle of its children), so the root is at the left and a
500-node cascade stays readable as a fan of horizontal branches.

Modules: :mod:`kit.viz.safe` (safe viewing, thumbnails), :mod:`kit.viz.spread`
(graph layout and figure, timeline), :mod:`kit.viz.scores` (score plots,
compare, heat-map overlay, offline HTML), :mod:`kit.viz.comparison` (the source /
suspect / difference triptych of a source comparison).

Examples
--------
>>> import networkx as nx, pandas as pd
>>> g = nx.DiGraph()
>>> t = pd.Timestamp("2026-03-14T23:42Z")
>>> g.add_node("a", platform="x", posted_at=t)
>>> g.add_node("b", platform="x", posted_at=t + pd.Timedelta(hours=2))
>>> g.add_edge("a", "b", kind="explicit")
>>> pos = spread_layout(g)
>>> pos["a"], pos["b"]
((0.0, 0.0), (2.0, 0.0))
>>> fig = spread_figure(g)
>>> sorted({tr.name for tr in fig.data})
['explicit', 'x']
"""

from __future__ import annotations

from kit.viz.scores import (
    align_pair,
    chain_score_figure,
    compare_figure,
    figure_html,
    figure_id,
    heatmap_overlay_figure,
    score_figure,
)
from kit.viz.comparison import comparison_images
from kit.viz.safe import data_uri, safe_image, thumbnail, thumbnail_png
from kit.viz.spread import EDGE_STYLES, PLATFORM_COLOURS, spread_figure, spread_layout, timeline_figure

__all__ = [
    "comparison_images",
    "EDGE_STYLES", "PLATFORM_COLOURS", "safe_image", "thumbnail", "thumbnail_png", "data_uri",
    "spread_layout", "spread_figure", "timeline_figure", "score_figure", "chain_score_figure",
    "align_pair", "compare_figure", "heatmap_overlay_figure", "figure_html", "figure_id",
]
