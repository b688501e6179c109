"""Tests for kit.matching: exact search (ThreatExchange 250 pairs), verification, collections."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kit.matching import (
    SearchError,
    build_index,
    features,
    load_index,
    match_collection,
    search,
    verify_pair,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PDQ_DIR = SHARED / "hashing" / "pdq"
TMK = SHARED / "video" / "tmk-samples"


def _lines(p: Path) -> list[str]:
    return [ln.strip() for ln in p.read_text().splitlines() if ln.strip()]


@pytest.mark.skipif(not (PDQ_DIR / "needles.txt").exists(), reason="ThreatExchange needles/haystack absent")
@pytest.mark.parametrize("backend", [pytest.param("numpy", id="numpy"), pytest.param("faiss", id="faiss"),
                                     pytest.param("mih", id="mih")])
def test_threatexchange_needles_haystack_250_pairs(backend, tmp_path):
    needles, hay = _lines(PDQ_DIR / "needles.txt"), _lines(PDQ_DIR / "haystack.txt")
    assert (len(needles), len(hay)) == (100, 1350)
    hits = search(needles, hay, radius=31, backend=backend)
    assert len(hits) == 250
    idx = build_index(hay, backend=backend)
    again = load_index(idx.save(tmp_path / "hay.npz")).range(needles, 31)
    pd.testing.assert_frame_equal(hits, again)


def _random_set(n, nbytes, seed=0):
    rng = np.random.default_rng(seed)
    hay = rng.integers(0, 256, (n, nbytes), dtype=np.uint8)
    q = hay[:50].copy()
    # flip exactly r bits in query r (r = 0..49 mod radius+3) so that the radius edge is exercised
    for r in range(len(q)):
        bits = np.unpackbits(q[r])
        flip = rng.choice(bits.size, size=r % 12, replace=False)
        bits[flip] ^= 1
        q[r] = np.packbits(bits)
    return q, hay


@pytest.mark.parametrize(
    ("nbytes", "radius"),
    [pytest.param(8, 8, id="64bit-r8"), pytest.param(8, 10, id="64bit-r10"), pytest.param(32, 31, id="256bit-r31")],
)
def test_faiss_equals_numpy_and_radius_is_inclusive(nbytes, radius):
    q, hay = _random_set(3000, nbytes)
    a = search(q, hay, radius=radius, backend="numpy")
    b = search(q, hay, radius=radius, backend="faiss")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, search(q, hay, radius=radius, backend="mih"))
    assert (a["distance"] == min(radius, 11)).any()  # a hit exactly at the radius is kept
    own = a[a["query"] == a["target"]]
    assert sorted(own["distance"]) == sorted(r % 12 for r in range(50) if r % 12 <= radius)


@pytest.mark.parametrize("radius", [pytest.param(r, id=f"r{r}") for r in (0, 3, 12, 40)])
def test_mih_is_exact_on_clustered_hashes(radius):
    """Near-duplicate clusters (real hashes are not uniform): MIH must equal brute force at any radius."""
    rng = np.random.default_rng(5)
    centres = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    bits = np.unpackbits(centres[rng.integers(0, 40, 4000)], axis=1)
    bits ^= (rng.random(bits.shape) < 0.06).astype(np.uint8)
    hay = np.packbits(bits, axis=1)
    q = hay[rng.choice(len(hay), 60, replace=False)]
    a = search(q, hay, radius=radius, backend="numpy")
    pd.testing.assert_frame_equal(a, search(q, hay, radius=radius, backend="mih"))


def test_knn_numpy_and_faiss_agree():
    q, hay = _random_set(2000, 8, seed=3)
    a = search(q, hay, k=3, backend="numpy")
    b = search(q, hay, k=3, backend="faiss")
    assert a.groupby("query")["distance"].apply(list).equals(b.groupby("query")["distance"].apply(list))


@pytest.mark.parametrize(
    "kwargs",
    [pytest.param({}, id="no-radius-no-k"), pytest.param({"radius": 3, "k": 2}, id="both"),
     pytest.param({"k": 0}, id="k-zero"), pytest.param({"radius": 3, "backend": "gpu"}, id="backend")],
)
def test_search_errors(kwargs):
    with pytest.raises(SearchError):
        search(["00" * 8], ["00" * 8], **kwargs)


def test_search_rejects_mixed_sizes():
    with pytest.raises(SearchError):
        build_index(["00" * 8]).range(["00" * 32], 3)


def _scene(seed=0, h=360, w=480):
    rng = np.random.default_rng(seed)
    small = (rng.random((h // 8, w // 8)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))


@pytest.mark.parametrize(
    ("edit", "verified", "mirror"),
    [
        pytest.param(lambda a: a[36:324, 48:432], True, False, id="crop-10pct"),
        pytest.param(lambda a: a[72:288, 96:384], True, False, id="crop-20pct"),
        pytest.param(lambda a: np.ascontiguousarray(a[:, ::-1]), True, True, id="mirror"),
        pytest.param(lambda a: np.ascontiguousarray(a[20:340, 30:450][:, ::-1]), True, True, id="mirror-crop"),
        pytest.param(lambda a: np.vstack([np.full((500, 480), 255, np.uint8), a, np.full((300, 480), 30, np.uint8)]),
                     True, False, id="screenshot-like"),
        pytest.param(lambda a: _scene(seed=9), False, False, id="unrelated"),
    ],
)
def test_verify_pair(edit, verified, mirror):
    a = _scene()
    v = verify_pair(features(a), features(edit(a)))
    assert v.verified is verified
    if verified:
        assert v.transform["mirror"] is mirror
        assert v.inliers >= 15


def test_verify_pair_rejects_composite_sharing_a_pasted_region():
    a, other = _scene(0), _scene(5)
    comp = other.copy()
    comp[40:140, 60:180] = a[100:200, 200:320]  # a small pasted region of a
    v = verify_pair(features(a), features(comp))
    assert not v.verified


def test_verify_pair_rejects_source_photo_of_a_composite():
    """Same framing, but a large region holds different content (the pasted object): not a repost."""
    a = _scene(0)
    comp = a.copy()
    yy, xx = np.mgrid[:360, :480]
    blob = (yy - 190) ** 2 / 70 ** 2 + (xx - 240) ** 2 / 90 ** 2 <= 1
    comp[blob] = 240  # a bright pasted object (the fireball) where the source shows the scene
    v = verify_pair(features(a), features(comp))
    assert not v.verified and v.transform["changed"] > 0.05
    assert verify_pair(features(a), features(comp), max_changed=None).verified


@pytest.mark.parametrize(
    "overlay",
    [
        pytest.param(lambda d, w, h: d.text((20, 20), "WHEN THE NEWS IS TOO REAL", fill=255,
                                            font=_font(34), stroke_width=3, stroke_fill=0), id="meme-text"),
        pytest.param(lambda d, w, h: d.rounded_rectangle((w - 110, 10, w - 10, 55), radius=8, fill=200), id="logo"),
        pytest.param(lambda d, w, h: [d.rectangle((90 + k, 90 + k, 390 - k, 270 - k), outline=30)
                                      for k in range(6)], id="stamp-outline"),
    ],
)
def test_verify_pair_keeps_reposts_with_added_content(overlay):
    from PIL import ImageDraw

    a = _scene(0)
    im = Image.fromarray(a)
    overlay(ImageDraw.Draw(im), im.width, im.height)
    v = verify_pair(features(a), features(np.asarray(im)))
    assert v.verified, v.transform
    assert v.transform["changed"] <= 0.05


def _font(size):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - old Pillow
        return ImageFont.load_default()


def test_pair_scores_counts_pairs():
    from kit.demo import demo_truth_clusters
    from kit.matching.evaluate import pair_scores, posts_clusters

    truth = {"posts": {"p1": {"distractor": False}, "p2": {"distractor": False}, "p3": {"distractor": False},
                       "d1": {"distractor": True}, "m1": {"distractor": False, "media_missing": True}}}
    t = demo_truth_clusters(truth)
    assert t == {"p1": "cascade", "p2": "cascade", "p3": "cascade", "d1": "d1"}
    pred = posts_clusters(pd.DataFrame({"id": ["x", "y", "z"], "cluster": [0, 0, 1]}),
                          {"p1": "x", "p2": "x", "p3": "z", "d1": "y", "m1": "nope"})
    s = pair_scores(pred, t)
    assert (s.tp, s.fp, s.fn) == (1, 2, 2)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3)
    assert pair_scores({}, {}).precision == 1.0


def test_match_collection_pairs_and_clusters(tmp_path):
    from kit.hashing import hash_image_file

    base, other = _scene(0), _scene(7)
    files = {
        "orig": base,
        "crop": base[40:330, 40:440],
        "mirror": np.ascontiguousarray(base[:, ::-1]),
        "other": other,
    }
    rows = []
    for name, arr in files.items():
        p = tmp_path / f"{name}.jpg"
        Image.fromarray(arr).save(p, quality=88)
        rows.append({"id": name, "kind": "image", "path": str(p), "payload": hash_image_file(p)})
    rows.append({"id": "broken", "kind": "image", "path": None, "payload": None})
    res = match_collection(pd.DataFrame(rows))
    cl = dict(zip(res.clusters["id"], res.clusters["cluster"]))
    assert cl["orig"] == cl["crop"] == cl["mirror"]
    assert len({cl["other"], cl["orig"], cl["broken"]}) == 3
    assert list(res.pairs.columns) == ["a", "b", "algorithm", "distance", "verified", "inliers", "transform",
                                       "decision"]
    assert len(res.clusters) == 5
    for t in res.pairs["transform"]:
        assert t is not None and {"scale", "rotation_deg", "mirror", "box_in_a", "box_in_b", "overlap_a",
                                  "overlap_b", "cover_a", "cover_b"} <= set(t)
    mir = res.pairs[(res.pairs["a"] == "mirror") & (res.pairs["b"] == "orig")]
    assert len(mir) == 1 and mir["transform"].iloc[0]["mirror"] is True
    full = match_collection(pd.DataFrame(rows), exhaustive=True)
    got = {(a, b) for a, b in full.pairs.loc[full.pairs["decision"] == "match", ["a", "b"]].itertuples(index=False)}
    assert {("crop", "mirror"), ("crop", "orig"), ("mirror", "orig")} <= got


def test_items_from_results_keeps_every_media_row():
    from kit.matching import items_from_results

    media = pd.DataFrame({"sha256": ["s1", "s2"], "kind": ["image", "image"], "path": ["/x/1", "/x/2"]})
    results = pd.DataFrame({"sha256": ["s1", "s2"], "status": ["ok", "error"],
                            "payload": [{"pdq": "00" * 32}, None], "error": [None, "boom"]})
    items = items_from_results(results, media)
    assert items["id"].tolist() == ["s1", "s2"]
    assert items["payload"].iloc[0] == {"pdq": "00" * 32} and items["payload"].iloc[1] is None
    assert items["error"].iloc[1] == "boom"


@pytest.mark.slow
@pytest.mark.skipif(not TMK.exists(), reason="tmk-samples absent")
def test_tmk_sample_videos_cluster():
    from kit.hashing import hash_video_file

    files = sorted(p for p in TMK.glob("*.mp4") if not p.name.startswith("test-"))
    items = pd.DataFrame([{"id": p.stem, "kind": "video", "path": str(p), "payload": hash_video_file(p)}
                          for p in files])
    res = match_collection(items)
    cl = dict(zip(res.clusters["id"], res.clusters["cluster"]))
    chairs = {cl[n] for n in cl if n.startswith("chair")}
    patterns = {cl[n] for n in cl if n.startswith("pattern")}
    assert len(chairs) == 1 and len(patterns) == 1
    assert chairs != patterns
    assert cl["doorknob-hd-no-bar"] not in chairs | patterns


@pytest.mark.slow
def test_demo_incident_cascade_precision_recall(tmp_path):
    """The demo incident (seed 7): same-cascade pairs recall >= 0.98 at precision >= 0.99."""
    import json
    import subprocess
    import sys
    from concurrent.futures import ProcessPoolExecutor

    from kit.demo import demo_truth_clusters
    from kit.hashing import file_digests, hash_image_file
    from kit.matching.evaluate import pair_scores, posts_clusters

    subprocess.run([sys.executable, "-m", "kit.demo", "--out", str(tmp_path / "d"), "--seed", "7"], check=True,
                   capture_output=True)
    man = pd.read_csv(tmp_path / "d" / "manifest.csv", dtype=str)
    post_media, files = {}, {}
    for r in man.itertuples(index=False):
        p = tmp_path / "d" / str(r.media_path)
        if isinstance(r.media_path, str) and p.exists():
            sha = file_digests(p)["sha256"]
            post_media[r.post_id] = sha
            files.setdefault(sha, p)
    imgs = [(s, p) for s, p in files.items() if p.suffix != ".mp4"]
    with ProcessPoolExecutor(2) as ex:
        payloads = list(ex.map(hash_image_file, [p for _, p in imgs]))
    items = pd.DataFrame([{"id": s, "kind": "image", "path": str(p), "payload": pl}
                          for (s, p), pl in zip(imgs, payloads)])
    res = match_collection(items, workers=2)
    truth = demo_truth_clusters(json.loads((tmp_path / "d" / "truth.json").read_text()))
    truth = {k: v for k, v in truth.items() if k in post_media and files[post_media[k]].suffix != ".mp4"}
    s = pair_scores(posts_clusters(res.clusters, post_media), truth)
    assert s.precision >= 0.99 and s.recall >= 0.98, s


def test_mirrored_features_land_on_the_mirrored_pictures_own_keypoints():
    # OpenCV's SIFT biases keypoints by a quarter pixel; mirroring must keep the bias's sign, or every
    # mirrored copy is registered half a pixel off (DEVELOPERS.md, "SIFT keypoint bias")
    import cv2

    from _media import scene
    from kit.matching.verify import features, mirror_features

    img = scene(5, 240, 320)
    a, b = mirror_features(features(img, max_side=320)), features(np.ascontiguousarray(img[:, ::-1]), max_side=320)
    m = cv2.BFMatcher(cv2.NORM_L2, crossCheck=True).match(np.float32(a.desc), np.float32(b.desc))
    dx = np.array([a.xy[k.queryIdx][0] - b.xy[k.trainIdx][0] for k in m])
    dx = dx[np.abs(dx) < 3]
    assert len(dx) > 100 and abs(float(np.median(dx))) < 0.1
