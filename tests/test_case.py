"""Case store: ingest (idempotent, deduplicated, crash-safe), queries, steps, custody, tamper detection."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from kit.case import MEDIA_COLUMNS, POST_COLUMNS, RESULT_COLUMNS, Case
from kit.errors import CaseExists, CaseNotFound, SchemaError
from kit.casework.ingest import IngestLimits
from kit.staging import Staging, flush_to_disk, place, stage
from kit.steps import Step

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def _incident(folder: Path, n: int = 6, size: int = 64) -> Path:
    """n posts; posts 0 and 1 share identical bytes; one manifest row is bad."""
    media = folder / "media"
    media.mkdir(parents=True)
    lines = ["post_id,platform,account,posted_at,url,media_path,parent_post_id,caption,likes,lang"]
    for i in range(n):
        body = JPEG + (b"same" if i < 2 else f"file{i}".encode()) * size
        (media / f"f{i}.jpg").write_bytes(body)
        parent = "p0" if i == 1 else ""
        lines.append(f"p{i},x,@a{i},2024-03-0{1 + i % 3}T10:00:00+02:00,https://x.example/{i},"
                     f"media/f{i}.jpg,{parent},cap {i},{i},en")
    lines.append("bad,x,@z,never,https://x.example/z,media/f0.jpg,,,,en")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n")
    return folder / "manifest.csv"


@pytest.fixture()
def case(tmp_path):
    return Case.create(tmp_path / "case", title="t", analyst="ana")


def test_create_open_and_refusals(tmp_path):
    c = Case.create(tmp_path / "c", title="Title", analyst="ana")
    assert (tmp_path / "c" / "evidence").is_dir() and (tmp_path / "c" / "exports").is_dir()
    assert c.meta()["title"] == "Title"
    assert c._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(CaseExists):
        Case.create(tmp_path / "c")
    with pytest.raises(CaseNotFound):
        Case.open(tmp_path / "nowhere")
    assert Case.open(tmp_path / "c").meta()["case_id"] == c.meta()["case_id"]
    assert c.custody()["action"].tolist() == ["case.created"]


def test_newer_schema_is_refused(tmp_path):
    c = Case.create(tmp_path / "c")
    c._conn.execute("PRAGMA user_version=99")
    c.close()
    with pytest.raises(SchemaError, match="newer"):
        Case.open(tmp_path / "c")


def test_not_a_database_is_refused(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "case.sqlite").write_bytes(b"garbage" * 200)
    with pytest.raises(SchemaError, match="not a case database"):
        Case.open(tmp_path / "c")


def test_ingest_dedupes_converts_time_and_keeps_extras(case, tmp_path):
    manifest = _incident(tmp_path / "inc")
    rep = case.ingest(manifest)
    assert (rep.n_rows, rep.n_new_posts, rep.n_new_media, rep.n_errors) == (7, 6, 5, 1)
    posts = case.posts()
    assert list(posts.columns) == POST_COLUMNS
    assert str(posts["posted_at"].dtype) == "datetime64[us, UTC]" or "UTC" in str(posts["posted_at"].dtype)
    p0 = posts.set_index("post_id").loc["p0"]
    assert p0["posted_at"] == pd.Timestamp("2024-03-01T08:00:00Z")
    assert p0["extra"] == {"lang": "en"} and p0["likes"] == 0
    assert posts.set_index("post_id").loc["p1", "media_sha256"] == p0["media_sha256"]
    media = case.media()
    assert list(media.columns) == MEDIA_COLUMNS and len(media) == 5
    for row in media.itertuples():
        data = Path(row.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256
        assert hashlib.md5(data).hexdigest() == row.md5
        assert not os.access(row.path, os.W_OK) or os.geteuid() == 0
        assert (os.stat(row.path).st_mode & 0o222) == 0, "evidence must be read-only"
        assert row.kind == "image" and row.ext == "jpg"
    issues = case.intake_report()
    assert issues[["line", "post_id", "field"]].values.tolist() == [[8, "bad", "posted_at"]]


def test_ingest_twice_adds_nothing(case, tmp_path):
    manifest = _incident(tmp_path / "inc")
    case.ingest(manifest)
    before = (len(case.posts()), len(case.media()), len(case.custody()))
    rep = case.ingest(manifest)
    assert (rep.n_new_posts, rep.n_new_media, rep.n_existing) == (0, 0, 6)
    after = (len(case.posts()), len(case.media()), len(case.custody()))
    assert after == (before[0], before[1], before[2] + 2)  # only ingest.started and ingest.finished
    assert case.verify().ok


def test_same_post_id_with_other_media_is_a_bad_row(case, tmp_path):
    manifest = _incident(tmp_path / "inc")
    case.ingest(manifest)
    (tmp_path / "inc" / "media" / "f3.jpg").chmod(0o644)
    (tmp_path / "inc" / "media" / "f3.jpg").write_bytes(JPEG + b"changed")
    rep = case.ingest(manifest)
    assert rep.issues[rep.issues.post_id == "p3"]["reason"].str.contains("different media").all()


def test_folder_ingest(case, tmp_path):
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(JPEG + b"a")
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"b" * 10)
    rep = case.ingest(folder)
    assert rep.n_new_posts == 2
    assert sorted(case.media()["kind"]) == ["image", "image"]


def _store_file(case: Case, src: Path) -> tuple[str, dict]:
    """Put one file into the evidence store without a database row (a crash between copy and commit)."""
    with Staging(case.path) as staging, open(src, "rb") as fin:
        staged = stage(case.path, staging, fin, src.name, IngestLimits().max_file_bytes)
        flush_to_disk([staged])
        place(staged)
    return staged.sha256, staged.row


def test_adopts_file_left_by_a_crash_between_copy_and_commit(case, tmp_path):
    manifest = _incident(tmp_path / "inc")
    sha, _ = _store_file(case, tmp_path / "inc" / "media" / "f2.jpg")  # copied, never committed
    (case.path / "evidence" / ".tmp" / "999-partial.part").write_bytes(b"half a file")
    case.ingest(manifest)
    assert sha in set(case.media()["sha256"])
    assert list((case.path / "evidence" / ".tmp").iterdir()) == []
    assert case.verify().ok


# -- steps ---------------------------------------------------------------------------

def _length(path: Path) -> dict:
    data = path.read_bytes()
    if b"file3" in data:
        raise ValueError("cannot handle file3")
    return {"length": len(data)}


def test_run_step_incremental_with_error_rows(case, tmp_path):
    case.ingest(_incident(tmp_path / "inc"))
    step = Step("test.length", "1", _length, tool="len")
    first = case.run(step)
    assert list(first.columns) == RESULT_COLUMNS and len(first) == 5
    assert (first.status == "error").sum() == 1
    assert "cannot handle file3" in first.loc[first.status == "error", "error"].iloc[0]
    assert all(p["length"] > 0 for p in first.loc[first.status == "ok", "payload"])
    calls = []
    counting = Step("test.length", "1", lambda p: calls.append(p) or {"length": 0})
    case.run(counting)
    assert calls == [], "nothing new: nothing recomputed"
    case.run(counting, retry_errors=True)
    assert len(calls) == 1, "only the error row is retried"
    bumped = case.run(Step("test.length", "2", _length))
    assert len(bumped) == 5 and case.results("test.length")["version"].unique().tolist() == ["2"]
    runs = case.custody().query("action == 'step.run'")
    assert runs["details"].iloc[0]["errors"] == 1 and runs["details"].iloc[0]["tool"] == "len"


def test_step_kinds_filter(case, tmp_path):
    case.ingest(_incident(tmp_path / "inc"))
    assert case.run(Step("video.only", "1", _length, kinds=("video",))).empty


def test_decisions_and_settings_are_logged(case):
    assert case.settings()["blur_media"] is True
    case.set_setting("blur_media", False)
    assert case.settings()["blur_media"] is False
    did = case.record_decision("match", "a|b", "confirmed", note="same picture", analyst="bo")
    d = case.decisions("match")
    assert d[["id", "analyst", "subject", "value", "note"]].values.tolist() == [
        [did, "bo", "a|b", "confirmed", "same picture"]]
    log = case.custody()
    assert log["action"].tolist()[-2:] == ["setting.changed", "decision"]
    assert log["actor"].iloc[-1] == "bo"


# -- custody and tampering ----------------------------------------------------------

def test_custody_is_append_only_in_the_database(case):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        case._conn.execute("UPDATE custody SET actor = 'eve'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        case._conn.execute("DELETE FROM custody")


def test_every_single_byte_flip_in_evidence_is_detected(case, tmp_path):
    case.ingest(_incident(tmp_path / "inc", n=3, size=4))
    path = Path(case.media()["path"].iloc[0])
    original = path.read_bytes()
    path.chmod(0o644)
    for i in range(len(original)):
        flipped = bytearray(original)
        flipped[i] ^= 0x01
        path.write_bytes(bytes(flipped))
        problems = case.verify().problems
        assert problems[["kind"]].values.ravel().tolist() == ["evidence"], f"byte {i} not detected"
    path.write_bytes(original)
    assert case.verify().ok
    path.unlink()
    assert "missing file" in case.verify().problems["detail"].iloc[0]


def _tamper(case: Case, sql: str, *args) -> None:
    """What an attacker with file access can do: drop the guard triggers and edit rows."""
    case._conn.execute("DROP TRIGGER custody_no_update")
    case._conn.execute("DROP TRIGGER custody_no_delete")
    case._conn.execute(sql, args)


@pytest.mark.parametrize("column", ["at", "actor", "action", "subject", "details", "prev_hash", "hash"])
def test_any_changed_byte_in_a_log_row_is_detected(case, tmp_path, column):
    case.ingest(_incident(tmp_path / "inc", n=3))
    seq = 2
    value = case._conn.execute(f"SELECT {column} FROM custody WHERE seq = ?", (seq,)).fetchone()[0]
    for i in range(0, len(value), max(1, len(value) // 7)):
        changed = value[:i] + chr(ord(value[i]) ^ 1) + value[i + 1:]
        _tamper(case, f"UPDATE custody SET {column} = ? WHERE seq = ?", changed, seq)
        report = case.verify()
        assert not report.ok and report.problems["subject"].str.contains(f"entry {seq}").any()
        case._conn.execute(f"UPDATE custody SET {column} = ? WHERE seq = ?", (value, seq))
        assert set(case.verify().problems["kind"]) == {"trigger"}, "the dropped guards are named"
        case._conn.executescript("""
            CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
                BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
            CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
                BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;""")
        assert case.verify().ok


def test_removed_log_row_is_detected(case, tmp_path):
    case.ingest(_incident(tmp_path / "inc", n=3))
    seq = case.custody().query("action == 'file.ingested'")["seq"].iloc[0]
    _tamper(case, "DELETE FROM custody WHERE seq = ?", int(seq))
    problems = case.verify().problems
    assert {"custody", "trigger", "row"} == set(problems["kind"])
    assert problems["detail"].str.contains("sequence gap|no file.ingested").any()
    assert "posts p0" in set(problems.query("kind == 'row'")["subject"])


# -- crash safety: kill -9 in the middle of an ingest ---------------------------------

CHILD = """
import sys
from pathlib import Path
from kit.case import Case
case_dir, manifest = Path(sys.argv[1]), Path(sys.argv[2])
case = Case.open(case_dir) if (case_dir / "case.sqlite").exists() else Case.create(case_dir)
case.ingest(manifest)
"""


@pytest.mark.slow
def test_kill_9_mid_ingest_loses_and_duplicates_nothing(tmp_path):
    n = 240
    src = tmp_path / "inc"
    (src / "media").mkdir(parents=True)
    rows = ["post_id,platform,posted_at,media_path"]
    for i in range(n):
        body = JPEG + os.urandom(48 * 1024) if i % 10 else JPEG + b"shared" * 100  # 24 share bytes
        (src / "media" / f"f{i}.jpg").write_bytes(body)
        rows.append(f"p{i},x,2024-03-01T10:00:00Z,media/f{i}.jpg")
    (src / "manifest.csv").write_text("\n".join(rows) + "\n")
    case_dir = tmp_path / "case"
    db = case_dir / "case.sqlite"

    def count() -> int:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                return c.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        except sqlite3.Error:
            return 0

    kills = 0
    for target in (1, 60, 130, 200):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(case_dir), str(src / "manifest.csv")])
        deadline = time.time() + 60
        while count() < target and proc.poll() is None and time.time() < deadline:
            time.sleep(0.002)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 3, "the ingest finished before it could be killed: make the test bigger"
    subprocess.run([sys.executable, "-c", CHILD, str(case_dir), str(src / "manifest.csv")], check=True)
    case = Case.open(case_dir)
    posts, media = case.posts(), case.media()
    assert sorted(posts["post_id"]) == sorted(f"p{i}" for i in range(n))
    assert len(media) == n - 24 + 1
    assert media["sha256"].is_unique
    stored = [p for p in (case_dir / "evidence").rglob("*") if p.is_file()]
    assert len(stored) == len(media), "no stray or partial evidence files"
    report = case.verify()
    assert report.ok, report.problems
    log = case.custody()
    ingested = log[log.action == "file.ingested"]
    assert len(ingested) == n and ingested["subject"].nunique() == len(media)


def test_writes_from_another_thread(case):
    """JupyterLab delivers widget events on a kernel subshell thread."""
    import threading

    out = []
    threads = [threading.Thread(target=lambda i=i: out.append(case.record_decision("note", f"s{i}", i)))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == [1, 2, 3, 4] and case.verify().ok


# -- analyst parent decisions --------------------------------------------------------

@pytest.mark.parametrize(
    "earlier, child, parent, cycle",
    [
        pytest.param([], "p2", "p2", "own parent", id="self-parent"),
        pytest.param([("p4", "p3")], "p3", "p4", "p3 <- p4 <- p3", id="two-decisions"),
        pytest.param([], "p0", "p1", "p0 <- p1 <- p0", id="against-manifest-link"),
        pytest.param([("p3", "p2"), ("p4", "p3")], "p2", "p4", "p2 <- p4 <- p3 <- p2", id="three-posts"),
    ],
)
def test_parent_decision_closing_a_cycle_is_refused(case, tmp_path, earlier, child, parent, cycle):
    from kit.errors import CaseError

    case.ingest(_incident(tmp_path / "inc"))
    for c, p in earlier:
        case.record_decision("spread.parent", c, p)
    before = (len(case.decisions()), len(case.custody()))
    with pytest.raises(CaseError, match=cycle):
        case.record_decision("spread.parent", child, parent)
    assert (len(case.decisions()), len(case.custody())) == before, "nothing stored"


def test_parent_decisions_that_close_no_cycle_are_stored(case, tmp_path):
    case.ingest(_incident(tmp_path / "inc"))
    case.record_decision("spread.parent", "p4", "p3")
    case.record_decision("spread.parent", "p4", None)  # p4 is now a root: p3 may descend from it
    case.record_decision("spread.parent", "p3", "p4")
    case.record_decision("spread.parent", "p1", None)  # overrides the manifest's p1 <- p0
    case.record_decision("parent", "p0", "p1")
    assert len(case.decisions()) == 5 and case.verify().ok
