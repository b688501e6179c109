"""The same batch steps over a large collection, on a Dask cluster, with persistent results.

:func:`run` splits the collection's media files into fixed partitions and
runs each (step, partition) as one Dask task on a ``distributed`` cluster (a
``LocalCluster`` by default, or any ``Client`` passed in). Each task writes
one Parquet file, ``OUT/<step>/part-NNNNN.parquet``, atomically (temp file,
then rename); a partition whose file exists is done. So a run that crashes,
or loses a worker, is resumed by running it again, and a task that Dask
re-runs after a worker dies overwrites nothing and duplicates nothing.

Result columns (one row per file and step): ``path``, ``sha256``, ``step``,
``version``, ``status``, ``error``, ``seconds``, ``payload`` (JSON text).
``OUT/items.parquet`` maps every post of the manifest to its file and
partition. :func:`build_hash_index` turns the stored PDQ (or pHash) hashes
into a saved index, :func:`match_index` finds every pair within a radius
in batches (never all pairs in memory) and writes ``OUT/matches-<algo>.parquet``;
:func:`read_results` reads results back lazily with pyarrow filters.

Dask is imported only here (``pip install 'deepfake-incident-kit[scale]'``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.errors import KitError
from kit.extras import optional_import
from kit.steps import Step, run_step

__all__ = ["ScaleError", "ScaleResult", "DEFAULT_STEPS", "DASK_CONFIG", "RESULT_COLUMNS", "collection_items",
           "local_cluster", "run", "read_results", "build_hash_index", "match_index", "range_all"]

DEFAULT_STEPS = ("hash.image", "metadata")
DASK_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings for :func:`local_cluster`. Every idle LocalCluster process otherwise spends 4-6 %
of a core on the statistical profiler (a stack sample every 10 ms) and the 0.1-0.5 s monitors:
measured 2.8 core-s per 20 s idle with 2 workers, 0.5 with these (the dashboard's Profile tab is
then empty). On a 2-core machine that overhead came straight off the workers' throughput."""
RESULT_COLUMNS = ["path", "sha256", "step", "version", "status", "error", "seconds", "payload"]


class ScaleError(KitError):
    """A large run cannot start (unknown step, unreadable collection, bad output folder)."""


@dataclass(frozen=True)
class ScaleResult:
    """What a run did: partitions written now and before, items, errors, wall time."""

    out: Path
    n_items: int
    n_partitions: int
    written: int
    skipped: int
    n_errors: int
    seconds: float


def _steps_by_name(names: Sequence[str]) -> list[Step]:
    from kit.pipeline import analysis_steps

    known = {s.name: s for s in analysis_steps()}
    missing = [n for n in names if n not in known]
    if missing:
        raise ScaleError(f"unknown step(s) {missing}; known: {sorted(known)}")
    return [known[n] for n in names]


def collection_items(source: str | Path) -> pd.DataFrame:
    """Posts of a manifest (CSV/JSONL), a Parquet table (``post_id``, ``media_path``) or a folder.

    Columns: post_id, media_path (absolute text, None where refused), error.
    A Parquet table's media paths are relative to its folder and must stay
    inside it (:func:`kit.containment.resolve_media`); a refused row keeps its
    post id and says why in ``error``.
    """
    from kit.containment import PathRefused, resolve_media

    source = Path(source)
    if source.suffix == ".parquet":
        df = pd.read_parquet(source, columns=["post_id", "media_path"])
        paths, errors = [], []
        for raw in df["media_path"]:
            try:
                paths.append(str(resolve_media(raw, source.parent)))
                errors.append(None)
            except PathRefused as exc:
                paths.append(None)
                errors.append(f"media_path refused: {exc}")
        return df.assign(media_path=paths, error=errors)
    from kit.manifest import read_folder, read_manifest

    manifest = read_folder(source) if source.is_dir() else read_manifest(source)
    return pd.DataFrame({"post_id": [r.post_id for r in manifest.rows],
                         "media_path": [str(r.media_path) for r in manifest.rows],
                         "error": None})


