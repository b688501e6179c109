"""The case database: migrations (old cases still open, their rows attested once), guards, no re-creation."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kit.case import Case
from kit.custody import GENESIS, make_entry
from kit.errors import SchemaError
from kit.store import MIGRATIONS, SCHEMA_VERSION, connect, expected_triggers, migrate

SHA = "ab" * 32


def _v2_case(folder: Path) -> Path:
    """A case as the kit wrote it before schema 3: no row digests, an absolute path in a payload."""
    (folder / "evidence" / "ab").mkdir(parents=True)
    (folder / "exports").mkdir()
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    for sql in MIGRATIONS[:2]:
        conn.executescript(sql)
    conn.execute("PRAGMA user_version=2")
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("case_id", "c1"), ("analyst", "ana"), ("title", "old")])
    conn.execute("INSERT INTO media VALUES (?, 'md5', 3, 'image/jpeg', 'image', 'jpg', ?, 'a.jpg', 't')",
                 (SHA, f"evidence/ab/{SHA}.jpg"))
    conn.execute("INSERT INTO posts(post_id, account, posted_at, media_sha256, added_at) VALUES "
                 "('p1', '@a', '2024-01-01T00:00:00+00:00', ?, 't')", (SHA,))
    payload = {"path": f"{folder.resolve()}/evidence/ab/{SHA}.jpg", "sha256": SHA, "groups": {}}
    conn.execute("INSERT INTO step_results VALUES (?, 'metadata', '1', 'ok', NULL, 0.1, ?, 't')",
                 (SHA, json.dumps(payload)))
    e1 = make_entry(1, "2024-01-01T00:00:00+00:00", "ana", "case.created", "c1", {"case_id": "c1"}, GENESIS)
    e2 = make_entry(2, "2024-01-01T00:01:00+00:00", "ana", "file.ingested", SHA, {"sha256": SHA, "post_id": "p1"}, e1.hash)
    for e in (e1, e2):
        conn.execute("INSERT INTO custody VALUES (?,?,?,?,?,?,?,?)", tuple(vars(e).values()))
    conn.close()
    return folder


def test_a_schema_2_case_opens_attests_its_rows_once_and_then_catches_edits(tmp_path):
    folder = _v2_case(tmp_path / "old")
    with Case.open(folder) as case:
        assert case._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        log = case.custody()
        assert log["action"].tolist() == ["case.created", "file.ingested", "rows.attested"]
        assert log["details"].iloc[-1]["from_schema"] == 2
        assert case.results("metadata")["payload"].iloc[0]["path"] == f"evidence/ab/{SHA}.jpg"
        problems = case.verify().problems
        assert set(problems["kind"]) == {"evidence"}, problems  # the fake evidence file is absent
    with Case.open(folder) as case:
        assert case.custody()["action"].tolist()[-1] == "rows.attested", "attested once, not at every open"
    with sqlite3.connect(folder / "case.sqlite") as conn:
        conn.execute("UPDATE posts SET account = '@eve'")
    conn.close()
    with Case.open(folder) as case:
        assert "posts p1" in set(case.verify().problems["subject"])


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(b"", "empty \\(0 bytes\\)", id="zero-bytes"),
        pytest.param(b"SQLite format 3\x00" + bytes(84), "not a case database", id="header-only"),
    ],
)
def test_a_database_without_a_case_is_refused_and_left_alone(tmp_path, content, message):
    (tmp_path / "c").mkdir()
    db = tmp_path / "c" / "case.sqlite"
    db.write_bytes(content)
    with pytest.raises(SchemaError, match=message):
        Case.open(tmp_path / "c")
    assert db.read_bytes() == content


def test_connect_without_create_never_makes_a_file(tmp_path):
    with pytest.raises(SchemaError, match="cannot open"):
        connect(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_guard_triggers_come_from_the_migrations():
    assert set(expected_triggers()) == {"custody_no_update", "custody_no_delete"}
    conn = connect(":memory:")
    assert migrate(conn) == 0 and migrate(conn) == SCHEMA_VERSION


def test_a_schema_3_case_gains_the_export_columns_and_still_verifies(tmp_path):
    """v4 adds nullable columns and a table: a v3 case's vouched rows keep their digests, nothing is re-attested."""
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 a")
    (tmp_path / "inc" / "m.csv").write_text("post_id,media_path\np1,a.jpg\n")
    with Case.create(tmp_path / "c") as case:
        case.ingest(tmp_path / "inc" / "m.csv")
        actions = case.custody()["action"].tolist()
    conn = sqlite3.connect(tmp_path / "c" / "case.sqlite", isolation_level=None)
    conn.executescript("DROP TABLE post_media; ALTER TABLE posts DROP COLUMN link_type; "
                       "ALTER TABLE posts DROP COLUMN time_source; ALTER TABLE posts DROP COLUMN parent_account; "
                       "ALTER TABLE ingests DROP COLUMN format; ALTER TABLE ingests DROP COLUMN fields; "
                       "PRAGMA user_version=3;")
    conn.close()
    with Case.open(tmp_path / "c") as case:
        assert case._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert case.custody()["action"].tolist() == actions  # no rows.attested: v3 rows were vouched for already
        assert case.verify().ok, case.verify().problems
        assert case.posts()[["link_type", "time_source"]].isna().all().all() and case.post_media().shape == (1, 3)
