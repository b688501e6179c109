"""Tests for kit.spread.lineage and kit.spread.evidence: which copy carries which changes, on real pixels.

Each case is a small family of generated pictures (a photo-like scene, edits drawn with OpenCV, JPEG
round trips); the whole path runs: registration, own changes, pairwise inheritance, then
kit.spread.build.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from _media import jpeg_roundtrip as _jpeg
from _media import scene
from kit.demo.edits import letterbox
from kit.spread.build import build
from kit.spread.composite import _iou
from kit.spread.evidence import lineage_evidence
from kit.spread.consensus import consensus_costs
from kit.spread.lineage import register_group
from kit.spread.pairs import pair_lineage

cv2 = pytest.importorskip("cv2")
T0 = pd.Timestamp("2026-03-01T00:00:00Z")


def _bar(a: np.ndarray, text: str = "BREAKING NEWS NOW", top: bool = True) -> np.ndarray:
    bar = np.full((a.shape[0] // 6, a.shape[1], 3), 250, np.uint8)
    cv2.putText(bar, text, (6, bar.shape[0] - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 2)
    return np.vstack([bar, a] if top else [a, bar])


def _logo(a: np.ndarray, x: int = 14, y: int = 14) -> np.ndarray:
    out = a.copy()
    cv2.circle(out, (x + 16, y + 16), 16, (230, 40, 40), -1)
    cv2.putText(out, "TV", (x + 4, y + 23), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
    return out


def _meme(a: np.ndarray) -> np.ndarray:
    out = a.copy()
    for y in (30, a.shape[0] - 10):
        cv2.putText(out, "NO WAY", (40, y), cv2.FONT_HERSHEY_DUPLEX, 1.0, (0, 0, 0), 5)
        cv2.putText(out, "NO WAY", (40, y), cv2.FONT_HERSHEY_DUPLEX, 1.0, (255, 255, 255), 2)
    return out


BASE = scene(11, 240, 320)  # the analysis size: maps apply to these arrays as they are
ORIGIN = _jpeg(BASE, 92)


def _family(**children):
    return {"o": ORIGIN, **{k: _jpeg(v) for k, v in children.items()}}


def _posts(order):
    """order: [(post_id, media id, minutes or None, explicit parent or None)]."""
    return pd.DataFrame({"post_id": [r[0] for r in order], "media_sha256": [r[1] for r in order],
                         "posted_at": [pd.NaT if r[2] is None else T0 + pd.Timedelta(minutes=r[2]) for r in order],
                         "parent_post_id": [r[3] if len(r) > 3 else None for r in order], "platform": "x",
                         "account": [f"a{i}" for i in range(len(order))]})


def _trace(images, order):
    first = {r[1]: r[2] for r in order if r[2] is not None}
    one_cluster = pd.DataFrame({"id": list(images), "cluster": 0})  # the matcher found them all
    ev = lineage_evidence(images, one_cluster, first_seen={k: T0.timestamp() + 60 * v for k, v in first.items()})
    return build(_posts(order), lineage=ev), ev


def test_registration_measures_each_copys_own_changes():
    crop = np.ascontiguousarray(ORIGIN[20:220, 26:294])
    pics = _family(bar=_bar(ORIGIN), mirror=np.ascontiguousarray(ORIGIN[:, ::-1]), crop=crop, logo=_logo(ORIGIN),
                   gray=np.repeat(cv2.cvtColor(ORIGIN, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2))
    g = register_group(pics, "o", first_seen={"o": 0})
    c = g.copies
    assert g.reference == "o" and not g.failed
    assert c["o"].own_share == 0 and c["bar"].own_share < 0.01 and (c["bar"].own & ~g.frame_mask).any()
    assert c["mirror"].mirror and not c["bar"].mirror
    assert 0.005 < c["logo"].own_share < 0.05 and c["logo"].replaced < 0.03
    assert c["gray"].gray and not c["logo"].gray
    x0, y0, x1, y1 = c["crop"].box
    fx0, fy0, fx1, fy1 = g.frame
    assert x0 > fx0 + 5 and y1 < fy1 - 5  # the crop's edges lie inside the frame


def test_registration_keeps_what_the_caller_keeps_of_each_copy():
    """``keep(reference, copy)`` sees every copy as it is registered, and what it returns is kept: the
    group split keeps only lightness and validity of the copies that leave (a cluster of 556 copies
    of 14 composites: 3.5 GB resident before, 1.9 GB after)."""
    from kit.spread.evidence import _slim

    pics = _family(bar=_bar(ORIGIN), logo=_logo(ORIGIN), crop=np.ascontiguousarray(ORIGIN[20:220, 26:294]))
    seen = []

    def keep(ref, c):
        seen.append((ref, c.id))
        return c if c.id in (ref, "bar") else _slim(c)

    g = register_group(pics, "o", first_seen={"o": 0}, keep=keep)
    assert sorted(i for _, i in seen) == sorted(pics) and {r for r, _ in seen} == {g.reference}
    full, slim = g.copies["bar"], g.copies["logo"]
    assert full.lab.shape[2] == 3 and slim.lab.shape[2] == 1 and slim.own.size == 0
    plain = register_group(pics, "o", first_seen={"o": 0}).copies["logo"]
    assert np.array_equal(slim.lab[:, :, 0], plain.lab[:, :, 0]) and np.array_equal(slim.valid, plain.valid)
    assert (slim.own_share, slim.replaced, slim.box) == (plain.own_share, plain.replaced, plain.box)


def test_the_tone_map_applied_around_each_copy_only_gives_the_same_registration(monkeypatch):
    """A letterboxed copy widens the canvas for every copy; the tone map is applied to each copy's
    extent and a margin only (a speed-up). Everything read of a copy stays as with the whole canvas:
    its numbers, its own and informative pixels, and its Lab and gradient wherever it has pixels."""
    import kit.spread.lineage as L

    wide = np.zeros((BASE.shape[0], BASE.shape[1] * 2, 3), np.uint8)
    wide[:, BASE.shape[1] // 2:BASE.shape[1] // 2 + BASE.shape[1]] = BASE
    images = _family(logo=_logo(BASE), crop=BASE[30:200, 40:300].copy(), meme=_meme(BASE), wide=wide,
                     bar=_bar(BASE))
    fast = register_group(images, "o")
    monkeypatch.setattr(L, "EDGE_MARGIN", None)
    whole = register_group(images, "o")
    assert fast.shape == whole.shape and fast.shape[1] > 1.5 * fast.shape[0]  # the wide canvas
    for i, c in whole.copies.items():
        f = fast.copies[i]
        assert (f.own == c.own).all() and (f.info == c.info).all() and f.box == c.box and f.extent == c.extent
        assert (f.own_share, f.replaced, f.misfit, f.gray) == (c.own_share, c.replaced, c.misfit, c.gray)
        assert np.array_equal(f.lab[c.valid], c.lab[c.valid]) and np.array_equal(f.grad[c.valid], c.grad[c.valid])


def test_the_reference_is_the_copy_closest_to_the_consensus():
    # most copies keep the plain picture; one early copy carries a sticker and one is half size
    sticker = ORIGIN.copy()
    cv2.rectangle(sticker, (180, 120), (260, 200), (250, 220, 0), -1)
    pics = _family(a=sticker, b=cv2.resize(ORIGIN, (160, 120), interpolation=cv2.INTER_AREA),
                   c=_bar(ORIGIN), d=np.ascontiguousarray(ORIGIN[:, ::-1]), e=_jpeg(ORIGIN, 80))
    g = register_group(pics, "a", first_seen={"a": 0, "o": 600, "e": 1200, "b": 1800, "c": 2400, "d": 3000})
    assert g.reference in {"o", "e"}  # the plain copies; the sticker copy was seen first but is edited
    cost = consensus_costs(pics, g.maps, {})
    assert cost["a"]["dev"] > cost["o"]["dev"] and cost["b"]["sharp"] > 0 and cost["c"]["extra"] > 0



def test_a_copy_with_a_caption_bar_does_not_tie_with_the_original_when_the_hash_step_found_its_picture_box():
    # the hash step's content box keeps the bar out of the vote; what the file holds around its picture
    # still counts (half weight), or a captioned repost ties with the original and a name decides
    c = _bar(ORIGIN)
    pics = _family(c=c, e=_jpeg(ORIGIN, 80), f=_jpeg(ORIGIN, 75))
    top = (c.shape[0] - ORIGIN.shape[0]) / c.shape[0]
    g = register_group(pics, "o", rechoose=False)
    cost = consensus_costs(pics, g.maps, {}, boxes={"c": (0.0, top, 1.0, 1.0)})
    assert cost["c"]["extra"] == pytest.approx(0.5 * top, abs=0.02)
    assert cost["c"]["cost"] > cost["o"]["cost"] + 0.05


def test_copies_that_tie_at_the_consensus_size_with_no_time_are_told_apart_finer_not_by_name():
    # a handle stamped in thin letters vanishes at 64 px: without a time the file name ("a" < "b")
    # chose the copy that carries it; at four times the size the plain copy is the closer one
    from kit.spread.consensus import medoid

    stamped = ORIGIN.copy()
    cv2.putText(stamped, "TV", (262, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1)
    pics = {"b": ORIGIN, "a": _jpeg(stamped), "c": _jpeg(_bar(ORIGIN)), "d": _jpeg(np.ascontiguousarray(ORIGIN[20:, 30:])),
            "f": _jpeg(ORIGIN, 75)}
    g = register_group(pics, "b", rechoose=False)
    assert consensus_costs(pics, g.maps, {})["a"]["cost"] < 0.005  # no trace of it at 64 px
    assert medoid(pics, g.maps, {}, {}, fine=1) == "a"  # the tie, decided by the name
    assert medoid(pics, g.maps, {}, {}) == "b"
    assert medoid(pics, g.maps, {}, {"a": 0.0, "b": 60.0}) == "a"  # a time decides first, as before


@pytest.mark.parametrize("parent, child, sibling", [
    pytest.param("bar", lambda p: _logo(p, 250, 40), lambda o: _meme(o), id="caption-bar"),
    pytest.param("logo", lambda p: np.ascontiguousarray(p[12:228, 20:300]), lambda o: _bar(o), id="logo"),
    pytest.param("meme", lambda p: _bar(p, top=False), lambda o: _logo(o), id="meme-text"),
])
def test_child_carrying_its_parents_change_goes_under_it_not_under_its_sibling(parent, child, sibling):
    made = {"bar": _bar(ORIGIN), "logo": _logo(ORIGIN), "meme": _meme(ORIGIN)}[parent]
    pics = _family(p=made, s=sibling(ORIGIN))
    pics["c"] = _jpeg(child(pics["p"]))
    # the sibling is posted last before the child: time would pull the child to it, content must not
    g, ev = _trace(pics, [("o1", "o", 0), ("p1", "p", 60), ("s1", "s", 170), ("c1", "c", 180)])
    assert sorted(g.edges) == [("o1", "p1"), ("o1", "s1"), ("p1", "c1")]
    row = ev.pairs.set_index(["u", "v"]).loc[("p", "c")]
    assert row["inherited"] > 0.004
    assert g.edges["p1", "c1"]["reasons_for"]


def test_a_child_that_keeps_its_parents_resize_goes_under_it_not_under_the_full_size_copy():
    # o -> m (caption bar) -> r (m at 60 %) -> c (r with a logo, not resized again): m and r both carry
    # the caption bar; only r has the resolution c shows (o's other reposts keep the plain picture)
    m = _bar(ORIGIN)
    r = cv2.resize(m, (m.shape[1] * 3 // 5, m.shape[0] * 3 // 5), interpolation=cv2.INTER_AREA)
    pics = _family(m=m, r=r, q=_jpeg(ORIGIN, 75), b=_meme(ORIGIN), f=np.ascontiguousarray(ORIGIN[:, ::-1]),
                   l=_logo(ORIGIN, 200, 150))
    pics["c"] = _jpeg(_logo(pics["r"], 120, 70))
    g, ev = _trace(pics, [("o1", "o", 0), ("q1", "q", 20), ("b1", "b", 40), ("m1", "m", 60), ("f1", "f", 80),
                          ("l1", "l", 100), ("r1", "r", 120), ("c1", "c", 180)])
    assert sorted(g.edges) == [("m1", "r1"), ("o1", "b1"), ("o1", "f1"), ("o1", "l1"), ("o1", "m1"), ("o1", "q1"),
                               ("r1", "c1")]
    assert any(w.startswith("has its resolution") for w in g.edges["r1", "c1"]["reasons_for"])


def test_a_sibling_that_lacks_the_parents_crop_is_not_made_its_child():
    crop = np.ascontiguousarray(ORIGIN[26:214, 40:280])
    pics = _family(cr=crop, wide=_logo(ORIGIN, 200, 140))
    pics["cc"] = _jpeg(_bar(crop))
    g, ev = _trace(pics, [("o1", "o", 0), ("cr1", "cr", 30), ("w1", "wide", 90), ("cc1", "cc", 100)])
    assert g.has_edge("o1", "w1") and not g.has_edge("cr1", "w1")
    assert g.has_edge("cr1", "cc1")
    rows = ev.pairs.set_index(["u", "v"])
    assert rows.loc[("cr", "wide"), "uncovered"] > 0.05 and rows.loc[("cr", "cc"), "shared_edges"] >= 3


def test_registered_on_a_crop_the_original_shows_picture_the_crop_does_not_hold():
    """The reference is a crop (in deep chains most copies descend from one): the original shows the
    scene beyond the reference frame. That is picture the crop cannot have given it (an un-crop), and no
    addition the crop "would have had to cut off exactly"; a caption bar or a blurred letterbox fill
    beyond the original's own frame is no picture the original lacks."""
    crop = np.ascontiguousarray(ORIGIN[24:216, 30:290])
    box = np.asarray(letterbox(Image.fromarray(ORIGIN), 1.75, fill="blur"))  # the benchmark's blurred fill
    pics = _family(crop=crop, bar=_bar(ORIGIN), box=box)
    g = register_group(pics, "crop", rechoose=False)
    assert (g.copies["o"].beyond == 2).mean() > 0.1 and not g.copies["bar"].beyond[:g.frame[1] - 30].any()
    rows = pair_lineage(g).set_index(["u", "v"])
    assert rows.loc[("crop", "o"), "uncovered"] > 0.05
    assert rows.loc[("o", "crop"), ["uncovered", "lacking_sides"]].tolist() == [0, 0]
    assert rows.loc[("o", "bar"), "uncovered"] == 0 and rows.loc[("o", "box"), "uncovered"] == 0


