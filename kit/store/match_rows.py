"""Matching rows: each collection matching run and its pairs (tables ``match_runs``, ``matches``).

Used by :mod:`kit.casework.matching` through :class:`kit.store.Rows`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kit.store.intake_rows import IntakeRows

__all__ = ["MatchRows", "MATCH_COLUMNS"]

MATCH_COLUMNS = ("a", "b", "algorithm", "distance", "verified", "inliers", "transform", "decision")
"""The columns of a stored pair after its ``run_id``."""


class MatchRows(IntakeRows):
    """The matching runs (see the module doc)."""

    def insert_match_run(self, at: str, params_json: str, n_items: int, n_pairs: int, seconds: float) -> int:
        """Record a matching run; its id."""
        cur = self._conn.execute("INSERT INTO match_runs(at, params, n_items, n_pairs, seconds) VALUES (?,?,?,?,?)",
                                 (at, params_json, n_items, n_pairs, seconds))
        return int(cur.lastrowid)

    def insert_matches(self, run_id: int, pairs: Iterable[tuple]) -> None:
        """Store a run's pairs, each a tuple of :data:`MATCH_COLUMNS`."""
        self._conn.executemany(f"INSERT INTO matches(run_id, {', '.join(MATCH_COLUMNS)}) VALUES (?,?,?,?,?,?,?,?,?)",
                               [(run_id, *p) for p in pairs])

    def latest_match_run(self) -> int | None:
        """The id of the latest matching run, None before the first."""
        row = self._conn.execute("SELECT MAX(run_id) FROM match_runs").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def matches(self, run_id: int | None) -> pd.DataFrame:
        """The pairs of one run (:data:`MATCH_COLUMNS`), by a then b; empty for None."""
        return pd.read_sql_query(f"SELECT {', '.join(MATCH_COLUMNS)} FROM matches WHERE run_id = ? ORDER BY a, b",
                                 self._conn, params=(run_id,))
