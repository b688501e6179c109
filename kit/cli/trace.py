"""``dfkit trace --case DIR``: the spread graph of a case, its origin(s), metrics and exports.

Examples
--------
>>> import argparse
>>> ap = argparse.ArgumentParser()
>>> register(ap.add_subparsers())
>>> ap.parse_args(["trace", "--case", "c", "--no-content"]).content
False
"""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``trace`` subcommand."""
    p = sub.add_parser(
        "trace",
        help="trace the spread: origin(s) with evidence, cascade metrics, GraphML + JSON for Gephi",
        description="Build the spread graph of the case (explicit repost links, inferred derived-from "
        "edges from the media, analyst decisions), print the likely origin(s) with their evidence and "
        "the cascade metrics, and write CASE/exports/spread.graphml and spread.json (node-link). "
        "Runs the metadata and hash steps and a first matching run when they are missing.",
    )
    p.add_argument("--case", required=True, help="case folder")
    p.add_argument("--out", help="folder for the exports (default CASE/exports)")
    p.add_argument("--no-content", dest="content", action="store_false",
                   help="skip the dense aligned-content comparison (faster, less precise)")
    p.add_argument("--no-run", dest="run_missing", action="store_false",
                   help="use stored results only (no steps, no matching run)")
    p.add_argument("--top", type=int, default=5, help="cascades and spreaders to list (5)")
    p.add_argument("--workers", type=int, default=0,
                   help="processes for the inheritance evidence (0: one per core from 200 media files up)")
    p.set_defaults(func=_trace)


def _fmt(t: object) -> str:
    import pandas as pd

    return "unknown time" if t is None or (not isinstance(t, str) and pd.isna(t)) else str(t)


def _trace(args: argparse.Namespace) -> int:
    import pandas as pd

    from kit.case import Case
    from kit.spread.metrics import TREE_COLUMNS
    from kit.casework.spread import trace_case
    from kit.spread.trace import auto_workers

    case = Case.open(args.case)
    try:
        workers = args.workers if args.workers > 0 else auto_workers(len(case.media()))
        res, paths = trace_case(case, args.out, run_missing=args.run_missing, content=args.content, workers=workers)
        G, m = res.graph, res.metrics
        kinds = pd.Series([k for _, _, k in G.edges(data="kind")], dtype=object).value_counts().to_dict()
        print(f"spread graph: {G.number_of_nodes()} posts, {G.number_of_edges()} edges "
              f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items())) or 'none'}), "
              f"{len(res.origin)} cascade(s) of more than one post")
        for r in res.origin.head(args.top).to_dict("records"):
            print(f"\norigin {r['node']} ({r['size']} posts, size bin {r['size_bin']}): {r['platform']} / "
                  f"{r['account']}, {_fmt(r['posted_at'])}")
            print(f"  {r['evidence']}")
            if r.get("why_root"):
                print(f"  why a root: {r['why_root']}")
            for u, v, d in [e for e in G.out_edges(r["node"], data=True) if e[2].get("relation", "copy") == "copy"][:3]:
                print(f"  -> {v}: {d.get('kind')}, confidence {d.get('confidence', 0):.2f}: {d.get('evidence')}")
        for u, v, d in G.edges(data=True):
            if d.get("relation") in ("source", "donor"):
                print(f"\n{d['relation']}: {u} -> {v}: {d.get('evidence')}")
        for problem in G.graph.get("skipped_decisions") or []:
            print(f"\nanalyst decision not applied: {problem}")
        cols = [c for c in TREE_COLUMNS if c != "first_seen"]  # as the report and the explorer show them
        trees = m.trees[m.trees["size"] > 1]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            if len(trees):
                print("\ncascades:")
                print(trees[[c for c in cols if c in trees]].head(args.top).to_string(index=False))
            if len(m.reach):
                print("\nreach per platform (hop 1 = where it started):")
                print(m.reach[m.reach["size"] > 1][["root", "platform", "posts", "first_seen", "hop"]]
                      .head(4 * args.top).to_string(index=False))
            if len(m.spreaders):
                print("\ntop spreaders:")
                print(m.spreaders[["node", "descendants", "children", "platform", "account", "size"]]
                      .head(args.top).to_string(index=False))
        print(f"\nwrote {paths['graphml']} and {paths['json']}")
    finally:
        case.close()
    return 0
