"""kit.importers.telegram: one-chat and full exports, UTC from date_unixtime, forwards without ids, files."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from _exports import jpeg, mp4_head, tg_message, write_telegram
from kit.case import Case
from kit.importers import find_exports
from kit.importers.telegram import looks_like, stream

ORIGINAL, CLIP, OTHER = jpeg(11), mp4_head(12), jpeg(13)
T0 = 1773531720  # 2026-03-14T23:42:00Z


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _channel(folder: Path, name: str, cid: int, messages: list) -> dict:
    return {"name": name, "type": "public_channel", "id": cid, "messages": messages}


@pytest.fixture()
def one_chat(tmp_path: Path) -> Path:
    """A channel export (made on a PC at UTC+1) with every kind of message the reader must tell apart."""
    folder = tmp_path / "ChatExport_2026-03-17"
    (folder / "photos").mkdir(parents=True)
    (folder / "video_files").mkdir()
    (folder / "photos" / "photo_1@15-03-2026_00-42-00.jpg").write_bytes(ORIGINAL)
    (folder / "video_files" / "clip.mp4").write_bytes(CLIP)
    (folder / "video_files" / "clip.mp4_thumb.jpg").write_bytes(jpeg(14))
    (tmp_path / "secret.jpg").write_bytes(OTHER)
    me = ("Frontline Dispatch", "channel1234567890")
    msgs = [
        tg_message(4521, T0, *me, photo="photos/photo_1@15-03-2026_00-42-00.jpg", photo_file_size=len(ORIGINAL),
                   width=24, height=24, text=["BREAKING ", {"type": "link", "text": "https://t.me/x/1"}],
                   text_entities=[{"type": "plain", "text": "BREAKING "}, {"type": "link", "text": "https://t.me/x/1"}],
                   reactions=[{"type": "emoji", "count": 12, "emoji": "\U0001f44d"}]),
        tg_message(4522, T0 + 60, *me, forwarded_from="Insider Wire", photo="photos/photo_1@15-03-2026_00-42-00.jpg"),
        tg_message(4523, T0 + 120, *me, reply_to_message_id=4521, file="video_files/clip.mp4", file_name="clip.mp4",
                   file_size=len(CLIP), thumbnail="video_files/clip.mp4_thumb.jpg", media_type="video_file",
                   mime_type="video/mp4", duration_seconds=4, width=360, height=640, text="the clip"),
        tg_message(4524, T0 + 180, *me, photo="(File not included. Change data exporting settings to download.)"),
        {"id": 4525, "type": "service", "date": "2026-03-15T00:45:00", "date_unixtime": str(T0 + 180),
         "actor": me[0], "actor_id": me[1], "action": "pin_message", "message_id": 4521, "text": ""},
        tg_message(4526, T0 + 200, *me, file="stickers/s.webp", media_type="sticker", sticker_emoji="\U0001f525"),
        tg_message(4527, T0 + 240, *me, text="no media here"),
        tg_message(4528, T0 + 300, *me, photo="../secret.jpg"),
        tg_message(4529, T0 + 301, *me, photo=str(tmp_path / "secret.jpg")),
        {"id": 4530, "type": "message", "date": "2026-03-15T01:00:00", "from": me[0], "from_id": me[1],
         "photo": "photos/photo_1@15-03-2026_00-42-00.jpg", "text": "an export from before date_unixtime"},
        {"id": "not-a-number", "type": "message", "date_unixtime": "x", "photo": 7, "from": ["wrong"]},
        tg_message(4531, T0 + 400, *me, photo=["photos/photo_1@15-03-2026_00-42-00.jpg"], views="1,204"),
    ]
    write_telegram(folder, [_channel(folder, me[0], 1234567890, msgs)])
    return folder


def test_messages_become_posts_field_by_field(one_chat, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(one_chat)
    assert rep.format == "telegram" and rep.n_rows == 12
    posts = case.posts().set_index("post_id")
    assert sorted(posts.index) == ["telegram:1234567890/4521", "telegram:1234567890/4522",
                                   "telegram:1234567890/4523", "telegram:1234567890/4530"]
    first = posts.loc["telegram:1234567890/4521"]
    assert str(first["posted_at"]) == "2026-03-14 23:42:00+00:00"  # date_unixtime, not the local 'date'
    assert first["extra"]["date"] == "2026-03-15T00:42:00" and first["time_source"] == "platform"
    assert (first["account"], first["platform"], first["caption"]) == ("Frontline Dispatch", "telegram",
                                                                        "BREAKING https://t.me/x/1")
    assert first["url"] == "https://t.me/c/1234567890/4521" and first["media_sha256"] == _sha(ORIGINAL)
    assert first["extra"]["reactions"][0]["count"] == 12 and pd.isna(first["likes"])
    assert first["extra"]["from_id"] == "channel1234567890" and first["extra"]["chat"]["type"] == "public_channel"
    fwd = posts.loc["telegram:1234567890/4522"]
    assert (fwd["link_type"], fwd["parent_account"]) == ("forward", "Insider Wire") and pd.isna(fwd["parent_post_id"])
    reply = posts.loc["telegram:1234567890/4523"]
    assert (reply["parent_post_id"], reply["link_type"], reply["media_sha256"]) == (
        "telegram:1234567890/4521", "reply", _sha(CLIP))
    old = posts.loc["telegram:1234567890/4530"]
    assert (str(old["posted_at"]), old["time_source"]) == ("2026-03-15 01:00:00+00:00", "local")


def test_every_oddity_is_reported_with_its_message(one_chat, tmp_path):
    case = Case.create(tmp_path / "case")
    issues = case.ingest(one_chat).issues
    by = {(r.line, r.field): (r.severity, r.reason) for r in issues.itertuples()}
    assert by[(2, "forwarded_from")][1].startswith("forwarded from 'Insider Wire': Telegram Desktop exports no id")
    assert by[(4, "photo")] == ("error", "the file is not in the export: (File not included. Change data "
                                         "exporting settings to download.)")
    assert by[(8, "photo")][0] == "error" and "'..' leads out" in by[(8, "photo")][1]
    assert by[(9, "photo")][0] == "error" and "absolute path" in by[(9, "photo")][1]
    assert "local time without a zone, read as UTC" in by[(10, "date")][1]
    assert by[(11, "id")][0] == "error"
    assert by[(12, "photo")][0] == "error" and "not a path (list)" in by[(12, "photo")][1]
    summary = " ".join(issues.loc[issues["line"].isna(), "reason"])
    for what in ("service or unsupported messages", "stickers", "messages without a photo or file"):
        assert f"1 record skipped, not posts for the kit: {what}" in summary
    assert issues["source"].eq("ChatExport_2026-03-17/result.json").all()


def test_a_forward_is_linked_when_the_original_is_in_the_case(tmp_path):
    """A full export holding both channels: the forward names only 'Insider Wire'; the kit finds its post."""
    root = tmp_path / "DataExport_2026-03-17"
    (root / "chats" / "chat_01" / "photos").mkdir(parents=True)
    (root / "chats" / "chat_02" / "photos").mkdir(parents=True)
    (root / "chats" / "chat_01" / "photos" / "photo_1.jpg").write_bytes(ORIGINAL)
    (root / "chats" / "chat_02" / "photos" / "photo_7.jpg").write_bytes(ORIGINAL)
    (root / "chats" / "chat_02" / "photos" / "photo_8.jpg").write_bytes(OTHER)
    insider = _channel(root, "Insider Wire", 222, [
        tg_message(77, T0, "Insider Wire", "channel222", photo="chats/chat_01/photos/photo_1.jpg"),
        tg_message(78, T0 + 5, "Insider Wire", "channel222", photo="chats/chat_02/photos/photo_8.jpg")])
    frontline = _channel(root, "Frontline Dispatch", 111, [
        tg_message(5, T0 + 60, "Frontline Dispatch", "channel111", forwarded_from="Insider Wire",
                   photo="chats/chat_02/photos/photo_7.jpg"),
        tg_message(6, T0 + 70, "Frontline Dispatch", "channel111", forwarded_from="Someone Else",
                   photo="chats/chat_02/photos/photo_8.jpg")])
    write_telegram(root, [frontline, insider], full=True)
    case = Case.create(tmp_path / "case")
    rep = case.ingest(root)
    posts = case.posts().set_index("post_id")
    assert posts.loc["telegram:111/5", "parent_post_id"] == "telegram:222/77"
    assert pd.isna(posts.loc["telegram:111/6", "parent_post_id"])  # nobody called 'Someone Else' posted it
    linked = rep.issues[rep.issues["post_id"] == "telegram:111/5"]["reason"].tolist()
    assert any("linked to telegram:222/77: the only earlier post by that account with the same file" in r
               for r in linked)
    resolved = case.custody().query("action == 'links.resolved'")["details"].iloc[0]
    assert resolved["links"] == [["telegram:111/5", "telegram:222/77"]]
    assert case.verify().ok
    assert case.ingest(root).n_new_posts == 0


def test_a_truncated_export_keeps_what_came_before(one_chat, tmp_path):
    data = (one_chat / "result.json").read_bytes()
    cut = data.index(b'"id": 4523')
    (one_chat / "result.json").write_bytes(data[:cut])
    case = Case.create(tmp_path / "case")
    rep = case.ingest(one_chat / "result.json")
    assert rep.n_new_posts == 2
    last = rep.issues[rep.issues["severity"] == "error"]["reason"].iloc[-1]
    assert "invalid JSON" in last and "the messages after message 2 were not read" in last


def test_nesting_is_bounded_per_message():
    deep = b'{"name": "N", "type": "public_channel", "id": 5, "messages": [{"id": 1, "x": ' + b"[" * 200000 \
        + b"]" * 200000 + b'}, {"id": 2}]}'
    events = list(stream(io.BytesIO(deep)))
    assert events[1] == ("bad", "nested more than 64 levels deep") and events[2] == ("message", {"id": 2})


@pytest.mark.parametrize("head, expected", [
    pytest.param(b'{\n "name": "Example",\n "type": "public_channel",\n "id": 1,\n "messages": [', True, id="one-chat"),
    pytest.param(b'{\n "about": "Here is the data you requested.",\n "personal_information": {', True, id="full"),
    pytest.param(b'\xef\xbb\xbf{"name": "x", "type": "personal_chat", "id": 1, "messages": []}', True, id="bom"),
    pytest.param(b'{"name": "x", "extractor": "youtube"}', False, id="ytdlp"),
    pytest.param(b'[{"name": "x", "messages": []}]', False, id="a-list"),
])
def test_looks_like(head, expected):
    assert looks_like(head) is expected


def test_an_export_renamed_is_still_told_by_content(one_chat):
    (one_chat / "result.json").rename(one_chat / "backup.dat")
    [ex], _ = find_exports(one_chat)
    assert ex.format == "telegram" and json.loads((one_chat / "backup.dat").read_text())["id"] == 1234567890
