"""Tests for kit.spread.cascades (Twitter15/16 loader and its drop report)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import networkx as nx
import pytest

from kit.spread.cascades import DROP_REASONS, load_twitter15_16, parse_tree
from kit.spread.errors import CascadeFormatError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TGZ = SHARED / "cascades" / "twitter15_16.tgz"


def needs_tgz(f):
    """Mark a test as using ../shared/data and skip it when the archive is absent."""
    return pytest.mark.shared(pytest.mark.skipif(not TGZ.exists(), reason="shared Twitter15/16 archive absent")(f))


def _line(p, c):
    return f"{p!r}->{c!r}".replace('"', "'")


R = ["ROOT", "ROOT", "0.0"]
A = ["1", "100", "0.0"]
B = ["2", "100", "1.5"]
C = ["3", "100", "2.0"]
D = ["4", "101", "3.25"]
B0 = ["2", "100", "0.0"]

PARSE = [
    pytest.param([_line(R, A), _line(A, B), _line(B, C)], {}, [(0, 1), (1, 2)], id="clean-chain"),
    pytest.param([_line(R, A), _line(A, B), _line(A, B)], {"duplicate_lines": 1}, [(0, 1)], id="duplicate"),
    pytest.param([_line(R, A), _line(A, B), _line(B, B)], {"self_loops": 1}, [(0, 1)], id="self-loop"),
    pytest.param([_line(R, A), _line(A, C), _line(C, B)], {"child_before_parent": 1, "unreachable_nodes": 1},
                 [(0, 1)], id="child-before-parent"),
    pytest.param([_line(R, A), _line(A, B), _line(A, C), _line(B, C)], {"second_parents": 1},
                 [(0, 1), (0, 2)], id="second-parent-first-wins"),
    pytest.param([_line(R, A), _line(A, B0), _line(B0, A)], {"second_parents": 1}, [(0, 1)], id="edge-into-root"),
    pytest.param([_line(A, B), _line(R, A)], {}, [(0, 1)], id="root-line-last"),
    pytest.param([_line(R, A), _line(R, B), _line(A, C)], {"extra_roots": 1}, [(0, 1)],
                 id="two-roots"),
    pytest.param([_line(R, A), "garbage", "['1', '100', 'x']->['2', '100', '1']", _line(A, D)],
                 {"bad_lines": 2}, [(0, 1)], id="bad-lines"),
    pytest.param([_line(R, A), _line(B, C), _line(C, D)], {"unreachable_nodes": 3}, [], id="detached-subtree"),
]


@pytest.mark.parametrize("lines, drops, edges", PARSE)
def test_parse_tree_drop_reasons(lines, drops, edges):
    g, counts = parse_tree("\n".join(lines) + "\n\n")
    assert counts["lines"] == len(lines)
    for reason in DROP_REASONS:
        assert counts[reason] == drops.get(reason, 0), reason
    assert sorted(g.edges) == edges
    assert nx.is_arborescence(g) or g.number_of_nodes() == 1
    assert g.graph["root"] == 0 and g.nodes[0]["uid"] == "1" and g.nodes[0]["t_min"] == 0.0
    for u, v in g.edges:
        assert g.nodes[v]["t_min"] >= g.nodes[u]["t_min"]


def test_parse_tree_without_root_raises():
    with pytest.raises(CascadeFormatError):
        parse_tree(_line(A, B))


def _tgz(path: Path, files: dict) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_load_small_archive_reports_every_tree(tmp_path):
    arc = _tgz(tmp_path / "t.tgz", {
        "twitter15/label.txt": "true:100\nfalse:200\nunverified:300\n",
        "twitter15/tree/100.txt": "\n".join([_line(R, A), _line(A, B), _line(A, B), _line(B, C)]),
        "twitter15/tree/200.txt": _line(A, B),  # no ROOT line
        "twitter16/label.txt": "non-rumor:100\n",
        "twitter16/tree/100.txt": _line(R, A),
    })
    cs = load_twitter15_16(arc)
    assert set(cs.trees) == {"twitter15/100", "twitter16/100"}
    g = cs.trees["twitter15/100"]
    assert g.graph["label"] == "true" and g.graph["dataset"] == "twitter15" and g.number_of_nodes() == 3
    rep = cs.report.set_index(["dataset", "tree_id"])
    assert rep.loc[("twitter15", "100"), "duplicate_lines"] == 1
    assert "ROOT" in rep.loc[("twitter15", "200"), "error"]
    assert rep.loc[("twitter15", "300"), "error"] == "labelled but no tree file"
    tot = cs.totals()
    assert tot.loc["twitter15", "trees"] == 3 and tot.loc["twitter15", "errors"] == 2
    assert tot.loc["all", "trees"] == 4 and tot.loc["all", "duplicate_lines"] == 1
    only16 = load_twitter15_16(arc, datasets=("twitter16",))
    assert list(only16.trees) == ["twitter16/100"]


@pytest.mark.parametrize("content", [None, b"not a tarball"], ids=["missing", "corrupt"])
def test_bad_archive_raises(tmp_path, content):
    p = tmp_path / "x.tgz"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(CascadeFormatError):
        load_twitter15_16(p)


@needs_tgz
def test_real_trees_sample_are_clean_trees():
    cs = load_twitter15_16(TGZ, limit=25)
    assert len(cs.trees) == 50
    for key, g in cs.trees.items():
        assert nx.is_arborescence(g), key
        assert g.graph["label"] in {"true", "false", "unverified", "non-rumor"}
        assert g.nodes[0]["tweet_id"] == g.graph["tree_id"]  # the root is the source tweet
        for u, v in g.edges:
            assert g.nodes[v]["t_min"] >= g.nodes[u]["t_min"]


@needs_tgz
@pytest.mark.slow
def test_full_archive_counts_match_an_independent_read():
    cs = load_twitter15_16(TGZ)
    tot = cs.totals()
    assert (tot.loc["twitter15", "trees"], tot.loc["twitter16", "trees"]) == (1490, 818)
    assert tot.loc["all", "errors"] == 0
    # independent count straight from the archive: non-blank lines and exact duplicates
    lines = dups = 0
    with tarfile.open(TGZ) as tf:
        for m in tf:
            if m.isfile() and "/tree/" in m.name:
                ls = [x.strip() for x in tf.extractfile(m).read().decode().splitlines() if x.strip()]
                lines += len(ls)
                dups += len(ls) - len(set(ls))
    assert tot.loc["all", "lines"] == lines
    assert tot.loc["all", "duplicate_lines"] == dups
    kept = tot.loc["all", "edges"] + tot.loc["all", "trees"]  # + one ROOT line per tree
    dropped_lines = sum(tot.loc["all", r] for r in DROP_REASONS if r != "unreachable_nodes")
    assert kept + dropped_lines <= lines
    assert tot.loc["all", "nodes"] == tot.loc["all", "edges"] + tot.loc["all", "trees"]
