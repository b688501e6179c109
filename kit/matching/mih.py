"""Multi-index hashing: exact Hamming radius search over millions of hashes with numpy.

The hash is cut into ``m = nbits // log2(n)`` chunks (about ``log2(n)`` bits each). By the
pigeonhole rule, a hash within distance ``r`` of the query differs in at
most ``f = r // m`` bits on at least one chunk (else the distance would be at
least ``m * (f + 1) > r``). So each chunk's table is probed with the query's
chunk and every variant with up to ``f`` flipped bits, the candidates are
gathered and their true distance checked with popcount: exact, and a few
thousand candidates per query instead of a scan of the whole set (Norouzi,
Punjani & Fleet, "Fast search in Hamming space with multi-index hashing",
CVPR 2012). Each chunk has a direct-address table (CSR offsets over the rows
sorted by chunk value); all queries of a batch are probed at once.

Examples
--------
>>> import numpy as np
>>> from kit.matching.mih import MultiIndex
>>> rng = np.random.default_rng(0)
>>> hay = rng.integers(0, 256, (5000, 8), dtype=np.uint8)
>>> q = hay[:3].copy(); q[:, 0] ^= 0b111  # 3 bits away
>>> idx = MultiIndex(hay, radius=8)
>>> qi, ti, d = idx.range(q, 8)
>>> sorted(zip(qi.tolist(), ti.tolist(), d.tolist()))
[(0, 0, 3), (1, 1, 3), (2, 2, 3)]
"""

from __future__ import annotations

from itertools import combinations
from math import log2

import numpy as np

__all__ = ["MultiIndex"]


def _chunk_values(packed: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Integer value of bits ``[start, stop)`` (MSB first) of every packed row."""
    b0, b1 = start // 8, (stop + 7) // 8
    bits = np.unpackbits(packed[:, b0:b1], axis=1)[:, start - 8 * b0: stop - 8 * b0]
    w = stop - start
    return (bits.astype(np.int64) << np.arange(w - 1, -1, -1, dtype=np.int64)).sum(axis=1)


def _masks(width: int, flips: int) -> np.ndarray:
    out = [0]
    for k in range(1, flips + 1):
        out.extend(sum(1 << i for i in c) for c in combinations(range(width), k))
    return np.asarray(out, dtype=np.int64)


class MultiIndex:
    """Exact radius search index for packed hashes (``(n, nbytes)`` uint8).

    ``radius`` is the largest radius planned for; the chunk count is chosen so
    that the probes stay few (``chunk_bits`` overrides the ``log2(n)`` width).
    Searches with a larger radius stay exact (more flips are probed).
    """

    def __init__(self, packed: np.ndarray, *, radius: int = 10, chunk_bits: int | None = None) -> None:
        self.packed = np.ascontiguousarray(packed, dtype=np.uint8)
        n, nbytes = self.packed.shape
        self.nbits = nbytes * 8
        b = chunk_bits or int(min(22, max(8, round(log2(max(2, n))))))
        m = max(1, self.nbits // b)
        while self.nbits / m > 24:  # direct-address tables stay <= 2**24 entries
            m += 1
        edges = np.linspace(0, self.nbits, m + 1).round().astype(int)
        self.chunks = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
        self.words = _words(self.packed)
        self.tables = []
        for s, e in self.chunks:  # CSR table: rows of chunk value v are order[offsets[v]:offsets[v + 1]]
            v = _chunk_values(self.packed, s, e)
            order = np.argsort(v, kind="stable").astype(np.int64)
            offsets = np.zeros((1 << (e - s)) + 1, np.int64)
            np.cumsum(np.bincount(v, minlength=1 << (e - s)), out=offsets[1:])
            self.tables.append((offsets, order))
        self.radius = int(radius)

    def range(self, queries: np.ndarray, radius: int, *, batch: int = 2000):
        """``(query_rows, target_rows, distances)`` of all pairs within ``radius`` (inclusive)."""
        q = np.ascontiguousarray(queries, dtype=np.uint8)
        m = len(self.chunks)
        flips = int(radius) // m
        masks = {e - s: _masks(e - s, flips) for s, e in self.chunks}
        out_q, out_t, out_d = [], [], []
        qw_all = _words(q)
        for b0 in range(0, len(q), batch):
            qb = q[b0:b0 + batch]
            cand_q, cand_t = [], []
            for (s, e), (offsets, order) in zip(self.chunks, self.tables):
                keys = (_chunk_values(qb, s, e)[:, None] ^ masks[e - s][None, :]).ravel()
                lo = offsets[keys]
                cnt = offsets[keys + 1] - lo
                tot = int(cnt.sum())
                if not tot:
                    continue
                qi = np.repeat(np.arange(len(keys)) // len(masks[e - s]), cnt)
                pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
                cand_q.append(qi)
                cand_t.append(order[pos])
            if not cand_q:
                continue
            cq, ct = np.concatenate(cand_q), np.concatenate(cand_t)
            d = np.bitwise_count(qw_all[b0:b0 + batch][cq] ^ self.words[ct]).sum(axis=1, dtype=np.int64)
            ok = d <= radius  # check first, then drop the few hits found through several chunks
            key, first = np.unique(cq[ok] * len(self.packed) + ct[ok], return_index=True)
            out_q.append(key // len(self.packed) + b0), out_t.append(key % len(self.packed))
            out_d.append(d[ok][first])
        if not out_q:
            z = np.zeros(0, np.int64)
            return z, z, z
        return np.concatenate(out_q), np.concatenate(out_t), np.concatenate(out_d)


def _words(packed: np.ndarray) -> np.ndarray:
    n, nb = packed.shape
    if nb % 8:
        packed = np.concatenate([packed, np.zeros((n, 8 - nb % 8), np.uint8)], axis=1)
    return np.ascontiguousarray(packed).view(np.uint64)
