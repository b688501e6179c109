"""Each ingest's own staging folder under ``evidence/.tmp``, and the cleanup of dead ones.

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
import os
import shutil
import uuid
from pathlib import Path

from kit.errors import CaseError

__all__ = ["Staging", "clean_tmp", "live_ingests"]


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
