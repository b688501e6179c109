"""Compare a picture with its source: what was changed, where, and how we know.

How fact-checkers debunk most fakes: find the original, align it with the
suspect, show the difference. :func:`compare` aligns ``source`` onto
``suspect`` with the matcher's own keypoint + RANSAC machinery
(:func:`kit.matching.verify.verify_pair`, mirror included), so crops, scale,
mirrors, caption bars and recompression do not get in the way; then it
matches tones channel by channel (filters and brightness changes do not
count), measures the difference in lightness and colour, and sorts what
differs into what reposts do (caption bars, text, logos, stickers, added
borders, crops, colour changes) and what they do not: a solid region of
other photographic content, the sign of a composite.

The result (:class:`Comparison`) names the ``relation`` ("same picture",
"derived copy", "composite: region replaced", "unrelated"), the ``transform``
of the source into the suspect, the ``edits`` a repost made (each named), and,
for a composite, ``changed_mask`` (bool, the suspect's pixels),
``changed_box`` and ``changed_fraction`` (share of the suspect's frame).
``heatmap`` is the aligned difference in the suspect's pixels (0 to 1).

A region counts as replaced (:func:`kit.matching.regions.sort_regions`) only
where it stands out from the picture around it in the suspect and not in the
source (:func:`context_gap`: the source photo's scene runs on through the
region; other content was put into the composite), or where the source's fine
detail does not run on through it (:func:`detail_lost`: a texture pasted on a
texture of its tone, or on a smooth part of the scene), or neither its detail
nor its shapes do (a smooth moon over coins). A smooth patch counts when it is
larger than the marks reposts add (:data:`kit.matching.regions.MARK_MAX`),
whatever the texture on either side (a moon pasted on a sky); a region of a
mark's size in a corner is a mark; one where the source's shapes run on is the
source with its tone changed there (a vignette); text is told by its strokes
(:data:`~kit.matching.pixelwise.TEXT_EDGES`). On a gray source, colour that
the suspect's tint by tone does not explain counts as a difference too (a
colour photo pasted on a gray one). When it is not known which of two pictures
is the source, :func:`compare_either` compares both ways and keeps the
direction in which that holds.

Examples
--------
>>> import cv2, numpy as np
>>> from skimage import data
>>> photo = data.chelsea()
>>> fake = photo.copy()
>>> fake[60:180, 200:340] = cv2.resize(np.dstack([data.coins()] * 3)[100:250, 100:300], (140, 120))
>>> c = compare(photo, fake)
>>> c.relation, c.changed_box
('composite: region replaced', (199, 59, 341, 181))
>>> c.summary("p2", "p9")
'p9 is p2 with a region of 12% of the frame replaced by other picture content.'
>>> c = compare(photo, photo[:, ::-1])
>>> c.relation, [e["edit"] for e in c.edits]
('derived copy', ['mirrored'])
>>> compare_either(fake, photo, a_id="fake", b_id="photo").source_id
'photo'
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kit.matching.pixelwise import (detail_lost, gradient, half_level_edge, looks_like_photo, to_lab, tone_match,
                                   warp_source)
from kit.matching.regions import sort_regions

__all__ = ["RELATIONS", "Comparison", "compare", "compare_either", "looks_like_photo"]

RELATIONS = ("same picture", "derived copy", "composite: region replaced", "unrelated")


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found (see the module doc). Pixel boxes are ``(x0, y0, x1, y1)`` in the
    suspect's own pixels; ``transform`` maps the source into the suspect."""

    relation: str
    transform: dict | None
    edits: list = field(default_factory=list)
    changed_mask: np.ndarray | None = None
    changed_box: tuple | None = None
    changed_fraction: float = 0.0
    heatmap: np.ndarray | None = None
    inliers: int = 0
    size: tuple = (0, 0)
    context_suspect: float = float("nan")
    context_source: float = float("nan")
    source_id: Any = None
    suspect_id: Any = None

    @property
    def composite(self) -> bool:
        return self.relation == RELATIONS[2]

    def summary(self, source: str = "the source", suspect: str = "the suspect") -> str:
        """One sentence for the analyst (plain text; escape it where it is shown)."""
        if self.relation == "unrelated":
            return f"{suspect} could not be aligned with {source}: no shared picture found."
        named = self.edit_names()
        rest = f"; also {', '.join(named)}" if named else ""
        if self.composite:
            return (f"{suspect} is {source} with a region of {100 * self.changed_fraction:.0f}% of the frame "
                    f"replaced by other picture content{rest}.")
        if self.relation == "same picture":
            return f"{suspect} shows the same picture as {source}."
        return f"{suspect} is a copy of {source}: {', '.join(named) or 'recompressed'}."

    def edit_names(self) -> list[str]:
        """The repost edits in words, each once (with a count where there are several)."""
        from collections import Counter

        n = Counter(e["edit"] for e in self.edits if e["edit"] != "region replaced")
        return [f"{k} ({v})" if v > 1 else k for k, v in n.items()]

    def to_dict(self) -> dict:
        """JSON-safe record (the mask and heat map are left out: the box and share say where)."""
        return {"relation": self.relation, "transform": self.transform, "edits": self.edits,
                "changed_box": list(self.changed_box) if self.changed_box else None,
                "changed_fraction": float(self.changed_fraction), "inliers": int(self.inliers),
                "size": list(self.size), "context_suspect": _num(self.context_suspect),
                "context_source": _num(self.context_source),
                "source": self.source_id, "suspect": self.suspect_id}


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _load(x: Any, side: int) -> tuple[np.ndarray, tuple[int, int]]:
    """RGB uint8 at analysis size (long side ``side`` at most) and the full size (w, h)."""
    import cv2

    from kit.media import load_image

    a = load_image(x, mode="RGB")
    h, w = a.shape[:2]
    s = min(1.0, side / max(h, w))
    if s < 1.0:
        a = cv2.resize(a, (max(8, round(w * s)), max(8, round(h * s))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(a), (w, h)


def _prepare(x: Any, side: int, feats: Any = None) -> tuple[np.ndarray, tuple[int, int], Any]:
    """(analysis picture, full size, SIFT features): each picture is decoded and described once."""
    from kit.matching.verify import features

    a, full = _load(x, side)
    return a, full, feats if feats is not None else features(a, max_side=side, nfeatures=800)


def compare(source: Any, suspect: Any, *, side: int = 640, min_inliers: int = 12, threshold: float = 9.0,
            min_region: float = 0.01, max_region: float = 0.5, density: float = 0.012, open_frac: float = 0.02, close_frac: float = 0.04,
            source_id: Any = None, suspect_id: Any = None, features: tuple | None = None,
            scene_cues: bool = True) -> Comparison:
    """Align ``source`` onto ``suspect`` and say what differs (see the module doc).

    Parameters
    ----------
    source, suspect
        Paths, bytes, PIL images or arrays (anything :func:`kit.media.load_image` reads).
    side
        Analysis long side in pixels; masks and boxes are given at the suspect's full size.
    min_inliers
        RANSAC inliers needed to call the two aligned.
    threshold
        Difference (CIE L units, plus half the chroma difference) after tone matching that counts.
    min_region
        Share of the suspect's frame a region of other picture content must cover to make a composite.
    max_region
        A changed region over this share of the frame is no composite: the two share a part only
        (or the alignment holds for a part), and the suspect is called a derived copy.
    density
        Width of the neighbourhood (Gaussian sigma, share of the long side) in which most pixels
        must differ strongly.
    features
        ``(suspect's, source's)`` :func:`kit.matching.verify.features` of the two at analysis size,
        when the caller has them (they are most of the cost).
    open_frac, close_frac
        Opening (thinner differences are ignored: text strokes, outlines, misaligned edges) and
        closing kernels as shares of the analysis long side.
    scene_cues
        Also take for other content what is not photograph by its texture: a smooth patch where the
        source's scene runs on, larger than a repost's mark (:data:`kit.matching.regions.MARK_MAX`),
        a texture whose detail does not follow the source's (:func:`kit.matching.pixelwise.detail_lost`),
        a region through which neither the source's detail nor its shapes run on, and one of a mark's
        size away from the corners that stands out in the suspect only; compare colour on a gray
        source (:func:`kit.matching.pixelwise.colour_left`); tell text by its strokes
        (:data:`~kit.matching.pixelwise.TEXT_EDGES`) and marks by their place in a corner. Without
        them, only regions that look like photograph (or stand out on a photographed source) count.
        Either way a region through which the source's shapes run on is a tone change (a vignette's
        corners), unless it holds a solid patch of other texture (:data:`kit.matching.regions.LOST_PATCH`).
    """
    fs, fr = features if features is not None else (None, None)
    return _compare(_prepare(source, side, fr), _prepare(suspect, side, fs), side=side, min_inliers=min_inliers,
                    threshold=threshold, min_region=min_region, max_region=max_region, density=density,
                    open_frac=open_frac, close_frac=close_frac, source_id=source_id, suspect_id=suspect_id,
                    scene_cues=scene_cues)


def _compare(src: tuple, sus: tuple, *, side: int, min_inliers: int, threshold: float, min_region: float,
             max_region: float, density: float, open_frac: float, close_frac: float, source_id: Any,
             suspect_id: Any, scene_cues: bool = True) -> Comparison:
    """:func:`compare` on pictures already decoded and described (:func:`_prepare`)."""
    from kit.matching.verify import verify_pair

    R, (Wr0, Hr0), fr = src
    S, (W0, H0), fs = sus
    h, w = S.shape[:2]
    v = verify_pair(fs, fr, min_inliers=min_inliers, min_cover=0.1, cell_share=0.0, max_changed=None)
    ids = {"source_id": source_id, "suspect_id": suspect_id, "size": (W0, H0)}
    if v.transform is None or v.matrix is None or v.inliers < min_inliers \
            or min(v.transform["cover_a"], v.transform["cover_b"]) < 0.1:
        return Comparison("unrelated", v.transform, inliers=int(v.inliers), **ids)
    warped, valid = warp_source(R, v.matrix, bool(v.transform["mirror"]), (w, h))
    transform = dict(v.transform)
    if valid.sum() < 0.05 * w * h:
        return Comparison("unrelated", heatmap=np.zeros((H0, W0), np.float32), inliers=int(v.inliers),
                          transform=transform, **ids)
    Ls, Lr = to_lab(S), to_lab(warped)
    nr, d, fit, colour, curve_shift = tone_match(Ls, Lr, valid, threshold, local_colour=scene_cues)
    G = gradient(nr[..., 0])
    d_eff = np.where(valid, np.maximum(0.0, d - 0.6 * G), 0.0).astype(np.float32)
    lost, unmatched = detail_lost(Ls[..., 0], nr[..., 0], valid)
    strong = ((d_eff > threshold) | (lost if scene_cues else False)).astype(np.uint8)
    edits: list[dict] = []
    replaced, gaps_s, gaps_r = sort_regions(strong, valid, Ls, nr, G, edits, (lost, unmatched), scene_cues,
                                            Lr[..., 0], min_region=min_region, density=density,
                                            open_frac=open_frac, close_frac=close_frac)
    _describe_geometry(transform, valid, edits, (w, h), (R.shape[1], R.shape[0]), (Wr0, Hr0), (W0, H0), curve_shift, colour, Ls, nr, fit)
    heat_full = _full_size(np.clip(d_eff / (3.0 * threshold), 0.0, 1.0), (W0, H0))
    frac = float(replaced.sum()) / (w * h)
    if min_region <= frac <= max_region:
        replaced = half_level_edge(replaced, d, valid)
        frac = float(replaced.sum()) / (w * h)
        mask = _full_size(replaced.astype(np.uint8), (W0, H0), nearest=True).astype(bool)
        ys, xs = np.nonzero(mask)
        cbox = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        edits.insert(0, {"edit": "region replaced", "box": [cbox[0] / W0, cbox[1] / H0, cbox[2] / W0, cbox[3] / H0],
                         "share": round(frac, 4)})
        return Comparison(RELATIONS[2], transform, edits, mask, cbox, frac, heat_full, int(v.inliers), (W0, H0),
                          float(np.nanmedian(gaps_s)) if gaps_s else float("nan"),
                          float(np.nanmedian(gaps_r)) if gaps_r else float("nan"), source_id, suspect_id)
    rel = "same picture" if not edits and float(d_eff[valid].mean()) < 2.0 else "derived copy"
    return Comparison(rel, transform, edits, np.zeros((H0, W0), bool), None, 0.0, heat_full, int(v.inliers),
                      (W0, H0), source_id=source_id, suspect_id=suspect_id)


def _full_size(a: np.ndarray, size: tuple[int, int], nearest: bool = False) -> np.ndarray:
    """``a`` resized to the suspect's full ``size`` (w, h): linear, or nearest for a mask."""
    import cv2

    return cv2.resize(a, size, interpolation=cv2.INTER_NEAREST_EXACT if nearest else cv2.INTER_LINEAR)


def _describe_geometry(t: dict, valid: np.ndarray, edits: list, size: tuple, src_size: tuple,
                       src_full: tuple, sus_full: tuple,
                       curve_shift: float, colour: bool, Ls: np.ndarray, nr: np.ndarray, fit: np.ndarray) -> None:
    """Name the repost edits the alignment shows: crop, added border, resize, mirror, rotation, colour."""
    w, h = size
    added = 1.0 - float(valid.mean())
    if added > 0.03:
        edits.append({"edit": "border or frame added", "box": None, "share": round(added, 4)})
    bx = t.get("box_in_b") or [0, 0, 1, 1]
    kept = max(0.0, (bx[2] - bx[0]) * (bx[3] - bx[1]))
    if kept < 0.95:
        edits.append({"edit": "cropped", "box": bx, "share": round(kept, 4)})
    # full-size pixels of the suspect per full-size pixel of the source, on the shared content
    ratio = float(t.get("scale") or 1.0) * (sus_full[0] / w) / (src_full[0] / max(1, src_size[0]))
    if abs(np.log(max(ratio, 1e-6))) > np.log(1.05):
        edits.append({"edit": "resized", "box": None, "share": round(ratio, 4)})
    if t.get("mirror"):
        edits.append({"edit": "mirrored", "box": None, "share": None})
    if abs(float(t.get("rotation_deg") or 0.0)) > 0.7:
        edits.append({"edit": "rotated", "box": None, "share": round(float(t["rotation_deg"]), 2)})
    # a gray suspect of a coloured source: a grayscale filter leaves almost no chroma (under 0.1 Lab units
    # on the bundled photos after JPEG), while chroma subsampling dims a dark photo's small coloured
    # points only (the Hubble deep field 2.5 -> 2.0-2.3 at q70-91 4:2:0)
    cs, cr = (float(np.hypot(x[..., 1], x[..., 2])[fit].mean()) for x in (Ls, nr))
    if curve_shift > 4.0 or (not colour and cs < 3.0 and cr >= 3.0 and cs < 0.5 * cr):
        edits.append({"edit": "colour or tone changed", "box": None, "share": round(curve_shift, 2)})


_DEFAULTS = {k: p.default for k, p in inspect.signature(compare).parameters.items()
             if k in ("min_inliers", "threshold", "min_region", "max_region", "density", "open_frac",
                      "close_frac", "scene_cues")}


def compare_either(a: Any, b: Any, *, a_id: Any = None, b_id: Any = None, direction: bool = True,
                   **kw: Any) -> Comparison:
    """Compare two pictures when it is not known which is the source (``features=(a's, b's)`` when the
    caller has them; else they are computed once for both directions): both ways, and keep the
    direction in which the changed region stands out from the picture around it in the suspect and
    not in the source (other content was put in; the source photo's scene runs on through it).
    Without a region either way, ``b`` is the suspect. With ``direction=False`` (a caller that needs
    only whether one is a composite of the other) the first way that finds a composite is returned,
    without comparing the other way: the verdict is the same, its source may be the wrong one."""
    side = kw.pop("side", 640)
    fa, fb = kw.pop("features", None) or (None, None)
    pa, pb = _prepare(a, side, fa), _prepare(b, side, fb)
    opts = {**_DEFAULTS, **kw}
    ab = _compare(pa, pb, side=side, source_id=a_id, suspect_id=b_id, **opts)
    if ab.relation == "unrelated" or (ab.composite and not direction):
        return ab
    ba = _compare(pb, pa, side=side, source_id=b_id, suspect_id=a_id, **opts)
    if ab.composite != ba.composite:
        return ab if ab.composite else ba
    if not ab.composite:
        return ab

    def gap(c: Comparison) -> float:
        return (c.context_suspect if np.isfinite(c.context_suspect) else 0.0) - (
            c.context_source if np.isfinite(c.context_source) else 0.0)

    return ab if gap(ab) >= gap(ba) else ba
