"""The spread graph's result type, the inputs it takes from files, and its export for Gephi and other tools.

:class:`SpreadResult` is what :func:`kit.casework.spread.case_spread` (the
spread of a case) returns; :func:`posts_lineage` is the inheritance evidence
(:func:`kit.spread.evidence.lineage_evidence`: which copy carries which
changes) of a collection from its posts, hash results and media files.

Graph node and edge attributes are documented in :mod:`kit.spread.build`;
:func:`export_graph` writes GraphML (scalar attributes only: dicts and lists
become JSON strings, timestamps ISO 8601 strings, missing values are left
out; characters XML cannot hold are removed, :func:`xml_text`) and node-link JSON.

Examples
--------
>>> import networkx as nx, pandas as pd, tempfile, pathlib
>>> g = nx.DiGraph()
>>> g.add_node("a", posted_at=pd.Timestamp("2026-01-01T00:00Z"), cues={"time": 1.0}, url=None)
>>> g.add_edge("a", "b", kind="inferred", cues={"time": 0.5})
>>> out = export_graph(g, tempfile.mkdtemp())
>>> h = nx.read_graphml(out["graphml"])
>>> h.nodes["a"]["posted_at"], h.edges["a", "b"]["cues"]
('2026-01-01T00:00:00+00:00', '{"time": 0.5}')
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kit.spread.errors import SpreadError
from kit.spread.metrics import CascadeMetrics, origins_table

__all__ = ["xml_text", "SpreadResult", "export_graph", "origins_table", "scalar_graph", "posts_lineage",
           "auto_workers", "read_exported_graph"]



@dataclass(frozen=True)
class SpreadResult:
    """What :func:`kit.casework.spread.case_spread` returns.

    ``graph`` (the spread DiGraph), ``metrics`` (:class:`CascadeMetrics`),
    ``origin`` (one row a cascade of more than one post, largest first:
    ``node``, ``size``, ``posted_at``, ``platform``, ``account``,
    ``children``, ``descendants``, ``earliest``, ``evidence``), and the inputs
    used: ``matches``, ``facts`` DataFrames and the ``lineage``
    (:class:`kit.spread.evidence.LineageEvidence`, None without content);
    ``evidence`` is its pairwise table (empty without content).
    """

    graph: nx.DiGraph
    metrics: CascadeMetrics
    origin: pd.DataFrame
    matches: pd.DataFrame
    facts: pd.DataFrame
    evidence: pd.DataFrame
    lineage: Any = None


def _boxes_sizes(hashes: pd.DataFrame) -> tuple[dict, dict]:
    boxes, sizes = {}, {}
    for r in hashes.to_dict("records") if len(hashes) else []:
        p = r.get("payload")
        if r.get("status", "ok") != "ok" or not isinstance(p, dict):
            continue
        w, h = p.get("width"), p.get("height")
        if w and h:
            sizes[r["sha256"]] = int(w) * int(h)
            if p.get("box"):
                x0, y0, x1, y1 = p["box"]
                boxes[r["sha256"]] = [x0 / w, y0 / h, x1 / w, y1 / h]
                sizes[r["sha256"]] = max(1, int((x1 - x0) * (y1 - y0)))  # the picture, without frames or bars
    return boxes, sizes


def auto_workers(n_media: int, *, threshold: int = 200) -> int:
    """Processes for the inheritance evidence: one per core from ``threshold`` media files up (a
    forkserver pool costs 1-2 s to start, more than a small collection's whole evidence)."""
    import os

    return (os.cpu_count() or 1) if n_media >= threshold else 1


def posts_lineage(posts: pd.DataFrame, hashes: pd.DataFrame, media: pd.DataFrame,
                  clusters: pd.DataFrame | None, *, workers: int = 1) -> Any:
    """Inheritance evidence (:func:`kit.spread.evidence.lineage_evidence`) for a collection.

    ``hashes``: ``hash.image`` / ``hash.video`` rows (``sha256``, ``status``,
    ``payload`` dicts) for the content boxes, sizes and added content;
    ``media``: ``sha256``, ``path``, ``kind``; ``first_seen`` is each file's
    first post time.
    """
    from kit.spread.evidence import lineage_evidence

    boxes, sizes = _boxes_sizes(hashes)
    added = {}
    for r in hashes.to_dict("records") if len(hashes) else []:
        p = r.get("payload")
        if r.get("status", "ok") == "ok" and isinstance(p, dict):
            added[r["sha256"]] = bool(p.get("screenshot")) or p.get("box_reason") not in (None, "none")
    first_seen: dict = {}
    for sha, t in zip(posts.get("media_sha256", []), posts.get("posted_at", [])):
        if sha is None or (isinstance(sha, float) and pd.isna(sha)) or t is None or pd.isna(t):
            continue
        try:
            sec = float(t.timestamp())
        except (AttributeError, OverflowError, ValueError, OSError):
            continue
        first_seen[sha] = min(first_seen.get(sha, sec), sec)
    images = {s: p for s, p, k in zip(media["sha256"], media["path"], media["kind"]) if k in ("image", "video")}
    return lineage_evidence(images, clusters, kinds=dict(zip(media["sha256"], media["kind"])), boxes=boxes,
                            sizes=sizes, first_seen=first_seen, added=added, workers=workers)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(s: str) -> str:
    """``s`` without the characters XML 1.0 cannot hold (C0 controls but tab / newline / CR, lone
    surrogates, U+FFFE / U+FFFF): a caption with a NUL must not make the GraphML unreadable.

    Examples
    --------
    >>> xml_text("a" + chr(0) + "b" + chr(7) + "c" + chr(9) + "d")
    'abc\\td'
    """
    return _XML_ILLEGAL.sub("", s)


def _scalar(x: Any, *, json_safe: bool = False) -> Any:
    if x is None or x is pd.NaT:
        return None
    if isinstance(x, pd.Timestamp):
        return None if pd.isna(x) else x.isoformat()
    if hasattr(x, "item") and not isinstance(x, (list, dict, tuple, str)):
        try:
            x = x.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, str):
        return x if json_safe else xml_text(x)
    if isinstance(x, (dict, list, tuple)):
        clean = json.loads(json.dumps(x, default=lambda o: _scalar(o, json_safe=True) if not isinstance(
            o, (dict, list, tuple)) else str(o)))
        return clean if json_safe else xml_text(json.dumps(clean, sort_keys=True))
    return str(x) if json_safe else xml_text(str(x))


