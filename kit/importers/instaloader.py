"""instaloader per-post metadata: ``<name>.json.xz`` (or ``--no-compress-json`` ``.json``) beside the files.

instaloader writes ``{"node": {...}, "instaloader": {"version", "node_type"}}``;
``node`` is Instagram's GraphQL node (``shortcode``, ``taken_at_timestamp``,
``owner``, ``edge_media_to_caption``, ``edge_media_preview_like`` ...) or,
since 4.9, an iPhone-derived one (``date``, ``caption``, ``comments``).
Both are read with ``lzma`` and ``json`` only (instaloader's own ``Post``
would ask Instagram for any missing key). A post becomes
``instagram:<shortcode>`` with the owner's username, ``posted_at`` from
``date`` / ``taken_at_timestamp`` (UTC), likes, views (``video_view_count``,
else ``video_play_count``) and the caption. Instagram exports no repost link.

Media share the metadata file's name: ``2024-03-02_14-05-11_UTC.json.xz``
beside ``2024-03-02_14-05-11_UTC.jpg`` / ``.mp4``, and a sidecar's
``..._UTC_1.jpg``, ``..._UTC_2.mp4``: one post with several media (a video
first, then its picture). Profiles, hashtags and other node types are
counted, not loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from kit.importers.base import (TIME_PLATFORM, Export, IntakeLog, count, ident, each_record, media,
                                text, when)
from kit.manifest import MEDIA_SUFFIXES, ManifestRow

__all__ = ["FORMAT", "XZ_MAGIC", "looks_like", "open_group"]

FORMAT = "instaloader"
XZ_MAGIC = b"\xfd7zXZ\x00"
_VIDEO = {".mp4", ".mov", ".webm", ".m4v"}


def looks_like(first: Any) -> bool:
    """True for an instaloader metadata record.

    >>> looks_like({"node": {"shortcode": "C3abc"}, "instaloader": {"node_type": "Post"}}), looks_like({"node": 1})
    (True, False)
    """
    return isinstance(first, dict) and "node" in first and isinstance(first.get("instaloader"), dict)


def open_group(root: Path, names: list[str], label: str, prefix: str = "") -> Export:
    """The metadata files ``names`` (relative to ``root``) as one export called ``label``.

    Issues and posts name each file ``prefix + name``.
    """
    return Export(FORMAT, root, label, root, lambda log: _rows(root, names, log, prefix))


def _base(name: str) -> str:
    low = name.lower()
    for end in (".json.xz", ".json"):
        if low.endswith(end):
            return name[: -len(end)]
    return name


def _rows(root: Path, names: list[str], log: IntakeLog, prefix: str) -> Iterator[ManifestRow]:
    return each_record(root, names, log, prefix, _post)


def _files(name: str, listing: list[str]) -> list[str]:
    """The media beside a metadata file: ``<base>.<ext>`` then ``<base>_<n>.<ext>``, videos first."""
    base = PurePosixPath(_base(name)).name
    pattern = re.compile(re.escape(base) + r"(?:_(\d+))?(\.[A-Za-z0-9]+)$")
    found = []
    for f in listing:
        m = pattern.fullmatch(f)
        if m and m.group(2).lower() in MEDIA_SUFFIXES:
            found.append((int(m.group(1) or 0), m.group(2).lower() not in _VIDEO, f))
    folder = PurePosixPath(name).parent
    return [(folder / f).as_posix() for _, _, f in sorted(found)]


def _post(data: Any, name: str, listing: list[str], root: Path, log: IntakeLog) -> ManifestRow | None:
    node = data.get("node") if isinstance(data, dict) else None
    log.record(node if isinstance(node, dict) else data)
    meta = data.get("instaloader") if isinstance(data, dict) and isinstance(data.get("instaloader"), dict) else {}
    if not isinstance(node, dict):
        log.issue(1, None, "error", "node", "not an instaloader record ({'node': {...}, 'instaloader': {...}})")
        return None
    if text(meta.get("node_type")) not in (None, "Post"):
        log.skip(f"{str(meta.get('node_type'))[:40]} records")
        return None
    code = ident(node.get("shortcode")) or ident(node.get("code"))
    if code is None:
        log.issue(1, None, "error", "shortcode", "no usable shortcode")
        return None
    pid = f"instagram:{code}"
    beside = _files(name, listing)
    paths = [p for p in (media(f, root, log, 1, pid, "media") for f in beside) if p is not None]
    if beside and not paths:  # each refusal is reported already
        return None
    if not paths:
        log.issue(1, pid, "error", "media", f"no picture or video beside it (looked for {_base(name)}.* and "
                  f"{_base(name)}_<n>.*)")
        return None
    owner = node.get("owner") if isinstance(node.get("owner"), dict) else {}
    raw_time = node.get("date", node.get("taken_at_timestamp"))
    stamp = when(raw_time, log, 1, pid, "taken_at_timestamp")
    edges = (node.get("edge_media_to_caption") or {}).get("edges") if isinstance(
        node.get("edge_media_to_caption"), dict) else None
    caption = node.get("caption")
    if isinstance(edges, list) and edges and isinstance(edges[0], dict) and isinstance(edges[0].get("node"), dict):
        caption = edges[0]["node"].get("text")
    likes = node.get("edge_media_preview_like") if isinstance(node.get("edge_media_preview_like"), dict) else {}
    views = node.get("video_view_count", node.get("video_play_count"))
    extra = {k: v for k, v in node.items() if k != "shortcode"}
    extra["instaloader"] = meta
    return ManifestRow(
        line=1, post_id=pid, media_path=paths[0], more_media=tuple(paths[1:]), platform="instagram", source=log.current,
        account=text(owner.get("username")) or ident(owner.get("id")), posted_at=stamp,
        posted_at_raw=text(raw_time), time_source=TIME_PLATFORM if stamp else None,
        url=f"https://www.instagram.com/p/{code}/", caption=text(caption),
        likes=count(likes.get("count"), log, 1, pid, "edge_media_preview_like.count"),
        views=count(views, log, 1, pid, "video_view_count"), extra=extra)