def test_a_crop_most_copies_descend_from_is_not_made_the_first_copy():
    # no times: o -> crop -> four edits of the crop, o -> a caption bar; the crop is the group's consensus
    crop = np.ascontiguousarray(ORIGIN[24:216, 30:290])
    pics = _family(crop=crop, cl=_logo(crop), cb=_bar(crop), cm=np.ascontiguousarray(crop[:, ::-1]), ct=_meme(crop),
                   ob=_bar(ORIGIN, top=False))
    g, ev = _trace(pics, [(m, m, None) for m in pics])
    assert set(ev.copies["reference"]) == {"crop"}
    assert g.in_degree("o") == 0 and g.has_edge("o", "crop") and g.has_edge("o", "ob")
    assert g.has_edge("crop", "cb")  # its caption bar sits on the crop's edge
    # the crop's logo, mirror and meme copies hang from the first copy: against a crop reference its edges
    # are the frame's, and nothing tells them from copies of the original (crop edges read against the
    # whole picture's frame told them, and lost edge F1 on the benchmark: DEVELOPERS.md, session 35)


def test_without_times_content_still_orders_the_chain():
    # o -> a (caption bar) -> b (logo) -> c (crop); most of o's reposts keep the plain picture
    a = _bar(ORIGIN)
    b = _logo(a, 250, 60)
    c = np.ascontiguousarray(b[8:, 14:])
    pics = _family(a=a, b=b, c=c, m=np.ascontiguousarray(ORIGIN[:, ::-1]), r=_meme(ORIGIN),
                   q=_jpeg(ORIGIN, 70), l=_logo(ORIGIN, 200, 150))
    g, _ = _trace(pics, [(f"p{k}", k, None) for k in "abcomrql"])
    assert sorted(g.edges) == [("pa", "pb"), ("pb", "pc"), ("po", "pa"), ("po", "pl"), ("po", "pm"),
                               ("po", "pq"), ("po", "pr")]


