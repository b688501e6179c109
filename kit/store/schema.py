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
- v3 changes no table: from v3 on, each custody entry names, with a digest of
  their content, the rows of :data:`VOUCHED` its transaction wrote
  (:func:`track_writes`, :func:`take_written`), so that ``verify`` can check
  the database against the chain. Rows of an older case are attested as found
  when it is first opened by a v3 kit.
- v4 (collection exports, :mod:`kit.importers`): ``posts`` gains ``link_type`` (how
  ``parent_post_id`` is linked: ``retweet``, ``quote``, ``reply``, ``forward``; NULL for a
  manifest's plain link), ``time_source`` (where ``posted_at`` comes from: ``platform`` =
  the platform's own UTC time, ``date`` = a day only, ``local`` = a local time without zone
  read as UTC; NULL for a manifest) and ``parent_account`` (the account a link names when
  the export gives no post id, e.g. a Telegram forward); ``post_media(post_id, position,
  media_sha256)`` holds a post's further media (position 1, 2, ...; position 0 is
  ``posts.media_sha256``); ``ingests`` gains ``format`` and ``fields`` (JSON: field ->
  records that had it). New columns are NULL in older rows, which keeps their digests.

Examples
--------
>>> conn = connect(":memory:")
>>> migrate(conn)
0
>>> conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
True
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kit.errors import SchemaError

__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "VOUCHED", "connect", "migrate", "track_writes",
           "take_written", "row_key", "rows_by_key", "iter_vouched", "expected_triggers",
           "trigger_problems"]

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

# v3: rows are vouched for by the custody chain (see the module doc); the index finds a match row
# by its key.
_V3 = """
CREATE INDEX matches_pair ON matches(run_id, a, b);
"""

# MIGRATIONS[i] is the SQL that takes a database at version i to version i + 1.
# v4: posts from collection exports (see the module doc).
_V4 = """
ALTER TABLE posts ADD COLUMN link_type TEXT;
ALTER TABLE posts ADD COLUMN time_source TEXT;
ALTER TABLE posts ADD COLUMN parent_account TEXT;
ALTER TABLE ingests ADD COLUMN format TEXT;
ALTER TABLE ingests ADD COLUMN fields TEXT;
CREATE TABLE post_media(
    post_id TEXT NOT NULL, position INTEGER NOT NULL,
    media_sha256 TEXT NOT NULL REFERENCES media(sha256), PRIMARY KEY(post_id, position));
CREATE INDEX post_media_sha ON post_media(media_sha256);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4]
SCHEMA_VERSION = len(MIGRATIONS)

# The tables whose rows the custody chain vouches for, with the columns that name a row.
# (ingests and intake_issues are run records: what matters of them is in their custody entries.)
VOUCHED: dict[str, tuple[str, ...]] = {
    "meta": ("key",),
    "settings": ("key",),
    "media": ("sha256",),
    "posts": ("post_id",),
    "post_media": ("post_id", "position"),
    "step_results": ("sha256", "step", "version"),
    "match_runs": ("run_id",),
    "matches": ("run_id", "a", "b"),
    "decisions": ("id",),
}


def connect(path: str | Path, *, create: bool = True) -> sqlite3.Connection:
    """Open the database in autocommit mode (transactions are explicit), WAL, foreign keys on.

    With ``create=False`` a missing file is an error instead of a new empty
    database. The connection may be used from other threads (JupyterLab
    delivers widget events on a kernel subshell thread); the case serialises
    its write transactions with a lock.
    """
    target = str(path) if create or str(path) == ":memory:" else \
        f"file:{urllib.parse.quote(str(Path(path).absolute()))}?mode=rw"
    try:
        conn = sqlite3.connect(target, isolation_level=None, timeout=30.0, check_same_thread=False,
                               uri=not create)
    except sqlite3.OperationalError as exc:
        raise SchemaError(f"{Path(str(path)).name}: cannot open the case database ({exc})",
                          path=path) from exc
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise SchemaError(f"{Path(str(path)).name}: not a case database ({exc})", path=path) from exc
    return conn


def migrate(conn: sqlite3.Connection,
            upgraded: Callable[[sqlite3.Connection, int], None] | None = None) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; return the version found before.

    ``upgraded(conn, found)`` runs inside the last migration's transaction
    (so a crash leaves the old version or the new one with its work done).
    """
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"not a case database ({exc})") from exc
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"case schema version {found} is newer than this kit's ({SCHEMA_VERSION}): upgrade the kit"
        )
    for version in range(found, SCHEMA_VERSION):
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version={version + 1};")
            if upgraded is not None and version + 1 == SCHEMA_VERSION:
                upgraded(conn, found)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return found


