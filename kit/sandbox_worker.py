"""The worker side of :mod:`kit.sandbox`: what runs in the child process.

Kept apart so that the worker imports only this (plus what the sandboxed
function needs). Nothing here is called directly by users.
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import traceback
from typing import Any

from kit.errors import KitError

__all__ = ["SandboxError", "worker_main"]


class SandboxError(KitError):
    """The worker raised an exception that cannot be sent back as itself."""


_M_TRIM_THRESHOLD = -1  # glibc mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3


def tune_malloc(mmap_threshold_mb: int = 32, trim_threshold_mb: int = 64) -> bool:
    """Undo a small ``MALLOC_TRIM_THRESHOLD_`` inherited from a Dask nanny (glibc only).

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting
    it also freezes glibc's mmap threshold at 128 KiB, so every image-sized
    numpy array is mmapped and unmapped again: hashing an image then takes
    twice as long (measured 30 -> 60 ms per 1 MP JPEG). This raises both
    thresholds for the current process and returns True; it does nothing (False)
    when the variable is not set or there is no glibc. Memory above the
    thresholds is still returned to the system.
    """
    if not os.environ.get("MALLOC_TRIM_THRESHOLD_") or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold_mb << 20)
        ok &= libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold_mb << 20)
        return bool(ok)
    except (OSError, AttributeError):  # musl or another libc: nothing to undo
        return False


def _limit_resources(memory_mb: float | None) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):  # pragma: no cover
        pass
    if memory_mb:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = int(memory_mb * 1024 * 1024)
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        except (ValueError, OSError):  # pragma: no cover - e.g. macOS
            pass


def _release_fork_server() -> None:
    """Close the fork server's "client alive" pipe that a forked worker inherits.

    Holding it would keep the fork server running after the parent died, and
    with it (see :func:`_die_with_parent`) a worker stuck in a decoder.
    """
    fs = sys.modules.get("multiprocessing.forkserver")
    server = getattr(fs, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int) and mp.current_process().name == "kit-sandbox":
        try:
            os.close(fd)
        except OSError:
            pass
        server._forkserver_alive_fd = None


def _die_with_parent() -> None:
    """Linux: the kernel kills the worker when the process that forked it exits.

    That is the fork server (which exits with the parent) or, with ``spawn``,
    the parent itself; it works even when a decoder hangs holding the GIL.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover
        pass


def _watch_parent(lifeline: Any) -> None:
    """Exit the worker when the parent goes away (its end of ``lifeline`` closes)."""
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(3)


_RAW_MIN_BYTES = 1 << 16


def _is_plain_array(value: Any) -> bool:
    np = sys.modules.get("numpy")
    return (
        np is not None
        and type(value) is np.ndarray
        and not value.dtype.hasobject
        and value.nbytes >= _RAW_MIN_BYTES
    )


def _send_array(conn: Any, a: Any) -> None:
    """Send a large array as a header plus its raw bytes (4x faster than pickling it)."""
    import numpy as np

    a = np.ascontiguousarray(a)
    conn.send(("ok-array", (a.dtype.str, a.shape, a.nbytes), None))
    conn.send_bytes(memoryview(a).cast("B"))


def worker_main(
    conn: Any, lifeline: Any, memory_mb: float | None, sys_path: list[str], log_path: str | None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if log_path:  # decoder chatter (libtiff, FFmpeg) goes to a log the parent reads on a crash
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    faulthandler.enable()
    try:
        os.setpgid(0, 0)  # own group: a timeout kills helpers the decoder started
    except OSError:  # pragma: no cover
        pass
    for p in reversed(sys_path):
        if p not in sys.path:
            sys.path.insert(0, p)
    _limit_resources(memory_mb)
    tune_malloc()
    _release_fork_server()
    _die_with_parent()
    threading.Thread(target=_watch_parent, args=(lifeline,), daemon=True).start()
    conn.send(("ready", os.getpid(), os.getpgrp() if hasattr(os, "getpgrp") else None))
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if log_path:
            try:
                os.ftruncate(2, 0)
            except OSError:  # pragma: no cover
                pass
        try:
            msg = pickle.loads(data)
            if msg is None:
                return
            fn, args, kwargs = msg
            reply: tuple[str, Any, Any] = ("ok", fn(*args, **kwargs), None)
        except Exception as exc:  # noqa: BLE001 - sent back to the parent
            reply = ("err", exc, traceback.format_exc())
        try:
            if reply[0] == "ok" and _is_plain_array(reply[1]):
                _send_array(conn, reply[1])
            else:
                conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - result or exception not picklable
            what = "result" if reply[0] == "ok" else f"exception {type(reply[1]).__name__}: {reply[1]}"
            err = SandboxError(f"the sandboxed call's {what} cannot be sent back ({exc})")
            conn.send(("err", err, traceback.format_exc()))