def _partition_task(step: Step, paths: list[str], target: str) -> dict[str, int]:
    """One Dask task: run ``step`` on ``paths`` and write ``target`` atomically."""
    from kit.hashing import file_digests
    from kit.sandbox_worker import tune_malloc

    tune_malloc()  # Dask's nanny sets MALLOC_TRIM_THRESHOLD_, which halves numpy speed here
    sandbox: Any = None
    if step.isolate:  # one sandbox worker per Dask worker process, kept across tasks
        from kit.sandbox import default_sandbox

        sandbox = default_sandbox()
    rows = []
    for path in paths:
        out = run_step(step, path, sandbox=sandbox)
        sha = (out.payload or {}).get("sha256") if step.name == "hash.image" else None
        if sha is None:  # the hash step reads the digest itself; the others need one read more
            try:
                sha = file_digests(path)["sha256"]
            except OSError as exc:
                rows.append({"path": path, "sha256": None, "step": step.name, "version": step.version,
                             "status": "error", "error": f"{step.name}: cannot read ({exc})",
                             "seconds": 0.0, "payload": None})
                continue
        rows.append({"path": path, "sha256": sha, "step": step.name, "version": step.version,
                     "status": out.status, "error": out.error, "seconds": out.seconds,
                     "payload": None if out.payload is None else json.dumps(out.payload)})
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    schema = pa.schema([("path", pa.string()), ("sha256", pa.string()), ("step", pa.string()),
                        ("version", pa.string()), ("status", pa.string()), ("error", pa.string()),
                        ("seconds", pa.float64()), ("payload", pa.string())])
    tmp = f"{target}.{os.getpid()}.tmp"
    pq.write_table(pa.Table.from_pandas(df, schema=schema, preserve_index=False), tmp)
    os.replace(tmp, target)
    return {"items": len(df), "errors": int((df["status"] == "error").sum())}


def _settle(out: Path, partition_size: int | None, steps: list[Step]) -> int:
    """Check (or write) ``OUT/run.json``: partition size and step versions must not change."""
    record = out / "run.json"
    state = json.loads(record.read_text()) if record.exists() else {"partition_size": None, "steps": {}}
    stored = state["partition_size"]
    if stored is not None and partition_size is not None and partition_size != stored:
        raise ScaleError(f"{out.name} holds partitions of {stored} files: resume with that size "
                         f"or use another output folder")
    size = partition_size or stored or 200
    for step in steps:
        old = state["steps"].get(step.name)
        if old is not None and old != step.version:
            raise ScaleError(f"{out.name} holds {step.name} v{old} results; this kit makes "
                             f"v{step.version}: use another output folder")
        state["steps"][step.name] = step.version
    state["partition_size"] = size
    record.write_text(json.dumps(state, indent=2, sort_keys=True))
    return size


def local_cluster(workers: int = 2, **kwargs: Any) -> tuple[Any, Any]:
    """A ``LocalCluster`` of single-threaded worker processes with :data:`DASK_CONFIG`, and its ``Client``.

    Close both when done (``client.close(); cluster.close()``). Scripts that
    start one need the ``if __name__ == "__main__":`` guard.
    """
    import dask

    distributed = optional_import("distributed", extra="scale")
    with dask.config.set(DASK_CONFIG):  # the nanny hands this config to the worker processes it starts
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=kwargs.pop("dashboard_address", None), **kwargs)
        client = distributed.Client(cluster)
    return cluster, client


