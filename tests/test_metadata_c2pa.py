"""kit.metadata.c2pa: C2PA fixtures from c2pa-rs, validation summary, missing extra."""

from __future__ import annotations

from pathlib import Path

import pytest

import kit.metadata.c2pa as c2pa_mod
from kit.errors import MissingExtra
from kit.metadata import extract, findings
from kit.metadata.c2pa import is_ai_source_type, read_c2pa, summarise_store

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
C2PA = SHARED / "metadata" / "c2pa"
needs_fixtures = pytest.mark.skipif(not C2PA.exists(), reason="../shared/data absent")
pytest.importorskip("c2pa")
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@needs_fixtures
@pytest.mark.parametrize(
    ("name", "mime", "present", "status", "ai"),
    [
        pytest.param("ocsp.jpg", "image/jpeg", True, "untrusted", True, id="ocsp-firefly"),
        pytest.param("E-sig-CA.jpg", "image/jpeg", True, "invalid", False, id="bad-signature"),
        pytest.param("XCA.jpg", "image/jpeg", True, "invalid", False, id="bad-hash"),
        pytest.param("C.jpg", "image/jpeg", True, "untrusted", True, id="test-cert"),
        pytest.param("CA.jpg", "image/jpeg", True, "untrusted", False, id="edited"),
        pytest.param("no_manifest.jpg", "image/jpeg", False, None, None, id="no-manifest"),
        pytest.param("video1.mp4", "video/mp4", True, "untrusted", False, id="video"),
        pytest.param("video1_no_manifest.mp4", "video/mp4", False, None, None, id="video-no-manifest"),
    ],
)
def test_fixtures(name: str, mime: str, present: bool, status: str | None, ai: bool | None) -> None:
    g = read_c2pa(C2PA / name, mime)
    assert g["Present"] is present
    assert g.get("Status") == status
    assert g.get("AIGenerated") == ai


@needs_fixtures
def test_ocsp_is_firefly_trained_algorithmic_media() -> None:
    meta = extract(C2PA / "ocsp.jpg")
    c = meta.groups["C2PA"]
    assert f"{DST}trainedAlgorithmicMedia" in c["DigitalSourceTypes"]  # the Firefly ingredient's c2pa.created
    assert any(a.get("softwareAgent") == "Adobe Firefly" for a in c["Actions"])
    assert c["ClaimGenerator"].startswith("Adobe_Photoshop")
    assert c["Signer"] == "Adobe Inc. / Adobe C2PA"
    assert c["Ingredients"][0]["has_manifest"] is True
    codes = {f.code: f for f in findings(meta)}
    assert codes["AI_GENERATED_C2PA"].severity == "high"
    assert "C2PA_UNTRUSTED_SIGNER" in codes and "C2PA_INVALID" not in codes


@needs_fixtures
def test_invalid_signature_is_told_apart_from_untrusted_signer() -> None:
    bad = extract(C2PA / "E-sig-CA.jpg")
    assert any("claimSignature.mismatch" in f for f in bad.get("C2PA", "Failures"))
    assert "C2PA_INVALID" in {f.code for f in findings(bad)}
    ok = extract(C2PA / "CA.jpg")
    assert ok.get("C2PA", "Failures") == [] and ok.get("C2PA", "SignerTrusted") is False
    assert {f.code for f in findings(ok)} & {"C2PA_INVALID", "AI_GENERATED_C2PA"} == set()


@needs_fixtures
def test_video_manifest() -> None:
    meta = extract(C2PA / "video1.mp4")
    assert meta.get("C2PA", "Present") is True and meta.get("C2PA", "ManifestCount") == 2
    assert extract(C2PA / "video1_no_manifest.mp4").get("C2PA", "Present") is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(f"{DST}trainedAlgorithmicMedia", True, id="trained"),
        pytest.param(f"{DST}compositeWithTrainedAlgorithmicMedia", True, id="composite"),
        pytest.param(f"{DST}algorithmicMedia", True, id="algorithmic"),
        pytest.param(f" {DST}digitalCapture", False, id="capture"),
        pytest.param("trainedAlgorithmicMedia/", True, id="bare-name"),
        pytest.param(None, False, id="none"),
    ],
)
def test_is_ai_source_type(value: object, expected: bool) -> None:
    assert is_ai_source_type(value) is expected


@pytest.mark.parametrize(
    ("state", "statuses", "status"),
    [
        pytest.param("Trusted", [], "valid", id="trusted"),
        pytest.param("Valid", [], "valid", id="valid-no-failures"),
        pytest.param("Valid", [{"code": "signingCredential.untrusted"}], "untrusted", id="untrusted"),
        pytest.param("Invalid", [{"code": "signingCredential.untrusted"}, {"code": "claimSignature.mismatch"}],
                     "invalid", id="invalid"),
        pytest.param("Valid", [{"code": "assertion.dataHash.mismatch"}], "invalid", id="failure-beats-state"),
    ],
)  # fmt: skip
def test_summarise_status(state: str, statuses: list, status: str) -> None:
    g = summarise_store({"active_manifest": "m", "validation_state": state, "validation_status": statuses,
                         "manifests": {"m": {"claim_generator_info": [{"name": "Gen", "version": "1"}]}}})
    assert g["Status"] == status
    assert g["ClaimGenerator"] == "Gen 1"
    assert g["AIGenerated"] is False


def test_missing_extra_is_a_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from PIL import Image

    def _missing(name: str, *, extra: str) -> None:
        raise MissingExtra(f"{name} is not installed: pip install 'deepfake-incident-kit[{extra}]'")

    monkeypatch.setattr(c2pa_mod, "optional_import", _missing)
    p = tmp_path / "a.jpg"
    Image.new("RGB", (8, 8)).save(p)
    meta = extract(p)
    assert "C2PA" not in meta.groups
    assert any(w.startswith("C2PA: not checked") and "[c2pa]" in w for w in meta.warnings)


def test_unsupported_format_is_not_present(tmp_path: Path) -> None:
    assert read_c2pa(tmp_path / "x.bmp", "image/bmp")["Present"] is False
