"""Tests for kit.sandbox: crashes, hangs, memory limits and exceptions stay in the worker."""

from __future__ import annotations

import ctypes
import math
import os
import pickle
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import kit.errors as errors
from kit.errors import DecoderCrash, DecoderTimeout, KitError, TruncatedMedia
from kit.sandbox import Sandbox, SandboxError, call_isolated


# Worker functions must be importable top-level functions.
def segfault() -> None:
    ctypes.string_at(0)


def hard_exit(code: int) -> None:
    os._exit(code)


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def raise_truncated(path: str) -> None:
    raise TruncatedMedia(f"{path}: image data ends early", path=path)


def raise_value() -> None:
    int("x")


def allocate(mb: int) -> int:
    return int(np.ones(mb * 1024 * 1024, dtype=np.uint8).sum())


def big_array(n: int) -> np.ndarray:
    return np.arange(n * n * 3, dtype=np.uint32).reshape(n, n, 3).astype(np.uint8)


def unpicklable_result() -> object:
    return threading.Lock()


def say_then_crash() -> None:
    print("libfoo: bad marker 0xd9", file=sys.stderr, flush=True)
    os._exit(9)


def hold_gil() -> None:
    """Hang in C code without releasing the GIL (catastrophic regex backtracking)."""
    import re

    re.match(r"(a+)+$", "a" * 64 + "b")


def pid() -> int:
    return os.getpid()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(timeout=1.0, memory_mb=1024) as sb:
        yield sb


FAILURES = [
    pytest.param(segfault, (), DecoderCrash, "SIGSEGV", id="segfault"),
    pytest.param(hard_exit, (7,), DecoderCrash, "exit code 7", id="os-exit"),
    pytest.param(sleep_for, (30.0,), DecoderTimeout, "ran over 1 s", id="hang"),
    pytest.param(hold_gil, (), DecoderTimeout, "ran over 1 s", id="hang-holding-gil"),
    pytest.param(raise_truncated, ("cut.jpg",), TruncatedMedia, "cut.jpg: image data ends early", id="kit-error"),
    pytest.param(raise_value, (), ValueError, "invalid literal", id="value-error"),
    pytest.param(allocate, (2048,), MemoryError, None, id="over-memory-limit"),
    pytest.param(unpicklable_result, (), SandboxError, "cannot be sent back", id="unpicklable-result"),
    pytest.param(say_then_crash, (), DecoderCrash, "libfoo: bad marker", id="crash-quotes-stderr"),
]


@pytest.mark.parametrize("fn, args, exc, text", FAILURES)
def test_failure_is_raised_in_parent_and_sandbox_recovers(sandbox, fn, args, exc, text):
    start = time.monotonic()
    with pytest.raises(exc, match=text) as info:
        sandbox.call(fn, *args)
    assert time.monotonic() - start < 10
    if exc is TruncatedMedia:
        assert info.value.path == "cut.jpg"
        assert "Traceback" in str(info.value.__cause__)  # worker's traceback kept
    # the same sandbox works afterwards (fresh worker if the old one died)
    assert sandbox.call(math.sqrt, 9.0) == 3.0


def test_crash_names_the_path_argument(sandbox):
    with pytest.raises(DecoderCrash) as info:
        sandbox.call(hard_exit, 3)
    assert info.value.path is None
    with pytest.raises(DecoderTimeout) as info:
        sandbox.call(sleep_for, 5.0, timeout=0.2)
    assert "0.2 s" in str(info.value)


def test_worker_is_reused_and_replaced_after_crash(sandbox):
    first = sandbox.call(pid)
    assert sandbox.call(pid) == first != os.getpid()
    lost = sandbox.lost
    with pytest.raises(DecoderCrash):
        sandbox.call(segfault)
    assert sandbox.lost == lost + 1
    assert sandbox.call(pid) != first


def strided_array(n: int) -> np.ndarray:
    return np.arange(n * n, dtype=np.float64).reshape(n, n)[::2, ::3].astype(">f4")[:, ::-1]


@pytest.mark.parametrize(
    "fn, n",
    [
        pytest.param(big_array, 1000, id="uint8-3MB-raw"),
        pytest.param(big_array, 10, id="uint8-small-pickled"),
        pytest.param(strided_array, 600, id="big-endian-strided"),
    ],
)
def test_arrays_round_trip(sandbox, fn, n):
    out = sandbox.call(fn, n, timeout=30)
    ref = fn(n)
    assert out.shape == ref.shape and out.dtype == ref.dtype and out.flags.writeable
    np.testing.assert_array_equal(out, ref)
    out[...] = 0  # owned by the caller


