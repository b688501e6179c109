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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from kit.containment import PathRefused, open_media
from kit.digest import CHUNK, hash_file
from kit.errors import CaseError
from kit.manifest import ISSUE_COLUMNS, Manifest, ManifestRow, read_folder, read_manifest
from kit.sniff import sniff_bytes
from kit.staging import Staging, clean_tmp, live_ingests

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["IngestReport", "IngestLimits", "ingest", "ingest_runs", "hash_file", "clean_tmp", "CHUNK",
           "BATCH"]

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


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did. ``issues`` has the columns of :data:`kit.manifest.ISSUE_COLUMNS`."""

    ingest_id: int
    source: str
    n_rows: int
    n_new_posts: int
    n_new_media: int
    n_existing: int
    issues: pd.DataFrame

    @property
    def n_errors(self) -> int:
        """Rows that were not loaded."""
        return int((self.issues["severity"] == "error").sum())


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _size_text(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


class LimitExceeded(Exception):
    """A file over a size limit (internal: becomes an intake issue)."""


def ingest_runs(case: Case) -> pd.DataFrame:
    """One row per ingest with its counts and ``state``: finished, running or interrupted."""
    df = pd.read_sql_query("SELECT * FROM ingests ORDER BY ingest_id", case.conn)
    live = live_ingests(case.path)
    df["state"] = ["finished" if isinstance(f, str) else "running" if i in live else "interrupted"
                   for i, f in zip(df["ingest_id"], df["finished_at"], strict=True)]
    return df


# -- copying ------------------------------------------------------------------------------

def _copy_hashed(fin: IO[bytes], tmp: Path, limit: int) -> tuple[str, str, int, bytes]:
    """Copy an open file to ``tmp`` while hashing; return hashes, size, head. Stops past ``limit`` bytes."""
    sha, md5, size, head = hashlib.sha256(), hashlib.md5(), 0, b""  # noqa: S324 - MD5 is a lookup key
    with open(tmp, "wb") as fout:
        while chunk := fin.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise LimitExceeded(size)
            if len(head) < 256:
                head += chunk[: 256 - len(head)]
            sha.update(chunk)
            md5.update(chunk)
            fout.write(chunk)
    return sha.hexdigest(), md5.hexdigest(), size, head


@dataclass(frozen=True)
class _Staged:
    """A copy waiting in the staging folder to be flushed and renamed into place."""

    tmp: Path
    final: Path
    sha256: str
    row: dict[str, Any]


def _stage(case: Case, staging: Staging, fin: IO[bytes], name: str, limit: int) -> _Staged:
    tmp = staging.new_part()
    try:
        sha, md5, size, head = _copy_hashed(fin, tmp, limit)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    ftype = sniff_bytes(head)
    ext = ftype.ext or "bin"  # never from the file name: names are the collection's, not ours
    rel = Path("evidence") / sha[:2] / f"{sha}.{ext}"
    row = {"sha256": sha, "md5": md5, "size": size, "mime": ftype.mime, "kind": ftype.kind,
           "ext": ext, "stored_path": rel.as_posix(), "original_name": name}
    return _Staged(tmp, case.path / rel, sha, row)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_to_disk(staged: list[_Staged]) -> None:
    """fsync staged copies (in parallel) before any of them is renamed into place."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_fsync, [s.tmp for s in staged if not s.final.exists()]))


def _place(s: _Staged) -> None:
    """Make a flushed copy read-only and rename it into place.

    A final file that already exists came from an earlier, interrupted run or
    from a concurrent ingest: its name is its SHA-256, so it holds the same
    bytes and is adopted.
    """
    if s.final.exists():
        s.tmp.unlink(missing_ok=True)
        return
    s.final.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(s.tmp, 0o444)
    os.replace(s.tmp, s.final)


def _store_file(case: Case, src: Path) -> tuple[str, dict[str, Any]]:
    """Put one file into the evidence store without a database row; return its sha256 and media row."""
    with Staging(case.path) as staging, open(src, "rb") as fin:
        staged = _stage(case, staging, fin, src.name, IngestLimits().max_file_bytes)
        _flush_to_disk([staged])
        _place(staged)
    return staged.sha256, staged.row


