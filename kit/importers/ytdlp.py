"""yt-dlp ``--write-info-json``: one ``.info.json`` beside each download.

Each info file of a folder becomes a post ``<platform>:<id>`` (the platform
is the extractor, ``twitter`` named ``x``; on X, yt-dlp's ``id`` is the media
id and ``display_id`` the tweet id, both kept), with ``account`` =
``uploader_id`` (else ``uploader``, ``channel``), ``url`` = ``webpage_url``,
``caption`` = ``description`` (else ``title``), ``likes`` / ``shares`` /
``views`` = ``like_count`` / ``repost_count`` / ``view_count``, and
``posted_at`` = ``timestamp`` (UTC epoch), else ``upload_date`` (a day only:
``time_source`` ``date``, reported). yt-dlp has no repost link.

The download is found by the shared name: ``Title [id].info.json`` beside
``Title [id].<ext>`` (yt-dlp removes ``_filename`` and ``requested_downloads``
from the info file by default; where they are there and relative, they are
tried first). Playlist records are counted, not loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from kit.importers.base import (TIME_DATE, TIME_PLATFORM, Export, IntakeLog, count, ident, each_record, media,
                                text, when)
from kit.manifest import MEDIA_SUFFIXES, ManifestRow

__all__ = ["FORMAT", "looks_like", "open_group", "platform_of"]

FORMAT = "ytdlp"
_PLATFORMS = {"twitter": "x", "twitterbroadcast": "x", "twitterspaces": "x"}
_SIDECARS = {".json", ".description", ".vtt", ".srt", ".ass", ".lrc", ".part", ".ytdl", ".txt", ".annotations"}


def looks_like(first: Any) -> bool:
    """True for a yt-dlp info record (``id`` with ``extractor`` or ``extractor_key``).

    >>> looks_like({"id": "dQw4w9WgXcQ", "extractor": "youtube", "title": "x"}), looks_like({"id": 1})
    (True, False)
    """
    return isinstance(first, dict) and "id" in first and ("extractor" in first or "extractor_key" in first)


def platform_of(info: dict) -> str:
    """The platform name of an info record: the extractor's (``twitter`` -> ``x``), lower case.

    >>> platform_of({"extractor": "twitter"}), platform_of({"extractor_key": "Youtube"}), platform_of({})
    ('x', 'youtube', 'unknown')
    """
    name = (text(info.get("extractor_key")) or text(info.get("extractor")) or "unknown").split(":")[0].lower()
    return _PLATFORMS.get(name, name)


def open_group(root: Path, names: list[str], label: str, prefix: str = "") -> Export:
    """The info files ``names`` (relative to ``root``) as one export called ``label``.

    Issues and posts name each file ``prefix + name``.
    """
    return Export(FORMAT, root, label, root, lambda log: _rows(root, names, log, prefix))


def _rows(root: Path, names: list[str], log: IntakeLog, prefix: str) -> Iterator[ManifestRow]:
    return each_record(root, names, log, prefix, _info)


def _info(info: Any, name: str, siblings: list[str], root: Path, log: IntakeLog) -> ManifestRow | None:
    log.record(info)
    if not isinstance(info, dict):
        log.issue(1, None, "error", "", f"an info file must hold a JSON object (got {type(info).__name__})")
        return None
    if info.get("_type") in ("playlist", "multi_video"):
        log.skip("playlist records (each video has its own .info.json)")
        return None
    vid = ident(info.get("id"))
    if vid is None:
        log.issue(1, None, "error", "id", f"no usable id ({str(info.get('id'))[:60]!r})")
        return None
    platform = platform_of(info)
    pid = f"{platform}:{vid}"

    path = _download(info, name, siblings, root, pid, log)
    if path is None:
        return None
    stamp, source = None, None
    if info.get("timestamp") not in (None, ""):
        stamp = when(info.get("timestamp"), log, 1, pid, "timestamp")
        source = TIME_PLATFORM if stamp else None
    if stamp is None and text(info.get("upload_date")):
        day = str(info["upload_date"]).strip()
        stamp = when(f"{day[:4]}-{day[4:6]}-{day[6:8]}T00:00:00+00:00" if day.isdigit() and len(day) == 8
                     else day, log, 1, pid, "upload_date")
        if stamp is not None:
            source = TIME_DATE
            log.issue(1, pid, "warning", "upload_date", "no timestamp: only the upload day, read as 00:00 UTC "
                      "(time_source 'date')")
    counts = {k: count(info.get(f), log, 1, pid, f) for k, f in
              (("likes", "like_count"), ("shares", "repost_count"), ("views", "view_count"))}
    return ManifestRow(
        line=1, post_id=pid, media_path=path, platform=platform, source=log.current,
        account=text(info.get("uploader_id")) or text(info.get("uploader")) or text(info.get("channel")),
        posted_at=stamp, posted_at_raw=text(info.get("timestamp")) or text(info.get("upload_date")),
        time_source=source, url=text(info.get("webpage_url")),
        caption=text(info.get("description")) or text(info.get("title")),
        extra={k: v for k, v in info.items() if k != "id"}, **counts)


def _download(info: dict, name: str, siblings: list[str], root: Path, pid: str, log: IntakeLog) -> Path | None:
    folder = PurePosixPath(name).parent
    hints = [info.get("_filename"), info.get("filename")] + [
        d.get("filepath") for d in info.get("requested_downloads") or [] if isinstance(d, dict)]
    for hint in hints:  # relative hints only: an absolute one names the collector's own disk
        if isinstance(hint, str) and hint and not hint.startswith(("/", "\\")) and ":" not in hint[:3]:
            found = media(hint, root, log, 1, pid, "_filename", severity="warning")
            if found is not None:
                return found
    stem = PurePosixPath(name).name
    stem = stem[: -len(".info.json")] if stem.lower().endswith(".info.json") else stem.rsplit(".", 1)[0]
    ext = text(info.get("ext"))
    wanted = [f"{stem}.{ext}"] if ext else []
    wanted += [s for s in siblings if s.startswith(stem + ".") and s not in wanted
               and PurePosixPath(s).suffix.lower() in MEDIA_SUFFIXES - {".jpg", ".jpeg", ".png", ".webp"}]
    wanted += [s for s in siblings if s.startswith(stem + ".") and s not in wanted
               and PurePosixPath(s).suffix.lower() not in _SIDECARS and not s.endswith(".info.json")]
    for cand in wanted:
        if cand in siblings:
            return media((folder / cand).as_posix(), root, log, 1, pid, "media")
    log.issue(1, pid, "error", "media", f"no download beside it (looked for {stem + '.' + (ext or '*')!r})")
    return None
