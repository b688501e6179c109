"""Ingest speed: 1,000 generated JPEGs into a fresh case vs a plain copy of the same files.

Run: .venv/bin/python benchmarks/bench_ingest.py [--n 1000]
Prints one table: wall time, files/s and the ratio to ``shutil.copy2`` of the
same files (the floor: reading and writing the bytes once).
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from kit.case import Case


def make_files(folder: Path, n: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    media = folder / "media"
    media.mkdir(parents=True)
    base = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    rows = ["post_id,platform,account,posted_at,media_path"]
    for i in range(n):
        img = np.roll(base, i * 7, axis=1)
        img[:20, :20] = i % 255
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "JPEG", quality=85)
        (media / f"f{i:05d}.jpg").write_bytes(buf.getvalue())
        rows.append(f"p{i},x,@a{i % 97},2024-03-01T10:{i % 60:02d}:00+01:00,media/f{i:05d}.jpg")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder / "manifest.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = make_files(root / "src", args.n)
        size = sum(p.stat().st_size for p in (root / "src" / "media").iterdir())
        t0 = time.perf_counter()
        (root / "copy").mkdir()
        for p in (root / "src" / "media").iterdir():
            shutil.copy2(p, root / "copy" / p.name)
        t_copy = time.perf_counter() - t0
        case = Case.create(root / "case", title="bench")
        t0 = time.perf_counter()
        rep = case.ingest(manifest)
        t_ingest = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = case.ingest(manifest)
        t_again = time.perf_counter() - t0
        t0 = time.perf_counter()
        ok = case.verify().ok
        t_verify = time.perf_counter() - t0
    assert rep.n_new_posts == args.n and again.n_new_posts == 0 and ok
    print(f"ingest benchmark: {args.n} JPEGs, {size / 1e6:.1f} MB")
    print(f"{'what':<28}{'seconds':>9}{'files/s':>10}{'x copy':>9}")
    for name, t in [("shutil.copy2 (baseline)", t_copy), ("case.ingest (new case)", t_ingest),
                    ("case.ingest again (no-op)", t_again), ("case.verify", t_verify)]:
        print(f"{name:<28}{t:>9.2f}{args.n / t:>10.0f}{t / t_copy:>9.2f}")


if __name__ == "__main__":
    main()
