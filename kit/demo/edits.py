"""The repost edits: one registry of what people and platforms do to a picture before posting it again.

:data:`EDITS` names each edit: crop, resize, mirror, rotate, filter (colour grades, grayscale),
caption bar, meme text, logo, watermark, letterbox, screenshot frame and re-encode. An edit is a
plain function ``edit(img, **params) -> img`` on a PIL RGB image; it draws nothing, and every
parameter is explicit, in the input's pixel space. The generators own the distributions: the demo
incident (:mod:`kit.demo.transforms`), the benchmark collections (:mod:`kit.demo.collection_edits`)
and the robustness benchmark (``benchmarks/bench_robustness.py``) each draw parameters their own way
and apply the edits listed here. :func:`jpeg` and :func:`png` are the bytes an upload is stored as.

Examples
--------
>>> import numpy as np
>>> from PIL import Image
>>> img = Image.fromarray(np.full((60, 80, 3), 128, np.uint8))
>>> out = apply_edits(img, [("crop", {"box": (10, 10, 70, 50)}), ("mirror", {})])
>>> out.size
(60, 40)
>>> apply_edits(img, [("caption_bar", {"lines": ["NOW"], "where": "top", "height": 20,
...                                    "font_size": 12, "x": 4, "y": 4})]).size
(80, 80)
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from kit.errors import KitError

__all__ = ["EDITS", "EditError", "apply_edits", "caption_bar", "colour_filter", "crop", "decode", "font", "jpeg",
           "letterbox", "logo", "meme_text", "mirror", "png", "reencode", "resize", "rotate", "screenshot",
           "watermark"]

RESAMPLING = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "lanczos": Image.LANCZOS}
SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)
ENHANCE = {"saturate": ImageEnhance.Color, "contrast": ImageEnhance.Contrast, "brightness": ImageEnhance.Brightness}


class EditError(KitError, ValueError):
    """An edit name the registry does not know, or a filter kind it does not have."""


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font at ``size`` px: the same on every machine, nothing to download."""
    return ImageFont.load_default(size=size)


def crop(img: Image.Image, box: Sequence[int]) -> Image.Image:
    """The part inside ``box`` (left, top, right, bottom)."""
    return img.crop(tuple(box))


def resize(img: Image.Image, size: Sequence[int], method: str = "bicubic") -> Image.Image:
    """Scaled to ``size`` (width, height) with ``method`` (bicubic, bilinear or lanczos)."""
    return img.resize(tuple(size), RESAMPLING[method])


def mirror(img: Image.Image) -> Image.Image:
    """Flipped left to right."""
    return ImageOps.mirror(img)


def rotate(img: Image.Image, angle: float, trim: int = 0) -> Image.Image:
    """Turned by ``angle`` degrees (black corners), then ``trim`` px cut from every side (a straighten tool)."""
    out = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(0, 0, 0))
    return out.crop((trim, trim, img.width - trim, img.height - trim)) if trim else out


def colour_filter(img: Image.Image, kind: str, *, factor: float = 1.0, gains: Sequence[float] = (1.0, 1.0, 1.0),
                  offset: float = 0.0) -> Image.Image:
    """A photo app's filter: ``grayscale``, ``sepia``, ``gain`` (per-channel ``gains`` plus ``offset``),
    ``saturate`` / ``contrast`` / ``brightness`` (Pillow's enhancers at ``factor``), ``fade`` (``factor`` of
    the way to light grey) or ``vignette`` (``factor`` darkening toward the corners)."""
    if kind == "grayscale":
        return img.convert("L").convert("RGB")
    if kind in ENHANCE:
        return ENHANCE[kind](img).enhance(factor)
    a = np.asarray(img, np.float32)
    if kind == "sepia":
        a = a @ SEPIA.T
    elif kind == "gain":
        a = a * np.array(gains, np.float32)
        if offset:
            a = a + offset
    elif kind == "fade":
        a = (1 - factor) * a + factor * 200.0
    elif kind == "vignette":
        h, w = a.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2))
        a = a * np.clip(1.15 - factor * r ** 2, 0.3, 1.0)[:, :, None]
    else:
        raise EditError(f"unknown filter {kind!r}")
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def caption_bar(img: Image.Image, lines: Sequence[str], *, where: str, height: int, font_size: int, x: int, y: int,
                line_height: int = 0, background: object = "white", colour: object = "black") -> Image.Image:
    """A bar of ``height`` px added above (``where="top"``) or below the picture, holding ``lines`` of text
    from (``x``, ``y``) in the bar, ``line_height`` px apart."""
    w, h = img.size
    canvas = Image.new("RGB", (w, h + height), background)
    canvas.paste(img, (0, height if where == "top" else 0))
    d = ImageDraw.Draw(canvas)
    top = (0 if where == "top" else h) + y
    for i, line in enumerate(lines):
        d.text((x, top + i * line_height), line, font=font(font_size), fill=colour)
    return canvas


