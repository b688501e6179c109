"""Source comparison: a composite is found where the region was pasted, repost edits are named as
such, the source is told from the composite, and the case keeps what the matcher used to throw away."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from kit.demo.collection_edits import EDIT_OPS, apply_edit, encode, paste_fake
from kit.matching.comparison import compare, compare_either

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "cat", "coins", "camera")


def _photo(name: str, side: int = 640) -> Image.Image:
    a = getattr(data, name)()
    if a.ndim == 2:
        a = np.stack([a] * 3, -1)
    im = Image.fromarray(a[..., :3])
    s = side / max(im.size)
    return im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS)


def _iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _jpeg(img: Image.Image, rng) -> Image.Image:
    buf, _ = encode(img, rng)
    return Image.open(io.BytesIO(buf)).convert("RGB")


def test_a_pasted_region_is_found_where_it_was_pasted():
    """Feathered pastes of one bundled photo onto another (6-16 % of the frame), saved as JPEG: the
    comparison with the host photo finds the region. Measured over all 42 host/donor pairs of
    these photos and 3 seeds (session 25): 97.6 % found, 97.6 % with box IoU >= 0.8, mean box IoU
    0.95 (seed 0: 100 %, 100 %, 0.970; the misses are donors that look like their surroundings;
    at first 83 % and 82 %); here the bar is 90 % and a mean IoU of 0.9 on seed 0."""
    rng = np.random.default_rng(0)
    ious = []
    for h in PHOTOS:
        for d in PHOTOS:
            if h != d:
                fake, info = paste_fake(_photo(h), _photo(d), rng)
                c = compare(_photo(h), _jpeg(fake, rng))
                ious.append(_iou(c.changed_box, info["box"]) if c.composite else 0.0)
    ious = np.array(ious)
    assert (ious >= 0.8).mean() >= 0.9, ious.round(2)
    assert ious.mean() >= 0.9


def _feathered_paste(host: Image.Image, donor: Image.Image, box: tuple, q: int = 85) -> Image.Image:
    """``donor`` (resized to the host) shown through a feathered ellipse filling ``box``, saved as JPEG."""
    import cv2

    h, w = host.height, host.width
    d = np.asarray(donor.resize((w, h)), np.float32)
    m = np.zeros((h, w), np.float32)
    x0, y0, x1, y1 = box
    cv2.ellipse(m, ((x0 + x1) // 2, (y0 + y1) // 2), ((x1 - x0) // 2, (y1 - y0) // 2), 0, 0, 360, 1.0, -1)
    m = cv2.GaussianBlur(m, (0, 0), 3.0)[..., None]
    out = np.clip(np.asarray(host, np.float32) * (1 - m) + d * m + 0.5, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=q)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


@pytest.mark.parametrize("host,donor", [("coffee", "brick"), ("cat", "brick"), ("coffee", "moon")])
def test_a_smooth_patch_of_another_photo_is_a_replaced_region_not_a_sticker(host, donor):
    """A patch of wall or moon is no photograph by its texture, but where the source's scene runs
    on through a region larger than any mark a repost adds (6 % of the frame here), it replaced
    part of the scene. These three were named "text, logo or sticker" before."""
    photo = _photo(host)
    box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)


@pytest.mark.parametrize("host,donor", [("grass", "gravel"), ("gravel", "brick"), ("grass", "brick"),
                                        ("coins", "gravel")])
def test_a_texture_pasted_on_another_texture_of_its_tone_is_found_by_its_detail(host, donor):
    """Grass on gravel differs little in tone, so the difference alone left it unfound ("derived copy"
    before); the source's fine detail does not run on through the region (kit.matching.pixelwise.
    detail_lost), and that is other content."""
    photo = _photo(host)
    box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)


@pytest.mark.parametrize("host,donor", [("rocket", "moon"), ("rocket", "brick"), ("astronaut", "moon")])
def test_a_smooth_patch_over_a_smooth_part_of_the_scene_is_a_replaced_region(host, donor):
    """The rocket's sky and the astronaut's backdrop are no photograph by texture either, so a smooth
    patch pasted there was named "text, logo or sticker" (the rule wanted the source to look like a
    photo or the patch to be more than one tone). Where the source's scene runs on through a region
    larger than any mark a repost adds, it was replaced, whatever the texture on either side."""
    photo = _photo(host)
    box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)


def _assert_found(host: str, donor: str, frac: tuple) -> None:
    """``donor`` pasted on ``host`` in the box ``frac`` (shares of the frame): found there."""
    photo = _photo(host)
    box = tuple(int(f * (photo.width if i % 2 == 0 else photo.height)) for i, f in enumerate(frac))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)


@pytest.mark.parametrize("host,donor", [("grass", "retina"), ("camera", "retina"), ("gravel", "coffee"),
                                        ("moon", "chelsea")])
def test_a_coloured_paste_on_a_gray_photo_is_found_by_its_colour(host, donor):
    """A colour photo pasted on a gray one, where its lightness is the scene's ("same picture" or a
    "same picture" before on grass: only lightness was compared when one side is gray). The colour that the
    suspect's tint by tone does not explain counts as a difference (kit.matching.pixelwise.colour_left)."""
    _assert_found(host, donor, (0.35, 0.3, 0.6, 0.55))


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut", "rocket"])
def test_a_colour_photo_and_a_gray_copy_of_itself_are_no_composite_either_way(name):
    """The colour photo is coloured all over, not in a part (kit.matching.pixelwise.COLOUR_PART): the
    colour test is not asked, and neither way is a composite."""
    photo = _photo(name)
    gray = photo.convert("L").convert("RGB")
    assert not compare(gray, photo).composite and not compare(photo, gray).composite


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_a_colour_splash_and_a_gray_copy_of_its_photo_are_no_composite(name):
    """A colour splash (the photo gray but for a part of it) is coloured in a part only, so the
    colour is asked where it lies; the source's shapes run on through the coloured part (its tone
    changed there, kit.matching.regions.SHAPES_RUN_ON), so nothing was pasted."""
    photo = _photo(name)
    a = np.asarray(photo).copy()
    h, w = a.shape[:2]
    gray = np.asarray(photo.convert("L").convert("RGB"))
    keep = np.zeros((h, w), bool)
    keep[int(h * 0.3):int(h * 0.6), int(w * 0.3):int(w * 0.6)] = True
    a[~keep] = gray[~keep]
    c = compare_either(Image.fromarray(gray), Image.fromarray(a))
    assert not c.composite, c.edits


