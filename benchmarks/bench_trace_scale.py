"""How the spread trace grows: time after matching for 1,000 to 10,000 posts (issue 13, item 6).

Run: .venv/bin/python benchmarks/bench_trace_scale.py [--posts 1000 3000 10000] [--workers 2]
         [--family all_edited] [--cache DIR]

One synthetic collection of the given family (kit.demo.collections; every repost
re-encoded and edited by default, the worst case: every post its own media
file) is generated once, large enough for the biggest size, and hashed with
kit.hashing.hash_image_file. Each size takes the first cascades that add up to
it. The matcher's clusters are stood in for by the generator's own (one per
cascade, each distractor alone): matching a collection is benchmarked by
bench_scale.py, and the trace's cost depends on the groups' sizes, not on who
found them. Timed, in one run for each size: kit.spread.trace.posts_lineage
(registration and pairwise inheritance, ``--workers`` processes) and
kit.spread.build (given each file's path and luma table, as ``dfkit trace`` gives it the
media facts: the first-copy choice reads the JPEG lattice of look-alike copies, kit.spread.lattice);
printed with seconds per post, so the growth can be read
off (linear in the posts for groups of bounded size: each copy is aligned
once, compared with the others of its group only).

The generator's cascades share its 12 base pictures, so at 10,000 posts every
picture's source, donor and look-alike photos recur about 23 times, each a
stray the trace re-joins to a cluster (kit.spread.content.rejoin_groups). A
stray joins the one cluster it matches best: before session 14 it joined all
of them, and the cascades of one base picture became groups of 150-380
copies that registration split again (9,535 posts: 13.9 min before, 9.1 after).

``--by-picture`` gives the trace the clusters the matcher makes instead: one
per base picture. kit.matching.match_collection put cascades 0, 12 and 24 of
the 10,000-post collection (three composites of one host photo, 139 files)
into one cluster with their source and look-alike photos, so at 10,000 posts
its clusters hold about 800 copies of some 23 composites each, which the
trace's registration must split apart (kit.spread.evidence._register_split).
Until session 15 it took one composite out a round and registered what was
left each round (quadratic); now the copies that leave a round are divided
into the pictures they show at once (kit.spread.composite._parts).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import pandas as pd

CACHE = Path("/tmp/dfkit-bench-trace-scale")


def _collection(family: str, posts: int, seed: int, cache: Path) -> dict:
    from kit.hashing import hash_image_file
    from kit.demo import make_collection

    key = cache / f"{family}-{posts}-s{seed}"
    pkl = key / "inputs.pkl"
    if pkl.exists():
        try:
            with open(pkl, "rb") as fh:
                return pickle.load(fh)
        except (ModuleNotFoundError, AttributeError, EOFError, pickle.UnpicklingError) as exc:
            print(f"{key.name}: cached inputs unreadable ({type(exc).__name__}: {exc}); made again", flush=True)
    cascades = max(1, round(posts / 37))  # sizes 20-50 give about 37 collected posts a cascade
    t0 = time.perf_counter()
    col = make_collection(key, family=family, n_cascades=cascades, sizes=(20, 50), seed=seed)
    t1 = time.perf_counter()
    from bench_trace import _each_file  # the sibling script (benchmarks/ is on the path when run)

    out = {"col": col, "hashes": _each_file(col, hash_image_file), "seconds": {"generate": t1 - t0,
                                                                 "hash": time.perf_counter() - t1}}
    with open(pkl, "wb") as fh:
        pickle.dump(out, fh)
    return out


def _luma(path: str) -> tuple | None:
    """A JPEG's first quantisation table as the metadata step stores it (``dfkit trace`` has it from
    there: kit.spread.facts), read before the clock starts; None for other files."""
    from kit.metadata.jpeg import parse_jpeg
    from kit.spread.facts import luma_table

    data = Path(path).read_bytes()
    return luma_table(parse_jpeg(data).tables) if data[:2] == b"\xff\xd8" else None


def main(argv: list[str] | None = None) -> int:
    from kit.demo.collections import BASE_IMAGES
    from kit.spread.build import build
    from kit.spread.trace import posts_lineage

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", nargs="+", type=int, default=[1000, 3000, 10000], help="sizes (1000 3000 10000)")
    ap.add_argument("--workers", type=int, default=2, help="processes for the inheritance evidence (2)")
    ap.add_argument("--family", default="all_edited", help="generator family (all_edited)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--by-picture", action="store_true",
                    help="one cluster per base picture, as the matcher makes them (see the module doc)")
    args = ap.parse_args(argv)
    inp = _collection(args.family, max(args.posts), args.seed, args.cache)
    col, hashes = inp["col"], inp["hashes"]
    tp = col.true_posts[~col.true_posts["dropped"]]
    print(f"collection: {len(col.posts)} posts, {len(col.media)} media files, {tp['cascade'].nunique()} cascades "
          f"(generated in {inp['seconds']['generate']:.0f} s, hashed in {inp['seconds']['hash']:.0f} s)")
    cluster = {}
    n_pics = len(BASE_IMAGES)
    for r in tp.itertuples(index=False):
        if args.by_picture:  # the generator's cascade c is made on base picture c % n, its donor (c + 5) % n
            cluster[r.media_sha256] = f"p{((r.cascade + 5) if r.role == 'donor' else r.cascade) % n_pics}"
        else:
            cluster[r.media_sha256] = f"d{r.post_id}" if r.role in ("source", "donor", "lookalike") else r.cascade
    rows = []
    for n in sorted(args.posts):
        cum = tp.groupby("cascade").size().cumsum()
        keep = set(cum[cum <= n].index) or {cum.index[0]}
        ids = set(tp.loc[tp["cascade"].isin(keep), "post_id"])
        posts = col.posts[col.posts["post_id"].isin(ids)].reset_index(drop=True)
        shas = set(posts["media_sha256"])
        media = col.media[col.media["sha256"].isin(shas)].assign(kind="image")
        clusters = pd.DataFrame({"id": list(shas), "cluster": [str(cluster[s]) for s in shas]})
        facts = media[["sha256", "path"]].assign(jpeg_luma_table=[_luma(p) for p in media["path"]])
        t0 = time.perf_counter()
        lineage = posts_lineage(posts, hashes[hashes["sha256"].isin(shas)], media, clusters, workers=args.workers)
        t1 = time.perf_counter()
        G = build(posts, None, media=facts, clusters=clusters, lineage=lineage)
        t2 = time.perf_counter()
        rows.append({"posts": len(posts), "media": len(media), "groups": clusters["cluster"].nunique(),
                     "pairs": len(lineage.pairs), "lineage_s": t1 - t0, "build_s": t2 - t1, "total_s": t2 - t0,
                     "ms_per_post": 1000 * (t2 - t0) / len(posts), "edges": G.number_of_edges()})
        print(f"{len(posts):6d} posts: lineage {t1 - t0:6.1f} s ({lineage.seconds}), build {t2 - t1:5.1f} s",
              flush=True)
    with pd.option_context("display.width", 200, "display.float_format", "{:.1f}".format):
        print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
