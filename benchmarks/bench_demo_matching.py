"""Repost matching on the demo incident: pairwise "same cascade" precision / recall per seed.

Run: ``.venv/bin/python benchmarks/bench_demo_matching.py [--seeds 7 1 3 11] [--workers 2]``.
For each seed the demo incident is generated (kit.demo.incident)
into a temporary folder (or ``--root``), every media file is hashed
(``hash.image`` / ``hash.video`` step functions, ``--workers`` processes) and
the collection is matched (``match_collection``). Scores are on posts: two
cascade posts (not distractors, media present) are a true pair; a distractor
belongs to no pair (kit.matching.evaluate). Baselines from the same hashes:
pHash <= 10 and PDQ <= 31 (dihedral variants included). Target: recall >= 0.98
at precision >= 0.99, matching in <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd


def _hash_one(arg):
    path, kind = arg
    from kit.hashing import hash_image_file, hash_video_file

    try:
        return (hash_video_file if kind == "video" else hash_image_file)(path), None
    except Exception as exc:  # noqa: BLE001 - reported as the item's error
        return None, repr(exc)


def _generate(out: Path, seed: int) -> None:
    if (out / "truth.json").exists() and json.loads((out / "truth.json").read_text()).get("seed") == seed:
        return
    subprocess.run([sys.executable, "-m", "kit.demo", "--out", str(out), "--seed", str(seed)], check=True,
                   capture_output=True)


def items_for(out: Path, workers: int, cache: bool) -> tuple[pd.DataFrame, dict, float]:
    """Items table (one row per distinct media file), post -> media id, hashing seconds."""
    from kit.hashing import file_digests
    from kit.sniff import sniff_path

    truth = json.loads((out / "truth.json").read_text())
    man = pd.read_csv(out / "manifest.csv", dtype=str)
    post_media, files = {}, {}
    for r in man.itertuples(index=False):
        p = out / str(r.media_path)
        if not isinstance(r.media_path, str) or not p.exists():
            continue
        sha = file_digests(p)["sha256"]
        post_media[r.post_id] = sha
        files.setdefault(sha, (str(p), sniff_path(p).kind))
    cpath = out / "_hashes.pkl"
    t = time.perf_counter()
    if cache and cpath.exists():
        payloads = pickle.loads(cpath.read_bytes())
    else:
        args = list(files.values())
        with ProcessPoolExecutor(workers) as ex:
            payloads = list(ex.map(_hash_one, args, chunksize=4))
        if cache:
            cpath.write_bytes(pickle.dumps(payloads))
    t_hash = time.perf_counter() - t
    items = pd.DataFrame([{"id": sha, "kind": kind, "path": path, "payload": pl[0], "error": pl[1]}
                          for (sha, (path, kind)), pl in zip(files.items(), payloads)])
    return items, {"post_media": post_media, "truth": truth}, t_hash


def _baseline(items: pd.DataFrame, algo: str, radius: int):
    from kit.matching import match_collection

    it = items.copy()
    it["payload"] = [None if p is None else {k: v for k, v in p.items() if k != "trimmed"} for p in it["payload"]]
    kw = {"pdq_radius": radius if algo == "pdq" else -1, "hash64_radius": radius if algo == "phash" else -1,
          "hash64_review": radius if algo == "phash" else -1, "video_share": 2.0}
    return match_collection(it, verify=False, **kw).clusters


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 1, 3, 11])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--root", type=Path, default=None, help="keep generated incidents (and hash caches) here")
    ap.add_argument("--show", action="store_true", help="list missed and wrong pairs' posts")
    a = ap.parse_args()
    from kit.demo import demo_truth_clusters
    from kit.matching import match_collection
    from kit.matching.evaluate import pair_scores, posts_clusters

    tmp = tempfile.TemporaryDirectory() if a.root is None else None
    root = Path(tmp.name) if tmp else a.root
    print(f"{'seed':>4} {'posts':>5} {'media':>5} {'method':<26} {'precision':>9} {'recall':>7} "
          f"{'clusters':>8} {'hash s':>7} {'match s':>8}")
    for seed in a.seeds:
        out = root / f"demo_s{seed}"
        _generate(out, seed)
        items, meta, t_hash = items_for(out, a.workers, cache=a.root is not None)
        truth = demo_truth_clusters(meta["truth"])
        n_posts = len(truth)
        rows = []
        for label, algo, r in (("pHash <= 10 (dihedral)", "phash", 10), ("PDQ <= 31 (dihedral)", "pdq", 31)):
            cl = _baseline(items, algo, r)
            s = pair_scores(posts_clusters(cl, meta["post_media"]), truth)
            rows.append((label, s, cl["cluster"].nunique(), float("nan"), float("nan")))
        res = match_collection(items, workers=a.workers)
        s = pair_scores(posts_clusters(res.clusters, meta["post_media"]), truth)
        rows.append(("ours: match_collection", s, res.clusters["cluster"].nunique(), t_hash, res.seconds["total"]))
        for label, s, ncl, th, tm in rows:
            print(f"{seed:>4} {n_posts:>5} {len(items):>5} {label:<26} {s.precision:9.3f} {s.recall:7.3f} "
                  f"{ncl:>8} {th:7.1f} {tm:8.1f}")
        if a.show:
            pc = posts_clusters(res.clusters, meta["post_media"])
            main_cl = pd.Series([pc[p] for p, t in truth.items() if t == "cascade" and p in pc]).mode()[0]
            miss = sorted(p for p, t in truth.items() if t == "cascade" and pc.get(p) != main_cl)
            wrong = sorted(p for p, t in truth.items() if t != "cascade" and pc.get(p) == main_cl)
            posts = meta["truth"]["posts"]
            print(f"     missed: {[(p, [o['op'] for o in posts[p]['transforms']]) for p in miss]}")
            print(f"     merged distractors: {[(p, posts[p]['distractor_kind']) for p in wrong]}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
