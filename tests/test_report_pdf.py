"""dfkit report --pdf: the report printed by Debian's Chromium, offline, logged like the HTML."""

from __future__ import annotations

import json
import shutil
import unicodedata

import pytest

from _demo import demo_case_dir, fresh_copy
from kit.case import Case
from kit.cli import main
from kit.digest import hash_file
from kit.report.answers import QUESTIONS

pypdf = pytest.importorskip("pypdf")
pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")


@pytest.mark.slow
def test_the_demo_report_prints_to_pdf_with_its_answers(tmp_path_factory, capsys):
    base = tmp_path_factory.getbasetemp() / "demo"
    case_dir = fresh_copy(demo_case_dir(base), tmp_path_factory.mktemp("pdf") / "case")
    origin = json.loads((base / "incident" / "truth.json").read_text())["origin_post_id"]
    assert main(["report", "--case", str(case_dir), "--pdf"]) == 0
    pdf = case_dir / "exports" / "report.pdf"
    reader = pypdf.PdfReader(pdf)
    text = unicodedata.normalize("NFKC", " ".join(" ".join(p.extract_text().split()) for p in reader.pages))  # "ﬁ"
    assert len(reader.pages) > 1
    assert "At a glance" in text and all(q in text for q in QUESTIONS)
    assert f"Post {origin} on " in text and "A composite: post " in text
    with Case.open(case_dir) as case:
        entry = case.custody().iloc[-1]
    assert entry["action"] == "report.exported" and entry["subject"] == "report.pdf"
    d = entry["details"]
    assert d["sha256"] == hash_file(pdf)[0] and d["pages"] == len(reader.pages) and d["format"] == "pdf"
    assert d["printed_from"]["sha256"] == hash_file(case_dir / "exports" / "report.html")[0]
    assert "pages" in capsys.readouterr().out


def test_a_page_that_asks_for_a_remote_resource_is_not_printed(tmp_path):
    from kit.report.notebook import ReportError
    from kit.report.pdf import print_pdf

    page = tmp_path / "r.html"
    page.write_text('<html><body><h1>Report</h1><img src="https://example.org/pixel.png"></body></html>')
    with pytest.raises(ReportError, match="remote resource.*example.org"):
        print_pdf(page, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()
    page.write_text("<html><body><h1>Report</h1><p>offline</p></body></html>")
    res = print_pdf(page, tmp_path / "r.pdf")
    assert res.pages == len(pypdf.PdfReader(res.path).pages) == 1 and res.refused == []
