"""The database against its custody chain: every vouched row, each kind of edit made directly in SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from _media import jpeg_bytes, scene
from kit.case import Case
from kit.cli import main
from kit.custody import row_digest

GUARDS = """
CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;"""


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A case with posts, media, results of two steps, a matching run, decisions and a setting."""
    from kit.hashing import STEPS

    root = tmp_path_factory.mktemp("custody")
    (root / "m").mkdir()
    pic = scene(3, 120, 160)
    for i, q in enumerate((95, 80, 60)):
        (root / "m" / f"{i}.jpg").write_bytes(jpeg_bytes(pic, q))
    (root / "m" / "3.jpg").write_bytes(jpeg_bytes(scene(9, 120, 160), 90))
    (root / "man.csv").write_text(
        "post_id,platform,account,posted_at,media_path,parent_post_id\n"
        "p0,x,@a,2024-03-01T10:00:00Z,m/0.jpg,\n"
        "p1,x,@b,2024-03-01T11:00:00Z,m/1.jpg,p0\n"
        "p2,fb,@c,2024-03-01T12:00:00Z,m/2.jpg,\n"
        "p3,fb,@d,2024-03-01T13:00:00Z,m/3.jpg,\n")
    case = Case.create(root / "case", title="custody", analyst="ana")
    case.ingest(root / "man.csv")
    for step in STEPS:
        case.run(step)
    case.match(verify=False)
    case.record_decision("match", "a|b", "confirmed", note="same picture")
    case.record_decision("spread.parent", "p2", "p1")
    case.set_setting("blur_media", False)
    case.close()
    return root / "case"


@pytest.fixture()
def case_dir(made, tmp_path) -> Path:
    import shutil

    return Path(shutil.copytree(made, tmp_path / "case"))


def _sql(case_dir: Path, *statements: str) -> None:
    """What someone with the file can do: drop the guards, edit, put the guards back."""
    with sqlite3.connect(case_dir / "case.sqlite", isolation_level=None) as conn:
        conn.executescript("DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete;")
        for s in statements:
            conn.execute(s)
        conn.executescript(GUARDS)
    conn.close()


def _first(case_dir: Path, sql: str) -> str:
    with sqlite3.connect(case_dir / "case.sqlite") as conn:
        value = conn.execute(sql).fetchone()[0]
    conn.close()
    return str(value)


def test_untouched_case_verifies(made):
    with Case.open(made) as case:
        report = case.verify()
        assert report.ok, report.problems
        vouched = [d.get("vouched", {}) for d in case.custody()["details"]]
        tables = {t for v in vouched for t in v}
        assert tables == {"meta", "media", "posts", "step_results", "match_runs", "matches", "decisions",
                          "settings"}


@pytest.mark.parametrize(
    "statements, subject, detail",
    [
        pytest.param(["UPDATE posts SET posted_at = '2024-02-01T00:00:00+00:00' WHERE post_id = 'p2'"],
                     "posts p2", "changed since custody entry", id="post-time"),
        pytest.param(["UPDATE posts SET account = '@mallory' WHERE post_id = 'p1'"],
                     "posts p1", "changed since custody entry", id="post-account"),
        pytest.param(["DELETE FROM posts WHERE post_id = 'p3'",
                      "DELETE FROM media WHERE sha256 = (SELECT media_sha256 FROM posts WHERE post_id = 'p3')"],
                     "posts p3", "removed since custody entry", id="post-deleted"),
        pytest.param(["DELETE FROM step_results WHERE rowid = (SELECT MIN(rowid) FROM step_results)"],
                     "step_results [", "removed since custody entry", id="result-deleted"),
        pytest.param(["UPDATE step_results SET payload = '{}' WHERE rowid = (SELECT MAX(rowid) FROM step_results)"],
                     "step_results [", "changed since custody entry", id="result-edited"),
        pytest.param(["DELETE FROM matches"], "matches [", "removed since custody entry", id="matches-deleted"),
        pytest.param(["UPDATE matches SET distance = 99"], "matches [", "changed since", id="match-edited"),
        pytest.param(["DELETE FROM decisions WHERE kind = 'spread.parent'"], "decisions 2", "removed since",
                     id="decision-deleted"),
        pytest.param(["UPDATE decisions SET analyst = 'bo'"], "decisions 1", "changed since", id="decision-analyst"),
        pytest.param(["INSERT INTO decisions(at, analyst, kind, subject, value) VALUES ('t', 'eve', 'match', "
                      "'x|y', '\"confirmed\"')"], "decisions 3", "no custody entry vouches", id="decision-added"),
        pytest.param(["UPDATE meta SET value = 'bo' WHERE key = 'analyst'"], "meta analyst", "changed since",
                     id="meta-analyst"),
        pytest.param(["DELETE FROM settings"], "settings blur_media", "removed since", id="setting-deleted"),
    ],
)
def test_each_direct_edit_is_named(case_dir, statements, subject, detail):
    _sql(case_dir, *statements)
    with Case.open(case_dir) as case:
        problems = case.verify().problems
    rows = problems[problems["kind"] == "row"]
    hits = rows[rows["subject"].str.startswith(subject) & rows["detail"].str.contains(detail)]
    assert len(hits), problems.to_string()
    assert set(problems["kind"]) <= {"row", "custody"}, problems.to_string()


