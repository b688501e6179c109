"""Load the Twitter15/16 propagation trees and say what was dropped.

The archive (``twitter15_16.tgz`` from gszswork/Twitter15_16_dataset) holds
``twitter15/`` and ``twitter16/``, each with ``label.txt`` (``label:tree_id``)
and ``tree/<tree_id>.txt``, one edge a line::

    ['ROOT', 'ROOT', '0.0']->['14293310', '693785810311778304', '0.0']
    ['14293310', '693785810311778304', '0.0']->['3949994313', '693785810311778304', '0.53']

A node is the triple (user id, tweet id, minutes since the source tweet).
The raw files are messy; lines are read in file order and each line is
either kept or dropped for exactly one reason, counted per tree:

``duplicate_lines``
    a line identical to an earlier one;
``self_loops``
    parent and child are the same triple;
``child_before_parent``
    the child is timed before its parent;
``second_parents``
    the child already has a parent (or is the root): the first parent wins;
``extra_roots``
    ``ROOT`` lines after the first;
``bad_lines``
    lines that do not parse.

Nodes that are then not reachable from the root (their only edge was dropped,
or a cycle away from the root) are removed and counted in
``unreachable_nodes``. The result is a tree rooted at the source tweet.

Graph attributes: ``dataset``, ``tree_id``, ``label``, ``root`` (node 0).
Node keys are integers in order of first appearance (root = 0); node
attributes: ``uid``, ``tweet_id``, ``t_min`` (float minutes since the source),
``platform`` (``"twitter"``). Edges ``parent -> child`` have no attributes.

Examples
--------
>>> text = ("['ROOT', 'ROOT', '0.0']->['1', '9', '0.0']\\n"
...         "['1', '9', '0.0']->['2', '9', '1.5']\\n"
...         "['1', '9', '0.0']->['2', '9', '1.5']\\n"
...         "['2', '9', '1.5']->['3', '9', '1.0']\\n")
>>> g, counts = parse_tree(text)
>>> sorted(g.edges), counts["duplicate_lines"], counts["child_before_parent"]
([(0, 1)], 1, 1)
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from kit.spread.errors import CascadeFormatError

__all__ = ["DROP_REASONS", "CascadeSet", "load_twitter15_16", "parse_tree"]

DROP_REASONS = (
    "duplicate_lines",
    "self_loops",
    "child_before_parent",
    "second_parents",
    "extra_roots",
    "bad_lines",
    "unreachable_nodes",
)

_LINE = re.compile(
    r"\[\s*'([^']*)',\s*'([^']*)',\s*'([^']*)'\s*\]\s*->\s*\[\s*'([^']*)',\s*'([^']*)',\s*'([^']*)'\s*\]"
)


@dataclass(frozen=True)
class CascadeSet:
    """Trees and the report of what the loader dropped.

    Attributes
    ----------
    trees
        ``{"twitter15/<tree_id>": DiGraph}`` for every tree that loaded.
    report
        One row per tree (also those that failed): ``dataset``, ``tree_id``,
        ``label``, ``lines``, ``nodes``, ``edges``, one column per
        :data:`DROP_REASONS`, and ``error`` (empty when it loaded).
    """

    trees: dict
    report: pd.DataFrame

    def totals(self) -> pd.DataFrame:
        """Per-dataset totals of the report (trees, lines, nodes, edges, drops, errors)."""
        r = self.report
        cols = ["lines", "nodes", "edges", *DROP_REASONS]
        out = r.groupby("dataset")[cols].sum()
        out.insert(0, "trees", r.groupby("dataset").size())
        out["errors"] = r.groupby("dataset")["error"].apply(lambda s: int((s != "").sum()))
        out.loc["all"] = out.sum()
        return out


def parse_tree(text: str) -> tuple[nx.DiGraph, dict]:
    """Parse one tree file; return the tree and the per-reason drop counts.

    Raises
    ------
    CascadeFormatError
        When the text has no ``ROOT`` line.
    """
    counts = dict.fromkeys(DROP_REASONS, 0)
    counts["lines"] = 0
    parsed = _read_lines(text, counts)
    node = _Nodes()
    root = _root(parsed, node, counts)
    parent, children = _link(parsed, node, root, counts)
    # keep what hangs from the root
    order = [root]
    for i in order:
        order.extend(children.get(i, ()))
    counts["unreachable_nodes"] = len(node.uid) - len(order)
    keep = sorted(order)
    g = nx.DiGraph(root=root)
    g.add_nodes_from((i, {"uid": node.uid[i], "tweet_id": node.tweet[i], "t_min": node.tmin[i], "platform": "twitter"})
                     for i in keep)
    g.add_edges_from((parent[i], i) for i in keep if i != root)
    return g, counts


class _Nodes:
    """Node numbers of the (user id, tweet id, minutes) triples, in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict = {}
        self.uid: list = []
        self.tweet: list = []
        self.tmin: list = []

    def __call__(self, u: str, tw: str, t: str) -> int:
        key = (u, tw, t)
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.uid)
            self.uid.append(u)
            self.tweet.append(tw)
            self.tmin.append(float(t))
        return i


