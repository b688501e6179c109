"""The case database: schema, migrations and the connection settings.

``case.sqlite`` is plain SQLite (stdlib ``sqlite3``) in WAL mode. The schema
version is ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades older files
one version at a time, and a file from a newer kit is refused.

Tables (all times are ISO 8601 UTC text):

- ``meta(key, value)``: case id, title, analyst, created_at, kit version.
- ``media(sha256, md5, size, mime, kind, ext, stored_path, original_name, ingested_at)``.
- ``posts(post_id, platform, account, posted_at, posted_at_raw, url, media_sha256,
  parent_post_id, caption, likes, shares, views, extra, source, line, ingest_id, added_at)``.
- ``ingests`` and ``intake_issues``: one row per ingest run and per bad row.
- ``step_results(sha256, step, version, status, error, seconds, payload, computed_at)``.
- ``custody(seq, at, actor, action, subject, details, prev_hash, hash)``: append-only.
- ``decisions(id, at, analyst, kind, subject, value, note)`` and ``settings(key, value)``.
- ``match_runs`` and ``matches(run_id, a, b, algorithm, distance, verified, inliers,
  transform, decision)`` (v2): pairs of each collection matching run.

Examples
--------
>>> conn = connect(":memory:")
>>> migrate(conn)
0
>>> conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
True
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kit.errors import SchemaError

__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "connect", "migrate"]

_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE media(
    sha256 TEXT PRIMARY KEY, md5 TEXT NOT NULL, size INTEGER NOT NULL, mime TEXT, kind TEXT,
    ext TEXT, stored_path TEXT NOT NULL, original_name TEXT, ingested_at TEXT NOT NULL);
CREATE TABLE posts(
    post_id TEXT PRIMARY KEY, platform TEXT, account TEXT, posted_at TEXT, posted_at_raw TEXT,
    url TEXT, media_sha256 TEXT NOT NULL REFERENCES media(sha256), parent_post_id TEXT,
    caption TEXT, likes INTEGER, shares INTEGER, views INTEGER, extra TEXT, source TEXT,
    line INTEGER, ingest_id INTEGER, added_at TEXT NOT NULL);
CREATE INDEX posts_media ON posts(media_sha256);
CREATE TABLE ingests(
    ingest_id INTEGER PRIMARY KEY, source TEXT, source_name TEXT, source_sha256 TEXT,
    started_at TEXT, finished_at TEXT, n_rows INTEGER, n_new_posts INTEGER,
    n_new_media INTEGER, n_errors INTEGER, n_warnings INTEGER);
CREATE TABLE intake_issues(
    ingest_id INTEGER, source TEXT, line INTEGER, post_id TEXT, severity TEXT, field TEXT,
    reason TEXT);
CREATE TABLE step_results(
    sha256 TEXT NOT NULL, step TEXT NOT NULL, version TEXT NOT NULL, status TEXT NOT NULL,
    error TEXT, seconds REAL, payload TEXT, computed_at TEXT NOT NULL,
    PRIMARY KEY(sha256, step, version));
CREATE TABLE custody(
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    subject TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
CREATE TABLE decisions(
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, analyst TEXT NOT NULL, kind TEXT NOT NULL,
    subject TEXT NOT NULL, value TEXT, note TEXT);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT);
"""

# v2: the match table of the latest matching run over the whole collection.
_V2 = """
CREATE TABLE match_runs(
    run_id INTEGER PRIMARY KEY, at TEXT NOT NULL, params TEXT, n_items INTEGER, n_pairs INTEGER,
    seconds REAL);
CREATE TABLE matches(
    run_id INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL, algorithm TEXT, distance REAL,
    verified INTEGER, inliers INTEGER, transform TEXT, decision TEXT);
CREATE INDEX matches_run ON matches(run_id);
"""

# MIGRATIONS[i] is the SQL that takes a database at version i to version i + 1.
MIGRATIONS: list[str] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open the database in autocommit mode (transactions are explicit), WAL, foreign keys on.

    The connection may be used from other threads (JupyterLab delivers widget
    events on a kernel subshell thread); the case serialises its write
    transactions with a lock.
    """
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise SchemaError(f"{Path(str(path)).name}: not a case database ({exc})", path=path) from exc
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; return the version found before."""
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"not a case database ({exc})") from exc
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"case schema version {found} is newer than this kit's ({SCHEMA_VERSION}): upgrade the kit"
        )
    for version in range(found, SCHEMA_VERSION):
        script = f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version={version + 1};\nCOMMIT;"
        try:
            conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return found
