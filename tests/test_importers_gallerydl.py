"""kit.importers.gallerydl: one JSON beside each file, several files of one tweet as one post."""

from __future__ import annotations

import hashlib

import pytest

from _exports import jpeg, write_gallerydl
from kit.case import Case
from kit.importers.gallerydl import looks_like


def _tweet(tid: int, num: int, **kw) -> dict:
    meta = {"tweet_id": tid, "retweet_id": 0, "quote_id": 0, "reply_id": 0, "conversation_id": tid,
            "date": "2026-03-15 05:12:44", "author": {"id": 123456, "name": "some_user", "nick": "Some User"},
            "user": {"id": 123456, "name": "some_user", "nick": "Some User"}, "lang": "en", "sensitive": False,
            "favorite_count": 1520, "quote_count": 31, "reply_count": 12, "retweet_count": 480,
            "bookmark_count": 20, "view_count": 250000, "content": "this is real?!", "count": 2, "num": num,
            "type": "photo", "width": 1200, "height": 675, "description": None, "source_id": 0,
            "category": "twitter", "subcategory": "tweet", "filename": f"GHabc{num}", "extension": "jpg"}
    meta.update(kw)
    return meta


@pytest.fixture()
def gallery(tmp_path):
    d = tmp_path / "gallery-dl"
    tw = d / "twitter" / "some_user"
    write_gallerydl(tw, "1762345678901234567_1.jpg", _tweet(1762345678901234567, 1), jpeg(31))
    write_gallerydl(tw, "1762345678901234567_2.jpg", _tweet(1762345678901234567, 2), jpeg(32))
    write_gallerydl(tw, "1762345678901234999_1.jpg",
                    _tweet(1762345678901234999, 1, retweet_id=1762345678901234567, favorite_count=0), jpeg(31))
    ig = {"post_id": "3302345678901234567", "post_shortcode": "C3abcDEFghi", "post_url":
          "https://www.instagram.com/p/C3abcDEFghi/", "owner_id": "123", "username": "memeorbit", "fullname": "Meme",
          "description": "caption", "date": "2026-03-15 04:20:00", "likes": 99, "media_id": "1", "num": 1,
          "category": "instagram", "subcategory": "post", "filename": "abc", "extension": "jpg"}
    write_gallerydl(d / "instagram" / "memeorbit", "3302345678901234567_1.jpg", ig, jpeg(33))
    (d / "twitter" / "some_user" / "orphan.jpg.json").write_text('{"category": "twitter", "subcategory": "tweet", '
                                                                 '"tweet_id": 5}')
    return d


def test_files_of_a_post_make_one_post(gallery, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(gallery)
    assert rep.format == "gallerydl" and rep.n_new_posts == 3
    posts = case.posts().set_index("post_id")
    first = posts.loc["x:1762345678901234567"]
    assert (first["account"], first["likes"], first["shares"], first["views"]) == ("some_user", 1520, 480, 250000)
    assert (str(first["posted_at"]), first["time_source"]) == ("2026-03-15 05:12:44+00:00", "platform")
    assert first["url"] == "https://x.com/some_user/status/1762345678901234567"
    assert [f["filename"] for f in first["extra"]["files"]] == ["GHabc1", "GHabc2"]
    media = case.post_media().query("post_id == 'x:1762345678901234567'")["media_sha256"].tolist()
    assert media == [hashlib.sha256(jpeg(31)).hexdigest(), hashlib.sha256(jpeg(32)).hexdigest()]
    rt = posts.loc["x:1762345678901234999"]
    assert (rt["parent_post_id"], rt["link_type"]) == ("x:1762345678901234567", "retweet")
    ig = posts.loc["instagram:C3abcDEFghi"]
    assert (ig["account"], ig["likes"], ig["url"]) == ("memeorbit", 99, "https://www.instagram.com/p/C3abcDEFghi/")
    issues = rep.issues.set_index("source")
    assert issues.loc["gallery-dl/twitter/some_user/orphan.jpg.json", "reason"] == \
        "media file not found: 'twitter/some_user/orphan.jpg'"


def test_looks_like():
    assert looks_like(_tweet(1, 1)) and not looks_like({"category": "twitter"})