def test_pairwise_rows_are_directional():
    pics = _family(a=_logo(ORIGIN))
    g = register_group(pics, "o", first_seen={"o": 0, "a": 1})
    rows = pair_lineage(g).set_index(["u", "v"])
    assert rows.loc[("a", "o"), "lacking"] > 0.003  # o would have to undo a's logo
    assert rows.loc[("o", "a"), "lacking"] == 0


def test_pair_evidence_reads_each_copy_inside_its_own_box_whatever_the_canvas():
    # one wide letterbox or screenshot makes the whole group's canvas several times the frame, and
    # every copy's planes were held canvas-wide while the pairs were compared (at 10,000 posts a
    # worker held 11 GB for one group): the same copies on a canvas widened by 200 px give the same
    # rows, and the planes read for a copy are its own box, not the canvas
    from dataclasses import replace

    from kit.spread.pairs import _planes

    crop = np.ascontiguousarray(ORIGIN[20:220, 30:300])
    pics = _family(a=_logo(ORIGIN), b=_bar(ORIGIN), c=_meme(crop))
    g = register_group(pics, "o", rechoose=False)
    wide = lambda x: np.pad(x, ((0, 200), (0, 200)) + ((0, 0),) * (x.ndim - 2))  # noqa: E731
    g2 = replace(g, shape=(g.shape[0] + 200, g.shape[1] + 200), copies={
        i: replace(c, valid=wide(c.valid), own=wide(c.own), info=wide(c.info), lab=wide(c.lab), grad=wide(c.grad))
        for i, c in g.copies.items()})
    assert pair_lineage(g2).equals(pair_lineage(g))
    for i, c in g2.copies.items():
        p = _planes(c, g2.frame_mask)
        x0, y0, x1, y1 = c.extent
        assert p["L"].shape == p["valid"].shape == (y1 - y0, x1 - x0)
    assert _planes(g2.copies["c"], g2.frame_mask)["L"].size < 0.5 * g2.shape[0] * g2.shape[1]