def test_cut_custody_tail_with_guards_dropped(case_dir):
    """Deleting the last entries: the dropped guards are named, and so are the rows left without an entry."""
    last = int(_first(case_dir, "SELECT MAX(seq) FROM custody"))
    with sqlite3.connect(case_dir / "case.sqlite", isolation_level=None) as conn:
        conn.executescript("DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete;")
        conn.execute("DELETE FROM custody WHERE seq >= ?", (last - 2,))
    conn.close()
    with Case.open(case_dir) as case:
        problems = case.verify().problems
    assert {"custody_no_update", "custody_no_delete"} <= set(problems.query("kind == 'trigger'")["subject"])
    named = set(problems.query("kind == 'row'")["subject"])
    assert {"settings blur_media", "decisions 2"} <= named, problems.to_string()


def test_altered_guard_is_named(case_dir):
    with sqlite3.connect(case_dir / "case.sqlite", isolation_level=None) as conn:
        conn.executescript("DROP TRIGGER custody_no_delete; CREATE TRIGGER custody_no_delete BEFORE DELETE "
                           "ON custody WHEN 0 BEGIN SELECT RAISE(ABORT, 'no'); END;")
    conn.close()
    with Case.open(case_dir) as case:
        problems = case.verify().problems
    assert problems[["kind", "subject"]].values.tolist() == [["trigger", "custody_no_delete"]]
    assert "altered" in problems["detail"].iloc[0]


def test_dfkit_verify_names_each_change(case_dir, capsys):
    """The issue's check: a post time, a deleted result, a deleted custody row with the guards dropped."""
    sha = _first(case_dir, "SELECT sha256 FROM step_results WHERE step = 'hash.image' ORDER BY sha256 LIMIT 1")
    with sqlite3.connect(case_dir / "case.sqlite", isolation_level=None) as conn:
        conn.executescript("DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete;")
        conn.execute("UPDATE posts SET posted_at = '2023-01-01T00:00:00+00:00' WHERE post_id = 'p1'")
        conn.execute("DELETE FROM step_results WHERE sha256 = ? AND step = 'hash.image'", (sha,))
        conn.execute("DELETE FROM custody WHERE seq = 3")
    conn.close()
    capsys.readouterr()
    assert main(["verify", "--case", str(case_dir)]) == 1
    out = capsys.readouterr().out
    for text in ("posts p1", f'["{sha}","hash.image"', "entry 4", "sequence gap", "custody_no_delete"):
        assert text in out, out


@pytest.mark.parametrize("content", [pytest.param(b"", id="zero-bytes"), pytest.param(None, id="missing")])
def test_empty_or_missing_database_is_an_error_never_recreated(case_dir, capsys, content):
    db = case_dir / "case.sqlite"
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    if content is None:
        db.unlink()
    else:
        db.write_bytes(content)
    assert main(["verify", "--case", str(case_dir)]) == 2
    assert "error" in capsys.readouterr().err
    assert (db.read_bytes() == content) if content is not None else not db.exists()


def test_kit_writes_outside_an_entry_are_vouched_at_commit(case_dir):
    with Case.open(case_dir) as case:
        with case.transaction() as rows:
            rows.put_setting("theme", '"dark"')
        assert case.custody()["action"].iloc[-1] == "rows.written"
        assert case.verify().ok


def test_row_digest_is_the_content_sha256():
    """Known answer: the SHA-256 of the row's canonical JSON (sorted keys, no spaces), computed by hand."""
    import hashlib

    text = '{"account":"@a","post_id":"p1"}'
    assert row_digest([{"post_id": "p1", "account": "@a", "likes": None}]) == hashlib.sha256(text.encode()).hexdigest()
