"""Red flags read from metadata: typed :class:`Finding` rows with their evidence.

Severities: ``high`` (says the content is synthetic or tampered),
``medium`` (edited, mislabelled, contradicts the post), ``low`` (typical
of re-encoding), ``info`` (worth knowing: GPS, untrusted credentials).

Examples
--------
>>> from kit.metadata.record import MediaMetadata
>>> m = MediaMetadata("x.jpg", "0" * 64, {
...     "File": {"Kind": "image", "MIMEType": "image/jpeg"},
...     "EXIF": {"Software": "Adobe Photoshop 25.0", "GPSLatitude": 1.5, "GPSLongitude": 2.0,
...              "DateTimeOriginal": "2024-05-02T10:00:00+00:00"}})
>>> [f.code for f in findings(m, {"posted_at": "2024-05-01T12:00:00Z"})]
['EDITED_WITH_SOFTWARE', 'CAPTURE_AFTER_POST', 'GPS_PRESENT']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kit.metadata.c2pa import is_ai_source_type
from kit.metadata.exif import THUMBNAIL_DIFF_THRESHOLD
from kit.metadata.record import MediaMetadata, as_datetime

__all__ = [
    "summarise_findings",
    "Finding",
    "findings",
    "findings_table",
    "EDITOR_PATTERN",
    "AI_TOOL_PATTERN",
    "NAIVE_TIME_SLACK",
    "SEVERITIES",
]

SEVERITIES = ("high", "medium", "low", "info")
#: Software names that mean an image editor touched the file.
EDITOR_PATTERN = re.compile(
    r"photoshop|lightroom|gimp|affinity|pixelmator|snapseed|fireworks|paint\.net|paintshop|"
    r"corel|canva|picsart|facetune|faceapp|luminar|capture one|darktable|rawtherapee|"
    r"photopea|acdsee|imagemagick|graphicsmagick|photoscape|fotor|vsco|lensa|"
    r"premiere|after effects|final cut|davinci|capcut|inshot|illustrator|photo gallery|"
    r"picasa|photos? editor|meitu|remini|airbrush|befunky",
    re.IGNORECASE,
)
#: Software names of generative-AI image tools.
AI_TOOL_PATTERN = re.compile(
    r"\b(?:midjourney|dall[-·\s]?e|stable[-\s]?diffusion|firefly|imagen|ideogram|leonardo\.ai|"
    r"flux(?:\.1)?|sdxl|comfyui|automatic1111|novelai|runway(?:ml)?|sora|kling|pika|dreamstudio|"
    r"bing image creator|grok|gemini)\b",
    re.IGNORECASE,
)
#: Slack for capture times without a UTC offset (any zone on Earth).
NAIVE_TIME_SLACK = dt.timedelta(hours=14)


@dataclass(frozen=True)
class Finding:
    """One red flag: ``code`` (stable id), ``severity``, plain-English ``message``, evidence."""

    code: str
    severity: str
    message: str
    tag: str | None = None
    value: Any = None


def _software(meta: MediaMetadata) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for group, tag in (("EXIF", "Software"), ("XMP", "xmp:CreatorTool"), ("XMP", "tiff:Software"),
                       ("IPTC", "OriginatingProgram"), ("Video", "Encoder")):  # fmt: skip
        v = meta.get(group, tag)
        if isinstance(v, str) and v.strip():
            out.append((f"{group}:{tag}", v.strip()))
    for event in meta.get("XMP", "xmpMM:History") or []:
        agent = event.get("stEvt:softwareAgent") if isinstance(event, dict) else None
        if isinstance(agent, str) and agent.strip():
            out.append(("XMP:xmpMM:History", agent.strip()))
    for act in meta.get("C2PA", "Actions") or []:
        agent = act.get("softwareAgent") if isinstance(act, dict) else None
        if isinstance(agent, str) and agent.strip():
            out.append(("C2PA:Actions", agent.strip()))
    return out


def _capture_time(meta: MediaMetadata) -> tuple[str, dt.datetime] | None:
    for group, tag in (("EXIF", "DateTimeOriginal"), ("EXIF", "CreateDate"), ("XMP", "exif:DateTimeOriginal"),
                       ("XMP", "photoshop:DateCreated"), ("XMP", "xmp:CreateDate"),
                       ("Video", "CreationTime")):  # fmt: skip
        t = as_datetime(meta.get(group, tag))
        if t is not None and t.year > 1971:
            return f"{group}:{tag}", t
    return None


def _capture_after_post(meta: MediaMetadata, post: Mapping[str, Any]) -> Finding | None:
    posted = post.get("posted_at")
    if hasattr(posted, "to_pydatetime"):
        posted = None if str(posted) == "NaT" else posted.to_pydatetime()
    posted = as_datetime(posted) if not isinstance(posted, dt.datetime) else posted
    cap = _capture_time(meta)
    if posted is None or cap is None:
        return None
    tag, when = cap
    if posted.tzinfo is None:
        posted = posted.replace(tzinfo=dt.timezone.utc)
    if when.tzinfo is None:
        late = when.replace(tzinfo=dt.timezone.utc) - NAIVE_TIME_SLACK > posted
    else:
        late = when > posted
    if not late:
        return None
    return Finding(
        "CAPTURE_AFTER_POST", "medium",
        f"The file says it was made at {when.isoformat()}, after the post time {posted.isoformat()}: "
        "the clock was wrong, the metadata was edited, or this file is not what was posted.",
        tag, when.isoformat(),
    )  # fmt: skip


def findings(meta: MediaMetadata, post: Mapping[str, Any] | None = None) -> list[Finding]:
    """Red flags for one file (and, given ``post`` with ``posted_at``, against that post)."""
    out: list[Finding] = []
    kind = meta.get("File", "Kind")
    c2pa_status = meta.get("C2PA", "Status")
    if meta.get("C2PA", "AIGenerated"):
        t = meta.get("C2PA", "AISourceType")
        out.append(Finding("AI_GENERATED_C2PA", "high",
                           f"The C2PA manifest declares AI-generated content ({t}); generator: "
                           f"{meta.get('C2PA', 'ClaimGenerator')}.", "C2PA:DigitalSourceTypes", t))  # fmt: skip
    for group, tag in (("XMP", "Iptc4xmpExt:DigitalSourceType"), ("XMP", "plus:DigitalSourceType")):
        v = meta.get(group, tag)
        if is_ai_source_type(v):
            out.append(Finding("AI_GENERATED_IPTC", "high",
                               f"The XMP metadata declares AI-generated content ({v.rsplit('/', 1)[-1]}).",
                               f"{group}:{tag}", v))  # fmt: skip
    if c2pa_status == "invalid":
        fails = meta.get("C2PA", "Failures") or []
        out.append(Finding("C2PA_INVALID", "high",
                           "The C2PA content credentials do not validate (tampered or damaged): "
                           + "; ".join(fails[:3]), "C2PA:Failures", fails))  # fmt: skip
    elif c2pa_status == "untrusted":
        out.append(Finding("C2PA_UNTRUSTED_SIGNER", "info",
                           "C2PA content credentials are intact, but the signer is not on a trust list: "
                           f"{meta.get('C2PA', 'Signer')}.", "C2PA:Signer", meta.get("C2PA", "Signer")))  # fmt: skip
    for tag, name in _software(meta):
        if AI_TOOL_PATTERN.search(name):
            out.append(Finding("AI_TOOL_NAMED", "high", f"Metadata names a generative-AI tool: {name}.", tag, name))
            break
    for tag, name in _software(meta):
        if EDITOR_PATTERN.search(name):
            out.append(Finding("EDITED_WITH_SOFTWARE", "medium", f"Saved with editing software: {name}.", tag, name))
            break
    if meta.get("File", "ExtensionMismatch"):
        ext, real = meta.get("File", "Extension"), meta.get("File", "MIMEType")
        out.append(Finding("EXTENSION_MISMATCH", "medium",
                           f"The name says .{ext} but the content is {real}.", "File:Extension", ext))  # fmt: skip
    if post is not None:
        late = _capture_after_post(meta, post)
        if late is not None:
            out.append(late)
    if kind == "image" and "EXIF" not in meta.groups and meta.get("File", "MIMEType") in (
        "image/jpeg", "image/webp", "image/heic", "image/heif", "image/avif", "image/tiff"
    ):
        out.append(Finding("EXIF_STRIPPED", "low",
                           "No EXIF at all: typical of a platform re-encode or deliberate stripping; "
                           "camera originals carry EXIF.", "EXIF", None))  # fmt: skip
    dist = meta.get("EXIF-Thumbnail", "ThumbnailPhashDistance")
    if isinstance(dist, (int, float)) and dist > THUMBNAIL_DIFF_THRESHOLD:
        out.append(Finding("THUMBNAIL_DIFFERS", "high",
                           f"The embedded EXIF thumbnail shows a different picture from the main image "
                           f"(pHash distance {dist} > {THUMBNAIL_DIFF_THRESHOLD}): the image was changed "
                           "after the thumbnail was written.", "EXIF-Thumbnail:ThumbnailPhashDistance", dist))  # fmt: skip
    q, std = meta.get("JPEG", "EstimatedQuality"), meta.get("JPEG", "StandardTables")
    if std and not meta.get("EXIF", "Make"):
        out.append(Finding("JPEG_RESAVED", "low",
                           f"Standard IJG quantization tables at quality {q} and no camera make: typical of a "
                           "re-save by software (platform, editor, library), not a camera original.",
                           "JPEG:EstimatedQuality", q))  # fmt: skip
    trailing = meta.get("JPEG", "TrailingBytes") or 0
    if trailing > 16 and not meta.get("JPEG", "TrailingIsJPEG"):
        out.append(Finding("TRAILING_DATA", "medium",
                           f"{trailing} bytes follow the end of the JPEG image: appended data.",
                           "JPEG:TrailingBytes", trailing))  # fmt: skip
    if meta.get("JPEG", "MissingEOI"):
        out.append(Finding("TRUNCATED", "low", "The JPEG has no end marker: the file is truncated or damaged.",
                           "JPEG:MissingEOI", True))  # fmt: skip
    lat, lon = meta.get("EXIF", "GPSLatitude"), meta.get("EXIF", "GPSLongitude")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        out.append(Finding("GPS_PRESENT", "info",
                           f"GPS position {lat:.5f}, {lon:.5f} is embedded (privacy: it can locate the author).",
                           "EXIF:GPSLatitude", [lat, lon]))  # fmt: skip
    return out


_COLUMNS = ["sha256", "post_id", "code", "severity", "message", "tag", "value"]


def _with_name(meta: MediaMetadata, name: Any) -> MediaMetadata:
    """Redo the extension check with the original file name (evidence is stored by hash)."""
    from kit.metadata.reader import extension_mismatch

    if not isinstance(name, str) or not name:
        return meta
    fg = dict(meta.groups.get("File") or {})
    fg["FileName"] = name
    fg["Extension"] = Path(name).suffix.lower().lstrip(".") or None
    mismatch = extension_mismatch(fg.get("DetectedExtension"), name)
    fg["ExtensionMismatch"] = mismatch
    return replace(meta, groups={**meta.groups, "File": {k: v for k, v in fg.items() if v is not None}})


def findings_table(results: Any, posts: Any = None, *, media: Any = None) -> Any:
    """Findings for stored metadata results, one row per finding (per post when ``posts`` given).

    Parameters
    ----------
    results
        ``case.results("metadata")``: columns ``sha256``, ``status``,
        ``error``, ``payload`` (the stored :class:`MediaMetadata` dict).
    posts
        Optional ``case.posts()`` (``post_id``, ``media_sha256``,
        ``posted_at``): adds the ``post_id`` column and post-time checks.
    media
        Optional ``case.media()`` (``sha256``, ``original_name``): the
        extension check then uses the name the file arrived with (the case
        stores evidence under its hash with the sniffed extension).

    Returns
    -------
    pandas.DataFrame
        Columns ``sha256``, ``post_id`` (only with ``posts``), ``code``,
        ``severity``, ``message``, ``tag``, ``value``. A failed extraction
        gives one ``METADATA_ERROR`` row, so no file disappears.
    """
    import pandas as pd

    by_sha: dict[str, list[Mapping[str, Any]]] = {}
    if posts is not None:
        for rec in posts.to_dict("records"):
            by_sha.setdefault(str(rec.get("media_sha256")), []).append(rec)
    names: dict[str, Any] = {}
    if media is not None and "original_name" in media:
        names = dict(zip(media["sha256"].astype(str), media["original_name"], strict=False))
    rows: list[dict[str, Any]] = []
    for rec in results.to_dict("records"):
        sha = rec.get("sha256")
        targets = by_sha.get(str(sha)) or [None]
        if rec.get("status") != "ok" or not isinstance(rec.get("payload"), Mapping):
            for post in targets:
                rows.append({"sha256": sha, "post_id": post and post.get("post_id"), "code": "METADATA_ERROR",
                             "severity": "info", "message": f"Metadata could not be read: {rec.get('error')}",
                             "tag": None, "value": None})  # fmt: skip
            continue
        meta = _with_name(MediaMetadata.from_dict(rec["payload"]), names.get(str(sha)))
        for post in targets:
            for f in findings(meta, post):
                rows.append({"sha256": sha, "post_id": post and post.get("post_id"), "code": f.code,
                             "severity": f.severity, "message": f.message, "tag": f.tag, "value": f.value})  # fmt: skip
    cols = _COLUMNS if posts is not None else [c for c in _COLUMNS if c != "post_id"]
    return pd.DataFrame(rows, columns=_COLUMNS)[cols]


def summarise_findings(table: object) -> str:
    """Counts of findings by severity and code, as printable text.

    Examples
    --------
    >>> import pandas as pd
    >>> print(summarise_findings(pd.DataFrame({"sha256": ["a", "b", "a"], "severity": ["high", "info", "info"],
    ...                               "code": ["AI_GENERATED_C2PA", "GPS_PRESENT", "GPS_PRESENT"]})))
    severity code               files  findings
    high     AI_GENERATED_C2PA      1         1
    info     GPS_PRESENT            2         2
    """
    import pandas as pd

    df = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    if df.empty:
        return "no findings"
    order = {s: i for i, s in enumerate(("high", "medium", "low", "info"))}
    g = (
        df.groupby(["severity", "code"])
        .agg(files=("sha256", "nunique"), findings=("code", "size"))
        .reset_index()
    )
    g = g.sort_values(["severity", "code"], key=lambda s: s.map(order) if s.name == "severity" else s)
    width = max(4, *(len(c) for c in g["code"]))
    lines = [f"{'severity':<9}{'code':<{width + 2}}{'files':>5}{'findings':>10}"]
    for r in g.itertuples(index=False):
        lines.append(f"{r.severity:<9}{r.code:<{width + 2}}{r.files:>5}{r.findings:>10}")
    return "\n".join(lines)
