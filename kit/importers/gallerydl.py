"""gallery-dl ``--write-metadata``: ``<file>.<ext>.json`` beside each downloaded ``<file>.<ext>``.

gallery-dl writes one JSON per file with the site's own keys plus
``category`` (the site), ``subcategory``, ``filename``, ``extension`` and
``num``; ``date`` is UTC without a zone (``"YYYY-MM-DD HH:MM:SS"``). The
media file is the JSON's path without ``.json``. The files of one post
(``<tweet id>_1.jpg``, ``_2.jpg`` ...) become one post with several media.

Sites whose keys the kit maps: X/Twitter (``tweet_id``; ``author.name``;
``retweet_id`` -> ``retweet``, else ``reply_id`` -> ``reply``;
``favorite_count`` / ``retweet_count`` / ``view_count``; ``quote_id`` is
the tweet that quoted this one and ``source_id`` the tweet a reused media
came from: both kept in extra) and Instagram (``post_shortcode``,
``username``, ``likes``, ``post_url``). Other sites: ``post_id`` / ``id``,
``username`` / ``author``, ``url``, ``like_count`` / ``likes``; every key is
kept in extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kit.importers.base import (TIME_PLATFORM, Export, IntakeLog, count, ident, json_files, media, text, when)
from kit.manifest import ManifestRow

__all__ = ["FORMAT", "looks_like", "open_group"]

FORMAT = "gallerydl"


def looks_like(first: Any) -> bool:
    """True for a gallery-dl metadata record (``category`` and ``subcategory``).

    >>> looks_like({"category": "twitter", "subcategory": "tweet", "tweet_id": 1}), looks_like({"category": "x"})
    (True, False)
    """
    return isinstance(first, dict) and "category" in first and "subcategory" in first


def open_group(root: Path, names: list[str], label: str, prefix: str = "") -> Export:
    """The metadata files ``names`` (relative to ``root``) as one export called ``label``.

    Issues and posts name each file ``prefix + name``.
    """
    return Export(FORMAT, root, label, root, lambda log: _rows(root, names, log, prefix))


def _key(rec: dict) -> tuple[str, str | None]:
    """(platform, post id) of a record."""
    site = (text(rec.get("category")) or "unknown").lower()
    if site == "twitter":
        return "x", ident(rec.get("tweet_id"))
    if site == "instagram":
        return site, ident(rec.get("post_shortcode")) or ident(rec.get("shortcode")) or ident(rec.get("post_id"))
    return site, next((ident(rec.get(k)) for k in ("post_id", "id", "tweet_id") if ident(rec.get(k))), None)


def _rows(root: Path, names: list[str], log: IntakeLog, prefix: str) -> Iterator[ManifestRow]:
    group: list[tuple[str, dict, Path]] = []  # consecutive files of one post
    for name, rec in json_files(root, names, log, prefix):
        log.record(rec)
        if not isinstance(rec, dict):
            log.issue(1, None, "error", "", f"a metadata file must hold a JSON object (got {type(rec).__name__})")
            continue
        platform, post = _key(rec)
        if post is None:
            log.issue(1, None, "error", "id", "no post id (tweet_id, post_shortcode, post_id or id)")
            continue
        pid = f"{platform}:{post}"
        target = name[: -len(".json")] if name.lower().endswith(".json") else name
        path = media(target, root, log, 1, pid, "media")
        if path is None:
            continue
        if group and _key(group[0][1]) != (platform, post):
            yield _post(group, log)
            group = []
        group.append((log.current or name, rec, path))
    if group:
        yield _post(group, log)


def _post(group: list[tuple[str, dict, Path]], log: IntakeLog) -> ManifestRow:
    name, rec, _ = group[0]
    log.current = name  # the post's issues name its first file
    platform, post = _key(rec)
    pid = f"{platform}:{post}"
    extra = {k: v for k, v in rec.items() if k not in ("num", "filename", "extension")}
    extra["files"] = [{k: r.get(k) for k in ("num", "filename", "extension")} | {"metadata": n}
                      for n, r, _ in group]
    user = rec.get("author") if isinstance(rec.get("author"), dict) else {}
    parent, link = None, None
    if platform == "x":
        account = text(user.get("name")) or text((rec.get("user") or {}).get("name")
                                                  if isinstance(rec.get("user"), dict) else None)
        for fld, kind in (("retweet_id", "retweet"), ("reply_id", "reply")):
            ref = ident(rec.get(fld))
            if ref and ref != "0" and ref != post:
                parent, link = f"x:{ref}", kind
                break
        url = f"https://x.com/{account}/status/{post}" if account else f"https://x.com/i/web/status/{post}"
        likes, shares, views = "favorite_count", "retweet_count", "view_count"
        caption = text(rec.get("content"))
    else:
        account = text(rec.get("username")) or text(user.get("name")) or text(rec.get("author"))
        url = text(rec.get("post_url")) or text(rec.get("url"))
        if platform == "instagram" and url is None:
            url = f"https://www.instagram.com/p/{post}/"
        likes = "likes" if "likes" in rec else "like_count"
        shares, views = "repost_count", "view_count"
        caption = text(rec.get("description")) or text(rec.get("content")) or text(rec.get("title"))
    stamp = when(rec.get("date") or rec.get("post_date"), log, 1, pid, "date", naive="utc")
    return ManifestRow(
        line=1, post_id=pid, media_path=group[0][2], more_media=tuple(p for _, _, p in group[1:]),
        platform=platform, account=account, posted_at=stamp, posted_at_raw=text(rec.get("date")), source=log.current,
        time_source=TIME_PLATFORM if stamp else None, url=url, parent_post_id=parent, link_type=link,
        caption=caption, likes=count(rec.get(likes), log, 1, pid, likes),
        shares=count(rec.get(shares), log, 1, pid, shares), views=count(rec.get(views), log, 1, pid, views),
        extra=extra)
