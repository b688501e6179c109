"""Process pools for the kit's CPU-bound batches (keypoints, inheritance evidence).

One place that says how the kit starts worker processes: ``forkserver`` where the
platform has it (``spawn`` elsewhere; a forked copy of a process holding OpenCV
or Dask threads can deadlock), and one thread per worker, since OpenCV's and
the BLAS libraries' own thread pools would otherwise run ``workers x cores``
threads on ``cores`` cores. Scripts that use a pool need the
``if __name__ == "__main__":`` guard: forkserver re-imports the main module.
"""

from __future__ import annotations

from typing import Any

__all__ = ["process_pool", "single_thread"]


def single_thread() -> None:
    """Pool initializer: one thread for OpenCV, OpenMP and BLAS in this process."""
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    import cv2

    cv2.setNumThreads(1)


def process_pool(workers: int) -> Any:
    """A ``concurrent.futures.ProcessPoolExecutor`` of ``workers`` single-threaded processes."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=single_thread)
