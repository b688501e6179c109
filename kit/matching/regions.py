"""What a region of difference between a picture and its source is: other picture content (a
composite) or what reposts add (caption bars, text, logos, stickers, a tone change in a region).

:func:`sort_regions` takes the solid regions of strong difference that :mod:`kit.matching.comparison`
found after aligning and tone-matching the source onto the suspect, and sorts them with the
measures of :mod:`kit.matching.pixelwise`: does the region stand out in the suspect and not in the
source (the source's scene runs on through it), does it look like photograph, does the source's
fine detail or its shapes run on through it, is it text, is it the size of a mark and in a corner
where marks are put.
"""

from __future__ import annotations

import numpy as np

from kit.matching.pixelwise import (
    band_pass,
    context_gap,
    dense_regions,
    disk,
    gradient,
    looks_like_photo,
    masked_correlation,
    reads_as_text,
)

__all__ = ["CORNER", "LOST_SHARE", "MARK_MAX", "SHAPES", "in_corner", "sort_regions"]


def sort_regions(strong: np.ndarray, valid: np.ndarray, Ls: np.ndarray, nr: np.ndarray, G: np.ndarray,
                 edits: list, lost: tuple, scene_cues: bool, src_L: np.ndarray, *, min_region: float,
                 density: float, open_frac: float, close_frac: float) -> tuple[np.ndarray, list[float], list[float]]:
    """Sort the solid regions of strong difference into other picture content (the replaced mask,
    holes filled, and its context gaps in suspect and source) and repost edits (added to ``edits``).
    ``src_L`` is the warped source's own lightness (before the tone map onto the suspect); ``lost`` the
    maps of :func:`~kit.matching.pixelwise.detail_lost`, where both carry detail and with ``either``."""
    import cv2

    h, w = strong.shape
    n, lab, stats, _c = cv2.connectedComponentsWithStats(
        dense_regions(strong, valid, density=density, open_frac=open_frac, close_frac=close_frac), connectivity=8)
    Gs = gradient(Ls[..., 0])
    src = (src_L, gradient(src_L)) if scene_cues else None
    # fine detail and shapes of both sides, once for all regions
    bands = [(band_pass(Ls[..., 0]), band_pass(nr[..., 0]))]
    bands.append((band_pass(Ls[..., 0], SHAPES), band_pass(nr[..., 0], SHAPES)))
    replaced = np.zeros((h, w), bool)
    gaps_s, gaps_r = [], []
    for k in range(1, n):
        m = lab == k
        area = float(stats[k, cv2.CC_STAT_AREA]) / (w * h)
        if area < min_region / 4:
            continue
        x, y, bw, bh = (int(stats[k, j]) for j in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                  cv2.CC_STAT_HEIGHT))
        box = [x / w, y / h, (x + bw) / w, (y + bh) / h]
        other, s_s, s_r = _other_content(m, strong, valid, Ls, nr, Gs, G, lost, bands, scene_cues, src)
        if other is True:
            replaced |= m
            gaps_s.append(s_s)
            gaps_r.append(s_r)
        else:
            bar = bw >= 0.8 * w and (y <= 0.02 * h or y + bh >= 0.98 * h)
            edits.append({"edit": other or ("caption bar" if bar else "text, logo or sticker"), "box": box,
                          "share": round(area, 4)})
    if replaced.any():
        from scipy.ndimage import binary_fill_holes

        replaced = binary_fill_holes(replaced)
    return replaced, gaps_s, gaps_r


MARK_MAX = 0.03
"""Largest share of the frame a logo, stamp or sticker of a repost covers (the kit's repost edits:
at most 2.2 %, a broadcaster's or platform's mark in a corner is about 1-3 %); a flat region that
replaced the source's scene over more than this is taken for other picture content."""


LOST_SHARE = 0.5
"""Share of a region where the source's fine detail does not run on
(:func:`~kit.matching.pixelwise.detail_lost`) over which two textures of one tone are taken for other
content."""


