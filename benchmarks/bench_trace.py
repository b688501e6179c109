"""Spread-tracing accuracy on families of synthetic collections, with the trivial baselines (issue 13).

Run: .venv/bin/python benchmarks/bench_trace.py [--families all] [--seeds 0 1] [--held-out] [--fresh]
         [--cascades 10] [--small] [--cache DIR]

Each family (kit.demo.collections.FAMILIES) is a generator setting that no field
of which encodes the answer: random post ids, files named by SHA-256, share
counts as a platform shows them (or none), delays of hours or the real
Twitter15/16 delays, explicit links on half of the same-platform reposts
(half of those naming the first post of the chain), 20-40 % of the
intermediate copies never collected, 8 % of the times missing and 10 %
shifted by up to 30 min, the composite's source photo, donor photo and a
look-alike shot of the same scene as distractors:

    no_counts         no engagement counts
    platform_counts   counts as a platform shows them             (held out)
    twitter_delays    delays of real Twitter15/16 cascades
    all_edited        every repost re-encoded and edited (no byte-identical shares)
    many_shares       70 % byte-identical shares, platform counts
    deep_chains       deep trees: chains of 6+ edits              (held out)
    no_time_no_links  no timestamps and no links at all, every repost edited (with neither, nothing
                      tells which of several byte-identical posts came first)

Families and seeds marked held out (kit.demo.collections.HELD_OUT_FAMILIES,
HELD_OUT_SEEDS) were not looked at while the first tracer's cues were chosen;
`--held-out` adds them (families named with `--families` always run). Once
they had been seen (the deep chains exposed the reference choice), the fresh
seeds (FRESH_SEEDS, `--fresh`) became the untouched set for the final table.

The real pipeline runs on the files: kit.hashing.hash_image_file,
kit.matching.match_collection, kit.metadata.extract_for_step and
kit.spread.facts.media_facts (the media facts dfkit trace gives the builder:
JPEG quality, EXIF time), kit.spread.trace.posts_lineage (registration and
inheritance evidence), kit.spread.build. Printed for each collection, in
one run, on the kit's own variant clusters:

- ours: kit.spread.build with the lineage evidence;
- explicit-else-earliest: parent = the post the export links to when it is in
  the collection, else the earliest post of its cluster;
- earliest: parent = the earliest post of its cluster.

Scores (kit.spread.evaluate, truth reduced to the collected posts as NIST
does): root accuracy (every truth tree, the distractors' single posts
included), origin accuracy (the cascades of two posts or more only),
directed edge F1, ancestry F1; and for the composite's source / donor edges,
how many of the true ones the graph records (and how many it adds wrongly).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import networkx as nx
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cascades" / "twitter15_16.tgz"
CACHE = Path("/tmp/dfkit-bench-trace")


def _collect(family: str, seed: int, cascades: int, sizes: tuple, archive: Path | None, cache: Path) -> dict:
    """The collection and everything up to matching (kept in ``cache``: they do not change with the tracer)."""
    from kit.hashing import hash_image_file
    from kit.matching import match_collection
    from kit.demo import make_collection

    key = cache / f"{family}-s{seed}-n{cascades}-{sizes[0]}_{sizes[1]}"
    pkl = key / "inputs.pkl"
    if pkl.exists():
        try:
            with open(pkl, "rb") as fh:
                return pickle.load(fh)
        except (ModuleNotFoundError, AttributeError, EOFError, pickle.UnpicklingError) as exc:
            print(f"{key.name}: cached inputs unreadable ({type(exc).__name__}: {exc}); made again", flush=True)
    t0 = time.perf_counter()
    col = make_collection(key, family=family, n_cascades=cascades, sizes=sizes, seed=seed,
                          archive=archive if archive is not None and archive.exists() else None)
    hashes = _each_file(col, hash_image_file)
    items = pd.DataFrame({"id": col.media["sha256"], "kind": "image", "path": col.media["path"],
                          "payload": list(hashes["payload"])})
    t1 = time.perf_counter()
    res = match_collection(items)
    out = {"col": col, "hashes": hashes, "pairs": res.pairs, "clusters": res.clusters,
           "seconds": {"hash": t1 - t0, "match": time.perf_counter() - t1}}
    with open(pkl, "wb") as fh:
        pickle.dump(out, fh)
    return out


def _each_file(col, step) -> pd.DataFrame:
    """``step(path)`` on every media file: ``sha256``, ``status``, ``payload`` (a failed file is an error
    row, and the run goes on)."""
    rows = []
    for r in col.media.itertuples(index=False):
        try:
            rows.append({"sha256": r.sha256, "status": "ok", "payload": step(r.path)})
        except Exception as exc:  # noqa: BLE001 - a failed file is reported, the run goes on
            rows.append({"sha256": r.sha256, "status": "error", "payload": None, "error": str(exc)})
    return pd.DataFrame(rows)


def _facts(col, hashes: pd.DataFrame, key: Path) -> pd.DataFrame:
    """The media facts ``dfkit trace`` gives the builder (:func:`kit.spread.facts.media_facts` of the metadata
    step's payloads and the hashes: JPEG quality, EXIF time, added content), kept beside the inputs."""
    from kit.metadata import extract_for_step
    from kit.spread.facts import media_facts

    pkl = key / "facts.pkl"
    if pkl.exists():
        with open(pkl, "rb") as fh:
            return pickle.load(fh)
    facts = media_facts(_each_file(col, extract_for_step), hashes, col.media.assign(kind="image"))
    with open(pkl, "wb") as fh:
        pickle.dump(facts, fh)
    return facts


def _earliest(posts: pd.DataFrame, cluster_of: dict, *, explicit: bool) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(posts["post_id"])
    ids = set(posts["post_id"])
    big = pd.Timestamp.max.tz_localize("UTC")
    key = posts.assign(c=posts["media_sha256"].map(cluster_of), t=posts["posted_at"].fillna(big))
    for _, grp in key.groupby("c"):
        grp = grp.sort_values(["t", "post_id"])
        first = grp["post_id"].iloc[0]
        for pid, link in zip(grp["post_id"], grp["parent_post_id"]):
            if pid == first:
                continue
            g.add_edge(link if explicit and isinstance(link, str) and link in ids and link != pid else first, pid)
    for pid, link in zip(posts["post_id"], posts["parent_post_id"]):  # a link out of the cluster
        if explicit and g.in_degree(pid) == 0 and isinstance(link, str) and link in ids and link != pid \
                and not nx.has_path(g, pid, link):
            g.add_edge(link, pid)
    return g


def _plain(G: nx.DiGraph) -> nx.DiGraph:
    from kit.spread.build import copy_graph

    g = nx.DiGraph()
    g.add_nodes_from(G)
    g.add_edges_from(copy_graph(G).edges)
    return g


def run_one(family: str, seed: int, *, cascades: int = 10, sizes: tuple = (20, 50), archive: Path | None = ARCHIVE,
            cache: Path = CACHE, build_kw: dict | None = None, workers: int = 0) -> tuple[pd.DataFrame, dict]:
    """Score every method on one collection; return (table, info)."""
    from kit.spread.build import build
    from kit.spread.evaluate import evaluate
    from kit.spread.trace import auto_workers, posts_lineage

    inp = _collect(family, seed, cascades, sizes, archive, cache)
    col = inp["col"]
    posts, truth = col.posts, col.truth
    t0 = time.perf_counter()
    workers = workers if workers > 0 else auto_workers(len(col.media))  # as dfkit trace does
    lineage = posts_lineage(posts, inp["hashes"], col.media.assign(kind="image"), inp["clusters"], workers=workers)
    t1 = time.perf_counter()
    facts = _facts(col, inp["hashes"], cache / f"{family}-s{seed}-n{cascades}-{sizes[0]}_{sizes[1]}")
    G = build(posts, inp["pairs"], clusters=inp["clusters"], lineage=lineage, media=facts, **(build_kw or {}))
    t2 = time.perf_counter()
    cluster_of = dict(zip(inp["clusters"]["id"], inp["clusters"]["cluster"]))
    methods = {"ours": _plain(G), "explicit-else-earliest": _earliest(posts, cluster_of, explicit=True),
               "earliest": _earliest(posts, cluster_of, explicit=False)}
    rows = []
    cascade_nodes = {n for n in truth if truth.degree(n) > 0}  # without the isolated distractors
    for name, g in methods.items():
        s = evaluate(g, truth)
        c = evaluate(g.subgraph(cascade_nodes).copy(), truth.subgraph(cascade_nodes).copy())
        rows.append({"family": family, "seed": seed, "method": name, "root_accuracy": s.root_accuracy,
                     "origin_accuracy": c.root_accuracy, "edge_f1": s.edge_f1, "ancestry_f1": s.ancestry_f1})
    rel = col.relations
    found = sum(1 for r in rel.itertuples(index=False)
                if G.has_edge(r.parent, r.child) and G.edges[r.parent, r.child].get("relation") == r.relation)
    info = {"posts": len(posts), "media": len(col.media), "truth_edges": truth.number_of_edges(),
            "relations": len(rel), "relations_found": found,
            "relations_extra": sum(1 for _, _, d in G.edges(data=True) if d.get("relation") in ("source", "donor"))
            - found, "lineage_s": t1 - t0, "build_s": t2 - t1, "workers": workers, **{f"{k}_s": v for k, v in inp["seconds"].items()}}
    return pd.DataFrame(rows), info


def main(argv: list[str] | None = None) -> int:
    from kit.demo import FAMILIES, FRESH_SEEDS, HELD_OUT_FAMILIES, HELD_OUT_SEEDS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", nargs="+", default=["all"], help="family names, or all")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1], help="tuning seeds (0 1)")
    ap.add_argument("--held-out", action="store_true", help="also the held-out families and seeds")
    ap.add_argument("--fresh", action="store_true",
                    help="also the fresh seeds (200 201 300): kept for the final report after the held-out ones were seen")
    ap.add_argument("--cascades", type=int, default=10, help="cascades per collection (10)")
    ap.add_argument("--small", action="store_true", help="3 cascades of 8-15 posts (a quick check)")
    ap.add_argument("--cache", type=Path, default=CACHE, help="where collections and matches are kept")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes for the inheritance evidence (0: as dfkit trace, one per core from 200 files)")
    args = ap.parse_args(argv)
    fams = list(FAMILIES) if args.families == ["all"] else args.families
    if not args.held_out and args.families == ["all"]:  # families named on the command line always run
        fams = [f for f in fams if f not in HELD_OUT_FAMILIES]
    seeds = [*args.seeds, *(HELD_OUT_SEEDS if args.held_out else ()), *(FRESH_SEEDS if args.fresh else ())]
    n, sizes = (3, (8, 15)) if args.small else (args.cascades, (20, 50))
    tables, infos = [], []
    for fam in fams:
        for seed in seeds:
            try:
                t, info = run_one(fam, seed, cascades=n, sizes=sizes, cache=args.cache, workers=args.workers)
            except Exception as exc:  # noqa: BLE001 - one collection's failure is reported, the run goes on
                print(f"{fam:17s} seed {seed:3d}: FAILED: {type(exc).__name__}: {exc}", flush=True)
                continue
            split = "fresh" if seed in FRESH_SEEDS else (
                "held out" if fam in HELD_OUT_FAMILIES or seed in HELD_OUT_SEEDS else "tuning")
            tables.append(t.assign(split=split))
            infos.append({"family": fam, "seed": seed, "split": split, **info})
            ours = t.set_index("method")
            print(f"{fam:17s} seed {seed:3d} {'(' + split + ')' if split != 'tuning' else '':10s} {info['posts']:4d} posts: "
                  f"ours F1 {ours.loc['ours', 'edge_f1']:.3f} root {ours.loc['ours', 'root_accuracy']:.2f} "
                  f"origin {ours.loc['ours', 'origin_accuracy']:.2f} | "
                  f"explicit-else-earliest {ours.loc['explicit-else-earliest', 'edge_f1']:.3f} | earliest "
                  f"{ours.loc['earliest', 'edge_f1']:.3f} | relations {info['relations_found']}/{info['relations']} "
                  f"(+{info['relations_extra']}) | lineage {info['lineage_s']:.1f} s build {info['build_s']:.1f} s",
                  flush=True)
    table = pd.concat(tables, ignore_index=True)
    wide = table.pivot_table(index=["family", "split"], columns="method",
                             values=["edge_f1", "root_accuracy", "origin_accuracy"], aggfunc="mean")
    wide[("edge_f1", "ours - explicit-else-earliest")] = (wide[("edge_f1", "ours")]
                                                          - wide[("edge_f1", "explicit-else-earliest")])
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print("\nmean over seeds:")
        print(wide.to_string())
        inf = pd.DataFrame(infos)
        print(f"\ntrace time after matching (lineage + build), per collection: median "
              f"{(inf['lineage_s'] + inf['build_s']).median():.1f} s, max {(inf['lineage_s'] + inf['build_s']).max():.1f} s "
              f"for {inf['posts'].median():.0f} posts, {inf['workers'].max()} process(es) on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
