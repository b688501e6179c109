"""kit.importers.twarc2: API v2 pages and flattened tweets, typed links, counts as X reports them, media by key/URL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from _exports import jpeg, mp4_head, page, photo, tweet, user, video, write_jsonl
from kit.case import Case
from kit.importers import find_exports
from kit.importers.twarc2 import looks_like

ORIG, QUOTE, VID = jpeg(1), jpeg(2), mp4_head(3)


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture()
def export(tmp_path: Path) -> dict:
    """Five tweets over four lines (one flattened), a text-only reply, a broken line, a missing photo."""
    media = tmp_path / "downloads"
    media.mkdir()
    (media / "OrigPhoto.jpg").write_bytes(ORIG)
    (media / "QuotePic.jpg").write_bytes(QUOTE)
    (media / "video [1558552952549277696].mp4").write_bytes(VID)  # yt-dlp's name: the media id
    (media / "video [1558552952549277696].webp").write_bytes(jpeg(9))  # its thumbnail, not the video
    o = tweet("1000", "3", "2026-03-14T23:50:00.000Z", "launch pad https://t.co/a", media=["3_5001"],
              metrics={"retweet_count": 10, "reply_count": 1, "like_count": 50, "quote_count": 2,
                       "bookmark_count": 0, "impression_count": 900})
    q = tweet("1100", "2", "2026-03-15T00:10:00.000Z", "is this real? https://t.co/b", refs=[("quoted", "1000")],
              media=["3_5002"], metrics={"retweet_count": 1, "reply_count": 0, "like_count": 7, "quote_count": 0,
                                         "impression_count": 120})
    rt = tweet("1200", "1", "2026-03-15T00:20:00.000Z", "RT @bob: is this real?", refs=[("retweeted", "1100")],
               metrics={"retweet_count": 1, "reply_count": 0, "like_count": 0, "quote_count": 0})
    reply = tweet("1250", "4", "2026-03-15T00:30:00.000Z", "@carol fake", refs=[("replied_to", "1000")])
    v = tweet("1400", "4", "2026-03-15T01:00:00.000Z", "video", media=["7_1558552952549277696"],
              metrics={"retweet_count": 3, "reply_count": 0, "like_count": 4, "quote_count": 0})
    flat = tweet("1300", "5", "2026-03-15T02:00:00+00:00", "look at this", refs=[("quoted", "1000")])
    flat["author"] = user("5", "erin")
    flat["referenced_tweets"] = [{"type": "quoted", "id": "1000", **{k: v for k, v in o.items() if k != "attachments"},
                                  "attachments": {"media_keys": ["3_5001"], "media": [photo("3_5001", "OrigPhoto")]},
                                  "author": user("3", "carol")}]
    flat["__twarc"] = {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0",
                       "retrieved_at": "2026-03-15T10:00:00+00:00"}
    lost = tweet("1500", "4", "2026-03-15T03:00:00.000Z", "gone", media=["3_9999"])
    lines = [page([rt], [user("1", "alice"), user("2", "bob")], tweets=[q], media=[photo("3_5002", "QuotePic")]),
             page([o, reply, v], [user("3", "carol"), user("4", "dave")], media=[photo("3_5001", "OrigPhoto"),
                                                                                  video("7_1558552952549277696", 345)]),
             flat, "not json", page([lost], [user("4", "dave")], media=[photo("3_9999", "NeverDownloaded")])]
    path = tmp_path / "export" / "tweets.jsonl"
    write_jsonl(path, [x for x in lines if x != "not json"])
    text = path.read_text().split("\n")
    path.write_text("\n".join(text[:3] + ["not json"] + text[3:]))
    return {"path": path, "media": media}


def test_every_tweet_is_mapped_field_by_field(export, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(export["path"], media_root=export["media"])
    assert rep.format == "twarc2" and rep.n_rows == 7 and rep.n_new_posts == 5, rep.issues.to_string()
    posts = case.posts().set_index("post_id")
    cols = ["account", "parent_post_id", "link_type", "media_sha256", "likes", "shares", "views", "time_source"]
    got = {pid: tuple(None if pd.isna(v) else v for v in posts.loc[pid, cols]) for pid in posts.index}
    assert got == {
        "x:1000": ("carol", None, None, _sha(ORIG), 50, 10, 900, "platform"),
        "x:1100": ("bob", "x:1000", "quote", _sha(QUOTE), 7, 1, 120, "platform"),
        # a retweet of a quote: its own post, linked to the quote as X does, showing the quote's media,
        # and no counts of its own (X copies the quote's retweet_count onto it)
        "x:1200": ("alice", "x:1100", "retweet", _sha(QUOTE), None, None, None, "platform"),
        "x:1300": ("erin", "x:1000", "quote", _sha(ORIG), 0, 0, 0, "platform"),
        "x:1400": ("dave", None, None, _sha(VID), 4, 3, 345, "platform"),  # views: the video's view_count
    }
    assert str(posts.loc["x:1000", "posted_at"]) == "2026-03-14 23:50:00+00:00"
    assert posts.loc["x:1000", "posted_at_raw"] == "2026-03-14T23:50:00.000Z"
    assert posts.loc["x:1200", "url"] == "https://x.com/alice/status/1200"
    assert posts.loc["x:1200", "caption"] == "RT @bob: is this real?"
    rt = posts.loc["x:1200", "extra"]
    assert rt["media_from"] == "x:1100" and rt["public_metrics"]["retweet_count"] == 1
    assert rt["__twarc"]["version"] == "2.14.0" and rt["author"]["username"] == "alice"
    assert posts.loc["x:1100", "extra"]["from_includes"] is True
    assert posts.loc["x:1000", "extra"]["media"][0]["url"].endswith("OrigPhoto.jpg")
    assert posts.loc["x:1000", "extra"]["entities"]["urls"][0]["url"] == "https://t.co/IeqDhr3WET"


def test_bad_lines_missing_media_and_text_only_tweets_are_reported(export, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(export["path"], media_root=export["media"])
    issues = rep.issues
    assert issues["source"].eq("export/tweets.jsonl").all() or issues["source"].eq("tweets.jsonl").all()
    broken = issues[issues["line"] == 4]
    assert broken["severity"].tolist() == ["error"] and "invalid JSON" in broken["reason"].iloc[0]
    lost = issues.set_index("post_id").loc["x:1500"]
    assert (lost["line"], lost["severity"], lost["field"]) == (5, "error", "media")
    assert "3_9999 (photo, https://pbs.twimg.com/media/NeverDownloaded.jpg)" in lost["reason"]
    assert issues["reason"].str.contains("1 record skipped, not posts for the kit: tweets without a photo").any()
    assert rep.fields["export_fields"]["referenced_tweets"] == 4  # RT, Q, reply, flattened quote
    assert rep.fields["post_columns"]["link_type"] == 3


def test_a_second_run_adds_nothing(export, tmp_path):
    case = Case.create(tmp_path / "case")
    case.ingest(export["path"], media_root=export["media"])
    again = case.ingest(export["path"], media_root=export["media"])
    assert (again.n_new_posts, again.n_new_media, again.n_existing) == (0, 0, 5)
    assert len(case.posts()) == 5 and case.verify().ok


def test_media_default_to_the_export_folder_and_stay_inside_it(export, tmp_path):
    (export["path"].parent / "OrigPhoto.jpg").symlink_to(export["media"] / "OrigPhoto.jpg")  # a link out
    case = Case.create(tmp_path / "case")
    rep = case.ingest(export["path"])
    assert rep.n_new_posts == 0
    reasons = rep.issues.set_index("post_id").loc["x:1000", "reason"]
    assert "symbolic link on this path leads out" in " ".join(pd.Series(reasons).astype(str))


@pytest.mark.parametrize("record, expected", [
    pytest.param(page([], []), True, id="page"),
    pytest.param(tweet("1", "2", "2026-01-01T00:00:00.000Z", "hi"), True, id="tweet"),
    pytest.param([tweet("1", "2", "2026-01-01T00:00:00.000Z", "hi")], True, id="list-of-tweets"),
    pytest.param({"post_id": "p1", "media_path": "a.jpg", "text": "hi", "id": "1"}, False, id="manifest"),
    pytest.param({"id": "1", "text": "hi"}, False, id="bare-id-text"),
])
def test_looks_like(record, expected):
    assert looks_like(record) is expected


def test_a_twarc2_file_is_told_by_content_not_by_name(export, tmp_path):
    renamed = tmp_path / "scrape.txt"
    renamed.write_bytes(export["path"].read_bytes())
    [ex], _ = find_exports(renamed)
    assert ex.format == "twarc2"
    assert json.loads(export["path"].read_text().split("\n")[0])["__twarc"]["version"] == "2.14.0"


FIXTURES = Path(__file__).parent / "fixtures"


def test_real_twarc2_flatten_output_maps_like_the_pages_it_came_from(tmp_path):
    """twarc 2.14.0's own flatten of twarc2_pages.jsonl (tests/fixtures/README.md): the same posts, field by field."""
    media = tmp_path / "media"
    media.mkdir()
    (media / "OrigPhoto.jpg").write_bytes(ORIG)
    (media / "QuotePic.jpg").write_bytes(QUOTE)
    (media / "video [1558552952549277696].mp4").write_bytes(VID)
    cols = ["account", "posted_at", "parent_post_id", "link_type", "media_sha256", "likes", "shares", "views",
            "caption", "url"]
    found = {}
    for name in ("twarc2_pages.jsonl", "twarc2_flatten.jsonl"):
        case = Case.create(tmp_path / name)
        rep = case.ingest(FIXTURES / name, media_root=media)
        assert rep.format == "twarc2" and rep.n_errors == 0, rep.issues
        found[name] = case.posts().set_index("post_id")[cols]
    assert found["twarc2_pages.jsonl"].index.tolist() == ["x:1000", "x:1100", "x:1200", "x:1400"]
    pd.testing.assert_frame_equal(found["twarc2_flatten.jsonl"], found["twarc2_pages.jsonl"])
    assert found["twarc2_flatten.jsonl"].loc["x:1200", "media_sha256"] == _sha(QUOTE)
