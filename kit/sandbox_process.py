"""The parent's side of one :mod:`kit.sandbox` worker process.

:class:`WorkerProcess` starts the worker (:func:`kit.sandbox_worker.worker_main`)
with a lifeline pipe and a stderr log, waits for it to report its process
group, and kills or stops it; :func:`describe_exit` says how a worker ended
and :func:`recv_array` reads a numpy result sent as raw bytes. The call
protocol, timeouts and the shared sandbox are :mod:`kit.sandbox`'s; nothing
here is called directly by users.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import tempfile
from multiprocessing.connection import wait
from typing import Any

from kit.errors import DecoderCrash
from kit.sandbox_worker import worker_main

__all__ = ["START_TIMEOUT", "WorkerProcess", "describe_exit", "recv_array"]

START_TIMEOUT = 120.0
"""Seconds a new worker may take to report that it runs."""


def recv_array(conn: Any, header: tuple[str, tuple[int, ...], int]) -> Any:
    """A numpy array the worker sent as raw bytes after ``header`` (dtype, shape, size)."""
    import numpy as np

    dtype, shape, nbytes = header
    buf = bytearray(nbytes)
    conn.recv_bytes_into(buf)
    return np.frombuffer(buf, dtype=np.dtype(dtype)).reshape(shape)


def describe_exit(code: int | None) -> str:
    """How a worker process ended, in words: the signal that killed it or its exit code."""
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory or killed)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}"


class WorkerProcess:
    """One sandbox worker process as its parent sees it: started (also from a daemonic process),
    spoken to through ``conn``, its stderr log read, killed or stopped with its process group."""

    def __init__(self, ctx: Any, memory_mb: float | None, capture_stderr: bool) -> None:
        self.log_path: str | None = None
        if capture_stderr:
            fd, self.log_path = tempfile.mkstemp(prefix=f"kit-sandbox-{os.getpid()}-", suffix=".log")
            os.close(fd)
        self.conn, child = ctx.Pipe()
        lifeline_r, self.lifeline = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(
            target=worker_main,
            args=(child, lifeline_r, memory_mb, list(sys.path), self.log_path),
            daemon=True,
            name="kit-sandbox",
        )
        # Inside a daemonic process (a Dask nanny worker, a multiprocessing
        # Pool worker) multiprocessing refuses to start children, because
        # they could outlive it. Ours cannot: the lifeline thread ends the
        # worker when its parent goes away. So lift the flag for the start.
        config = mp.current_process()._config  # noqa: SLF001
        daemonic = config.get("daemon")
        if daemonic:
            config["daemon"] = False
        try:
            self.proc.start()
        finally:
            if daemonic:
                config["daemon"] = daemonic
        child.close()
        lifeline_r.close()
        self.pgid: int | None = None
        ready = wait([self.conn, self.proc.sentinel], START_TIMEOUT)
        try:
            if self.conn not in ready:
                raise OSError("no answer")
            tag, pid, pgid = self.conn.recv()
        except (OSError, EOFError, ValueError) as exc:
            self.stop()
            raise DecoderCrash(
                f"the sandbox worker did not start ({describe_exit(self.proc.exitcode)}: {exc})"
            ) from exc
        if pgid == pid and hasattr(os, "getpgrp") and pgid != os.getpgrp():
            self.pgid = pgid

    def stderr_tail(self, lines: int = 3) -> str:
        """The last lines the worker wrote to stderr during the current call."""
        if not self.log_path:
            return ""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(max(0, os.path.getsize(self.log_path) - 4096))
                text = fh.read().decode(errors="replace")
        except OSError:
            return ""
        rows = [ln.strip() for ln in text.splitlines() if ln.strip()]
        fatal = [i for i, ln in enumerate(rows) if ln.startswith("Fatal Python error")]
        if fatal:  # faulthandler's report: the error and the innermost Python frame
            i = fatal[-1]
            cur = next((j for j in range(i, len(rows)) if rows[j].startswith("Current thread")), i)
            frames = [ln for ln in rows[cur:] if ln.startswith("File ")]
            keep = rows[:i][-lines:] + [rows[i]] + frames[:1]
        else:
            keep = rows[-lines:]
        return " | ".join(keep)

    def kill(self) -> None:
        if self.proc.is_alive():
            try:
                if self.pgid is not None:
                    os.killpg(self.pgid, signal.SIGKILL)
                else:
                    self.proc.kill()
            except OSError:
                self.proc.kill()
        self.proc.join(5)

    def stop(self, grace: float = 2.0) -> None:
        if self.proc.is_alive():
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.proc.join(grace)
        self.kill()
        for c in (self.conn, self.lifeline):
            try:
                c.close()
            except OSError:  # pragma: no cover
                pass
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass
            self.log_path = None
