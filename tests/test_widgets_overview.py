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
