"""Scale benchmark: a generated collection end to end on 1 and 2 Dask workers, and 1M hash rows.

Run: .venv/bin/python benchmarks/bench_scale.py [--posts 10000] [--rows 1000000]

Part 1 generates ``--posts`` posts (images 0.3-2 MP; ~30 % reposts of 20 seed
pictures under repost transforms, the rest unrelated pictures), then runs
hash + metadata (kit.scale.run), the persistent PDQ index, matching at radius
31 and the spread graph of the matched clusters, with 1 and then 2 local
workers. It prints wall time, items/s, peak memory per worker and the 1 -> 2
worker speed-up (the baseline is the 1-worker run of the same collection).

Part 2 builds an index over ``--rows`` random 64-bit and 256-bit hashes (with
planted near duplicates), saves it, and matches every row against all rows at
radius 8 / 31 in ``--match-workers`` processes (kit.scale.range_all: each loads
the saved index once), printing build, save and matching time, pairs and peak
memory of the main process and of the largest worker. Run it alone
(``--skip-collection``) for worker memory that is not the Dask workers' of part 1.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageOps


def _picture(rng: np.random.Generator, w: int, h: int) -> Image.Image:
    small = (rng.random((max(4, h // 64), max(4, w // 64), 3)) * 255).astype(np.uint8)
    return Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)


def _repost(rng: np.random.Generator, img: Image.Image) -> Image.Image:
    op = rng.integers(0, 5)
    w, h = img.size
    if op == 0:
        return img.resize((int(w * 0.6), int(h * 0.6)))
    if op == 1:
        d = int(min(w, h) * 0.08)
        return img.crop((d, d, w - d, h - d))
    if op == 2:
        return ImageOps.mirror(img)
    if op == 3:
        return ImageOps.expand(img, border=(0, int(h * 0.12), 0, 0), fill="white")
    return ImageOps.grayscale(img).convert("RGB")


def make_collection(folder: Path, n: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    media = folder / "media"
    media.mkdir(parents=True)
    sizes = [(640, 480), (1024, 768), (1280, 960), (1600, 1200)]  # 0.3 - 1.9 MP
    seeds = [_picture(rng, *sizes[i % 4]) for i in range(20)]
    rows = ["post_id,platform,account,posted_at,media_path"]
    t0 = pd.Timestamp("2026-03-14T00:00Z")
    for i in range(n):
        if rng.random() < 0.3:
            img = _repost(rng, seeds[int(rng.integers(0, 20))])
        else:
            img = _picture(rng, *sizes[int(rng.integers(0, 4))])
        name = f"media/{i:06d}.jpg"
        img.save(folder / name, quality=int(rng.integers(70, 95)))
        rows.append(f"p{i},x,@a{i % 997},{(t0 + pd.Timedelta(seconds=37 * i)).isoformat()},{name}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder / "manifest.csv"


def _peak_worker_mb(client) -> float:
    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    return max(client.run(peak).values())


def end_to_end(manifest: Path, out: Path, workers: int) -> dict:
    import networkx as nx

    from kit import scale

    t0 = time.perf_counter()
    cluster, client = scale.local_cluster(workers)
    try:
        t1 = time.perf_counter()
        r = scale.run(manifest, ["hash.image", "metadata"], out=out, client=client, progress=False)
        t_steps = time.perf_counter() - t1
        peak = _peak_worker_mb(client)
    finally:
        client.close()
        cluster.close()
    t2 = time.perf_counter()
    scale.build_hash_index(out)
    pairs = pd.read_parquet(scale.match_index(out))
    g = nx.Graph()
    g.add_edges_from(zip(pairs["a"], pairs["b"]))
    clusters = [c for c in nx.connected_components(g) if len(c) > 1]
    t_match = time.perf_counter() - t2
    wall = time.perf_counter() - t0
    return {"workers": workers, "items": r.n_items, "errors": r.n_errors, "steps_s": t_steps,
            "index+match+graph_s": t_match, "wall_s": wall, "items_per_s": r.n_items / wall,
            "peak_worker_MB": peak, "pairs": len(pairs), "clusters": len(clusters)}


def hash_rows(n: int, nbits: int, radius: int, workers: int, seed: int = 1) -> dict:
    from kit.matching import build_index
    from kit.scale import range_all

    rng = np.random.default_rng(seed)
    packed = rng.integers(0, 256, (n, nbits // 8), dtype=np.uint8)
    dup = rng.choice(n, n // 100, replace=False)  # 1 % near duplicates of another row
    src = rng.choice(n, n // 100, replace=False)
    packed[dup] = packed[src]
    flips = rng.integers(0, nbits, (len(dup), radius // 2))
    for row, bits in zip(dup, flips):
        for b in bits:
            packed[row, b // 8] ^= np.uint8(1 << (b % 8))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    index = build_index(packed, radius=radius)
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        path = index.save(Path(tmp) / "index.npz")
        t_save = time.perf_counter() - t1
        del index
        t2 = time.perf_counter()
        with _TreeMemory() as tree:
            n_pairs = sum(len(hits) for hits in range_all(path, radius, workers=workers, batch=25_000))
        t_match = time.perf_counter() - t2
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": n, "bits": nbits, "radius": radius, "workers": workers, "build_s": t_build,
            "save_s": t_save, "match_all_s": t_match, "ms_per_query": 1000 * t_match / n, "pairs": n_pairs,
            "peak_MB_main": peak, "main_growth_MB": peak - before, "peak_MB_all_processes": tree.peak_mb,
            "total_s": t_build + t_save + t_match}


class _TreeMemory:
    """Peak of the summed RSS of this process and all its descendants (forkserver workers are
    grandchildren, which RUSAGE_CHILDREN does not see), sampled every 0.2 s."""

    def __enter__(self) -> "_TreeMemory":
        import threading

        import psutil

        self.peak_mb, self._stop = 0.0, threading.Event()
        me = psutil.Process()

        def sample() -> None:
            while not self._stop.wait(0.2):
                total = 0
                for p in [me, *me.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak_mb = max(self.peak_mb, total / 2**20)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-collection", action="store_true")
    ap.add_argument("--skip-rows", action="store_true")
    ap.add_argument("--match-workers", type=int, default=2, help="processes for matching all rows (2)")
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    if not args.skip_collection:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            t0 = time.perf_counter()
            manifest = make_collection(root / "src", args.posts)
            print(f"generated {args.posts} posts in {time.perf_counter() - t0:.0f} s")
            runs = [end_to_end(manifest, root / f"out{w}", w) for w in (1, 2)]
        df = pd.DataFrame(runs)
        print(df.round(2).to_string(index=False))
        print(f"speed-up 1 -> 2 workers (end to end): {runs[0]['wall_s'] / runs[1]['wall_s']:.2f}x; "
              f"steps only: {runs[0]['steps_s'] / runs[1]['steps_s']:.2f}x")
    if not args.skip_rows:
        rows = [hash_rows(args.rows, 64, 8, args.match_workers), hash_rows(args.rows, 256, 31, args.match_workers)]
        print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
