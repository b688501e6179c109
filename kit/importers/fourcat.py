"""4CAT dataset CSV exports, with the media of 4CAT's "Download images / videos" zips.

The columns depend on the data source; the core is ``id``, ``thread_id``,
``author``, ``body``, ``timestamp`` and (mostly) ``unix_timestamp``. Each
row becomes a post ``<platform>:<id>``; the platform comes from the row's
``url`` / ``link`` host, else from the data source's columns (Telegram,
X, TikTok, Instagram, Bluesky), else ``4cat``. ``posted_at`` is
``unix_timestamp`` (UTC); ``timestamp`` alone is read as UTC and reported
(4CAT writes it in the server's zone for some data sources: ``time_source``
``local``); an empty time column leaves the time unknown (reported).

Links: ``reply_to`` (Telegram: a message of the same chat), ``quote_tweet_id``,
``replied_to_post`` / ``quoted_post`` (Bluesky) give a parent id; a Telegram
``author_forwarded_from_name`` or an X ``is_retweet`` with ``retweeted_user``
gives ``link_type`` and ``parent_account`` only (4CAT exports no id).
Counts: ``like_count`` / ``likes`` / ``num_likes``; ``retweet_count`` /
``shares`` / ``repost_count``; ``views`` / ``impression_count`` / ``plays``
/ ``play_count`` (4CAT writes 0 where a source has no value).

Media: the CSV holds URLs only. The files are found through the
``.metadata.json`` of an unpacked download zip in the media folder (or a
folder inside it: url -> file name -> post ids), else by
``attachment_filename``, else by the URL's file name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from kit.importers.base import (TIME_LOCAL, TIME_PLATFORM, Export, IntakeLog, MediaIndex, count, ident, media,
                                open_hashed, post_url_host, read_json, text, when)
from kit.manifest import ManifestRow
from kit.records import csv_records

__all__ = ["FORMAT", "looks_like", "open_export"]

FORMAT = "4cat"
CORE = {"id", "thread_id", "author", "body"}
_SOURCES = (({"author_forwarded_from_name", "chat"}, "telegram"), ({"tiktok_url"}, "tiktok"),
            ({"is_retweet", "retweet_count"}, "x"), ({"quote_tweet_id"}, "x"), ({"replied_to_post"}, "bluesky"),
            ({"num_likes", "media_type"}, "instagram"))
_MEDIA_COLS = ("images", "image_url", "image_urls", "media_urls", "video_url", "videos", "thumbnail_url")
_COUNTS = (("likes", ("like_count", "likes", "num_likes")), ("shares", ("retweet_count", "shares", "repost_count")),
           ("views", ("views", "impression_count", "plays", "play_count")))
_TIMES = ("unix_timestamp", "timestamp")


def looks_like(header: list[str]) -> bool:
    """True for a 4CAT CSV header (``id``, ``thread_id``, ``author``, ``body``).

    >>> looks_like(["id", "thread_id", "chat", "author", "body", "timestamp"]), looks_like(["post_id", "media_path"])
    (True, False)
    """
    return CORE <= {h.strip().lower() for h in header}


def open_export(root: Path, name: str, *, media_root: Path | None = None) -> Export:
    """The CSV ``name`` (relative to ``root``); media are looked for under ``media_root`` (default: its folder)."""
    where = media_root or (root / name).parent
    return Export(FORMAT, root / name, name, where, lambda log: _rows(root, name, where, log))


def _downloads(media_root: Path, log: IntakeLog) -> dict[str, list[str]]:
    """post id -> downloaded files (relative to the media root), from every ``.metadata.json``."""
    found: dict[str, list[str]] = {}
    folders = [""] + sorted(p.name + "/" for p in media_root.iterdir()
                            if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    for folder in folders:
        name = f"{folder}.metadata.json"
        if not (media_root / name).is_file():
            continue
        try:
            with open_hashed(name, media_root, log) as fh:
                meta = read_json(fh)
        except (OSError, ValueError) as exc:
            log.issue(None, None, "warning", "", f"{name}: {exc}: its media mapping is not used", source=name)
            continue
        for entry in (meta.values() if isinstance(meta, dict) else []):
            if not isinstance(entry, dict):
                continue
            files = [entry] + [f for f in entry.get("files") or [] if isinstance(f, dict)]
            names = [folder + f["filename"] for f in files
                     if isinstance(f.get("filename"), str) and f.get("success", True) is not False]
            for post in entry.get("post_ids") or []:
                if ident(post):
                    found.setdefault(str(ident(post)), []).extend(names)
    return found


def _rows(root: Path, name: str, media_root: Path, log: IntakeLog) -> Iterator[ManifestRow]:
    index, downloads = MediaIndex(media_root), None
    with open_hashed(name, root, log) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=""))
        try:
            header = [h.strip().lower() for h in next(reader)]
        except (StopIteration, csv.Error) as exc:
            log.issue(1, None, "error", "", f"no readable CSV header ({exc or 'empty file'})")
            return
        source = next((p for cols, p in _SOURCES if cols <= set(header)), None)
        for line, rec in csv_records(reader, header):
            log.record(rec if "__error__" not in rec else None)
            if "__error__" in rec:
                log.issue(line, None, "error", "", rec["__error__"])
                continue
            if downloads is None:
                downloads = _downloads(media_root, log)
            row = _row(rec, line, source, index, downloads, media_root, log)
            if row is not None:
                yield row


def _first(rec: dict, names: tuple[str, ...]) -> tuple[str | None, str]:
    return next(((rec[n], n) for n in names if text(rec.get(n))), (None, names[0]))


def _row(rec: dict, line: int, source: str | None, index: MediaIndex, downloads: dict, media_root: Path,
         log: IntakeLog) -> ManifestRow | None:
    rid = ident(rec.get("id"))
    if rid is None:
        log.issue(line, None, "error", "id", "no id")
        return None
    url = text(rec.get("url")) or text(rec.get("link")) or text(rec.get("tiktok_url"))
    platform = post_url_host(url) or source or "4cat"
    pid = f"{platform}:{rid}"
    path_list = _media(rec, rid, index, downloads, media_root, line, pid, log)
    if path_list is None:
        return None
    stamp, time_source = None, None
    raw_time, fld = _first(rec, _TIMES)
    if raw_time is None:
        log.issue(line, pid, "warning", "timestamp", "empty time columns (unix_timestamp, timestamp): time unknown")
    else:
        stamp = when(raw_time, log, line, pid, fld, naive="local")
        if stamp is not None:
            time_source = TIME_PLATFORM if fld == "unix_timestamp" else TIME_LOCAL
        if stamp is not None and fld != "unix_timestamp":
            log.issue(line, pid, "warning", fld, "no unix_timestamp: 'timestamp' has no zone (4CAT writes some "
                      "sources in the server's time), read as UTC (time_source 'local')")
    parent, link, parent_account = _link(rec, platform, rid)
    counts = {}
    for col, names in _COUNTS:
        value, name = _first(rec, names)
        counts[col] = count(value, log, line, pid, name)
    return ManifestRow(
        line=line, post_id=pid, media_path=path_list[0], more_media=tuple(path_list[1:]), platform=platform,
        account=text(rec.get("author")) or text(rec.get("author_username")), posted_at=stamp,
        posted_at_raw=text(raw_time), time_source=time_source, url=url, parent_post_id=parent, link_type=link,
        parent_account=parent_account, caption=text(rec.get("body")),
        extra={k: v for k, v in rec.items() if k != "id"}, **counts)


def _link(rec: dict, platform: str, rid: str) -> tuple[str | None, str | None, str | None]:
    reply = ident(rec.get("reply_to"))
    if reply:
        chat = text(rec.get("chat")) or text(rec.get("thread_id"))
        return (f"{platform}:{chat}-{reply}" if platform == "telegram" and chat else f"{platform}:{reply}"), \
            "reply", None
    for col, kind in (("quote_tweet_id", "quote"), ("quoted_post", "quote"), ("replied_to_post", "reply")):
        ref = ident(rec.get(col))
        if ref and ref != rid:
            return f"{platform}:{ref}", kind, None
    forwarded = text(rec.get("author_forwarded_from_name")) or text(rec.get("author_forwarded_from_username"))
    if forwarded:
        return None, "forward", forwarded
    if str(rec.get("is_retweet", "")).strip().lower() in ("true", "yes", "1"):
        return None, "retweet", text(rec.get("retweeted_user"))
    return None, None, None


def _media(rec: dict, rid: str, index: MediaIndex, downloads: dict, media_root: Path, line: int, pid: str,
           log: IntakeLog) -> list[Path] | None:
    names = list(downloads.get(rid, []))
    attached = text(rec.get("attachment_filename"))
    if not names and attached:  # beside the CSV, or anywhere in the media folder (an unpacked zip)
        names = [attached if _is_file(media_root, attached) else index.find([attached]) or attached]
    urls = [u.strip() for col in _MEDIA_COLS for u in str(rec.get(col) or "").split(",") if u.strip()]
    if not names:
        for u in urls:
            base = PurePosixPath(urlsplit(u).path).name
            hit = index.find([base, PurePosixPath(base).stem], video=is_video_url(u))
            if hit:
                names.append(hit)
    paths = []
    for n in dict.fromkeys(names):
        p = media(n, media_root, log, line, pid, "media")
        if p is not None and p not in paths:
            paths.append(p)
    if paths or names:  # each name that was not found is reported already
        return paths or None
    if not urls:
        log.skip("rows without media (no media URL, attachment or download)")
        return None
    log.issue(line, pid, "error", "media", "media not found in the media folder (no .metadata.json entry, "
              f"attachment_filename or file named like {', '.join(urls)[:200]!r})")
    return None


def _is_file(root: Path, name: str) -> bool:
    """Whether ``root / name`` is a file; False for a name no file can have (too long, a NUL)."""
    try:
        return (root / name).is_file()
    except (OSError, ValueError):
        return False


def is_video_url(url: str) -> bool:
    """True when a media URL names a video by its extension."""
    return PurePosixPath(urlsplit(url).path).suffix.lower() in (".mp4", ".mov", ".webm", ".m4v")
