"""The demo case the notebook, widget and browser tests share: built once per test session.

``demo_case_dir(base)`` generates the demo incident (kit.demo.incident),
creates a case, ingests the manifest and runs every analysis step (kit.pipeline.run_all);
the result is cached per base folder, so modules that use it share one build.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

__all__ = ["demo_case_dir", "fresh_copy"]


@functools.cache
def demo_case_dir(base: Path) -> Path:
    """Build (once) the demo case under ``base`` and return the case folder."""
    from kit.case import Case
    from kit.demo import generate
    from kit.pipeline import run_all

    incident, case_dir = base / "incident", base / "case"
    generate(incident)
    case = Case.create(case_dir, title="Demo incident", analyst="tester")
    case.ingest(incident / "manifest.csv")
    run_all(case, echo=False)
    case.match()  # what `make demo` does after the steps: stored pairs and variant clusters
    from kit.casework.spread import trace_case

    trace_case(case)  # and the spread graph exported into the case
    case.close()
    return case_dir


def fresh_copy(case_dir: Path, to: Path) -> Path:
    """A writable copy of a case folder (tests that record decisions must not change the shared one)."""
    shutil.copytree(case_dir, to)
    for p in to.rglob("*"):
        p.chmod(p.stat().st_mode | 0o200)
    return to


def small_incident(folder: Path) -> Path:
    """Four posts on two platforms with explicit links and one bad row; returns the manifest path.

    p1 (x, origin) -> p2 (x, resized copy) -> p3 (telegram, mirrored copy); p4 (telegram) is an
    unrelated picture; line 6 names a missing file (a bad row).
    """
    import numpy as np
    from PIL import Image

    media = folder / "media"
    media.mkdir(parents=True)
    rng = np.random.default_rng(3)
    base = (rng.random((24, 32, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(base).resize((320, 240), Image.Resampling.BICUBIC)
    img.save(media / "p1.jpg", quality=92)
    img.resize((200, 150)).save(media / "p2.jpg", quality=80)
    img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(media / "p3.png")
    Image.fromarray((rng.random((120, 160, 3)) * 255).astype(np.uint8)).save(media / "p4.png")
    rows = ["post_id,platform,account,posted_at,url,media_path,parent_post_id,caption,likes,shares",
            "p1,x,origin_acc,2026-03-14T23:42:00Z,https://x.example/1,media/p1.jpg,,first,100,40",
            "p2,x,second_acc,2026-03-15T01:00:00Z,https://x.example/2,media/p2.jpg,p1,copy,10,2",
            "p3,telegram,chan,2026-03-15T05:30:00+01:00,https://t.example/3,media/p3.png,p2,mirror,,",
            "p4,telegram,other,2026-03-16T00:00:00Z,https://t.example/4,media/p4.png,,unrelated,1,0",
            "p5,x,broken,2026-03-16T01:00:00Z,https://x.example/5,media/missing.jpg,,gone,,"]
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n")
    return manifest


def small_case(folder: Path, *, metadata: bool = False, match: bool = False):
    """A case with :func:`small_incident` ingested; the metadata step and hashing + matching when asked."""
    from kit.case import Case

    case = Case.create(folder / "case", title="small", analyst="tester")
    case.ingest(small_incident(folder / "incident"))
    if metadata:
        import kit.metadata

        case.run(kit.metadata.STEP)
    if match:
        import kit.hashing

        for step in kit.hashing.STEPS:
            case.run(step)
        case.match()
    return case


def sha_of(case, post_id: str) -> str:
    """The media sha256 of a post."""
    posts = case.posts()
    return str(posts.loc[posts["post_id"] == post_id, "media_sha256"].iloc[0])
