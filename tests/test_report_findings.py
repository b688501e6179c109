"""Findings grouped: one line per (severity, code) with the files folded under it; every file's row kept."""

from __future__ import annotations

import re

import pandas as pd
import pytest

pytest.importorskip("IPython")

from kit.report.findings import PER_FILE_COLUMNS, by_code, per_file  # noqa: E402

A, B, C = "a" * 64, "b" * 64, "c" * 64


def _table(rows):
    return pd.DataFrame(rows, columns=["sha256", "post_id", "code", "severity", "message", "tag", "value"])


TABLE = _table([
    (A, "p1", "EXIF_STRIPPED", "low", "No EXIF.", "EXIF", None),
    (A, "p2", "EXIF_STRIPPED", "low", "No EXIF.", "EXIF", None),
    (B, "p3", "EXIF_STRIPPED", "low", "No EXIF.", "EXIF", None),
    (B, "p3", "JPEG_RESAVED", "low", "quality 70", "JPEG", 70),
    (C, "p4", "JPEG_RESAVED", "low", "quality <b>90</b>", "JPEG", 90),
    (C, "p4", "COMPOSITE_OF_SOURCE", "high", "p4 is p1 with a region replaced", "source comparison", "{}"),
    (C, "p5", "COMPOSITE_OF_SOURCE", "high", "p4 is p1 with a region replaced", "source comparison", "{}"),
])


def test_per_file_has_one_row_per_file_and_code_most_serious_first():
    rows = per_file(TABLE)
    assert list(rows.columns) == PER_FILE_COLUMNS
    assert list(zip(rows["code"], rows["sha256"])) == [
        ("COMPOSITE_OF_SOURCE", C), ("EXIF_STRIPPED", A), ("EXIF_STRIPPED", B), ("JPEG_RESAVED", B),
        ("JPEG_RESAVED", C)]
    assert rows["posts"].tolist() == ["p4, p5", "p1, p2", "p3", "p3", "p4"]
    assert per_file(TABLE.iloc[::-1]).equals(rows)  # the input order does not matter
    assert per_file(TABLE.iloc[:0]).empty


def test_by_code_has_one_line_per_code_with_counts_and_folded_files():
    lines = by_code(TABLE)
    assert lines["code"].tolist() == ["COMPOSITE_OF_SOURCE", "EXIF_STRIPPED", "JPEG_RESAVED"]
    assert lines["files"].tolist() == [1, 2, 2] and lines["posts"].tolist() == [2, 3, 2]
    assert 'class="sev-high"' in lines["severity"].iloc[0]
    exif = lines.set_index("code").loc["EXIF_STRIPPED"]
    assert exif["meaning"] == "No EXIF."
    assert re.fullmatch(r"<details><summary>2 files</summary><ul>(<li>.*?</li>){2}</ul></details>", exif["which files"])
    assert f"<code>{A[:16]}</code> in posts p1, p2" in exif["which files"]
    jpeg = lines.set_index("code").loc["JPEG_RESAVED"]
    assert jpeg["meaning"] == "2 different messages, one per file"  # then each file says its own
    assert "quality 70" in jpeg["which files"] and "quality &lt;b&gt;90&lt;/b&gt;" in jpeg["which files"]
