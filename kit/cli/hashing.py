"""``dfkit hash``, ``dfkit match`` and ``dfkit compare``: hash new media, find reposts, compare a
picture with its source."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``hash``, ``match`` and ``compare`` subcommands."""
    p = sub.add_parser(
        "hash",
        help="compute SHA-256/MD5, pHash family, PDQ (+dihedral, trimmed) and vPDQ for new media",
        description="Run the hash.image and hash.video steps on media that have no result yet "
        "(keyed by SHA-256 and step version). Exit status 0, or 1 when some files failed.",
    )
    p.add_argument("--case", required=True, help="case folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--retry-errors", action="store_true", help="run again on files that failed before")
    p.set_defaults(func=_hash)

    m = sub.add_parser(
        "match",
        help="find repost pairs and variant clusters (hashes, then keypoint verification)",
        description="Match every hashed file against the others: PDQ <= 31 (quality >= 50), pHash "
        "<= 10 (11-16 review), vPDQ, then SIFT + RANSAC verification of descriptor-index candidates. "
        "Prints the clusters; --out writes the pairs as CSV.",
    )
    m.add_argument("--case", required=True, help="case folder")
    m.add_argument("--no-progress", action="store_true", help="no progress bar")
    m.add_argument("--no-verify", action="store_true", help="hashes only, no keypoint stage")
    m.add_argument("--workers", type=int, default=2, help="processes for keypoint extraction (2)")
    m.add_argument("--pdq-radius", type=int, default=31, help="PDQ match radius (31)")
    m.add_argument("--phash-radius", type=int, default=10, help="pHash match radius (10)")
    m.add_argument("--out", help="write the pairs table to this CSV file")
    m.set_defaults(func=_match)

    c = sub.add_parser(
        "compare",
        help="compare a picture with its source: what was changed and where",
        description="Align SOURCE onto SUSPECT (keypoints + RANSAC, mirror included), match tones and "
        "say what differs: the repost edits (crop, resize, mirror, caption bars, text, borders, colour) "
        "and any region of other picture content (a composite). --either when it is not known which "
        "one is the source. --heatmap writes the aligned difference as a PNG in the suspect's pixels. "
        "Exit status 0; 1 when the suspect is a composite of the source.",
    )
    c.add_argument("source", help="the source picture (a file)")
    c.add_argument("suspect", help="the picture to explain (a file)")
    c.add_argument("--either", action="store_true", help="find out which of the two is the source")
    c.add_argument("--heatmap", help="write the difference heat map (PNG) here")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")
    c.set_defaults(func=_compare)


def _hash(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.hashing import STEPS

    case = Case.open(args.case)
    bad = 0
    for step in STEPS:
        todo = len(case.pending(step, retry_errors=args.retry_errors))
        res = case.run(step, progress=not args.no_progress, retry_errors=args.retry_errors)
        n_err = int((res["status"] == "error").sum()) if len(res) else 0
        bad += n_err
        print(f"{step.name}: {todo} new file(s) hashed; {len(res)} stored, {n_err} with errors")
    return 1 if bad else 0


def _match(args: argparse.Namespace) -> int:
    from kit.case import Case

    case = Case.open(args.case)
    res = case.match(progress=not args.no_progress, verify=not args.no_verify, workers=args.workers,
                     pdq_radius=args.pdq_radius, hash64_radius=args.phash_radius)
    sizes = res.clusters.groupby("cluster").size()
    print(f"match (stored in the case): {len(res.clusters)} file(s), {int((res.pairs['decision'] == 'match').sum())} matching pair(s), "
          f"{int((res.pairs['decision'] == 'review').sum())} to review, {len(sizes)} cluster(s) "
          f"in {res.seconds['total']:.1f} s")
    for c, n in sizes.sort_values(ascending=False).head(20).items():
        print(f"  cluster {c}: {n} file(s)")
    comp = case.composites()
    for r in comp.itertuples(index=False):
        print(f"composite: {r.summary}")
    if args.out:
        from pathlib import Path

        from kit.safetext import csv_text

        Path(args.out).write_text(csv_text(res.pairs), encoding="utf-8")
        print(f"pairs written to {args.out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    import json

    from kit.matching.comparison import compare, compare_either

    a, b = args.source, args.suspect
    c = compare_either(a, b, a_id=a, b_id=b) if args.either else compare(a, b, source_id=a, suspect_id=b)
    if args.json:
        print(json.dumps(c.to_dict(), ensure_ascii=False))
    else:
        print(c.summary(repr(str(c.source_id)), repr(str(c.suspect_id))))
        if c.changed_box:
            print(f"  replaced region: box {list(c.changed_box)} in the suspect's pixels, "
                  f"{100 * c.changed_fraction:.1f}% of the frame")
        for e in c.edits:
            if e["edit"] != "region replaced":
                print(f"  edit: {e['edit']}")
    if args.heatmap and c.heatmap is not None:
        from PIL import Image

        Image.fromarray((c.heatmap * 255).astype("uint8")).save(args.heatmap)
        print(f"heat map written to {args.heatmap}")
    return 1 if c.composite else 0

