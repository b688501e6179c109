"""The rows of a case: named reads and writes of the tables :mod:`kit.store.schema` creates.

Every SQL statement the kit runs on a case lives in :mod:`kit.store`; the
case (:class:`kit.casedb.CaseDB`) and the casework above it call these
methods with Python values and get rows, ids or DataFrames back. The
columns are named here, once.

:class:`CaseRows` holds what a :class:`kit.casedb.CaseDB` itself needs
(transactions, meta, media, posts, step results, decisions, settings, the
custody table); :class:`kit.store.Rows` adds the intake and matching rows.

Examples
--------
>>> from kit.store import Rows, connect, migrate
>>> conn = connect(":memory:"); _ = migrate(conn)
>>> rows = Rows(conn)
>>> rows.insert_meta({"case_id": "c1", "title": "t"})
>>> rows.meta()["title"]
't'
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

__all__ = ["CaseRows", "POST_COLUMNS", "user_version"]

POST_COLUMNS = ["post_id", "platform", "account", "posted_at", "url", "media_sha256",
                "parent_post_id", "caption", "likes", "shares", "views", "extra",
                "posted_at_raw", "source", "line", "ingest_id", "link_type", "time_source",
                "parent_account"]
"""The columns :meth:`CaseRows.posts` reads, in the order :meth:`kit.case.Case.posts` shows them."""


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version of an open database (``PRAGMA user_version``; 0: no case schema)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


class CaseRows:
    """Named reads and writes on one case connection (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # -- transactions ----------------------------------------------------------------
    def begin(self) -> None:
        """Start a write transaction now (``BEGIN IMMEDIATE``: waits for other writers)."""
        self._conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the open transaction."""
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        """Roll the open transaction back."""
        self._conn.execute("ROLLBACK")

    # -- meta and settings -----------------------------------------------------------
    def insert_meta(self, items: dict[str, str]) -> None:
        """Add the case's meta values (case id, title, analyst, created_at, kit version)."""
        self._conn.executemany("INSERT INTO meta VALUES (?, ?)", list(items.items()))

    def meta(self) -> dict[str, str]:
        """The ``meta`` table as key -> value."""
        return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def settings(self) -> dict[str, str]:
        """The stored settings as key -> JSON text."""
        return dict(self._conn.execute("SELECT key, value FROM settings").fetchall())

    def put_setting(self, key: str, value_json: str) -> None:
        """Store one setting (JSON text), replacing its old value."""
        self._conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value_json))

    # -- custody ---------------------------------------------------------------------
    def custody(self) -> pd.DataFrame:
        """The custody table as stored, in order (``details`` is JSON text)."""
        return pd.read_sql_query("SELECT * FROM custody ORDER BY seq", self._conn)

    def last_custody(self) -> tuple[int, str] | None:
        """(seq, hash) of the last custody entry, None for an empty log."""
        return last_custody(self._conn)

    def insert_custody(self, values: tuple) -> None:
        """Append one custody entry: (seq, at, actor, action, subject, details, prev_hash, hash)."""
        self._conn.execute("INSERT INTO custody VALUES (?,?,?,?,?,?,?,?)", values)

    def custody_details(self, action: str) -> list[str]:
        """The details (JSON text) of every custody entry of ``action``."""
        return [r[0] for r in self._conn.execute("SELECT details FROM custody WHERE action = ?", (action,))]

    # -- media -------------------------------------------------------------------------
    def media(self) -> pd.DataFrame:
        """Every ``media`` row, oldest first."""
        return pd.read_sql_query("SELECT * FROM media ORDER BY ingested_at, sha256", self._conn)

    def media_paths(self) -> list[tuple[str, str]]:
        """(sha256, stored_path) of every stored file."""
        return [tuple(r) for r in self._conn.execute("SELECT sha256, stored_path FROM media").fetchall()]

    def media_kinds(self) -> list[tuple[str, str, str]]:
        """(sha256, kind, stored_path) of every stored file, by sha256."""
        return [tuple(r) for r in self._conn.execute(
            "SELECT sha256, kind, stored_path FROM media ORDER BY sha256")]

    def stored_path(self, sha256: str) -> str | None:
        """Where the file with this SHA-256 is stored (relative to the case), None if it is not."""
        row = self._conn.execute("SELECT stored_path FROM media WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else row[0]

    def has_media(self, sha256: str) -> bool:
        """Whether a file with this SHA-256 is stored."""
        return self._conn.execute("SELECT 1 FROM media WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def insert_media(self, row: dict[str, Any]) -> None:
        """Add one ``media`` row (keys sha256, md5, size, mime, kind, ext, stored_path, original_name, at)."""
        self._conn.execute("INSERT INTO media VALUES (:sha256, :md5, :size, :mime, :kind, "
                           ":ext, :stored_path, :original_name, :at)", row)

    # -- posts -------------------------------------------------------------------------
    def posts(self) -> pd.DataFrame:
        """:data:`POST_COLUMNS` of every post, by time then id (times as stored text)."""
        return pd.read_sql_query(f"SELECT {', '.join(POST_COLUMNS)} FROM posts ORDER BY posted_at, post_id",
                                 self._conn)

    def post_media(self) -> pd.DataFrame:
        """post_id, position, media_sha256 of every media file of every post (position 0: the post's own)."""
        return pd.read_sql_query(
            "SELECT post_id, 0 AS position, media_sha256 FROM posts UNION ALL "
            "SELECT post_id, position, media_sha256 FROM post_media ORDER BY post_id, position", self._conn)

    def post_parents(self) -> dict[str, str]:
        """post_id -> parent_post_id of every post that names a parent."""
        return dict(self._conn.execute(
            "SELECT post_id, parent_post_id FROM posts WHERE parent_post_id IS NOT NULL").fetchall())

    # -- step results ------------------------------------------------------------------
    def result_status(self, step: str, version: str) -> dict[str, str]:
        """sha256 -> status of the stored results of this step version."""
        return dict(self._conn.execute("SELECT sha256, status FROM step_results WHERE step = ? AND version = ?",
                                       (step, version)).fetchall())

    def insert_results(self, batch: Iterable[tuple]) -> None:
        """Store step results: (sha256, step, version, status, error, seconds, payload, computed_at)."""
        self._conn.executemany("INSERT OR REPLACE INTO step_results VALUES (?,?,?,?,?,?,?,?)", batch)

    def latest_version(self, step: str) -> str:
        """The version of ``step`` computed most recently ("" when it never ran)."""
        row = self._conn.execute("SELECT version FROM step_results WHERE step = ? "
                                 "ORDER BY computed_at DESC LIMIT 1", (step,)).fetchone()
        return row[0] if row else ""

    def results(self, step: str, version: str) -> pd.DataFrame:
        """The stored results of one step version, by sha256 (payload as JSON text)."""
        return pd.read_sql_query("SELECT * FROM step_results WHERE step = ? AND version = ? "
                                 "ORDER BY sha256", self._conn, params=(step, version))

    def step_names(self, prefix: str) -> list[str]:
        """The names of the stored steps that start with ``prefix`` (e.g. ``detector.``), sorted."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return [r[0] for r in self._conn.execute(
            "SELECT DISTINCT step FROM step_results WHERE step LIKE ? ESCAPE '\\' ORDER BY step", (pattern,))]

    def path_payloads(self) -> list[tuple[int, str]]:
        """(rowid, payload) of the step results whose payload has a ``path`` key (schema upgrades)."""
        return [tuple(r) for r in self._conn.execute(
            "SELECT rowid, payload FROM step_results WHERE payload LIKE '%\"path\"%'").fetchall()]

    def set_payload(self, rowid: int, payload: str) -> None:
        """Replace one step result's payload (JSON text)."""
        self._conn.execute("UPDATE step_results SET payload = ? WHERE rowid = ?", (payload, rowid))

    # -- decisions ---------------------------------------------------------------------
    def insert_decision(self, at: str, analyst: str, kind: str, subject: str, value_json: str,
                        note: str | None) -> int:
        """Store one analyst decision; its id."""
        cur = self._conn.execute(
            "INSERT INTO decisions(at, analyst, kind, subject, value, note) VALUES (?,?,?,?,?,?)",
            (at, analyst, kind, subject, value_json, note))
        return int(cur.lastrowid)

    def decision_values(self, kinds: tuple[str, ...]) -> Iterator[tuple[str, str | None]]:
        """(subject, value JSON) of the decisions of these kinds, oldest first."""
        marks = ",".join("?" * len(kinds))
        yield from self._conn.execute(
            f"SELECT subject, value FROM decisions WHERE kind IN ({marks}) ORDER BY id", kinds)

    def decisions(self, kind: str | None = None) -> pd.DataFrame:
        """The decisions (all, or of one kind), oldest first (value as JSON text)."""
        sql, params = "SELECT * FROM decisions", ()
        if kind:
            sql, params = sql + " WHERE kind = ?", (kind,)
        return pd.read_sql_query(sql + " ORDER BY id", self._conn, params=params)


def last_custody(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """(seq, hash) of the last custody entry of the database on ``conn``, None for an empty log."""
    row = conn.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))