def meme_text(img: Image.Image, top: str = "", bottom: str = "", *, size: int | Sequence[int], fit: float = 0.92,
              min_size: int = 12, bottom_at: float = 0.97, stroke: int = 2) -> Image.Image:
    """White outlined text centred at the top and the bottom (either may be empty).

    ``size`` px (or a (top, bottom) pair) shrinks by 2 px while the line is wider than ``fit`` of the
    picture, not below ``min_size``; the bottom line ends at ``bottom_at`` of the height; the outline is
    ``max(stroke, size // 12)`` px.
    """
    img = img.copy()
    d = ImageDraw.Draw(img)
    w, h = img.size
    sizes = (size, size) if isinstance(size, int) else tuple(size)
    for text, at_top, fs in ((top, True, sizes[0]), (bottom, False, sizes[1])):
        if not text:
            continue
        while d.textlength(text, font=font(fs)) > fit * w and fs > min_size:
            fs -= 2
        tw = d.textlength(text, font=font(fs))
        y = int(h * 0.03) if at_top else int(h * bottom_at) - int(fs * 1.2)
        d.text(((w - tw) / 2, y), text, font=font(fs), fill="white", stroke_width=max(stroke, fs // 12),
               stroke_fill="black")
    return img


def logo(img: Image.Image, mark: Image.Image, xy: Sequence[int]) -> Image.Image:
    """An RGBA ``mark`` (a channel's logo, a badge) laid over the picture at ``xy``."""
    out = img.convert("RGBA")
    out.alpha_composite(mark, tuple(xy))
    return out.convert("RGB")


def watermark(img: Image.Image, text: str, *, xy: Sequence[int], size: int, opacity: float) -> Image.Image:
    """Semi-transparent white text (a thin dark outline) at ``xy``: an account's handle stamped on."""
    base = img.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(tuple(xy), text, font=font(size), fill=(255, 255, 255, int(255 * opacity)),
                               stroke_width=1, stroke_fill=(0, 0, 0, int(160 * opacity)))
    return Image.alpha_composite(base, layer).convert("RGB")


def letterbox(img: Image.Image, aspect: float, fill: str = "black") -> Image.Image:
    """The picture centred on a canvas of ``aspect`` (width / height) filled ``black``, ``white`` or ``blur``
    (the picture itself, blurred and stretched)."""
    w, h = img.size
    W, H = (w, round(w / aspect)) if w / h > aspect else (round(h * aspect), h)
    if fill == "blur":
        small = img.resize((max(8, W // 16), max(8, H // 16)), Image.BILINEAR)
        canvas = small.filter(ImageFilter.GaussianBlur(2)).resize((W, H), Image.BILINEAR)
    else:
        canvas = Image.new("RGB", (W, H), fill)
    canvas.paste(img, ((W - w) // 2, (H - h) // 2))
    return canvas


def screenshot(img: Image.Image, *, size: Sequence[int], box: Sequence[int], background: object,
               chrome: Callable[[ImageDraw.ImageDraw], None] | None = None, radius: int = 0) -> Image.Image:
    """The picture as shown in an app on a phone: a ``size`` screen on which ``chrome(draw)`` draws the app
    (status bar, header, text, buttons), then the picture scaled into ``box``, its corners rounded by
    ``radius`` px."""
    c = Image.new("RGB", tuple(size), background)
    if chrome is not None:
        chrome(ImageDraw.Draw(c))
    x0, y0, x1, y1 = box
    shot = img.resize((x1 - x0, y1 - y0), Image.BICUBIC)
    mask = None
    if radius:
        mask = Image.new("L", shot.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, shot.width - 1, shot.height - 1), radius, fill=255)
    c.paste(shot, (x0, y0), mask)
    return c


def jpeg(img: Image.Image, quality: int, *, subsampling: int = 2, progressive: bool = False,
         exif: bytes | None = None, dpi: tuple[int, int] | None = None) -> bytes:
    """JPEG bytes at ``quality`` (``subsampling`` 0 = 4:4:4, 2 = 4:2:0), no optimisation: the same bytes every run."""
    buf = io.BytesIO()
    kw = {k: v for k, v in (("exif", exif), ("dpi", dpi)) if v}
    img.convert("RGB").save(buf, "JPEG", quality=quality, subsampling=subsampling, optimize=False,
                            progressive=progressive, **kw)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    """PNG bytes (zlib level 6), as a screenshot or a file sent as a document is stored."""
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    """Encoded picture bytes back to an RGB image."""
    return Image.open(io.BytesIO(data)).convert("RGB")


def reencode(img: Image.Image, quality: int, subsampling: int = 2, progressive: bool = False) -> Image.Image:
    """The picture after a JPEG round trip at ``quality``: what a download of an upload looks like."""
    return decode(jpeg(img, quality, subsampling=subsampling, progressive=progressive))


EDITS: dict[str, Callable[..., Image.Image]] = {
    "crop": crop, "resize": resize, "mirror": mirror, "rotate": rotate, "filter": colour_filter,
    "caption_bar": caption_bar, "meme_text": meme_text, "logo": logo, "watermark": watermark,
    "letterbox": letterbox, "screenshot": screenshot, "reencode": reencode,
}
"""Edit name -> ``edit(img, **params) -> img``."""


def apply_edits(img: Image.Image, steps: Sequence[tuple[str, dict]]) -> Image.Image:
    """Apply ``(name, params)`` steps of :data:`EDITS` in order; RGB in, RGB out."""
    for name, params in steps:
        if name not in EDITS:
            raise EditError(f"unknown edit {name!r}; known: {sorted(EDITS)}")
        img = EDITS[name](img.convert("RGB"), **params)
    return img.convert("RGB")
