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
import tempfile
import threading
import time
import weakref
from multiprocessing.connection import wait
from typing import Any, Callable

from kit.errors import DecoderCrash, DecoderTimeout
from kit.sandbox_process import WorkerProcess, describe_exit, recv_array
from kit.sandbox_worker import SandboxError

__all__ = ["Sandbox", "SandboxError", "call_isolated", "default_sandbox", "START_METHOD"]

START_METHOD = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
"""Start method for workers: ``forkserver`` on POSIX, ``spawn`` elsewhere."""

# Imported once by the fork server, so that a fresh worker after a crash is a
# cheap fork instead of a new interpreter that imports numpy and Pillow again.
_PRELOAD = ["numpy", "PIL.Image", "kit.media"]


class _RemoteTraceback(Exception):
    def __init__(self, tb: str) -> None:
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


# --------------------------------------------------------------------- parent
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

    def _worker(self) -> WorkerProcess:
        w = self._holder.get("worker")
        if w is not None and w.proc.is_alive():
            return w
        if w is not None:
            _stop_holder(self._holder)
        if self.start_method == "forkserver":
            from multiprocessing import forkserver

            # Global to the fork server, and only used when it first starts.
            forkserver.set_forkserver_preload(_PRELOAD)
        if self.capture_stderr:
            _sweep_stale_logs()
        w = WorkerProcess(self._ctx, self.memory_mb, self.capture_stderr)
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
        status, value, tb = self._exchange(payload, limit, label, path)
        if status == "ok":
            return value
        if tb:
            value.__cause__ = _RemoteTraceback(f"\n\"\"\"\n{tb}\"\"\"")
        raise value

    def _exchange(self, payload: bytes, limit: float, label: str, path: str | None) -> tuple[str, Any, Any]:
        """Send one pickled call to the worker and wait for ``(status, value, traceback)``; a worker
        that dies or runs over ``limit`` seconds is stopped and reported (DecoderCrash, DecoderTimeout)."""
        with self._lock:
            worker = self._worker()
            start = time.monotonic()
            try:
                worker.conn.send_bytes(payload)
                ready = wait([worker.conn, worker.proc.sentinel], limit)
                if worker.conn in ready:
                    status, value, tb = worker.conn.recv()
                    if status == "ok-array":
                        status, value = "ok", recv_array(worker.conn, value)
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
                how = describe_exit(worker.proc.exitcode)
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
        return status, value, tb


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
