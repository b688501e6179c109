"""Tests for kit.spread.content (aligned residuals) and kit.spread.candidates (content costs, decisions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit.spread.candidates import apply_match_decisions
from kit.spread.content import content_evidence, pair_evidence

cv2 = pytest.importorskip("cv2")


def _base(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = (rng.random((45, 60, 3)) * 255).astype(np.uint8)
    return cv2.resize(small, (480, 360), interpolation=cv2.INTER_CUBIC)


BASE = _base()


def _ev(a, b, **kw):
    return pair_evidence({"a": a, "b": b}, [("a", "b")], **kw).iloc[0]


@pytest.mark.parametrize("child, check", [
    pytest.param(BASE.copy(), lambda r: r.residual < 0.05 and abs(r.scale - 1) < 0.02, id="same-picture"),
    pytest.param(np.ascontiguousarray(BASE[40:300, 60:400]),
                 lambda r: r.overlap_b > 0.97 and r.overlap_a < 0.6 and r.residual < 0.2, id="crop"),
    pytest.param(cv2.resize(BASE, (240, 180), interpolation=cv2.INTER_AREA),
                 lambda r: 1.8 < r.scale < 2.2, id="half-size"),
    pytest.param(np.ascontiguousarray(BASE[:, ::-1]), lambda r: bool(r.mirror) and r.residual < 0.2, id="mirror"),
    pytest.param(np.repeat(cv2.cvtColor(BASE, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2),
                 lambda r: r.chroma_b < 3 <= r.chroma_a and r.residual_l < 0.2 < r.residual, id="grayscale"),
])
def test_pair_evidence_measures_the_edit(child, check):
    r = _ev(BASE, child)
    assert r.inliers >= 15
    assert check(r), r.to_dict()


def test_colour_cast_on_a_gray_picture_is_not_colour():
    # a sepia / tint filter on a gray original gives every pixel about the same hue: it must not
    # read as colour (>= 6), or the colour cue ("colour is never regained") makes the tinted copy
    # the parent of its own gray original; a real colour picture stays colourful
    gray = np.repeat(cv2.cvtColor(BASE, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    sepia = np.clip(gray.astype(np.float32) * np.array([1.15, 0.95, 0.75], np.float32), 0, 255).astype(np.uint8)
    r = _ev(gray, sepia)
    assert r.chroma_a < 3 and r.chroma_b < 6
    assert _ev(BASE, sepia).chroma_a >= 6


def test_overlay_raises_changed_share():
    over = BASE.copy()
    over[100:220, 120:360] = (250, 20, 20)
    clean, edited = _ev(BASE, BASE.copy()), _ev(BASE, over)
    assert edited.changed > 0.1 > clean.changed
    assert edited.residual > clean.residual


def test_unrelated_pictures_do_not_align():
    r = _ev(BASE, _base(5))
    assert r.inliers < 8 and np.isnan(r.residual)


def test_missing_or_undecodable_image_gives_an_empty_row(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"not a jpeg")
    ev = pair_evidence({"a": BASE, "b": str(bad), "c": None}, [("a", "b"), ("a", "c")])
    assert len(ev) == 2 and (ev["inliers"] == 0).all() and ev["residual"].isna().all()


def test_content_evidence_rejoins_clusters_the_matcher_split():
    imgs = {"a": BASE, "b": np.ascontiguousarray(BASE[30:330, 40:440]), "c": _base(9)}
    clusters = pd.DataFrame({"id": ["a", "b", "c"], "cluster": [0, 1, 2]})
    ev, group = content_evidence(imgs, clusters, sizes={"a": 480 * 360, "b": 400 * 300, "c": 480 * 360})
    assert group["a"] == group["b"] != group["c"]
    assert {(r.a, r.b) for r in ev.itertuples()} == {("a", "b")}


@pytest.mark.parametrize("subject, value, kept, rejected", [
    pytest.param("s1|s2", "rejected", [], [{"s1", "s2"}], id="reject"),
    pytest.param("s2|s1", False, [], [{"s1", "s2"}], id="reject-bool-reversed"),
    pytest.param("s1|s3", "confirmed", [("s1", "s2"), ("s1", "s3")], [], id="confirm-new"),
    pytest.param("s1", {"other": "s3", "decision": "confirm"}, [("s1", "s2"), ("s1", "s3")], [], id="dict-value"),
    pytest.param("s1|s2", "maybe", [("s1", "s2")], [], id="unknown-verdict-ignored"),
])
def test_match_decisions(subject, value, kept, rejected):
    pairs = pd.DataFrame([{"a": "s1", "b": "s2", "algorithm": "pdq", "distance": 4.0, "decision": "match"}])
    dec = pd.DataFrame({"id": [1], "kind": ["match"], "subject": [subject], "value": [value]})
    out, rej = apply_match_decisions(pairs, dec)
    assert sorted(zip(out["a"], out["b"])) == kept
    assert [set(r) for r in rej] == rejected


def test_a_stray_joins_one_cluster_and_never_two_the_matcher_kept_apart():
    from kit.spread.content import rejoin_groups

    def paste(seed, x, y):  # a composite of BASE: another picture's patch pasted at (x, y)
        out = BASE.copy()
        out[y:y + 70, x:x + 80] = _base(seed)[100:170, 100:180]
        return out

    one, two = paste(7, 40, 30), paste(8, 320, 240)
    imgs = {"a1": one, "a2": np.ascontiguousarray(one[10:350, 10:470]), "a3": np.ascontiguousarray(one[20:340, :]),
            "b1": two, "b2": np.ascontiguousarray(two[10:350, 10:470]), "b3": np.ascontiguousarray(two[:, 20:460]),
            "src": BASE.copy()}  # the host photo: it matches both composites
    clusters = pd.DataFrame({"id": list(imgs), "cluster": [0, 0, 0, 1, 1, 1, 2]})
    group = rejoin_groups(imgs, clusters, sizes={i: im.shape[0] * im.shape[1] for i, im in imgs.items()})
    assert group["a1"] == group["a2"] == group["a3"] != group["b1"] == group["b2"] == group["b3"]
    assert group["src"] in (group["a1"], group["b1"])  # joined to one of them, not left alone


def test_the_rejoin_alignments_in_a_process_pool_give_the_serial_answers():
    """The re-join's stray alignments run in the trace's worker pool: each task gets its pictures'
    descriptions and seeds RANSAC, so the rows are the serial ones whichever process ran them."""
    from kit.spread.content import _pairs_in_pool
    from kit.workers import process_pool

    imgs = {"a": BASE, "b": np.ascontiguousarray(BASE[20:330, 30:460]), "c": cv2.resize(BASE, (300, 225)),
            "d": np.ascontiguousarray(BASE[:, ::-1]), "e": _base(3), "bad": None}
    todos = [[("a", "b"), ("a", "c")], [("d", "a")], [("e", "a"), ("b", "e")], [("bad", "a"), ("c", "d")]]
    boxes = {"b": [0.0, 0.0, 1.0, 0.8], "d": [0.1, 0.0, 1.0, 1.0]}  # content boxes travel with the pictures
    serial = _pairs_in_pool(todos, imgs, {}, boxes, 320, {}, None)
    with process_pool(2) as ex:
        pooled = _pairs_in_pool(todos, imgs, {}, boxes, 320, {}, ex, min_pairs=1, per_task=3)
    assert [len(f) for f in pooled] == [2, 1, 2, 2]
    for s, p in zip(serial, pooled):
        pd.testing.assert_frame_equal(s, p)
    assert pooled[0]["inliers"].min() >= 15 and pooled[3].iloc[0]["inliers"] == 0  # aligned; undecodable
    plain = _pairs_in_pool(todos[:1], imgs, {}, {}, 320, {}, None)[0].iloc[0]
    assert pooled[0].iloc[0]["overlap_a"] < plain["overlap_a"] - 0.1  # b's box leaves its lower fifth out
