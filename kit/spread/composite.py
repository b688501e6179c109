"""A composite and its source photo: the matcher's verdict on a pair, and the donor of a replaced region.

Private to :mod:`kit.spread.evidence`: :class:`_Composite` asks the matcher whether two
aligned copies differ by a region of other picture (a composite and the photo it was made
from, not a repost) and whether a copy is the source photo of the group's reference,
:func:`_parts` divides the copies that left a group into the pictures they show, :func:`_left`
writes the relation row of a copy that left, and :func:`_donors` looks, among the other groups'
references, for the picture the replaced region was pasted from.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _iou(a: tuple, b: tuple) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0


def _donors(relations: list, refs: dict, cache: dict, side: int, min_inliers: int = 12,
            same_box: float = 0.9) -> list:
    """Donor relations: where a source relation says which region of a composite was replaced, the
    picture that region came from is the reference of another group whose SIFT features align with
    the region (``min_inliers`` RANSAC inliers) and not with the rest of the composite (that would be
    a copy of the host photo: the region's crop carries some host around it). Without a source in the
    collection the region is unknown and no donor is looked for. Each donor is named once per
    composite, and a region is searched once per composite: a box that overlaps one searched before
    by ``same_box`` (intersection over union) is the same region named by another copy of the host
    photo (at 10,000 posts, 198 source relations named 105 boxes of 21 composites)."""
    from kit.matching.verify import features as sift
    from kit.spread.pictures import _align_many

    out: list = []
    searched: dict = {}  # composite -> the boxes already searched
    named: set = set()  # (donor, composite)
    for r in [r for r in relations if r["relation"] == "source" and r.get("box")]:
        comp = cache.get(r["b"])
        if comp is None or any(_iou(r["box"], bx) >= same_box for bx in searched.get(r["b"], ())):
            continue  # each copy of the host photo names the region again: once is the same search
        searched.setdefault(r["b"], []).append(r["box"])
        img = comp[0]
        h, w = img.shape[:2]
        x0, y0, x1, y1 = r["box"]
        pad = 0.1 * max(x1 - x0, y1 - y0)
        crop = img[max(0, int((y0 - pad) * h)):int(min(1.0, y1 + pad) * h),
                   max(0, int((x0 - pad) * w)):int(min(1.0, x1 + pad) * w)]
        if min(crop.shape[:2]) < 24:
            continue
        fr = sift(np.ascontiguousarray(crop), max_side=side, nfeatures=400)
        rest = img.copy()  # the composite without the region: what a copy of the host photo matches
        rest[max(0, int(y0 * h)):int(np.ceil(y1 * h)), max(0, int(x0 * w)):int(np.ceil(x1 * w))] = 0
        f_rest = sift(np.ascontiguousarray(rest), max_side=side, nfeatures=400)
        cands = [ref for ref in refs.values() if ref not in (r["a"], r["b"]) and ref in cache]
        hits = [ref for ref, (n, M, _m) in zip(cands, _align_many([cache[c][2] for c in cands], fr))
                if M is not None and n >= min_inliers]
        for ref, (n_rest, M_rest, _m) in zip(hits, _align_many([cache[c][2] for c in hits], f_rest)):
            if (M_rest is not None and n_rest >= min_inliers) or (ref, r["b"]) in named:
                continue  # a copy of the host picture, not a donor; or a donor found before
            named.add((ref, r["b"]))
            out.append({"a": ref, "b": r["b"], "relation": "donor", "replaced": r["replaced"],
                        "own_share": None, "box": r["box"]})
    return out


def _left(c: Any, b: Any, split: float, displaced: float, found: tuple | None = None, typed: bool = True) -> dict:
    """The relation row of copy ``c`` leaving the group of reference ``b``: ``source`` (when ``typed``)
    where nothing but a replaced region over ``split`` differs, the copy's parts in place, or where the
    comparison ``found`` ``b`` made from it (:meth:`kit.spread.composite._Composite.source_of`: the
    region's box and share): the unedited photo the composite was made from; else None."""
    if typed and found is not None:
        return {"a": c.id, "b": b, "relation": "source", "replaced": found[1], "own_share": c.own_share, "box": found[0]}
    rel = ("source" if typed and c.replaced > split and c.displaced <= displaced and c.own_share - c.replaced < 0.03
           and c.own_share < 2 * c.replaced else None)
    return {"a": c.id, "b": b, "relation": rel, "replaced": c.replaced, "own_share": c.own_share,
            "box": c.replaced_box if typed else None}


SOURCE_GAP, SOURCE_MARGIN = 1.25, 0.0
"""How much more a replaced region must stand out from its surroundings in a composite than in the
photo it was made from (:meth:`_Composite.source_of`): ratio and Lab units. A quarter more: on the
development collections the source photos left in a group measured 1.48-2.82, and a composite copy
compared against a group reference that is the source photo itself 1.03-1.08 (a tie says nothing of
the direction). Session 18's 2x + 5 guarded against meme reposts seen the other way round, which the
comparison's text test on the source's side now tells."""

SOURCE_ASPECT, SOURCE_SPAN = 4.0, 0.9
"""What a source test accepts as a pasted object (:func:`_compact`): its region's longest side over its
shortest at most ``SOURCE_ASPECT``, and under ``SOURCE_SPAN`` of the frame's width and of its height.
A line of meme text or a band along an edge is long and thin (deep_chains 303: a meme line read as
a region replaced, 17 : 1); a difference across the whole frame is another framing (twitter_delays
301: two blur-letterboxed reposts, a region of 0, 0, 720, 1240 in a 720 x 1280 frame). The
benchmark's source photos' regions: 1.0-1.6 : 1, at most half the frame across."""


def _elongation(bw: float, bh: float) -> float | None:
    """A box's longest side over its shortest (``bw``, ``bh`` in pixels), or None when it has no area."""
    return max(bw / bh, bh / bw) if bw > 0 and bh > 0 else None


def _compact(box: Any, shape: tuple) -> bool:
    """Whether ``box`` (fractions of a frame of ``shape`` (h, w, ...)) is a pasted object's
    (:data:`SOURCE_ASPECT`, :data:`SOURCE_SPAN`)."""
    h, w = shape[:2]
    fw, fh = box[2] - box[0], box[3] - box[1]
    e = _elongation(fw * w, fh * h)
    return bool(e is not None and e <= SOURCE_ASPECT and fw < SOURCE_SPAN and fh < SOURCE_SPAN)


def _long(box: Any) -> bool:
    """Whether a region's box ``(x0, y0, x1, y1)`` is over :data:`SOURCE_ASPECT` times as long as it is
    wide: a line of meme text, a caption or a band, not a pasted object. Without the scene cues' text
    test, the colour comparison read the meme lines a deep chain's copies differ by as regions
    replaced (12 : 1, 8 : 1, 5.5 : 1 on deep_chains seed 0), and the copies left their group."""
    e = _elongation(box[2] - box[0], box[3] - box[1]) if box else None
    return e is not None and e > SOURCE_ASPECT


SOURCE_EDITS = {"region replaced", "resized", "border or frame added"}
"""What may tell a composite from its source photo besides the region (:meth:`_Composite.source_of`)."""

SOURCE_CLEAR = 2.0
"""A region standing out this many times as much in the reference as in the copy is pasted beyond doubt:
then the reference may differ by a grade (:data:`GRADE_EDITS`) or a repost's marks (:data:`MARK_EDITS`)
too, where no plainer copy can be asked (:meth:`_Composite.source_of`; benchmark sources: 2.8-12.6)."""
GRADE_EDITS = {"colour or tone changed"}  # a grade after the paste, on every repost then
MARK_EDITS = {"text, logo or sticker", "caption bar"}
"""A repost's marks: beside a region :data:`EDGE_MARGIN` off every edge only (:func:`_off_the_edges`). At
the edge a band of meme text, a letterbox or app chrome can read as a region (the three reposts called
sources with marks beside any region: 2.2-2.4, each within 3 % of an edge)."""
EDGE_MARGIN = 0.05  # a share of the frame's side


def _off_the_edges(box: Any) -> bool:
    """Whether a region's box (fractions of the frame) keeps :data:`EDGE_MARGIN` from every edge."""
    return bool(min(box[0], box[1], 1 - box[2], 1 - box[3]) >= EDGE_MARGIN)


class _Composite:
    """``(reference, copy) -> bool``: the matcher's own verdict that two aligned pictures differ by a
    region of other picture content (:func:`kit.matching.verify.verify_pair`, on the trimmed
    pictures of screenshots and framed copies, as the matcher sees them): the composite and its
    source, not a repost. Features and verdicts are kept between calls."""

    def __init__(self, images: dict, kinds: dict, boxes: dict, side: int = 320) -> None:
        self.images, self.kinds, self.boxes, self.feats = images, kinds, boxes, {}
        self.side, self.seen, self.verdicts, self.sources = side, {}, {}, {}
        self.edited: set = set()  # (reference, copy): a pasted region, and other edits of the reference's
        self.graded: dict = {}  # (reference, copy) -> found: of those, a clear region beside a grade or marks

    def compared(self, ref: Any, i: Any, pics: dict | None = None, feats: dict | None = None) -> bool:
        """Whether the colour comparison finds one of two still images to be a composite of the
        other (:func:`kit.matching.comparison.compare_either` at ``side`` px; kept per pair). With
        ``pics`` / ``feats`` (the group's analysis pictures and their SIFT features) nothing is
        decoded or extracted again.

        Without the comparison's scene cues (``scene_cues=False``): they were measured on single
        edits of one photo, while a group's copies carry chains of edits and re-encodes and are
        compared with a reference that is edited too; on the spread benchmark they split reposts
        off (edge F1 0.02-0.06 lower on three collections, DEVELOPERS.md). A region over
        :data:`SOURCE_ASPECT` : 1 is no pasted object either (:func:`_long`)."""
        from kit.matching.comparison import compare_either

        key = (ref, i) if str(ref) <= str(i) else (i, ref)
        if key not in self.seen:
            self.seen[key] = False
            if self.kinds.get(i, "image") == "image" and self.kinds.get(ref, "image") == "image":
                a, b = (pics[ref], pics[i]) if pics else (self.images[ref], self.images[i])
                kw = {"features": (feats[ref], feats[i])} if pics and feats else {}
                try:
                    c = compare_either(a, b, a_id=ref, b_id=i, side=self.side, scene_cues=False, direction=False,
                                       **kw)
                    self.seen[key] = c.composite and not _long(c.changed_box)  # the verdict only: no maps
                except Exception:  # noqa: BLE001 - an unreadable file leaves the copy where it is
                    pass
        return self.seen[key]

    def source_of(self, ref: Any, i: Any, pics: dict, feats: dict) -> bool:
        """Whether copy ``i`` is the photo the reference ``ref`` was made from (its source): compared with
        the scene cues (:func:`kit.matching.compare`, ``i`` as the source, at ``side`` px), a region was
        replaced in the reference that stands out from the picture around it there at least
        ``SOURCE_GAP`` times as much as in ``i``, plus ``SOURCE_MARGIN`` Lab units (in ``i`` the scene
        runs on through it: other content was put into the reference, nothing was put onto ``i``), and
        nothing else tells the two apart but their size or a border. A repost with meme text, a logo, a
        caption bar, a crop or a colour filter is no source (scratch measurement on 28 benchmark
        collections, DEVELOPERS.md). Kept per pair with the region (:meth:`found`). Where such a region
        stands out but the reference differs from ``i`` by edits of its own besides, the pair goes into
        ``edited``: :func:`_sources_beside` asks a plainer copy of the group instead; where those edits
        are a grade over the whole picture (:data:`GRADE_EDITS`) or a repost's marks beside a region
        off the frame's edges (:data:`MARK_EDITS`), and the region stands out :data:`SOURCE_CLEAR`
        times as much, also into ``graded``: where no plainer copy answers (every copy carries the
        grade, or the marked repost is the only copy), the reference does."""
        from kit.matching.comparison import compare

        if (ref, i) not in self.sources:
            self.sources[(ref, i)] = None
            if self.kinds.get(i, "image") == "image" and self.kinds.get(ref, "image") == "image":
                try:
                    c = compare(pics[i], pics[ref], side=self.side, source_id=i, suspect_id=ref,
                                features=(feats[ref], feats[i]))
                except Exception:  # noqa: BLE001 - an unreadable pair leaves the copy where it is
                    c = None
                box = None if c is None else next((e["box"] for e in c.edits if e["edit"] == "region replaced"), None)
                if c is not None and c.composite and np.isfinite(c.context_suspect) and np.isfinite(c.context_source) \
                        and c.context_suspect >= SOURCE_GAP * c.context_source + SOURCE_MARGIN \
                        and box is not None and _compact(box, pics[ref].shape):
                    kinds = {e["edit"] for e in c.edits}
                    found = (tuple(float(x) for x in box), float(c.changed_fraction))
                    if kinds <= SOURCE_EDITS:
                        self.sources[(ref, i)] = found
                    else:  # the region, and the reference's own edits besides: a plainer copy is asked
                        self.edited.add((ref, i))
                        besides = GRADE_EDITS | (MARK_EDITS if _off_the_edges(box) else set())
                        if kinds <= SOURCE_EDITS | besides and c.context_suspect >= SOURCE_CLEAR * c.context_source:
                            self.graded[(ref, i)] = found  # ... and where none answers, the reference
        return self.sources[(ref, i)] is not None

    def found(self, ref: Any, i: Any) -> tuple | None:
        """``(box, share)`` of the region :meth:`source_of` found replaced in ``ref`` (box as fractions of
        its frame), or None."""
        return self.sources.get((ref, i))

    def _features(self, i: Any) -> list:
        if i not in self.feats:
            from kit.matching.keypoints import item_features
            from kit.matching.verify import features

            src = self.images.get(i)
            if isinstance(src, np.ndarray):
                self.feats[i] = [features(src)]
            else:
                box = None
                frac = self.boxes.get(i)
                if frac is not None:
                    from kit.hashing.decode import image_size

                    size = image_size(src)
                    if size:
                        w, h = size
                        box = ([frac[0] * w, frac[1] * h, frac[2] * w, frac[3] * h], (w, h))
                self.feats[i] = item_features(src, self.kinds.get(i, "image"), box=box)
        return self.feats[i]

    def __call__(self, ref: Any, i: Any) -> bool:
        if (ref, i) not in self.verdicts:
            self.verdicts[(ref, i)] = self._verify(ref, i)
        return self.verdicts[(ref, i)]

    def _verify(self, ref: Any, i: Any) -> bool:
        from kit.matching.verify import verify_pair

        changed = False
        for fa in self._features(ref):
            for fb in self._features(i):
                v = verify_pair(fa, fb)
                if v.verified:
                    return False
                changed = changed or bool(v.transform and v.transform.get("changed", 0.0) > 0.05)
        return changed


def _parts(reg: Any, odd: list, split: float, canvas: int, confirm: Any, pics: dict, feats: dict,
           tries: int = 2, same: float = 0.005) -> list:
    """The copies that left a group in one round, in parts that show one picture each
    (for :func:`kit.spread.evidence._register_split`; ``reg`` the round's registration, ``confirm`` its
    :class:`_Composite`, ``pics`` / ``feats`` the group's pictures and features). Where a host
    photo was made into several composites that spread, the matcher puts them all in one cluster;
    taken out one composite a round, each round registering everything left, a cluster of k
    composites cost k/2 registrations and colour comparisons a copy (quadratic in the posts).

    A copy joins the first part whose first copy shows the same picture: no region of other picture
    beside it on this round's canvas (:func:`kit.spread.changes.other_picture`, cheap) over ``same``
    of the frame, or no composite of it by the test that took it out (the matcher's where that
    region is over ``split``, else the colour comparison: on the scale benchmark two composites of
    one host photo differ by 1.5-2.7 % of the frame, and two reposts of one composite now and then
    by 1-1.7 %, by their edits). The parts are tried in the order of that region, at most ``tries``
    of them: a copy of another picture starts a part of its own. A part that still holds two
    pictures is split again in its own round, as all the odd copies were before."""
    from kit.spread.changes import other_picture
    from kit.spread.pairs import _box_mask

    inside = reg.frame_mask
    parts: list = []
    for i in odd:
        a = reg.copies[i]
        near = []
        for n, part in enumerate(parts):
            b = reg.copies[part[0]]
            ov = a.valid & b.valid & inside & _box_mask(a.box, inside.shape) & _box_mask(b.box, inside.shape)
            near.append((other_picture(a.lab[:, :, 0], b.lab[:, :, 0], ov, reg.frame, canvas), n))
        for v, n in sorted(near)[:tries]:
            r = parts[n][0]
            if v <= same or not (confirm(r, i) if v > split else confirm.compared(r, i, pics, feats)):
                parts[n].append(i)
                break
        else:
            parts.append([i])
    return parts


def _odd(ref: Any, c: Any, confirm: Any, pics: dict, feats: dict, *, split: float, displaced: float,
         own_split: float, source_min: float) -> bool:
    """Whether copy ``c`` leaves the group of reference ``ref`` (``kit.spread.evidence._register_split``):
    another shot of the scene (its parts displaced differently by over ``displaced`` canvas px, between the quarters of
    the picture); a composite of the reference or its source by the matcher's own test (a grey-level
    replaced region over ``split``, ``confirm(reference, copy)``); by the colour comparison (own marks
    over ``own_split`` and no such region, ``confirm.compared``: grey pebbles pasted on brown cells, a
    flat stretch of scene where the composite has texture; without a typed relation, which tripled the
    wrong source / donor edges on the benchmark); or the reference's source photo (own changes over
    ``source_min``, neither mirrored nor rotated, nothing around its picture: its extent is its picture
    box; :meth:`kit.spread.composite._Composite.source_of`; one posted after its composite otherwise hung
    under it as a copy), asked also where a grey-level region over ``split`` did not convince the
    matcher (2 of the 9 source photos left as copies on 12 generated collections)."""
    return (c.displaced > displaced or (c.replaced > split and confirm(ref, c.id))
            or (c.replaced <= split and c.own_share > own_split and confirm.compared(ref, c.id, pics, feats))
            or (c.own_share > source_min and _askable(c) and confirm.source_of(ref, c.id, pics, feats)))


def _askable(c: Any) -> bool:
    """Whether the reference's source test can ask copy ``c`` (:func:`_odd`): neither mirrored nor turned
    against the reference, and nothing around its picture (its extent is its picture box)."""
    from kit.spread.cost import ROT

    return not c.mirror and abs(c.rotation) < ROT and all(abs(a - b) <= 2 for a, b in zip(c.extent, c.box))


def _sources_beside(reg: Any, odd: list, confirm: Any, pics: dict, feats: dict, source_min: float, framed: dict,
                    boxes: dict) -> dict:
    """Copy -> the copy it was found the source photo of (:meth:`_Composite.source_of`), for the copies of
    registration ``reg`` with own changes over ``source_min`` that do not leave against the reference
    (``odd``) and that the reference's source test could not ask (mirrored, turned or showing more
    than its picture box against it, :func:`_odd`) or found a pasted region in the reference beside
    edits of the reference's own (``confirm.edited``: a colour filter, text; deep_chains 1's source
    photo, posted 11 h before its composite, became the group's first copy that way), each asked
    beside the copies like it (:func:`_beside`; ``framed`` and ``boxes``: :func:`_framed_alike`), and
    where none answers and the reference differs from it by the region and a grade or a repost's
    marks only (``confirm.graded``), beside the reference. Asking all the others too cost 29 % more lineage time
    on 963 posts (DEVELOPERS.md)."""
    added = _added(reg) if any(c.own_share > source_min for c in reg.copies.values()) else {}
    found = {}
    for i, c in reg.copies.items():
        if i in odd or c.own_share <= source_min or (_askable(c) and (reg.reference, i) not in confirm.edited):
            continue
        asked = _beside(reg, c, odd, added, source_min, lambda a, b: _framed_alike(a, b, framed, boxes))
        p = next((p for p in asked if confirm.source_of(p, i, pics, feats)), None)
        if p is None and (reg.reference, i) in confirm.graded:  # no plainer copy answered: the reference does
            p = reg.reference
            confirm.sources[(p, i)] = confirm.graded[(p, i)]
        if p is not None:
            found[i] = p
    return found


def _beside(reg: Any, c: Any, odd: list, added: dict, most: float, alike: Any, ask: int = 2) -> list:
    """The copies of registration ``reg`` to ask whether copy ``c`` is the source photo of the group's
    picture where the reference cannot be asked: at most ``ask``, best first. Of the copies mirrored
    and turned like ``c`` (within :data:`kit.spread.cost.ROT`), with own changes of at most ``most``
    of the frame, that show at least as much outside the reference frame (``added``, :func:`_added`;
    within 1 %), framed alike (``alike(c, j)``, :func:`_framed_alike`), and that do not leave
    (``odd``): those most like ``c`` besides ``c``'s own changes (own share and colour; showing more
    around the picture is no difference: a composite may be letterboxed, while a copy that shows
    less is cropped, which no source test passes).

    Asked against the reference only, a source photo stayed a copy of a composite that spread in a
    mirrored, turned or cropped chain: the reference is then a descendant, and beside it the photo
    is "mirrored", "turned" or shows picture beyond its crop (7 of the 19 wrong roots of
    deep_chains, DEVELOPERS.md). A copy like it, as the composite was first posted, answers."""
    from kit.spread.cost import ROT

    def apart(j: Any) -> float:
        return j.own_share + 0.01 * float(np.abs(j.colour - c.colour).sum())

    ok = [j for j in reg.copies.values() if j.id != c.id and j.id not in odd and j.mirror == c.mirror
          and abs(j.rotation - c.rotation) < ROT and j.own_share <= most and added[j.id] + 0.01 >= added[c.id]
          and alike(c.id, j.id)]
    return [j.id for j in sorted(ok, key=lambda j: (apart(j), str(j.id)))[:ask]]


def _added(reg: Any) -> dict:
    """Copy -> the share of the reference frame's area it shows outside that frame."""
    C = reg.frame_mask
    area = max(1.0, float(C.sum()))
    return {i: float((c.valid & ~C).sum()) / area for i, c in reg.copies.items()}


def _framed_alike(i: Any, p: Any, framed: dict, boxes: dict) -> bool:
    """Whether copies ``i`` and ``p`` show alike around their pictures: the hash step found a frame, bar
    or screenshot around neither (``framed``), or around both with content boxes (``boxes``, fractions)
    within 2 % on every side. A source photo shows nothing of its own around its picture (a dusk sky
    read as a frame is read alike in its composite), and a copy framed otherwise (a screenshot) differs
    from it by more than the region: its page was read as a region replaced."""
    if bool(framed.get(i)) != bool(framed.get(p)):
        return False
    a, b = boxes.get(i), boxes.get(p)
    return not framed.get(i) or (a is not None and b is not None and max(abs(x - y) for x, y in zip(a, b)) <= 0.02)
