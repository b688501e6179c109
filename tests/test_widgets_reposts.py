"""Repost review on a matched case: filters, compare, confirm / reject stored and followed by the clusters."""

from __future__ import annotations

from pathlib import Path

import pytest

from _demo import sha_of, small_case
from kit.case import Case
from kit.casework.matching import pair_key
from kit.widgets.reposts import RepostReview


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """p1, p2 (resized), p3 (mirrored) match each other (PDQ 16, 12 and 0); p4 is unrelated."""
    case = small_case(tmp_path_factory.mktemp("reposts"), match=True)
    case.close()
    return case.path


@pytest.fixture
def case(matched: Path, tmp_path: Path) -> Case:
    from _demo import fresh_copy

    return Case.open(fresh_copy(matched, tmp_path / "case"))


def _cluster(app: RepostReview, sha: str) -> int:
    return int(app.clusters.loc[app.clusters["id"] == sha, "cluster"].iloc[0])


def test_gallery_follows_item_threshold_and_algorithm(case: Case) -> None:
    s = {p: sha_of(case, p) for p in ("p1", "p2", "p3", "p4")}
    app = RepostReview(case, compare_transform=lambda a, b: None)
    app.item.value = s["p2"]
    assert list(app.matches_of(s["p2"])["other"]) == [s["p3"], s["p1"]]  # by distance: 12, 16
    assert len(app.gallery.children) == 2 and "p3:" in app.gallery.children[0].children[1].value
    app.threshold.value = 14
    assert len(app.gallery.children) == 1
    app.algorithm.value = "sift"
    assert len(app.gallery.children) == 0
    app.item.value = s["p4"]
    assert "0 matches" in app.gallery_note.value


def test_reject_buttons_store_decision_and_split_cluster(case: Case) -> None:
    s = {p: sha_of(case, p) for p in ("p1", "p2", "p3")}
    app = RepostReview(case, compare_transform=lambda a, b: None)
    app.item.value = s["p2"]
    app.gallery.children[1].children[2].click()  # "Compare" on the second card (p1)
    assert app.value == (s["p2"], s["p1"]) and len(app.compare_box.children) == 1
    app.note_text.value = "p2 is a different photo"
    app.reject.click()
    app.compare(s["p2"], s["p3"])
    app.reject_pair()
    dec = case.decisions("match")
    assert dec[["subject", "value", "analyst"]].values.tolist() == [
        [pair_key(s["p1"], s["p2"]), "rejected", "tester"], [pair_key(s["p2"], s["p3"]), "rejected", "tester"]]
    assert dec["note"].iloc[0] == "p2 is a different photo"
    assert _cluster(app, s["p2"]) != _cluster(app, s["p1"]) == _cluster(app, s["p3"])
    assert "rejected" in app.status.value


def test_confirm_adds_a_pair_the_hashes_missed(case: Case) -> None:
    s = {p: sha_of(case, p) for p in ("p1", "p4")}
    app = RepostReview(case, compare_transform=lambda a, b: None)
    app.compare(s["p4"], s["p1"])
    app.confirm.click()
    assert _cluster(app, s["p4"]) == _cluster(app, s["p1"])
    row = app.pairs[app.pairs["algorithm"] == "analyst"]
    assert row[["a", "b", "decision"]].values.tolist() == [[*sorted((s["p1"], s["p4"])), "match"]]


def test_compare_aligns_with_the_verified_transform(case: Case) -> None:
    s = {p: sha_of(case, p) for p in ("p1", "p3")}
    app = RepostReview(case)  # default: SIFT verification on demand (the pair was a PDQ match)
    app.compare(s["p1"], s["p3"])  # p3 is p1 mirrored
    fig = app.compare_box.children[0]
    assert "mirrored;" in fig.layout.title.text and "not mirrored" not in fig.layout.title.text


def test_without_matching_says_not_computed(tmp_path: Path) -> None:
    app = RepostReview(small_case(tmp_path))
    assert "not computed yet" in app.gallery_note.value and app.confirm.disabled and not app.computed


def test_decision_from_another_thread(case: Case) -> None:
    import threading

    s = {p: sha_of(case, p) for p in ("p1", "p2")}
    app = RepostReview(case, compare_transform=lambda a, b: None)
    app.compare(s["p1"], s["p2"])
    t = threading.Thread(target=app.reject.click)  # JupyterLab's kernel subshell thread
    t.start()
    t.join()
    assert case.decisions("match")["value"].tolist() == ["rejected"]
