"""Reference pictures: candidate sources an analyst found outside the collection.

A reverse image search or a web archive often turns up the photo a fake was
made from, without any post of the incident carrying it. :func:`add_references`
copies such files into the case as evidence (by SHA-256, read-only, logged as
``file.ingested`` with ``"reference": true``) and records each as the
analyst's ``reference`` decision (who added it, when, with their note on
where it was found). They have no post: matching and the source comparison
treat them like any file, so a composite of one is found and named
("p120 is reference launch.jpg with a region of 18% of the frame replaced"),
and the spread graph, built from posts, never counts them.

Examples
--------
>>> from kit.casework.references import REFERENCE_DECISION
>>> REFERENCE_DECISION
'reference'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit.containment import PathRefused, open_media
from kit.custody import utc_now
from kit.decisions import REFERENCE_DECISION
from kit.errors import ManifestError
from kit.staging import LimitExceeded, Staged, Staging, flush_to_disk, place, stage

if TYPE_CHECKING:
    from kit.casedb import CaseDB
    from kit.casework.ingest import IngestLimits

__all__ = ["REFERENCE_DECISION", "REFERENCE_COLUMNS", "ReferenceReport", "add_references", "case_references"]

REFERENCE_COLUMNS = ["sha256", "name", "source", "note", "analyst", "at"]
MEDIA_KINDS = ("image", "video")


@dataclass
class ReferenceReport:
    """What one :func:`add_references` call did: files read, new evidence, already present, issues."""

    folder: str
    n_files: int = 0
    n_added: int = 0
    n_existing: int = 0
    issues: list[dict[str, str]] = field(default_factory=list)


def _files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise ManifestError(f"{folder}: no such file or folder of reference pictures", path=folder)
    return sorted(p for p in folder.rglob("*")
                  if not any(part.startswith(".") for part in p.relative_to(folder).parts)
                  and (p.is_file() or p.is_symlink()))


def _stage_one(case: CaseDB, staging: Staging, path: Path, root: Path, limits: IngestLimits) -> Staged:
    with open_media(path, root) as fin:
        return stage(case.path, staging, fin, path.name, limits.max_file_bytes)


def add_references(case: CaseDB, source: str | Path, *, note: str | None = None,
                   limits: IngestLimits | None = None) -> ReferenceReport:
    """Copy the pictures and videos under ``source`` (a file or a folder) into ``case`` as references.

    Files that are not images or videos (told by content), links leading out
    of the folder, unreadable files and files over the size limit are
    reported in ``issues`` (file and reason) and skipped; the others load.
    A file already in the case (as a post's media or a reference) is not
    copied twice; it is marked a reference once.
    """
    from kit.casework.ingest import IngestLimits

    limits = limits or IngestLimits()
    folder = Path(os.path.realpath(source))
    root = folder if folder.is_dir() else folder.parent
    report = ReferenceReport(Path(source).name)
    staged: list[tuple[Path, Staged]] = []
    with Staging(case.path) as staging:
        for path in _files(folder):
            report.n_files += 1
            rel = path.relative_to(root).as_posix()
            try:
                s = _stage_one(case, staging, path, root, limits)
            except LimitExceeded as exc:
                report.issues.append({"file": rel, "reason": limits.refusal(exc.args[0])})
                continue
            except PathRefused as exc:
                report.issues.append({"file": rel, "reason": f"refused: {exc.reason}"})
                continue
            except OSError as exc:
                report.issues.append({"file": rel, "reason": f"cannot read ({exc.strerror or exc})"})
                continue
            if s.row["kind"] not in MEDIA_KINDS:
                s.tmp.unlink(missing_ok=True)
                report.issues.append({"file": rel, "reason": f"not a picture or video (content is "
                                                             f"{s.row['mime'] or 'unknown'})"})
                continue
            staged.append((path, s))
        flush_to_disk([s for _, s in staged])
        _store(case, staged, root, note, report)
    return report


def _store(case: CaseDB, staged: list[tuple[Path, Staged]], root: Path, note: str | None,
           report: ReferenceReport) -> None:
    """Place the copies, add their media rows, log them and mark them, in one write transaction."""
    with case.transaction() as rows:
        marked = {str(s) for s, _ in rows.decision_values((REFERENCE_DECISION,))}
        for path, s in staged:
            new = not rows.has_media(s.sha256)
            if new:
                place(s)
                rows.insert_media({**s.row, "at": utc_now()})
                report.n_added += 1
            else:
                s.tmp.unlink(missing_ok=True)
                report.n_existing += 1
            rel = path.relative_to(root).as_posix()
            case.append_custody("file.ingested", s.sha256, {
                "reference": True, "source": rel, "sha256": s.sha256, "md5": s.row["md5"],
                "size": s.row["size"], "new_media": new})
            if s.sha256 in marked:
                continue
            value = {"name": path.name, "source": rel}
            rows.insert_decision(utc_now(), case.analyst, REFERENCE_DECISION, s.sha256, json.dumps(value), note)
            case.append_custody("decision", s.sha256, {"kind": REFERENCE_DECISION, "value": value, "note": note},
                                actor=case.analyst)
            marked.add(s.sha256)


def case_references(case: CaseDB) -> pd.DataFrame:
    """The case's reference files (:data:`REFERENCE_COLUMNS`), in the order they were added."""
    d = case.decisions(REFERENCE_DECISION)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in d.itertuples(index=False):
        value = r.value if isinstance(r.value, dict) else {}
        if r.subject in seen or not value:
            continue
        seen.add(r.subject)
        rows.append({"sha256": r.subject, "name": str(value.get("name") or ""),
                     "source": str(value.get("source") or ""), "note": r.note, "analyst": r.analyst, "at": r.at})
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)
