"""Which export a file is, by its content (never by its name), and the exports a folder holds.

:func:`detect` reads the first 64 KiB of a file (and, for a one-record
JSON file of at most 2 MiB, the whole record) and names its format;
:func:`find_exports` walks a folder (following no link out) and returns
one :class:`kit.importers.base.Export` per export: each Telegram
``result.json`` with its folder, each twarc2, 4CAT or manifest file, and
all the yt-dlp, instaloader or gallery-dl metadata files of the folder as
one export per tool. A folder without any export is a bare folder of
media (one post a file).

Examples
--------
>>> import tempfile, pathlib, json
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "tweets.jsonl").write_text(json.dumps({"data": [], "includes": {}, "__twarc": {}}) + "\\n")
>>> _ = (d / "clip.info.json").write_text(json.dumps({"id": "a1", "extractor": "youtube"}))
>>> detect(d / "tweets.jsonl"), detect(d / "clip.info.json")
('twarc2', 'ytdlp')
>>> [(e.format, e.name.replace(d.name, "DIR")) for e in find_exports(d)[0]]
[('twarc2', 'DIR/tweets.jsonl'), ('ytdlp', 'DIR (ytdlp: 1 file)')]
"""

from __future__ import annotations

import csv
import dataclasses
import io
import lzma
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kit.containment import PathRefused, media_root as real_root, open_media, resolve_media
from kit.errors import ManifestError
from kit.digest import hash_file
from kit.importers import fourcat, gallerydl, instaloader, telegram, twarc2, ytdlp
from kit.importers.base import Export, IntakeLog, load_json
from kit.manifest import ManifestRow, read_folder, read_manifest
from kit.records import walk_folder
from kit.sniff import sniff_bytes

__all__ = ["FORMATS", "GROUPED", "HEAD_BYTES", "detect", "find_exports"]

FORMATS = ("manifest", "twarc2", "telegram", "ytdlp", "instaloader", "gallerydl", "4cat", "folder")
"""Every ``--format``, besides ``auto``."""
GROUPED = {"ytdlp": ytdlp.open_group, "instaloader": instaloader.open_group, "gallerydl": gallerydl.open_group}
"""Tools that write one metadata file a post: all of a folder's files make one export."""
_SINGLE: dict[str, Callable[..., Export]] = {"twarc2": twarc2.open_export, "telegram": telegram.open_export,
                                             "4cat": fourcat.open_export}
HEAD_BYTES = 64 << 10
WHOLE_BYTES = 2 << 20  # a one-record JSON file up to this size is parsed whole to tell its format


def _first_record(fh: Any, head: bytes, size: int) -> Any:
    """The first JSON value of a file: the whole file when small, else its first line; None if unreadable."""
    try:
        if size <= WHOLE_BYTES:
            return load_json(head + fh.read(WHOLE_BYTES))
    except ValueError:
        pass
    fh.seek(0)
    line = fh.readline(8 << 20)
    try:
        return load_json(line)
    except ValueError:
        return None


def _of_record(rec: Any) -> str | None:
    for fmt, test in (("instaloader", instaloader.looks_like), ("ytdlp", ytdlp.looks_like),
                      ("gallerydl", gallerydl.looks_like), ("twarc2", twarc2.looks_like)):
        if test(rec):
            return fmt
    if isinstance(rec, dict) and {"post_id", "media_path"} & {str(k).strip().lower() for k in rec}:
        return "manifest"
    return None


_MARKS = (("twarc2", (b'"__twarc"',)), ("instaloader", (b'"instaloader"', b'"node"')),
          ("ytdlp", (b'"extractor"', b'"id"')), ("gallerydl", (b'"category"', b'"subcategory"')))


def _of_head(head: bytes) -> str | None:
    """A damaged JSON file's format by the keys its head names (its reader then reports the damage)."""
    return next((fmt for fmt, marks in _MARKS if all(m in head for m in marks)), None)


def _of_csv(head: bytes) -> str | None:
    text = head.decode("utf-8-sig", "replace")
    try:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])))
    except (StopIteration, csv.Error):
        return None
    names = {h.strip().lower() for h in header}
    if fourcat.looks_like(header):
        return "4cat"
    return "manifest" if {"post_id", "media_path"} & names else None


