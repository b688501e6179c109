"""How the kit's answers on the demo incident compare with the generator's ``truth.json``.

:func:`demo_truth_clusters` turns the truth into a same-picture labelling (every cascade post with
media shares one label, every distractor has its own), for :func:`kit.matching.pair_scores`;
:func:`print_against_truth` is the last part of ``dfkit demo``: pair precision and recall, whether
the origin was recovered, and the spread graph's scores.

Examples
--------
>>> demo_truth_clusters({"posts": {"p1": {"distractor": False}, "p2": {"distractor": True},
...                                "p3": {"media_missing": True}}})
{'p1': 'cascade', 'p2': 'p2'}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["demo_truth_clusters", "print_against_truth"]


def demo_truth_clusters(truth: Any) -> dict[str, str]:
    """``{post_id: label}`` from the demo incident's truth (dict or path to ``truth.json``).

    Cascade posts share the label ``"cascade"``; a distractor is labelled with
    its own post id; posts whose media is missing are left out.
    """
    if not isinstance(truth, dict):
        truth = json.loads(Path(truth).read_text())
    out = {}
    for pid, p in truth["posts"].items():
        if p.get("media_missing"):
            continue
        out[pid] = pid if p.get("distractor") else "cascade"
    return out


def print_against_truth(case: Case, graph: Any, truth_path: Path) -> None:
    """Print how the case's variant clusters and spread ``graph`` compare with the demo's truth.json."""
    import networkx as nx

    from kit.matching import pair_scores, posts_clusters
    from kit.spread import copy_graph, evaluate

    graph = copy_graph(graph)  # the reposts only: a source or donor edge is not a repost
    truth = json.loads(Path(truth_path).read_text())
    posts = case.posts()
    to_pid = {p["export_post_id"]: pid for pid, p in truth["posts"].items() if p.get("export_post_id")}
    if to_pid:  # ingested from the collection exports: back to the manifest's post ids
        graph = nx.relabel_nodes(graph, lambda n: to_pid.get(n, n))
        posts = posts.assign(post_id=posts["post_id"].map(lambda n: to_pid.get(n, n)))
    ids = set(posts["post_id"])
    true_graph = nx.DiGraph()
    true_graph.add_nodes_from(ids)
    true_graph.add_edges_from((p["true_parent"], pid) for pid, p in truth["posts"].items()
                              if pid in ids and p.get("true_parent") in ids)
    s = evaluate(graph, true_graph)
    pred = posts_clusters(case.variants(), dict(zip(posts["post_id"], posts["media_sha256"])))
    pairs = pair_scores(pred, demo_truth_clusters(truth))
    origin = truth.get("origin_post_id")
    roots = [n for n in graph if graph.in_degree(n) == 0]
    biggest = max(roots, key=lambda r: len(nx.descendants(graph, r))) if roots else None
    print("\nagainst the demo's truth.json:")
    print(f"  same-picture post pairs: precision {pairs.precision:.3f}, recall {pairs.recall:.3f}")
    print(f"  origin: true {origin}, root of the largest predicted tree {biggest} "
          f"({'recovered' if biggest == origin else 'missed'})")
    print(f"  spread graph: root accuracy {s.root_accuracy:.2f}, directed edge F1 {s.edge_f1:.3f}, "
          f"ancestry F1 {s.ancestry_f1:.3f}, NIST VEO {s.veo:.3f}")
