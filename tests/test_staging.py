"""kit.staging: a live ingest's staging folder is kept, a dead one's is removed."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from kit.staging import Staging, clean_tmp, live_ingests


def _die_holding(case_dir: Path, ingest_id: int | None) -> None:
    staging = Staging(case_dir)
    if ingest_id is not None:
        staging.claim(ingest_id)
    (staging.dir / "00000001.part").write_bytes(b"half a file")
    os._exit(0)  # no cleanup: as after kill -9, the kernel drops the lock


@pytest.mark.parametrize("ingest_id", [pytest.param(5, id="claimed"), pytest.param(None, id="before-claim")])
def test_dead_staging_is_removed_and_named(tmp_path, ingest_id):
    proc = multiprocessing.get_context("fork").Process(target=_die_holding, args=(tmp_path, ingest_id))
    proc.start()
    proc.join()
    tmp = tmp_path / "evidence" / ".tmp"
    assert len(list(tmp.iterdir())) == 2 and live_ingests(tmp_path) == set()
    assert clean_tmp(tmp_path) == [ingest_id]
    assert list(tmp.iterdir()) == []


def test_live_staging_is_kept_and_loose_files_go(tmp_path):
    with Staging(tmp_path) as staging:
        staging.claim(3)
        part = staging.new_part()
        part.write_bytes(b"copy in progress")
        (tmp_path / "evidence" / ".tmp" / "123-old.part").write_bytes(b"older kit")  # loose: an old crash
        (tmp_path / "evidence" / ".tmp" / "orphan").mkdir()  # a folder whose lock went with its owner
        assert clean_tmp(tmp_path) == [None]
        assert part.read_bytes() == b"copy in progress" and live_ingests(tmp_path) == {3}
        assert sorted(p.name for p in (tmp_path / "evidence" / ".tmp").iterdir()) == sorted(
            [staging.dir.name, staging.lock.name])
    assert list((tmp_path / "evidence" / ".tmp").iterdir()) == []
