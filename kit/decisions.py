"""The kinds of analyst decision a case stores, named once.

A decision is a row of the ``decisions`` table (who, when, kind, subject,
value, note), written by :meth:`kit.casedb.CaseDB.record_decision` and
applied on read by matching and the spread graph:

- a parent decision (:data:`PARENT_DECISION`; :data:`PARENT_KINDS` are the
  kinds read as one): ``subject`` is the child post id, ``value`` its parent
  post id, or None to undo;
- a match decision (:data:`MATCH_DECISION`; :data:`MATCH_KINDS`):
  ``subject`` is the pair ``"a|b"`` (ids sorted), ``value`` ``"confirmed"``
  or ``"rejected"``;
- the analyst's words for the report (:data:`CONCLUSION_DECISION`, the
  latest one counts; :data:`NOTE_DECISION`, every one): ``subject`` is what
  they are about (``"case"`` or a post id), ``value`` the text;
- a reference (:data:`REFERENCE_DECISION`): ``subject`` is the sha256 of a
  file the analyst added as a candidate source found outside the collection,
  ``value`` ``{"name", "source"}``, ``note`` where it was found;
- a label for the detector fusion (:data:`LABEL_DECISION`): ``subject`` is a
  file's sha256, ``value`` ``"fake"``, ``"real"`` or None to withdraw it.
"""

__all__ = ["PARENT_DECISION", "PARENT_KINDS", "MATCH_DECISION", "MATCH_KINDS", "CONCLUSION_DECISION",
           "NOTE_DECISION", "REFERENCE_DECISION",
           "LABEL_DECISION"]

PARENT_DECISION = "spread.parent"
"""What the spread explorer's "mark as parent" stores."""
PARENT_KINDS = ("parent", PARENT_DECISION)
MATCH_DECISION = "match"
"""What the repost review's confirm / reject stores."""
MATCH_KINDS = (MATCH_DECISION, "matching.match")
CONCLUSION_DECISION = "report.conclusion"
"""The analyst's conclusion, shown on the report's first screen as their words."""
NOTE_DECISION = "report.note"
"""An analyst's note for the report (each is shown, with who and when)."""
REFERENCE_DECISION = "reference"
"""What ``dfkit ingest --references`` stores for each reference file (see kit.casework.references)."""
LABEL_DECISION = "detector.label"
"""What ``dfkit detectors label`` stores: the analyst's fake / real label of a file (kit.casework.fusion)."""
