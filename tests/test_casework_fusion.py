"""The fusion of detector scores fitted on the analyst's labels and stored with the case."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from _media import jpeg_bytes, scene
from kit.case import Case
from kit.errors import CaseError


def _splice(i: int) -> np.ndarray:
    """A q60 host with a block of another picture pasted in (saved again at q90 by the caller)."""
    host = scene(100 + i, 384, 512)
    ok, buf = cv2.imencode(".jpg", host[..., ::-1].copy(), [cv2.IMWRITE_JPEG_QUALITY, 60])
    host = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    host[100:228, 150:310] = scene(200 + i, 384, 512)[100:228, 150:310]
    return host


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    from kit.detectors import detector_step

    root = tmp_path_factory.mktemp("fusion")
    (root / "inc" / "media").mkdir(parents=True)
    lines = ["post_id,platform,account,posted_at,url,media_path"]
    for i in range(14):
        kind = "f" if i % 2 else "r"
        img = _splice(i) if kind == "f" else scene(300 + i, 384, 512)
        (root / "inc" / "media" / f"{kind}{i}.jpg").write_bytes(jpeg_bytes(img, 90))
        lines.append(f"{kind}{i},x,@a{i},2024-03-01T10:{i:02d}:00Z,https://x.example/{i},media/{kind}{i}.jpg")
    (root / "inc" / "manifest.csv").write_text("\n".join(lines) + "\n")
    case = Case.create(root / "case", title="t", analyst="ana")
    case.ingest(root / "inc" / "manifest.csv")
    for name in ("ela", "ghost"):
        case.run(detector_step(name))
    yield case
    case.close()


def test_without_labels_there_is_no_fusion_and_the_report_says_scores_are_not_probabilities(case):
    from kit.report.sections import detectors

    with pytest.raises(CaseError, match="at least 5 labelled files of each class"):
        case.fit_fusion()
    assert case.fused_scores()["probability"].isna().all()
    assert "none is stored with this case" in detectors(case).data


def test_labels_then_fuse_store_the_model_with_its_training_set_and_cross_validated_metrics(case, capsys):
    from kit.cli import main

    fakes, reals = [f"f{i}" for i in range(1, 12, 2)], [f"r{i}" for i in range(0, 12, 2)]
    assert main(["detectors", "label", "--case", str(case.path), "--fake", *fakes, "--real", *reals,
                 "--note", "checked against the sources"]) == 0
    assert "labels in the case: 6 fake, 6 real" in capsys.readouterr().out
    assert main(["detectors", "fuse", "--case", str(case.path)]) == 0
    out = capsys.readouterr().out
    assert "fitted on 12 labelled files and stored in the case" in out
    stored = case.settings()["detector.fusion"]
    posts = case.posts().set_index("post_id")["media_sha256"]
    assert {t["sha256"]: t["label"] for t in stored["training"]} == \
        {**{posts[p]: 1 for p in fakes}, **{posts[p]: 0 for p in reals}}
    assert set(stored["detector_versions"]) == {"ela", "ghost"} and stored["analyst"] == "ana"
    assert stored["cross_validation"]["auc"] >= 0.9  # ELA tells these splices apart; out-of-fold, not the fit
    log = case.custody()
    assert ((log["action"] == "setting.changed") & (log["subject"] == "detector.fusion")).any()


def test_every_later_score_shows_its_probability_including_files_never_labelled(case):
    from kit.report.sections import detectors

    probs = case.fused_scores()
    posts = case.posts().set_index("post_id")["media_sha256"]
    assert {"ela", "ghost", "probability"} <= set(probs.columns)
    assert probs["probability"].between(0, 1).all()
    assert probs.loc[posts["f13"], "probability"] > 0.5 > probs.loc[posts["r12"], "probability"]  # unlabelled
    html = detectors(case).data
    assert "fitted on 12 files of this case labelled by the analyst (6 fake, 6 real" in html
    assert "none is stored with this case" not in html


def test_unknown_files_and_labels_are_refused(case):
    from kit.cli import main

    with pytest.raises(CaseError, match="no such file"):
        case.label(["0" * 64], "fake")
    with pytest.raises(CaseError, match="use 'fake', 'real'"):
        case.label([case.posts()["media_sha256"].iloc[0]], "maybe")
    assert main(["detectors", "label", "--case", str(case.path), "--fake", "nope"]) != 0


def test_the_detector_lab_shows_the_stored_fusion(case):
    from kit.widgets.detectors import DetectorLab

    app = DetectorLab(case, detectors=["ela", "ghost"])
    assert app.fusion is not None and app.fusion.columns == ("ela", "ghost")
    assert "fused probability" in app.fused.value



def test_the_report_overlays_the_most_confident_heat_map_on_a_best_copy_without_a_source(tmp_path):
    """A splice and its half-size repost, no source in the case: the report shows the detector's map
    over the cluster's best copy (blurred until clicked; none when redacted)."""
    import kit.hashing
    from kit.detectors import detector_step
    from kit.report.sections import detectors

    (tmp_path / "inc" / "media").mkdir(parents=True)
    fake = _splice(3)
    (tmp_path / "inc" / "media" / "a.jpg").write_bytes(jpeg_bytes(fake, 92))
    small = cv2.resize(fake, (256, 192), interpolation=cv2.INTER_AREA)
    (tmp_path / "inc" / "media" / "b.jpg").write_bytes(jpeg_bytes(small, 80))
    (tmp_path / "inc" / "manifest.csv").write_text(
        "post_id,platform,account,posted_at,url,media_path\n"
        "a,x,@a,2024-03-01T10:00:00Z,https://x.example/a,media/a.jpg\n"
        "b,x,@b,2024-03-01T11:00:00Z,https://x.example/b,media/b.jpg\n")
    c = Case.create(tmp_path / "case", title="t", analyst="ana")
    try:
        c.ingest(tmp_path / "inc" / "manifest.csv")
        for step in (*kit.hashing.STEPS, detector_step("ela")):
            c.run(step)
        c.match()
        html = detectors(c).data
        assert "Heat maps on the best copies without a source to compare with" in html
        assert html.count('<img src="data:image/png;base64,') == 1 and 'title="blurred"' in html
        redacted = detectors(c, redact=True).data
        assert "(picture redacted)" in redacted and "<img src=\"data:image" not in redacted
    finally:
        c.close()
