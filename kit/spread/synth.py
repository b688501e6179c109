"""Synthetic repost cascades with known truth, for the spread-tracing benchmark.

:func:`tree_shapes` draws tree shapes: from the Twitter15/16 archive when
given (a random tree, cut to its first ``size`` posts in time order, so the
real shallow, broadcast-like shape and the real repost delays are kept), else
from the documented fallback model (each new post copies the root with
probability ``broadcast``, else an earlier post chosen in proportion to its
children + 1; delays log-normal, median 20 min).

:func:`make_collection` turns shapes into a collection: every cascade starts
from a base picture (scikit-image's bundled photos, or arrays you pass) with
a pasted patch (the "fake"); every edge is a share (same bytes, same
platform) or a re-upload with a chain of 1-3 edits (crop, downscale, caption
bar, mirror, tint, grayscale, overlay text block, frame) and a JPEG
re-encode; 10-40 % of the intermediate posts are dropped (never collected);
timestamps of ``noise_p`` of the posts get Gaussian noise (sigma =
``noise_rel`` x the cascade's median repost delay: real first reposts come
minutes apart, so a fixed sigma would scramble them) and ``missing_time_p``
are removed; a look-alike distractor
(the base picture without the patch, re-framed and tinted) is added per
cascade; explicit links are given for a share of the share edges, some
(``explicit_root_p``) naming the cascade's origin instead of the parent.

The result (:class:`SynthCollection`) holds the ``posts`` table (as
``case.posts()``), the ``truth`` graph over the collected posts (NIST
reduction: a dropped post's parent is linked to its children), the media
files written under ``out_dir``, and ``media`` (``sha256``, ``path``,
``kind``, ``jpeg_quality``).

Examples
--------
>>> shapes = tree_shapes(2, sizes=(5, 8), seed=1)
>>> [g.number_of_nodes() for g in shapes], all(nx.is_arborescence(g) for g in shapes)
([6, 7], True)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kit.spread.evaluate import reduce_to

__all__ = ["BASE_IMAGES", "SynthCollection", "base_images", "make_collection", "tree_shapes"]

BASE_IMAGES = ("chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png", "hubble_deep_field.jpg",
               "motorcycle_left.png", "ihc.png", "retina.jpg", "camera.png", "coins.png", "brick.png",
               "gravel.png")
"""scikit-image bundled files used as base pictures (in this order)."""

EDITS = ("crop", "resize", "caption_bar", "mirror", "tint", "grayscale", "overlay", "frame")
T0 = pd.Timestamp("2026-01-01T00:00:00Z")


@dataclass(frozen=True)
class SynthCollection:
    """``posts`` (case.posts() columns), ``truth`` DiGraph over collected posts,
    ``media`` (sha256, path, kind, jpeg_quality), ``true_posts`` (all generated
    posts with ``cascade``, ``dropped``, ``role``, ``edits``)."""

    posts: pd.DataFrame
    truth: nx.DiGraph
    media: pd.DataFrame
    true_posts: pd.DataFrame


def tree_shapes(n: int, *, sizes: tuple[int, int] = (20, 60), seed: int = 0, archive: Any = None,
                broadcast: float = 0.6) -> list[nx.DiGraph]:
    """``n`` rooted trees (node 0 = root, node attribute ``t_min``) of ``sizes[0]..sizes[1]`` nodes."""
    rng = np.random.default_rng(seed)
    out: list[nx.DiGraph] = []
    if archive is not None and Path(archive).exists():
        from kit.spread.cascades import load_twitter15_16

        cs = load_twitter15_16(archive, limit=150)
        names = sorted(k for k, g in cs.trees.items() if g.number_of_nodes() >= sizes[0])
        for _ in range(n):
            g = cs.trees[names[int(rng.integers(len(names)))]]
            k = int(rng.integers(sizes[0], sizes[1] + 1))
            order = sorted(g.nodes, key=lambda v: (float(g.nodes[v].get("t_min") or 0.0), v))[:k]
            sub = g.subgraph(order)
            relabel = {v: i for i, v in enumerate(order)}
            t = nx.DiGraph()
            for v in order:
                t.add_node(relabel[v], t_min=float(g.nodes[v].get("t_min") or 0.0))
            t.add_edges_from((relabel[a], relabel[b]) for a, b in sub.edges)
            if nx.is_arborescence(t):
                out.append(t)
            else:  # a cut that left a node without its parent: fall back for this one
                out.append(_model_tree(rng, k, broadcast))
        return out
    return [_model_tree(rng, int(rng.integers(sizes[0], sizes[1] + 1)), broadcast) for _ in range(n)]


def _model_tree(rng: np.random.Generator, k: int, broadcast: float) -> nx.DiGraph:
    t = nx.DiGraph()
    t.add_node(0, t_min=0.0)
    kids = [0]
    for v in range(1, k):
        if rng.random() < broadcast:
            u = 0
        else:
            w = np.array(kids, float) + 1.0
            u = int(rng.choice(v, p=w / w.sum()))
        t.add_node(v, t_min=t.nodes[u]["t_min"] + float(rng.lognormal(np.log(20.0), 1.2)))
        t.add_edge(u, v)
        kids[u] += 1
        kids.append(0)
    return t


def base_images(names: tuple[str, ...] = BASE_IMAGES, *, side: int = 480) -> list[np.ndarray]:
    """The bundled scikit-image pictures as RGB uint8, long side ``side``."""
    import cv2
    import skimage

    root = Path(skimage.__file__).parent / "data"
    out = []
    for name in names:
        p = root / name
        if not p.exists():
            continue
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is None:
            continue
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        s = side / max(img.shape[:2])
        out.append(cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA))
    return out


def _jpeg(img: np.ndarray, q: int) -> tuple[bytes, np.ndarray]:
    import cv2

    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    data = buf.tobytes()
    return data, cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _edit(img: np.ndarray, op: str, rng: np.random.Generator) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    if op == "crop":
        f = rng.uniform(0.75, 0.92)
        ch, cw = int(h * f), int(w * f)
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        return np.ascontiguousarray(img[y:y + ch, x:x + cw])
    if op == "resize":
        f = rng.uniform(0.6, 0.85)
        return cv2.resize(img, (max(32, round(w * f)), max(32, round(h * f))), interpolation=cv2.INTER_AREA)
    if op == "caption_bar":
        bar = np.full((max(16, h // 6), w, 3), 255 if rng.random() < 0.5 else 20, np.uint8)
        col = (0, 0, 0) if bar[0, 0, 0] > 128 else (255, 255, 255)
        for i in range(int(rng.integers(2, 5))):
            x0 = int(rng.integers(4, max(5, w // 3)))
            cv2.putText(bar, "BREAKING " * 2, (x0, 14 + 12 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.4, col, 1)
        return np.ascontiguousarray(np.vstack([bar, img]) if rng.random() < 0.5 else np.vstack([img, bar]))
    if op == "mirror":
        return np.ascontiguousarray(img[:, ::-1])
    if op == "tint":
        gain = np.array(rng.uniform(0.8, 1.2, size=3), np.float32)
        return np.clip(img.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    if op == "grayscale":
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        return np.repeat(g[:, :, None], 3, axis=2)
    if op == "overlay":
        out = img.copy()
        bw, bh = int(w * rng.uniform(0.2, 0.4)), int(h * rng.uniform(0.08, 0.15))
        x, y = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        out[y:y + bh, x:x + bw] = (rng.integers(0, 255, size=3)).astype(np.uint8)
        cv2.putText(out, "LOL", (x + 4, y + bh - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
        return out
    if op == "frame":
        b = max(6, min(h, w) // 12)
        return np.ascontiguousarray(cv2.copyMakeBorder(img, b, b, b, b, cv2.BORDER_CONSTANT,
                                                       value=tuple(int(c) for c in rng.integers(0, 255, 3))))
    raise ValueError(f"unknown edit {op!r}")


def _fake(base: np.ndarray, donor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import cv2

    h, w = base.shape[:2]
    ph, pw = int(h * rng.uniform(0.25, 0.4)), int(w * rng.uniform(0.25, 0.4))
    patch = cv2.resize(donor, (pw, ph), interpolation=cv2.INTER_AREA)
    y, x = int(rng.integers(0, h - ph)), int(rng.integers(0, w - pw))
    out = base.copy()
    out[y:y + ph, x:x + pw] = patch
    return out


def make_collection(out_dir: str | Path, *, n_cascades: int = 10, sizes: tuple[int, int] = (20, 50), seed: int = 0,
                    archive: Any = None, images: list[np.ndarray] | None = None, share_p: float = 0.5,
                    drop: tuple[float, float] = (0.1, 0.4), noise_p: float = 0.3, noise_rel: float = 0.5,
                    missing_time_p: float = 0.1, explicit_p: float = 0.6, explicit_root_p: float = 0.3,
                    distractors: bool = True) -> SynthCollection:
    """Write a synthetic collection under ``out_dir`` (see the module doc)."""
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    (out / "media").mkdir(parents=True, exist_ok=True)
    pics = images if images is not None else base_images()
    shapes = tree_shapes(n_cascades, sizes=sizes, seed=seed, archive=archive)
    platforms = ("x", "facebook", "telegram", "instagram")
    rows, media, truth_all = [], {}, nx.DiGraph()

    def store(data: bytes, q: int | None) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if sha not in media:
            path = out / "media" / f"{sha[:16]}.jpg"
            path.write_bytes(data)
            media[sha] = {"sha256": sha, "path": str(path), "kind": "image", "jpeg_quality": q}
        return sha

    noise_scale: dict = {}
    for c, shape in enumerate(shapes):
        gaps = [shape.nodes[b]["t_min"] - shape.nodes[a]["t_min"] for a, b in shape.edges]
        noise_scale[c] = noise_rel * max(0.5, float(np.median(gaps)) if gaps else 1.0)
        base = pics[c % len(pics)]
        donor = pics[(c + 5) % len(pics)]
        fake = _fake(base, donor, rng)
        state: dict = {}
        order = sorted(shape.nodes, key=lambda v: (shape.nodes[v]["t_min"], v))
        p_drop = float(rng.uniform(*drop))
        for v in order:
            pid = f"c{c:02d}p{v:03d}"
            preds = list(shape.predecessors(v))
            u = preds[0] if preds else None
            if u is None:
                data, img = _jpeg(fake, 92)
                sha, plat, role, edits, q = store(data, 92), str(rng.choice(platforms)), "origin", [], 92
            elif rng.random() < share_p:
                par = state[u]
                sha, img, plat, role, edits, q = par["sha"], par["img"], par["platform"], "share", [], par["q"]
            else:
                par = state[u]
                k = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
                edits = list(rng.choice(EDITS, size=k, replace=False))
                img = par["img"]
                for op in edits:
                    img = _edit(img, op, rng)
                q = int(rng.choice([70, 75, 80, 85, 90]))
                data, img = _jpeg(img, q)
                sha = store(data, q)
                plat = par["platform"] if rng.random() < 0.6 else str(rng.choice(platforms))
                role = "reupload"
            t = T0 + pd.Timedelta(hours=24 * c) + pd.Timedelta(minutes=float(shape.nodes[v]["t_min"]))
            dropped = bool(u is not None and shape.out_degree(v) > 0 and rng.random() < p_drop)
            state[v] = {"sha": sha, "img": img, "platform": plat, "q": q, "pid": pid}
            followers = float(rng.lognormal(6.0, 1.5))
            views = int(followers * rng.uniform(0.2, 2.0) + 20 * shape.out_degree(v))
            rows.append({"post_id": pid, "cascade": c, "role": role, "edits": edits, "dropped": dropped,
                         "true_parent": state[u]["pid"] if u is not None else None, "platform": plat,
                         "account": f"acc{int(rng.integers(0, 10 ** 6)):06d}", "true_time": t, "media_sha256": sha,
                         "likes": int(views * rng.uniform(0.01, 0.05)), "shares": int(shape.out_degree(v)),
                         "views": views, "likes_hidden": False})
            truth_all.add_node(pid)
            if u is not None:
                truth_all.add_edge(state[u]["pid"], pid)
        if distractors:
            g = _edit(_edit(base, "crop", rng), "tint", rng)
            data, _ = _jpeg(g, 85)
            t = T0 + pd.Timedelta(hours=24 * c) + pd.Timedelta(minutes=float(rng.uniform(0, 600)))
            pid = f"c{c:02d}d000"
            rows.append({"post_id": pid, "cascade": c, "role": "distractor", "edits": [], "dropped": False,
                         "true_parent": None, "platform": str(rng.choice(platforms)),
                         "account": f"acc{int(rng.integers(0, 10 ** 6)):06d}", "true_time": t,
                         "media_sha256": store(data, 85), "likes": 5, "shares": 0, "views": 300,
                         "likes_hidden": False})
            truth_all.add_node(pid)
    tp = pd.DataFrame(rows)
    # timestamps: noise on some, removed on others
    times = []
    for t, c in zip(tp["true_time"], tp["cascade"]):
        r = rng.random()
        times.append(pd.NaT if r < missing_time_p else
                     t + pd.Timedelta(minutes=float(rng.normal(0, noise_scale[c]))) if r < missing_time_p + noise_p
                     else t)
    tp["posted_at"] = pd.to_datetime(pd.Series(times, dtype="datetime64[ns, UTC]"))
    # explicit links on share edges, some naming the chain's first post
    parent_of = {p: (q if isinstance(q, str) else None) for p, q in zip(tp["post_id"], tp["true_parent"])}
    explicit = []
    for r in tp.itertuples(index=False):
        link = None
        if r.role == "share" and rng.random() < explicit_p:
            link = r.true_parent
            if rng.random() < explicit_root_p:  # the export names the cascade's first post
                while parent_of[link] is not None:
                    link = parent_of[link]
        explicit.append(link)
    tp["parent_post_id"] = explicit
    observed = set(tp.loc[~tp["dropped"], "post_id"])
    truth = reduce_to(truth_all, observed)
    truth.add_nodes_from(observed)
    posts = tp.loc[~tp["dropped"], ["post_id", "platform", "account", "posted_at", "media_sha256",
                                    "parent_post_id", "likes", "shares", "views"]].reset_index(drop=True)
    # a link to a post that was not collected cannot be followed
    posts["parent_post_id"] = [p if p in observed else None for p in posts["parent_post_id"]]
    used = set(posts["media_sha256"])
    med = pd.DataFrame([m for s, m in media.items() if s in used])
    return SynthCollection(posts, truth, med, tp)
