"""Hashing speed: imagehash's default pHash vs ours vs the decode-only floor; PDQ ours vs pdqhash.

Run: ``.venv/bin/python benchmarks/bench_hash_speed.py`` (one process, one core).
Prints images/s and ratios measured in the same run. Targets: our pHash >= 3.3x
imagehash's default and <= 1.15x the floor (decode at 1/8 only); our PDQ >= 4x
pdqhash on the full decoded image.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def _make(path: Path, w: int, h: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    small = (rng.random((h // 40, w // 40, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    noise = rng.normal(0, 6, (h, w, 3))
    arr = np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(path, quality=90)
    return path


def _rate(fn, files, repeat=3) -> float:
    fn(files[0])  # warm up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for f in files:
            fn(f)
        best = min(best, time.perf_counter() - t)
    return len(files) / best


def main() -> None:
    import cv2
    import imagehash
    import pdqhash

    from kit.hashing import pdq, phash
    from kit.hashing.decode import load

    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        sets = {
            "12 MP": [_make(Path(tmp) / f"a{i}.jpg", 4000, 3000, i) for i in range(3)],
            "1 MP": [_make(Path(tmp) / f"b{i}.jpg", 1155, 866, i) for i in range(8)],
        }
        print(f"{'image':<6} {'method':<34} {'img/s':>8} {'ratio':>8}")
        for name, files in sets.items():
            base = _rate(lambda p: imagehash.phash(Image.open(p)), files)
            ours = _rate(lambda p: phash(p, fast=True), files)
            floor = _rate(lambda p: load(p, mode="L", reduce=8), files)
            full_pdq = _rate(lambda p: pdqhash.compute(np.asarray(Image.open(p).convert("RGB"))), files, 2)
            our_pdq = _rate(lambda p: pdq(p, fast=True), files)
            rows = [
                ("pHash imagehash default", base, 1.0),
                ("pHash ours (fast)", ours, ours / base),
                ("decode 1/8 only (floor)", floor, floor / base),
                ("pdqhash on full image", full_pdq, 1.0),
                ("PDQ ours (fast)", our_pdq, our_pdq / full_pdq),
            ]
            for label, r, ratio in rows:
                print(f"{name:<6} {label:<34} {r:8.1f} {ratio:7.2f}x")
            print(f"{name:<6} {'-> ours vs floor (time ratio)':<34} {'':>8} {floor / ours:7.2f}x")
            # exactness of the fast path against the full-decode hashes
            d_ph = max(phash(p, fast=True) - phash(p, fast=False) for p in files)
            d_pq = max(pdq(p, fast=True).hash - pdq(p, fast=False).hash for p in files)
            print(f"{name:<6} {'max bits fast vs full: pHash / PDQ':<34} {d_ph:>8} {d_pq:>8}")


if __name__ == "__main__":
    main()
