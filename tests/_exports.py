"""Small collection exports in the tools' own structures, written by the tests (no file is copied from anywhere).

Each writer follows what the tool itself writes (read in its source; see
../shared/notes/export-formats.md): twarc2's API v2 pages with ``includes``
and ``__twarc`` (DocNow/twarc ``expansions.py``), Telegram Desktop's
``result.json`` key order and indentation (``export_output_json.cpp``),
yt-dlp's ``Title [id].info.json`` beside ``Title [id].<ext>``, instaloader's
``{"node", "instaloader"}`` LZMA file beside ``{date_utc}_UTC.jpg``,
gallery-dl's ``<file>.<ext>.json`` and 4CAT's Telegram data source CSV with
its download zip's ``.metadata.json``.
"""

from __future__ import annotations

import csv
import io
import json
import lzma
from pathlib import Path

import numpy as np

TWARC = {"url": "https://api.twitter.com/2/tweets/search/recent?query=launch", "version": "2.14.0",
         "retrieved_at": "2026-03-15T10:00:00+00:00"}


def jpeg(seed: int, size: int = 24) -> bytes:
    """A small, distinct JPEG (Pillow)."""
    from PIL import Image

    buf = io.BytesIO()
    rng = np.random.default_rng(seed)
    Image.fromarray((rng.random((size, size, 3)) * 255).astype(np.uint8)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def mp4_head(seed: int) -> bytes:
    """Bytes that sniff as an MP4 (an ``ftyp`` box), distinct per seed."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes([seed % 256]) * 64


# -- twarc2 ----------------------------------------------------------------------------------------------

def tweet(tid: str, author: str, when: str, text: str, *, refs=(), media=(), metrics=None) -> dict:
    """One tweet object as the X API v2 returns it with twarc2's default fields."""
    t = {"id": tid, "author_id": author, "created_at": when, "conversation_id": tid, "text": text,
         "edit_history_tweet_ids": [tid], "lang": "en", "possibly_sensitive": False,
         "public_metrics": metrics or {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0,
                                       "bookmark_count": 0, "impression_count": 0},
         "entities": {"urls": [{"start": 0, "end": 23, "url": "https://t.co/IeqDhr3WET"}]}}
    if refs:
        t["referenced_tweets"] = [{"type": k, "id": i} for k, i in refs]
    if media:
        t["attachments"] = {"media_keys": list(media)}
    return t


def photo(key: str, name: str) -> dict:
    return {"media_key": key, "type": "photo", "url": f"https://pbs.twimg.com/media/{name}.jpg", "width": 1200,
            "height": 675}


def video(key: str, views: int) -> dict:
    return {"media_key": key, "type": "video", "duration_ms": 14000, "width": 720, "height": 1280,
            "preview_image_url": f"https://pbs.twimg.com/ext_tw_video_thumb/{key[2:]}/pu/img/7VaQu-AvReI8RHkv.jpg",
            "public_metrics": {"view_count": views},
            "variants": [{"bit_rate": 2176000, "content_type": "video/mp4",
                          "url": f"https://video.twimg.com/ext_tw_video/{key[2:]}/pu/vid/720x1280/WiZrNZKT.mp4?tag=12"},
                         {"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/x.m3u8"}]}


def page(data: list, users: list, tweets: list = (), media: list = (), **extra) -> dict:
    """One twarc2 line: an API response page."""
    inc = {"users": users}
    if tweets:
        inc["tweets"] = list(tweets)
    if media:
        inc["media"] = list(media)
    return {"data": data, "includes": inc, "meta": {"result_count": len(data), "newest_id": data[0]["id"]
                                                    if data else None}, "__twarc": TWARC, **extra}


def user(uid: str, name: str) -> dict:
    return {"id": uid, "username": name, "name": name.title(), "created_at": "2015-01-01T00:00:00.000Z",
            "public_metrics": {"followers_count": 10, "following_count": 5, "tweet_count": 99, "listed_count": 0}}


def write_jsonl(path: Path, lines: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return path


# -- Telegram Desktop --------------------------------------------------------------------------------------

def tg_message(mid: int, unix: int, frm: str, from_id: str, *, local_offset_h: int = 1, **fields) -> dict:
    """A message with the keys in Telegram Desktop's order (``date`` is the exporting PC's local time)."""
    import datetime as dt

    local = dt.datetime.fromtimestamp(unix, dt.timezone.utc) + dt.timedelta(hours=local_offset_h)
    msg = {"id": mid, "type": "message", "date": local.strftime("%Y-%m-%dT%H:%M:%S"), "date_unixtime": str(unix),
           "from": frm, "from_id": from_id}
    msg.update(fields)
    msg.setdefault("text", "")
    msg.setdefault("text_entities", [] if not msg["text"] else [{"type": "plain", "text": msg["text"]}])
    return msg


def write_telegram(folder: Path, chats: list[dict], *, full: bool = False) -> Path:
    """result.json for one chat (``chats[0]``) or a full export (``chats.list``), indented as tdesktop does."""
    folder.mkdir(parents=True, exist_ok=True)
    if full:
        doc = {"about": "Here is the data you requested. Remember: Telegram is ad free, ...",
               "personal_information": {"user_id": 1, "first_name": "Ana", "last_name": "", "phone_number": "",
                                        "bio": ""},
               "chats": {"about": "This page lists all chats from this export.", "list": chats}}
    else:
        doc = chats[0]
    path = folder / "result.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


# -- yt-dlp, instaloader, gallery-dl, 4CAT -----------------------------------------------------------------

def write_info(folder: Path, title: str, info: dict, media: bytes | None, ext: str = "mp4") -> Path:
    """``Title [id].info.json`` (yt-dlp's default output template) and the download beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{title} [{info['id']}]"
    path = folder / f"{stem}.info.json"
    path.write_text(json.dumps({"ext": ext, **info}, ensure_ascii=False), encoding="utf-8")
    if media is not None:
        (folder / f"{stem}.{ext}").write_bytes(media)
    return path


def write_instaloader(folder: Path, base: str, node: dict, files: dict[str, bytes], *, xz: bool = True,
                      node_type: str = "Post") -> Path:
    """``<base>.json.xz`` (compact, LZMA) or ``.json`` (``--no-compress-json``: indented, sorted) and the files."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"node": node, "instaloader": {"version": "4.15.1", "node_type": node_type}}
    if xz:
        path = folder / f"{base}.json.xz"
        path.write_bytes(lzma.compress(json.dumps(doc, separators=(",", ":")).encode()))
    else:
        path = folder / f"{base}.json"
        path.write_text(json.dumps(doc, indent=4, sort_keys=True))
    for suffix, data in files.items():
        (folder / f"{base}{suffix}").write_bytes(data)
    return path


def write_gallerydl(folder: Path, filename: str, meta: dict, data: bytes) -> Path:
    """``<filename>`` and ``<filename>.json`` (indent 4, as gallery-dl's metadata postprocessor writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(data)
    path = folder / f"{filename}.json"
    path.write_text(json.dumps(meta, indent=4, ensure_ascii=False))
    return path


FOURCAT_TELEGRAM = ["id", "thread_id", "chat", "author", "author_username", "author_name", "author_is_bot", "body",
                    "body_markdown", "is_reply", "reply_to", "views", "reactions", "timestamp", "unix_timestamp",
                    "timestamp_edited", "unix_timestamp_edited", "author_forwarded_from_name",
                    "author_forwarded_from_username", "author_forwarded_from_id", "timestamp_forwarded_from",
                    "unix_timestamp_forwarded_from", "link_title", "link_attached", "attachment_type",
                    "attachment_data", "attachment_filename"]


def write_4cat(path: Path, columns: list[str], rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})
    return path