def _read_lines(text: str, counts: dict) -> list:
    """The six fields of every line that parses, in file order; blank lines skipped, the others
    counted in ``counts`` (``lines``, ``duplicate_lines``, ``bad_lines``)."""
    seen: set = set()
    parsed = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        counts["lines"] += 1
        if line in seen:
            counts["duplicate_lines"] += 1
            continue
        seen.add(line)
        m = _LINE.fullmatch(line)
        if m is None:
            counts["bad_lines"] += 1
            continue
        try:
            float(m.group(6))
            if m.group(1) != "ROOT":
                float(m.group(3))
        except ValueError:
            counts["bad_lines"] += 1
            continue
        parsed.append(m.groups())
    return parsed


def _root(parsed: list, node: _Nodes, counts: dict) -> int:
    """The node of the first ``ROOT`` line, wherever it is; later ones are ``extra_roots``."""
    root = None
    for g in parsed:
        if g[0] == "ROOT":
            if root is None:
                root = node(g[3], g[4], g[5])
            else:
                counts["extra_roots"] += 1
    if root is None:
        raise CascadeFormatError("tree has no ROOT line")
    return root


def _link(parsed: list, node: _Nodes, root: int, counts: dict) -> tuple[dict, dict]:
    """``(parent, children)`` of the edges kept, in file order: the first parent of a node wins; self
    loops, children timed before their parent and second parents are counted and dropped."""
    parent: dict = {}
    children: dict = {}
    for g in parsed:
        if g[0] == "ROOT":
            continue
        p, c = node(g[0], g[1], g[2]), node(g[3], g[4], g[5])
        if p == c:
            counts["self_loops"] += 1
        elif node.tmin[c] < node.tmin[p]:
            counts["child_before_parent"] += 1
        elif c == root or c in parent:
            counts["second_parents"] += 1
        else:
            parent[c] = p
            children.setdefault(p, []).append(c)
    return parent, children


def load_twitter15_16(path: object, *, datasets: tuple[str, ...] = ("twitter15", "twitter16"),
                      limit: int | None = None) -> CascadeSet:
    """Read every tree of the Twitter15/16 archive straight from the ``.tgz``.

    Parameters
    ----------
    path
        The ``twitter15_16.tgz`` archive (never extracted to disk).
    datasets
        Which of ``twitter15`` / ``twitter16`` to read.
    limit
        Read at most this many trees per dataset (for quick looks and tests).

    Returns
    -------
    CascadeSet
        Trees (with ``label`` from ``label.txt``) and one report row per tree
        file or labelled tree (a label without a tree file gets an ``error``).

    Raises
    ------
    CascadeFormatError
        When the archive cannot be opened or read.
    """
    path = Path(path)
    rows: list = []
    trees: dict = {}
    try:
        with tarfile.open(path, "r:*") as tf:
            # one pass in archive order: random access into a .tgz re-decompresses
            wanted = tuple(f"{ds}/" for ds in datasets)
            files = {m.name: tf.extractfile(m).read() for m in tf if m.isfile() and m.name.startswith(wanted)}
            for ds in datasets:
                labels = {}
                lab = files.get(f"{ds}/label.txt")
                if lab is not None:
                    for line in lab.decode("utf-8", "replace").splitlines():
                        if ":" in line:
                            label, tid = line.strip().split(":", 1)
                            labels[tid] = label
                names = sorted(n for n in files if n.startswith(f"{ds}/tree/") and n.endswith(".txt"))
                if limit is not None:
                    names = names[:limit]
                found = set()
                for name in names:
                    tid = Path(name).stem
                    found.add(tid)
                    row = {"dataset": ds, "tree_id": tid, "label": labels.get(tid), "error": ""}
                    try:
                        g, counts = parse_tree(files[name].decode("utf-8", "replace"))
                    except CascadeFormatError as exc:
                        row.update(dict.fromkeys(("lines", "nodes", "edges", *DROP_REASONS), 0), error=str(exc))
                        rows.append(row)
                        continue
                    g.graph.update(dataset=ds, tree_id=tid, label=labels.get(tid))
                    row.update(counts, nodes=g.number_of_nodes(), edges=g.number_of_edges())
                    trees[f"{ds}/{tid}"] = g
                    rows.append(row)
                if limit is None:
                    for tid in sorted(set(labels) - found):
                        row = {"dataset": ds, "tree_id": tid, "label": labels[tid],
                               "error": "labelled but no tree file"}
                        row.update(dict.fromkeys(("lines", "nodes", "edges", *DROP_REASONS), 0))
                        rows.append(row)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise CascadeFormatError(f"{path}: cannot read cascade archive: {exc}", path=path) from exc
    cols = ["dataset", "tree_id", "label", "lines", "nodes", "edges", *DROP_REASONS, "error"]
    return CascadeSet(trees=trees, report=pd.DataFrame(rows, columns=cols))
