"""kit.workers: the heap a big batch freed goes back to the system (glibc)."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import pytest

from kit.workers import trim_heap


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(platform.system() != "Linux" or not platform.libc_ver()[0] == "glibc",
                    reason="malloc_trim is glibc's")
def test_the_heap_a_big_batch_freed_goes_back_to_the_system():
    """Arrays under glibc's mmap threshold live on the heap; freed, the heap keeps their pages until
    trimmed (a spread worker held 1 GB after each merged cluster, and grew to 11 GB over six)."""
    arrays = [np.ones(12_000) for _ in range(3000)]  # 96 KB each, about 290 MB
    last = arrays[-1]  # the top of the heap stays in use: nothing is given back on free alone
    del arrays
    held = _resident_mb()
    trim_heap()
    assert held - _resident_mb() > 200, (held, _resident_mb())
    assert last.sum() == 12_000