@pytest.mark.parametrize("host,donor", [("camera", "grass"), ("camera", "gravel"), ("coins", "moon"),
                                        ("rocket", "grass")])
def test_a_paste_through_which_neither_detail_nor_shapes_run_on_is_found(host, donor):
    """Grass over the camera man's smooth sky, a smooth moon over coins: the two differ in texture,
    so neither both-sided rule held (the source or the paste looks like no photograph, and the
    source's detail is missing on one side only). Neither the source's fine detail nor its shapes
    run on through the region: other content. The first three were derived copies before."""
    _assert_found(host, donor, (0.6, 0.05, 0.95, 0.4))


@pytest.mark.parametrize("host,donor", [("astronaut", "brick"), ("coffee", "brick"), ("chelsea", "coffee"),
                                        ("grass", "gravel")])
def test_a_paste_of_a_marks_size_away_from_the_corners_is_found(host, donor):
    """A paste of 2 % of the frame in the middle, under the size of a mark (kit.matching.regions.
    MARK_MAX): where it stands out in the suspect only and lies away from the corners where marks are
    put, it was pasted. The first two were "text, logo or sticker" before."""
    _assert_found(host, donor, (0.42, 0.4, 0.58, 0.58))


@pytest.mark.parametrize("host,donor", [("astronaut", "brick"), ("coffee", "brick"), ("chelsea", "coffee"),
                                        ("rocket", "grass"), ("camera", "gravel"), ("coins", "chelsea")])