def scalar_graph(G: nx.DiGraph, *, json_safe: bool = False) -> nx.DiGraph:
    """A copy of ``G`` with export-safe attributes: scalars only (GraphML), or JSON types with ``json_safe``."""
    H = nx.DiGraph()
    for k, v in G.graph.items():
        s = _scalar(v, json_safe=json_safe)
        if s is not None:
            H.graph[k] = s
    name = (lambda n: str(n)) if json_safe else (lambda n: xml_text(str(n)))
    for n, d in G.nodes(data=True):
        H.add_node(name(n), **{k: s for k, v in d.items() if (s := _scalar(v, json_safe=json_safe)) is not None})
    for u, v, d in G.edges(data=True):
        H.add_edge(name(u), name(v), **{k: s for k, v_ in d.items()
                                        if (s := _scalar(v_, json_safe=json_safe)) is not None})
    return H


def export_graph(G: nx.DiGraph, out_dir: str | Path, *, stem: str = "spread") -> dict:
    """Write ``<stem>.graphml`` and ``<stem>.json`` (node-link) under ``out_dir``; return their paths."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        gml, js = out / f"{stem}.graphml", out / f"{stem}.json"
        nx.write_graphml(scalar_graph(G), gml)
        data = nx.node_link_data(scalar_graph(G, json_safe=True), edges="edges")
        js.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except OSError as exc:
        raise SpreadError(f"cannot write the graph exports: {exc}", path=out) from exc
    return {"graphml": gml, "json": js}


def read_exported_graph(path: str | Path) -> nx.DiGraph | None:
    """The spread graph an :func:`export_graph` wrote as node-link JSON at ``path`` (None when there is none).

    JSON-encoded attributes stay text; ``posted_at`` is parsed back to a UTC timestamp.
    """
    path = Path(path)
    if not path.is_file():
        return None
    G = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), directed=True, edges="edges")
    for _, d in G.nodes(data=True):
        if isinstance(d.get("posted_at"), str):
            d["posted_at"] = pd.Timestamp(d["posted_at"])
    return G
