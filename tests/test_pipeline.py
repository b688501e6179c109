"""The whole job on a case: every step runs, bad files become error rows, the batch goes on."""

from __future__ import annotations

from pathlib import Path

from conftest import shared_path
from kit.case import Case
from kit.media import PROBE_STEP
from kit.pipeline import analysis_steps, run_all


def test_analysis_steps_are_unique_and_versioned():
    steps = analysis_steps()
    names = [s.name for s in steps]
    assert len(names) == len(set(names)) and "media.probe" in names
    assert all(s.version for s in steps)


def test_hostile_folder_gives_a_row_per_file(tmp_path):
    hostile = shared_path("hostile", "pillow")
    case = Case.create(tmp_path / "case")
    rep = case.ingest(hostile)
    n_files = len({p.name for p in Path(hostile).rglob("*") if p.is_file()})
    assert rep.n_new_posts + len(rep.issues) >= n_files - 1
    res = case.run(PROBE_STEP)
    media = case.media()
    applicable = media[media.kind.isin(PROBE_STEP.kinds)]
    assert len(res) == len(applicable), "every stored file has a result row"
    errors = res[res.status == "error"]
    assert len(errors) > 10 and errors["error"].str.startswith("media.probe: ").all()
    assert not errors["error"].str.contains(str(case.path)).any(), "no local paths in errors"
    assert case.verify().ok


def test_run_all_on_a_small_case(tmp_path, capsys):
    (tmp_path / "m").mkdir()
    from PIL import Image

    Image.new("RGB", (64, 48), "red").save(tmp_path / "m" / "a.jpg")
    (tmp_path / "m" / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    case = Case.create(tmp_path / "case")
    case.ingest(tmp_path / "m")
    summary = run_all(case)
    assert summary["media.probe"] == {"items": 2, "errors": 1, "seconds": summary["media.probe"]["seconds"]}
    assert "step media.probe" in capsys.readouterr().out
