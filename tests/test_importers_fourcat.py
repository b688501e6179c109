"""kit.importers.fourcat: 4CAT CSV with its media download, times with and without zone, links per data source."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from _exports import FOURCAT_TELEGRAM, jpeg, write_4cat
from kit.case import Case
from kit.importers.fourcat import looks_like

IMG = {n: jpeg(40 + n) for n in range(1, 6)}


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _row(mid: int, **kw) -> dict:
    r = {"id": f"examplenews-{mid}", "thread_id": "examplenews", "chat": "examplenews", "author": "examplenews",
         "author_username": "examplenews", "author_name": "Example News", "author_is_bot": "False",
         "body": f"post {mid}", "is_reply": "False", "views": "18342", "reactions": "\U0001f44d\U0001f44d",
         "timestamp": "2024-03-02 15:05:11", "unix_timestamp": "1709388311", "attachment_type": "photo"}
    r.update(kw)
    return r


@pytest.fixture()
def dataset(tmp_path):
    d = tmp_path / "4cat"
    images = d / "examplenews-images"  # the unpacked "Download images" zip
    images.mkdir(parents=True)
    meta = {}
    for mid, n in ((4521, 1), (4522, 2), (4524, 4), (4525, 5)):
        (images / f"examplenews-{mid}.jpeg").write_bytes(IMG[n])
        meta[f"https://t.me/examplenews/{mid}?single"] = {
            "filename": f"examplenews-{mid}.jpeg", "url": f"https://t.me/examplenews/{mid}?single", "success": True,
            "from_dataset": "4f2c0a", "post_ids": [f"examplenews-{mid}"]}
    (images / ".metadata.json").write_text(json.dumps(meta))
    (d / "examplenews-4523.jpeg").write_bytes(IMG[3])
    rows = [_row(4521),
            _row(4522, reply_to="4521", is_reply="True", unix_timestamp="1709388400"),
            _row(4523, author_forwarded_from_name="Other Channel", author_forwarded_from_username="otherchannel",
                 author_forwarded_from_id="987654321", attachment_filename="examplenews-4523.jpeg"),
            _row(4524, timestamp="", unix_timestamp=""),
            _row(4525, unix_timestamp=""),
            _row(4526, attachment_type=""),
            _row(4527, views="lots", attachment_filename="examplenews-4521.jpeg"),
            _row(4528, attachment_filename="examplenews-4528.jpeg")]
    return write_4cat(d / "telegram-examplenews-4f2c0a.csv", FOURCAT_TELEGRAM, rows)


def test_rows_become_posts_field_by_field(dataset, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(dataset)
    assert rep.format == "4cat" and rep.n_rows == 8 and rep.n_new_posts == 6
    posts = case.posts().set_index("post_id")
    first = posts.loc["telegram:examplenews-4521"]
    assert (first["platform"], first["account"], first["caption"], first["views"]) == (
        "telegram", "examplenews", "post 4521", 18342)
    assert (str(first["posted_at"]), first["time_source"]) == ("2024-03-02 14:05:11+00:00", "platform")
    assert first["media_sha256"] == _sha(IMG[1]) and first["extra"]["reactions"] == "\U0001f44d\U0001f44d"
    reply = posts.loc["telegram:examplenews-4522"]
    assert (reply["parent_post_id"], reply["link_type"]) == ("telegram:examplenews-4521", "reply")
    fwd = posts.loc["telegram:examplenews-4523"]
    assert (fwd["link_type"], fwd["parent_account"], fwd["media_sha256"]) == ("forward", "Other Channel", _sha(IMG[3]))
    no_time = posts.loc["telegram:examplenews-4524"]
    assert pd.isna(no_time["posted_at"]) and pd.isna(no_time["time_source"])
    local = posts.loc["telegram:examplenews-4525"]
    assert (str(local["posted_at"]), local["time_source"]) == ("2024-03-02 15:05:11+00:00", "local")
    assert pd.isna(posts.loc["telegram:examplenews-4527", "views"])


def test_every_oddity_is_reported(dataset, tmp_path):
    case = Case.create(tmp_path / "case")
    issues = case.ingest(dataset).issues
    by = {(r.line, r.field): (r.severity, r.reason) for r in issues.itertuples() if not pd.isna(r.line)}
    assert by[(5, "timestamp")] == ("warning", "empty time columns (unix_timestamp, timestamp): time unknown")
    assert "no unix_timestamp" in by[(6, "timestamp")][1]
    assert by[(8, "views")] == ("warning", "ignored: 'lots' is not a non-negative whole number")
    assert by[(9, "media")][0] == "error" and "media file not found" in by[(9, "media")][1]
    assert issues["reason"].str.contains("1 record skipped, not posts for the kit: rows without media").any()
    assert issues["source"].eq("telegram-examplenews-4f2c0a.csv").all()


def test_an_x_row_says_it_is_a_retweet_of_whom(tmp_path):
    cols = ["id", "thread_id", "timestamp", "unix_timestamp", "link", "subject", "body", "author", "author_fullname",
            "author_id", "retweet_count", "like_count", "is_retweet", "retweeted_user", "images"]
    d = tmp_path / "x"
    d.mkdir()
    (d / "E_46ur4VkAEswOJ.jpg").write_bytes(IMG[1])
    path = write_4cat(d / "twitterv2.csv", cols, [{
        "id": "1440716856763977732", "thread_id": "1440716856763977732", "timestamp": "2021-09-22 16:37:20",
        "unix_timestamp": "1632328640", "link": "https://x.com/jacquip537/status/1440716856763977732",
        "body": "RT @carolJhedges: .", "author": "jacquip537", "retweet_count": "22", "like_count": "0",
        "is_retweet": "yes", "retweeted_user": "carolJhedges", "images": "https://pbs.twimg.com/media/E_46ur4VkAEswOJ.jpg"}])
    case = Case.create(tmp_path / "case")
    case.ingest(path)
    post = case.posts().set_index("post_id").loc["x:1440716856763977732"]
    assert (post["link_type"], post["parent_account"], post["shares"], post["media_sha256"]) == (
        "retweet", "carolJhedges", 22, _sha(IMG[1]))


@pytest.mark.parametrize("header, expected", [
    pytest.param(FOURCAT_TELEGRAM, True, id="telegram"),
    pytest.param(["id", "thread_id", "author", "body", "timestamp", "subject"], True, id="core"),
    pytest.param(["post_id", "media_path", "body"], False, id="manifest"),
])
def test_looks_like(header, expected):
    assert looks_like(header) is expected
