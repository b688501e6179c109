"""Bad arguments give one clear line and exit status 2, never a traceback (issue 19, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.case import Case
from kit.cli import main

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture()
def places(tmp_path) -> dict[str, str]:
    Case.create(tmp_path / "case", analyst="ana")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(JPEG)
    (tmp_path / "empty").mkdir()
    (tmp_path / "folder").mkdir()
    (tmp_path / "zero").mkdir()
    (tmp_path / "zero" / "case.sqlite").write_bytes(b"")
    (tmp_path / "notzip").write_bytes(b"PK\x03\x04 not really")
    return {k: str(tmp_path / k) for k in ("case", "real", "empty", "folder", "zero", "notzip", "missing")}


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["detectors", "eval", "--real", "{missing}", "--fake", "{real}"], "--real .*: no such folder",
                     id="eval-missing-real"),
        pytest.param(["detectors", "eval", "--real", "{real}", "--fake", "{missing}"], "--fake .*: no such folder",
                     id="eval-missing-fake"),
        pytest.param(["detectors", "eval", "--real", "{real}", "--fake", "{empty}"], "--fake .*: no images",
                     id="eval-empty-fake"),
        pytest.param(["detectors", "train", "--real", "{real}", "--fake", "{real}", "--out", "{folder}"],
                     "is a folder", id="train-out-folder"),
        pytest.param(["report", "--case", "{case}", "--out", "{folder}"], "is a folder", id="report-out-folder"),
        pytest.param(["bundle", "export", "--case", "{case}", "--out", "{folder}"], "is a folder",
                     id="bundle-out-folder"),
        pytest.param(["bundle", "verify", "{notzip}"], "not a readable zip", id="bundle-not-a-zip"),
        pytest.param(["verify", "--case", "{zero}"], "empty \\(0 bytes\\)", id="verify-zero-byte-database"),
        pytest.param(["verify", "--case", "{missing}"], "no case here", id="verify-no-case"),
    ],
)
def test_clear_error_and_exit_2(places, capsys, argv, message):
    import re

    assert main([a.format(**places) for a in argv]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "Traceback" not in err, err
    assert Path(places["zero"], "case.sqlite").stat().st_size == 0, "never re-created"
