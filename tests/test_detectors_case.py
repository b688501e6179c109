"""Case integration: detector steps run incrementally, scores_table over case results, CLI run."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

case_mod = pytest.importorskip("kit.case")


def _img(seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)


def test_case_run_and_scores_table(tmp_path, capsys):
    import cv2

    from kit.cli.detectors import register
    from kit.detectors import detector_step, scores_table

    src = tmp_path / "in"
    src.mkdir()
    for k in range(2):
        cv2.imwrite(str(src / f"{k}.jpg"), _img(k))
    (src / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    case = case_mod.Case.create(tmp_path / "case", title="t", analyst="a")
    case.ingest(src)
    first = case.run(detector_step("ela"))
    assert len(first) == 3 and (first["status"] == "error").sum() == 1
    assert case.pending(detector_step("ela")) == []  # only new media (sha256 + version) is scored
    assert len(case.pending(detector_step("ela", quality=80))) == 3  # other settings, other version
    assert len(case.pending(detector_step("noise"))) == 3
    table = scores_table({"ela": case.results("detector.ela")})
    assert len(table) == 3 and table["error"].notna().sum() == 1
    assert table["score"].notna().sum() == 2
    case.close()
    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["detectors", "run", "--case", str(tmp_path / "case"), "--detector", "ela",
                         "--detector", "noise"])
    assert args.func(args) == 1  # the broken file is an error row
    out = capsys.readouterr().out
    assert "ela" in out and "noise" in out and "error row" in out
