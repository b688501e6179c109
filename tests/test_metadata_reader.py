"""kit.metadata.reader / record: file facts, type checks, tidy view, round trip, errors."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from kit.errors import MediaError
from kit.metadata import MediaMetadata, extract, extract_for_step
from kit.metadata.reader import extension_mismatch


def _save(path: Path, fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> Path:
    Image.new(mode, size, "white").save(path, fmt)
    return path


@pytest.mark.parametrize(
    ("name", "fmt", "mime", "mismatch"),
    [
        pytest.param("a.jpg", "JPEG", "image/jpeg", False, id="jpg"),
        pytest.param("a.JPEG", "JPEG", "image/jpeg", False, id="jpeg-upper"),
        pytest.param("a.png", "JPEG", "image/jpeg", True, id="jpeg-named-png"),
        pytest.param("a.png", "PNG", "image/png", False, id="png"),
        pytest.param("a.jpg", "WEBP", "image/webp", True, id="webp-named-jpg"),
        pytest.param("a.tiff", "TIFF", "image/tiff", False, id="tiff"),
        pytest.param("a.gif", "GIF", "image/gif", False, id="gif"),
        pytest.param("noext", "PNG", "image/png", None, id="no-extension"),
    ],
)
def test_file_facts(tmp_path: Path, name: str, fmt: str, mime: str, mismatch: bool | None) -> None:
    p = _save(tmp_path / name, fmt)
    meta = extract(p, c2pa=False)
    f = meta.groups["File"]
    data = p.read_bytes()
    assert f["SHA256"] == hashlib.sha256(data).hexdigest() == meta.sha256
    assert f["MD5"] == hashlib.md5(data).hexdigest()  # noqa: S324
    assert (f["Size"], f["MIMEType"], f["Kind"]) == (len(data), mime, "image")
    assert f.get("ExtensionMismatch") is mismatch
    assert (f["ImageWidth"], f["ImageHeight"]) == (40, 30)


@pytest.mark.parametrize(
    ("detected", "name", "expected"),
    [
        pytest.param("jpg", "x.jfif", False, id="jfif"),
        pytest.param("tif", "x.dng", False, id="dng"),
        pytest.param("mp4", "x.mov", False, id="mov"),
        pytest.param("png", "x.gif", True, id="png-gif"),
        pytest.param("", "x.png", None, id="unknown-type"),
        pytest.param("png", None, None, id="no-name"),
    ],
)
def test_extension_mismatch(detected: str, name: str | None, expected: bool | None) -> None:
    assert extension_mismatch(detected, name) is expected


def test_other_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    meta = extract(p)
    assert meta.get("File", "Kind") == "other"
    assert set(meta.groups) == {"File"} and meta.warnings == ()


def test_corrupt_image_keeps_file_facts(tmp_path: Path) -> None:
    p = tmp_path / "bad.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    meta = extract(p, c2pa=False)
    assert meta.get("File", "MIMEType") == "image/png"
    assert any(w.startswith("File: ") for w in meta.warnings)
    assert "0x" not in " ".join(meta.warnings)  # no object addresses: messages are reproducible


@pytest.mark.parametrize("what", ["missing", "directory"], ids=str)
def test_unreadable_path_raises_media_error(tmp_path: Path, what: str) -> None:
    p = tmp_path / "nope.jpg" if what == "missing" else tmp_path
    with pytest.raises(MediaError, match="cannot read"):
        extract(p)


def test_tidy_table_and_round_trip(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    exif[0x0132] = "2024:01:02 03:04:05"
    p = tmp_path / "t.jpg"
    Image.new("RGB", (8, 8)).save(p, exif=exif)
    meta = extract(p, c2pa=False)
    table = meta.table()
    assert list(table.columns) == ["group", "tag", "value"]
    assert table["group"].iloc[0] == "File"
    assert ((table["group"] == "EXIF") & (table["tag"] == "Make") & (table["value"] == "Cam")).sum() == 1
    payload = extract_for_step(p)
    back = MediaMetadata.from_dict(payload)
    assert back.get("EXIF", "ModifyDate") == "2024-01-02T03:04:05"  # datetimes are ISO strings in storage
    assert back.get("File", "SHA256") == meta.sha256


def test_jpeg_dimensions_come_from_sof_without_decoding(tmp_path: Path) -> None:
    p = tmp_path / "big.jpg"
    buf = io.BytesIO()
    Image.new("L", (1000, 10)).save(buf, "JPEG")
    p.write_bytes(buf.getvalue())
    meta = extract(p, c2pa=False)
    assert (meta.get("File", "ImageWidth"), meta.get("File", "ImageHeight")) == (1000, 10)
    assert meta.get("JPEG", "ChromaSubsampling") == "grayscale"


def test_big_file_hashes_all_but_parses_head_and_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kit.metadata.reader as ex

    monkeypatch.setattr(ex, "MAX_READ", 2 << 20)  # parse 1 MiB head + 1 MiB tail
    blob = bytes(range(256)) * (5 * 4096)  # 5 MiB
    p = tmp_path / "big.bin"
    p.write_bytes(blob + b"<x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>")
    data, facts = ex._read(p)
    assert facts["SHA256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert facts["Partial"] is True and len(data) < 3 << 20  # head + tail (+ at most one read chunk)
    assert data.endswith(b"</x:xmpmeta>") and data.startswith(blob[:1000])
    meta = ex.extract(p)
    assert meta.get("File", "Size") == p.stat().st_size
    assert any("head and tail" in w for w in meta.warnings)


# -- no local path in stored results (issue 19, item 8) ----------------------------------------------------

BROKEN_MP4 = bytes([0, 0, 0, 24]) + b"ftypmp42" + bytes(100)  # ffprobe: "<full path>: Invalid data found"


def test_the_step_result_names_the_file_not_its_folder(tmp_path):
    folder = tmp_path / "home-of-ana-7f3c"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(BROKEN_MP4)
    payload = extract_for_step(folder / "clip.mp4")
    assert payload["path"] == "clip.mp4" and payload["sha256"]
    assert "home-of-ana-7f3c" not in json.dumps(payload), payload["warnings"]


def test_a_case_with_a_broken_video_can_be_shared(tmp_path):
    """Before: the ffprobe warning kept the case's absolute path, and bundle export refused the case."""
    from kit.case import Case
    from kit.metadata import STEP
    from kit.report import export_bundle

    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "clip.mp4").write_bytes(BROKEN_MP4)
    case = Case.create(tmp_path / "case")
    case.ingest(tmp_path / "inc", format="folder")
    [payload] = case.run(STEP)["payload"]
    assert payload["path"].endswith(".mp4") and "/" not in payload["path"]
    assert str(tmp_path) not in json.dumps(payload)
    assert export_bundle(case, tmp_path / "b.zip", with_evidence=True).is_file()