# -- rows the custody chain vouches for ---------------------------------------------------------

def track_writes(conn: sqlite3.Connection) -> None:
    """Record, per connection, the key of every row of :data:`VOUCHED` written through it.

    TEMP triggers (they live in this connection only, never in the file)
    fill ``temp.dfk_written``; :func:`take_written` empties it when a
    custody entry vouches for the rows. A rolled-back transaction takes its
    records with it.
    """
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dfk_written(tbl TEXT NOT NULL, key TEXT NOT NULL)")
    for table, cols in VOUCHED.items():
        # an UPDATE writes the old key (it may change) and the new one
        for name, op, ref in (("ins", "INSERT", "NEW"), ("upd", "UPDATE", "NEW"),
                              ("updold", "UPDATE", "OLD"), ("del", "DELETE", "OLD")):
            key = ", ".join(f"{ref}.{c}" for c in cols)
            conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS dfk_{table}_{name} AFTER {op} "
                         f"ON main.{table} BEGIN INSERT INTO dfk_written VALUES ('{table}', "
                         f"json_array({key})); END")


def take_written(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """The keys written since the last call (table -> key tuples, each once); empties the record."""
    try:
        rows = conn.execute("SELECT DISTINCT tbl, key FROM temp.dfk_written").fetchall()
    except sqlite3.OperationalError:  # tracking not installed on this connection
        return {}
    conn.execute("DELETE FROM temp.dfk_written")
    out: dict[str, list[tuple]] = {}
    for table, key in rows:
        out.setdefault(table, []).append(tuple(json.loads(key)))
    return out


def row_key(values: tuple) -> str:
    """The text that names a row in custody entries: the key, or a JSON list for composite keys.

    >>> row_key(("p1",)), row_key((3, "a", "b"))
    ('p1', '[3,"a","b"]')
    """
    if len(values) == 1:
        return str(values[0])
    return json.dumps(list(values), separators=(",", ":"), ensure_ascii=False)


def rows_by_key(conn: sqlite3.Connection, table: str, key: tuple) -> list[dict[str, Any]]:
    """The rows of ``table`` (one of :data:`VOUCHED`) with this key, as column -> value dicts."""
    where = " AND ".join(f"{c} = ?" for c in VOUCHED[table])
    return [dict(r) for r in _dict_rows(conn, f"SELECT * FROM main.{table} WHERE {where}", key)]


def iter_vouched(conn: sqlite3.Connection, table: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row of ``table`` as (:func:`row_key` text, column -> value), one at a time."""
    cols = VOUCHED[table]
    for row in _dict_rows(conn, f"SELECT * FROM main.{table}", ()):
        yield row_key(tuple(row[c] for c in cols)), row


def _dict_rows(conn: sqlite3.Connection, sql: str, params: tuple) -> Iterator[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    for r in cur:
        yield dict(zip(names, r))


def _normal_sql(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


@functools.lru_cache(maxsize=1)
def expected_triggers() -> dict[str, str]:
    """The triggers the migrations create (name -> SQL, whitespace normalised)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn)
        return {n: _normal_sql(s) for n, s in
                conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    finally:
        conn.close()


def trigger_problems(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(trigger, what is wrong) for every trigger of the schema that is missing, altered or extra."""
    found = {n: _normal_sql(s) for n, s in
             conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger'")}
    out = []
    for name, sql in expected_triggers().items():
        if name not in found:
            out.append((name, "missing: the guard against editing the custody log was dropped"))
        elif found[name] != sql:
            out.append((name, "altered: it is not the trigger the kit created"))
    out += [(name, "not created by the kit") for name in sorted(set(found) - set(expected_triggers()))]
    return out