def test_a_paste_of_a_marks_size_near_a_corner_but_not_in_it_is_found(host, donor):
    """Pastes of 2 % of the frame nearer a corner: 0.14 of the frame from the right edge, 0.12 from the top,
    under their own size (0.88 and 0.75 of it), where no mark of the repost edits sits (kit.matching.
    regions.CORNER). They were "text, logo or sticker" when a region within its own size of two edges
    counted as in a corner."""
    _assert_found(host, donor, (0.7, 0.12, 0.86, 0.28))


@pytest.mark.parametrize("op,name,draw", [("logo", "astronaut", 0), ("logo", "immunohistochemistry", 1),
                                          ("logo", "coins", 0), ("filter", "astronaut", 1),
                                          ("filter", "moon", 1), ("filter", "brick", 0)])
def test_a_translucent_logo_in_a_corner_and_a_vignette_are_no_composite(op, name, draw):
    """Six of 280 repost edits (scratch census, DEVELOPERS.md) compared either way: a translucent logo
    reads as photograph through it and stands out, but a region of a mark's size in a corner is a
    mark; a vignette's dark corners keep the source's shapes (kit.matching.regions.SHAPES), its tone
    changed there. The logos on astronaut and immunohistochemistry and the three vignettes were called
    composites before."""
    rng = np.random.default_rng([9100, draw, sum(map(ord, op + name))])
    photo = _photo(name)
    edited, prm = apply_edit(photo, op, rng)
    c = compare_either(photo, _jpeg(edited, rng))
    assert not c.composite, (prm, c.edits)


@pytest.mark.parametrize("name,draw", [("coffee", 1), ("coins", 3)])
def test_a_screenshot_of_a_vignette_is_no_composite_in_the_spreads_comparison(name, draw):
    """The spread compares copies without the scene cues at 320 px. A phone screenshot of a
    vignetted repost leaves the vignette's dark edge a solid region that reads as photograph, and
    the shapes test was a scene cue, so it was "composite: region replaced" (and the copy left its
    group). The source's shapes run on through it: a tone change, in either setting."""
    rng = np.random.default_rng([9500, draw, sum(map(ord, name))])
    photo = _photo(name)
    edited, p1 = apply_edit(photo, "filter", rng)
    edited, p2 = apply_edit(edited, "screenshot", rng)
    c = compare_either(photo, _jpeg(edited, rng), side=320, scene_cues=False)
    assert p1["kind"] == "vignette" and not c.composite, (p2, c.edits)


@pytest.mark.parametrize("host,donor,frac,cues", [
    ("astronaut", "brick", (0.05, 0.03, 0.3, 0.28), False), ("coffee", "brick", (0.05, 0.03, 0.3, 0.28), True),
    ("camera", "grass", (0.03, 0.03, 0.22, 0.22), True), ("camera", "brick", (0.03, 0.03, 0.22, 0.22), True)])
def test_a_paste_joined_to_a_vignettes_corner_is_still_found(host, donor, frac, cues):
    """A paste at the top left of a photo, then vignetted: the paste and the darkened edge make one
    region, whose shapes follow the source's over most of it (kit.matching.regions.SHAPES_RUN_ON).
    The solid patch where the source's detail does not run on (kit.matching.regions.LOST_PATCH) keeps
    it other content; asked as a tone change alone, each of these was a derived copy. Of 48 such
    composites (8 hosts, 3 donors, 2 sizes) 23 are found in the spread's setting and 35 with the scene
    cues (22 and 32 without the patch test): a vignette over a paste often makes one region of both
    that no rule holds."""
    from kit.demo.edits import colour_filter

    photo = _photo(host)
    box = tuple(int(f * (photo.width if i % 2 == 0 else photo.height)) for i, f in enumerate(frac))
    vignetted = colour_filter(_feathered_paste(photo, _photo(donor), box), "vignette", factor=0.45)
    c = compare_either(photo, vignetted, side=640 if cues else 320, scene_cues=cues)
    assert c.composite, c.edits


