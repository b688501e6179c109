"""Read a post manifest (CSV or JSONL) or a bare folder of media into clean rows.

One row a post. Columns (DESIGN.md): ``post_id, platform, account, posted_at,
url, media_path, parent_post_id, caption, likes, shares, views``; any other
column is kept in ``extra``. ``media_path`` is relative to the manifest's folder
(or to ``media_root``) and must stay inside it (:mod:`kit.containment`). ``posted_at`` may carry any time zone (or be a
Unix epoch); it is stored in UTC. A time without a zone is read as UTC and
reported as a warning.

Bad rows do not stop the load: :func:`read_manifest` returns the good rows
and an issue table naming the line, the post, the field and the reason.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jpg").write_bytes(b"\\xff\\xd8\\xff")
>>> _ = (d / "m.csv").write_text(
...     "post_id,platform,posted_at,media_path,lang\\n"
...     "p1,x,2024-03-01T10:00:00+01:00,a.jpg,en\\n"
...     "p2,x,yesterday,a.jpg,en\\n")
>>> m = read_manifest(d / "m.csv")
>>> [r.post_id for r in m.rows], m.rows[0].posted_at.isoformat(), m.rows[0].extra
(['p1'], '2024-03-01T09:00:00+00:00', {'lang': 'en'})
>>> m.issues[["line", "post_id", "field", "severity"]].values.tolist()
[[3, 'p2', 'posted_at', 'error']]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from kit.containment import PathRefused, media_root as real_root, open_media, resolve_media
from kit.records import _engagement, _plain, _text, csv_records, walk_folder
from kit.errors import ManifestError
from kit.sniff import HEADER_BYTES, sniff_bytes

__all__ = [
    "ManifestRow",
    "Manifest",
    "KNOWN_COLUMNS",
    "ISSUE_COLUMNS",
    "MEDIA_SUFFIXES",
    "read_manifest",
    "read_folder",
    "parse_time",
]

KNOWN_COLUMNS = (
    "post_id",
    "platform",
    "account",
    "posted_at",
    "url",
    "media_path",
    "parent_post_id",
    "caption",
    "likes",
    "shares",
    "views",
)
ENGAGEMENT = ("likes", "shares", "views")
ISSUE_COLUMNS = ["source", "line", "post_id", "severity", "field", "reason"]
MEDIA_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif",
    ".avif", ".jxl", ".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp", ".ts",
}


@dataclass(frozen=True)
class ManifestRow:
    """One valid post. ``media_path`` is the real path inside the media root; ``posted_at`` is aware UTC or None.

    Rows from collection exports (:mod:`kit.importers`) may also say how the parent is linked
    (``link_type``), where the time comes from (``time_source``), which account a link names
    when the export gives no post id (``parent_account``) and the post's further media
    (``more_media``, each inside the media root too); see :mod:`kit.store` (schema 4). ``source``
    names the export file a row comes from, for an export of many files.
    """

    line: int
    post_id: str
    media_path: Path
    platform: str | None = None
    account: str | None = None
    posted_at: dt.datetime | None = None
    posted_at_raw: str | None = None
    url: str | None = None
    parent_post_id: str | None = None
    caption: str | None = None
    likes: int | None = None
    shares: int | None = None
    views: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    link_type: str | None = None
    time_source: str | None = None
    parent_account: str | None = None
    more_media: tuple[Path, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The good rows of a manifest, the issue table (columns :data:`ISSUE_COLUMNS`), the media root.

    Every ``row.media_path`` lies inside ``media_root``; read it with
    ``kit.containment.open_media(row.media_path, manifest.media_root)``.
    """

    source: Path
    rows: list[ManifestRow]
    issues: pd.DataFrame
    media_root: Path | None = None
    named: frozenset[Path] = frozenset()  # every media file a row named, the refused rows' too


