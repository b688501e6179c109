"""Figures: hierarchical spread layout (readable at 500 nodes), traces, safe viewing, compare, heat maps."""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kit import viz
from kit.errors import MediaError

T0 = pd.Timestamp("2026-03-14T23:42Z")


def _tree(n: int, seed: int = 0) -> nx.DiGraph:
    """A random cascade: each post reposts an earlier one, times increasing."""
    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    g.add_node(0, platform="x", posted_at=T0)
    for i in range(1, n):
        parent = int(rng.integers(0, i))
        g.add_node(i, platform=["x", "telegram", "facebook"][i % 3],
                   posted_at=g.nodes[parent]["posted_at"] + pd.Timedelta(minutes=float(rng.integers(1, 300))))
        g.add_edge(parent, i, kind="inferred" if i % 5 == 0 else "explicit")
    return g


def test_layout_500_nodes_is_hierarchical_and_readable() -> None:
    g = _tree(500)
    pos = viz.spread_layout(g)
    assert pos[0][0] == 0.0  # the root is at the left
    for u, v in g.edges:
        assert pos[v][0] >= pos[u][0]  # time runs left to right along every edge
    hours = {n: (g.nodes[n]["posted_at"] - T0).total_seconds() / 3600 for n in g}
    assert all(abs(pos[n][0] - hours[n]) < 1e-9 for n in g)
    leaves = [n for n in g if g.out_degree(n) == 0]
    assert sorted(pos[n][1] for n in leaves) == list(range(len(leaves)))  # one row per leaf, no overlap
    for n in g:  # a parent sits between its children
        kids = [pos[c][1] for c in g.successors(n)]
        if kids:
            assert min(kids) <= pos[n][1] <= max(kids)
    assert len(set(pos.values())) == len(g)  # no two posts on the same spot
    fig = viz.spread_figure(g)
    assert fig.layout.height >= 9 * len(leaves)  # tall enough for one readable row per leaf


def test_layout_forest_unknown_times_and_cycles() -> None:
    g = nx.DiGraph()
    g.add_node("late_root", posted_at=T0 + pd.Timedelta(hours=5))
    g.add_node("root", posted_at=T0)
    g.add_node("child", posted_at=pd.NaT)
    g.add_edge("root", "child")
    g.add_edges_from([("c1", "c2"), ("c2", "c1")])  # a cycle, no times
    pos = viz.spread_layout(g)
    assert pos["root"][1] < pos["late_root"][1]  # roots in time order, top to bottom
    assert pos["child"][0] == pos["root"][0]  # no time: drawn at its parent's time
    assert set(pos) == set(g)


def test_spread_figure_traces_until_and_selection() -> None:
    g = _tree(30)
    fig = viz.spread_figure(g, until=T0 + pd.Timedelta(hours=3), selected=0, size_by="descendants")
    names = [tr.name for tr in fig.data]
    assert names == ["explicit", "inferred", "facebook", "telegram", "x"]
    assert fig.data[0].line.dash == "solid" and fig.data[1].line.dash == "dash"
    x = fig.data[-1]
    ids = list(x.customdata)
    late = [i for i, n in enumerate(ids) if g.nodes[int(n)]["posted_at"] > T0 + pd.Timedelta(hours=3)]
    assert late and all(x.marker.opacity[i] < 0.2 for i in late)
    assert x.marker.line.width[ids.index("0")] == 3
    same = viz.spread_figure(g)  # the replay keeps the trace structure (widgets update in place)
    assert [tr.name for tr in same.data] == names


@pytest.mark.parametrize(("size_by", "bigger"), [pytest.param("descendants", "hub", id="descendants"),
                                                 pytest.param("engagement", "viral", id="engagement")])
def test_node_size(size_by: str, bigger: str) -> None:
    g = nx.DiGraph()
    g.add_node("hub", platform="x", posted_at=T0, descendants=40, likes=0, shares=0)
    g.add_node("viral", platform="x", posted_at=T0, descendants=0, likes=90000, shares=5000)
    tr = viz.spread_figure(g, size_by=size_by).data[-1]
    sizes = dict(zip(tr.customdata, tr.marker.size, strict=True))
    other = "viral" if bigger == "hub" else "hub"
    assert sizes[bigger] > sizes[other]


