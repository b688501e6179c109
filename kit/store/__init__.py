"""The case database: its schema and migrations (:mod:`kit.store.schema`), and every SQL statement the kit runs.

Nothing outside this package writes SQL (a test checks it). A case holds its
connection privately and reads and writes through :class:`Rows`, whose
methods name their columns; :mod:`kit.store.files` works on database files
(bundle snapshots and checks). See :mod:`kit.store.schema` for the tables.

Examples
--------
>>> conn = connect(":memory:")
>>> migrate(conn)
0
>>> Rows(conn).latest_match_run() is None
True
"""

from kit.store.case_rows import POST_COLUMNS, CaseRows, last_custody, user_version
from kit.store.files import custody_rows, open_file, snapshot, stored_paths
from kit.store.intake_rows import ISSUE_FIELDS, POST_INSERT_COLUMNS, IntakeRows
from kit.store.match_rows import MATCH_COLUMNS, MatchRows
from kit.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    VOUCHED,
    connect,
    expected_triggers,
    iter_vouched,
    migrate,
    row_key,
    rows_by_key,
    take_written,
    track_writes,
    trigger_problems,
)


class Rows(MatchRows):
    """Every named read and write of a case database (:class:`CaseRows`, :class:`IntakeRows`, :class:`MatchRows`)."""


__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "VOUCHED", "connect", "migrate", "track_writes", "take_written",
           "row_key", "rows_by_key", "iter_vouched", "expected_triggers", "trigger_problems", "Rows", "CaseRows",
           "IntakeRows", "MatchRows", "POST_COLUMNS", "ISSUE_FIELDS", "POST_INSERT_COLUMNS", "MATCH_COLUMNS",
           "user_version", "last_custody", "open_file", "custody_rows", "stored_paths", "snapshot"]
