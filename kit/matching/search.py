"""Exact candidate search over packed binary hashes (Hamming distance).

One function, :func:`search`, answers "which haystack hashes lie within
``radius`` of each query" (inclusive) or "the ``k`` nearest". Small sets use
numpy popcount (chunked brute force); large ones numpy multi-index hashing
(:mod:`kit.matching.mih`, the default, exact) or a FAISS binary index:
``IndexBinaryMultiHash`` for radius search (exact by the pigeonhole rule: the
hash is cut into ``nhash`` chunks and each chunk is probed with up to
``nflip`` flipped bits, with ``nhash * (nflip + 1) > radius``) and
``IndexBinaryFlat`` for k-NN. FAISS's ``range_search`` returns distances
strictly below its radius, so ``radius + 1`` is passed.

:func:`build_index` returns a :class:`HashIndex` that can be saved
(:meth:`HashIndex.save`, one ``.npz`` file) and loaded (:func:`load_index`).

Examples
--------
>>> from kit.matching.search import search, build_index
>>> hay = ["0000000000000000", "000000000000000f", "ffffffffffffffff"]
>>> search(["0000000000000001"], hay, radius=3).values.tolist()
[[0, 0, 1], [0, 1, 3]]
>>> idx = build_index(hay, ids=["a", "b", "c"])
>>> idx.knn(["fffffffffffffff0"], k=1)[["target", "distance"]].values.tolist()
[['c', 4]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.errors import KitError
from kit.hashing.values import hamming_matrix, pack

__all__ = ["HashIndex", "SearchError", "build_index", "load_index", "search"]

#: Sets up to this many hashes are searched with numpy by default.
NUMPY_LIMIT = 20_000


class SearchError(KitError, ValueError):
    """A search was asked with bad arguments (no radius and no k, mixed hash sizes)."""


def _frame(q: np.ndarray, t: np.ndarray, d: np.ndarray, ids: Any) -> pd.DataFrame:
    df = pd.DataFrame({"query": q.astype(np.int64), "target": t.astype(np.int64), "distance": d.astype(np.int64)})
    df = df.sort_values(["query", "distance", "target"], kind="stable").reset_index(drop=True)
    if ids is not None:
        df["target"] = np.asarray(ids, dtype=object)[df["target"].to_numpy()]
    return df


@dataclass
class HashIndex:
    """Packed hashes plus, for large sets, a FAISS index over them.

    Attributes: ``packed`` ((n, nbytes) uint8), ``ids`` (labels or None),
    ``backend`` (``"numpy"`` or ``"faiss"``), ``radius`` (largest radius the
    multi-hash index answers exactly; larger radii use a flat scan).
    """

    packed: np.ndarray
    ids: np.ndarray | None = None
    backend: str = "numpy"
    radius: int = 0
    _mih: Any = field(default=None, repr=False)
    _flat: Any = field(default=None, repr=False)

    @property
    def nbits(self) -> int:
        """Bits per hash."""
        return int(self.packed.shape[1] * 8)

    def __len__(self) -> int:
        return int(self.packed.shape[0])

    # -- numpy -----------------------------------------------------------------
    def _numpy(self, q: np.ndarray, radius: int | None, k: int | None) -> pd.DataFrame:
        n = len(self)
        chunk = max(1, 4_000_000 // max(1, n))
        qs, ts, ds = [], [], []
        for s in range(0, len(q), chunk):
            d = hamming_matrix(q[s:s + chunk], self.packed)
            if radius is not None:
                qi, ti = np.nonzero(d <= radius)
                qs.append(qi + s), ts.append(ti), ds.append(d[qi, ti])
            else:
                kk = min(k, n)
                part = np.argpartition(d, kk - 1, axis=1)[:, :kk] if kk < n else np.tile(np.arange(n), (len(d), 1))
                qi = np.repeat(np.arange(len(d)), kk)
                ti = part.ravel()
                qs.append(qi + s), ts.append(ti), ds.append(d[qi, ti])
        if not qs:
            return _frame(np.zeros(0), np.zeros(0), np.zeros(0), self.ids)
        return _frame(np.concatenate(qs), np.concatenate(ts), np.concatenate(ds), self.ids)

    # -- faiss -------------------------------------------------------------------
    def _faiss_flat(self):
        if self._flat is None:
            from kit.extras import optional_import

            faiss = optional_import("faiss", extra="faiss")
            self._flat = faiss.IndexBinaryFlat(self.nbits)
            self._flat.add(self.packed)
        return self._flat

    def range(self, queries: Any, radius: int) -> pd.DataFrame:
        """All (query, target, distance) with distance <= ``radius``."""
        q = _check(pack(queries), self.nbits)
        if self.backend == "numpy" or len(q) == 0:
            return self._numpy(q, int(radius), None)
        if self.backend == "mih":
            if self._mih is None:
                from kit.matching.mih import MultiIndex

                self._mih = MultiIndex(self.packed, radius=self.radius)
            qi, ti, d = self._mih.range(q, int(radius))
            return _frame(qi, ti, d, self.ids)
        index = self._mih if (self._mih is not None and radius <= self.radius) else self._faiss_flat()
        lims, D, I = index.range_search(q, int(radius) + 1)  # faiss: strictly below
        qi = np.repeat(np.arange(len(q)), np.diff(lims.astype(np.int64)))
        return _frame(qi, I, D, self.ids)

    def knn(self, queries: Any, k: int) -> pd.DataFrame:
        """The ``k`` nearest targets of every query (ties broken by position)."""
        if k < 1:
            raise SearchError(f"k must be >= 1, got {k}")
        q = _check(pack(queries), self.nbits)
        if self.backend == "numpy" or len(q) == 0 or (self.backend == "mih" and len(self) <= NUMPY_LIMIT):
            return self._numpy(q, None, int(k))
        D, I = self._faiss_flat().search(q, int(min(k, len(self))))
        qi = np.repeat(np.arange(len(q)), I.shape[1])
        ok = I.ravel() >= 0
        return _frame(qi[ok], I.ravel()[ok], D.ravel()[ok], self.ids)

    def save(self, path: str | Path) -> Path:
        """Write the index to one ``.npz`` file (hashes, ids, backend, radius)."""
        path = Path(path)
        ids = np.asarray([] if self.ids is None else self.ids, dtype=str)
        np.savez_compressed(path, packed=self.packed, ids=ids, has_ids=self.ids is not None,
                            backend=self.backend, radius=self.radius)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _check(q: np.ndarray, nbits: int) -> np.ndarray:
    if q.size and q.shape[1] * 8 != nbits:
        raise SearchError(f"queries have {q.shape[1] * 8} bits, the index {nbits}")
    return q


def _mih_params(nbits: int, n: int, radius: int) -> tuple[int, int, int]:
    if nbits >= 128:  # long hashes: many 16-bit chunks probed with one flipped bit
        nhash = min(nbits // 16, math.ceil((radius + 1) / 2))
        return nhash, 16, max(0, math.ceil((radius + 1) / nhash) - 1)
    b = int(min(24, max(8, round(math.log2(max(2, n))))))
    nhash = max(1, nbits // b)
    nflip = max(0, math.ceil((radius + 1) / nhash) - 1)
    return nhash, b, nflip


def build_index(hashes: Any, *, ids: Any = None, backend: str = "auto", radius: int | None = None) -> HashIndex:
    """Index packed hashes (or Hash objects / hex strings) for :meth:`HashIndex.range` / ``knn``.

    Parameters
    ----------
    hashes
        The haystack.
    ids
        Optional labels returned as ``target`` instead of row numbers.
    backend
        ``"numpy"`` (popcount scan), ``"mih"`` (numpy multi-index hashing,
        :mod:`kit.matching.mih`, for radius search; k-NN uses a FAISS flat
        scan), ``"faiss"`` (FAISS ``IndexBinaryMultiHash``) or ``"auto"``
        (numpy up to 20,000 hashes, then mih).
    radius
        Largest radius the FAISS multi-hash index must answer exactly
        (default 10 for 64-bit hashes, 31 for 256-bit); larger radii fall back
        to a flat scan, still exact.
    """
    packed = pack(hashes)
    if ids is not None and len(ids) != len(packed):
        raise SearchError(f"{len(ids)} ids for {len(packed)} hashes")
    if backend == "auto":
        backend = "numpy" if len(packed) <= NUMPY_LIMIT else "mih"
    if backend not in ("numpy", "faiss", "mih"):
        raise SearchError(f"unknown backend {backend!r}")
    nbits = packed.shape[1] * 8
    r = int(radius if radius is not None else (31 if nbits >= 256 else 10))
    idx = HashIndex(packed, None if ids is None else np.asarray(ids, dtype=object), backend, r)
    if backend == "mih" and len(packed):
        from kit.matching.mih import MultiIndex

        idx._mih = MultiIndex(packed, radius=r)
    if backend == "faiss" and len(packed):
        from kit.extras import optional_import

        faiss = optional_import("faiss", extra="faiss")
        nhash, b, nflip = _mih_params(nbits, len(packed), r)
        if nflip <= 3:
            mih = faiss.IndexBinaryMultiHash(nbits, nhash, b)
            mih.nflip = nflip
            mih.add(packed)
            idx._mih = mih
    return idx


def load_index(path: str | Path) -> HashIndex:
    """Read an index written by :meth:`HashIndex.save` (FAISS structures are rebuilt)."""
    with np.load(Path(path), allow_pickle=False) as z:
        ids = z["ids"].astype(object) if bool(z["has_ids"]) else None
        return build_index(z["packed"], ids=ids, backend=str(z["backend"]), radius=int(z["radius"]))


def search(queries: Any, haystack: Any, *, radius: int | None = None, k: int | None = None,
           backend: str = "auto", ids: Any = None) -> pd.DataFrame:
    """Radius (inclusive) or k-NN search of ``queries`` in ``haystack`` (hashes or a HashIndex).

    Returns a DataFrame with columns ``query`` (row of ``queries``),
    ``target`` (row or id of the haystack) and ``distance``, sorted by query
    then distance. Exactly one of ``radius`` and ``k`` must be given.
    """
    if (radius is None) == (k is None):
        raise SearchError("give exactly one of radius= and k=")
    index = haystack if isinstance(haystack, HashIndex) else build_index(
        haystack, ids=ids, backend=backend, radius=radius)
    return index.range(queries, radius) if radius is not None else index.knn(queries, k)