def test_lambda_is_refused_in_parent(sandbox):
    with pytest.raises(TypeError, match="top-level function"):
        sandbox.call(lambda: 1)


def test_threads_share_a_sandbox(sandbox):
    results = {}

    def work(i):
        results[i] = sandbox.call(math.factorial, i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: math.factorial(i) for i in range(6)}


def test_close_stops_worker():
    sb = Sandbox(timeout=5)
    worker_pid = sb.call(pid)
    sb.close()
    assert sb.pid is None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"worker {worker_pid} still running after close()")


def sandbox_in_this_process() -> float:
    with Sandbox(timeout=30) as sb:
        return sb.call(math.sqrt, 16.0)


def test_works_inside_a_daemonic_process():
    """A Dask nanny worker or a multiprocessing Pool worker is daemonic."""
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(1) as pool:
        assert pool.apply(sandbox_in_this_process) == 4.0


ORPHAN_SCRIPT = """
import os, signal, sys, threading, time
sys.path.insert(0, sys.argv[1])
from kit.sandbox import Sandbox
import test_sandbox
sb = Sandbox(timeout=60)
print(sb.call(test_sandbox.pid), flush=True)
threading.Thread(target=sb.call, args=(test_sandbox.hold_gil,), daemon=True).start()
time.sleep(0.5)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_worker_exits_when_parent_is_killed():
    """Even while the worker hangs holding the GIL (so no Python code of its own can run)."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(
        [sys.executable, "-c", ORPHAN_SCRIPT, here], capture_output=True, text=True, timeout=60
    )
    worker_pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"worker {worker_pid} outlived its killed parent")


def test_call_isolated():
    assert call_isolated(math.factorial, 5, timeout=30) == 120
    with pytest.raises(DecoderCrash):
        call_isolated(segfault)
    assert call_isolated(math.factorial, 4) == 24


@pytest.mark.parametrize("name", [n for n in errors.__all__], ids=str)
def test_kit_errors_pickle_with_message_and_path(name):
    cls = getattr(errors, name)
    err = cls(f"{name}: x.jpg: why", path="x.jpg")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and str(back) == str(err) and back.path == "x.jpg"
    assert isinstance(back, KitError)


@pytest.mark.parametrize("bad", [0, -1.0, None], ids=["zero", "negative", "none"])
def test_bad_timeout(bad):
    with pytest.raises(ValueError, match="timeout"):
        Sandbox(timeout=bad)


def test_call_overhead(sandbox):
    sandbox.call(math.sqrt, 1.0)  # worker started
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        sandbox.call(math.sqrt, 2.0)
    per_call = (time.perf_counter() - start) / n
    print(f"\nSandbox.call overhead: {per_call * 1e6:.0f} us per call ({n} calls)")
    assert per_call < 0.05


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_tune_malloc_undoes_dask_trim_threshold():
    # Dask's nanny exports MALLOC_TRIM_THRESHOLD_=65536, which freezes glibc's mmap threshold
    # at 128 KiB; the worker raises both thresholds again (mallopt returns 1 on success)
    import subprocess

    code = "from kit.sandbox_worker import tune_malloc; print(tune_malloc())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # nothing to undo: glibc keeps its own dynamic thresholds


def test_logs_of_dead_processes_are_swept(tmp_path, monkeypatch):
    import subprocess
    import tempfile

    import kit.sandbox as ks

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(ks, "_swept", False)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f"kit-sandbox-{dead}-abc.log"
    alive = tmp_path / f"kit-sandbox-{os.getppid()}-abc.log"  # the process that started pytest still runs
    other = tmp_path / "kit-sandbox-old.log"  # no pid in the name: not ours to judge
    for p in (stale, alive, other):
        p.write_text("x")
    with ks.Sandbox(timeout=30) as sb:
        assert sb.call(math.sqrt, 4.0) == 2.0
        assert Path(sb._holder["worker"].log_path).name.startswith(f"kit-sandbox-{os.getpid()}-")
    assert not stale.exists() and alive.exists() and other.exists()
    assert not list(tmp_path.glob(f"kit-sandbox-{os.getpid()}-*.log"))  # closed: its own log is gone
