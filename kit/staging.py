"""Each ingest's own staging folder under ``evidence/.tmp``, the copies made into it, and the cleanup of dead ones.

An ingest copies files into ``evidence/.tmp/<token>/`` and holds an exclusive
``flock`` on ``evidence/.tmp/<token>.lock`` while it runs (the lock file holds
its ingest id). A lock that nobody holds belongs to a process that died: its
folder only has partial copies, and :func:`clean_tmp` removes it. A running
ingest's folder is never touched, so several ingests can run into one case.

Examples
--------
>>> import tempfile, pathlib
>>> case_dir = pathlib.Path(tempfile.mkdtemp())
>>> with Staging(case_dir) as staging:
...     staging.claim(7)
...     (live_ingests(case_dir), clean_tmp(case_dir))
({7}, [])
>>> sorted(p.name for p in (case_dir / "evidence" / ".tmp").iterdir())
[]
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kit.digest import CHUNK
from kit.errors import CaseError
from kit.sniff import sniff_bytes

__all__ = ["Staging", "Staged", "LimitExceeded", "clean_tmp", "live_ingests", "copy_hashed", "stage",
           "flush_to_disk", "place"]


def _tmp_root(case_path: Path) -> Path:
    return case_path / "evidence" / ".tmp"


class Staging:
    """This ingest's own folder under ``evidence/.tmp``, held by an exclusive ``flock`` while it runs."""

    def __init__(self, case_path: Path) -> None:
        root = _tmp_root(case_path)
        root.mkdir(parents=True, exist_ok=True)
        while True:
            token = uuid.uuid4().hex
            lock = root / f"{token}.lock"
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:  # a cleaner may have taken the lock file between create and flock
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.lock, self.fd, self.dir, self._n = lock, fd, root / token, 0
        self.dir.mkdir()

    def claim(self, ingest_id: int) -> None:
        """Write the ingest id into the lock file (for :func:`ingest_runs`: "running")."""
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(ingest_id).encode(), 0)

    def new_part(self) -> Path:
        self._n += 1
        return self.dir / f"{self._n:08d}.part"

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.lock.unlink(missing_ok=True)
        os.close(self.fd)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _try_lock(lock: Path) -> int | None:
    """An fd holding ``lock`` when no live process holds it, else None."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return None
        raise
    return fd


def _lock_id(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def clean_tmp(case_path: Path) -> list[int | None]:
    """Remove what dead ingests left in ``evidence/.tmp``; return the ingest id of each one removed.

    A staging folder whose lock no live process holds belongs to an ingest
    that died: its partial copies go. Folders of running ingests are kept.
    Loose files (older kits staged there directly) are removed too.
    """
    tmp = _tmp_root(case_path)
    if not tmp.is_dir():
        return []
    removed: list[int | None] = []
    try:
        for p in sorted(tmp.iterdir()):
            if p.suffix == ".lock":
                fd = _try_lock(p)
                if fd is None:
                    continue
                try:
                    removed.append(_lock_id(fd))
                    shutil.rmtree(tmp / p.stem, ignore_errors=True)
                    p.unlink(missing_ok=True)
                finally:
                    os.close(fd)
            elif p.is_dir():
                if not (tmp / f"{p.name}.lock").exists():  # its lock went with a dead owner
                    shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
                removed.append(None)
    except OSError as exc:
        raise CaseError(f"cannot clean the staging folder evidence/.tmp ({exc})", path=tmp) from exc
    return removed


def live_ingests(case_path: Path) -> set[int]:
    """Ids of ingests whose staging lock a live process holds."""
    tmp = _tmp_root(case_path)
    live: set[int] = set()
    for lock in tmp.glob("*.lock") if tmp.is_dir() else []:
        fd = _try_lock(lock)
        if fd is not None:
            os.close(fd)
            continue
        try:
            text = lock.read_text(errors="replace").strip()
        except OSError:
            continue
        if text.isdigit():
            live.add(int(text))
    return live


class LimitExceeded(Exception):
    """A file over a size limit (``args[0]``: its size so far; the ingest makes it an intake issue)."""


# -- copying into the staging folder -------------------------------------------------------

def copy_hashed(fin: IO[bytes], tmp: Path, limit: int) -> tuple[str, str, int, bytes]:
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
class Staged:
    """A copy waiting in the staging folder to be flushed and renamed into place."""

    tmp: Path
    final: Path
    sha256: str
    row: dict[str, Any]


def stage(case_path: Path, staging: Staging, fin: IO[bytes], name: str, limit: int) -> Staged:
    """Copy an open file into ``staging`` while hashing it: the copy and its media row (extension sniffed)."""
    tmp = staging.new_part()
    try:
        sha, md5, size, head = copy_hashed(fin, tmp, limit)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    ftype = sniff_bytes(head)
    ext = ftype.ext or "bin"  # never from the file name: names are the collection's, not ours
    rel = Path("evidence") / sha[:2] / f"{sha}.{ext}"
    row = {"sha256": sha, "md5": md5, "size": size, "mime": ftype.mime, "kind": ftype.kind,
           "ext": ext, "stored_path": rel.as_posix(), "original_name": name}
    return Staged(tmp, case_path / rel, sha, row)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flush_to_disk(staged: list[Staged]) -> None:
    """fsync staged copies (in parallel) before any of them is renamed into place."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_fsync, [s.tmp for s in staged if not s.final.exists()]))


def place(s: Staged) -> None:
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
