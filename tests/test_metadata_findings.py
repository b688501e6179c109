"""kit.metadata.findings: each red flag fires on its evidence and only there."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from kit.metadata import MediaMetadata, extract, findings, findings_table

EXIFTOOL = shutil.which("exiftool")
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
JPEG_FILE = {"Kind": "image", "MIMEType": "image/jpeg", "DetectedExtension": "jpg"}
CAMERA = {"Make": "NIKON", "Model": "D70"}


def _meta(**groups: dict) -> MediaMetadata:
    base = {"File": dict(JPEG_FILE), "EXIF": dict(CAMERA)}
    base.update(groups)
    return MediaMetadata("x.jpg", "0" * 64, {k: v for k, v in base.items() if v is not None})


@pytest.mark.parametrize(
    ("meta", "code", "severity"),
    [
        pytest.param(_meta(C2PA={"AIGenerated": True, "AISourceType": "trainedAlgorithmicMedia"}),
                     "AI_GENERATED_C2PA", "high", id="c2pa-ai"),
        pytest.param(_meta(XMP={"Iptc4xmpExt:DigitalSourceType": f"{DST}trainedAlgorithmicMedia"}),
                     "AI_GENERATED_IPTC", "high", id="iptc-ai"),
        pytest.param(_meta(XMP={"Iptc4xmpExt:DigitalSourceType": f"{DST}compositeWithTrainedAlgorithmicMedia"}),
                     "AI_GENERATED_IPTC", "high", id="iptc-composite"),
        pytest.param(_meta(C2PA={"Status": "invalid", "Failures": ["claimSignature.mismatch: x"]}),
                     "C2PA_INVALID", "high", id="c2pa-invalid"),
        pytest.param(_meta(C2PA={"Status": "untrusted", "Signer": "Test"}), "C2PA_UNTRUSTED_SIGNER", "info",
                     id="c2pa-untrusted"),
        pytest.param(_meta(EXIF={**CAMERA, "Software": "Adobe Photoshop 25.0"}), "EDITED_WITH_SOFTWARE",
                     "medium", id="exif-software"),
        pytest.param(_meta(XMP={"xmp:CreatorTool": "GIMP 2.10"}), "EDITED_WITH_SOFTWARE", "medium",
                     id="xmp-creatortool"),
        pytest.param(_meta(XMP={"xmpMM:History": [{"stEvt:action": "saved",
                                                   "stEvt:softwareAgent": "Adobe Lightroom 5.3"}]}),
                     "EDITED_WITH_SOFTWARE", "medium", id="xmp-history"),
        pytest.param(_meta(EXIF={**CAMERA, "Software": "Midjourney v6"}), "AI_TOOL_NAMED", "high", id="ai-tool"),
        pytest.param(_meta(File={**JPEG_FILE, "Extension": "png", "ExtensionMismatch": True}),
                     "EXTENSION_MISMATCH", "medium", id="extension"),
        pytest.param(_meta(EXIF=None), "EXIF_STRIPPED", "low", id="exif-stripped"),
        pytest.param(_meta(**{"EXIF-Thumbnail": {"ThumbnailPhashDistance": 30}}), "THUMBNAIL_DIFFERS", "high",
                     id="thumbnail"),
        pytest.param(_meta(EXIF=None, JPEG={"EstimatedQuality": 85, "StandardTables": True}), "JPEG_RESAVED",
                     "low", id="resaved"),
        pytest.param(_meta(JPEG={"TrailingBytes": 500, "TrailingIsJPEG": False}), "TRAILING_DATA", "medium",
                     id="trailing"),
        pytest.param(_meta(JPEG={"MissingEOI": True}), "TRUNCATED", "low", id="truncated"),
        pytest.param(_meta(EXIF={**CAMERA, "GPSLatitude": 43.46, "GPSLongitude": 11.88}), "GPS_PRESENT", "info",
                     id="gps"),
    ],
)  # fmt: skip
def test_finding_fires(meta: MediaMetadata, code: str, severity: str) -> None:
    found = {f.code: f for f in findings(meta)}
    assert code in found
    assert found[code].severity == severity
    assert found[code].message


def test_clean_camera_file_has_no_findings() -> None:
    meta = _meta(JPEG={"EstimatedQuality": 92, "StandardTables": False, "TrailingBytes": 0},
                 **{"EXIF-Thumbnail": {"ThumbnailPhashDistance": 2}})  # fmt: skip
    assert findings(meta) == []


@pytest.mark.parametrize(
    ("captured", "posted", "fires"),
    [
        pytest.param("2024-05-02T10:00:00+00:00", "2024-05-01T12:00:00Z", True, id="aware-after"),
        pytest.param("2024-05-01T10:00:00+00:00", "2024-05-01T12:00:00Z", False, id="aware-before"),
        pytest.param("2024-05-01T20:00:00", "2024-05-01T12:00:00Z", False, id="naive-within-slack"),
        pytest.param("2024-05-03T12:00:00", "2024-05-01T12:00:00Z", True, id="naive-days-after"),
        pytest.param(dt.datetime(2024, 5, 3), pd.Timestamp("2024-05-01", tz="UTC"), True, id="pandas-timestamp"),
        pytest.param("2024-05-03T12:00:00", pd.NaT, False, id="no-post-time"),
        pytest.param(None, "2024-05-01T12:00:00Z", False, id="no-capture-time"),
    ],
)  # fmt: skip
def test_capture_after_post(captured: object, posted: object, fires: bool) -> None:
    meta = _meta(EXIF={**CAMERA, "DateTimeOriginal": captured})
    codes = {f.code for f in findings(meta, {"posted_at": posted})}
    assert ("CAPTURE_AFTER_POST" in codes) is fires
    assert "CAPTURE_AFTER_POST" not in {f.code for f in findings(meta)}


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
@pytest.mark.parametrize("dst", ["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"], ids=str)
def test_exiftool_digital_source_type_fires(tmp_path: Path, dst: str) -> None:
    """Files tagged by exiftool (an outside writer) with an IPTC DigitalSourceType."""
    p = tmp_path / f"{dst}.jpg"
    Image.new("RGB", (16, 16), "gray").save(p)
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", f"-XMP-iptcExt:DigitalSourceType={DST}{dst}", str(p)],
                   check=True, timeout=60)  # fmt: skip
    meta = extract(p, c2pa=False)
    hits = [f for f in findings(meta) if f.code == "AI_GENERATED_IPTC"]
    assert len(hits) == 1
    assert hits[0].value == f"{DST}{dst}" and dst in hits[0].message


def test_findings_table() -> None:
    ok = _meta(EXIF={**CAMERA, "DateTimeOriginal": "2024-05-03T00:00:00+00:00", "GPSLatitude": 1.0,
                     "GPSLongitude": 2.0})  # fmt: skip
    results = pd.DataFrame([
        {"sha256": "a", "status": "ok", "error": None, "payload": ok.to_dict()},
        {"sha256": "b", "status": "error", "error": "DecoderTimeout: slow", "payload": None},
    ])  # fmt: skip
    plain = findings_table(results)
    assert list(plain.columns) == ["sha256", "code", "severity", "message", "tag", "value"]
    assert set(plain["code"]) == {"GPS_PRESENT", "METADATA_ERROR"}
    posts = pd.DataFrame({"post_id": ["p1", "p2"], "media_sha256": ["a", "a"],
                          "posted_at": pd.to_datetime(["2024-05-01", "2024-06-01"], utc=True)})  # fmt: skip
    media = pd.DataFrame({"sha256": ["a"], "original_name": ["photo.png"]})
    t = findings_table(results, posts, media=media)
    assert list(t.columns) == ["sha256", "post_id", "code", "severity", "message", "tag", "value"]
    late = t[t["code"] == "CAPTURE_AFTER_POST"]
    assert list(late["post_id"]) == ["p1"]
    assert set(t.loc[t["code"] == "EXTENSION_MISMATCH", "post_id"]) == {"p1", "p2"}
    assert t.loc[t["sha256"] == "b", "code"].tolist() == ["METADATA_ERROR"]
    empty = findings_table(results.iloc[:0])
    assert empty.empty and "code" in empty.columns


@pytest.mark.parametrize(
    ("software", "codes"),
    [
        pytest.param("Adobe Photoshop Lightroom Classic 13.0", {"EDITED_WITH_SOFTWARE"}, id="lightroom"),
        pytest.param("GIMP 2.10.34", {"EDITED_WITH_SOFTWARE"}, id="gimp"),
        pytest.param("Midjourney v6", {"AI_TOOL_NAMED"}, id="midjourney"),
        pytest.param("FLUX.1 [dev]", {"AI_TOOL_NAMED"}, id="flux"),
        pytest.param("Nikon Transfer 1.1 W", set(), id="camera-transfer-tool"),
        pytest.param("Ver.1.00", set(), id="firmware"),
        pytest.param("Imagenomic Portraiture", set(), id="not-imagen"),
        pytest.param("HDR+ 1.0.199571065zd", set(), id="phone-pipeline"),
    ],
)
def test_software_names(software: str, codes: set[str]) -> None:
    found = {f.code for f in findings(_meta(EXIF={**CAMERA, "Software": software}))}
    assert found & {"EDITED_WITH_SOFTWARE", "AI_TOOL_NAMED"} == codes
