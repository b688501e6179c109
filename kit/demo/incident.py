"""Build the demo incident: a fabricated launch-pad photo and ~150 reposts of it.

A deterministic (seeded) generator. From public-domain images shipped inside
the scikit-image wheel it makes a fake "breaking news" photo (the 2015 DSCOVR
launch photo with a pasted fireball and smoke plume), then a cascade of posts
on four platforms over 72 hours: in-platform shares that reuse the bytes and
carry an explicit repost link, re-uploads and platform hops that download,
edit and re-encode, three short videos, look-alike distractors, a fact-check
post stamping FAKE, and two bad manifest rows. It writes::

    OUT/manifest.csv                 one row a post (the analyst's scrape)
    OUT/media/pNNN.{jpg,png,mp4}     the media of each post
    OUT/collection/                  the same incident as collection exports: x/search.jsonl (twarc2)
                                     and its downloads, telegram/ChatExport_<channel>/ (Telegram
                                     Desktop), manifest.csv + media/ (the Facebook and Instagram posts)
    OUT/truth.json                   the ground truth (true parents, transforms, ...)
    OUT/truth_composite_mask.png     where the origin photo was spliced (alpha)

The code is split by what it makes: :mod:`kit.demo.scene` (the source images
and the fake), :mod:`kit.demo.transforms` (the users' edits, drawn from the
registry :mod:`kit.demo.edits`, and platform re-encoding), :mod:`kit.demo.phone`
(app screenshots), :mod:`kit.demo.cascade` (accounts and posts),
:mod:`kit.demo.exports` (manifest and collection exports) and
:mod:`kit.demo.truth`; this module puts them together.

Run ``python -m kit.demo --out DIR [--seed 7]`` (``dfkit demo`` generates it
and runs the whole kit on it). Only numpy, Pillow, OpenCV, scikit-image's
bundled data files and the standard library are used; nothing is downloaded.
Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from kit.demo.cascade import _Accounts, _distractors, _plan, _render
from kit.demo.exports import ORDER, manifest_rows, write_collection, write_manifest
from kit.demo.transforms import PLATFORMS
from kit.demo.truth import truth_posts, truth_record

__all__ = ["GENERATOR_VERSION", "PLATFORMS", "DemoIncident", "generate", "main"]

GENERATOR_VERSION = "1.1.0"


@dataclass(frozen=True)
class DemoIncident:
    """What :func:`generate` wrote: paths and counts (``seconds`` is wall time)."""

    out_dir: Path
    manifest: Path
    truth: Path
    n_posts: int
    n_accounts: int
    n_media_bytes: int
    seconds: float
    collection: Path | None = None



def _prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / "truth.json").is_file():
            raise FileExistsError(f"{out}: not empty and not a demo incident; refusing to write")
        shutil.rmtree(out / "media", ignore_errors=True)
        shutil.rmtree(out / "collection", ignore_errors=True)
        for name in ("manifest.csv", "truth.json", "truth_composite_mask.png"):
            (out / name).unlink(missing_ok=True)
    (out / "media").mkdir(parents=True, exist_ok=True)



def generate(out_dir: str | Path, seed: int = 7) -> DemoIncident:
    """Write the demo incident (manifest.csv, media/, collection/, truth.json) into ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder; created if needed. A previous demo incident there is replaced;
        any other non-empty folder is refused (FileExistsError).
    seed
        Seed of every random choice: the same seed gives byte-identical files.

    Returns
    -------
    DemoIncident
        Paths, counts and the generation time.

    Examples
    --------
    >>> r = generate("/tmp/demo_x", seed=7)  # doctest: +SKIP
    >>> r.n_posts, r.manifest.name, r.collection.name  # doctest: +SKIP
    (149, 'manifest.csv', 'collection')
    """
    start = time.perf_counter()
    out = Path(out_dir)
    _prepare_out(out)
    rng = np.random.default_rng(seed)
    acc = _Accounts(rng)
    posts = _plan(rng, acc)
    composite = _render(posts, acc, rng, out)
    mask = composite.pop("mask_array")
    posts += _distractors(rng, acc, len(posts))
    children: dict = {}
    for p in posts:
        if p.parent is not None:
            children.setdefault(p.parent, []).append(p.key)
    # post ids in collection order: platform by platform, in each in search-result order
    ordered = []
    for platform in ORDER:
        group = [p for p in posts if p.platform == platform]
        ordered += [group[i] for i in rng.permutation(len(group))]
    pid = {p.key: f"p{i + 1:03d}" for i, p in enumerate(ordered)}
    leaves = [p for p in posts if p.key not in children and p.role in ("share", "hop", "reupload")
              and p.kind == "image" and p.t > 1.0]
    missing = next((p for p in leaves if p.platform == "x"), leaves[0])
    badtime = next((p for p in leaves if p.platform == "facebook" and p is not missing),
                   next(p for p in leaves if p is not missing))
    bad_rows = [{"post_id": pid[missing.key], "field": "media_path", "reason": "missing_media",
                 "detail": "the scraper listed the post but its media download failed"},
                {"post_id": pid[badtime.key], "field": "posted_at",
                 "reason": "unparsable_timestamp",
                 "value": "Yesterday at 11:52 PM",
                 "detail": "relative date scraped from the page instead of the export"}]
    rows, media_bytes = manifest_rows(posts, pid, acc, children, missing, badtime, bad_rows, rng, out)
    write_manifest(out / "manifest.csv", rows)
    Image.fromarray(mask).save(out / "truth_composite_mask.png")
    by_post = truth_posts(posts, pid, missing)
    export_ids = write_collection(out, rows, {pid[p.key]: p.data for p in posts}, by_post, pid[missing.key])
    for i, export_id in export_ids.items():
        by_post[i]["export_post_id"] = export_id
    truth = truth_record(seed, GENERATOR_VERSION, posts, pid, acc, composite, bad_rows, by_post)
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    return DemoIncident(out, out / "manifest.csv", out / "truth.json", len(rows),
                        len(truth["accounts"]), media_bytes, time.perf_counter() - start, out / "collection")


def main(argv: list | None = None) -> int:
    """Command line: ``python -m kit.demo --out DIR [--seed 7]``."""
    ap = argparse.ArgumentParser(prog="python -m kit.demo", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = ap.parse_args(argv)
    r = generate(args.out, seed=args.seed)
    print(f"{r.n_posts} posts by {r.n_accounts} accounts, {r.n_media_bytes / 1e6:.1f} MB of "
          f"media in {r.seconds:.1f} s -> {r.manifest}")
    return 0