CORNER = 0.65
"""A region is in a corner of the frame when it lies within this share of its own width of a side
edge and of its own height of the top or bottom edge: where logos, broadcasters' bugs and platform
marks are put. Measured on the kit's repost edits (14 photos x 10 edits x 2 draws, two censuses,
compared either way): every mark region that stood out in the suspect only lay within 0.24 of its
size of two edges (the kit's logos sit a fifth of their size in), except a part of a logo found
alone (0.58: the region found is smaller than the mark). Pastes of 2-3 % of the frame that the
earlier bar of 1.0 took for marks, on scratch splice seeds: 0.69-0.94."""


def in_corner(m: np.ndarray) -> bool:
    """Whether region ``m`` (a bool mask) lies in a corner of its frame (:data:`CORNER`)."""
    ys, xs = np.nonzero(m)
    h, w = m.shape
    bw, bh = int(xs.max()) + 1 - int(xs.min()), int(ys.max()) + 1 - int(ys.min())
    dx = min(int(xs.min()), w - 1 - int(xs.max())) / bw
    dy = min(int(ys.min()), h - 1 - int(ys.max())) / bh
    return max(dx, dy) < CORNER


LOST_PATCH = 0.02
"""Share of the frame over which a solid patch where the source's fine detail does not run on (either
side detailed, :func:`~kit.matching.pixelwise.detail_lost`; opened by :data:`LOST_OPEN` of the long
side) shows other content inside a region whose shapes otherwise follow the source's: a paste that
the region found joined to a vignette's darkened corner. Measured at 320 and 640 px: gravel, grass or
brick pasted (6 % of the frame) at the corner of a vignetted photo, 3.4-5.2 %; the vignettes' own
corners after a phone screenshot of them, at most 0.9 %."""

LOST_OPEN = 0.0125
"""Radius of the opening (share of the long side) that leaves only solid patches of lost detail: the
scattered pixels a vignette's darkened, re-encoded corner loses go."""


def _lost_patch(lost: np.ndarray, m: np.ndarray) -> bool:
    """Whether region ``m`` holds a solid patch of ``lost`` detail over :data:`LOST_PATCH` of the frame."""
    import cv2

    h, w = m.shape
    r = max(1, round(LOST_OPEN * max(h, w)))
    inside = cv2.morphologyEx((lost & m).astype(np.uint8), cv2.MORPH_OPEN, disk(r))
    n, _lab, stats, _c = cv2.connectedComponentsWithStats(inside, connectivity=8)
    return n > 1 and int(stats[1:, cv2.CC_STAT_AREA].max()) >= LOST_PATCH * h * w


SHAPES, NO_SHAPES, SHAPES_RUN_ON = (2.0, 8.0), 0.3, 0.7
"""The band (Gaussian sigmas, analysis pixels) in which the shapes of a picture are compared; the
correlation under which the source's shapes do not run on through a region; and the one over which
they do, and the region is the source's own picture with its tone changed (a vignette's corners, a
local grade), unless it holds a solid patch of other texture (:data:`LOST_PATCH`). Colour filters
and vignettes over the kit's repost edits kept 0.77-1.00 where they made a region (flat fills aside);
116 pasted regions of the splice benchmark's tuning seeds measured -0.18 to 0.54."""