def test_timeline_and_scores() -> None:
    posts = pd.DataFrame({"posted_at": [T0, T0 + pd.Timedelta(hours=1), pd.NaT, T0 + pd.Timedelta(hours=2)],
                          "platform": ["x", "x", "x", "telegram"]})
    fig = viz.timeline_figure(posts, until=T0 + pd.Timedelta(hours=1))
    assert {tr.name: list(tr.y) for tr in fig.data} == {"telegram": [1], "x": [1, 2]}
    assert len(fig.layout.shapes) == 1
    scores = pd.DataFrame({"sha256": ["a" * 64, "b" * 64, "c" * 64], "detector": ["ela", "ela", "noise"],
                           "score": [0.2, np.nan, 0.9]})
    fig = viz.score_figure(scores)
    assert [(tr.name, list(tr.x)) for tr in fig.data] == [("ela", [0.2]), ("noise", [0.9])]


def _img(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = (rng.random((12, 16, 3)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((320, 240), Image.Resampling.BICUBIC))


def test_safe_image_blurs_and_greys() -> None:
    a = _img()
    b = viz.safe_image(a)
    sharp = np.abs(np.diff(a.astype(float), axis=1)).mean()
    assert np.abs(np.diff(b.astype(float), axis=1)).mean() < sharp / 4
    assert viz.safe_image(a, blur=False, grey=True).ndim == 2
    assert np.array_equal(viz.safe_image(a, blur=False), a)


def test_align_pair_undoes_crop_and_mirror() -> None:
    a = _img()
    b = np.ascontiguousarray(a[40:200, 60:300][:, ::-1])
    t = {"scale": 1.0, "rotation_deg": 0.0, "mirror": True, "box_in_a": [60 / 320, 40 / 240, 300 / 320, 200 / 240],
         "box_in_b": [0, 0, 1, 1]}
    av, bv, text = viz.align_pair(a, b, t)
    assert av.shape == bv.shape and "mirrored" in text
    assert np.abs(av.astype(int) - bv.astype(int)).mean() < 2
    av, bv, text = viz.align_pair(a, b, None)
    assert "not aligned" in text and np.abs(av.astype(int) - bv.astype(int)).mean() > 20


def test_compare_and_overlay_figures_are_safe_by_default() -> None:
    a = _img()
    fig = viz.compare_figure(a, a.copy())
    assert [tr.type for tr in fig.data] == ["image", "image", "heatmap"]
    assert np.asarray(fig.data[2].z).shape == (384 * 240 // 320 // 8, 384 // 8)  # coarse diff when blurred
    shown = np.asarray(Image.open(io.BytesIO(__import__("base64").b64decode(fig.data[0].source.split(",")[1]))))
    assert np.abs(np.diff(shown.astype(float), axis=1)).mean() < 2
    hm = np.zeros((64, 64), np.float32)
    hm[:32, :32] = 1
    fig = viz.heatmap_overlay_figure(a, hm, opacity=0.3)
    assert fig.data[1].opacity == 0.3 and fig.data[1].zmax == 1
    assert np.asarray(fig.data[1].z).shape == (16, 16)  # coarse while blurred
    assert np.asarray(viz.heatmap_overlay_figure(a, hm, blur=False).data[1].z).shape == (64, 64)


def test_thumbnails(tmp_path: Path) -> None:
    p = tmp_path / "a.png"
    Image.fromarray(_img()).save(p)
    png = viz.thumbnail_png(p, size=64)
    im = Image.open(io.BytesIO(png))
    assert max(im.size) == 64 and im.mode == "RGB"
    assert viz.data_uri(png).startswith("data:image/png;base64,")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 nothing more")
    with pytest.raises(MediaError):
        viz.thumbnail(bad)


def test_video_thumbnail(tmp_path: Path) -> None:
    import cv2

    p = tmp_path / "v.mp4"
    w = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"mp4v"), 5, (64, 48))
    for i in range(5):
        w.write(np.full((48, 64, 3), 40 * i, np.uint8))
    w.release()
    assert viz.thumbnail(p, size=32, kind="video").size == (32, 24)


def test_figure_html_is_offline() -> None:
    html = viz.figure_html(viz.spread_figure(_tree(3)))
    assert "<script src=" not in html and len(html) > 1_000_000  # plotly.js embedded, nothing fetched