def test_a_mask_cut_to_the_pairs_overlap_opens_and_erodes_as_it_did_on_the_whole_window():
    # the pair is compared inside the two boxes' overlap now; the old window was their union, where
    # the mask is empty beyond the overlap. A blob that touches the overlap's edge must be opened and
    # eroded as if those zeros were there (OpenCV's border leaves pixels at an array's edge alone):
    # without the margins, lacking / overwritten / uncovered differed in every real group compared
    from kit.spread.pairs import _inner, _pad

    union = np.zeros((40, 60), np.uint8)
    wa, wb = (0, 0, 60, 40), (10, 8, 50, 40)  # b's box inside a's; the overlap is b's box
    union[8:40, 10:14] = 255  # a 4 px band along the overlap's left edge, down to the common bottom
    union[20:30, 20:35] = 255
    cut = np.ascontiguousarray(union[8:40, 10:50])
    pad = _inner(wb, wa, wb)
    assert pad == (3, 0, 3, 3)  # a runs on above, left and right of b; both end on the bottom line
    k2, k3 = np.ones((2, 2), np.uint8), np.ones((3, 3), np.uint8)
    for op in (lambda x: cv2.morphologyEx(x, cv2.MORPH_OPEN, k2), lambda x: cv2.erode(x, k3, iterations=2)):
        want = cv2.countNonZero(op(union))
        assert cv2.countNonZero(op(_pad(cut, pad))) == want
    assert cv2.countNonZero(cv2.erode(cut, k3, iterations=2)) != cv2.countNonZero(cv2.erode(union, k3, iterations=2))


def _viewpoint(corners: list) -> np.ndarray:
    """ORIGIN seen from another viewpoint: its corners moved to ``corners`` (fractions of the frame)."""
    h, w = ORIGIN.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * x, h * y] for x, y in corners])
    return cv2.warpPerspective(ORIGIN, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT)


def test_another_shot_of_the_scene_leaves_the_group():
    other = _viewpoint([(0.06, 0.04), (0.95, 0.07), (0.97, 0.93), (0.03, 0.96)])
    pics = _family(a=_logo(ORIGIN), b=_bar(ORIGIN), other=other)
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={"o": 0, "a": 1, "b": 2, "other": 3})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["other"] != grp["o"] == grp["a"] == grp["b"]
    rel = ev.relations.set_index("a").loc["other"]
    assert rel["b"] == "o" and rel["relation"] is None  # another picture of the scene: no source edge


def test_a_shot_from_a_slightly_other_viewpoint_is_no_copy_and_no_repost():
    # corners moved 2-3.5 % of the frame: its quarters shift alike within 2 px (the displacement test
    # keeps it), but only a perspective maps it onto the picture; posted after the copies, it
    # would otherwise hang from the origin as a repost
    other = _viewpoint([(0.03, 0.02), (0.98, 0.035), (0.965, 0.975), (0.025, 0.97)])
    pics = _family(a=_logo(ORIGIN), b=_bar(ORIGIN), other=other)
    g, ev = _trace(pics, [("p_o", "o", 0), ("p_a", "a", 30), ("p_b", "b", 60), ("p_x", "other", 90)])
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["other"] != grp["o"] == grp["a"] == grp["b"]
    assert g.in_degree("p_x") == 0 and g.has_edge("p_o", "p_a") and g.has_edge("p_o", "p_b")
    rel = ev.relations.set_index("a").loc["other"]
    assert rel["b"] == "o" and rel["relation"] is None