@pytest.mark.parametrize("donor", ["coins", "camera"])
def test_chroma_subsampling_of_a_dark_photo_is_no_gray_filter_and_a_gray_filter_still_is(donor):
    """The Hubble deep field's colour lies in small points on black: a JPEG with 4:2:0 chroma dims it
    (mean chroma 3.5 -> 2.3 in the spread benchmark's copy), under the 3.0 that made the composite
    "colour or tone changed" too, so the spread took its source photo for no source
    (kit.spread.composite.SOURCE_EDITS). A grayscale filter leaves almost no chroma."""
    photo = _photo("hubble_deep_field")
    box = (int(photo.width * 0.45), int(photo.height * 0.13), int(photo.width * 0.65), int(photo.height * 0.39))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box, q=91))
    assert c.composite and [e["edit"] for e in c.edits] == ["region replaced"], c.edits
    from kit.demo.edits import colour_filter

    coffee = _photo("coffee")
    buf = io.BytesIO()
    colour_filter(coffee, "grayscale").save(buf, "JPEG", quality=80)
    assert "colour or tone changed" in [e["edit"] for e in compare(coffee, Image.open(buf)).edits]


def test_a_texture_pasted_where_the_source_is_not_photograph_is_found_by_its_detail():
    """Gravel pasted on the astronaut's smooth suit and backdrop: the paste is photograph, the source
    there is not, and the source's detail does not run on through most of the region."""
    photo = _photo("astronaut")
    box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
    c = compare(photo, _feathered_paste(photo, _photo("gravel"), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)


@pytest.mark.parametrize("donor", ["camera", "coffee"])
def test_a_night_sky_is_picture_not_fill(donor):
    """The Hubble deep field is black from corner to corner: the fill test took the whole sky for a
    letterbox, so the comparison saw picture only on the galaxies ("unrelated")."""
    photo = _photo("hubble_deep_field")
    box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
    c = compare(photo, _feathered_paste(photo, _photo(donor), box))
    assert c.composite and _iou(c.changed_box, box) >= 0.8, (c.relation, c.edits)


def test_bars_and_rotation_corners_are_fill_and_a_dark_sky_is_not():
    from kit.matching.pixelwise import picture_mask

    photo = np.asarray(_photo("chelsea"))
    boxed = np.zeros((photo.shape[0] + 120, photo.shape[1], 3), np.uint8)
    boxed[60:-60] = photo
    m = picture_mask(boxed)
    assert m[:55].sum() == 0 and m[-55:].sum() == 0 and m[70:-70].all()
    turned = np.asarray(Image.fromarray(photo).rotate(8, expand=True))  # black corners
    m = picture_mask(turned)
    assert m[0, 0] == 0 and m[-1, -1] == 0 and m[m.shape[0] // 2, m.shape[1] // 2] == 1
    sky = np.asarray(_photo("hubble_deep_field"))
    assert picture_mask(sky).all()


def test_without_the_scene_cues_only_photograph_counts():
    """``scene_cues=False`` (the spread's setting) keeps the rules from before them: the smooth wall
    patch and the texture pasted on a texture are not called a replaced region."""
    for host, donor in (("coffee", "brick"), ("grass", "gravel")):
        photo = _photo(host)
        box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
        fake = _feathered_paste(photo, _photo(donor), box)
        assert compare(photo, fake).composite and not compare(photo, fake, scene_cues=False).composite


def test_the_same_picture_pasted_over_itself_is_no_region():
    """skimage's ``cat`` is the ``chelsea`` photo: a paste of a picture onto itself changes nothing."""
    photo = _photo("chelsea")
    box = (int(photo.width * 0.35), int(photo.height * 0.3), int(photo.width * 0.6), int(photo.height * 0.55))
    assert compare(photo, _feathered_paste(photo, _photo("cat"), box)).relation == "same picture"


@pytest.mark.parametrize("op", sorted(EDIT_OPS))
def test_repost_edits_are_not_called_a_composite(op):
    """What reposts do (caption bars, meme text, logos, crops, filters, mirrors, screenshots,
    letterboxes, small rotations) is a derived copy of the source, never a replaced region."""
    rng = np.random.default_rng(sum(map(ord, op)))
    for name in ("coffee", "chelsea", "rocket"):
        photo = _photo(name)
        edited, prm = apply_edit(photo, op, rng)
        c = compare(photo, _jpeg(edited, rng))
        assert c.relation == "derived copy", (name, prm, c.relation, c.edits)


@pytest.mark.parametrize("name", ["astronaut", "coins", "coffee", "chelsea", "rocket", "camera"])
def test_a_meme_text_repost_compared_either_way_is_no_composite(name):
    """Seen the other way round (the meme repost as the source), the clean photo "lacks" the text:
    where the source shows text strokes, nothing was pasted into the suspect. The old rules called the
    clean photo a composite of its meme repost on astronaut, coins, coffee and chelsea."""
    rng = np.random.default_rng(sum(map(ord, "meme_text" + name)))
    photo = _photo(name)
    edited, prm = apply_edit(photo, "meme_text", rng)
    edited = _jpeg(edited, rng)
    assert not compare(edited, photo).composite, (name, prm)
    c = compare_either(photo, edited)
    assert c.relation == "derived copy" and {"text, logo or sticker", "caption bar"} & {e["edit"] for e in c.edits}, (
        name, prm, c.edits)


def test_edits_are_named():
    photo = _photo("chelsea")
    assert [e["edit"] for e in compare(photo, photo.transpose(Image.FLIP_LEFT_RIGHT)).edits] == ["mirrored"]
    crop = photo.crop((80, 40, 560, 400))
    assert "cropped" in [e["edit"] for e in compare(photo, crop).edits]
    framed = Image.new("RGB", (photo.width, photo.height + 160), "black")
    framed.paste(photo, (0, 80))
    assert "border or frame added" in [e["edit"] for e in compare(photo, framed).edits]
    small = photo.resize((photo.width // 2, photo.height // 2))
    assert [e["edit"] for e in compare(photo, small).edits] == ["resized"]
    gray = photo.convert("L").convert("RGB")
    assert "colour or tone changed" in [e["edit"] for e in compare(photo, gray).edits]
    assert compare(photo, photo.copy()).relation == "same picture"


def test_other_pictures_are_unrelated():
    assert compare(_photo("chelsea"), _photo("rocket")).relation == "unrelated"


def test_either_way_the_source_is_the_photo_without_the_region():
    rng = np.random.default_rng(5)
    for h, d in (("rocket", "chelsea"), ("cat", "coffee"), ("astronaut", "cat"), ("chelsea", "coffee")):
        fake, _ = paste_fake(_photo(h), _photo(d), rng)
        fake = _jpeg(fake, rng)
        for a, b, ids in ((fake, _photo(h), ("fake", "photo")), (_photo(h), fake, ("photo", "fake"))):
            c = compare_either(a, b, a_id=ids[0], b_id=ids[1])
            assert c.composite and (c.source_id, c.suspect_id) == ("photo", "fake"), (h, d, ids)


def test_a_caller_that_needs_only_the_verdict_gets_it_from_one_way_when_that_finds_the_composite(monkeypatch):
    """``direction=False`` (the spread's group splitting): the same verdict as both ways, one
    comparison fewer when the first way finds the region; a repost still takes both ways."""
    import kit.matching.comparison as comparison

    calls = []
    real = comparison._compare
    monkeypatch.setattr(comparison, "_compare", lambda *a, **k: calls.append(1) or real(*a, **k))
    rng = np.random.default_rng(5)
    photo = _photo("rocket", 320)
    fake = _jpeg(paste_fake(photo, _photo("chelsea", 320), rng)[0], rng)
    for a, b, n in ((photo, fake, 1), (fake, photo, 2)):  # the fake as suspect: found the first way
        calls.clear()
        both = compare_either(a, b, side=320)
        n_both = len(calls)
        calls.clear()
        one = compare_either(a, b, side=320, direction=False)
        assert both.composite and one.composite and (n_both, len(calls)) == (2, n)
    calls.clear()
    repost = compare_either(photo, _jpeg(photo.resize((240, 160)), rng), side=320, direction=False)
    assert not repost.composite and len(calls) == 2


def test_the_mask_and_heat_map_are_in_the_suspects_pixels():
    photo = _photo("chelsea")
    fake = np.asarray(photo).copy()
    fake[60:180, 200:340] = np.asarray(_photo("coins").resize((140, 120)))
    big = Image.fromarray(fake).resize((photo.width * 2, photo.height * 2))
    c = compare(photo, big)
    assert c.changed_mask.shape == c.heatmap.shape == (big.height, big.width)
    assert _iou(c.changed_box, (400, 120, 680, 360)) >= 0.8
    assert c.heatmap[c.changed_mask].mean() > 3 * c.heatmap[~c.changed_mask].mean()
    json.dumps(c.to_dict())  # what the case stores is plain JSON


def test_unreadable_files_are_a_clear_error(tmp_path):
    from kit.media import MediaError

    good = tmp_path / "good.jpg"
    _photo("chelsea").save(good, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[:300])
    with pytest.raises(MediaError, match="cut.jpg"):
        compare(good, cut)


def test_the_matcher_keeps_a_composite_and_its_source(tmp_path):
    """The keypoint stage used to refuse the pair and forget it; now it is a ``composite`` pair with
    the comparison that says which file is the source."""
    from kit.hashing import hash_image_file
    from kit.matching import match_collection

    photo = _photo("rocket")
    fake = photo.copy()
    info = {"box": [300, 120, 520, 330]}
    fake.paste(_photo("chelsea").resize((220, 210)), (300, 120))
    paths = {"photo": tmp_path / "photo.jpg", "fake": tmp_path / "fake.jpg",
             "repost": tmp_path / "repost.jpg"}
    photo.save(paths["photo"], quality=92)
    fake.save(paths["fake"], quality=90)
    fake.resize((fake.width // 2, fake.height // 2)).save(paths["repost"], quality=75)
    items = [{"id": k, "kind": "image", "path": str(p), "payload": hash_image_file(p)} for k, p in paths.items()]
    import pandas as pd

    res = match_collection(pd.DataFrame(items))
    comp = res.pairs[res.pairs["decision"] == "composite"]
    assert len(comp) >= 1
    cmp = [t["comparison"] for t in comp["transform"] if "comparison" in t]
    assert cmp and all(c["source"] == "photo" and c["suspect"] in ("fake", "repost") for c in cmp)
    for c in cmp:
        w, h = c["size"]
        box = [v * s for v, s in zip(info["box"], (w / fake.width, h / fake.height) * 2)]
        assert _iou(c["changed_box"], box) >= 0.8
    cl = dict(zip(res.clusters["id"], res.clusters["cluster"]))
    assert cl["fake"] == cl["repost"] != cl["photo"]


def test_the_demo_fake_is_a_composite_of_its_source(tmp_path_factory):
    """The demo's fireball: the case says p120 is p125 with a region replaced, and the region is the
    pasted box (IoU >= 0.8 against truth.json)."""
    from _demo import demo_case_dir

    from kit.case import Case

    case_dir = demo_case_dir(tmp_path_factory.getbasetemp() / "demo")
    truth = json.loads((Path(case_dir).parent / "incident" / "truth.json").read_text())
    case = Case.open(case_dir)
    try:
        comp = case.composites()
        posts = case.posts().set_index("post_id")["media_sha256"]
        row = comp[(comp["source"] == posts["p125"]) & (comp["suspect"] == posts["p120"])]
        assert len(row) == 1, comp[["source_label", "suspect_label", "summary"]]
        r = row.iloc[0]
        assert r.source_label == "p125" and r.suspect_label == "p120"
        W, H = truth["composite"]["base"]["upscaled_to"]
        w, h = r["size"]
        pasted = [v / s for v, s in zip(truth["composite"]["pasted_box"], (W, H, W, H))]
        found = [v / s for v, s in zip(r["changed_box"], (w, h, w, h))]
        assert _iou(found, pasted) >= 0.8
        from kit.casework.spread import load_exported_graph

        G = load_exported_graph(case)
        assert G.has_edge("p125", "p120") and G.edges["p125", "p120"]["relation"] == "source"
        f = case.findings()
        top = f.iloc[0]
        assert (top.code, top.severity) == ("COMPOSITE_OF_SOURCE", "high")
        assert top.message.startswith("p120 is p125 with a region of")
        from kit.report.sections import source_comparison

        html = source_comparison(case).data  # the report's section (and notebook 03's): sentence and triptych
        assert "p120 is p125 with a region of" in html and html.count("<img src=\"data:image/png;base64,") == 3
        assert "Pictures are blurred" in html
        assert "<img" not in source_comparison(case, redact=True).data
    finally:
        case.close()


def test_dfkit_compare(tmp_path, capsys):
    from kit.cli import main

    photo = _photo("chelsea")
    fake = np.asarray(photo).copy()
    fake[60:180, 200:340] = np.asarray(_photo("coins").resize((140, 120)))
    photo.save(tmp_path / "photo.jpg", quality=92)
    Image.fromarray(fake).save(tmp_path / "fake.jpg", quality=85)
    assert main(["compare", str(tmp_path / "photo.jpg"), str(tmp_path / "fake.jpg"), "--json"]) == 1
    rec = json.loads(capsys.readouterr().out)
    assert rec["relation"] == "composite: region replaced" and _iou(rec["changed_box"], (200, 60, 340, 180)) >= 0.8
    heat = tmp_path / "heat.png"
    assert main(["compare", str(tmp_path / "fake.jpg"), str(tmp_path / "photo.jpg"), "--either",
                 "--heatmap", str(heat)]) == 1
    out = capsys.readouterr().out
    assert "fake.jpg' is " in out and "photo.jpg' with a region of" in out and heat.exists()
    assert main(["compare", str(tmp_path / "photo.jpg"), str(tmp_path / "photo.jpg")]) == 0


@pytest.mark.parametrize("name, seed", [("rocket", 0), ("rocket", 1), ("chelsea", 2), ("coffee", 5), ("astronaut", 3)])
def test_a_phone_screenshot_of_a_cropped_repost_is_a_derived_copy(name, seed):
    """A phone screenshot (the demo's app chrome, dark or light page) of a repost that cut the photo
    on every side, itself cut again (as the demo's p095): the page and chrome lie where the photo's
    scene runs on. The tone fit must not take the page's white or black for the scene's brightest
    or darkest tones: that bent the curve until the whole picture differed, and the screenshot was
    called a composite of its own source."""
    from datetime import datetime, timezone

    from kit.demo.phone import screenshot_post

    rng = np.random.default_rng(seed)
    photo = _photo(name)
    w, h = photo.size
    crop = photo.crop((round(0.11 * w), round(0.19 * h), round(0.94 * w), round(0.84 * h)))
    ctx = {"time": datetime(2026, 3, 15, 1, 0, tzinfo=timezone.utc), "parent_caption": "Huge explosion right now",
           "parent_platform": "x", "parent_account": "BreakingWireNow", "age": "52m",
           "counts": ["3383", "14.4K", "304.9K"]}
    shot, prm = screenshot_post(crop, rng, ctx)
    W, H = shot.size
    shot = shot.crop((round(0.13 * W), round(0.07 * H), round(0.94 * W), round(0.81 * H)))
    c = compare_either(photo, _jpeg(shot, rng), side=320, scene_cues=False)
    assert not c.composite, (prm["theme"], c.relation, c.edits)