def detect(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str | None:
    """The format of one file by its content: a name from :data:`FORMATS`, ``"media"``, or None.

    ``root`` is the folder the file must lie inside (default: its own).
    Raises :class:`kit.containment.PathRefused` for a file that may not be
    read (a link out of ``root``, a FIFO, ...).
    """
    path = Path(path)
    base = Path(root) if root is not None else path.parent
    real = resolve_media(os.path.relpath(path, base) if root is not None else path.name, base)
    with open_media(real, base) as fh:
        head = fh.read(HEAD_BYTES)
        size = os.fstat(fh.fileno()).st_size
        if head.startswith(instaloader.XZ_MAGIC):
            try:
                inner = lzma.LZMADecompressor().decompress(head, max_length=HEAD_BYTES)
            except lzma.LZMAError:
                return None
            return "instaloader" if b'"instaloader"' in inner and b'"node"' in inner else None
        if sniff_bytes(head).kind in ("image", "video"):
            return "media"
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start in (b"{", b"["):
            if telegram.looks_like(head):
                return "telegram"
            return _of_record(_first_record(fh, head, size)) or _of_head(head)
        return _of_csv(head)


# -- a source -> its exports ----------------------------------------------------------------------------

def _manifest(root: Path, name: str, media_root: Path | None) -> Export:
    base = real_root(media_root if media_root is not None else (root / name).parent)

    def rows(log: IntakeLog) -> Iterator[ManifestRow]:
        m = read_manifest(root / name, media_root=base)
        log.files[name] = hash_file(root / name)[0]
        log.records = len(m.rows) + int((m.issues["severity"] == "error").sum())
        log.issues.extend({**r, "source": name} for r in m.issues.to_dict("records"))
        log.named |= m.named
        for r in m.rows:
            log.fields.update([*(k for k in ("platform", "account", "posted_at", "url", "parent_post_id", "caption",
                                             "likes", "shares", "views") if getattr(r, k) is not None),
                               *r.extra])
        yield from m.rows

    return Export("manifest", root / name, name, base, rows)


def _folder(folder: Path, name: str) -> Export:
    m = read_folder(folder)

    def rows(log: IntakeLog) -> Iterator[ManifestRow]:
        log.records = len(m.rows) + int((m.issues["severity"] == "error").sum())
        log.issues.extend(m.issues.to_dict("records"))
        yield from m.rows

    return Export("folder", folder, name, m.media_root or folder, rows)


def _one(fmt: str, root: Path, name: str, media_root: Path | None) -> Export:
    if fmt == "manifest":
        return _manifest(root, name, media_root)
    if fmt in GROUPED:
        return GROUPED[fmt](root, [name], name)
    if fmt == "telegram":
        return telegram.open_export(root, name)
    return _SINGLE[fmt](root, name, media_root=media_root)


def find_exports(source: str | os.PathLike[str], *, format: str = "auto",
                 media_root: str | os.PathLike[str] | None = None) -> tuple[list[Export], list[dict]]:
    """The exports in ``source`` (a file or a folder) and the collection's own issues.

    ``format`` forces one format (a folder then yields only the files of
    that format). ``media_root`` is where twarc2, 4CAT and manifest files
    find their media (default: the file's folder). Raises
    :class:`kit.errors.ManifestError` when ``source`` is missing or holds
    nothing of the format asked for.
    """
    source = Path(source)
    if format != "auto" and format not in FORMATS:
        raise ManifestError(f"unknown format {format!r} (one of auto, {', '.join(FORMATS)})")
    where = real_root(media_root) if media_root is not None else None
    if source.is_file():
        if format == "folder":
            raise ManifestError(f"{source.name}: --format folder needs a folder", path=source)
        root = real_root(source.parent)
        fmt = format if format != "auto" else (detect(root / source.name, root) or "manifest")
        if fmt == "media":
            raise ManifestError(f"{source.name}: a single media file; ingest its folder (one post a file)",
                                path=source)
        return [_one(fmt, root, source.name, where)], []
    if not source.is_dir():
        raise ManifestError(f"{source}: not found", path=source)
    root = real_root(source)
    if format == "folder":
        return [_folder(source, source.name)], []
    found: dict[str, list[str]] = {}
    notes: list[dict] = []
    for rel, refusal in walk_folder(root):
        if refusal:
            continue
        try:
            fmt = detect(root / rel, root)
        except (PathRefused, OSError):
            continue
        found.setdefault(fmt or "unknown", []).append(rel)
    exports = []
    for fmt in ("telegram", "twarc2", "4cat", "manifest"):
        for rel in found.get(fmt, []) if format in ("auto", fmt) else []:
            exports.append(_one(fmt, root, rel, where) if fmt != "telegram" else telegram.open_export(root, rel))
    for fmt, opener in GROUPED.items():
        names = found.get(fmt, []) if format in ("auto", fmt) else []
        if names:
            exports.append(opener(root, names, f"{source.name} ({fmt}: {len(names)} file{'s' * (len(names) != 1)})",
                                  f"{source.name}/"))
    exports = [ex if ex.format in GROUPED else dataclasses.replace(ex, name=f"{source.name}/{ex.name}")
               for ex in exports]
    if not exports:
        if format not in ("auto", "folder"):
            raise ManifestError(f"{source.name}: no {format} export found in the folder", path=source)
        if where is not None:
            raise ManifestError(f"{source.name}: --media-root applies to manifests and exports, not to a folder "
                                "of media", path=source)
        return [_folder(source, source.name)], []
    for rel in found.get("unknown", []):
        notes.append({"source": f"{source.name}/{rel}", "line": None, "post_id": None, "severity": "warning",
                      "field": "", "reason": "not an export the kit reads, or too damaged to tell (by its content): "
                                                "skipped"})
    return exports, notes
