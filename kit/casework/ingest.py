"""Copy evidence into a case: crash-safe, idempotent, contained, and safe to run concurrently.

Each ingest gets its own staging folder ``evidence/.tmp/<token>/``, locked
(``flock`` on ``<token>.lock``) while the ingest runs. Files are copied there
while they are hashed, flushed to disk a batch at a time, made read-only and
renamed into ``evidence/<sha[:2]>/<sha256>.<ext>`` (rename is atomic; the
extension comes from the sniffed type only). Then one transaction adds the
batch's media rows, post rows and custody entries together, re-checking inside
the transaction what another ingest may have added meanwhile.

The ``ingests`` row is written when the run starts and completed when it ends,
so a run that dies leaves a record: :func:`ingest_runs` reports it as
``interrupted`` (its staging lock is free and it never finished), and the next
ingest removes its partial copies and logs ``ingest.interrupted``. A process
killed at any point leaves either nothing or a complete evidence file that the
next run adopts; running the same ingest again adds nothing.

Media paths are resolved and opened with :mod:`kit.containment` (nothing
outside the manifest's folder, or ``media_root``, is read); :class:`IngestLimits`
caps the size of each file and of the whole run.

What is ingested is one export (:func:`ingest`) or every export a folder
holds (:func:`ingest_collection`), told apart by content
(:func:`kit.importers.find_exports`): the kit's manifest, a bare folder of
media, or a collection tool's export. An export is read as a stream of
posts, and its issues are written a batch at a time, so its size does not
matter. After the posts are in, :mod:`kit.links` checks and completes the
repost links.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit.containment import PathRefused, open_media
from kit.custody import utc_now
from kit.digest import CHUNK, hash_file
from kit.errors import ManifestError
from kit.importers import Export, IntakeLog, find_exports
from kit.casework.links import check_parents, field_counts, resolve_links, unused_media
from kit.manifest import ISSUE_COLUMNS, ManifestRow
from kit.staging import LimitExceeded, Staged as _Staged, Staging, clean_tmp, live_ingests, stage
from kit.staging import flush_to_disk as _flush_to_disk, place as _place

if TYPE_CHECKING:
    from kit.casedb import CaseDB
    from kit.store import Rows

__all__ = ["IngestReport", "IngestLimits", "ingest", "ingest_collection", "ingest_runs", "BATCH"]

BATCH = 32  # files flushed together and committed in one transaction
GIB = 1 << 30


@dataclass(frozen=True)
class IngestLimits:
    """Size limits of one ingest, in bytes: each evidence file, and all new copies together.

    A file over ``max_file_bytes`` (or one that would take the run over
    ``max_total_bytes``) is not copied; its row gets an intake issue saying
    which limit it hit and how to raise it. The defaults (4 GiB a file, 64 GiB
    a run) fit long videos and stop a 50 GB sparse file.
    """

    max_file_bytes: int = 4 * GIB
    max_total_bytes: int = 64 * GIB

    def refusal(self, size: int) -> str:
        """Why a file was not copied: ``size`` over the file limit, or (negative) over the run's."""
        if size < 0:
            return (f"not copied: this ingest reached its size limit of {_size_text(self.max_total_bytes)} "
                    "(IngestLimits.max_total_bytes, dfkit ingest --max-ingest-size)")
        return (f"file of {_size_text(size)} or more is over the limit of {_size_text(self.max_file_bytes)} a "
                "file (IngestLimits.max_file_bytes, dfkit ingest --max-file-size)")


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did. ``issues`` has the columns of :data:`kit.manifest.ISSUE_COLUMNS`.

    ``format`` is the export's format; ``fields`` counts the records read and,
    per field of the export and per post column, the records that had it
    (:func:`kit.links.field_counts`).
    """

    ingest_id: int
    source: str
    n_rows: int
    n_new_posts: int
    n_new_media: int
    n_existing: int
    issues: pd.DataFrame
    format: str = "manifest"
    fields: dict[str, Any] | None = None

    @property
    def n_errors(self) -> int:
        """Rows that were not loaded."""
        return int((self.issues["severity"] == "error").sum())


def _size_text(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def ingest_runs(case: CaseDB) -> pd.DataFrame:
    """One row per ingest with its counts and ``state``: finished, running or interrupted."""
    df = case.rows.ingests()
    live = live_ingests(case.path)
    df["state"] = ["finished" if isinstance(f, str) else "running" if i in live else "interrupted"
                   for i, f in zip(df["ingest_id"], df["finished_at"], strict=True)]
    return df


def _relative_source(path: Path, base: Path | None) -> str:
    try:
        return path.relative_to(base).as_posix() if base else path.name
    except ValueError:
        return path.name


def _digest(path: Path, root: Path | None) -> str:
    if root is None:
        return hash_file(path)[0]
    sha = hashlib.sha256()
    with open_media(path, root) as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


# -- the ingest -----------------------------------------------------------------------------

def ingest(case: CaseDB, source: str | Path, *, format: str = "auto", media_root: str | Path | None = None,
           limits: IngestLimits = IngestLimits(), progress: bool = False) -> IngestReport:
    """Ingest one manifest (CSV/JSONL), collection export or folder of media into ``case``.

    ``format`` is ``auto`` (told by content) or one of
    :data:`kit.importers.FORMATS`. Bad rows are reported (file, line, post,
    field, reason) and skipped; the good rows load. Media paths must stay
    inside the export's folder (or ``media_root``); files over ``limits``
    are refused per row. A post already in the case with the same media is
    left alone, so running an ingest twice adds nothing. Several ingests
    may run into one case at once. A folder holding several exports is
    refused: :func:`ingest_collection` reads each.
    """
    exports, notes = find_exports(source, format=format, media_root=media_root)
    if len(exports) != 1:
        names = ", ".join(f"{e.name} ({e.format})" for e in exports[:5])
        raise ManifestError(f"{Path(source).name}: holds {len(exports)} exports ({names}): ingest them with "
                            "ingest_collection (dfkit ingest does)", path=source)
    return _ingest_export(case, exports[0], notes, limits, progress)[0]


def ingest_collection(case: CaseDB, source: str | Path, *, format: str = "auto",
                      media_root: str | Path | None = None, limits: IngestLimits = IngestLimits(),
                      progress: bool = False) -> list[IngestReport]:
    """Ingest every export in ``source`` (a file or a folder), one ingest run each; their reports.

    A folder may mix exports of several tools (each told by its content) and
    the kit's manifests; media files that no export names are reported, not
    ingested (a folder without any export is one of media: one post a file).
    """
    exports, notes = find_exports(source, format=format, media_root=media_root)
    reports, used = [], set()
    for k, export in enumerate(exports):
        report, paths = _ingest_export(case, export, notes if k == 0 else [], limits, progress)
        reports.append(report)
        used |= paths
    folder = Path(source)
    if folder.is_dir() and exports[0].format != "folder":
        leftover = unused_media(folder, used)
        if leftover:
            reports[-1] = _add_issue(case, reports[-1], leftover)
    return reports


def _add_issue(case: CaseDB, report: IngestReport, issue: dict[str, Any]) -> IngestReport:
    with case.transaction() as rows:
        rows.insert_issues(report.ingest_id, [issue])
        rows.add_warning_count(report.ingest_id)
    issues = pd.concat([report.issues, pd.DataFrame([issue], columns=ISSUE_COLUMNS)], ignore_index=True)
    return dataclasses.replace(report, issues=issues)


def _ingest_export(case: CaseDB, export: Export, notes: list[dict], limits: IngestLimits,
                   progress: bool) -> tuple[IngestReport, set[Path]]:
    log = IntakeLog(export.name)
    log.issues.extend(notes)
    with Staging(case.path) as staging:
        dead = clean_tmp(case.path)
        with case.transaction() as rows:
            unfinished = rows.unfinished_ingests()
            for old in sorted({d for d in dead if d is not None} & unfinished):
                case.append_custody("ingest.interrupted", str(old), {
                    "ingest_id": old, "found_by": "next ingest",
                    "detail": "the run stopped before it finished; its committed posts stay, "
                              "its partial copies were removed"})
            ingest_id = rows.start_ingest(export.name, utc_now(), export.format)
            case.append_custody("ingest.started", export.name, {
                "ingest_id": ingest_id, "format": export.format, "source": export.name})
        staging.claim(ingest_id)
        try:
            return _run(case, export, log, staging, ingest_id, limits, progress)
        except BaseException as exc:
            _record_failure(case, export.name, ingest_id, exc)
            raise


def _record_failure(case: CaseDB, name: str, ingest_id: int, exc: BaseException) -> None:
    """Best effort: say in the case why an ingest stopped (the run is then ``interrupted``)."""
    reason = f"ingest stopped: {type(exc).__name__}: {exc}"[:500]
    try:
        with case.transaction() as rows:
            rows.insert_issues(ingest_id, [{"source": name, "line": None, "post_id": None, "severity": "error",
                                            "field": "", "reason": reason}])
            case.append_custody("ingest.failed", name, {"ingest_id": ingest_id, "reason": reason})
    except Exception:  # noqa: BLE001 - the original error is the one to raise
        pass


def _extra_json(row: ManifestRow) -> str:
    try:
        return json.dumps(row.extra, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):  # nested too deeply to store: kept as text
        return json.dumps({"unstored": "nested too deeply to store as JSON"})


class _Run:
    """One ingest run's rows: each post's files are copied to staging, then placed and stored a batch at a time."""

    def __init__(self, case: CaseDB, export: Export, log: IntakeLog, staging: Staging, ingest_id: int,
                 limits: IngestLimits) -> None:
        self.case, self.export, self.log, self.staging = case, export, log, staging
        self.ingest_id, self.limits = ingest_id, limits
        self.existing = case.rows.post_shas()
        self.n_posts = self.n_media = self.n_existing = self.total = 0
        self.used: set[Path] = set()
        self.batch: list[tuple[ManifestRow, list[tuple[Path, _Staged]]]] = []

    def issue(self, row: ManifestRow, fld: str, reason: str, severity: str = "error") -> None:
        """Record an intake issue of ``row``."""
        self.log.issue(row.line, row.post_id, severity, fld, reason, source=row.source)

    def add(self, row: ManifestRow) -> None:
        """Copy the row's files to staging (the first one decides whether the post loads); batch the post."""
        root = self.export.media_root
        self.used.update((row.media_path, *row.more_media))
        files: list[tuple[Path, _Staged]] = []
        for path in (row.media_path, *row.more_media):
            first = not files and path == row.media_path
            try:
                if first and row.post_id in self.existing:
                    if _digest(path, root) != self.existing[row.post_id]:
                        self.issue(row, "post_id", "post_id already in the case with different media")
                    else:
                        self.n_existing += 1
                    break
                files.append((path, self.copy(path)))
            except LimitExceeded as exc:
                self.issue(row, "media_path", self.limits.refusal(exc.args[0]), "error" if first else "warning")
            except PathRefused as exc:
                self.issue(row, "media_path", f"refused: {exc.reason}", "error" if first else "warning")
            except OSError as exc:
                self.issue(row, "media_path", f"cannot read media file ({exc.strerror or exc})",
                           "error" if first else "warning")
            if first and not files:
                break
        if not files:
            return
        self.existing[row.post_id] = files[0][1].sha256
        self.batch.append((row, files))
        if len(self.batch) >= BATCH or len(self.log.issues) >= 1000:
            self.flush()

    def copy(self, path: Path) -> _Staged:
        """Stage one file within the run's limits."""
        root = self.export.media_root
        fin = open_media(path, root) if root is not None else open(path, "rb")
        with fin:
            size = os.fstat(fin.fileno()).st_size
            if size > self.limits.max_file_bytes:
                raise LimitExceeded(size)
            if self.total + size > self.limits.max_total_bytes:
                raise LimitExceeded(-size)
            staged = stage(self.case.path, self.staging, fin, path.name, self.limits.max_file_bytes)
        self.total += staged.row["size"]
        return staged

    def flush(self) -> None:
        """Place the batch's files and add its rows (and its issues so far) in one write transaction.

        Inside the transaction nobody else writes, so what a concurrent ingest
        added meanwhile (the same post, the same media) is seen and not added twice.
        """
        _flush_to_disk([s for _, files in self.batch for _, s in files])
        with self.case.transaction() as rows:
            for row, files in self.batch:
                self._store_post(rows, row, files)
            rows.insert_issues(self.ingest_id, self.log.take())
        self.batch.clear()

    def _store_post(self, rows: Rows, row: ManifestRow, files: list[tuple[Path, _Staged]]) -> None:
        """One post's media and post rows and their custody entries (inside the batch's transaction)."""
        sha = files[0][1].sha256
        have = rows.post_sha(row.post_id)
        if have is not None:  # added by a concurrent ingest since this one started
            for _, staged in files:
                staged.tmp.unlink(missing_ok=True)
            if have == sha:
                self.n_existing += 1
            else:
                self.issue(row, "post_id", "post_id already in the case with different media")
            return
        for position, (path, staged) in enumerate(files):
            new = not rows.has_media(staged.sha256)
            if new:
                _place(staged)
                rows.insert_media({**staged.row, "at": utc_now()})
                self.n_media += 1
            else:  # no second file (perhaps under another name)
                staged.tmp.unlink(missing_ok=True)
            if position == 0:
                rows.insert_post(self._post_values(row, sha))
            elif not rows.insert_post_media(row.post_id, position, staged.sha256):
                continue
            self.case.append_custody("file.ingested", staged.sha256, {
                "post_id": row.post_id, "source": _relative_source(path, self.export.media_root),
                "manifest": self.export.name, "sha256": staged.sha256, "md5": staged.row["md5"],
                "size": staged.row["size"], "new_media": new, **({"position": position} if position else {})})
        self.n_posts += 1

    def _post_values(self, row: ManifestRow, sha: str) -> dict[str, Any]:
        """The post row of ``row`` with its first media file ``sha``."""
        return {"post_id": row.post_id, "platform": row.platform, "account": row.account,
                "posted_at": row.posted_at.isoformat() if row.posted_at else None,
                "posted_at_raw": row.posted_at_raw, "url": row.url, "media_sha256": sha,
                "parent_post_id": row.parent_post_id, "caption": row.caption, "likes": row.likes,
                "shares": row.shares, "views": row.views, "extra": _extra_json(row),
                "source": row.source or self.export.name, "line": row.line, "ingest_id": self.ingest_id,
                "added_at": utc_now(), "link_type": row.link_type, "time_source": row.time_source,
                "parent_account": row.parent_account}


