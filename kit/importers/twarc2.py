"""twarc2 JSON Lines (X API v2): pages with ``includes``, or ``twarc2 flatten`` output.

Each line is an API response page (``{"data": [...], "includes": {"users",
"tweets", "media"}, "__twarc": {...}}``) or, after ``twarc2 flatten``, one
tweet with its author, media and referenced tweets inlined; both are read,
line by line. Every tweet becomes a post ``x:<id>`` (the tweets a page's
``includes`` holds too: they are the originals that retweets and quotes
point at), with:

- ``account``: the author's username (the user id when the page does not
  include the author); ``posted_at``: ``created_at`` (UTC);
- ``parent_post_id`` and ``link_type`` from ``referenced_tweets``:
  ``retweeted`` -> ``retweet``, ``quoted`` -> ``quote``, ``replied_to`` ->
  ``reply`` (in that order when there are several; all are kept in extra);
- ``likes``/``shares``/``views`` = ``public_metrics.like_count`` /
  ``retweet_count`` / ``impression_count`` (else a video's
  ``view_count``). A retweet's ``public_metrics`` are the original's, copied
  by X: they stay in extra and the retweet gets no counts of its own;
- media: ``attachments.media_keys`` resolved through ``includes.media`` to
  downloaded files in the media folder (by the URL's file name, the media
  key or its id, ``<tweet id>_<n>``). A retweet carries no media of its own:
  it gets the original's (so does a quote without media of its own), and
  ``extra["media_from"]`` names the tweet they came from.

twarc-csv (MIT) converts the same lines to CSV, but merges a retweet's row
with the original's counts and media and needs twarc and pandas; this
reader keeps the platform's own values and streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from kit.importers.base import (TIME_PLATFORM, Export, IntakeLog, MediaIndex, count, ident, json_lines,
                                media, open_hashed, text, when)
from kit.manifest import ManifestRow

__all__ = ["FORMAT", "looks_like", "open_export"]

FORMAT = "twarc2"
LINKS = (("retweeted", "retweet"), ("quoted", "quote"), ("replied_to", "reply"))
_TWEET_KEYS = {"edit_history_tweet_ids", "author_id", "public_metrics", "referenced_tweets", "__twarc",
               "conversation_id"}


def looks_like(first: Any) -> bool:
    """True when the first record of a JSON Lines file is a twarc2 page or a (flattened) tweet.

    >>> looks_like({"data": [], "includes": {}, "__twarc": {}}), looks_like({"id": "1", "text": "hi", "author_id": "2"})
    (True, True)
    >>> looks_like({"post_id": "p1", "media_path": "a.jpg"})
    False
    """
    if isinstance(first, list) and first:
        return looks_like(first[0])
    if not isinstance(first, dict):
        return False
    if "data" in first and ({"includes", "meta", "__twarc", "errors"} & set(first)):
        return True
    return "id" in first and "text" in first and bool(_TWEET_KEYS & set(first))


def open_export(root: Path, name: str, *, media_root: Path | None = None) -> Export:
    """The twarc2 file ``name`` (relative to ``root``); media are looked for under ``media_root``."""
    where = media_root or (root / name).parent
    return Export(FORMAT, root / name, name, where, lambda log: _rows(root, name, where, log))


def _pages(obj: Any) -> Iterator[tuple[list, dict, dict, dict, Any]]:
    """(tweets, users by id, media by key, included tweets by id, __twarc) of one line."""
    if isinstance(obj, list):
        for item in obj:
            yield from _pages(item)
        return
    if not isinstance(obj, dict):
        return
    if "data" in obj:
        data = obj["data"]
        tweets = data if isinstance(data, list) else [data]
        inc = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
        users = {ident(u.get("id")): u for u in _dicts(inc.get("users"))}
        mediae = {ident(m.get("media_key")): m for m in _dicts(inc.get("media"))}
        included = {ident(t.get("id")): t for t in _dicts(inc.get("tweets"))}
        yield tweets, users, mediae, included, obj.get("__twarc")
        return
    # a flattened tweet: author, attachments.media and referenced tweets inlined
    users, mediae, included = {}, {}, {}
    for tw in [obj] + [r for r in _dicts(obj.get("referenced_tweets")) if len(r) > 2]:
        if isinstance(tw.get("author"), dict):
            users[ident(tw["author"].get("id"))] = tw["author"]
        att = tw.get("attachments") if isinstance(tw.get("attachments"), dict) else {}
        mediae.update({ident(m.get("media_key")): m for m in _dicts(att.get("media"))})
        if tw is not obj:
            included[ident(tw.get("id"))] = {k: v for k, v in tw.items() if k != "type"}
    yield [obj], users, mediae, included, obj.get("__twarc")


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _rows(root: Path, name: str, media_root: Path, log: IntakeLog) -> Iterator[ManifestRow]:
    index = MediaIndex(media_root)
    seen: set[str] = set()
    with open_hashed(name, root, log) as fh:
        for line, obj in json_lines(fh, log):
            if not any(True for _ in _pages(obj)):
                log.record(obj)
                log.issue(line, None, "error", "", "neither a twarc2 page nor a tweet (a JSON object "
                          f"with 'data' or 'id' and 'text'; got {type(obj).__name__})")
                continue
            for tweets, users, mediae, included, twarc in _pages(obj):
                if isinstance(obj, dict) and isinstance(obj.get("errors"), list) and obj["errors"]:
                    first = obj["errors"][0] if isinstance(obj["errors"][0], dict) else {}
                    log.issue(line, None, "warning", "errors", f"the page lists {len(obj['errors'])} API "
                              f"error(s), e.g. {str(first.get('detail') or first.get('title'))[:200]!r}: "
                              "tweets they name are missing")
                for tw in tweets + list(included.values()):
                    row = _tweet(tw, tw not in tweets, line, users, mediae, included, twarc, index,
                                 media_root, seen, log)
                    if row is not None:
                        yield row


def _tweet(tw: Any, from_includes: bool, line: int, users: dict, mediae: dict, included: dict, twarc: Any,
           index: MediaIndex, media_root: Path, seen: set[str], log: IntakeLog) -> ManifestRow | None:
    if not isinstance(tw, dict):
        log.record(tw)
        log.issue(line, None, "error", "data", f"a tweet must be a JSON object (got {type(tw).__name__})")
        return None
    tid = ident(tw.get("id"))
    if tid is not None and f"x:{tid}" in seen:
        return None  # the same tweet on another page, or in two pages' includes
    log.record(tw)
    if tid is None:
        log.issue(line, None, "error", "id", f"tweet without a usable id ({str(tw.get('id'))[:60]!r})")
        return None
    pid = f"x:{tid}"
    seen.add(pid)
    author_id = ident(tw.get("author_id")) or ident((tw.get("author") or {}).get("id")
                                                     if isinstance(tw.get("author"), dict) else None)
    user = users.get(author_id) if author_id else None
    username = text(user.get("username")) if isinstance(user, dict) else None
    if username is None:
        log.issue(line, pid, "warning", "author_id", "the author is not in the page's includes: "
                  "account is the user id")
    parent, link, ref_ids = None, None, {}
    for ref in _dicts(tw.get("referenced_tweets")):
        kind, rid = text(ref.get("type")), ident(ref.get("id"))
        if kind and rid:
            ref_ids.setdefault(kind, rid)
    for kind, name in LINKS:
        if kind in ref_ids:
            parent, link = f"x:{ref_ids[kind]}", name
            break
    if parent == pid:
        log.issue(line, pid, "warning", "referenced_tweets", "the tweet references itself: link dropped")
        parent = link = None
    metrics = tw.get("public_metrics") if isinstance(tw.get("public_metrics"), dict) else {}
    keys, media_from = _media_keys(tw), None
    if not keys and link in ("retweet", "quote") and parent:
        source, unknown = _shown(parent[2:], included)
        if unknown:
            log.issue(line, pid, "error", "referenced_tweets", f"{link} of {parent}: x:{unknown} is not in the "
                      "page's includes, so the media it shows are unknown")
            return None
        keys = _media_keys(included[source]) if source else []
        media_from = f"x:{source}" if keys else None
    if not keys:
        log.skip("tweets without a photo or video")
        return None
    paths = _files(keys, mediae, tid if media_from is None else media_from[2:], index, media_root, line,
                   pid, log)
    if not paths:
        return None
    views = None if link == "retweet" else count(metrics.get("impression_count"), log, line, pid,
                                                  "public_metrics.impression_count")
    if views is None and link != "retweet":
        plays = [count((mediae.get(k) or {}).get("public_metrics", {}).get("view_count"), log, line, pid,
                       "includes.media.public_metrics.view_count")
                 for k in keys if isinstance((mediae.get(k) or {}).get("public_metrics"), dict)]
        views = max((p for p in plays if p is not None), default=None)
    own = link != "retweet"
    extra = {k: v for k, v in tw.items() if k not in ("id", "text", "created_at")}
    if isinstance(user, dict) and "author" not in extra:
        extra["author"] = user
    extra["media"] = [mediae[k] for k in keys if k in mediae]
    if media_from:
        extra["media_from"] = media_from
    if from_includes:
        extra["from_includes"] = True
    if twarc is not None and "__twarc" not in extra:
        extra["__twarc"] = twarc
    stamp = when(tw.get("created_at"), log, line, pid, "created_at")
    return ManifestRow(
        line=line, post_id=pid, media_path=paths[0], more_media=tuple(paths[1:]), platform="x",
        account=username or author_id, posted_at=stamp, posted_at_raw=text(tw.get("created_at")),
        time_source=TIME_PLATFORM if stamp else None,
        url=f"https://x.com/{username}/status/{tid}" if username else f"https://x.com/i/web/status/{tid}",
        parent_post_id=parent, link_type=link, caption=text(tw.get("text")),
        likes=count(metrics.get("like_count"), log, line, pid, "public_metrics.like_count") if own else None,
        shares=count(metrics.get("retweet_count"), log, line, pid, "public_metrics.retweet_count") if own else None,
        views=views, extra=extra)


def _shown(tid: str, included: dict, hops: int = 5) -> tuple[str | None, str | None]:
    """(the tweet whose media a retweet or quote of ``tid`` shows, the first tweet of that chain not included).

    A retweeted or quoted tweet without media of its own shows what it
    retweets or quotes in turn (followed ``hops`` times at most).
    """
    for _ in range(hops):
        tw = included.get(tid)
        if not isinstance(tw, dict):
            return None, tid
        if _media_keys(tw):
            return tid, None
        nxt = next((ident(r.get("id")) for r in _dicts(tw.get("referenced_tweets"))
                    if r.get("type") in ("retweeted", "quoted") and ident(r.get("id"))), None)
        if nxt is None:
            return None, None
        tid = nxt
    return None, None


def _media_keys(tw: dict) -> list[str]:
    att = tw.get("attachments") if isinstance(tw.get("attachments"), dict) else {}
    keys = [ident(k) for k in att.get("media_keys") or [] if ident(k)] if isinstance(att.get("media_keys"), list) \
        else []
    keys += [ident(m.get("media_key")) for m in _dicts(att.get("media")) if ident(m.get("media_key"))]
    return list(dict.fromkeys(k for k in keys if k))


def _url_names(m: dict) -> list[str]:
    urls = [m.get("url"), m.get("preview_image_url")] + [v.get("url") for v in _dicts(m.get("variants"))]
    out = []
    for u in urls:
        if isinstance(u, str) and u:
            name = PurePosixPath(urlsplit(u).path).name
            out += [name, PurePosixPath(name).stem]
    return out


def _files(keys: list[str], mediae: dict, tid: str, index: MediaIndex, media_root: Path, line: int,
           pid: str, log: IntakeLog) -> list[Path]:
    found: list[Path] = []
    missing: list[str] = []
    for n, key in enumerate(keys, start=1):
        m = mediae.get(key) if isinstance(mediae.get(key), dict) else {}
        video = str(m.get("type")) in ("video", "animated_gif") or key.startswith(("7_", "16_"))
        names = _url_names(m) if m else []
        rel = index.find(names[:1] + [key, key.split("_")[-1], f"{tid}_{n}"] + names[1:], video=video)
        if rel is None:
            what = f"{m.get('type')}, {str(m.get('url') or m.get('preview_image_url'))[:120]}" if m else \
                "not in the page's includes"
            missing.append(f"{key} ({what})")
            continue
        path = media(rel, media_root, log, line, pid, "media")
        if path is not None and path not in found:
            found.append(path)
    if missing:
        log.issue(line, pid, "warning" if found else "error", "media",
                  f"media not found in the media folder: {', '.join(missing)[:600]}")
    return found