@pytest.mark.parametrize("seed", [3, 5, 11])
def test_a_quarter_mostly_of_other_content_does_not_make_a_copy_another_shot(seed):
    """A copy whose bottom-right quarter is mostly other content (70 % another scene over the picture
    moved 6 px): that quarter's correlation peaks at 0.39-0.45, at the picture's remnant. Read as
    parallax it gave 6.4-6.8 px against the other quarters (over the 2 px of another shot); the demo's
    mirrored screenshots peaked so (0.34-0.44) on their chrome and left the cascade as another shot.
    A weak peak says nothing now; the copy's own quarters still agree."""
    from kit.spread.changes import _displacement

    h, w = 120, 180
    base = scene(seed, h, w)
    cp = _jpeg(base, 80).copy()
    q = cp[h // 2:, w // 2:].astype(np.float32)
    other = scene(seed + 40, h - h // 2, w - w // 2).astype(np.float32)
    cp[h // 2:, w // 2:] = np.clip(0.3 * np.roll(q, 6, axis=1) + 0.7 * other, 0, 255).astype(np.uint8)
    lum = lambda a: cv2.cvtColor(a, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32) * 100 / 255  # noqa: E731
    x, r = lum(cp), lum(base)
    sl = (slice(h // 2, h), slice(w // 2, w))
    pa, pb = np.ascontiguousarray(r[sl]), np.ascontiguousarray(x[sl])
    (dx, _dy), response = cv2.phaseCorrelate(pa, pb, cv2.createHanningWindow(pa.shape[::-1], cv2.CV_32F))
    assert 0.3 <= response < 0.5 and dx > 4  # the premise: a weak peak at the remnant's shift
    assert _displacement(x, r, np.ones((h, w), bool)) < 1.0


def test_colour_copies_of_a_sepia_reference_are_not_gray():
    # sepia colours by lightness (the classic sepia matrix, clipped): the colour copies' chroma maps
    # onto it only through their lightness; an affine map of their chroma alone left it unexplained,
    # and they were flagged gray, so the colour origin "regained colour" under every gray descendant
    data = pytest.importorskip("skimage.data")
    a = data.astronaut()
    a = _jpeg(cv2.resize(a, (320, 320), interpolation=cv2.INTER_AREA), 92)
    sepia = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    pics = {"sepia": _jpeg(np.clip(a.astype(float) @ sepia.T, 0, 255).astype(np.uint8)), "o": a,
            "crop": _jpeg(a[10:-10, 10:-10]), "gray": _jpeg(np.repeat(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2))}
    g = register_group(pics, "sepia", rechoose=False)
    assert not g.copies["o"].gray and not g.copies["crop"].gray and g.copies["gray"].gray


def test_undecodable_media_get_an_error_row(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not a jpeg")
    ev = lineage_evidence({"o": ORIGIN, "bad": str(bad)})
    row = ev.copies.set_index("id").loc["bad"]
    assert not row["registered"] and "decoded" in row["error"]


def test_groups_in_worker_processes_give_the_same_evidence():
    pics = _family(a=_bar(ORIGIN), b=_logo(ORIGIN))
    pics2 = {f"x{k}": v for k, v in _family(c=_meme(ORIGIN)).items()}
    allp = {**pics, **pics2}
    clusters = pd.DataFrame({"id": list(allp), "cluster": [0] * len(pics) + [1] * len(pics2)})
    one = lineage_evidence(allp, clusters, rejoin=False)
    two = lineage_evidence(allp, clusters, rejoin=False, workers=2)
    cols = ["u", "v", "inherited", "lacking", "uncovered"]
    a = one.pairs[cols].sort_values(["u", "v"]).reset_index(drop=True)
    b = two.pairs[cols].sort_values(["u", "v"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert two.seconds["workers"] == 2


def test_pictures_described_in_worker_processes_rejoin_the_same_groups():
    """With a pool, the strays' pictures are decoded and described in it (over 32 of them): the
    groups and the inheritance evidence are those of the serial run."""
    pics: dict = {}
    for k in range(6):
        base = _jpeg(scene(30 + k, 240, 320), 90)
        for j, edit in enumerate((lambda a: a, _logo, _meme, lambda a: _bar(a, top=False), _jpeg, _bar)):
            pics[f"s{k}e{j}"] = edit(base)
    clusters = pd.DataFrame({"id": list(pics), "cluster": range(len(pics))})  # every copy a stray
    one = lineage_evidence(pics, clusters)
    two = lineage_evidence(pics, clusters, workers=2)
    assert len(set(one.groups["group"])) < len(pics) / 2  # the strays found their pictures
    pd.testing.assert_frame_equal(one.groups.sort_values("id").reset_index(drop=True),
                                  two.groups.sort_values("id").reset_index(drop=True))
    cols = ["u", "v", "inherited", "lacking", "uncovered"]
    pd.testing.assert_frame_equal(one.pairs[cols].sort_values(["u", "v"]).reset_index(drop=True),
                                  two.pairs[cols].sort_values(["u", "v"]).reset_index(drop=True))


def test_a_source_photo_that_differs_in_colour_only_leaves_the_composites_group():
    """Grey gravel pasted on brown tissue keeps the lightness: the grey-level test sees no replaced
    region, the colour comparison does. The source photo leaves the fake's group and the copies of
    the fake stay together (the old code kept the source as a copy)."""
    from PIL import Image
    from skimage import data

    host = np.asarray(Image.fromarray(data.immunohistochemistry()).resize((320, 320), Image.LANCZOS))
    fake = host.copy()
    patch = np.asarray(Image.fromarray(data.gravel()).convert("RGB").resize((110, 100)))
    fake[20:120, 20:130] = (0.85 * patch + 0.15 * fake[20:120, 20:130]).astype(np.uint8)
    pics = {"fake": _jpeg(fake, 92), "repost": _jpeg(_bar(fake), 80), "small": _jpeg(fake[::2, ::2].copy(), 75),
            "source": _jpeg(host, 90)}
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={"source": 0, "fake": 1, "repost": 2, "small": 3})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["source"] != grp["fake"] == grp["repost"] == grp["small"]
    rel = ev.relations.set_index("a").loc["source"]
    assert rel["b"] in ("fake", "repost", "small")  # the row says which group it left


def _pasted(host: str, donor: str, centre: tuple, radius: int) -> tuple:
    """``(host photo, composite)``: skimage's ``donor`` pasted on ``host`` (both 320 x 240) in a
    feathered disc of ``radius`` px at ``centre``."""
    from PIL import Image
    from skimage import data

    def photo(name):
        return np.asarray(Image.fromarray(getattr(data, name)()).convert("RGB").resize((320, 240), Image.LANCZOS))

    base, m = photo(host), np.zeros((240, 320), np.float32)
    cv2.circle(m, centre, radius, 1.0, -1)
    m = cv2.GaussianBlur(m, (0, 0), 2)[..., None]
    return base, (base * (1 - m) + photo(donor) * m).astype(np.uint8)


def _leaves_beside_the_fake(pics: dict, centre: tuple) -> None:
    """Asserts the ``source`` photo leaves the group of the other ``pics`` (posted in their order) with a
    ``source`` row naming ``fake`` and the region (a radius 28 disc at ``centre``)."""
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={k: t for t, k in enumerate(pics)})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["source"] != grp["fake"]
    assert {grp[k] for k in pics if k != "source"} == {grp["fake"]}
    rel = ev.relations.set_index("a").loc["source"]
    assert rel["b"] == "fake" and rel["relation"] == "source"
    x, y = centre
    assert _iou(rel["box"], ((x - 28) / 320, (y - 28) / 240, (x + 28) / 320, (y + 28) / 240)) >= 0.6


def _warm(img: np.ndarray) -> np.ndarray:
    """A warm grade over the whole picture (red up, blue down)."""
    return np.clip(img.astype(np.float32) * (1.12, 1.0, 0.85) + (12, 0, 0), 0, 255).astype(np.uint8)


def _source_leaves(host: str, donor: str, centre: tuple, radius: int, fake_q: int, grade=None):
    """``donor`` pasted on ``host`` (320 x 240, a feathered disc; then ``grade``d, when given), the fake
    with a logo, a half-size and a meme repost, and the host photo posted last: asserts the source
    leaves the fake's group with a ``source`` row and the reposts stay; returns that row."""
    base, fake = _pasted(host, donor, centre, radius)
    fake = fake if grade is None else grade(fake)
    pics = {"fake": _jpeg(fake, fake_q), "logo": _jpeg(_logo(fake), 85), "small": _jpeg(fake[::2, ::2].copy(), 80),
            "meme": _jpeg(_meme(fake), 80), "source": _jpeg(base, 90)}
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={"fake": 0, "logo": 1, "small": 2, "meme": 3, "source": 4})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["source"] != grp["fake"] == grp["logo"] == grp["small"] == grp["meme"]
    rel = ev.relations.set_index("a").loc["source"]
    assert rel["b"] == "fake" and rel["relation"] == "source"
    return rel


@pytest.mark.parametrize("host, donor, centre", [("astronaut", "coffee", (200, 60)), ("coffee", "astronaut", (240, 170))])
def test_a_source_photo_posted_after_its_composite_leaves_the_group_as_its_source(host, donor, centre):
    """A photo pasted into another (3 % of the frame, feathered) on a picture that no grey-level test
    calls replaced, its own changes against the fake under the colour comparison's 4 %: the old code
    kept the source photo, posted last, as a copy of the fake. The comparison with the scene cues
    finds the pasted region standing out in the fake and the scene running on in the source, and
    nothing else between them: the source leaves with a ``source`` row naming the region. Reposts
    with a logo, meme text or a resize stay (each differs from the fake by more than a region)."""
    rel = _source_leaves(host, donor, centre, 28, 92)
    x, y = centre
    truth = ((x - 28) / 320, (y - 28) / 240, (x + 28) / 320, (y + 28) / 240)
    assert _iou(rel["box"], truth) >= 0.6


@pytest.mark.parametrize("donor, radius", [("coins", 20), ("camera", 20), ("astronaut", 18)])
def test_a_source_photo_whose_own_changes_are_a_small_share_still_gets_the_source_test(donor, radius):
    """A paste of 2 % of the frame on the Hubble deep field: against the fake the source photo's own
    changes measure 1.4-1.7 % of the frame (the black sky matches the paste's dark parts), under the
    2 % at which the source test was asked (twitter_delays 303's source photo: 1.8 %), and the
    comparison also called the fake's chroma-subsampled colour a gray filter, which no source may
    differ by. Asked from 1 %, with that fixed, the source leaves with its row; the reposts stay."""
    _source_leaves("hubble_deep_field", donor, (200, 60), radius, 91)


@pytest.mark.parametrize("host, donor, centre", [("astronaut", "coffee", (200, 60)), ("coffee", "astronaut", (240, 170))])
def test_a_source_photo_is_asked_beside_the_copy_like_it_when_the_composite_spread_mirrored(host, donor, centre):
    """The composite spread mirrored: four of its five copies are mirrored, so the group is registered
    on a mirrored copy, and against it the source photo (posted last) is "mirrored" too, which no
    source may be. The old code kept it as a copy of the fake (deep_chains 502's source photo hung
    under its composite's origin). Asked beside the copy mirrored like it with no changes of its own
    (the fake as first posted), the source leaves with a ``source`` row naming that copy and the
    region; the mirrored reposts, one with a logo and one with meme text, stay."""
    base, fake = _pasted(host, donor, centre, 28)
    mir = np.ascontiguousarray(fake[:, ::-1])
    pics = {"fake": _jpeg(fake, 92), "mirror": _jpeg(mir, 90), "mirror_logo": _jpeg(_logo(mir), 85),
            "mirror_small": _jpeg(mir[::2, ::2].copy(), 80), "mirror_meme": _jpeg(_meme(mir), 80),
            "source": _jpeg(base, 90)}
    _leaves_beside_the_fake(pics, centre)


@pytest.mark.parametrize("host, donor, centre", [("astronaut", "coffee", (200, 60)),
                                                 ("coffee", "astronaut", (240, 170))])
def test_a_source_photo_is_asked_beside_a_plain_copy_when_the_reference_carries_edits_of_its_own(host, donor, centre):
    """The composite spread with a warm filter and a frame: four of its five copies carry them, so the
    group is registered on a warm framed copy, and against it the source photo differs by the
    pasted region and by colour, which no source may. The old code kept it as a copy of the fake
    (deep_chains 1's source photo, posted 11 h before its composite, became the group's first copy
    and the composite's origin hung under it). Asked beside the copy like it with no changes of its
    own (the fake as first posted), the source leaves with a ``source`` row naming that copy and the
    region; the warm reposts, one with meme text, stay."""
    base, fake = _pasted(host, donor, centre, 28)
    warm = cv2.copyMakeBorder(_warm(fake), 14, 14, 14, 14, cv2.BORDER_CONSTANT, value=(245, 245, 245))
    pics = {"source": _jpeg(base, 90), "fake": _jpeg(fake, 92), "warm": _jpeg(warm, 90),
            "warm_small": _jpeg(warm[::2, ::2].copy(), 85), "warm_meme": _jpeg(_meme(warm), 85),
            "warm_q75": _jpeg(warm, 75)}
    _leaves_beside_the_fake(pics, centre)


@pytest.mark.parametrize("host, donor, centre", [("astronaut", "coffee", (200, 60)),
                                                 ("coffee", "astronaut", (240, 170))])
def test_a_source_photo_leaves_a_composite_graded_after_the_paste(host, donor, centre):
    """The composite was graded warm after the paste, and every copy carries the grade. Against the
    reference the source photo (posted last) differs by the pasted region and by colour; the old code
    then asked it beside a plainer copy, found none (all are warm), and kept it as a copy of the fake
    (deep_chains 100's and no_time_no_links 100's source photos). The region stands out in the fake
    more than twice as much as in the photo (``SOURCE_CLEAR``): the source leaves with a ``source``
    row naming the fake and the region; the warm reposts with a logo, meme text or a resize stay."""
    rel = _source_leaves(host, donor, centre, 28, 92, grade=_warm)
    x, y = centre
    assert _iou(rel["box"], ((x - 28) / 320, (y - 28) / 240, (x + 28) / 320, (y + 28) / 240)) >= 0.6


@pytest.mark.parametrize("host, donor, centre", [("astronaut", "coffee", (200, 60)),
                                                 ("coffee", "astronaut", (240, 170))])
def test_a_source_photo_leaves_a_composite_known_only_from_a_repost_with_a_logo(host, donor, centre):
    """The composite was not collected, only a repost with a broadcaster's logo and copies of that
    repost, so every copy carries the logo. Against the reference the source photo (posted last)
    differs by the pasted region and by the logo; no plainer copy exists, and the old code kept it
    as a copy (no_counts 1's source photo, in a group with one repost that has a caption bar and a
    logo). The region, off the frame's edges, stands out more than twice as much in the repost as
    in the photo: the source leaves with a ``source`` row and the region; the reposts stay."""
    base, fake = _pasted(host, donor, centre, 28)
    logo = _logo(fake)
    pics = {"logo": _jpeg(logo, 88), "logo_small": _jpeg(logo[::2, ::2].copy(), 80), "logo_q75": _jpeg(logo, 75),
            "source": _jpeg(base, 90)}
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={k: t for t, k in enumerate(pics)})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["source"] != grp["logo"] == grp["logo_small"] == grp["logo_q75"]
    rel = ev.relations.set_index("a").loc["source"]
    assert rel["relation"] == "source" and rel["b"] in ("logo", "logo_small", "logo_q75")
    x, y = centre
    assert _iou(rel["box"], ((x - 28) / 320, (y - 28) / 240, (x + 28) / 320, (y + 28) / 240)) >= 0.6


def test_a_long_thin_region_or_one_across_the_frame_is_no_pasted_object_for_the_source_test():
    """deep_chains 303: a screenshot repost, asked beside its child that added one line of meme text
    at the bottom, was "the source photo" of that line (a region 452 x 26 px, 17 : 1, standing out in
    the child and not in it). Regions pasted to fake a scene measured 1.0-1.6 : 1 on the benchmark's
    source photos; a region over 4 : 1 is a line of text or a band along an edge, and one across the
    whole frame (two reposts letterboxed on blurred fills) is another framing."""
    from kit.spread.composite import _compact

    shape = (732, 540, 3)
    assert not _compact((43 / 540, 706 / 732, 495 / 540, 732 / 732), shape)
    assert _compact((376 / 720, 371 / 720, 596 / 720, 549 / 720), (720, 720, 3))  # deep_chains 501's paste
    assert _compact((0.4, 0.1, 0.6, 0.7), (100, 300))  # 60 x 60 px: square in pixels, not in fractions
    assert not _compact((0.1, 0.5, 0.9, 0.55), (100, 100)) and not _compact((0.2, 0.2, 0.2, 0.5), (100, 100))
    assert not _compact((0, 0, 1, 1240 / 1280), (1280, 720, 3))  # twitter_delays 301: two letterboxed reposts


def test_a_source_photo_is_asked_only_beside_a_copy_framed_alike():
    """deep_chains 500's origin, no frame around it, was asked beside a phone screenshot of its own
    spread, and the screenshot's page read as a region replaced: the origin left its cascade as a
    "source". A copy is asked beside another only when the hash step found a frame around neither, or
    around both with the same content box (a dusk sky read as a frame reads alike in the composite)."""
    from kit.spread.composite import _framed_alike

    framed = {"photo": False, "shot": True, "sky": True, "sky_fake": True, "bar": True}
    boxes = {"shot": [0.03, 0.2, 0.97, 0.7], "sky": [0, 0.22, 1, 1], "sky_fake": [0, 0.225, 1, 1],
             "bar": [0, 0, 1, 0.85]}
    assert _framed_alike("photo", "fake", framed, boxes)  # no frame around either
    assert not _framed_alike("photo", "shot", framed, boxes) and not _framed_alike("shot", "photo", framed, boxes)
    assert _framed_alike("sky", "sky_fake", framed, boxes)
    assert not _framed_alike("sky", "bar", framed, boxes)
    assert not _framed_alike("sky", "unknown_box", {**framed, "unknown_box": True}, boxes)


@pytest.mark.parametrize("host, donor", [("coins", "rocket"), ("camera", "coffee"), ("astronaut", "rocket")])
def test_a_source_photo_leaves_when_its_region_stands_out_clearly_more_in_the_composite(host, donor):
    """A paste over busy content (two coins, a tripod) stands out from the picture around it less than
    twice as much in the composite as the source's own scene does there (ratios 1.6-2.5 here). Session
    18's margin (2x + 5 Lab units) kept those source photos as copies of their fake; it guarded against
    meme reposts seen the other way round, which the comparison's text test on the source's side now
    tells. A quarter more is enough; a tie (ratio 1.03-1.08: the group's reference is the source photo
    itself and a composite copy is compared against it) is not."""
    base, fake = _pasted(host, donor, (160, 120), 30)
    pics = {"fake": _jpeg(fake, 92), "meme": _jpeg(_meme(fake), 80), "source": _jpeg(base, 90)}
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={"fake": 0, "meme": 1, "source": 2})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    assert grp["source"] != grp["fake"] == grp["meme"]
    rel = ev.relations.set_index("a").loc["source"]
    assert rel["b"] == "fake" and rel["relation"] == "source"
    assert _iou(rel["box"], (130 / 320, 90 / 240, 190 / 320, 150 / 240)) >= 0.6


def test_a_region_named_by_several_copies_of_the_host_photo_is_searched_once_and_its_donor_named_once(monkeypatch):
    """Every copy of the host photo that leaves the composite's group names the replaced region again;
    the donor is one picture and gets one relation to the composite (at 10,000 posts one composite
    had 1,672 donor rows for a few dozen donors)."""
    from PIL import Image
    from skimage import data

    from kit.matching.verify import features
    from kit.spread.composite import _donors

    host = np.asarray(Image.fromarray(data.immunohistochemistry()).resize((320, 320), Image.LANCZOS))
    donor = np.asarray(Image.fromarray(data.astronaut()).resize((320, 320), Image.LANCZOS))
    fake = host.copy()
    fake[150:290, 150:290] = donor[60:200, 100:240]
    pics = {"fake": fake, "donor": donor, "host": host, "other": np.asarray(
        Image.fromarray(data.coffee()).resize((320, 240), Image.LANCZOS))}
    cache = {k: (v, 1.0, features(v, max_side=320, nfeatures=600)) for k, v in pics.items()}
    box = (150 / 320, 150 / 320, 290 / 320, 290 / 320)
    rel = [{"a": f"host{k}", "b": "fake", "relation": "source", "replaced": 0.19, "own_share": 0.2,
            "box": tuple(x + 0.004 * k for x in box)} for k in range(3)]
    calls = []
    import kit.spread.pictures as pictures

    real = pictures._align_many
    monkeypatch.setattr(pictures, "_align_many", lambda refs, fb, **kw: calls.append(len(refs)) or real(refs, fb, **kw))
    out = _donors(rel, {"g0": "fake", "g1": "donor", "g2": "host", "g3": "other"}, cache, 320)
    assert [(r["a"], r["b"], r["relation"]) for r in out] == [("donor", "fake", "donor")]
    assert len(calls) == 2  # one search of the region, one check of the hits against the rest


def test_composites_of_one_host_leave_its_group_in_one_round_each_copy_registered_at_most_three_times(monkeypatch):
    """Four composites of one host photo, spread with their reposts, in the one cluster the matcher
    makes of them: each composite's copies end in a group of their own, and no copy is registered
    more than three times (the old code took one composite out a round and registered everything
    left again: the last composite's copies six times, and the host stayed in a composite's group;
    a host made into 23 composites was quadratic)."""
    from PIL import Image
    from skimage import data

    import kit.spread.lineage as lineage

    def fit(a, w, h):
        return np.asarray(Image.fromarray(a).convert("RGB").resize((w, h), Image.LANCZOS))

    host = fit(data.immunohistochemistry(), 320, 320)
    pics = {"host": _jpeg(host, 90)}
    for n, (donor, x, y) in enumerate([(data.astronaut(), 20, 20), (data.coffee(), 200, 30),
                                       (data.hubble_deep_field(), 30, 200), (data.rocket(), 190, 190)]):
        fake = host.copy()
        fake[y:y + 90, x:x + 100] = fit(donor, 100, 90)
        pics |= {f"c{n}": _jpeg(fake, 92), f"c{n}bar": _jpeg(_bar(fake), 80),
                 f"c{n}small": _jpeg(cv2.resize(fake, (240, 240), interpolation=cv2.INTER_AREA), 75)}
    calls: dict = {}
    real = lineage.register_group

    def counted(images, *a, **kw):
        for i in images:
            calls[i] = calls.get(i, 0) + 1
        return real(images, *a, **kw)

    monkeypatch.setattr(lineage, "register_group", counted)
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}), first_seen={i: k for k, i in enumerate(pics)})
    grp = dict(zip(ev.groups["id"], ev.groups["group"]))
    for n in range(4):
        assert grp[f"c{n}"] == grp[f"c{n}bar"] == grp[f"c{n}small"]
    assert len({grp[f"c{n}"] for n in range(4)} | {grp["host"]}) == 5
    assert max(calls.values()) <= 3, calls


