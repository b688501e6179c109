"""kit.importers.discover: each export told by content, a folder's exports found, one case from a mix."""

from __future__ import annotations

import json
import lzma

import pytest

from _exports import (FOURCAT_TELEGRAM, jpeg, mp4_head, page, photo, tg_message, tweet, user, write_4cat,
                      write_gallerydl, write_info, write_instaloader, write_jsonl, write_telegram)
from kit.case import Case
from kit.errors import ManifestError
from kit.importers import detect, find_exports
from kit.casework.links import intake_fields

TWEET = tweet("1000", "3", "2026-03-14T23:50:00.000Z", "x", media=["3_5001"])
CONTENT = [  # (file name that says nothing, bytes, format)
    pytest.param("a.txt", (json.dumps(page([TWEET], [user("3", "carol")])) + "\n").encode(), "twarc2", id="twarc2-page"),
    pytest.param("b.dat", (json.dumps(TWEET) + "\n").encode(), "twarc2", id="twarc2-flat"),
    pytest.param("c", json.dumps({"name": "N", "type": "public_channel", "id": 1, "messages": []}, indent=1).encode(),
                 "telegram", id="telegram-chat"),
    pytest.param("d.json", json.dumps({"about": "Here is the data", "personal_information": {}, "chats": {}}).encode(),
                 "telegram", id="telegram-full"),
    pytest.param("e.json", json.dumps({"id": "dQw4w9WgXcQ", "extractor": "youtube", "title": "t"}).encode(), "ytdlp",
                 id="ytdlp"),
    pytest.param("f.xz", lzma.compress(json.dumps({"node": {"shortcode": "C3"}, "instaloader": {}}).encode()),
                 "instaloader", id="instaloader-xz"),
    pytest.param("g.json", json.dumps({"instaloader": {"node_type": "Post"}, "node": {}}, indent=4).encode(),
                 "instaloader", id="instaloader-json"),
    pytest.param("h.json", json.dumps({"category": "twitter", "subcategory": "tweet", "tweet_id": 1}).encode(),
                 "gallerydl", id="gallerydl"),
    pytest.param("i.txt", (",".join(FOURCAT_TELEGRAM) + "\n").encode(), "4cat", id="4cat"),
    pytest.param("j.txt", b"post_id,media_path\np1,a.jpg\n", "manifest", id="manifest-csv"),
    pytest.param("k.txt", b'{"post_id": "p1", "media_path": "a.jpg"}\n', "manifest", id="manifest-jsonl"),
    pytest.param("l.json", jpeg(1), "media", id="jpeg-named-json"),
    pytest.param("m.mp4", mp4_head(1), "media", id="mp4"),
    pytest.param("n.json", b'{"hello": "world"}', None, id="other-json"),
    pytest.param("o.info.json", b'{"id": "x", "extractor": "youtube", ', "ytdlp", id="damaged-ytdlp"),
]


@pytest.mark.parametrize("name, data, fmt", CONTENT)
def test_detect_by_content_not_name(tmp_path, name, data, fmt):
    (tmp_path / name).write_bytes(data)
    assert detect(tmp_path / name) == fmt


