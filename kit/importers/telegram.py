"""Telegram Desktop "Export chat history" (JSON): ``result.json`` and its folder.

A one-chat export is ``{"name", "type", "id", "messages": [...]}``; a full
account export holds the chats in ``chats.list`` (and ``left_chats.list``).
The file is read as a stream (:func:`ijson.basic_parse`, bounded nesting),
so its size does not matter. Each message with a photo or a file becomes a
post ``telegram:<chat id>/<message id>`` (message ids are unique per chat
only), with:

- ``account``: ``from`` (the sender's or channel's display name; ``from_id``
  is kept in extra); ``url``: ``https://t.me/c/<chat id>/<message id>``
  for channels and groups (the public @username is not exported);
- ``posted_at``: ``date_unixtime`` (UTC). ``date`` is the exporting
  computer's local time without a zone: kept in extra, used only when
  ``date_unixtime`` is missing (exports before Telegram Desktop 3.7.6; read
  as UTC, ``time_source`` ``local``, reported);
- ``reply_to_message_id`` -> ``parent_post_id`` (``link_type`` ``reply``; in
  the chat ``reply_to_peer_id`` names, else this one);
- ``forwarded_from`` -> ``link_type`` ``forward`` with ``parent_account`` the
  name: the export holds no id of the original message (reported for each
  forward). The ingest links a forward to the only earlier post by that
  account with the same file, when the case has one;
- ``photo`` / ``file``: paths relative to the export's folder (a leading
  ``(`` means the file was not exported: reported); stickers, voice and
  audio messages are counted, not loaded; ``views`` where present (Telegram
  Desktop writes none; ``reactions`` stay in extra).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kit.extras import optional_import
from kit.importers.base import (MAX_RECORD_BYTES, TIME_LOCAL, TIME_PLATFORM, Export, IntakeLog, count, ident, media, open_hashed,
                                text, when)
from kit.manifest import ManifestRow
from kit.records import storable

__all__ = ["FORMAT", "MAX_DEPTH", "looks_like", "open_export", "stream"]

FORMAT = "telegram"
MAX_DEPTH = 64
"""Deepest nesting read inside one message (real messages nest 3-4 levels)."""
_HEAD = re.compile(rb'^\s*\{\s*"(name|type|id|messages|about)"\s*:')
_CHAT_KEYS = ("name", "type", "id")
_NOT_POSTS = {"sticker": "stickers", "voice_message": "voice messages", "audio_file": "audio files"}
_GROUPS = ("channel", "supergroup", "group")


def looks_like(head: bytes) -> bool:
    """True when the first bytes of a JSON file are a Telegram Desktop export's.

    >>> looks_like(b'{\\n "name": "Example News",\\n "type": "public_channel",\\n "id": 1,\\n "messages": [')
    True
    >>> looks_like(b'{"about": "Here is the data you requested", "personal_information": {}')
    True
    >>> looks_like(b'{"id": "abc", "extractor": "youtube"}')
    False
    """
    head = head.lstrip(b"\xef\xbb\xbf")
    if not _HEAD.match(head):
        return False
    if b'"messages"' in head and (b'"type"' in head or b'"name"' in head):
        return True
    return b'"personal_information"' in head or (b'"chats"' in head and b'"about"' in head)


def open_export(root: Path, name: str, *, media_root: Path | None = None) -> Export:
    """The export ``name`` (a result.json relative to ``root``); media paths are relative to its folder."""
    where = media_root or (root / name).parent
    return Export(FORMAT, root / name, name, where, lambda log: _rows(root, name, where, log))


# -- the stream --------------------------------------------------------------------------------------------

def stream(fh: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """Events of an export: ("chat", {name, type, id}) before each chat's messages, then
    ("message", value) per message, or ("bad", reason) for one nested too deeply.

    Raises ``ValueError`` where the JSON itself breaks (the rest cannot be read).

    >>> import io
    >>> doc = b'{"name": "N", "type": "public_channel", "id": 5, "messages": [{"id": 1}, {"id": 2}]}'
    >>> list(stream(io.BytesIO(doc)))
    [('chat', {'name': 'N', 'type': 'public_channel', 'id': 5}), ('message', {'id': 1}), ('message', {'id': 2})]
    """
    ijson = optional_import("ijson", extra="importers")
    # a string spanning many buffers is joined piece by piece (quadratic): 64 KiB buffers took 57 s
    # for a 100 MB caption, 16 MiB ones take 1 s
    events = ijson.basic_parse(fh, use_float=True, buf_size=16 << 20)
    path: list[Any] = []  # map key (str or None) or "[]" per open container
    chat: dict[str, Any] = {}
    try:
        for ev, val in events:
            if ev == "map_key":
                path[-1] = val
                continue
            where = tuple(path)
            if ev in ("start_map", "start_array") and _is_message(where):
                yield _built(ev, events)
                continue
            if ev == "start_map":
                if _is_chat(where):
                    chat = {}
                path.append(None)
            elif ev == "start_array":
                if _is_messages(where):
                    yield "chat", chat
                path.append("[]")
            elif ev in ("end_map", "end_array"):
                path.pop()
            elif where and where[-1] in _CHAT_KEYS and _is_chat(where[:-1]):
                chat[where[-1]] = val
    except ijson.JSONError as exc:
        raise ValueError(f"invalid JSON ({str(exc)[:200]})") from None


def _is_message(where: tuple) -> bool:
    return where in (("messages", "[]"),) or (len(where) == 5 and where[0] in ("chats", "left_chats")
                                               and where[1:] == ("list", "[]", "messages", "[]"))


def _is_messages(where: tuple) -> bool:
    return where == ("messages",) or (len(where) == 4 and where[0] in ("chats", "left_chats")
                                      and where[1:] == ("list", "[]", "messages"))


def _is_chat(where: tuple) -> bool:
    return where == () or (len(where) == 3 and where[0] in ("chats", "left_chats") and where[1:] == ("list", "[]"))


def _built(first: str, events: Iterator[tuple[str, Any]]) -> tuple[str, Any]:
    """Build one message from its events (its first one given).

    A message nested deeper than :data:`MAX_DEPTH`, or holding more than
    :data:`kit.importers.base.MAX_RECORD_BYTES` of text, is skipped to its
    end (its parts are dropped as soon as that is known) and said so.
    """
    root: Any = {} if first == "start_map" else []
    stack, keys, skip, size, why = [root], [None], 0, 0, ""
    for ev, val in events:
        if skip:
            skip += ev in ("start_map", "start_array")
            skip -= ev in ("end_map", "end_array")
            if skip == 0:
                return "bad", why
            continue
        if isinstance(val, str):
            size += len(val)
        if size > MAX_RECORD_BYTES or (ev in ("start_map", "start_array") and len(stack) >= MAX_DEPTH):
            why = (f"over {MAX_RECORD_BYTES >> 20} MiB of text" if size > MAX_RECORD_BYTES
                   else f"nested more than {MAX_DEPTH} levels deep")
            skip = len(stack) + (ev in ("start_map", "start_array")) - (ev in ("end_map", "end_array"))
            stack = root = None  # type: ignore[assignment]
            if skip == 0:
                return "bad", why
            continue
        if ev == "map_key":
            keys[-1] = val
        elif ev in ("start_map", "start_array"):
            new: Any = {} if ev == "start_map" else []
            _put(stack[-1], keys[-1], new)
            stack.append(new)
            keys.append(None)
        elif ev in ("end_map", "end_array"):
            stack.pop()
            keys.pop()
            if not stack:
                return "message", root
        else:
            _put(stack[-1], keys[-1], val)
    raise ValueError("invalid JSON (the file ends inside a message)")


def _put(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list):
        container.append(value)
    else:
        container[key] = value


# -- messages -> posts -------------------------------------------------------------------------------------

def _rows(root: Path, name: str, media_root: Path, log: IntakeLog) -> Iterator[ManifestRow]:
    chat: dict[str, Any] = {}
    number = 0
    with open_hashed(name, root, log) as fh:
        try:
            for kind, value in stream(fh):
                if kind == "chat":
                    chat = storable(value)
                    if ident(chat.get("id")) is None:
                        log.issue(None, None, "warning", "id", f"chat {str(chat.get('name'))[:80]!r} has no "
                                  "usable id: its post ids use its name")
                    continue
                number += 1
                if kind == "bad":
                    log.record()
                    log.issue(number, None, "error", "", f"message {value}: not read")
                    continue
                row = _message(value, chat, number, media_root, log)
                if row is not None:
                    yield row
        except ValueError as exc:
            log.issue(number + 1, None, "error", "", f"{exc}: the messages after message {number} were not read")


def _caption(value: Any) -> str | None:
    if isinstance(value, list):
        value = "".join(v if isinstance(v, str) else str(v.get("text", "")) if isinstance(v, dict) else ""
                        for v in value)
    return text(value)


def _message(msg: Any, chat: dict, number: int, media_root: Path, log: IntakeLog) -> ManifestRow | None:
    try:
        msg = storable(msg)
    except RecursionError:
        log.record()
        log.issue(number, None, "error", "", "message nested too deeply: not read")
        return None
    log.record(msg)
    if not isinstance(msg, dict):
        log.issue(number, None, "error", "", f"a message must be a JSON object (got {type(msg).__name__})")
        return None
    mid = ident(msg.get("id"))
    chat_id = ident(chat.get("id")) or text(chat.get("name")) or "unknown-chat"
    if mid is None or not mid.isdigit():
        log.issue(number, None, "error", "id", f"message without a usable id (a whole number; got "
                  f"{str(msg.get('id'))[:60]!r})")
        return None
    pid = f"telegram:{chat_id}/{mid}"
    if msg.get("type") not in (None, "message"):
        log.skip("service or unsupported messages")
        return None
    if text(msg.get("media_type")) in _NOT_POSTS:
        log.skip(_NOT_POSTS[str(msg["media_type"])])
        return None
    fld = "photo" if msg.get("photo") is not None else "file" if msg.get("file") is not None else None
    if fld is None:
        log.skip("messages without a photo or file")
        return None
    raw = msg[fld]
    if isinstance(raw, str) and raw.lstrip().startswith("("):
        log.issue(number, pid, "error", fld, f"the file is not in the export: {raw.strip()[:200]}")
        return None
    path = media(raw, media_root, log, number, pid, fld)
    if path is None:
        return None
    stamp, source = None, None
    if msg.get("date_unixtime") not in (None, ""):
        stamp = when(text(msg.get("date_unixtime")), log, number, pid, "date_unixtime")
        source = TIME_PLATFORM if stamp else None
    if stamp is None and msg.get("date") not in (None, ""):
        stamp = when(text(msg.get("date")), log, number, pid, "date", naive="local")
        if stamp is not None:
            log.issue(number, pid, "warning", "date", "no date_unixtime: 'date' is the exporting computer's "
                      "local time without a zone, read as UTC (time_source 'local')")
            source = TIME_LOCAL
    parent, link, parent_account = None, None, None
    reply = ident(msg.get("reply_to_message_id"))
    if reply is not None:
        peer = re.sub(r"\D", "", str(msg.get("reply_to_peer_id") or "")) or chat_id
        parent, link = f"telegram:{peer}/{reply}", "reply"
    forwarded = text(msg.get("forwarded_from"))
    if forwarded is not None or "forwarded_from" in msg:
        if link is None:
            link, parent_account = "forward", forwarded
        log.issue(number, pid, "warning", "forwarded_from", f"forwarded from {forwarded!r}: Telegram Desktop "
                  "exports no id of the original message" + (
                      "; the ingest links it to the only earlier post by that account with the same file, "
                      "when the case has one" if link == "forward" and forwarded else ""))
    kind = str(chat.get("type") or "")
    extra = {k: v for k, v in msg.items() if k != "id"}
    extra["chat"] = {k: chat.get(k) for k in _CHAT_KEYS if k in chat}
    return ManifestRow(
        line=number, post_id=pid, media_path=path, platform="telegram",
        account=text(msg.get("from")) or text(chat.get("name")), posted_at=stamp,
        posted_at_raw=text(msg.get("date_unixtime")) or text(msg.get("date")), time_source=source,
        url=f"https://t.me/c/{chat_id}/{mid}" if any(g in kind for g in _GROUPS) and chat_id.isdigit() else None,
        parent_post_id=parent, link_type=link, parent_account=parent_account, caption=_caption(msg.get("text")),
        views=count(msg.get("views"), log, number, pid, "views"), extra=extra)
