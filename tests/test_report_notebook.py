"""The case report: papermill run in the case, offline HTML, no local paths, logged with its hash."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from kit.case import Case
from kit.digest import hash_file
from kit.report.notebook import build_report

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    import numpy as np
    from PIL import Image

    from kit.hashing import STEPS
    from kit.metadata import STEP

    root = tmp_path_factory.mktemp("report")
    (root / "m").mkdir()
    rng = np.random.default_rng(1)
    pic = Image.fromarray((rng.random((12, 16, 3)) * 255).astype(np.uint8)).resize((320, 240))
    pic.save(root / "m" / "0.jpg", quality=95)
    pic.resize((200, 150)).save(root / "m" / "1.jpg", quality=70)
    (root / "m" / "2.jpg").write_bytes(JPEG + b"broken")
    (root / "man.csv").write_text(
        "post_id,platform,account,posted_at,media_path\n"
        "p0,x,@origin,2024-03-01T10:00:00+01:00,m/0.jpg\n"
        "p1,fb,@b,2024-03-01T12:00:00Z,m/1.jpg\n"
        "p2,x,@c,not-a-time,m/2.jpg\n")
    case = Case.create(root / "case", title="Report test", analyst="ana")
    case.ingest(root / "man.csv")
    case.record_decision("origin", "p0", True, note="earliest upload")
    for step in (STEP, *STEPS):
        case.run(step)
    case.match(verify=False)
    return case, build_report(case), build_report(case, redact=True)


def test_report_written_and_logged(reported):
    case, result, redacted = reported
    assert result.html.name == "report.html" and redacted.html.name == "report-redacted.html"
    text = result.html.read_text()
    for heading in ("Summary", "Key findings", "Variant clusters", "Evidence", "Intake",
                    "Analyst decisions", "Custody log"):  # a section, or a part of the appendix
        assert re.search(f"<h[23]>{heading}</h[23]>", text), heading
    assert "earliest upload" in text and "not-a-time" in text
    assert hash_file(case.media()["path"].iloc[0])[0] in text  # hashes are listed
    log = case.custody()
    entries = log[log.action == "report.exported"]
    assert entries["details"].map(lambda d: d["sha256"]).tolist() == [result.sha256, redacted.sha256]
    assert hash_file(result.html)[0] == result.sha256


def test_no_local_paths_or_remote_scripts_leak(reported):
    case, result, redacted = reported
    needles = [str(case.path), str(Path.home()), os.environ.get("HOME", "/root"), str(case.path.parent)]
    for path in (result.html, result.notebook, redacted.html, redacted.notebook):
        text = path.read_text()
        for needle in needles:
            assert needle not in text, f"{path.name} leaks {needle}"
    assert not re.search(r'<script[^>]*src="https?://', result.html.read_text())


def test_report_code_cells_hidden(reported):
    _, result, _ = reported
    assert "S.summary(case)" not in result.html.read_text()


def test_thumbnails_blurred_by_default_and_absent_when_redacted(reported):
    _, result, redacted = reported
    text = result.html.read_text()
    assert 'title="blurred"' in text and 'title="not blurred"' not in text
    red = redacted.html.read_text()
    img = re.compile(r'<img[^>]*src="data:image')
    assert not img.search(red) and re.search(r"redacted<br\s*/?>", red)
    assert img.search(text)


def test_nothing_in_the_case_folder_is_imported_by_the_report(reported, tmp_path):
    """An imported case folder holding Python modules: the report kernel never has it on sys.path."""
    case, _, _ = reported
    marker = tmp_path / "ran"
    for module in ("kit/__init__.py", "pandas.py", "sitecustomize.py"):
        target = case.path / module
        target.parent.mkdir(exist_ok=True)
        target.write_text(f"open({str(marker)!r}, 'a').write({module!r})\n")
    try:
        result = build_report(case, tmp_path / "again.html", redact=True)
    finally:
        import shutil

        shutil.rmtree(case.path / "kit")
        (case.path / "pandas.py").unlink()
        (case.path / "sitecustomize.py").unlink()
    assert not marker.exists(), marker.read_text()
    assert "Custody log" in result.html.read_text()


def test_out_naming_a_folder_is_an_error(reported, tmp_path):
    from kit.report.notebook import ReportError

    case, _, _ = reported
    with pytest.raises(ReportError, match="is a folder"):
        build_report(case, tmp_path)


def test_scrub_removes_run_times_and_the_injected_cells_random_id():
    import nbformat

    from kit.report.notebook import _scrub

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "t0", "end_time": "t1", "duration": 1.5, "cwd": "/tmp/x",
                                "parameters": {"redact": False}}
    injected = nbformat.v4.new_code_cell("case_path = 'case-folder'")
    injected.metadata.update(tags=["injected-parameters"], execution={"iopub.status.busy": "t"},
                             papermill={"start_time": "t", "end_time": "t", "duration": 0.1, "status": "completed"})
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), injected]
    kept_id = nb.cells[0]["id"]
    _scrub(nb)
    assert nb.metadata["papermill"] == {"parameters": {"redact": False}}
    assert injected["id"] == "injected-parameters" and nb.cells[0]["id"] == kept_id
    assert injected.metadata == {"tags": ["injected-parameters"], "papermill": {"status": "completed"}}
    nbformat.validate(nb)


@pytest.mark.slow
def test_rendering_the_demo_twice_gives_identical_bytes(tmp_path_factory, monkeypatch):
    """Issue #15: the report is a function of the case, so two analysts can compare reports by hash.

    The second rendering runs in a kernel with another hash seed (set and dict order of strings) and sees
    the custody entries the first one logged.
    """
    from _demo import demo_case_dir, fresh_copy

    work = tmp_path_factory.mktemp("twice")
    case = Case.open(fresh_copy(demo_case_dir(tmp_path_factory.getbasetemp() / "demo"), work / "case"))
    runs: dict[tuple[str, bool], tuple[bytes, bytes]] = {}
    for seed in ("1", "2"):
        monkeypatch.setenv("PYTHONHASHSEED", seed)
        for redact in (False, True):
            r = build_report(case, work / f"report-{seed}-{redact}.html", redact=redact)
            runs[seed, redact] = (r.html.read_bytes(), r.notebook.read_bytes())
    for redact in (False, True):
        (html, nb), (html2, nb2) = runs["1", redact], runs["2", redact]
        assert html == html2, f"redact={redact}: the HTML differs between two renderings"
        assert nb == nb2, f"redact={redact}: the executed notebook differs between two renderings"
        assert not re.search(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-", html)  # no uuid4
    assert runs["1", False][0] != runs["1", True][0]
    logged = case.custody().query("action == 'report.exported'")["details"].map(lambda d: d["sha256"]).tolist()
    # the log stays complete: every rendering is an entry with its report's SHA-256
    assert logged == [hashlib.sha256(runs[s, r][0]).hexdigest() for s in ("1", "2") for r in (False, True)]