def _other_content(m: np.ndarray, strong: np.ndarray, valid: np.ndarray, Ls: np.ndarray, nr: np.ndarray,
                   Gs: np.ndarray, G: np.ndarray, lost: tuple, bands: list, scene_cues: bool = True,
                   src: tuple | None = None) -> tuple[bool | str, float, float]:
    """Whether region ``m`` shows other picture content in the suspect (not text, a fill or a tone
    change; ``"tone changed in a region"`` where the source's shapes run on through it and it is not
    text), and the region's context gap in the suspect and in the tone-matched source. ``lost``: where
    the source's detail does not run on (both sides detailed; either side). ``bands``: the suspect's and
    the source's fine detail, and their shapes (:data:`SHAPES`). ``src``: the source's own
    lightness and its gradient, where text on the source side is asked too."""
    lost, unmatched = lost
    solid = float(strong[m].mean()) >= 0.5  # text leaves the picture between the letters
    photo_s = looks_like_photo(Ls[..., 0][m], Gs[m])
    photo_r = looks_like_photo(nr[..., 0][m], G[m])
    textured = max(float(Gs[m].mean()), float(G[m].mean())) >= 0.5  # not one flat fill
    s_s, s_r = context_gap(Ls, m, valid), context_gap(nr, m, valid)
    # the source's scene runs on through the region where the suspect shows other content
    runs_on = np.isfinite(s_s) and np.isfinite(s_r) and s_s > 1.5 * s_r + 2.0
    Lm = Ls[..., 0][m]
    fill = float((np.abs(Lm - np.median(Lm)) < 4.0).mean()) >= 0.5
    # text: white letters outlined in black (meme text) or black on white, and strokes
    text = reads_as_text(Lm, Gs[m], strokes=scene_cues)
    # with the scene cues, text where the *source* shows it too: seen the other way round (a meme
    # repost as the source) the clean photo lacks the text, and nothing was pasted into it
    # (its own lightness: the tone map onto the suspect's tones can pull white letters under L 85)
    text = text or (src is not None and reads_as_text(src[0][m], src[1][m]))
    # both sides photograph and the detail differs: other content, not a tone change over the picture
    other = photo_s and photo_r and s_s > s_r and masked_correlation(*bands[0], m) < 0.8
    # a smooth patch of another photo (sky, moon, wall) is no photograph by texture, but where the
    # source's scene runs on through a region too large for a mark, it replaced part of the scene,
    # smooth source or not (the moon on a rocket's sky: neither side looks like a photograph)
    big = scene_cues and float(m.sum()) >= MARK_MAX * float(valid.sum())
    scene = runs_on and big
    # a region under a mark's size that stands out in the suspect only, away from the corners where
    # marks are put (:data:`CORNER`): pasted, not stamped
    corner = scene_cues and in_corner(m)
    placed = scene_cues and runs_on and not corner
    # most of the region carries detail that does not follow the source's, on a side that is
    # photograph and over a mark's size (grass on gravel, gravel on a smooth suit), or on both sides
    # photograph and away from the corners where marks are put, whatever its size: other content
    # (text is told apart below)
    texture = float(lost[m].mean()) >= LOST_SHARE and (
        ((photo_s or photo_r) and big) or (scene_cues and photo_s and photo_r and not corner))
    shapes = masked_correlation(*bands[1], m)
    # neither the source's fine detail nor its shapes run on through it (a smooth moon over coins,
    # grass over a smooth sky), and it does not stand out clearly more in the source (seen the other
    # way round, the composite as the source, the same holds); a tone change keeps the shapes
    elsewhere = big and float(unmatched[m].mean()) >= LOST_SHARE and shapes < NO_SHAPES and s_s >= 0.75 * s_r
    # a region of a mark's size in a corner is a mark (a translucent logo over the scene reads as
    # photograph and stands out) or a vignette's corner, whatever its texture; a paste there is missed
    mark = corner and not big
    # the source's shapes run on through it: its own picture with the tone changed (a vignette's
    # corner, a local grade), not other content; asked with or without the scene cues (without them
    # a vignette's dark edge after a screenshot stood out as photograph), unless a solid patch of
    # other texture lies in it (a paste the region joined to a vignette's corner)
    toned = not text and shapes >= SHAPES_RUN_ON and not _lost_patch(unmatched, m)
    found = solid and textured and not text and not mark and not toned and (
        (runs_on and (photo_s or (photo_r and not fill))) or other or scene or texture or elsewhere or placed)
    if toned:
        return "tone changed in a region", s_s, s_r
    return bool(found), s_s, s_r
