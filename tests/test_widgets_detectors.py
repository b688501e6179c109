"""Detector lab: run detectors through the app (stored in the case), scores, overlay, chain, fusion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from _demo import sha_of, small_case
from kit.widgets.detectors import DetectorLab


def test_run_stores_results_and_shows_scores(tmp_path: Path) -> None:
    case = small_case(tmp_path)
    app = DetectorLab(case, detectors=["ela", "noise"])
    assert app.choose.value == ("ela", "noise") and "not computed yet" in app.table.value and app.value.empty
    app.run_button.click()
    assert len(case.results("detector.ela")) == 4 and len(case.results("detector.noise")) == 4
    assert len(app.value) == 8 and app.value["score"].between(0, 1).all()
    assert "not computed yet" not in app.table.value
    assert app.heat_detector.value == "ela" and len(app.overlay_box.children) == 1
    fig = app.overlay_box.children[0]
    app.opacity.value = 0.2
    assert app.overlay_box.children[0] is not fig and app.overlay_box.children[0].data[1].opacity == 0.2
    assert "not computed yet" in app.fused.value and "not a verdict" in app.fused.value


def test_cluster_choice_and_chain(tmp_path: Path) -> None:
    case = small_case(tmp_path)
    s = {p: sha_of(case, p) for p in ("p1", "p2", "p3", "p4")}
    clusters = pd.DataFrame({"id": [s["p1"], s["p2"], s["p3"], s["p4"]], "cluster": [0, 0, 0, 1],
                             "size": [3, 3, 3, 1]})
    app = DetectorLab(case, clusters, detectors=["ela"])
    assert [o[1] for o in app.cluster.options] == [0, -1]
    app.run()
    assert set(app.value["sha256"]) == {s["p1"], s["p2"], s["p3"]}
    chain = app.chain_box.children[0]
    assert chain.data[0].name == "ela" and list(chain.data[0].x) == [0, 1, 2]
    app.cluster.value = -1
    assert len(app.value) == 4
