"""Tests for kit.spread.facts: direction-cue facts from real metadata and hash step payloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kit.spread.facts import FACT_COLUMNS, media_facts


def _step_rows(step, paths: dict) -> pd.DataFrame:
    from kit.steps import run_step

    rows = []
    for sha, path in paths.items():
        out = run_step(step, path)
        rows.append({"sha256": sha, "status": out.status, "payload": out.payload})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("facts")
    rng = np.random.default_rng(0)
    img = Image.fromarray((rng.random((30, 40, 3)) * 255).astype(np.uint8)).resize((320, 240))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "2026:03:14 19:31:07"  # DateTimeOriginal
    ifd[0x9011] = "-04:00"  # OffsetTimeOriginal
    img.save(d / "orig.jpg", quality=93, exif=exif.tobytes())
    img.resize((160, 120)).save(d / "copy.jpg", quality=71)
    canvas = Image.new("RGB", (160, 170), "white")  # a caption bar above the picture
    canvas.paste(img.resize((160, 120)), (0, 50))
    canvas.save(d / "bar.png")
    return {"orig": d / "orig.jpg", "copy": d / "copy.jpg", "bar": d / "bar.png"}


def test_facts_from_metadata_and_hash_payloads(files):
    import kit.metadata as md
    from kit.hashing import IMAGE_STEP

    meta = _step_rows(md.STEP, files)
    hashes = _step_rows(IMAGE_STEP, files)
    media = pd.DataFrame({"sha256": list(files) + ["gone"], "kind": "image",
                          "original_name": [p.name for p in files.values()] + ["gone.jpg"]})
    f = media_facts(meta, hashes, media).set_index("sha256")
    assert list(f.reset_index().columns) == FACT_COLUMNS
    assert f.loc["orig", "jpeg_quality"] == 93 and f.loc["copy", "jpeg_quality"] == 71
    assert pd.isna(f.loc["bar", "jpeg_quality"])
    assert bool(f.loc["orig", "has_exif"]) and not bool(f.loc["copy", "has_exif"])
    assert str(f.loc["orig", "exif_time"]) == "2026-03-14 23:31:07+00:00"  # -04:00 offset applied
    assert (f.loc["orig", "width"], f.loc["orig", "height"]) == (320, 240)
    assert not bool(f.loc["orig", "has_c2pa"])
    assert bool(f.loc["bar", "added_content"]) and f.loc["bar", "added_reason"] in {"border", "frame"}
    assert not bool(f.loc["orig", "added_content"])
    assert f.loc["gone", "error"] == "no metadata or hash result"  # kept, with the reason


def test_c2pa_ingredient_titles_resolve_to_case_files():
    meta = pd.DataFrame({"sha256": ["child", "parent"], "status": "ok", "payload": [
        {"groups": {"C2PA": {"Present": True, "Ingredients": [{"title": "photo.jpg"}]}}},
        {"groups": {"C2PA": {"Present": True}}}]})
    media = pd.DataFrame({"sha256": ["child", "parent"], "kind": "image",
                          "original_name": ["edit.jpg", "photo.jpg"]})
    f = media_facts(meta, None, media).set_index("sha256")
    assert f.loc["child", "c2pa_ingredients"] == ["parent"] and f.loc["parent", "c2pa_ingredients"] == []


@pytest.mark.parametrize("exif, expected", [
    pytest.param({"DateTimeOriginal": "2026-01-02T03:04:05+02:00"}, "2026-01-02 01:04:05+00:00", id="zoned"),
    pytest.param({"DateTimeOriginal": "2026-01-02T03:04:05"}, None, id="no-zone-no-time"),
    pytest.param({"CreateDate": "2026-01-02T03:04:05", "OffsetTime": "+01:00"}, "2026-01-02 02:04:05+00:00",
                 id="offset-tag"),
    pytest.param({"DateTimeOriginal": "garbage"}, None, id="unparsable"),
])
def test_exif_time(exif, expected):
    meta = pd.DataFrame({"sha256": ["s"], "status": ["ok"], "payload": [{"groups": {"EXIF": exif}}]})
    t = media_facts(meta).loc[0, "exif_time"]
    assert (None if t is None or pd.isna(t) else str(t)) == expected


def test_error_rows_are_not_facts():
    meta = pd.DataFrame({"sha256": ["s"], "status": ["error"], "payload": [None]})
    f = media_facts(meta, None, pd.DataFrame({"sha256": ["s"], "kind": ["image"]}))
    assert f.loc[0, "error"] == "no metadata or hash result" and f.loc[0, "has_exif"] is None


def test_the_luma_table_and_the_path_are_the_files_own(files):
    # the table that kit.spread.lattice tests a re-encode against: the file's first table as libjpeg
    # (through jpeglib) reads it, in natural order; the path from the media table
    import kit.metadata as md
    from kit.spread.lattice import lattice_of

    meta = _step_rows(md.STEP, files)
    media = pd.DataFrame({"sha256": list(files), "kind": "image", "path": [str(p) for p in files.values()]})
    f = media_facts(meta, None, media).set_index("sha256")
    for name in ("orig", "copy"):
        assert np.array_equal(np.reshape(f.loc[name, "jpeg_luma_table"], (8, 8)), lattice_of(files[name]).q)
        assert f.loc[name, "path"] == str(files[name])
    assert f.loc["bar", "jpeg_luma_table"] is None
