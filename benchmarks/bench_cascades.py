"""Real cascades: load all 2,308 Twitter15/16 trees and compute their metrics.

Run: .venv/bin/python benchmarks/bench_cascades.py [--archive PATH]

Prints the loader's drop report totals (per dataset), the load and metrics
wall times (target: metrics over all trees < 60 s), and the median structural
virality per dataset and per size bin (published reference for these trees:
about 2.3-2.4). The archive is read straight from the .tgz.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from kit.spread.cascades import load_twitter15_16
from kit.spread.metrics import metrics

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cascades" / "twitter15_16.tgz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", type=Path, default=DEFAULT, help="twitter15_16.tgz")
    args = ap.parse_args(argv)
    if not args.archive.exists():
        print(f"archive not found: {args.archive}", file=sys.stderr)
        return 2

    t = time.perf_counter()
    cs = load_twitter15_16(args.archive)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    m = metrics(cs.trees, time_attr="t_min")
    metrics_s = time.perf_counter() - t

    pd.set_option("display.width", 160)
    print("== loader drop report (totals) ==")
    print(cs.totals().T.to_string())
    print()
    print(f"== time ==\nload {load_s:.1f} s, metrics {metrics_s:.1f} s for {len(m.trees)} trees "
          f"({'OK' if metrics_s < 60 else 'SLOW'}: target < 60 s)")
    tr = m.trees.assign(dataset=m.trees["cascade"].str.split("/").str[0])
    print()
    print("== structural virality (reference: median about 2.3-2.4) ==")
    by_ds = tr.groupby("dataset").agg(trees=("size", "size"), median_size=("size", "median"),
                                      median_depth=("depth", "median"),
                                      median_sv=("structural_virality", "median"))
    print(by_ds.round(3).to_string())
    print()
    order = {b: i for i, b in enumerate(["1", "2-9", "10-99", "100-999", "1000-9999", "10000+"])}
    by_bin = (tr.groupby(["dataset", "size_bin"])
                .agg(trees=("size", "size"), median_sv=("structural_virality", "median"),
                     median_depth=("depth", "median"), median_max_breadth=("max_breadth", "median"),
                     median_time_to_100_min=("time_to_100", "median"))
                .reset_index())
    by_bin = by_bin.sort_values(["dataset", "size_bin"], key=lambda c: c.map(order) if c.name == "size_bin" else c)
    print(by_bin.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