def _load(source: Path, media_root: str | Path | None) -> Manifest:
    if source.is_dir():
        if media_root is not None:
            raise CaseError(f"{source.name}: --media-root applies to manifests, not to folders")
        return read_folder(source)
    return read_manifest(source, media_root=media_root)


def _relative_source(row: ManifestRow, base: Path | None) -> str:
    try:
        return row.media_path.relative_to(base).as_posix() if base else row.media_path.name
    except ValueError:
        return row.media_path.name


def _digest(path: Path, root: Path | None) -> str:
    if root is None:
        return hash_file(path)[0]
    sha = hashlib.sha256()
    with open_media(path, root) as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


# -- the ingest -----------------------------------------------------------------------------

def ingest(case: Case, source: str | Path, *, media_root: str | Path | None = None,
           limits: IngestLimits = IngestLimits(), progress: bool = False) -> IngestReport:
    """Ingest a manifest (CSV/JSONL) or a folder of media into ``case``.

    Bad rows are reported (line, post, field, reason) and skipped; the good
    rows load. Media paths must stay inside the manifest's folder (or
    ``media_root``); files over ``limits`` are refused per row. A post already
    in the case with the same media is left alone, so running an ingest twice
    adds nothing. Several ingests may run into one case at once.
    """
    source = Path(source)
    manifest = _load(source, media_root)
    root = manifest.media_root
    source_sha = None if source.is_dir() else hash_file(source)[0]
    n_rows = len(manifest.rows) + int((manifest.issues["severity"] == "error").sum())
    with Staging(case.path) as staging:
        dead = clean_tmp(case.path)
        with case.transaction():
            unfinished = {r[0] for r in case.conn.execute(
                "SELECT ingest_id FROM ingests WHERE finished_at IS NULL")}
            for old in sorted({d for d in dead if d is not None} & unfinished):
                case.append_custody("ingest.interrupted", str(old), {
                    "ingest_id": old, "found_by": "next ingest",
                    "detail": "the run stopped before it finished; its committed posts stay, "
                              "its partial copies were removed"})
            cur = case.conn.execute(
                "INSERT INTO ingests(source, source_name, source_sha256, started_at, n_rows) "
                "VALUES (?,?,?,?,?)", (manifest.source.name, manifest.source.name, source_sha, _now(), n_rows))
            ingest_id = int(cur.lastrowid)
            case.append_custody("ingest.started", manifest.source.name, {
                "ingest_id": ingest_id, "manifest_sha256": source_sha, "rows": n_rows})
        staging.claim(ingest_id)
        try:
            return _run(case, manifest, staging, ingest_id, n_rows, source_sha, limits, progress)
        except BaseException as exc:
            _record_failure(case, manifest, ingest_id, exc)
            raise


def _record_failure(case: Case, manifest: Manifest, ingest_id: int, exc: BaseException) -> None:
    """Best effort: say in the case why an ingest stopped (the run is then ``interrupted``)."""
    reason = f"ingest stopped: {type(exc).__name__}: {exc}"[:500]
    try:
        with case.transaction():
            case.conn.execute("INSERT INTO intake_issues VALUES (?,?,?,?,?,?,?)",
                              (ingest_id, manifest.source.name, None, None, "error", "", reason))
            case.append_custody("ingest.failed", manifest.source.name, {"ingest_id": ingest_id,
                                                                         "reason": reason})
    except Exception:  # noqa: BLE001 - the original error is the one to raise
        pass