def parse_time(value: Any) -> tuple[dt.datetime | None, str | None]:
    """Parse a post time to aware UTC; return ``(time, warning)``.

    Accepts ISO 8601 with any offset or ``Z``, a space instead of ``T``, and
    Unix epoch seconds (or milliseconds). Raises ``ValueError`` when unreadable.

    Examples
    --------
    >>> parse_time("2024-03-01T10:00:00-05:00")[0].isoformat()
    '2024-03-01T15:00:00+00:00'
    >>> parse_time("2024-03-01 10:00")
    (datetime.datetime(2024, 3, 1, 10, 0, tzinfo=datetime.timezone.utc), 'no time zone: read as UTC')
    >>> parse_time(1700000000)[0].isoformat()
    '2023-11-14T22:13:20+00:00'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) / (1000.0 if abs(value) > 1e11 else 1.0)
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc), None
    text = str(value).strip()
    if not text:
        return None, None
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return parse_time(float(text))
    iso = text[:-1] + "+00:00" if text[-1:] in "zZ" else text
    parsed = dt.datetime.fromisoformat(iso)  # ValueError for anything else
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.timezone.utc), "no time zone: read as UTC"
    return parsed.astimezone(dt.timezone.utc), None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _records_csv(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path.name}: not UTF-8 text ({exc})", path=path) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ManifestError(f"{path.name}: empty manifest", path=path) from exc
    except csv.Error as exc:
        raise ManifestError(f"{path.name}: cannot read the CSV header ({exc})", path=path) from exc
    names = [h.strip().lower() for h in header]
    if "post_id" not in names and "media_path" not in names:
        raise ManifestError(
            f"{path.name}: header has neither post_id nor media_path (got {header[:8]})", path=path
        )
    return list(csv_records(reader, names))


def _records_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        # JSON Lines break at "\n" only: str.splitlines would also cut at U+2028, U+0085, ...
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path.name}: not UTF-8 text ({exc})", path=path) from exc
    out: list[tuple[int, dict[str, Any]]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            out.append((number, {"__error__": f"invalid JSON ({exc.msg} at column {exc.colno})"}))
            continue
        except RecursionError:
            out.append((number, {"__error__": "invalid JSON (nested too deeply)"}))
            continue
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            out.append((number, {"__error__": f"invalid JSON ({exc})"}))
            continue
        if not isinstance(record, dict):
            out.append((number, {"__error__": "a line must be a JSON object"}))
            continue
        try:
            out.append((number, {_text(str(k)).strip().lower(): _plain(v) for k, v in record.items()}))
        except RecursionError:
            out.append((number, {"__error__": "invalid JSON (nested too deeply)"}))
    return out


def read_manifest(path: str | Path, *, media_root: str | Path | None = None) -> Manifest:
    """Read a CSV or JSONL manifest; media paths are resolved against its folder (or ``media_root``).

    A media path must name a regular file inside that folder once every
    symbolic link is resolved (:func:`kit.containment.resolve_media`); other
    rows are reported with the reason. Raises :class:`kit.errors.ManifestError`
    only when the file as a whole is unreadable; every row-level problem goes
    into ``Manifest.issues``.
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found", path=path)
    base = real_root(media_root if media_root is not None else path.parent)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        records = _records_jsonl(path)
    else:
        records = _records_csv(path)
    rows: list[ManifestRow] = []
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    named: set[Path] = set()

    def issue(line: int, post_id: Any, severity: str, fld: str, reason: str) -> None:
        issues.append(
            {"source": path.name, "line": line, "post_id": post_id, "severity": severity,
             "field": fld, "reason": reason}
        )

    for line, rec in records:
        row = _row(line, rec, base, seen, named, issue)
        if row is not None:
            seen[row.post_id] = line
            rows.append(row)
    known = {r.post_id for r in rows}
    for r in rows:
        if r.parent_post_id and r.parent_post_id not in known:
            issue(r.line, r.post_id, "warning", "parent_post_id",
                  f"parent {r.parent_post_id} is not in this manifest (kept as given)")
    return Manifest(path, rows, pd.DataFrame(issues, columns=ISSUE_COLUMNS), base, frozenset(named))


