"""Find the picture inside what platforms and people put around it.

Reposts often wrap the picture: uniform borders, letterbox / pillarbox bars,
a caption bar (plain background with a line of text), or a phone screenshot
(status bar, app header, buttons and text on a plain background around the
photo). :func:`content_box` finds the photo's rectangle so that the picture
can be hashed as well as the whole file.

The rule, on a gray thumbnail (longer side 256 px): a row is *flat* when at
least ``flat_share`` of its pixels lie within ``tol`` grey levels of the row's
median (bars, blank UI, lines of text on a plain background); a row is
*uniform* when that share is >= 0.97. Uniform rows and columns are stripped
from the outside in (``reason="border"``); then the longest run of non-flat
rows (gaps of flat rows up to 4 % of the height are bridged) is kept, and the
same for columns inside it (``reason="frame"``). A box smaller than
``min_area`` of the image is ignored. ``screenshot`` is True when a frame was
removed above *and* below a picture in a portrait image with text-like
(flat but not uniform) rows in the removed parts.

Examples
--------
>>> import numpy as np
>>> from kit.hashing.preprocess import content_box
>>> rng = np.random.default_rng(1)
>>> img = np.zeros((240, 160), np.uint8)
>>> img[40:200, :] = rng.integers(0, 256, (160, 160))
>>> b = content_box(img)
>>> b.reason, (b.y0, b.y1), b.x0, b.x1
('border', (40, 200), 0, 160)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ContentBox", "content_box", "crop"]


@dataclass(frozen=True)
class ContentBox:
    """The picture's rectangle in pixel coordinates of the analysed array.

    ``x0, y0`` inclusive, ``x1, y1`` exclusive; ``reason`` is ``"none"`` (the
    whole image), ``"border"`` (uniform bars only) or ``"frame"`` (text / UI
    around the picture); ``screenshot`` flags a phone-screenshot layout.
    """

    x0: int
    y0: int
    x1: int
    y1: int
    width: int
    height: int
    reason: str = "none"
    screenshot: bool = False

    @property
    def trimmed(self) -> bool:
        """True when the box is not the whole image."""
        return self.reason != "none"

    @property
    def area_share(self) -> float:
        """Share of the image area inside the box."""
        return (self.x1 - self.x0) * (self.y1 - self.y0) / max(1, self.width * self.height)

    def scaled(self, width: int, height: int) -> ContentBox:
        """The same box in an image of another size (e.g. full resolution)."""
        sx, sy = width / self.width, height / self.height
        return ContentBox(round(self.x0 * sx), round(self.y0 * sy), round(self.x1 * sx),
                          round(self.y1 * sy), width, height, self.reason, self.screenshot)

    def as_list(self) -> list[int]:
        """``[x0, y0, x1, y1]``."""
        return [self.x0, self.y0, self.x1, self.y1]


def _flatness(a: np.ndarray, tol: int) -> np.ndarray:
    med = np.median(a, axis=1, keepdims=True)
    return (np.abs(a - med) <= tol).mean(axis=1)


def _strip(flat: np.ndarray, thr: float) -> tuple[int, int]:
    n = len(flat)
    lo, hi = 0, n
    while lo < hi and flat[lo] >= thr:
        lo += 1
    while hi > lo and flat[hi - 1] >= thr:
        hi -= 1
    return lo, hi


def _longest_run(mask: np.ndarray, gap: int) -> tuple[int, int]:
    """Longest run of True allowing False gaps up to ``gap`` long inside it."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return 0, 0
    best = (idx[0], idx[0] + 1)
    start = prev = idx[0]
    for i in idx[1:]:
        if i - prev - 1 > gap:
            if prev + 1 - start > best[1] - best[0]:
                best = (start, prev + 1)
            start = i
        prev = i
    if prev + 1 - start > best[1] - best[0]:
        best = (start, prev + 1)
    return int(best[0]), int(best[1])


def content_box(gray: np.ndarray, *, tol: int = 10, flat_share: float = 0.75,
                min_area: float = 0.15, min_trim: float = 0.02) -> ContentBox:
    """Locate the picture inside borders, bars, caption bars or a screenshot frame.

    Parameters
    ----------
    gray
        HxW uint8 (an RGB array is converted).
    tol
        Grey levels around the row median that count as background.
    flat_share
        Share of background pixels that makes a row or column flat.
    min_area
        Smallest box (share of the image) accepted; smaller means "no trim".
    min_trim
        Trims thinner than this share of a side are ignored (JPEG edge noise).
    """
    g = np.asarray(gray)
    if g.ndim == 3:
        g = (g[..., :3] @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    H, W = g.shape
    s = min(1.0, 256 / max(H, W))
    if s < 1.0:
        import cv2

        g = cv2.resize(g, (max(1, round(W * s)), max(1, round(H * s))), interpolation=cv2.INTER_AREA)
    h, w = g.shape
    g = g.astype(np.int16)

    def done(y0, y1, x0, x1, reason, shot=False):
        if (y1 - y0) * (x1 - x0) < min_area * h * w or reason == "none":
            return ContentBox(0, 0, W, H, W, H, "none", False)
        if y0 < min_trim * h and h - y1 < min_trim * h and x0 < min_trim * w and w - x1 < min_trim * w:
            return ContentBox(0, 0, W, H, W, H, "none", False)
        return ContentBox(x0, y0, x1, y1, w, h, reason, shot).scaled(W, H)

    rows, cols = _flatness(g, tol), _flatness(g.T, tol)
    y0, y1 = _strip(rows, 0.97)
    x0, x1 = _strip(cols, 0.97)
    if y1 - y0 < 4 or x1 - x0 < 4:
        return ContentBox(0, 0, W, H, W, H, "none", False)
    reason = "border" if (y0, y1, x0, x1) != (0, h, 0, w) else "none"
    inner = g[y0:y1, x0:x1]
    r2 = _flatness(inner, tol)
    a, b = _longest_run(r2 < flat_share, gap=max(1, int(0.04 * h)))
    if b - a >= 0.2 * (y1 - y0) and (a > min_trim * h or (y1 - y0) - b > min_trim * h):
        top, bottom = r2[:a], r2[b:]
        texty = lambda part: part.size > 0 and bool(((part < 0.97) & (part >= flat_share)).any())  # noqa: E731
        shot = (h >= 1.4 * w and a > 0.04 * h and (y1 - y0 - b) > 0.04 * h
                and texty(top) and texty(bottom))
        c2 = _flatness(g[y0 + a:y0 + b, x0:x1].T, tol)
        ca, cb = _longest_run(c2 < flat_share, gap=max(1, int(0.04 * w)))
        fx0, fx1 = (x0 + ca, x0 + cb) if cb - ca >= 0.2 * (x1 - x0) else (x0, x1)
        framed = done(y0 + a, y0 + b, fx0, fx1, "frame", shot)
        if framed.trimmed:
            return framed
    return done(y0, y1, x0, x1, reason)  # uniform borders only (or a frame too small to trust)


def crop(arr: np.ndarray, box: ContentBox) -> np.ndarray:
    """The box's pixels of ``arr`` (box rescaled to the array's size when needed)."""
    H, W = arr.shape[:2]
    if (box.width, box.height) != (W, H):
        box = box.scaled(W, H)
    return arr[box.y0:box.y1, box.x0:box.x1]
