"""kit.importers.instaloader: GraphQL and iPhone-derived nodes, .json.xz and .json, sidecars as one post."""

from __future__ import annotations

import hashlib

import pytest

from _exports import jpeg, mp4_head, write_instaloader
from kit.case import Case
from kit.importers.instaloader import looks_like

SIDE = {"_1.jpg": jpeg(21), "_2.jpg": jpeg(22), "_2.mp4": mp4_head(23), "_3.jpg": jpeg(24)}


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture()
def target(tmp_path):
    d = tmp_path / "memeorbit"
    graphql = {"__typename": "GraphSidecar", "id": "3302345678901234567", "shortcode": "C3abcDEFghi",
               "taken_at_timestamp": 1773548400, "owner": {"id": "123456789", "username": "memeorbit"},
               "edge_media_to_caption": {"edges": [{"node": {"text": "this is real?! #ai"}}]},
               "edge_media_preview_like": {"count": 1520}, "edge_media_to_comment": {"count": 48},
               "is_video": False, "display_url": "https://scontent.cdninstagram.com/v/a.jpg",
               "edge_sidecar_to_children": {"edges": [{"node": {"is_video": False}}, {"node": {"is_video": True}},
                                                      {"node": {"is_video": False}}]}}
    write_instaloader(d, "2026-03-15_04-20-00_UTC", graphql, SIDE)
    (d / "2026-03-15_04-20-00_UTC.txt").write_text("this is real?! #ai")
    iphone = {"__typename": "GraphVideo", "id": "3302345678901234999", "shortcode": "C3xyz", "is_video": True,
              "date": 1773552000, "caption": "from the app", "comments": 3,
              "edge_media_preview_like": {"count": 10}, "video_view_count": 25000,
              "owner": {"id": "987", "username": "world.news.now"}, "iphone_struct": {"pk": 1}}
    write_instaloader(d, "2026-03-15_05-20-00_UTC", iphone, {".jpg": jpeg(25), ".mp4": mp4_head(26)}, xz=False)
    write_instaloader(d, "memeorbit_123456789", {"username": "memeorbit"}, {}, node_type="Profile")
    write_instaloader(d, "2026-03-15_06-00-00_UTC", {"shortcode": "C3gone", "date": 1773554400}, {})
    (d / "2026-03-15_07-00-00_UTC.json.xz").write_bytes(b"\xfd7zXZ\x00 not really xz")
    return d


def test_posts_with_their_media_field_by_field(target, tmp_path):
    case = Case.create(tmp_path / "case")
    rep = case.ingest(target)
    assert rep.format == "instaloader" and rep.n_rows == 4 and rep.n_new_posts == 2
    posts = case.posts().set_index("post_id")
    side = posts.loc["instagram:C3abcDEFghi"]
    assert (side["account"], side["likes"], side["caption"]) == ("memeorbit", 1520, "this is real?! #ai")
    assert (str(side["posted_at"]), side["time_source"]) == ("2026-03-15 04:20:00+00:00", "platform")
    assert side["url"] == "https://www.instagram.com/p/C3abcDEFghi/"
    media = case.post_media().query("post_id == 'instagram:C3abcDEFghi'")["media_sha256"].tolist()
    assert media == [_sha(SIDE["_1.jpg"]), _sha(SIDE["_2.mp4"]), _sha(SIDE["_2.jpg"]), _sha(SIDE["_3.jpg"])]
    app = posts.loc["instagram:C3xyz"]
    assert (app["account"], app["views"], app["caption"], app["media_sha256"]) == (
        "world.news.now", 25000, "from the app", _sha(mp4_head(26)))
    assert app["extra"]["instaloader"] == {"version": "4.15.1", "node_type": "Post"}
    assert case.verify().ok


def test_records_without_media_or_unreadable_are_reported(target, tmp_path):
    case = Case.create(tmp_path / "case")
    issues = case.ingest(target).issues.set_index("source")
    assert issues.loc["memeorbit/2026-03-15_06-00-00_UTC.json.xz", "reason"].startswith("no picture or video beside it")
    damaged = issues.loc["memeorbit/2026-03-15_07-00-00_UTC.json.xz"]  # xz magic, then garbage: not told
    assert (damaged["severity"], damaged["reason"]) == ("warning", "not an export the kit reads, or too damaged to "
                                                                   "tell (by its content): skipped")
    assert issues["reason"].str.contains("1 record skipped, not posts for the kit: Profile records").any()


def test_looks_like():
    assert looks_like({"node": {}, "instaloader": {"node_type": "Post"}}) and not looks_like({"node": {}})


def test_a_file_written_by_instaloader_itself(tmp_path):
    """tests/fixtures/instaloader: instaloader 4.16's own save_structure_to_file (see tests/fixtures/README.md)."""
    import shutil
    from pathlib import Path

    folder = tmp_path / "memeorbit"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "instaloader" / "2026-03-15_04-20-00_UTC.json.xz", folder)
    for suffix, data in {"_1.jpg": SIDE["_1.jpg"], "_2.mp4": SIDE["_2.mp4"], "_2.jpg": SIDE["_2.jpg"]}.items():
        (folder / f"2026-03-15_04-20-00_UTC{suffix}").write_bytes(data)
    case = Case.create(tmp_path / "case")
    rep = case.ingest(folder)
    assert (rep.format, rep.n_new_posts, rep.n_errors) == ("instaloader", 1, 0)
    post = case.posts().iloc[0]
    assert (post["post_id"], post["account"], post["likes"], post["caption"]) == (
        "instagram:C3abcDEFghi", "memeorbit", 1520, "this is real?! #ai")
    assert str(post["posted_at"]) == "2026-03-15 04:20:00+00:00"  # the file name's {date_utc} too
    assert post["extra"]["instaloader"] == {"version": "4.16", "node_type": "Post"}
    assert len(case.post_media()) == 3
