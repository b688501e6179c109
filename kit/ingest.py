"""Copy evidence into a case, crash-safe and idempotent.

Files are copied to ``evidence/.tmp`` while they are hashed, then flushed to
disk a batch at a time, made read-only and renamed into
``evidence/<sha[:2]>/<sha256>.<ext>`` (rename is atomic). Then one transaction
adds the batch's media rows, post rows and custody entries together. A process killed at any point leaves either
nothing or a complete evidence file that the next run adopts; running the
same ingest again adds nothing.
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
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit.digest import CHUNK, hash_file
from kit.errors import CaseError
from kit.manifest import ISSUE_COLUMNS, Manifest, ManifestRow, read_folder, read_manifest
from kit.sniff import sniff_bytes

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["IngestReport", "ingest", "hash_file", "clean_tmp", "CHUNK", "BATCH"]

BATCH = 32  # files flushed together and committed in one transaction


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


def _copy_hashed(src: Path, tmp_dir: Path) -> tuple[Path, str, str, int, bytes]:
    """Copy ``src`` into ``tmp_dir`` while hashing; return tmp path, hashes, size, head."""
    sha, md5, size, head = hashlib.sha256(), hashlib.md5(), 0, b""
    tmp = tmp_dir / f"{os.getpid()}-{hashlib.sha1(str(src).encode()).hexdigest()[:16]}.part"
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        while chunk := fin.read(CHUNK):
            if len(head) < 256:
                head += chunk[: 256 - len(head)]
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    return tmp, sha.hexdigest(), md5.hexdigest(), size, head


@dataclass(frozen=True)
class _Staged:
    """A copy waiting in ``evidence/.tmp`` to be flushed and renamed into place."""

    tmp: Path
    final: Path
    sha256: str
    row: dict[str, Any]


def _stage(case: Case, src: Path) -> _Staged:
    tmp, sha, md5, size, head = _copy_hashed(src, case.path / "evidence" / ".tmp")
    ftype = sniff_bytes(head)
    ext = ftype.ext or src.suffix.lower().lstrip(".") or "bin"
    rel = Path("evidence") / sha[:2] / f"{sha}.{ext}"
    row = {"sha256": sha, "md5": md5, "size": size, "mime": ftype.mime, "kind": ftype.kind,
           "ext": ext, "stored_path": rel.as_posix(), "original_name": src.name}
    return _Staged(tmp, case.path / rel, sha, row)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit_files(staged: list[_Staged]) -> None:
    """Flush staged copies to disk (in parallel), make them read-only, rename them into place.

    A final file that already exists came from an earlier, interrupted run:
    its name is its SHA-256, so it holds the same bytes and is adopted.
    """
    fresh = [s for s in staged if not s.final.exists()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_fsync, [s.tmp for s in fresh]))
    for s in staged:
        if s.final.exists():
            s.tmp.unlink(missing_ok=True)
            continue
        s.final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(s.tmp, 0o444)
        os.replace(s.tmp, s.final)


def _store_file(case: Case, src: Path) -> tuple[str, dict[str, Any]]:
    """Put one file into the evidence store; return its sha256 and the media row."""
    staged = _stage(case, src)
    _commit_files([staged])
    return staged.sha256, staged.row


def _load(source: Path) -> Manifest:
    return read_folder(source) if source.is_dir() else read_manifest(source)


def _relative_source(row: ManifestRow, base: Path) -> str:
    try:
        return row.media_path.resolve().relative_to(base).as_posix()
    except ValueError:
        return row.media_path.name


def ingest(case: Case, source: str | Path, *, progress: bool = False) -> IngestReport:
    """Ingest a manifest (CSV/JSONL) or a folder of media into ``case``.

    Bad rows are reported (line, post, field, reason) and skipped; the good
    rows load. A post already in the case with the same media is left alone,
    so running an ingest twice adds nothing.
    """
    source = Path(source)
    manifest = _load(source)
    base = (source if source.is_dir() else source.parent).resolve()
    source_sha = None if source.is_dir() else hash_file(source)[0]
    (case.path / "evidence" / ".tmp").mkdir(parents=True, exist_ok=True)
    clean_tmp(case.path)
    n_rows = len(manifest.rows) + int((manifest.issues["severity"] == "error").sum())
    started = _now()
    issues = list(manifest.issues.to_dict("records"))
    existing = {r["post_id"]: r["media_sha256"]
                for r in case.conn.execute("SELECT post_id, media_sha256 FROM posts")}
    known_media = {r[0] for r in case.conn.execute("SELECT sha256 FROM media")}
    n_posts = n_media = n_existing = 0
    rows: Iterable[ManifestRow] = manifest.rows
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(manifest.rows, desc=f"ingest {source.name}", unit="file")
    ingest_id = case.conn.execute("SELECT COALESCE(MAX(ingest_id), 0) + 1 FROM ingests").fetchone()[0]
    batch: list[tuple[ManifestRow, _Staged]] = []

    def flush() -> None:
        nonlocal n_posts, n_media
        _commit_files([s for _, s in batch])
        with case.transaction():
            for row, staged in batch:
                sha = staged.sha256
                new_media = sha not in known_media
                if new_media:
                    case.conn.execute(
                        "INSERT OR IGNORE INTO media VALUES (:sha256, :md5, :size, :mime, :kind, "
                        ":ext, :stored_path, :original_name, :at)", {**staged.row, "at": _now()})
                case.conn.execute(
                    "INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row.post_id, row.platform, row.account,
                     row.posted_at.isoformat() if row.posted_at else None, row.posted_at_raw,
                     row.url, sha, row.parent_post_id, row.caption, row.likes, row.shares,
                     row.views, json.dumps(row.extra, ensure_ascii=False, default=str),
                     manifest.source.name, row.line, ingest_id, _now()))
                case.append_custody("file.ingested", sha, {
                    "post_id": row.post_id, "source": _relative_source(row, base),
                    "manifest": manifest.source.name, "sha256": sha, "md5": staged.row["md5"],
                    "size": staged.row["size"], "new_media": new_media})
                known_media.add(sha)
                n_posts += 1
                n_media += int(new_media)
        batch.clear()

    for row in rows:
        try:
            if row.post_id in existing:
                if hash_file(row.media_path)[0] != existing[row.post_id]:
                    issues.append({"source": manifest.source.name, "line": row.line,
                                   "post_id": row.post_id, "severity": "error", "field": "post_id",
                                   "reason": "post_id already in the case with different media"})
                else:
                    n_existing += 1
                continue
            staged = _stage(case, row.media_path)
        except OSError as exc:
            issues.append({"source": manifest.source.name, "line": row.line, "post_id": row.post_id,
                           "severity": "error", "field": "media_path",
                           "reason": f"cannot read media file ({exc.strerror or exc})"})
            continue
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
            "INSERT INTO ingests VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (ingest_id, str(source.resolve()), manifest.source.name, source_sha, started, _now(),
             n_rows, n_posts, n_media, n_err, len(report) - n_err))
        case.conn.executemany(
            "INSERT INTO intake_issues VALUES (?,?,?,?,?,?,?)",
            [(ingest_id, r["source"], r["line"], r["post_id"], r["severity"], r["field"], r["reason"])
             for r in report.to_dict("records")])
        case.append_custody("ingest.finished", manifest.source.name, {
            "ingest_id": ingest_id, "manifest_sha256": source_sha, "new_posts": n_posts,
            "new_media": n_media, "already_present": n_existing, "errors": n_err,
            "warnings": len(report) - n_err})
    return IngestReport(ingest_id, manifest.source.name, n_rows, n_posts,
                        n_media, n_existing, report)


def clean_tmp(case_path: Path) -> int:
    """Remove partial copies left by an interrupted ingest; return how many."""
    tmp = case_path / "evidence" / ".tmp"
    if not tmp.is_dir():
        return 0
    removed = 0
    for p in tmp.iterdir():
        try:
            p.unlink()
            removed += 1
        except OSError as exc:
            raise CaseError(f"cannot remove partial copy {p.name} ({exc})", path=p) from exc
    return removed
