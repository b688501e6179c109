"""Intake rows: ingest runs, their issues, new posts and the repost links completed after them.

Used by :mod:`kit.casework.ingest` and :mod:`kit.casework.links` through
:class:`kit.store.Rows`; every statement names its columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from kit.store.case_rows import CaseRows

__all__ = ["IntakeRows", "ISSUE_FIELDS", "POST_INSERT_COLUMNS"]

ISSUE_FIELDS = ("source", "line", "post_id", "severity", "field", "reason")
"""The columns of one intake issue after its ``ingest_id`` (the keys of an issue dict)."""

POST_INSERT_COLUMNS = ("post_id", "platform", "account", "posted_at", "posted_at_raw", "url", "media_sha256",
                       "parent_post_id", "caption", "likes", "shares", "views", "extra", "source", "line",
                       "ingest_id", "added_at", "link_type", "time_source", "parent_account")
"""The columns :meth:`IntakeRows.insert_post` writes (the keys of its dict)."""

_POST_SQL = (f"INSERT INTO posts({', '.join(POST_INSERT_COLUMNS)}) "
             f"VALUES ({', '.join(':' + c for c in POST_INSERT_COLUMNS)})")


class IntakeRows(CaseRows):
    """The ingest and link rows (see the module doc)."""

    # -- ingest runs -----------------------------------------------------------------
    def ingests(self) -> pd.DataFrame:
        """Every ``ingests`` row, oldest first."""
        return pd.read_sql_query("SELECT * FROM ingests ORDER BY ingest_id", self._conn)

    def unfinished_ingests(self) -> set[int]:
        """The ids of the ingest runs that never finished."""
        return {r[0] for r in self._conn.execute("SELECT ingest_id FROM ingests WHERE finished_at IS NULL")}

    def start_ingest(self, name: str, started_at: str, fmt: str) -> int:
        """Record a new ingest run of export ``name``; its id."""
        cur = self._conn.execute("INSERT INTO ingests(source, source_name, started_at, format) VALUES (?,?,?,?)",
                                 (name, name, started_at, fmt))
        return int(cur.lastrowid)

    def finish_ingest(self, ingest_id: int, *, finished_at: str, n_rows: int, n_new_posts: int,
                      n_new_media: int, n_errors: int, n_warnings: int, source_sha256: str | None,
                      fields_json: str) -> None:
        """Close an ingest run with its counts."""
        self._conn.execute(
            "UPDATE ingests SET finished_at = ?, n_rows = ?, n_new_posts = ?, n_new_media = ?, n_errors = ?, "
            "n_warnings = ?, source_sha256 = ?, fields = ? WHERE ingest_id = ?",
            (finished_at, n_rows, n_new_posts, n_new_media, n_errors, n_warnings, source_sha256, fields_json,
             ingest_id))

    def add_warning_count(self, ingest_id: int) -> None:
        """One more warning in an ingest run's count."""
        self._conn.execute("UPDATE ingests SET n_warnings = n_warnings + 1 WHERE ingest_id = ?", (ingest_id,))

    def ingest_fields(self) -> list[tuple[int, str, str, str]]:
        """(ingest_id, source, format, fields JSON) of every ingest that counted its fields."""
        return [tuple(r) for r in self._conn.execute(
            "SELECT ingest_id, source, format, fields FROM ingests WHERE fields IS NOT NULL ORDER BY ingest_id")]

    # -- intake issues -----------------------------------------------------------------
    def insert_issues(self, ingest_id: int, issues: Iterable[dict[str, Any]]) -> None:
        """Store intake issues (dicts with :data:`ISSUE_FIELDS`) of one ingest run."""
        self._conn.executemany("INSERT INTO intake_issues VALUES (?,?,?,?,?,?,?)",
                               [(ingest_id, *(r[k] for k in ISSUE_FIELDS)) for r in issues])

    def issue_counts(self, ingest_id: int) -> tuple[int, int]:
        """(errors, all issues) of one ingest run."""
        n_err, n_all = self._conn.execute(
            "SELECT SUM(severity = 'error'), COUNT(*) FROM intake_issues WHERE ingest_id = ?", (ingest_id,)).fetchone()
        return int(n_err or 0), int(n_all or 0)

    def issues(self, ingest_id: int | None = None) -> pd.DataFrame:
        """The intake issues of one run in the order written, or of every run by run and line."""
        if ingest_id is None:
            return pd.read_sql_query("SELECT * FROM intake_issues ORDER BY ingest_id, line", self._conn)
        return pd.read_sql_query(f"SELECT {', '.join(ISSUE_FIELDS)} FROM intake_issues WHERE ingest_id = ? "
                                 "ORDER BY rowid", self._conn, params=(ingest_id,))

    # -- posts of an ingest ------------------------------------------------------------
    def post_shas(self) -> dict[str, str]:
        """post_id -> media_sha256 of every post."""
        return {r[0]: r[1] for r in self._conn.execute("SELECT post_id, media_sha256 FROM posts")}

    def post_sha(self, post_id: str) -> str | None:
        """The media of one post, None when the post is not in the case."""
        row = self._conn.execute("SELECT media_sha256 FROM posts WHERE post_id = ?", (post_id,)).fetchone()
        return None if row is None else row[0]

    def insert_post(self, values: dict[str, Any]) -> None:
        """Add one post (a dict of :data:`POST_INSERT_COLUMNS`)."""
        self._conn.execute(_POST_SQL, values)

    def insert_post_media(self, post_id: str, position: int, sha256: str) -> bool:
        """Add a post's further media file at ``position``; False when that position was taken."""
        return self._conn.execute("INSERT OR IGNORE INTO post_media VALUES (?,?,?)",
                                  (post_id, position, sha256)).rowcount > 0

    def field_counts(self, ingest_id: int, columns: tuple[str, ...]) -> tuple[int, list[int]]:
        """(posts, how many have each of ``columns`` not NULL) among one run's posts."""
        cols = ", ".join(f"COUNT({c})" for c in columns if c in POST_INSERT_COLUMNS)
        row = self._conn.execute(f"SELECT COUNT(*), {cols} FROM posts WHERE ingest_id = ?", (ingest_id,)).fetchone()
        return int(row[0]), [int(n) for n in row[1:]]

    # -- repost links -----------------------------------------------------------------
    def orphan_links(self, ingest_id: int) -> list[dict[str, Any]]:
        """Posts of one run whose parent post is not in the case: post_id, source, line, parent_post_id."""
        return [dict(r) for r in self._conn.execute(
            "SELECT post_id, source, line, parent_post_id FROM posts WHERE ingest_id = ? AND parent_post_id IS NOT NULL "
            "AND parent_post_id NOT IN (SELECT post_id FROM posts)", (ingest_id,)).fetchall()]

    def open_links(self) -> list[dict[str, Any]]:
        """Posts that name their parent's account but no parent post, by time."""
        return [dict(r) for r in self._conn.execute(
            "SELECT post_id, source, line, platform, parent_account, media_sha256, posted_at, link_type, ingest_id "
            "FROM posts WHERE parent_post_id IS NULL AND parent_account IS NOT NULL AND link_type IS NOT NULL "
            "ORDER BY posted_at, post_id").fetchall()]

    def link_candidates(self, link: dict[str, Any]) -> list[str]:
        """Earlier posts (not later than ``link``'s time) by its named account, same platform, same file."""
        return [c[0] for c in self._conn.execute(
            "SELECT post_id FROM posts WHERE media_sha256 = ? AND account = ? AND platform IS ? AND post_id != ? "
            "AND (posted_at IS NULL OR ? IS NULL OR posted_at <= ?) ORDER BY posted_at, post_id",
            (link["media_sha256"], link["parent_account"], link["platform"], link["post_id"], link["posted_at"],
             link["posted_at"]))]

    def set_parent(self, post_id: str, parent_post_id: str) -> None:
        """Link a post to its parent post."""
        self._conn.execute("UPDATE posts SET parent_post_id = ? WHERE post_id = ?", (parent_post_id, post_id))
