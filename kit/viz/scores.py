"""Score plots, side-by-side compare and heat-map overlays (media safe-viewed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.safetext import html_text
from kit.viz.safe import data_uri, safe_image

__all__ = ["score_figure", "chain_score_figure", "align_pair", "compare_figure", "heatmap_overlay_figure",
           "figure_html", "figure_id"]


def score_figure(scores: pd.DataFrame, *, labels: Mapping | None = None) -> Any:
    """Detector scores (a :func:`kit.detectors.scores_table`): one dot per item and detector.

    Errors (``score`` NaN) are left out; the x axis is the [0, 1] score.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    df = scores.dropna(subset=["score"])
    for det, grp in df.groupby("detector", sort=True):
        names = [html_text(labels.get(s, s[:12]) if labels else str(s)[:12]) for s in grp["sha256"]]
        fig.add_trace(go.Scatter(x=grp["score"], y=[det] * len(grp), mode="markers", name=html_text(det),
                                 text=names, hovertemplate="%{text}: %{x:.3f}<extra>" + html_text(det) + "</extra>",
                                 marker={"size": 9, "opacity": 0.7}))
    fig.update_layout(template="plotly_white", xaxis={"range": [0, 1], "title": "score (1 = manipulated)"},
                      height=max(220, 40 * df["detector"].nunique() + 100), showlegend=False,
                      margin={"l": 100, "r": 20, "t": 30, "b": 40}, title="Scores")
    return fig


def chain_score_figure(chain: pd.DataFrame) -> Any:
    """Score along a repost chain (:func:`kit.detectors.chain.chain_scores`): x = copy rank
    (0 = best copy), y = score, one line per detector.

    >>> df = pd.DataFrame({"copy_rank": [0, 1], "sha256": ["aa", "bb"], "detector": "ela", "score": [0.9, 0.6]})
    >>> [tr.name for tr in chain_score_figure(df).data]
    ['ela']
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for det, grp in chain.dropna(subset=["score"]).sort_values("copy_rank").groupby("detector", sort=True):
        fig.add_trace(go.Scatter(x=grp["copy_rank"], y=grp["score"], text=grp["sha256"].str[:12],
                                 mode="lines+markers", name=det, hovertemplate="%{text}: %{y:.3f}"))
    fig.update_layout(template="plotly_white", yaxis={"range": [0, 1], "title": "score"},
                      xaxis={"title": "copy rank (0 = best copy: most pixels, least recompressed)"},
                      height=300, margin={"l": 50, "r": 20, "t": 30, "b": 40}, title="Score along the chain")
    return fig


def align_pair(a: np.ndarray, b: np.ndarray, transform: Mapping | None, *,
               side: int = 384) -> tuple[np.ndarray, np.ndarray, str]:
    """Crop both images to their shared region (``box_in_a`` / ``box_in_b`` of
    :func:`kit.matching.verify_pair`), un-mirror ``b``, resize both to the same size.

    Returns ``(a_view, b_view, description)``; without a transform both are
    only resized. Rotation is described, not undone.
    """
    import cv2

    text = "not aligned (no verified transform): both resized to the same size"
    if transform:
        def crop(img: np.ndarray, box: Any) -> np.ndarray:
            h, w = img.shape[:2]
            x0, y0, x1, y1 = (float(v) for v in box)
            cx0, cx1 = sorted((int(np.clip(x0 * w, 0, w - 1)), int(np.clip(x1 * w, 1, w))))
            cy0, cy1 = sorted((int(np.clip(y0 * h, 0, h - 1)), int(np.clip(y1 * h, 1, h))))
            return img[cy0:max(cy1, cy0 + 1), cx0:max(cx1, cx0 + 1)]

        if transform.get("box_in_a") is not None:
            a = crop(a, transform["box_in_a"])
        if transform.get("box_in_b") is not None:
            b = crop(b, transform["box_in_b"])
        if transform.get("mirror"):
            b = np.ascontiguousarray(b[:, ::-1])
        text = (f"b -> a: scale {float(transform.get('scale', 1)):.2f}, rotation "
                f"{float(transform.get('rotation_deg', 0)):.1f} deg, "
                f"{'mirrored' if transform.get('mirror') else 'not mirrored'}; shared region shown")
    h, w = a.shape[:2]
    s = side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return (cv2.resize(a, size, interpolation=cv2.INTER_AREA),
            cv2.resize(b, size, interpolation=cv2.INTER_AREA), text)


def _image_trace(img: np.ndarray) -> Any:
    import plotly.graph_objects as go

    return go.Image(source=data_uri(img if img.ndim == 3 else np.stack([img] * 3, -1)), hoverinfo="skip")


def compare_figure(a: np.ndarray, b: np.ndarray, transform: Mapping | None = None, *,
                   blur: bool = True, grey: bool = False, titles: tuple[str, str] = ("a", "b")) -> Any:
    """Side by side: ``a``, ``b`` aligned on ``a`` (:func:`align_pair`) and |a - b| as a heat map.

    The two pictures are safe-viewed (blurred unless ``blur=False``); the
    difference is computed on the originals and shown at 1/8 resolution when
    blurred, so it does not reveal detail either.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    av, bv, text = align_pair(a, b, transform)
    diff = np.abs(av.astype(np.float32) - bv.astype(np.float32))
    diff = diff.mean(axis=2) if diff.ndim == 3 else diff
    if blur:
        h, w = diff.shape
        diff = diff[: h - h % 8, : w - w % 8].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))
    fig = make_subplots(rows=1, cols=3, subplot_titles=(titles[0], f"{titles[1]} (aligned)",
                                                        "difference |a - b|"))
    fig.add_trace(_image_trace(safe_image(av, blur=blur, grey=grey)), 1, 1)
    fig.add_trace(_image_trace(safe_image(bv, blur=blur, grey=grey)), 1, 2)
    fig.add_trace(go.Heatmap(z=diff, colorscale="Inferno", zmin=0, zmax=128, showscale=True,
                             colorbar={"title": "diff"}), 1, 3)
    fig.update_yaxes(autorange="reversed", scaleanchor="x3", row=1, col=3)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(template="plotly_white", height=360, margin={"l": 10, "r": 10, "t": 50, "b": 30},
                      title={"text": text, "font": {"size": 12}})
    return fig


