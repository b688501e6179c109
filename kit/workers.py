"""Process pools for the kit's CPU-bound batches (keypoints, inheritance evidence).

One place that says how the kit starts worker processes: ``forkserver`` where the
platform has it (``spawn`` elsewhere; a forked copy of a process holding OpenCV
or Dask threads can deadlock), and one thread per worker, since OpenCV's and
the BLAS libraries' own thread pools would otherwise run ``workers x cores``
threads on ``cores`` cores (see :func:`single_thread`). Scripts that use a pool need the
``if __name__ == "__main__":`` guard: forkserver re-imports the main module.
"""

from __future__ import annotations

from typing import Any

__all__ = ["process_pool", "single_thread", "trim_heap"]


def single_thread() -> None:
    """Pool initializer: one thread for OpenCV, OpenMP and BLAS in this process.

    The environment variables reach the libraries loaded from now on; numpy's OpenBLAS is
    already loaded in a forkserver child (the server imports the main module's imports), so
    its pool is set through threadpoolctl. Measured: a lineage worker ran at 200 % CPU, half of
    it system time, with OpenBLAS's two threads spinning beside the other worker."""
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    import cv2
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    threadpool_limits(limits=1)


def process_pool(workers: int) -> Any:
    """A ``concurrent.futures.ProcessPoolExecutor`` of ``workers`` single-threaded processes."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=single_thread)


def trim_heap() -> None:
    """Give freed heap back to the system (glibc ``malloc_trim``; elsewhere nothing). A pool worker
    takes one batch after another and otherwise holds on to what a big one freed: the spread's
    group evidence held 0.9-1.0 GB after each cluster of 306-387 copies (0.07 GB once trimmed);
    at 10,000 posts a worker went from 11 GB during one cluster back to 1.4 GB after it."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