@pytest.mark.parametrize("matcher_says, source_test_says, leaves", [
    pytest.param(True, False, True, id="the-matcher-confirms-the-region"),
    pytest.param(False, True, True, id="the-matcher-refuses-the-source-test-finds-it"),
    pytest.param(False, False, False, id="neither-a-copy"),
])
def test_a_grey_level_region_the_matcher_refuses_still_gets_the_source_test(matcher_says, source_test_says, leaves):
    """A copy whose grey-level replaced region is over the split share goes to the matcher's own test;
    where the matcher did not confirm it, the source-photo test (the region standing out in the
    reference, the scene running on in the copy) was never asked, and a source photo posted after its
    fake stayed in the fake's group as a copy (2 of 9 such sources on the generated collections).
    The two verdicts are given here: they are measured on pictures elsewhere in this module."""
    from types import SimpleNamespace

    from kit.spread.composite import _odd

    class Verdicts:
        def __call__(self, ref, i):
            return matcher_says

        def compared(self, ref, i, pics=None, feats=None):
            return False

        def source_of(self, ref, i, pics, feats):
            return source_test_says

    c = SimpleNamespace(id="photo", displaced=0.0, replaced=0.05, own_share=0.06, mirror=False, rotation=0.0,
                        extent=(0, 0, 320, 240), box=(0, 0, 320, 240))
    assert _odd("fake", c, Verdicts(), {}, {}, split=0.03, displaced=2.0, own_split=0.04,
                source_min=0.02) is leaves


