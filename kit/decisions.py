"""The kinds of analyst decision a case stores, named once.

A decision is a row of the ``decisions`` table (who, when, kind, subject,
value, note), written by :meth:`kit.casedb.CaseDB.record_decision` and
applied on read by matching and the spread graph:

- a parent decision (:data:`PARENT_DECISION`; :data:`PARENT_KINDS` are the
  kinds read as one): ``subject`` is the child post id, ``value`` its parent
  post id, or None to undo;
- a match decision (:data:`MATCH_DECISION`; :data:`MATCH_KINDS`):
  ``subject`` is the pair ``"a|b"`` (ids sorted), ``value`` ``"confirmed"``
  or ``"rejected"``.
"""

__all__ = ["PARENT_DECISION", "PARENT_KINDS", "MATCH_DECISION", "MATCH_KINDS"]

PARENT_DECISION = "spread.parent"
"""What the spread explorer's "mark as parent" stores."""
PARENT_KINDS = ("parent", PARENT_DECISION)
MATCH_DECISION = "match"
"""What the repost review's confirm / reject stores."""
MATCH_KINDS = (MATCH_DECISION, "matching.match")
