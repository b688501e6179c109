"""What a region of difference between a picture and its source is: other picture content (a
composite) or what reposts add (caption bars, text, logos, stickers).

:func:`sort_regions` takes the solid regions of strong difference that :mod:`kit.matching.comparison`
found after aligning and tone-matching the source onto the suspect, and sorts them with the
measures of :mod:`kit.matching.pixelwise`: does the region stand out in the suspect and not in the
source (the source's scene runs on through it), does it look like photograph, does the source's
fine detail run on through it, is it text, is it larger than a mark.
"""

from __future__ import annotations

import numpy as np

from kit.matching.pixelwise import (
    context_gap,
    dense_regions,
    gradient,
    looks_like_photo,
    reads_as_text,
    shows_through,
)

__all__ = ["LOST_SHARE", "MARK_MAX", "sort_regions"]


def sort_regions(strong: np.ndarray, valid: np.ndarray, Ls: np.ndarray, nr: np.ndarray, G: np.ndarray,
                 edits: list, lost: np.ndarray, scene_cues: bool, src_L: np.ndarray, *, min_region: float,
                 density: float, open_frac: float, close_frac: float) -> tuple[np.ndarray, list[float], list[float]]:
    """Sort the solid regions of strong difference into other picture content (the replaced mask,
    holes filled, and its context gaps in suspect and source) and repost edits (added to ``edits``).
    ``src_L`` is the warped source's own lightness (before the tone map onto the suspect)."""
    import cv2

    h, w = strong.shape
    n, lab, stats, _c = cv2.connectedComponentsWithStats(
        dense_regions(strong, valid, density=density, open_frac=open_frac, close_frac=close_frac), connectivity=8)
    Gs = gradient(Ls[..., 0])
    src = (src_L, gradient(src_L)) if scene_cues else None
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
        other, s_s, s_r = _other_content(m, strong, valid, Ls, nr, Gs, G, lost, scene_cues, src)
        if other:
            replaced |= m
            gaps_s.append(s_s)
            gaps_r.append(s_r)
        else:
            bar = bw >= 0.8 * w and (y <= 0.02 * h or y + bh >= 0.98 * h)
            edits.append({"edit": "caption bar" if bar else "text, logo or sticker", "box": box,
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
"""Share of a region where the source's fine detail does not run on (:func:`~kit.matching.pixelwise.detail_lost`) over which
two textures of one tone are taken for other content."""


def _other_content(m: np.ndarray, strong: np.ndarray, valid: np.ndarray, Ls: np.ndarray, nr: np.ndarray,
                   Gs: np.ndarray, G: np.ndarray, lost: np.ndarray, scene_cues: bool = True,
                   src: tuple | None = None) -> tuple[bool, float, float]:
    """Whether region ``m`` shows other picture content in the suspect (not text, a fill or a tone
    change), and the region's context gap in the suspect and in the tone-matched source. ``src``: the
    source's own lightness and its gradient, where text on the source side is asked too."""
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
    other = photo_s and photo_r and s_s > s_r and shows_through(Ls[..., 0], nr[..., 0], m) < 0.8
    # a smooth patch of another photo (sky, moon, wall) is no photograph by texture, but where the
    # source's scene runs on through a region too large for a mark, it replaced part of the scene,
    # smooth source or not (the moon on a rocket's sky: neither side looks like a photograph)
    big = scene_cues and float(m.sum()) >= MARK_MAX * float(valid.sum())
    scene = runs_on and big
    # most of the region carries detail that does not follow the source's, on a side that is
    # photograph: other content (grass on gravel, gravel on a smooth suit)
    texture = (photo_s or photo_r) and big and float(lost[m].mean()) >= LOST_SHARE
    found = solid and textured and not text and ((runs_on and (photo_s or (photo_r and not fill))) or other or scene
                                                 or texture)
    return bool(found), s_s, s_r
