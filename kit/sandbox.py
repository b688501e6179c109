"""Run a decoder in a worker process that a crash or a hang cannot take down.

A :class:`Sandbox` holds one persistent worker process (started with the
``forkserver`` method where the platform has it, else ``spawn``: both are safe
in a threaded parent such as Jupyter or Dask). :meth:`Sandbox.call` sends a
picklable top-level function and its arguments, and returns the result:

* the function raised: the same exception is raised in the parent (the
  worker's traceback is chained as its ``__cause__``);
* the worker died (segfault, ``os._exit``, killed by the OOM killer):
  :class:`~kit.errors.DecoderCrash` naming the signal or exit code;
* the call ran past its timeout: the worker is killed and
  :class:`~kit.errors.DecoderTimeout` is raised.

After a crash or a timeout the next call starts a fresh worker (a fork of
the fork server, ~0.1 s). The worker runs with an address-space limit
(``RLIMIT_AS``) so that a decoder that asks for too much memory gets
``MemoryError`` instead of taking the machine; core dumps are off; it ignores
Ctrl-C (the parent handles it and stops the worker); it runs in its own
process group (a timeout kills whatever the decoder started); its stderr
goes to a log quoted in crash messages; and it never outlives its parent,
even when stuck in C code (Linux parent-death signal, plus a lifeline pipe).
It also works inside daemonic processes (Dask nanny workers, Pool workers).
Large numpy results come back as raw bytes, not pickles.

Examples
--------
>>> import math
>>> with Sandbox(timeout=30) as sb:
...     sb.call(math.sqrt, 16.0)
4.0
>>> call_isolated(math.factorial, 5)
120
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import weakref
from multiprocessing.connection import wait
from typing import Any, Callable

from kit.errors import DecoderCrash, DecoderTimeout
from kit.sandbox_worker import SandboxError, worker_main

__all__ = ["Sandbox", "SandboxError", "call_isolated", "default_sandbox", "START_METHOD"]

START_METHOD = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
"""Start method for workers: ``forkserver`` on POSIX, ``spawn`` elsewhere."""

# Imported once by the fork server, so that a fresh worker after a crash is a
# cheap fork instead of a new interpreter that imports numpy and Pillow again.
_PRELOAD = ["numpy", "PIL.Image", "kit.media"]
_START_TIMEOUT = 120.0


class _RemoteTraceback(Exception):
    def __init__(self, tb: str) -> None:
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


# --------------------------------------------------------------------- parent
def _recv_array(conn: Any, header: tuple[str, tuple[int, ...], int]) -> Any:
    import numpy as np

    dtype, shape, nbytes = header
    buf = bytearray(nbytes)
    conn.recv_bytes_into(buf)
    return np.frombuffer(buf, dtype=np.dtype(dtype)).reshape(shape)


def _describe_exit(code: int | None) -> str:
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


def _label(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, str | None]:
    name = getattr(fn, "__qualname__", None) or repr(fn)
    path = os.fspath(args[0]) if args and isinstance(args[0], (str, os.PathLike)) else None
    if isinstance(path, bytes):
        path = path.decode(errors="replace")
    return (f"{name}({path!r})" if path else name), path


_swept = False


def _sweep_stale_logs() -> None:
    """Once per process: delete worker logs left by processes that no longer run.

    A process killed with SIGKILL (a Dask worker the nanny restarts, an OOM
    kill) cannot remove its workers' logs; each log name carries the pid of
    the process that made it, so a later process can.
    """
    global _swept
    if _swept:
        return
    _swept = True
    import glob

    for path in glob.glob(os.path.join(tempfile.gettempdir(), "kit-sandbox-*-*.log")):
        pid = os.path.basename(path).split("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            try:
                os.unlink(path)
            except OSError:
                pass
        except OSError:  # alive, another user's
            pass


class _Worker:
    def __init__(self, ctx: Any, memory_mb: float | None, capture_stderr: bool) -> None:
        self.log_path: str | None = None
        if capture_stderr:
            _sweep_stale_logs()
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
        ready = wait([self.conn, self.proc.sentinel], _START_TIMEOUT)
        try:
            if self.conn not in ready:
                raise OSError("no answer")
            tag, pid, pgid = self.conn.recv()
        except (OSError, EOFError, ValueError) as exc:
            self.stop()
            raise DecoderCrash(
                f"the sandbox worker did not start ({_describe_exit(self.proc.exitcode)}: {exc})"
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


def _stop_holder(holder: dict[str, Any]) -> None:
    worker = holder.pop("worker", None)
    if worker is not None:
        worker.stop()


class Sandbox:
    """A persistent worker process for calls that may crash, hang or eat memory.

    Parameters
    ----------
    timeout
        Default seconds a call may run before the worker is killed.
    memory_mb
        Address-space limit of the worker in MiB (``None``: no limit). Over
        it, allocations fail with ``MemoryError`` inside the worker.
    start_method
        ``"forkserver"`` (default on POSIX) or ``"spawn"``.
    capture_stderr
        Send the worker's stderr (decoder warnings such as libtiff's) to a
        temporary log instead of the console; its last lines are quoted in
        :class:`~kit.errors.DecoderCrash` messages.

    Notes
    -----
    Functions must be importable by the worker (defined at the top level of
    a module, not lambdas or closures); arguments and results must pickle.
    One call runs at a time per sandbox (calls from several threads queue).
    The worker starts on the first call and is stopped by :meth:`close`, at
    the end of a ``with`` block, or when the sandbox is garbage-collected.

    Examples
    --------
    >>> import operator
    >>> sb = Sandbox(timeout=30)
    >>> sb.call(operator.add, 2, 3)
    5
    >>> sb.call(int, "x")
    Traceback (most recent call last):
    ...
    ValueError: invalid literal for int() with base 10: 'x'
    >>> sb.close()
    """

    def __init__(
        self,
        timeout: float = 10.0,
        memory_mb: float | None = 4096,
        *,
        start_method: str = START_METHOD,
        capture_stderr: bool = True,
    ) -> None:
        if timeout is None or not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        self.timeout = float(timeout)
        self.memory_mb = memory_mb
        self.start_method = start_method
        self.capture_stderr = capture_stderr
        self._ctx = mp.get_context(start_method)
        self._lock = threading.Lock()
        self._holder: dict[str, Any] = {}
        self._finalizer = weakref.finalize(self, _stop_holder, self._holder)
        self.lost = 0
        """Workers lost to a crash or a timeout so far (for diagnostics)."""

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        w = self._holder.get("worker")
        state = f"pid {w.proc.pid}" if w is not None and w.proc.is_alive() else "idle"
        return f"Sandbox(timeout={self.timeout}, memory_mb={self.memory_mb}, {state})"

    @property
    def pid(self) -> int | None:
        """Process id of the running worker, or ``None``."""
        w = self._holder.get("worker")
        return w.proc.pid if w is not None and w.proc.is_alive() else None

    def close(self) -> None:
        """Stop the worker (a later :meth:`call` starts a new one)."""
        with self._lock:
            _stop_holder(self._holder)

    def _worker(self) -> _Worker:
        w = self._holder.get("worker")
        if w is not None and w.proc.is_alive():
            return w
        if w is not None:
            _stop_holder(self._holder)
        if self.start_method == "forkserver":
            from multiprocessing import forkserver

            # Global to the fork server, and only used when it first starts.
            forkserver.set_forkserver_preload(_PRELOAD)
        w = _Worker(self._ctx, self.memory_mb, self.capture_stderr)
        self._holder["worker"] = w
        return w

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in the worker and return its result.

        Parameters
        ----------
        fn
            A picklable, importable function.
        *args, **kwargs
            Its arguments (picklable). When the first argument is a path,
            error messages name it.
        timeout
            Seconds for this call (default: the sandbox's ``timeout``); the
            worker's start-up does not count.

        Raises
        ------
        DecoderCrash
            The worker died while running the call.
        DecoderTimeout
            The call ran over ``timeout``; the worker was killed.
        Exception
            Whatever ``fn`` raised, re-raised in the parent.
        """
        limit = self.timeout if timeout is None else float(timeout)
        label, path = _label(fn, args)
        try:
            payload = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise TypeError(
                f"Sandbox.call needs a top-level function and picklable arguments: {label}: {exc}"
            ) from exc
        with self._lock:
            worker = self._worker()
            start = time.monotonic()
            try:
                worker.conn.send_bytes(payload)
                ready = wait([worker.conn, worker.proc.sentinel], limit)
                if worker.conn in ready:
                    status, value, tb = worker.conn.recv()
                    if status == "ok-array":
                        status, value = "ok", _recv_array(worker.conn, value)
                elif not ready:
                    worker.kill()
                    _stop_holder(self._holder)
                    self.lost += 1
                    raise DecoderTimeout(
                        f"{path or label}: decoding ran over {limit:g} s; the worker was stopped",
                        path=path,
                    )
                else:
                    raise EOFError
            except (EOFError, OSError, BrokenPipeError) as exc:
                worker.proc.join(5)
                how = _describe_exit(worker.proc.exitcode)
                tail = worker.stderr_tail()
                _stop_holder(self._holder)
                self.lost += 1
                raise DecoderCrash(
                    f"{path or label}: the decoder worker died ({how}) "
                    f"after {time.monotonic() - start:.2f} s running {label}"
                    + (f"; its last output: {tail}" if tail else ""),
                    path=path,
                ) from exc
            except BaseException:
                # KeyboardInterrupt or similar while waiting: stop the work.
                _stop_holder(self._holder)
                raise
        if status == "ok":
            return value
        if tb:
            value.__cause__ = _RemoteTraceback(f"\n\"\"\"\n{tb}\"\"\"")
        raise value


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide sandbox used by :func:`call_isolated` (started lazily).

    Its worker is stopped when the interpreter exits.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default


def call_isolated(fn: Callable[..., Any], *args: Any, timeout: float = 10.0, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` in the shared :func:`default_sandbox`.

    Same behaviour as :meth:`Sandbox.call`: the function's exception is
    re-raised, a dead worker becomes :class:`~kit.errors.DecoderCrash`, a
    call over ``timeout`` seconds becomes :class:`~kit.errors.DecoderTimeout`.
    """
    return default_sandbox().call(fn, *args, timeout=timeout, **kwargs)