def run(source: str | Path, steps: Sequence[str] = DEFAULT_STEPS, *, out: str | Path,
        client: Any = None, workers: int = 2, partition_size: int | None = None,
        progress: bool = True) -> ScaleResult:
    """Run ``steps`` over every media file of ``source`` on a Dask cluster; resumable.

    Parameters
    ----------
    source
        Manifest (CSV/JSONL), Parquet table of posts, or a folder of media.
    steps
        Step names (see :func:`kit.pipeline.analysis_steps`).
    out
        Output folder (Parquet results, items table, indexes).
    client
        A ``distributed.Client``; default a ``LocalCluster`` of ``workers``
        single-threaded worker processes, closed at the end.
    partition_size
        Files per task and per Parquet file (default 200). A resumed run keeps
        the size recorded in ``OUT/run.json``; asking for another is an error.
    """
    distributed = optional_import("distributed", extra="scale")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    step_objs = _steps_by_name(steps)
    partition_size = _settle(out, partition_size, step_objs)
    items = collection_items(source)
    paths = sorted(set(items["media_path"].dropna()))
    part_of = {p: i // partition_size for i, p in enumerate(paths)}
    items["partition"] = items["media_path"].map(part_of)
    items.to_parquet(out / "items.parquet", index=False)
    n_parts = (len(paths) + partition_size - 1) // partition_size
    todo, skipped = [], 0
    for step in step_objs:
        folder = out / step.name
        folder.mkdir(exist_ok=True)
        for i in range(n_parts):
            target = folder / f"part-{i:05d}.parquet"
            if target.exists():
                skipped += 1
            else:
                todo.append((step, paths[i * partition_size:(i + 1) * partition_size], str(target)))
    t0 = time.perf_counter()
    own = client is None
    cluster = None
    if own:
        cluster, client = local_cluster(workers)
    n_err = 0
    try:
        futures = [client.submit(_partition_task, step, part, target, key=f"dfkit-{Path(target).parent.name}-"
                                 f"{Path(target).stem}-{time.time_ns()}", retries=2, pure=False)
                   for step, part, target in todo]
        done: Iterable[Any] = distributed.as_completed(futures)
        if progress and futures:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(futures), desc="partitions", unit="part")
        for fut in done:
            n_err += fut.result()["errors"]
    finally:
        if own:
            client.close()
            cluster.close()
    for step in step_objs:  # a worker killed while writing leaves its temporary file; the retry wrote the part
        for tmp in (out / step.name).glob("part-*.parquet.*.tmp"):
            if (out / step.name / tmp.name.split(".parquet.")[0]).with_suffix(".parquet").exists():
                tmp.unlink(missing_ok=True)
    return ScaleResult(out, len(paths), n_parts, len(todo), skipped, n_err, time.perf_counter() - t0)


def read_results(out: str | Path, step: str, *, columns: list[str] | None = None,
                 filters: Any = None) -> pd.DataFrame:
    """Read one step's results (all partitions) with pyarrow, only the columns and rows asked for.

    Only finished partitions count (``part-NNNNN.parquet``): a worker killed while writing leaves
    its ``part-NNNNN.parquet.PID.tmp`` behind, and the resumed run writes that partition again."""
    import pyarrow.dataset as ds

    folder = Path(out) / step
    if not folder.is_dir():
        raise ScaleError(f"no results for step {step!r} under {Path(out).name}")
    parts = sorted(str(p) for p in folder.glob("part-*.parquet"))
    if not parts:
        raise ScaleError(f"no finished partition for step {step!r} under {Path(out).name}")
    dataset = ds.dataset(parts, format="parquet")
    return dataset.to_table(columns=columns, filter=filters).to_pandas()


def build_hash_index(out: str | Path, *, algo: str = "pdq", min_quality: int = 50,
                     radius: int | None = None) -> Path:
    """Index the stored ``hash.image`` hashes of ``algo`` (pdq or phash) by sha256; saved to
    ``OUT/index-<algo>.npz`` with its id mapping (see :class:`kit.matching.HashIndex`)."""
    import pyarrow.dataset as ds

    from kit.matching import build_index

    rows = read_results(out, "hash.image", columns=["sha256", "status", "payload"],
                        filters=ds.field("status") == "ok")
    ids, hashes = [], []
    for sha, payload in zip(rows["sha256"], rows["payload"]):
        p = json.loads(payload)
        if algo == "pdq" and p.get("pdq_quality", 0) < min_quality:
            continue
        if p.get(algo):
            ids.append(sha)
            hashes.append(p[algo])
    unique = dict(zip(ids, hashes))  # the same file in several posts is indexed once
    if not unique:
        raise ScaleError(f"no {algo} hashes stored under {Path(out).name}: run the hash.image step")
    radius = radius if radius is not None else (31 if algo == "pdq" else 10)
    index = build_index(list(unique.values()), ids=list(unique), radius=radius)
    return Path(index.save(Path(out) / f"index-{algo}.npz"))