def _run(case: CaseDB, export: Export, log: IntakeLog, staging: Staging, ingest_id: int, limits: IngestLimits,
         progress: bool) -> tuple[IngestReport, set[Path]]:
    """Read the export's rows into the case a batch at a time; its report and the media files it named."""
    run = _Run(case, export, log, staging, ingest_id, limits)
    rows: Iterable[ManifestRow] = export.rows(log)
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(rows, desc=f"ingest {export.name}", unit="post")
    for row in rows:
        run.add(row)
    run.flush()
    return _finish(case, export, log, ingest_id, run.n_posts, run.n_media, run.n_existing), run.used | log.named


def _finish(case: CaseDB, export: Export, log: IntakeLog, ingest_id: int, n_posts: int, n_media: int,
            n_existing: int) -> IngestReport:
    """Links, counts and the closing records of a run."""
    name = export.name
    with case.transaction() as rows:
        if export.format != "manifest":  # the manifest reader checks its own parents
            log.issues.extend(check_parents(case, ingest_id))
        log.issues.extend(resolve_links(case, ingest_id))
        log.issues.extend(log.summary())
        rows.insert_issues(ingest_id, log.take())
        fields = field_counts(case, ingest_id, log)
        n_err, n_all = rows.issue_counts(ingest_id)
        sha = next(iter(log.files.values())) if len(log.files) == 1 and export.source.is_file() else None
        rows.finish_ingest(ingest_id, finished_at=utc_now(), n_rows=log.records, n_new_posts=n_posts,
                           n_new_media=n_media, n_errors=n_err, n_warnings=n_all - n_err, source_sha256=sha,
                           fields_json=json.dumps(fields))
        case.append_custody("ingest.finished", name, {
            "ingest_id": ingest_id, "format": export.format, "manifest_sha256": sha, "files": log.files,
            "records": log.records, "new_posts": n_posts, "new_media": n_media, "already_present": n_existing,
            "errors": n_err, "warnings": n_all - n_err})
    report = case.rows.issues(ingest_id)
    report["line"] = report["line"].astype("Int64")
    return IngestReport(ingest_id, name, log.records, n_posts, n_media, n_existing, report, export.format, fields)