def test_a_filters_tone_residue_is_carried_by_no_other_copy():
    # u: the logo and a saturated colour. Its tone match leaves residue just over the own-change
    # threshold; the original and a sibling show the original picture there, within the pair's
    # tolerance of u. That is no inheritance (the original showed 0.7 % of the frame "inherited");
    # u's child carries the logo.
    from PIL import Image, ImageEnhance

    u = np.asarray(ImageEnhance.Color(Image.fromarray(_logo(ORIGIN, 200, 150))).enhance(1.6))
    pics = {"o": ORIGIN, "u": _jpeg(u), "s": _jpeg(ORIGIN[6:-4, 3:-5]), "c": _jpeg(u[8:-4, 3:-9])}
    g = register_group(pics, "o", rechoose=False)
    rows = pair_lineage(g, [("u", "o"), ("u", "s"), ("u", "c")]).set_index(["u", "v"])["inherited"]
    assert rows[("u", "o")] == 0.0 and rows[("u", "s")] < 0.001
    assert rows[("u", "c")] > 0.01


def test_a_copy_that_differs_by_a_line_of_meme_text_does_not_leave_its_group_as_a_composite():
    """deep_chains seed 0: 17 reposts left their groups because the colour comparison (no scene cues in
    the spread) read a line of meme text, after a resize and a colour boost down the chain, as a
    region replaced (12 : 1, 8 : 1, 5.5 : 1): each became a root of its own. A pasted object is
    compact (:func:`kit.spread.composite._long`); the same photo with a patch pasted still leaves."""
    from PIL import Image, ImageEnhance
    from skimage import data

    from kit.demo import edits
    from kit.spread.composite import _Composite

    jp = edits.reencode  # a JPEG round trip, 4:2:0 as Pillow's default

    photo = Image.fromarray(data.chelsea()).convert("RGB")
    x = jp(photo.resize((int(photo.width * 0.7), int(photo.height * 0.7))), 85)
    x = jp(edits.meme_text(x, "", "AGAIN IS DELETED UPDATE", size=[x.width // 11] * 2, fit=0.94, min_size=10,
                           bottom_at=0.96, stroke=1), 80)
    x = jp(ImageEnhance.Color(x).enhance(1.4), 75)
    meme = np.asarray(jp(x.resize((int(x.width * 0.8), int(x.height * 0.8))), 75))
    pasted = np.asarray(photo).copy()
    rocket = cv2.resize(data.rocket()[150:330, 200:380], (110, 110))
    pasted[60:170, 200:310] = rocket
    images = {"photo": np.asarray(jp(photo, 92)), "meme": meme, "pasted": np.asarray(jp(Image.fromarray(pasted), 85))}
    c = _Composite(images, {k: "image" for k in images}, {})
    assert not c.compared("photo", "meme")
    assert c.compared("photo", "pasted")