@pytest.fixture()
def mix(tmp_path):
    """One folder as an analyst leaves it: a twarc2 search, a Telegram channel, yt-dlp, instaloader,
    gallery-dl and 4CAT downloads, a manifest of hand-saved posts, a stray picture and a notes file."""
    col = tmp_path / "incident"
    write_jsonl(col / "x" / "search.jsonl", [page([TWEET], [user("3", "carol")], media=[photo("3_5001", "Orig")])])
    (col / "x" / "Orig.jpg").write_bytes(jpeg(1))
    ch = col / "telegram" / "ChatExport_2026-03-17"
    (ch / "photos").mkdir(parents=True)
    (ch / "photos" / "p1.jpg").write_bytes(jpeg(2))
    write_telegram(ch, [{"name": "Insider Wire", "type": "public_channel", "id": 222, "messages": [
        tg_message(77, 1773531720, "Insider Wire", "channel222", photo="photos/p1.jpg")]}])
    write_info(col / "videos", "clip", {"id": "abc", "extractor": "youtube", "timestamp": 1773531800}, mp4_head(3))
    write_instaloader(col / "instagram", "2026-03-15_04-20-00_UTC",
                      {"shortcode": "C3abc", "taken_at_timestamp": 1773548400, "owner": {"username": "memeorbit"}},
                      {".jpg": jpeg(4)})
    write_gallerydl(col / "gallery-dl" / "twitter" / "u", "1762345678901234567_1.jpg",
                    {"tweet_id": 1762345678901234567, "date": "2026-03-15 05:12:44", "author": {"name": "u"},
                     "category": "twitter", "subcategory": "tweet"}, jpeg(5))
    (col / "4cat").mkdir()
    (col / "4cat" / "examplenews-1.jpeg").write_bytes(jpeg(6))
    write_4cat(col / "4cat" / "telegram.csv", FOURCAT_TELEGRAM, [
        {"id": "examplenews-1", "thread_id": "examplenews", "chat": "examplenews", "author": "examplenews",
         "body": "b", "unix_timestamp": "1709388311", "attachment_filename": "examplenews-1.jpeg"}])
    (col / "saved").mkdir()
    (col / "saved" / "fb1.jpg").write_bytes(jpeg(7))
    (col / "saved" / "fb2.jpg").write_bytes(jpeg(9))  # named by a row that is refused: not "unnamed"
    (col / "saved" / "manifest.csv").write_text("post_id,platform,posted_at,media_path\nfb1,facebook,,fb1.jpg\n"
                                                "fb2,facebook,Yesterday at 11:52 PM,fb2.jpg\n")
    (col / "stray.jpg").write_bytes(jpeg(8))
    (col / "notes.json").write_text('{"todo": "ask the source"}')
    return col


def test_a_mixed_folder_becomes_one_case(mix, tmp_path):
    case = Case.create(tmp_path / "case")
    reports = case.ingest_collection(mix)
    assert sorted(r.format for r in reports) == ["4cat", "gallerydl", "instaloader", "manifest", "telegram", "twarc2",
                                                 "ytdlp"]
    assert sorted(case.posts()["post_id"]) == ["fb1", "instagram:C3abc", "telegram:222/77",
                                               "telegram:examplenews-1", "x:1000", "x:1762345678901234567",
                                               "youtube:abc"]
    assert set(case.ingests()["format"]) == {r.format for r in reports}
    started = case.custody().query("action == 'ingest.started'")["details"].map(lambda d: d["format"])
    assert sorted(started) == sorted(r.format for r in reports)
    issues = case.intake_report()
    notes = issues[issues["source"].isin(["incident/notes.json", "incident"])]["reason"].tolist()
    assert any("not an export the kit reads" in n for n in notes)
    assert any("1 media file that no export names was not ingested (stray.jpg)" in n for n in notes)
    fields = intake_fields(case)
    assert set(fields["kind"]) == {"export", "post"} and (fields["records"] <= fields["of"]).all()
    assert case.verify().ok
    again = case.ingest_collection(mix)
    assert sum(r.n_new_posts for r in again) == 0 and len(case.posts()) == 7


def test_one_ingest_of_a_mixed_folder_is_refused_with_the_exports_named(mix, tmp_path):
    case = Case.create(tmp_path / "case")
    with pytest.raises(ManifestError, match=r"holds 7 exports .*ingest_collection"):
        case.ingest(mix)


@pytest.mark.parametrize("fmt, n", [pytest.param("telegram", 1, id="telegram"), pytest.param("ytdlp", 1, id="ytdlp"),
                                    pytest.param("folder", 1, id="folder")])
def test_a_forced_format_takes_only_its_files(mix, fmt, n):
    exports, _ = find_exports(mix, format=fmt)
    assert [e.format for e in exports] == [fmt] * n


def test_a_forced_format_with_nothing_of_it_is_an_error(tmp_path):
    (tmp_path / "a.jpg").write_bytes(jpeg(1))
    with pytest.raises(ManifestError, match="no twarc2 export found"):
        find_exports(tmp_path, format="twarc2")
    with pytest.raises(ManifestError, match="unknown format 'csv'"):
        find_exports(tmp_path, format="csv")