def _run(case: Case, manifest: Manifest, staging: Staging, ingest_id: int, n_rows: int,
         source_sha: str | None, limits: IngestLimits, progress: bool) -> IngestReport:
    name = manifest.source.name
    root = manifest.media_root
    issues = list(manifest.issues.to_dict("records"))
    existing = {r["post_id"]: r["media_sha256"]
                for r in case.conn.execute("SELECT post_id, media_sha256 FROM posts")}
    n_posts = n_media = n_existing = total = 0
    rows: Iterable[ManifestRow] = manifest.rows
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(manifest.rows, desc=f"ingest {name}", unit="file")
    batch: list[tuple[ManifestRow, _Staged]] = []

    def issue(row: ManifestRow, fld: str, reason: str) -> None:
        issues.append({"source": name, "line": row.line, "post_id": row.post_id, "severity": "error",
                       "field": fld, "reason": reason})

    def flush() -> None:
        """Place the batch's files and add its rows in one write transaction.

        Inside the transaction nobody else writes, so what a concurrent ingest
        added meanwhile (the same post, the same media) is seen and not added twice.
        """
        nonlocal n_posts, n_media, n_existing
        _flush_to_disk([s for _, s in batch])
        with case.transaction():
            for row, staged in batch:
                sha = staged.sha256
                have = case.conn.execute("SELECT media_sha256 FROM posts WHERE post_id = ?",
                                         (row.post_id,)).fetchone()
                known = case.conn.execute("SELECT 1 FROM media WHERE sha256 = ?", (sha,)).fetchone()
                if have is not None or known is not None:  # no second file (perhaps another name)
                    staged.tmp.unlink(missing_ok=True)
                if have is not None:  # added by a concurrent ingest since this one started
                    if have[0] == sha:
                        n_existing += 1
                    else:
                        issue(row, "post_id", "post_id already in the case with different media")
                    continue
                if known is None:
                    _place(staged)
                    case.conn.execute(
                        "INSERT INTO media VALUES (:sha256, :md5, :size, :mime, :kind, "
                        ":ext, :stored_path, :original_name, :at)", {**staged.row, "at": _now()})
                case.conn.execute(
                    "INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row.post_id, row.platform, row.account,
                     row.posted_at.isoformat() if row.posted_at else None, row.posted_at_raw,
                     row.url, sha, row.parent_post_id, row.caption, row.likes, row.shares,
                     row.views, json.dumps(row.extra, ensure_ascii=False, default=str),
                     name, row.line, ingest_id, _now()))
                case.append_custody("file.ingested", sha, {
                    "post_id": row.post_id, "source": _relative_source(row, root),
                    "manifest": name, "sha256": sha, "md5": staged.row["md5"],
                    "size": staged.row["size"], "new_media": known is None})
                n_posts += 1
                n_media += int(known is None)
        batch.clear()

    for row in rows:
        try:
            if row.post_id in existing:
                if _digest(row.media_path, root) != existing[row.post_id]:
                    issue(row, "post_id", "post_id already in the case with different media")
                else:
                    n_existing += 1
                continue
            fin = open_media(row.media_path, root) if root is not None else open(row.media_path, "rb")
            with fin:
                size = os.fstat(fin.fileno()).st_size
                if size > limits.max_file_bytes:
                    raise LimitExceeded(size)
                if total + size > limits.max_total_bytes:
                    issue(row, "media_path", f"not copied: this ingest reached its size limit of "
                          f"{_size_text(limits.max_total_bytes)} (IngestLimits.max_total_bytes, "
                          "dfkit ingest --max-ingest-size)")
                    continue
                staged = _stage(case, staging, fin, row.media_path.name, limits.max_file_bytes)
        except LimitExceeded as exc:
            issue(row, "media_path", f"file of {_size_text(exc.args[0])} or more is over the limit of "
                  f"{_size_text(limits.max_file_bytes)} a file (IngestLimits.max_file_bytes, "
                  "dfkit ingest --max-file-size)")
            continue
        except PathRefused as exc:
            issue(row, "media_path", f"refused: {exc.reason}")
            continue
        except OSError as exc:
            issue(row, "media_path", f"cannot read media file ({exc.strerror or exc})")
            continue
        total += staged.row["size"]
        existing[row.post_id] = staged.sha256
        batch.append((row, staged))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    report = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    n_err = int((report["severity"] == "error").sum())
    with case.transaction():
        case.conn.execute(
            "UPDATE ingests SET finished_at = ?, n_new_posts = ?, n_new_media = ?, n_errors = ?, "
            "n_warnings = ? WHERE ingest_id = ?",
            (_now(), n_posts, n_media, n_err, len(report) - n_err, ingest_id))
        case.conn.executemany(
            "INSERT INTO intake_issues VALUES (?,?,?,?,?,?,?)",
            [(ingest_id, r["source"], r["line"], r["post_id"], r["severity"], r["field"], r["reason"])
             for r in report.to_dict("records")])
        case.append_custody("ingest.finished", name, {
            "ingest_id": ingest_id, "manifest_sha256": source_sha, "new_posts": n_posts,
            "new_media": n_media, "already_present": n_existing, "errors": n_err,
            "warnings": len(report) - n_err})
    return IngestReport(ingest_id, name, n_rows, n_posts, n_media, n_existing, report)
