"""Picture edits that reposts make, for the synthetic cascades of :mod:`kit.spread.synth`.

Each edit is ``op(img, rng) -> (img, params)`` on a PIL RGB image, with its
parameters in the input's pixel space. They imitate what people and
platforms do to a picture before posting it again: :data:`EDIT_OPS` lists
them (crop, resize, caption bar, meme text, logo, filter, mirror, screenshot
frame, letterbox, small rotation). :func:`encode` is the re-encode every
upload gets (JPEG at a drawn quality and subsampling, PNG for screenshots).

The generator draws every parameter; nothing here knows about the spread
tracer, and the tracer does not import this module.

Examples
--------
>>> import numpy as np
>>> from PIL import Image
>>> img = Image.fromarray(np.full((60, 80, 3), 128, np.uint8))
>>> rng = np.random.default_rng(0)
>>> out, p = apply_edit(img, "caption_bar", rng)
>>> out.size[0] == 80 and out.size[1] > 60, p["op"]
(True, 'caption_bar')
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

__all__ = ["EDIT_OPS", "apply_edit", "encode", "paste_fake"]

WORDS = ("breaking", "now", "look", "this", "happened", "today", "share", "before", "deleted", "wow",
         "unreal", "footage", "they", "don't", "want", "you", "to", "see", "official", "confirmed", "live",
         "scene", "right", "update", "again", "why", "is", "nobody", "talking", "about")


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _words(rng: np.random.Generator, lo: int = 2, hi: int = 6) -> str:
    return " ".join(str(w) for w in rng.choice(WORDS, size=int(rng.integers(lo, hi + 1))))


def _crop(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    w, h = img.size
    if rng.random() < 0.3:  # to a square or 4:5, as feeds do
        aspect = float(rng.choice([1.0, 0.8]))
        cw = min(w, int(h * aspect))
        ch = min(h, int(cw / aspect))
        x0, y0 = int((w - cw) * rng.uniform(0.2, 0.8)), int((h - ch) * rng.uniform(0.2, 0.8))
        box = [x0, y0, x0 + cw, y0 + ch]
    else:
        f = rng.uniform(0.02, 0.16, size=4)
        box = [int(w * f[0]), int(h * f[1]), w - int(w * f[2]), h - int(h * f[3])]
    return img.crop(tuple(box)), {"op": "crop", "box": box}


def _resize(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    s = float(rng.uniform(0.45, 0.85))
    size = [max(64, round(img.width * s)), max(64, round(img.height * s))]
    method = [Image.BICUBIC, Image.BILINEAR, Image.LANCZOS][int(rng.integers(3))]
    return img.resize(tuple(size), method), {"op": "resize", "size": size}


def _caption_bar(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    w, h = img.size
    fs = max(12, int(w * rng.uniform(0.035, 0.06)))
    bar = int(fs * rng.uniform(1.8, 3.2))
    bg = tuple(int(c) for c in rng.choice([[255, 255, 255], [15, 15, 15], [200, 20, 30], [20, 60, 160]]))
    fg = (0, 0, 0) if sum(bg) > 600 else (255, 255, 255)
    where = str(rng.choice(["top", "bottom"]))
    canvas = Image.new("RGB", (w, h + bar), bg)
    canvas.paste(img, (0, bar if where == "top" else 0))
    d = ImageDraw.Draw(canvas)
    y0 = 0 if where == "top" else h
    d.text((int(fs * 0.6), y0 + (bar - fs) // 2), _words(rng).upper(), font=_font(fs), fill=fg)
    return canvas, {"op": "caption_bar", "where": where, "height": bar}


def _meme_text(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    img = img.copy()
    d = ImageDraw.Draw(img)
    w, h = img.size
    placed = []
    for at_top in (True, False):
        if rng.random() < 0.35:
            continue
        text = _words(rng, 2, 4).upper()
        fs = max(14, int(w / rng.uniform(9, 14)))
        while d.textlength(text, font=_font(fs)) > 0.94 * w and fs > 10:
            fs -= 2
        tw = d.textlength(text, font=_font(fs))
        y = int(h * 0.03) if at_top else int(h * 0.96) - int(fs * 1.2)
        d.text(((w - tw) / 2, y), text, font=_font(fs), fill="white", stroke_width=max(1, fs // 12),
               stroke_fill="black")
        placed.append("top" if at_top else "bottom")
    return img, {"op": "meme_text", "where": placed}


def _logo(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    w, h = img.size
    side = max(20, int(min(w, h) * rng.uniform(0.09, 0.16)))
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    col = tuple(int(c) for c in rng.integers(0, 256, 3))
    alpha = int(255 * rng.uniform(0.6, 0.95))
    if rng.random() < 0.5:
        d.ellipse((0, 0, side - 1, side - 1), fill=(*col, alpha))
    else:
        d.rounded_rectangle((0, 0, side - 1, side - 1), side // 5, fill=(*col, alpha))
    letters = "".join(chr(int(c)) for c in rng.integers(65, 91, 2))
    fs = max(8, side // 2)
    d.text((side // 2 - fs // 2, side // 2 - fs // 2), letters, font=_font(fs), fill=(255, 255, 255, alpha))
    m = max(2, side // 5)
    corner = str(rng.choice(["tl", "tr", "bl", "br"]))
    x = m if corner[1] == "l" else w - side - m
    y = m if corner[0] == "t" else h - side - m
    out = img.convert("RGBA")
    out.alpha_composite(layer, (x, y))
    return out.convert("RGB"), {"op": "logo", "box": [x, y, x + side, y + side]}


def _filter(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    kind = str(rng.choice(["warm", "cool", "sepia", "saturate", "fade", "contrast", "grayscale", "vignette"]))
    a = np.asarray(img, np.float32)
    if kind == "grayscale":
        return img.convert("L").convert("RGB"), {"op": "filter", "kind": kind}
    if kind == "saturate":
        return ImageEnhance.Color(img).enhance(float(rng.uniform(1.3, 1.7))), {"op": "filter", "kind": kind}
    if kind == "contrast":
        return ImageEnhance.Contrast(img).enhance(float(rng.uniform(1.2, 1.5))), {"op": "filter", "kind": kind}
    if kind == "sepia":
        m = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)
        a = a @ m.T
    elif kind == "warm":
        a = a * np.array([1.12, 1.02, 0.85], np.float32) + 5
    elif kind == "cool":
        a = a * np.array([0.86, 0.98, 1.14], np.float32)
    elif kind == "fade":
        a = 0.75 * a + 0.25 * 200.0
    elif kind == "vignette":
        h, w = a.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2))
        a = a * np.clip(1.15 - 0.45 * r ** 2, 0.3, 1.0)[:, :, None]
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), {"op": "filter", "kind": kind}


def _mirror(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    return ImageOps.mirror(img), {"op": "mirror"}


def _screenshot(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    """The picture as shown in an app on a phone: status bar, header, text, buttons."""
    dark = bool(rng.random() < 0.4)
    W = int(rng.choice([540, 600, 720]))
    bg, fg, sub = ((0, 0, 0), (230, 230, 230), (110, 115, 120)) if dark else \
        ((255, 255, 255), (15, 20, 25), (90, 100, 110))
    iw = W - 2 * int(rng.integers(0, 24))
    ih = round(img.height * iw / img.width)
    head = int(rng.integers(120, 260))
    H = head + ih + int(rng.integers(80, 240))
    c = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(c)
    d.text((20, 8), f"{int(rng.integers(0, 24))}:{int(rng.integers(0, 60)):02d}", font=_font(20), fill=fg)
    d.rectangle((W - 60, 12, W - 20, 28), outline=fg, width=2)
    d.ellipse((20, 50, 70, 100), fill=tuple(int(x) for x in rng.integers(0, 256, 3)))
    d.text((84, 56), "@" + _words(rng, 1, 2).replace(" ", "_"), font=_font(20), fill=fg)
    d.text((20, 108), _words(rng, 3, 7), font=_font(18), fill=fg)
    x0 = (W - iw) // 2
    c.paste(img.resize((iw, ih), Image.BICUBIC), (x0, head))
    y = head + ih + 20
    for k in range(4):
        d.rectangle((30 + k * (W // 4), y, 50 + k * (W // 4), y + 18), outline=sub, width=2)
        d.text((58 + k * (W // 4), y), str(int(rng.integers(1, 999))), font=_font(16), fill=sub)
    return c, {"op": "screenshot", "size": [W, H], "image_box": [x0, head, x0 + iw, head + ih]}


def _letterbox(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    aspect = float(rng.choice([1.0, 16 / 9, 9 / 16, 4 / 5]))
    fill = str(rng.choice(["black", "white", "blur"]))
    w, h = img.size
    W, H = (w, max(h, round(w / aspect))) if w / h > aspect else (max(w, round(h * aspect)), h)
    if fill == "blur":
        canvas = img.resize((max(8, W // 16), max(8, H // 16)), Image.BILINEAR).filter(
            ImageFilter.GaussianBlur(2)).resize((W, H), Image.BILINEAR)
    else:
        canvas = Image.new("RGB", (W, H), fill)
    off = [(W - w) // 2, (H - h) // 2]
    canvas.paste(img, tuple(off))
    return canvas, {"op": "letterbox", "size": [W, H], "offset": off, "fill": fill}


def _rotate(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    angle = float(rng.uniform(1.0, 4.0) * rng.choice([-1, 1]))
    out = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(0, 0, 0))
    if rng.random() < 0.6:  # crop the black corners away, as an editor's straighten tool does
        w, h = img.size
        t = abs(np.radians(angle))
        m = int(np.ceil(max(w, h) * np.sin(t) * 0.6)) + 1
        out = out.crop((m, m, w - m, h - m))
        return out, {"op": "rotate", "angle": angle, "trim": m}
    return out, {"op": "rotate", "angle": angle, "trim": 0}


EDIT_OPS: dict[str, Callable] = {
    "crop": _crop, "resize": _resize, "caption_bar": _caption_bar, "meme_text": _meme_text, "logo": _logo,
    "filter": _filter, "mirror": _mirror, "screenshot": _screenshot, "letterbox": _letterbox, "rotate": _rotate,
}
"""Edit name -> ``op(img, rng) -> (img, params)``."""


def apply_edit(img: Image.Image, op: str, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    """Apply one named edit of :data:`EDIT_OPS` to a PIL RGB image."""
    try:
        fn = EDIT_OPS[op]
    except KeyError:
        raise ValueError(f"unknown edit {op!r}; known: {sorted(EDIT_OPS)}") from None
    out, params = fn(img.convert("RGB"), rng)
    return out.convert("RGB"), params


def encode(img: Image.Image, rng: np.random.Generator, *, png: bool = False,
           quality: tuple[int, int] = (60, 95)) -> tuple[bytes, dict]:
    """The bytes an upload is stored as: JPEG (drawn quality, 4:2:0 or 4:4:4) or PNG."""
    buf = io.BytesIO()
    if png:
        img.save(buf, "PNG", optimize=False, compress_level=6)
        return buf.getvalue(), {"op": "png"}
    q = int(rng.integers(quality[0], quality[1] + 1))
    sub = int(rng.choice([0, 2], p=[0.25, 0.75]))
    img.save(buf, "JPEG", quality=q, subsampling=sub, optimize=False)
    return buf.getvalue(), {"op": "jpeg", "q": q, "subsampling": "4:4:4" if sub == 0 else "4:2:0"}


def paste_fake(base: Image.Image, donor: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    """A composite: a region of ``donor`` pasted onto ``base`` with a feathered mask (6-16 % of the frame)."""
    w, h = base.size
    area = rng.uniform(0.06, 0.16)
    aspect = rng.uniform(0.7, 1.4)
    pw = int(np.sqrt(area * w * h * aspect))
    ph = int(area * w * h / max(pw, 1))
    pw, ph = min(pw, w - 8), min(ph, h - 8)
    dw, dh = donor.size
    cw, ch = int(dw * rng.uniform(0.3, 0.6)), int(dh * rng.uniform(0.3, 0.6))
    cx, cy = int(rng.integers(0, dw - cw + 1)), int(rng.integers(0, dh - ch + 1))
    patch = donor.crop((cx, cy, cx + cw, cy + ch)).resize((pw, ph), Image.BICUBIC)
    x, y = int(rng.integers(4, w - pw - 3)), int(rng.integers(4, h - ph - 3))
    mask = Image.new("L", (pw, ph), 0)
    ImageDraw.Draw(mask).ellipse((2, 2, pw - 3, ph - 3), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, min(pw, ph) / 14)))
    out = base.copy()
    out.paste(patch, (x, y), mask)
    return out, {"op": "paste", "box": [x, y, x + pw, y + ph], "donor_box": [cx, cy, cx + cw, cy + ch]}


def load_base(path: Path, side: int) -> Image.Image:
    """A picture file as RGB with long side ``side``."""
    img = Image.open(path).convert("RGB")
    s = side / max(img.size)
    return img.resize((max(8, round(img.width * s)), max(8, round(img.height * s))), Image.LANCZOS)
