"""Spread-tracing accuracy on synthetic cascades with known truth (issue 6, section 5).

Run: .venv/bin/python benchmarks/bench_trace.py [--cascades 10] [--seed 0] [--small] [--archive PATH]

The collection (kit.spread.synth.make_collection): tree shapes cut from random
Twitter15/16 trees (../shared/data/cascades/twitter15_16.tgz; without it the
documented fallback model), base pictures from scikit-image's bundled photos
with a pasted patch, per-edge share or re-upload edit chains (crop, downscale,
caption bar, mirror, tint, grayscale, overlay, frame) with JPEG re-encodes,
10-40 % of the intermediate copies dropped, timestamp noise (sigma = half the
cascade's median repost delay, on 30 %) and removal (10 %), one look-alike distractor per cascade, explicit links
on 60 % of the shares (30 % of them naming the cascade's origin instead).

The real pipeline runs on the files: kit.hashing.hash_image_file,
kit.matching.match_collection, kit.spread.content.content_evidence,
kit.spread.build. Methods scored (kit.spread.evaluate, truth reduced to the
collected posts as NIST does):

- ours: kit.spread.build with every cue;
- ours, no timestamps: the same with every posted_at removed;
- ours, no engagement counts: the same without likes / shares / views (the
  generator's share count is the post's true number of reposts, incl. re-uploads
  and dropped ones; counting only same-bytes shares, or scaling each count by
  U(0.5, 1.5), changes edge F1 by < 0.005 on seed 0);
- earliest (matcher clusters): parent = the earliest post of its cluster;
- earliest (true clusters): the same with the true cascades as clusters;
- preceding: parent = the post just before it in its cluster;
- explicit only: the manifest's parent links, nothing else.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import pandas as pd

ARCHIVE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cascades" / "twitter15_16.tgz"
COLS = ["root_accuracy", "edge_precision", "edge_recall", "edge_f1", "undirected_f1", "orientation_accuracy",
        "ancestry_f1", "vo", "eo", "veo", "node_recall"]


def _pipeline(col, *, workers: int = 1) -> dict:
    from kit.hashing import hash_image_file
    from kit.matching import match_collection
    from kit.spread.facts import media_facts
    from kit.spread.trace import posts_content_evidence

    t0 = time.perf_counter()
    hashes = []
    for r in col.media.itertuples(index=False):
        try:
            hashes.append({"sha256": r.sha256, "status": "ok", "payload": hash_image_file(r.path)})
        except Exception as exc:  # noqa: BLE001 - a failed file is reported, the run goes on
            hashes.append({"sha256": r.sha256, "status": "error", "payload": None, "error": str(exc)})
    hashes = pd.DataFrame(hashes)
    items = pd.DataFrame({"id": col.media["sha256"], "kind": "image", "path": col.media["path"],
                          "payload": list(hashes["payload"])})
    t1 = time.perf_counter()
    res = match_collection(items, workers=workers)
    t2 = time.perf_counter()
    facts = media_facts(None, hashes, col.media)
    facts["jpeg_quality"] = facts["sha256"].map(dict(zip(col.media["sha256"], col.media["jpeg_quality"])))
    ev, groups = posts_content_evidence(col.posts, hashes, col.media, res.clusters)
    t3 = time.perf_counter()
    return {"pairs": res.pairs, "clusters": res.clusters, "groups": groups, "facts": facts, "evidence": ev,
            "seconds": {"hash": t1 - t0, "match": t2 - t1, "content": t3 - t2}}


def _star(posts: pd.DataFrame, cluster_of: dict, *, preceding: bool) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(posts["post_id"])
    big = pd.Timestamp.max.tz_localize("UTC")
    key = posts.assign(c=posts["media_sha256"].map(cluster_of), t=posts["posted_at"].fillna(big))
    for _, grp in key.groupby("c"):
        grp = grp.sort_values(["t", "post_id"])
        ids = list(grp["post_id"])
        for i in range(1, len(ids)):
            g.add_edge(ids[i - 1] if preceding else ids[0], ids[i])
    return g


def _explicit(posts: pd.DataFrame) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(posts["post_id"])
    for c, p in zip(posts["post_id"], posts["parent_post_id"]):
        if isinstance(p, str) and p in g:
            g.add_edge(p, c)
    return g


def _plain(G: nx.DiGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(G)
    g.add_edges_from(G.edges)
    return g


def run(*, cascades: int = 10, sizes: tuple[int, int] = (20, 50), seed: int = 0, archive: Path | None = ARCHIVE,
        workers: int = 1, out: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """Build a collection, run every method, return (table, info)."""
    from kit.spread.build import build
    from kit.spread.evaluate import evaluate
    from kit.spread.metrics import metrics
    from kit.spread.synth import make_collection

    with tempfile.TemporaryDirectory() as tmp:
        col = make_collection(out or tmp, n_cascades=cascades, sizes=sizes, seed=seed,
                              archive=archive if archive is not None and archive.exists() else None)
        inp = _pipeline(col, workers=workers)
        if out is not None:
            import pickle

            with open(Path(out) / "inputs.pkl", "wb") as fh:
                pickle.dump({"col": col, "inp": inp}, fh)
        posts, truth = col.posts, col.truth
        t = time.perf_counter()
        kw = {"media": inp["facts"], "clusters": inp["groups"], "evidence": inp["evidence"]}
        methods = {"ours": _plain(build(posts, inp["pairs"], **kw))}
        t_ours = time.perf_counter() - t
        methods["ours, no timestamps"] = _plain(build(posts.assign(posted_at=pd.NaT), inp["pairs"], **kw))
        # the share counts carry most of the order among identical copies: show what is left without them
        methods["ours, no engagement counts"] = _plain(build(posts.drop(columns=["likes", "shares", "views"]),
                                                             inp["pairs"], **kw))
        matcher = dict(zip(inp["clusters"]["id"], inp["clusters"]["cluster"]))
        methods["earliest (matcher clusters)"] = _star(posts, matcher, preceding=False)
        true_cluster = dict(zip(col.true_posts["media_sha256"], col.true_posts["cascade"]))
        # a distractor is its own cluster in the "true clusters" reference
        for r in col.true_posts.itertuples(index=False):
            if r.role == "distractor":
                true_cluster[r.media_sha256] = f"d{r.cascade}"
        methods["earliest (true clusters)"] = _star(posts, true_cluster, preceding=False)
        methods["preceding (matcher clusters)"] = _star(posts, matcher, preceding=True)
        methods["explicit only"] = _explicit(posts)
        rows = []
        for name, g in methods.items():
            s = evaluate(g, truth).as_dict()
            m = metrics(g).trees
            big = m[m["size"] > 1]
            rows.append({"method": name, **{c: s[c] for c in COLS},
                         "cascades": len(big), "mean_size": big["size"].mean(), "mean_depth": big["depth"].mean(),
                         "median_sv": big["structural_virality"].median()})
        tm = metrics(truth).trees
        tb = tm[tm["size"] > 1]
        rows.append({"method": "truth", "cascades": len(tb), "mean_size": tb["size"].mean(),
                     "mean_depth": tb["depth"].mean(), "median_sv": tb["structural_virality"].median()})
        info = {"posts": len(posts), "media": len(col.media), "truth_edges": truth.number_of_edges(),
                "dropped": int(col.true_posts["dropped"].sum()), "shapes": "twitter15_16" if archive is not None
                and archive.exists() else "fallback model", **{f"{k}_s": round(v, 1) for k, v in inp["seconds"].items()},
                "build_s": round(t_ours, 1)}
    return pd.DataFrame(rows), info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cascades", type=int, default=10, help="number of cascades (10)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (0)")
    ap.add_argument("--small", action="store_true", help="3 cascades of 8-15 posts (a quick check)")
    ap.add_argument("--archive", type=Path, default=ARCHIVE, help="twitter15_16.tgz (fallback model if absent)")
    ap.add_argument("--workers", type=int, default=1, help="processes for keypoint extraction (1)")
    ap.add_argument("--keep", type=Path, help="write the collection and the pipeline inputs (inputs.pkl) here")
    args = ap.parse_args(argv)
    n, sizes = (3, (8, 15)) if args.small else (args.cascades, (20, 50))
    t = time.perf_counter()
    table, info = run(cascades=n, sizes=sizes, seed=args.seed, archive=args.archive, workers=args.workers,
                      out=args.keep)
    print(f"collection: {info['posts']} posts, {info['media']} media files, {info['truth_edges']} true edges, "
          f"{info['dropped']} intermediate posts dropped; shapes from {info['shapes']}")
    print(f"time: hash {info['hash_s']} s, match {info['match_s']} s, content {info['content_s']} s, "
          f"build {info['build_s']} s, total {time.perf_counter() - t:.1f} s")
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print(table.set_index("method").to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
