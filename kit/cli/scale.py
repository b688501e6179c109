"""``dfkit scale --manifest FILE --workers N --out DIR``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the scale subcommand."""
    p = sub.add_parser(
        "scale", help="run the batch steps over a large collection on a Dask cluster",
        description="Hash (and read metadata of) every file of a large collection on a Dask "
                    "cluster, writing partitioned Parquet; re-running resumes. With --match, build "
                    "the persistent PDQ index and write all pairs within the radius.")
    p.add_argument("--manifest", required=True, help="manifest (CSV/JSONL), Parquet of posts, or folder")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    p.add_argument("--scheduler", default=None, help="address of an existing dask scheduler")
    p.add_argument("--steps", nargs="+", default=["hash.image", "metadata"], help="step names")
    p.add_argument("--partition-size", type=int, default=200, help="files per task")
    p.add_argument("--match", action="store_true", help="build the PDQ index and match at radius 31")
    p.set_defaults(func=_scale)


def _scale(args: argparse.Namespace) -> int:
    from kit import scale

    client = None
    if args.scheduler:
        from kit.extras import optional_import

        client = optional_import("distributed", extra="scale").Client(args.scheduler)
    r = scale.run(args.manifest, args.steps, out=args.out, client=client, workers=args.workers,
                  partition_size=args.partition_size)
    print(f"{r.n_items} files in {r.n_partitions} partitions: {r.written} written, {r.skipped} "
          f"already done, {r.n_errors} error rows, {r.seconds:.1f} s")
    if args.match:
        scale.build_hash_index(args.out)
        path = scale.match_index(args.out, workers=1 if args.scheduler else args.workers)
        print(f"pairs within PDQ distance 31: {path}")
    return 0