_INDEX: Any = None  # the index a range_all worker process loaded once


def _load_worker_index(path: str) -> None:
    global _INDEX
    from kit.matching import load_index

    _INDEX = load_index(path)
    _INDEX.ids = None  # answer in row numbers; the caller maps them to ids


def _range_rows(start: int, stop: int, radius: int) -> pd.DataFrame:
    hits = _INDEX.range(_INDEX.packed[start:stop], radius)
    q = hits["query"].to_numpy() + start
    t = hits["target"].to_numpy()
    keep = q < t
    return pd.DataFrame({"a": q[keep], "b": t[keep], "distance": hits["distance"].to_numpy()[keep]})


def range_all(index_path: str | Path, radius: int, *, workers: int = 1, batch: int = 20_000) -> Iterator[pd.DataFrame]:
    """Every pair of rows of a saved index within ``radius`` (inclusive), once (``a < b``, row numbers).

    Yields one DataFrame (``a``, ``b``, ``distance``) per query batch, in
    order. With ``workers > 1`` the batches run in that many processes
    (forkserver), each loading the index from ``index_path`` once; memory is
    then the index once per process. Scripts need the ``__main__`` guard.
    """
    global _INDEX
    path = str(index_path)
    if workers <= 1:
        _load_worker_index(path)
        try:
            for a in range(0, len(_INDEX), batch):
                yield _range_rows(a, min(len(_INDEX), a + batch), radius)
        finally:
            _INDEX = None
        return
    with np.load(path, allow_pickle=False) as z:
        n = int(z["packed"].shape[0])
    spans = [(s, min(n, s + batch)) for s in range(0, n, batch)]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from kit.sandbox import START_METHOD

    with ProcessPoolExecutor(workers, mp_context=mp.get_context(START_METHOD), initializer=_load_worker_index,
                             initargs=(path,)) as pool:
        futures = [pool.submit(_range_rows, a, b, radius) for a, b in spans]
        for f in futures:
            yield f.result()


def match_index(out: str | Path, *, algo: str = "pdq", radius: int = 31, batch: int = 20_000,
                workers: int = 1) -> Path:
    """All pairs within ``radius`` (inclusive) from the saved index, in query batches (``workers``
    processes, see :func:`range_all`); streamed to ``OUT/matches-<algo>.parquet`` (sha256 ids)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    path = out / f"index-{algo}.npz"
    if not path.exists():
        raise ScaleError(f"no {algo} index under {out.name}: run build_hash_index first")
    with np.load(path, allow_pickle=False) as z:
        ids = z["ids"].astype(object) if bool(z["has_ids"]) else None
    target = out / f"matches-{algo}.parquet"
    key = pa.int64() if ids is None else pa.string()
    schema = pa.schema([("a", key), ("b", key), ("distance", pa.int64())])
    writer = None
    try:
        for hits in range_all(path, radius, workers=workers, batch=batch):
            if ids is not None:  # by id, the smaller first
                a, b = ids[hits["a"].to_numpy()], ids[hits["b"].to_numpy()]
                swap = a > b
                hits = pd.DataFrame({"a": np.where(swap, b, a), "b": np.where(swap, a, b),
                                     "distance": hits["distance"].to_numpy()})
            writer = writer or pq.ParquetWriter(str(target), schema)
            writer.write_table(pa.Table.from_pandas(hits, schema=schema, preserve_index=False))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(schema.empty_table(), str(target))
    return target
