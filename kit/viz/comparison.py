"""The source / suspect / difference triptych of a source comparison, safe by default.

:func:`comparison_images` turns a :class:`kit.matching.Comparison` of two files into three small
PIL images an analyst reads at a glance: the source photo, the suspect with the replaced region
outlined, and the aligned difference as a heat map in the suspect's frame. Under safe viewing the
two pictures are blurred (:func:`kit.viz.safe.safe_image`) and the heat map is shown coarse (1/8 of
the thumbnail), so none of them shows detail; the outline stays sharp.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["comparison_images", "heatmap_overlay_image"]


def _heat(h: np.ndarray) -> np.ndarray:
    """0-1 map -> RGB (black, red, yellow, white)."""
    h = np.clip(h, 0.0, 1.0)
    r = np.clip(3 * h, 0, 1)
    g = np.clip(3 * h - 1, 0, 1)
    b = np.clip(3 * h - 2, 0, 1)
    return (np.dstack([r, g, b]) * 255).astype(np.uint8)


def comparison_images(source: str | Path, suspect: str | Path, comparison: Any | None = None, *,
                      size: int = 320, blur: bool = True) -> tuple[Any, Any, Any]:
    """(source, suspect with the replaced region outlined, difference heat map) as PIL images.

    ``comparison`` is a :class:`kit.matching.Comparison` of the two (computed when None: about a
    second). Raises :class:`kit.errors.MediaError` when a file cannot be read.
    """
    from PIL import Image, ImageDraw

    from kit.matching.comparison import compare
    from kit.viz.safe import safe_image, thumbnail

    c = comparison if comparison is not None and getattr(comparison, "heatmap", None) is not None \
        else compare(source, suspect)
    src = thumbnail(source, size=size, blur=blur, kind="image")
    sus = thumbnail(suspect, size=size, blur=blur, kind="image").convert("RGB")
    w, h = c.size
    s = sus.width / max(1, w)
    if c.changed_box:
        x0, y0, x1, y1 = (v * s for v in c.changed_box)
        ImageDraw.Draw(sus).rectangle((x0, y0, x1 - 1, y1 - 1), outline=(0, 255, 255), width=3)
    heat = Image.fromarray(_heat(c.heatmap)).resize(sus.size, Image.Resampling.BILINEAR)
    if blur:
        small = (max(1, sus.width // 8), max(1, sus.height // 8))
        heat = heat.resize(small, Image.Resampling.BOX).resize(sus.size, Image.Resampling.NEAREST)
    return src, sus, safe_image(heat, blur=False)


def heatmap_overlay_image(path: str | Path, heatmap: np.ndarray, *, size: int = 320, opacity: float = 0.5,
                          blur: bool = True) -> Any:
    """A detector's heat map (0-1, any size) over a thumbnail of the picture, as one PIL image: where
    there is no source to compare with, what the report shows on a cluster's best copy. Raises
    :class:`kit.errors.MediaError` when the file cannot be read."""
    from PIL import Image

    from kit.viz.safe import thumbnail

    pic = thumbnail(path, size=size, blur=blur, kind="image").convert("RGB")
    heat = Image.fromarray(_heat(np.asarray(heatmap, np.float32))).resize(pic.size, Image.Resampling.BILINEAR)
    alpha = Image.fromarray((np.clip(np.asarray(heatmap, np.float32), 0, 1) * 255 * opacity).astype(np.uint8))
    return Image.composite(heat, pic, alpha.resize(pic.size, Image.Resampling.BILINEAR))
