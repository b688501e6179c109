"""kit.scale on a real LocalCluster: a worker killed mid-run loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image

distributed = pytest.importorskip("distributed")

from kit import scale  # noqa: E402

pytestmark = pytest.mark.slow


def _collection(folder, n=240, seeds=12):
    rng = np.random.default_rng(0)
    bases = [(rng.random((12, 16, 3)) * 255).astype(np.uint8) for _ in range(seeds)]
    (folder / "media").mkdir(parents=True)
    rows = ["post_id,platform,posted_at,media_path"]
    for i in range(n):
        img = Image.fromarray(bases[i % seeds]).resize((160 + (i % 5) * 16, 120 + (i % 5) * 12))
        img.save(folder / "media" / f"{i:04d}.jpg", quality=60 + (i * 7) % 35)
        rows.append(f"p{i},x,2024-01-01T00:00:00Z,media/{i:04d}.jpg")
    rows.append("p_dup,x,2024-01-01T00:00:00Z,media/0000.jpg")  # a second post of the same file
    (folder / "media" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    rows.append("p_bad,x,2024-01-01T00:00:00Z,media/broken.jpg")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder / "manifest.csv"


def test_worker_killed_mid_run_then_resume_and_match(tmp_path):
    manifest = _collection(tmp_path / "src")
    out = tmp_path / "out"
    cluster, client = scale.local_cluster(2)
    assert client.run(lambda: __import__("dask").config.get("distributed.worker.profile.enabled")) == {
        w: False for w in client.scheduler_info()["workers"]}  # the workers got the kit's settings
    try:
        result: dict = {}
        t = threading.Thread(target=lambda: result.update(r=scale.run(
            manifest, ["hash.image", "metadata"], out=out, client=client, partition_size=20,
            progress=False)))
        t.start()
        deadline = time.time() + 120
        while time.time() < deadline and len(list(out.glob("*/part-*.parquet"))) < 3:
            time.sleep(0.05)
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        assert t.is_alive(), "the run ended before a worker could be killed: make it bigger"
        done_before = len(list(out.glob("*/part-*.parquet")))
        os.kill(victim, signal.SIGKILL)
        t.join(timeout=300)
        assert not t.is_alive(), "the run did not finish after a worker was killed"
        r = result["r"]
        assert done_before < 26, "the kill came after the last partition"
    finally:
        client.close()
        cluster.close()
    n_files = 242  # 240 pictures + broken.jpg + ... (p_dup shares 0000.jpg)
    assert r.n_items == n_files - 1 and r.n_partitions == 13
    for step in ("hash.image", "metadata"):
        df = scale.read_results(out, step)
        assert len(df) == r.n_items and df["path"].is_unique, f"{step}: lost or duplicated rows"
        assert not list((out / step).glob("*.tmp"))
    hashes = scale.read_results(out, "hash.image", columns=["path", "status", "error"])
    bad = hashes[hashes["status"] == "error"]
    assert bad["path"].str.endswith("broken.jpg").tolist() == [True]
    items = pd.read_parquet(out / "items.parquet")
    assert len(items) == 242 and items["partition"].between(0, 12).all()
    # resume: everything is there, nothing is recomputed
    again = scale.run(manifest, ["hash.image"], out=out, workers=1, progress=False)
    assert (again.written, again.skipped) == (0, 13)
    with pytest.raises(scale.ScaleError, match="partitions of 20 files"):
        scale.run(manifest, ["hash.image"], out=out, partition_size=50, progress=False)
    # persistent index and batched matching: 12 seed pictures -> 12 groups of 20 copies
    scale.build_hash_index(out)
    pairs = pd.read_parquet(scale.match_index(out, batch=50))
    assert len(pairs) and (pairs["a"] < pairs["b"]).all() and (pairs["distance"] <= 31).all()
    ok = scale.read_results(out, "hash.image", columns=["path", "sha256", "status"])
    ok = ok[ok.status == "ok"]
    seed_of = {sha: int(p[-8:-4]) % 12 for p, sha in zip(ok["path"], ok["sha256"])}
    assert all(seed_of[a] == seed_of[b] for a, b in zip(pairs["a"], pairs["b"]))
    # batched index matching is exact: the same pairs as brute force over the stored hashes
    import json

    from kit.matching import search

    rows = scale.read_results(out, "hash.image", columns=["sha256", "status", "payload"])
    stored = {sha: json.loads(p) for sha, st, p in rows.itertuples(index=False) if st == "ok"}
    stored = {sha: p["pdq"] for sha, p in stored.items() if p["pdq_quality"] >= 50}
    ids = list(stored)
    brute = search(list(stored.values()), list(stored.values()), radius=31)
    expected = {(ids[q], ids[t]) for q, t in zip(brute["query"], brute["target"]) if ids[q] < ids[t]}
    assert set(zip(pairs["a"], pairs["b"])) == expected and len(pairs) == len(expected)
    # the same pairs from 2 processes, each loading the saved index once
    two = pd.read_parquet(scale.match_index(out, batch=40, workers=2))
    assert set(zip(two["a"], two["b"])) == expected and len(two) == len(expected)


def test_a_killed_writers_temporary_file_is_neither_read_nor_kept(tmp_path):
    # a worker SIGKILLed inside pq.write_table leaves part-NNNNN.parquet.PID.tmp (half written);
    # the retried partition is complete, so reading ignores the leftover and the run removes it
    pics = tmp_path / "pics"
    pics.mkdir()
    for i in range(3):
        Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(pics / f"{i}.png")
    out = tmp_path / "out"
    scale.run(pics, ["hash.image"], out=out, workers=1, partition_size=2, progress=False)
    stale = out / "hash.image" / "part-00000.parquet.999999.tmp"
    stale.write_bytes(b"PAR1 half a file")
    assert len(scale.read_results(out, "hash.image")) == 3
    scale.run(pics, ["hash.image"], out=out, workers=1, partition_size=2, progress=False)
    assert not stale.exists()
