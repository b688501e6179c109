"""kit.metadata.batch: batch rows, hostile files, the case step, tidy tables, ``dfkit metadata``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from kit.errors import DecoderCrash, DecoderTimeout
from kit.metadata import BATCH_COLUMNS, STEP, extract, extract_batch, findings_table, metadata_table
from kit.steps import run_step

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HOSTILE = SHARED / "hostile" / "pillow"
INVALID = SHARED / "metadata" / "exif-py" / "jpg" / "invalid"


@pytest.fixture()
def files(tmp_path: Path) -> list[Path]:
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    a = tmp_path / "a.jpg"
    Image.new("RGB", (20, 10), "red").save(a, exif=exif)
    b = tmp_path / "b.png"
    Image.new("RGB", (5, 5)).save(b)
    return [a, b]


def test_batch_equals_single(files: list[Path]) -> None:
    df = extract_batch([*files, files[0].parent / "missing.jpg"], isolate=False, c2pa=False)
    assert list(df.columns) == BATCH_COLUMNS
    assert list(df["status"]) == ["ok", "ok", "error"]
    assert "MediaError" in df["error"].iloc[2] and df["metadata"].iloc[2] is None
    for path, meta in zip(files, df["metadata"].iloc[:2], strict=True):
        assert meta == extract(path, c2pa=False)


class _FailingSandbox:
    """Stands in for kit.sandbox.Sandbox: the worker dies on the first file, hangs on the second."""

    def __init__(self) -> None:
        self.calls = 0

    def call(self, fn: object, *args: object, timeout: float | None = None) -> object:
        self.calls += 1
        if self.calls == 1:
            raise DecoderCrash("worker died (killed by SIGSEGV)")
        if self.calls == 2:
            raise DecoderTimeout(f"ran over {timeout:g} s")
        return fn(*args)  # type: ignore[operator]


def test_crash_and_timeout_become_error_rows(files: list[Path]) -> None:
    df = extract_batch([files[0], files[1], files[0]], sandbox=_FailingSandbox(), timeout=3, c2pa=False)
    assert list(df["status"]) == ["error", "error", "ok"]
    assert df["error"].iloc[0].startswith("DecoderCrash") and "3 s" in df["error"].iloc[1]
    assert df["metadata"].iloc[2].get("EXIF", "Make") == "Cam"


def test_isolated_batch_matches_in_process(files: list[Path]) -> None:
    iso = extract_batch(files, timeout=60, c2pa=False)
    local = extract_batch(files, isolate=False, c2pa=False)
    assert list(iso["status"]) == ["ok", "ok"]
    assert list(iso["metadata"]) == list(local["metadata"])  # same typed values (datetimes stay datetimes)


@pytest.mark.slow
@pytest.mark.skipif(not HOSTILE.exists(), reason="../shared/data absent")
def test_hostile_files_never_crash_the_batch() -> None:
    paths = sorted(p for p in HOSTILE.iterdir() if p.is_file())
    paths += sorted(INVALID.glob("*.jpg"))
    df = extract_batch(paths, timeout=10)
    assert len(df) == len(paths) >= 90
    assert df["path"].tolist() == [str(p) for p in paths]
    assert (df["seconds"] < 10.5).all()
    assert df["status"].isin(["ok", "error"]).all()
    assert df.loc[df["status"] == "error", "error"].str.len().gt(0).all()
    ok = df[df["status"] == "ok"]
    assert ok["metadata"].map(lambda m: len(m.get("File", "SHA256", ""))).eq(64).all()


def test_step_contract(files: list[Path]) -> None:
    assert (STEP.name, STEP.version, STEP.isolate) == ("metadata", "1", True)
    assert STEP.kinds == ("image", "video", "other")
    assert "exifread" in STEP.tool and "c2pa" in STEP.tool
    out = run_step(STEP, files[0])
    assert out.status == "ok", out.error
    assert out.payload["groups"]["EXIF"]["Make"] == "Cam"
    bad = run_step(STEP, files[0].parent / "missing.jpg")
    assert bad.status == "error" and "MediaError" in bad.error


def test_metadata_table(files: list[Path]) -> None:
    batch = extract_batch(files, isolate=False, c2pa=False)
    tidy = metadata_table(batch)
    assert list(tidy.columns) == ["sha256", "group", "tag", "value"]
    assert set(tidy["sha256"]) == set(batch["sha256"])
    stored = pd.DataFrame({"sha256": batch["sha256"], "status": "ok", "error": None,
                           "payload": [m.to_dict() for m in batch["metadata"]]})  # fmt: skip
    assert len(metadata_table(stored)) == len(tidy)


def test_case_runs_new_media_only_and_cli(tmp_path: Path, files: list[Path], capsys: pytest.CaptureFixture) -> None:
    case_mod = pytest.importorskip("kit.case")
    from kit.cli import metadata as cli

    src = files[0].parent
    case = case_mod.Case.create(tmp_path / "case", title="t")
    case.ingest(src)
    first = case.run(STEP)
    assert len(first) == 2 and (first["status"] == "ok").all()
    assert len(case.pending(STEP)) == 0
    Image.new("RGB", (6, 6)).save(src / "c.jpg")
    case.ingest(src)
    assert len(case.pending(STEP)) == 1
    table = findings_table(case.results("metadata"), case.posts(), media=case.media())
    assert {"sha256", "post_id", "code"} <= set(table.columns)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["metadata", "--case", str(case.path), "--no-progress"])
    case.close()
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "1 new file(s) read; 3 stored, 0 with errors" in out
    assert "EXIF_STRIPPED" in out
