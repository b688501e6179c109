"""Search speed and recall: 1M random 64-bit and 256-bit hashes, 1,000 queries.

Run: ``.venv/bin/python benchmarks/bench_search.py [--n 1000000]`` (FAISS on one thread).
Prints ms per query for our index (numpy multi-index hashing, exact by the
pigeonhole rule, kit.matching.mih), FAISS's IndexBinaryMultiHash and brute force (FAISS flat scan; numpy popcount on 20 queries),
and recall of ours against brute force. Targets: exact, <= 0.5 ms/query for
64-bit (radius 8), <= 1 ms for 256-bit (radius 31) per 1M hashes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _queries(hay: np.ndarray, n: int, flips: int, rng) -> np.ndarray:
    q = hay[rng.choice(len(hay), n, replace=False)].copy()
    bits = np.unpackbits(q, axis=1)
    for r in range(n):
        k = rng.integers(0, flips + 1)
        bits[r, rng.choice(bits.shape[1], k, replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    a = ap.parse_args()
    import faiss

    from kit.hashing.values import hamming_matrix
    from kit.matching import build_index

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"{'bits':>4} {'radius':>6} {'n':>9} {'method':<26} {'ms/query':>9} {'hits':>7} {'recall':>7} {'speed-up':>9}")
    for nbits, radius in ((64, 8), (256, 31)):
        hay = rng.integers(0, 256, (a.n, nbits // 8), dtype=np.uint8)
        q = _queries(hay, a.queries, radius + 4, rng)
        t = time.perf_counter()
        idx = build_index(hay, backend="mih", radius=radius)
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        ours = idx.range(q, radius)
        t_ours = (time.perf_counter() - t) / len(q) * 1e3
        t = time.perf_counter()
        fidx = build_index(hay, backend="faiss", radius=radius)
        t_fbuild = time.perf_counter() - t
        t = time.perf_counter()
        fm = fidx.range(q, radius)
        t_fm = (time.perf_counter() - t) / len(q) * 1e3
        flat = faiss.IndexBinaryFlat(nbits)
        flat.add(hay)
        t = time.perf_counter()
        lims, D, I = flat.range_search(q, radius + 1)
        t_flat = (time.perf_counter() - t) / len(q) * 1e3
        truth = {(int(qi), int(ti)) for qi in range(len(q)) for ti in I[lims[qi]:lims[qi + 1]]}
        got = set(zip(ours["query"].astype(int), ours["target"].astype(int)))
        recall = len(truth & got) / max(1, len(truth))
        t = time.perf_counter()
        hamming_matrix(q[:20], hay)
        t_np = (time.perf_counter() - t) / 20 * 1e3
        print(f"{nbits:>4} {radius:>6} {a.n:>9} {'numpy popcount (brute)':<26} {t_np:9.2f} {'':>7} {'':>7} {1.0:8.2f}x")
        print(f"{nbits:>4} {radius:>6} {a.n:>9} {'faiss flat (brute)':<26} {t_flat:9.3f} {len(truth):>7} {1.0:7.3f} {t_np / t_flat:8.2f}x")
        fgot = set(zip(fm["query"].astype(int), fm["target"].astype(int)))
        frec = len(truth & fgot) / max(1, len(truth))
        print(f"{nbits:>4} {radius:>6} {a.n:>9} {'faiss IndexBinaryMultiHash':<26} {t_fm:9.3f} {len(fgot):>7} {frec:7.3f} {t_np / t_fm:8.2f}x"
              f"   (build {t_fbuild:.1f} s)")
        print(f"{nbits:>4} {radius:>6} {a.n:>9} {'ours: numpy multi-index':<26} {t_ours:9.3f} {len(got):>7} {recall:7.3f} {t_np / t_ours:8.2f}x"
              f"   (build {t_build:.1f} s, exact: {got == truth})")


if __name__ == "__main__":
    main()
