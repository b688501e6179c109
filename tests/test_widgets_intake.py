"""Intake app: ingest through the app, the intake report, evidence filters, findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from _demo import small_case, small_incident
from kit.case import Case
from kit.widgets.intake import IntakeApp


def test_ingest_through_the_app(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "case", analyst="tester")
    app = IntakeApp(case, source=small_incident(tmp_path / "inc"))
    assert len(app.value) == 0
    app.ingest_button.click()
    assert len(case.posts()) == 4 and len(app.value) == 4
    assert "missing.jpg" in app.report.value and "line" in app.report.value
    assert "1 bad rows" in app.last.value


def test_bad_source_is_reported(tmp_path: Path) -> None:
    app = IntakeApp(Case.create(tmp_path / "case"))
    app.ingest(tmp_path / "nowhere.csv")
    assert "not ingested" in app.last.value


def test_filters_before_metadata(tmp_path: Path) -> None:
    app = IntakeApp(small_case(tmp_path))
    assert app.has_exif.disabled and "not computed yet" in app.findings.value
    app.platform.value = "telegram"
    assert sorted(app.value["post_id"]) == ["p3", "p4"]
    app.kind.value = "video"
    assert app.value.empty


@pytest.mark.parametrize(("control", "choice", "expected"), [
    pytest.param("has_exif", False, ["p1", "p2", "p3", "p4"], id="no-exif"),
    pytest.param("has_c2pa", True, [], id="c2pa"),
    pytest.param("has_findings", True, ["p1", "p2"], id="findings"),
])
def test_filters_after_metadata(tmp_path: Path, control: str, choice: bool, expected: list) -> None:
    app = IntakeApp(small_case(tmp_path, metadata=True))
    assert not app.has_exif.disabled
    getattr(app, control).value = choice
    assert sorted(app.value["post_id"]) == expected
