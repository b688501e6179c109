"""The edits the benchmark collections' reposts make (:mod:`kit.demo.collections`): how each draws its parameters.

Each entry of :data:`EDIT_OPS` is ``op(img, rng) -> (img, params)``: it draws the parameters of one
edit of :data:`kit.demo.edits.EDITS` (crop, resize, caption bar, meme text, logo, filter, mirror,
screenshot frame, letterbox, small rotation), applies it and returns what it did, in the input's
pixel space. :func:`encode` is the re-encode every upload gets (JPEG at a drawn quality and
subsampling, PNG for screenshots); :func:`paste_fake` makes a cascade's composite.

The generator draws every parameter; nothing here knows about the spread tracer, and the tracer
does not import this module.

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

from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from kit.demo import edits
from kit.demo.edits import EditError, font

__all__ = ["EDIT_OPS", "apply_edit", "encode", "load_base", "paste_fake"]

WORDS = ("breaking", "now", "look", "this", "happened", "today", "share", "before", "deleted", "wow",
         "unreal", "footage", "they", "don't", "want", "you", "to", "see", "official", "confirmed", "live",
         "scene", "right", "update", "again", "why", "is", "nobody", "talking", "about")
FILTERS = {  # kind drawn -> the registry's filter and its fixed parameters
    "warm": ("gain", {"gains": (1.12, 1.02, 0.85), "offset": 5}), "cool": ("gain", {"gains": (0.86, 0.98, 1.14)}),
    "sepia": ("sepia", {}), "fade": ("fade", {"factor": 0.25}), "grayscale": ("grayscale", {}),
    "vignette": ("vignette", {"factor": 0.45}), "saturate": ("saturate", {}), "contrast": ("contrast", {}),
}
FACTORS = {"saturate": (1.3, 1.7), "contrast": (1.2, 1.5)}  # the kinds whose strength is drawn


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
    return edits.crop(img, box), {"op": "crop", "box": box}


def _resize(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    s = float(rng.uniform(0.45, 0.85))
    size = [max(64, round(img.width * s)), max(64, round(img.height * s))]
    method = ("bicubic", "bilinear", "lanczos")[int(rng.integers(3))]
    return edits.resize(img, size, method), {"op": "resize", "size": size}


def _caption_bar(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    w, h = img.size
    fs = max(12, int(w * rng.uniform(0.035, 0.06)))
    bar = int(fs * rng.uniform(1.8, 3.2))
    bg = tuple(int(c) for c in rng.choice([[255, 255, 255], [15, 15, 15], [200, 20, 30], [20, 60, 160]]))
    fg = (0, 0, 0) if sum(bg) > 600 else (255, 255, 255)
    where = str(rng.choice(["top", "bottom"]))
    out = edits.caption_bar(img, [_words(rng).upper()], where=where, height=bar, font_size=fs, x=int(fs * 0.6),
                            y=(bar - fs) // 2, background=bg, colour=fg)
    return out, {"op": "caption_bar", "where": where, "height": bar}


def _meme_text(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    texts, sizes = ["", ""], [0, 0]
    for slot in (0, 1):  # top, bottom; each left out a third of the time
        if rng.random() < 0.35:
            continue
        texts[slot] = _words(rng, 2, 4).upper()
        sizes[slot] = max(14, int(img.width / rng.uniform(9, 14)))
    out = edits.meme_text(img, *texts, size=sizes, fit=0.94, min_size=10, bottom_at=0.96, stroke=1)
    return out, {"op": "meme_text", "where": [w for w, t in zip(("top", "bottom"), texts) if t]}


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
    d.text((side // 2 - fs // 2, side // 2 - fs // 2), letters, font=font(fs), fill=(255, 255, 255, alpha))
    m = max(2, side // 5)
    corner = str(rng.choice(["tl", "tr", "bl", "br"]))
    x = m if corner[1] == "l" else w - side - m
    y = m if corner[0] == "t" else h - side - m
    return edits.logo(img, layer, (x, y)), {"op": "logo", "box": [x, y, x + side, y + side]}


def _filter(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    kind = str(rng.choice(["warm", "cool", "sepia", "saturate", "fade", "contrast", "grayscale", "vignette"]))
    registry_kind, params = FILTERS[kind]
    if kind in FACTORS:
        params = {"factor": float(rng.uniform(*FACTORS[kind]))}
    return edits.colour_filter(img, registry_kind, **params), {"op": "filter", "kind": kind}


def _mirror(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    return edits.mirror(img), {"op": "mirror"}


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
    clock = f"{int(rng.integers(0, 24))}:{int(rng.integers(0, 60)):02d}"
    avatar = tuple(int(x) for x in rng.integers(0, 256, 3))
    handle, text = "@" + _words(rng, 1, 2).replace(" ", "_"), _words(rng, 3, 7)
    counts = [str(int(rng.integers(1, 999))) for _ in range(4)]
    x0, y = (W - iw) // 2, head + ih + 20

    def chrome(d: ImageDraw.ImageDraw) -> None:
        d.text((20, 8), clock, font=font(20), fill=fg)
        d.rectangle((W - 60, 12, W - 20, 28), outline=fg, width=2)
        d.ellipse((20, 50, 70, 100), fill=avatar)
        d.text((84, 56), handle, font=font(20), fill=fg)
        d.text((20, 108), text, font=font(18), fill=fg)
        for k, n in enumerate(counts):
            d.rectangle((30 + k * (W // 4), y, 50 + k * (W // 4), y + 18), outline=sub, width=2)
            d.text((58 + k * (W // 4), y), n, font=font(16), fill=sub)

    box = [x0, head, x0 + iw, head + ih]
    out = edits.screenshot(img, size=(W, H), box=box, background=bg, chrome=chrome)
    return out, {"op": "screenshot", "size": [W, H], "image_box": box}


def _letterbox(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    aspect = float(rng.choice([1.0, 16 / 9, 9 / 16, 4 / 5]))
    fill = str(rng.choice(["black", "white", "blur"]))
    out = edits.letterbox(img, aspect, fill)
    off = [(out.width - img.width) // 2, (out.height - img.height) // 2]
    return out, {"op": "letterbox", "size": list(out.size), "offset": off, "fill": fill}


def _rotate(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    angle = float(rng.uniform(1.0, 4.0) * rng.choice([-1, 1]))
    trim = 0
    if rng.random() < 0.6:  # crop the black corners away, as an editor's straighten tool does
        trim = int(np.ceil(max(img.size) * np.sin(abs(np.radians(angle))) * 0.6)) + 1
    return edits.rotate(img, angle, trim), {"op": "rotate", "angle": angle, "trim": trim}


EDIT_OPS: dict[str, Callable] = {
    "crop": _crop, "resize": _resize, "caption_bar": _caption_bar, "meme_text": _meme_text, "logo": _logo,
    "filter": _filter, "mirror": _mirror, "screenshot": _screenshot, "letterbox": _letterbox, "rotate": _rotate,
}
"""Edit name (of :data:`kit.demo.edits.EDITS`) -> ``op(img, rng) -> (img, params)``."""


def apply_edit(img: Image.Image, op: str, rng: np.random.Generator) -> tuple[Image.Image, dict]:
    """Draw the parameters of one named edit of :data:`EDIT_OPS` and apply it to a PIL RGB image."""
    if op not in EDIT_OPS:
        raise EditError(f"unknown edit {op!r}; known: {sorted(EDIT_OPS)}")
    out, params = EDIT_OPS[op](img.convert("RGB"), rng)
    return out.convert("RGB"), params


def encode(img: Image.Image, rng: np.random.Generator, *, png: bool = False,
           quality: tuple[int, int] = (60, 95)) -> tuple[bytes, dict]:
    """The bytes an upload is stored as: JPEG (drawn quality, 4:2:0 or 4:4:4) or PNG."""
    if png:
        return edits.png(img), {"op": "png"}
    q = int(rng.integers(quality[0], quality[1] + 1))
    sub = int(rng.choice([0, 2], p=[0.25, 0.75]))
    return edits.jpeg(img, q, subsampling=sub), {"op": "jpeg", "q": q, "subsampling": "4:4:4" if sub == 0 else "4:2:0"}


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
