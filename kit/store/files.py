"""Case databases as files: read-only opens, the custody table in order, and bundle snapshots.

These work on any case database file, open or not (a bundle being checked,
a snapshot being cleaned), not only on a case's own connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from kit.store.case_rows import last_custody

__all__ = ["open_file", "custody_rows", "stored_paths", "snapshot"]


def open_file(path: str | Path, *, read_only: bool = False) -> contextlib.closing[sqlite3.Connection]:
    """A database file opened for the duration of a ``with`` block (read-only: immutable, no journal)."""
    if read_only:
        return contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True))
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


def custody_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """The stored custody log in order: (seq, at, actor, action, subject, details, prev_hash, hash) each."""
    for r in conn.execute("SELECT seq, at, actor, action, subject, details, prev_hash, hash "
                          "FROM main.custody ORDER BY seq"):
        yield tuple(r)


def stored_paths(conn: sqlite3.Connection) -> list[str]:
    """The stored path of every evidence file, by sha256."""
    return [r[0] for r in conn.execute("SELECT stored_path FROM media ORDER BY sha256")]


def snapshot(conn: sqlite3.Connection, dest: Path, needles: list[str]) -> tuple[tuple[int, str] | None, list[str]]:
    """Copy the database on ``conn`` to ``dest`` for sharing; (its custody head, where ``needles`` remain).

    The copy is consistent (``VACUUM INTO``), in rollback-journal mode (one
    file), with each ingest's source path replaced by the file name, and
    vacuumed again so that no freed page keeps the old text. The second value
    lists (``table.column: n row(s)``) the text that still contains one of
    ``needles`` (local paths the caller refuses to share).
    """
    conn.execute("VACUUM INTO ?", (str(dest),))
    with open_file(dest) as snap:
        snap.execute("PRAGMA journal_mode=DELETE")
        snap.execute("UPDATE ingests SET source = source_name WHERE source LIKE '/%' OR source LIKE '_:%'")
        snap.execute("VACUUM")
        return last_custody(snap), _leaks(snap, needles)


def _leaks(conn: sqlite3.Connection, needles: list[str]) -> list[str]:
    """Where (table.column, how many rows) text in the database contains one of ``needles``."""
    found = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for col in [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]:
            for needle in needles:
                if len(needle) < 3:
                    continue
                n = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE instr(CAST({col} AS TEXT), ?) > 0",
                                 (needle,)).fetchone()[0]
                if n:
                    found.append(f"{table}.{col}: {n} row(s)")
    return found
