"""Every notebook executes headless with papermill on the demo case (case_path injected), and is
committed clean: first cell tagged ``parameters``, no outputs, short cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _demo import demo_case_dir

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["00_case_overview.ipynb", "01_intake.ipynb", "02_reposts.ipynb", "03_detectors.ipynb",
             "04_spread.ipynb"]


CLEAN = [f"notebooks/{n}" for n in NOTEBOOKS] + ["kit/report/case_report.ipynb"]


@pytest.mark.parametrize("name", CLEAN, ids=[Path(n).stem for n in CLEAN])
def test_notebook_is_committed_clean(name: str) -> None:
    nb = json.loads((ROOT / name).read_text())
    first = nb["cells"][0]
    assert first["cell_type"] == "code" and "parameters" in first["metadata"].get("tags", [])
    assert "case_path" in "".join(first["source"])
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "commit notebooks without outputs"
            lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip()]
            assert len(lines) <= 6, f"a cell of {len(lines)} lines: move the logic into kit/"


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_case_dir(tmp_path_factory.getbasetemp() / "demo")


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS, ids=[n.split(".")[0] for n in NOTEBOOKS])
def test_notebook_runs_on_demo_case(name: str, demo_case: Path, tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    out = tmp_path / name
    papermill.execute_notebook(str(ROOT / "notebooks" / name), str(out), parameters={"case_path": str(demo_case)},
                               cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False,
                               execution_timeout=300)
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    widgets = [o for c in nb["cells"] for o in c.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the app widget was not displayed"


@pytest.mark.slow
def test_intake_notebook_creates_a_case_and_ingests(demo_case: Path, tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    from kit.case import Case

    manifest = demo_case.parent / "incident" / "manifest.csv"
    new_case = tmp_path / "new_case"
    papermill.execute_notebook(str(ROOT / "notebooks" / "01_intake.ipynb"), str(tmp_path / "out.ipynb"),
                               parameters={"case_path": str(new_case), "manifest": str(manifest)},
                               cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
    with Case.open(new_case) as case, Case.open(demo_case) as demo:
        assert len(case.posts()) == len(demo.posts()) > 100
        assert len(case.intake_report()) == len(demo.intake_report()) > 0  # the bad rows are reported