def heatmap_overlay_figure(image: np.ndarray, heatmap: np.ndarray, *, opacity: float = 0.5,
                           blur: bool = True, grey: bool = False, title: str | None = None) -> Any:
    """A detector heat map (values in [0, 1], any size) over the (safe-viewed) image.

    While blurred, the heat map is shown at most 16 cells wide: a fine map of
    edges would outline the very picture the blur hides.
    """
    import cv2
    import plotly.graph_objects as go

    h, w = image.shape[:2]
    s = min(1.0, 512 / max(h, w))
    view = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    hm = np.asarray(heatmap, dtype=np.float32)
    if blur and max(hm.shape) > 16:  # a fine heat map outlines the picture: keep only where, not what
        k = int(np.ceil(max(hm.shape) / 16))
        hm = cv2.resize(hm, (max(1, hm.shape[1] // k), max(1, hm.shape[0] // k)), interpolation=cv2.INTER_AREA)
    vh, vw = view.shape[:2]
    fig = go.Figure(_image_trace(safe_image(view, blur=blur, grey=grey)))
    fig.add_trace(go.Heatmap(z=hm, x0=vw / hm.shape[1] / 2, dx=vw / hm.shape[1], y0=vh / hm.shape[0] / 2,
                             dy=vh / hm.shape[0], zmin=0, zmax=1, colorscale="Turbo", opacity=float(opacity),
                             colorbar={"title": "suspicion"}, hovertemplate="%{z:.2f}<extra></extra>"))
    fig.update_xaxes(showticklabels=False, range=[0, vw])
    fig.update_yaxes(showticklabels=False, range=[vh, 0], scaleanchor="x")
    fig.update_layout(template="plotly_white", height=420, title=title,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def figure_id(fig: Any) -> str:
    """An HTML id derived from the figure's content (plotly's default is a random uuid4 per call), so the
    same figure gives the same HTML."""
    import hashlib

    return "fig-" + hashlib.sha256(fig.to_json().encode("utf-8")).hexdigest()[:16]


def figure_html(fig: Any) -> str:
    """A self-contained HTML fragment of ``fig`` (plotly.js embedded: opens offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=False)
