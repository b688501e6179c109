"""kit.importers.ytdlp: info files beside their downloads, timestamp or upload day, the extractor as platform."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from _exports import jpeg, mp4_head, write_info
from kit.case import Case
from kit.importers.ytdlp import looks_like, platform_of

X_INFO = {"id": "1558552952549277696", "display_id": "1558553189766631429",
          "title": "Igor Brigadir - She's GOING with it!", "fulltitle": "Igor Brigadir - She's GOING with it!",
          "description": "She's GOING with it! https://t.co/uXqSAGWkWJ", "uploader": "Igor Brigadir",
          "uploader_id": "IgorBrigadir", "uploader_url": "https://twitter.com/IgorBrigadir", "channel_id": "495430242",
          "timestamp": 1660423011, "upload_date": "20220813", "view_count": 19059, "like_count": 93,
          "repost_count": 13, "comment_count": 3, "age_limit": 0, "duration": 71.292, "width": 1280, "height": 720,
          "webpage_url": "https://twitter.com/IgorBrigadir/status/1558553189766631429", "extractor": "twitter",
          "extractor_key": "Twitter", "epoch": 1673000000, "_type": "video",
          "_version": {"version": "2026.08.19", "repository": "yt-dlp/yt-dlp"}}


@pytest.fixture()
def downloads(tmp_path):
    d = tmp_path / "downloads"
    write_info(d, "Igor Brigadir - She's GOING with it!", X_INFO, mp4_head(1))
    (d / "Igor Brigadir - She's GOING with it! [1558552952549277696].webp").write_bytes(jpeg(5))  # thumbnail
    day_only = {"id": "7312345678901234567", "title": "launch", "uploader": "spacecoastfan", "upload_date": "20260315",
                "webpage_url": "https://www.tiktok.com/@spacecoastfan/video/7312345678901234567",
                "extractor": "TikTok", "extractor_key": "TikTok", "view_count": 25000, "like_count": "1,520",
                "repost_count": -1, "_filename": "/home/collector/Videos/launch [7312345678901234567].mp4"}
    write_info(d / "tiktok", "launch", day_only, mp4_head(2))
    write_info(d, "never downloaded", {"id": "abc", "extractor": "youtube", "timestamp": 1700000000}, None)
    playlist = {"id": "1558553189766631429", "_type": "playlist", "extractor": "twitter", "title": "thread"}
    (d / "thread [1558553189766631429].info.json").write_text(__import__("json").dumps(playlist))
    (d / "broken.info.json").write_text('{"id": "x", "extractor": "youtube", ')
    return d


def test_each_info_file_is_a_post_with_its_download(downloads, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(downloads)
    assert rep.format == "ytdlp" and rep.n_rows == 5 and rep.n_new_posts == 2
    posts = case.posts().set_index("post_id")
    x = posts.loc["x:1558552952549277696"]
    assert (x["platform"], x["account"], x["likes"], x["shares"], x["views"]) == ("x", "IgorBrigadir", 93, 13, 19059)
    assert (str(x["posted_at"]), x["time_source"]) == ("2022-08-13 20:36:51+00:00", "platform")
    assert x["url"] == "https://twitter.com/IgorBrigadir/status/1558553189766631429"
    assert x["caption"].startswith("She's GOING") and x["extra"]["display_id"] == "1558553189766631429"
    assert x["media_sha256"] == hashlib.sha256(mp4_head(1)).hexdigest()  # the video, not its thumbnail
    assert x["source"] == "downloads/Igor Brigadir - She's GOING with it! [1558552952549277696].info.json"
    t = posts.loc["tiktok:7312345678901234567"]
    assert (str(t["posted_at"]), t["time_source"]) == ("2026-03-15 00:00:00+00:00", "date")
    assert (t["likes"], t["views"]) == (1520, 25000) and pd.isna(t["shares"])
    assert t["extra"]["_filename"].startswith("/home/collector")  # kept, never followed


def test_every_oddity_is_reported(downloads, tmp_path):
    case = Case.create(tmp_path / "case")
    issues = case.ingest(downloads).issues.set_index("source")
    assert "no timestamp: only the upload day" in " ".join(issues.loc["downloads/tiktok/launch [7312345678901234567].info.json",
                                                                      "reason"])
    assert "ignored: '-1' is not a non-negative whole number" in " ".join(
        issues.loc["downloads/tiktok/launch [7312345678901234567].info.json", "reason"])
    assert issues.loc["downloads/never downloaded [abc].info.json", "reason"] == \
        "no download beside it (looked for 'never downloaded [abc].mp4')"
    assert "invalid JSON" in issues.loc["downloads/broken.info.json", "reason"]
    assert issues["reason"].str.contains("1 record skipped, not posts for the kit: playlist records").any()


def test_a_second_run_adds_nothing(downloads, tmp_path):
    case = Case.create(tmp_path / "case")
    case.ingest(downloads)
    assert case.ingest(downloads).n_existing == 2 and len(case.posts()) == 2


@pytest.mark.parametrize("info, platform", [
    pytest.param({"extractor": "twitter"}, "x", id="twitter"),
    pytest.param({"extractor_key": "Youtube", "extractor": "youtube"}, "youtube", id="youtube"),
    pytest.param({"extractor": "youtube:tab"}, "youtube", id="youtube-tab"),
    pytest.param({"extractor": "Telegram"}, "telegram", id="telegram"),
    pytest.param({}, "unknown", id="none"),
])
def test_platform_of(info, platform):
    assert platform_of(info) == platform


def test_looks_like():
    assert looks_like(X_INFO) and not looks_like({"id": "1", "title": "t"}) and not looks_like([X_INFO])


def test_a_download_made_by_yt_dlp_itself(tmp_path):
    """tests/fixtures/ytdlp: yt-dlp 2026.10.26's own info file and download (see tests/fixtures/README.md)."""
    fixtures = Path(__file__).parent / "fixtures" / "ytdlp"
    case = Case.create(tmp_path / "case")
    rep = case.ingest(fixtures)
    assert (rep.format, rep.n_new_posts, rep.n_errors) == ("ytdlp", 1, 0)
    post = case.posts().iloc[0]
    assert (post["post_id"], post["platform"], post["time_source"]) == ("generic:clip", "generic", "platform")
    assert post["posted_at"] == pd.Timestamp(1796365867, unit="s", tz="UTC")
    assert post["media_sha256"] == hashlib.sha256((fixtures / "clip [clip].mp4").read_bytes()).hexdigest()
    assert post["extra"]["direct"] is True and post["extra"]["formats"][0]["protocol"] == "file"