def _row(line: int, rec: dict[str, Any], base: Path, seen: dict[str, int], named: set[Path],
         issue: Callable[..., None]) -> ManifestRow | None:
    """One record as a row, or None with the reason sent to ``issue`` (the first row of a post id
    wins; a media path that resolves joins ``named`` even when the row is refused later)."""
    if "__error__" in rec:
        issue(line, None, "error", "", rec["__error__"])
        return None
    post_id = _clean(rec.get("post_id"))
    media = _clean(rec.get("media_path"))
    if post_id is None:
        issue(line, None, "error", "post_id", "missing post_id")
        return None
    if post_id in seen:
        issue(line, post_id, "error", "post_id", f"duplicate post_id (first on line {seen[post_id]})")
        return None
    if media is None:
        issue(line, post_id, "error", "media_path", "missing media_path")
        return None
    try:
        media_path = resolve_media(media, base)
    except PathRefused as exc:
        issue(line, post_id, "error", "media_path", f"{exc.reason}: {media[:200]!r}")
        return None
    named.add(media_path)
    try:
        posted_at, warning = parse_time(rec.get("posted_at"))
    except (ValueError, OverflowError, OSError) as exc:
        issue(line, post_id, "error", "posted_at", f"unparsable time {rec.get('posted_at')!r} ({exc})")
        return None
    if warning:
        issue(line, post_id, "warning", "posted_at", warning)
    counts = _counts(line, post_id, rec, issue)
    parent = _clean(rec.get("parent_post_id"))
    if parent == post_id:
        issue(line, post_id, "warning", "parent_post_id", "post names itself as parent: link dropped")
        parent = None
    extra = {k: v for k, v in rec.items() if k not in KNOWN_COLUMNS and k}
    return ManifestRow(
        line=line, post_id=post_id, media_path=media_path,
        platform=_clean(rec.get("platform")), account=_clean(rec.get("account")),
        posted_at=posted_at, posted_at_raw=_clean(rec.get("posted_at")),
        url=_clean(rec.get("url")), parent_post_id=parent,
        caption=_clean(rec.get("caption")), extra=extra, **counts,
    )


def _counts(line: int, post_id: str, rec: dict[str, Any], issue: Callable[..., None]) -> dict[str, int | None]:
    """The engagement counts (:data:`ENGAGEMENT`); one that is no whole number is dropped with a warning."""
    counts: dict[str, int | None] = {}
    for name in ENGAGEMENT:
        raw = _clean(rec.get(name))
        try:
            counts[name] = None if raw is None else _engagement(raw)
        except ValueError as exc:
            counts[name] = None
            issue(line, post_id, "warning", name, f"ignored: {exc}")
    return counts


def read_folder(folder: str | Path) -> Manifest:
    """One post per media file under ``folder`` (recursive, sorted, hidden files skipped).

    The post id is the file's path relative to the folder; the file's
    modification time is kept in ``extra['file_mtime']`` (a weak time cue,
    never used as the post time). Files that are not media by name or by
    magic bytes are reported as warnings and skipped. Symbolic links to
    folders are not followed; links to files count only when they stay inside
    the folder; devices, FIFOs and sockets are refused (each one reported).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ManifestError(f"{folder}: not a folder", path=folder)
    root = real_root(folder)
    rows: list[ManifestRow] = []
    issues: list[dict[str, Any]] = []
    for number, (rel, refusal) in enumerate(walk_folder(root), start=1):
        def issue(severity: str, reason: str, rel: str = rel, number: int = number) -> None:
            issues.append({"source": folder.name, "line": number, "post_id": rel,
                           "severity": severity, "field": "media_path", "reason": reason})

        if refusal:
            issue("warning", refusal)
            continue
        try:
            real = resolve_media(rel, root)
            with open_media(real, root) as fh:
                head = fh.read(max(HEADER_BYTES, 189))
                mtime = os.fstat(fh.fileno()).st_mtime
        except PathRefused as exc:
            issue("error", f"{exc.reason}: refused")
            continue
        except OSError as exc:
            issue("error", f"cannot read media file ({exc.strerror or exc})")
            continue
        if sniff_bytes(head).kind == "other" and Path(rel).suffix.lower() not in MEDIA_SUFFIXES:
            issue("warning", "not a media file (by name or content): skipped")
            continue
        when = dt.datetime.fromtimestamp(mtime, dt.timezone.utc).isoformat()
        rows.append(ManifestRow(line=number, post_id=rel, media_path=real, extra={"file_mtime": when}))
    return Manifest(folder, rows, pd.DataFrame(issues, columns=ISSUE_COLUMNS), root)
