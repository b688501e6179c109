"""Manifest edge cases: time zones, bad rows with line numbers, unknown columns, JSONL, folders."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kit.errors import ManifestError
from kit.manifest import parse_time, read_folder, read_manifest

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.fixture()
def media_dir(tmp_path):
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (tmp_path / name).write_bytes(JPEG + name.encode())
    return tmp_path


@pytest.mark.parametrize(
    "raw, expected, warning",
    [
        pytest.param("2024-03-01T10:00:00Z", "2024-03-01T10:00:00+00:00", None, id="zulu"),
        pytest.param("2024-03-01T10:00:00+05:30", "2024-03-01T04:30:00+00:00", None, id="india"),
        pytest.param("2024-03-01T23:30:00-05:00", "2024-03-02T04:30:00+00:00", None, id="crosses-midnight"),
        pytest.param("2024-03-01 10:00:00.250+01:00", "2024-03-01T09:00:00.250000+00:00", None, id="space-fraction"),
        pytest.param("2024-03-01T10:00", "2024-03-01T10:00:00+00:00", "no time zone: read as UTC", id="naive"),
        pytest.param("1709287200", "2024-03-01T10:00:00+00:00", None, id="epoch-s"),
        pytest.param("1709287200000", "2024-03-01T10:00:00+00:00", None, id="epoch-ms"),
        pytest.param("", None, None, id="empty"),
    ],
)
def test_parse_time(raw, expected, warning):
    when, warn = parse_time(raw)
    assert (when.isoformat() if when else None) == expected
    assert when is None or when.tzinfo == dt.timezone.utc
    assert warn == warning


@pytest.mark.parametrize("raw", ["yesterday", "2024-13-01T00:00:00Z", "01/03/2024 10:00"])
def test_parse_time_rejects(raw):
    with pytest.raises(ValueError):
        parse_time(raw)


def test_csv_bad_rows_are_reported_with_lines_and_good_rows_load(media_dir):
    (media_dir / "m.csv").write_text(
        "\ufeffpost_id,platform,account,posted_at,media_path,parent_post_id,likes,lang\n"  # BOM
        "p1,x,@a,2024-03-01T10:00:00+01:00,a.jpg,,12,en\n"
        "p2,x,@b,not a time,b.jpg,,,en\n"                      # line 3: bad time
        "p3,x,@c,2024-03-01T11:00:00Z,missing.jpg,,,en\n"      # line 4: missing file
        "p1,x,@d,2024-03-01T12:00:00Z,c.jpg,,,en\n"            # line 5: duplicate id
        ",x,@e,2024-03-01T12:00:00Z,c.jpg,,,en\n"              # line 6: no id
        "\n"
        "p6,fb,@f,2024-03-01T13:00:00Z,c.jpg,p1,many,de\n"     # line 8: bad likes -> warning
        '"p7",x,"@g, with comma",2024-03-01T14:00:00Z,b.jpg,p99,3,"multi\nline"\n'  # line 9-10
        "p8,x,@h,2024-03-01T14:00:00Z,a.jpg,p8,,en\n"          # line 11: self parent
    )
    m = read_manifest(media_dir / "m.csv")
    assert [r.post_id for r in m.rows] == ["p1", "p6", "p7", "p8"]
    errors = m.issues[m.issues.severity == "error"]
    assert errors.fillna({"post_id": ""})[["line", "post_id", "field"]].values.tolist() == [
        [3, "p2", "posted_at"], [4, "p3", "media_path"], [5, "p1", "post_id"], [6, "", "post_id"]]
    assert "first on line 2" in errors.iloc[2]["reason"]
    warnings = m.issues[m.issues.severity == "warning"]
    assert set(map(tuple, warnings[["line", "field"]].values.tolist())) == {
        (8, "likes"), (9, "parent_post_id"), (11, "parent_post_id")}
    rows = {r.post_id: r for r in m.rows}
    assert rows["p1"].posted_at.isoformat() == "2024-03-01T09:00:00+00:00"
    assert rows["p1"].likes == 12 and rows["p6"].likes is None
    assert rows["p1"].extra == {"lang": "en"}
    assert rows["p7"].account == "@g, with comma" and rows["p7"].extra == {"lang": "multi\nline"}
    assert rows["p7"].parent_post_id == "p99"      # unknown parent is kept (outside collection)
    assert rows["p8"].parent_post_id is None        # self-link dropped
    assert rows["p1"].media_path == (media_dir / "a.jpg").resolve()


def test_jsonl_with_bad_lines(media_dir):
    lines = [
        json.dumps({"post_id": "j1", "media_path": "a.jpg", "posted_at": 1709287200, "views": 10,
                    "Hashtags": ["#x"]}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"post_id": "j2", "media_path": "b.jpg", "posted_at": "2024-03-01T10:00:00-08:00"}),
    ]
    (media_dir / "m.jsonl").write_text("\n".join(lines) + "\n")
    m = read_manifest(media_dir / "m.jsonl")
    assert [r.post_id for r in m.rows] == ["j1", "j2"]
    assert m.issues[["line", "severity"]].values.tolist() == [[2, "error"], [3, "error"]]
    assert m.rows[0].extra == {"hashtags": ["#x"]} and m.rows[0].views == 10
    assert m.rows[1].posted_at.isoformat() == "2024-03-01T18:00:00+00:00"


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param("", "empty manifest", id="empty"),
        pytest.param("a,b,c\n1,2,3\n", "neither post_id nor media_path", id="wrong-header"),
    ],
)
def test_unreadable_manifest_raises(tmp_path, content, message):
    (tmp_path / "m.csv").write_text(content)
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path / "m.csv")


def test_missing_manifest_and_binary_manifest(tmp_path):
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81post_id")
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_manifest(tmp_path / "bin.csv")


def test_too_many_cells_is_a_bad_row(media_dir):
    (media_dir / "m.csv").write_text("post_id,media_path\np1,a.jpg,extra\np2,b.jpg\n")
    m = read_manifest(media_dir / "m.csv")
    assert [r.post_id for r in m.rows] == ["p2"]
    assert m.issues.iloc[0]["line"] == 2 and "3 cells" in m.issues.iloc[0]["reason"]


def test_folder_one_post_per_media_file(media_dir):
    (media_dir / "sub").mkdir()
    (media_dir / "sub" / "d.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    (media_dir / "notes.txt").write_text("not media")
    (media_dir / ".hidden.jpg").write_bytes(JPEG)
    m = read_folder(media_dir)
    assert [r.post_id for r in m.rows] == ["a.jpg", "b.jpg", "c.jpg", "sub/d.png"]
    assert m.issues["post_id"].tolist() == ["notes.txt"]
    assert all(r.posted_at is None and "file_mtime" in r.extra for r in m.rows)
