"""Case overview: the summary, and the blur setting it stores in the case."""

from __future__ import annotations

from pathlib import Path

from _demo import small_case
from kit.widgets.overview import CaseOverview


def test_summary_counts(tmp_path: Path) -> None:
    app = CaseOverview(small_case(tmp_path))
    v = app.value
    assert (v["posts"], v["files"], v["images"], v["bad intake rows"], v["blur_media"]) == (4, 4, 4, 1, True)
    assert "not computed yet" in app.steps.value  # metadata / hashes not run on this case


def test_blur_checkbox_changes_case_setting(tmp_path: Path) -> None:
    case = small_case(tmp_path)
    app = CaseOverview(case)
    app.blur.value = False
    assert case.settings()["blur_media"] is False
    log = case.custody()
    details = log.iloc[-1]["details"]
    assert log.iloc[-1]["action"] == "setting.changed" and details["value"] is False
    assert list(details["vouched"]) == ["settings"], "the entry vouches for the row it wrote"
    assert app.value["blur_media"] is False


def test_the_conclusion_and_notes_are_stored_as_the_analysts_decisions(tmp_path: Path) -> None:
    from kit.decisions import CONCLUSION_DECISION, NOTE_DECISION
    from kit.report.answers import first_screen

    case = small_case(tmp_path)
    app = CaseOverview(case)
    app.conclusion.value = "  A <b>composite</b> of p1  "
    app.save_conclusion(app.conclusion.value)
    app.add_note("")  # an empty note stores nothing
    app.note_text.value = "checked the EXIF by hand"
    app.add_note(app.note_text.value)
    d = case.decisions()
    assert d["kind"].tolist() == [CONCLUSION_DECISION, NOTE_DECISION]
    assert d["value"].tolist() == ["A <b>composite</b> of p1", "checked the EXIF by hand"]
    assert set(d["analyst"]) == {"tester"} and app.note_text.value == ""
    assert case.custody()["action"].tolist()[-2:] == ["decision", "decision"]
    assert "A &lt;b&gt;composite&lt;/b&gt; of p1" in first_screen(case).data
    assert CaseOverview(case).conclusion.value == "A <b>composite</b> of p1"  # reopened: the stored conclusion
