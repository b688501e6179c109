"""Build the demo incident: a fabricated launch-pad photo and ~150 reposts of it.

A deterministic (seeded) generator. From public-domain images shipped inside
the scikit-image wheel it makes a fake "breaking news" photo (the 2015 DSCOVR
launch photo with a pasted fireball and smoke plume), then a cascade of posts
on four platforms over 72 hours: in-platform shares that reuse the bytes and
carry an explicit repost link, re-uploads and platform hops that download,
edit and re-encode, three short videos, look-alike distractors, a fact-check
post stamping FAKE, and two bad manifest rows. It writes::

    OUT/manifest.csv                 one row a post (the analyst's scrape)
    OUT/media/pNNN.{jpg,png,mp4}     the media of each post
    OUT/truth.json                   the ground truth (true parents, transforms, ...)
    OUT/truth_composite_mask.png     where the origin photo was spliced (alpha)

Run ``python datasets/demo_incident/generate.py --out DIR [--seed 7]``. Only
numpy, Pillow, OpenCV, scikit-image's bundled data files and the standard
library are used; nothing is downloaded. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

__all__ = ["GENERATOR_VERSION", "PLATFORMS", "DemoIncident", "generate", "main"]

GENERATOR_VERSION = "1.0.0"
T0 = datetime(2026, 3, 14, 23, 42, 0, tzinfo=timezone.utc)  # the origin post
N_CASCADE = 145  # origin + reposts (videos, debunk and the two bad rows included)
ORDER = ("x", "facebook", "telegram", "instagram")  # collection order -> post ids

PLATFORMS = {
    "x": {"name": "X (Twitter)", "max_side": 2048, "quality": [85], "progressive": True,
          "metadata": "stripped (re-encoded JPEG)", "share": "retweet: same media bytes, new post; "
          "the export's parent link names the original tweet, not the retweet it came through",
          "url": "https://x.example/<account>/status/<snowflake id>"},
    "facebook": {"name": "Facebook", "max_side": 2048, "quality": [71, 74, 77, 80],
                 "progressive": True, "metadata": "stripped (re-encoded JPEG)",
                 "share": "share: same media bytes; parent link to the shared post or the "
                 "original", "url": "https://facebook.example/<page>/posts/<id>"},
    "telegram": {"name": "Telegram", "max_side": 1280, "quality": [87], "progressive": False,
                 "metadata": "photo: stripped, 1280 px, q87; sent as file: original bytes kept "
                 "(EXIF included)", "share": "forward: same bytes; 'forwarded from' names the "
                 "first channel of the chain", "url": "https://t.example/<channel>/<message id>"},
    "instagram": {"name": "Instagram", "max_width": 1080, "aspect": [0.8, 1.91],
                  "quality": [75, 78, 80], "progressive": False,
                  "metadata": "stripped; width <= 1080, aspect forced into 4:5..1.91:1",
                  "share": "repost: same bytes; parent link to the reposted post",
                  "url": "https://instagram.example/p/<shortcode>/"},
}
HUBS = {  # account: (platform, followers)
    "BreakingWireNow": ("x", 1_900_000), "NewsFlashGlobal": ("x", 640_000),
    "OrbitWatchHQ": ("x", 210_000), "Daily Frontier News": ("facebook", 820_000),
    "Space Coast Community Group": ("facebook", 95_000), "frontline_dispatch": ("telegram", 48_000),
    "insider_wire": ("telegram", 310_000), "memeorbit": ("instagram", 1_200_000),
    "world.news.now": ("instagram", 450_000),
}
FACTCHECK = ("FactCheckDesk", "x", 380_000)
ZONES = {"x": ["Z", "Z", "Z", "+01:00", "-05:00"], "facebook": ["-05:00", "-05:00", "+01:00", "Z"],
         "telegram": ["+01:00", "+01:00", "+05:30", "Z"], "instagram": ["+05:30", "-05:00", "Z"]}
HOP_WEIGHTS = {"x": 0.45, "facebook": 0.3, "telegram": 0.15, "instagram": 0.1}
SHARE_P = {"x": 0.6, "facebook": 0.5, "telegram": 0.55, "instagram": 0.3}
POINT_AT_ORIGINAL_P = 0.85  # share of a share: the export names the chain's first post
EDITS = {  # user edits per platform of the re-upload (1-3 are drawn)
    "x": ["crop", "crop", "watermark", "caption_bar", "mirror", "resize", "screenshot"],
    "facebook": ["caption_bar", "meme_text", "screenshot", "colour", "letterbox", "crop"],
    "telegram": ["watermark", "logo", "crop", "resize", "colour"],
    "instagram": ["crop", "colour", "meme_text", "letterbox", "grayscale", "mirror"],
}
CANON = ["screenshot", "crop", "mirror", "colour", "grayscale", "resize", "caption_bar",
         "meme_text", "watermark", "logo", "letterbox"]

CAPTIONS = {
    "en": ["BREAKING: Rocket explodes on the launch pad at Cape Canaveral \U0001f525",
           "Huge explosion at the launch site right now. Praying for everyone there \U0001f64f",
           "Photo from the pad minutes ago. Why is no mainstream outlet reporting this?",
           "This is what they don't want you to see. Launch pad GONE.",
           "Wow. Just wow. #CapeCanaveral #explosion", "Can anyone confirm? Seeing this everywhere",
           "Photo via Telegram: rocket blew up on the pad", "Unbelievable scenes tonight at SLC-40",
           "Is this real?? \U0001f62e", "Sending this to everyone I know. Stay safe Florida"],
    "es": ["\u00daLTIMA HORA: explota un cohete en la plataforma de lanzamiento \U0001f525",
           "Impresionante explosi\u00f3n en Cabo Ca\u00f1averal ahora mismo"],
    "fr": ["URGENT : une fus\u00e9e explose sur le pas de tir \u00e0 Cap Canaveral",
           "Explosion \u00e9norme sur la base de lancement, ce soir"],
    "de": ["EILMELDUNG: Rakete explodiert auf der Startrampe in Cape Canaveral"],
    "hi": ["\u092c\u094d\u0930\u0947\u0915\u093f\u0902\u0917: \u0932\u0949\u0928\u094d\u091a "
           "\u092a\u0948\u0921 \u092a\u0930 \u0930\u0949\u0915\u0947\u091f \u092e\u0947\u0902 "
           "\u0927\u092e\u093e\u0915\u093e"],
    "uk": ["\u0422\u0415\u0420\u041c\u0406\u041d\u041e\u0412\u041e: \u0440\u0430\u043a\u0435"
           "\u0442\u0430 \u0432\u0438\u0431\u0443\u0445\u043d\u0443\u043b\u0430 \u043d\u0430 "
           "\u0441\u0442\u0430\u0440\u0442\u0456"],
}
LANG_P = {"en": 0.68, "es": 0.1, "fr": 0.07, "de": 0.05, "hi": 0.05, "uk": 0.05}
BAR_TEXTS = ["Cape Canaveral right now", "nobody is talking about this",
             "they said it was a 'routine test'", "the pad 20 minutes ago. stay safe",
             "share before they delete it"]
MEME_TEXTS = [("WHEN THE LAUNCH", "GOES SLIGHTLY WRONG"), ("HOUSTON", "WE HAVE A PROBLEM"),
              ("", "THEY WILL DELETE THIS"), ("ROCKET SCIENCE", "IS HARD")]
ORIGIN_CAPTION = ("\u26a1\ufe0f BREAKING: Falcon rocket exploded on the pad at Cape Canaveral "
                  "minutes ago. Massive fireball, crews evacuated. Photo from our source on "
                  "site, full resolution file attached.")
DEBUNK_CAPTION = ("FALSE. This image is a composite: the rocket photo is from the 2015 DSCOVR "
                  "launch (SpaceX, public domain) and the fireball was pasted in. No explosion "
                  "happened today.")
SYLL = ["nova", "orbit", "sky", "night", "lunar", "pixel", "storm", "river", "echo", "falcon",
        "cedar", "delta", "vega", "atlas", "mango", "ember", "comet", "harbor", "quartz", "zen"]
NAMES = ["Maria", "James", "Aisha", "Tom", "Lena", "Ravi", "Olga", "Diego", "Sara", "Ken",
         "Priya", "Marco", "Julia", "Omar", "Nina", "Ben"]
SURNAMES = ["Lopez", "Smith", "Khan", "Meyer", "Rossi", "Patel", "Kovalenko", "Dubois",
            "Garcia", "Brown", "Nguyen", "Silva"]


@dataclass(frozen=True)
class DemoIncident:
    """What :func:`generate` wrote: paths and counts (``seconds`` is wall time)."""

    out_dir: Path
    manifest: Path
    truth: Path
    n_posts: int
    n_accounts: int
    n_media_bytes: int
    seconds: float


@dataclass
class _Post:
    key: int
    t: float  # hours after T0
    platform: str
    account: str
    role: str  # origin, share, reupload, hop, video, debunk, distractor
    parent: int | None = None
    explicit: int | None = None
    same_bytes_as: int | None = None
    kind: str = "image"
    edits: list = field(default_factory=list)
    transforms: list = field(default_factory=list)
    data: bytes = b""
    ext: str = "jpg"
    distractor_kind: str | None = None
    caption: str = ""
    lang: str = "en"
    as_file: bool = False


# ----------------------------------------------------------------------------- sources
def _skimage_file(name: str) -> Path:
    """Path of a data file inside the installed scikit-image wheel (never downloads)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-image is needed for its bundled sample images")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not in the scikit-image wheel")
    return path


def _gray(name: str, size: tuple[int, int]) -> np.ndarray:
    """A bundled image as float32 gray in [0, 1], resized to ``size`` (w, h)."""
    im = Image.open(_skimage_file(name)).convert("L").resize(size, Image.BICUBIC)
    a = np.asarray(im, np.float32)
    return (a - a.min()) / max(float(a.max() - a.min()), 1.0)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int = 4) -> list:
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    lines.append(cur)
    return lines[:max_lines]


def _drawable(text: str) -> str:
    """Text the bundled font can draw: Latin only (emoji, Devanagari, Cyrillic dropped)."""
    kept = "".join(c for c in text if ord(c) < 0x250 or c in "\u00b7\u2019").strip()
    return kept if sum(c.isalpha() for c in kept) >= 0.5 * sum(c.isalpha() for c in text) \
        else "BREAKING: rocket explodes on the pad"


def _jpeg(img: Image.Image, q: int, *, progressive: bool = False, subsampling: int = 2,
          exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kw = {"exif": exif, "dpi": (300, 300)} if exif else {}
    img.convert("RGB").save(buf, "JPEG", quality=q, subsampling=subsampling, optimize=False,
                            progressive=progressive, **kw)
    return buf.getvalue()


def _decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


# ----------------------------------------------------------------------------- the fake
def _fire_palette(v: np.ndarray) -> np.ndarray:
    xs = [0.0, 0.3, 0.55, 0.75, 0.9, 1.0]
    cols = np.array([[25, 6, 3], [150, 28, 6], [235, 95, 15], [255, 165, 45], [255, 225, 130],
                     [255, 250, 232]], np.float32)
    return np.stack([np.interp(v, xs, cols[:, c]) for c in range(3)], -1).astype(np.float32)


def _blur(a: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(a, (0, 0), sigma)


def _make_composite(rng: np.random.Generator) -> tuple[Image.Image, np.ndarray, dict]:
    """The fabricated photo, its alpha mask (uint8, full size) and the truth record."""
    W, H = 1600, 1068
    base = Image.open(_skimage_file("rocket.jpg")).convert("RGB").resize((W, H), Image.LANCZOS)
    base = base.filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=2))
    img = np.asarray(base, np.float32)
    bx, by = 468 + int(rng.integers(-12, 13)) * 2 + 1, 128 + int(rng.integers(-8, 9)) * 2 + 1
    bw, bh = 760, 920
    yy, xx = np.mgrid[0:bh, 0:bw].astype(np.float32)
    noise = _blur(_gray("gravel.png", (bw, bh)) - 0.5, 5) * 3.0
    noise2 = _blur(_gray("grass.png", (bw, bh)) - 0.5, 12) * 4.0
    taper = np.minimum(np.minimum(xx, bw - 1 - xx), np.minimum(yy, bh - 1 - yy))
    taper = np.clip(taper / 40.0, 0, 1)
    fcx, fcy = 805.0 - bx, 840.0 - by

    def lobes(centres, edge, amp):
        """Union of noisy ellipses; returns mask and a sphere-like shade lit from top-left."""
        m, shade = np.zeros((bh, bw), np.float32), np.zeros((bh, bw), np.float32)
        for cx, cy, rx, ry in centres:
            nx, ny = (xx - cx) / rx, (yy - cy) / ry
            d = np.sqrt(nx ** 2 + ny ** 2)
            mi = np.clip((1.2 + amp * edge - d) * 3.0, 0, 1)
            nz = np.sqrt(np.clip(1 - np.minimum(d, 1) ** 2, 0, 1))
            si = np.clip(-0.45 * nx - 0.6 * ny + 0.65 * nz, 0, 1)
            shade = np.where(mi >= m, si, shade)
            m = np.maximum(m, mi)
        return m, shade

    jit = rng.uniform(-1, 1, size=(16, 2)).astype(np.float32)
    fire_c = [(fcx + 150 * jit[i, 0], fcy - 60 + 70 * jit[i, 1] - 40 * (i % 3), 95 + 12 * i,
               80 + 8 * i) for i in range(6)]
    m_fire, _ = lobes(fire_c, noise, 0.6)
    m_fire = _blur(m_fire, 6)
    ret = Image.open(_skimage_file("retina.jpg")).convert("RGB")
    rbox = (300, 350, 1100, 1150)
    ret = np.asarray(ret.crop(rbox).resize((bw, bh), Image.BICUBIC), np.float32)
    lum = ret.mean(-1)
    lum = (lum - lum.min()) / (lum.max() - lum.min())
    r = np.sqrt(((xx - fcx) / 230) ** 2 + ((yy - fcy + 50) / 190) ** 2)
    v = np.clip(np.clip(1.1 - r, 0, 1) ** 0.6 * (0.75 + 0.5 * lum) + 0.12 * noise + 0.08, 0, 1)
    fire = _fire_palette(v) * 0.85 + ret * 0.15 * (1 - v[..., None])
    tex = _blur(_gray("clock_motion.png", (bw, bh)), 2)
    smoke_c = []
    for i in range(9):  # billows rising and drifting right
        k = i / 8.0
        smoke_c.append((fcx + 30 + 170 * k ** 1.4 + 60 * jit[6 + i, 0], fcy - 150 - 450 * k,
                        120 + 70 * k + 20 * jit[6 + i, 1], 105 + 60 * k))
    m_smoke, shade = lobes(smoke_c, noise2, 0.5)
    m_smoke = _blur(m_smoke, 8) * 0.96 * taper
    m_fire = m_fire * taper
    dist = np.sqrt((xx - fcx) ** 2 + (yy - fcy) ** 2)
    lit = np.exp(-dist / 170.0)[..., None] * np.array([150, 62, 14], np.float32)
    grey = 16 + 100 * _blur(shade, 4) * (0.5 + 0.5 * tex)
    smoke = grey[..., None] * np.array([1.0, 0.95, 0.9], np.float32) + lit
    alpha = 1.0 - (1.0 - m_smoke) * (1.0 - m_fire)
    layer = smoke * (1 - m_fire[..., None]) + fire * m_fire[..., None]
    donor_q = 62  # the pasted layer had its own JPEG history, on a grid offset from the final one
    layer = np.asarray(_decode(_jpeg(Image.fromarray(np.clip(layer, 0, 255).astype(np.uint8)),
                                     donor_q)), np.float32)
    patch = img[by:by + bh, bx:bx + bw]
    img[by:by + bh, bx:bx + bw] = patch * (1 - alpha[..., None]) + layer * alpha[..., None]
    Y, X = np.mgrid[0:H, 0:W].astype(np.float32)
    glow = np.exp(-((X - 805) ** 2 + (Y - 820) ** 2) / (2 * 420.0 ** 2)) * 0.5
    light = glow[..., None] * np.array([1.0, 0.45, 0.12], np.float32)
    img = 255.0 - (255.0 - img) * (1.0 - light)  # screen blend: the scene lit by the blast
    full = np.zeros((H, W), np.float32)
    full[by:by + bh, bx:bx + bw] = alpha
    full = np.round(full * 255).astype(np.uint8)  # as saved in truth_composite_mask.png
    ys, xs = np.nonzero(full >= 5)  # the box where alpha >= 5/255 (about 2%)
    truth = {
        "base": {"image": "skimage/data/rocket.jpg", "licence": "public domain (SpaceX)",
                 "upscaled_to": [W, H]},
        "donors": [
            {"image": "skimage/data/retina.jpg", "licence": "CC0", "role": "fire texture",
             "crop": list(rbox)},
            {"image": "skimage/data/clock_motion.png",
             "licence": "public domain (Stefan van der Walt)",
             "role": "smoke texture"},
            {"image": "skimage/data/gravel.png", "licence": "CC0", "role": "fire edge noise"},
            {"image": "skimage/data/grass.png", "licence": "CC0", "role": "smoke edge noise"}],
        "pasted_box": [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1],
        "layer_box": [bx, by, bx + bw, by + bh], "donor_jpeg_q": donor_q,
        "donor_grid_offset": [bx % 8, by % 8], "global_edit": "orange screen-blend glow",
        "mask": "truth_composite_mask.png", "origin_jpeg_q": 93, "origin_subsampling": "4:4:4",
    }
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), full, truth


def _origin_exif(size: tuple[int, int]) -> bytes:
    ex = Image.Exif()
    ex[0x010F], ex[0x0110] = "Canon", "Canon EOS 5D Mark IV"
    ex[0x0131], ex[0x0132] = "Adobe Photoshop 25.5 (Windows)", "2026:03:14 19:38:52"
    ex[0x0112] = 1
    e = ex.get_ifd(0x8769)
    e[0x9003], e[0x9004] = "2026:03:14 19:31:07", "2026:03:14 19:31:07"
    e[0x9010], e[0x9011] = "-04:00", "-04:00"
    e[0xA002], e[0xA003], e[0xA001] = size[0], size[1], 1
    e[0xA434] = "EF24-70mm f/2.8L II USM"
    g = ex.get_ifd(0x8825)
    g[1], g[2], g[3], g[4] = "N", (28.0, 33.0, 42.84), "W", (80.0, 34.0, 37.92)
    return ex.tobytes()


# ----------------------------------------------------------------------------- edits
def _op_crop(img, rng, ctx):
    w, h = img.size
    f = rng.uniform(0.05, 0.20, size=4)
    if ctx["platform"] == "instagram" and rng.random() < 0.6:  # crop to square / 4:5
        aspect = float(rng.choice([1.0, 0.8]))
        cw = min(w, int(h * aspect))
        ch = min(h, int(cw / aspect))
        x0 = int((w - cw) * rng.uniform(0.3, 0.7))
        box = [x0, (h - ch) // 2, x0 + cw, (h - ch) // 2 + ch]
    else:
        box = [int(w * f[0]), int(h * f[1]), w - int(w * f[2]), h - int(h * f[3])]
    return img.crop(tuple(box)), {"op": "crop", "box": box}


def _op_resize(img, rng, ctx):
    s = float(rng.uniform(0.5, 0.85))
    size = [max(64, round(img.width * s)), max(64, round(img.height * s))]
    return img.resize(tuple(size), Image.BICUBIC), {"op": "resize", "size": size}


def _op_mirror(img, rng, ctx):
    return ImageOps.mirror(img), {"op": "mirror"}


def _op_grayscale(img, rng, ctx):
    return img.convert("L").convert("RGB"), {"op": "grayscale"}


def _op_colour(img, rng, ctx):
    kind = str(rng.choice(["warm", "sepia", "saturate", "cool"]))
    a = np.asarray(img, np.float32)
    if kind == "sepia":
        m = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
        a = a @ m.T.astype(np.float32)
    elif kind == "warm":
        a = a * np.array([1.10, 1.02, 0.86], np.float32) + 6
    elif kind == "cool":
        a = a * np.array([0.88, 0.98, 1.12], np.float32)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if kind == "saturate":
        out = ImageEnhance.Contrast(ImageEnhance.Color(img).enhance(1.45)).enhance(1.12)
    return out, {"op": "colour", "filter": kind}


def _op_caption_bar(img, rng, ctx):
    text, where = str(rng.choice(BAR_TEXTS)), str(rng.choice(["top", "bottom"]))
    w, h = img.size
    fs = max(18, w // 24)
    draw = ImageDraw.Draw(img)
    lines = _wrap(draw, text, _font(fs), w - 2 * fs)
    bar = len(lines) * int(fs * 1.25) + fs
    canvas = Image.new("RGB", (w, h + bar), "white")
    canvas.paste(img, (0, bar if where == "top" else 0))
    d = ImageDraw.Draw(canvas)
    y = (0 if where == "top" else h) + fs // 2
    for line in lines:
        d.text((fs, y), line, font=_font(fs), fill=(10, 10, 10))
        y += int(fs * 1.25)
    return canvas, {"op": "caption_bar", "where": where, "text": text, "bar_height": bar}


def _op_meme_text(img, rng, ctx):
    top, bottom = MEME_TEXTS[int(rng.integers(len(MEME_TEXTS)))]
    img = img.copy()
    d = ImageDraw.Draw(img)
    w, h = img.size
    for text, at_top in ((top, True), (bottom, False)):
        if not text:
            continue
        fs = max(20, w // 11)
        while d.textlength(text, font=_font(fs)) > 0.92 * w and fs > 12:
            fs -= 2
        tw = d.textlength(text, font=_font(fs))
        y = int(h * 0.03) if at_top else int(h * 0.97) - int(fs * 1.2)
        d.text(((w - tw) / 2, y), text, font=_font(fs), fill="white", stroke_width=max(2, fs // 12),
               stroke_fill="black")
    return img, {"op": "meme_text", "top": top, "bottom": bottom}


def _op_watermark(img, rng, ctx):
    text = f"@{ctx['account'].replace(' ', '')}"
    img = img.convert("RGBA")
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    fs = max(16, img.width // 26)
    tw = int(d.textlength(text, font=_font(fs)))
    corner = str(rng.choice(["br", "bl", "tr", "center"]))
    opacity = float(round(rng.uniform(0.35, 0.65), 2))
    x = {"br": img.width - tw - fs, "bl": fs, "tr": img.width - tw - fs,
         "center": (img.width - tw) // 2}[corner]
    y = {"br": img.height - 2 * fs, "bl": img.height - 2 * fs, "tr": fs,
         "center": img.height // 2}[corner]
    d.text((x, y), text, font=_font(fs), fill=(255, 255, 255, int(255 * opacity)),
           stroke_width=1, stroke_fill=(0, 0, 0, int(160 * opacity)))
    out = Image.alpha_composite(img, layer).convert("RGB")
    return out, {"op": "watermark", "text": text, "corner": corner, "opacity": opacity}


def _op_logo(img, rng, ctx):
    logo = Image.open(_skimage_file("logo.png")).convert("RGBA")
    side = max(32, img.width // 7)
    logo = logo.resize((side, side), Image.LANCZOS)
    opacity = float(round(rng.uniform(0.55, 0.85), 2))
    logo.putalpha(Image.fromarray((np.asarray(logo)[..., 3] * opacity).astype(np.uint8)))
    x, y = img.width - side - side // 5, side // 5
    out = img.convert("RGBA")
    out.alpha_composite(logo, (x, y))
    return out.convert("RGB"), {"op": "logo", "image": "skimage/data/logo.png",
                                "box": [x, y, x + side, y + side], "opacity": opacity}


def _op_letterbox(img, rng, ctx):
    aspect = float(rng.choice([1.0, 16 / 9, 9 / 16]))
    fill = str(rng.choice(["black", "white", "blur"]))
    w, h = img.size
    W, H = (w, round(w / aspect)) if w / h > aspect else (round(h * aspect), h)
    if fill == "blur":
        small = img.resize((max(8, W // 16), max(8, H // 16)), Image.BILINEAR)
        canvas = small.filter(ImageFilter.GaussianBlur(2)).resize((W, H), Image.BILINEAR)
    else:
        canvas = Image.new("RGB", (W, H), fill)
    off = [(W - w) // 2, (H - h) // 2]
    canvas.paste(img, tuple(off))
    return canvas, {"op": "letterbox", "size": [W, H], "offset": off, "fill": fill}


def _heart(d, x, y, s, colour, filled):
    t = np.linspace(0, 2 * np.pi, 40)
    px = x + s * (16 * np.sin(t) ** 3) / 34 + s / 2
    c = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    py = y + s / 2 - s * c / 34
    pts = [(float(a), float(b)) for a, b in zip(px, py)]
    d.polygon(pts, fill=colour if filled else None, outline=colour, width=3)


def _op_screenshot(img, rng, ctx):
    """The parent post as shown in its app on a phone (status bar, chrome, icons)."""
    app, acc = ctx["parent_platform"], ctx["parent_account"]
    dark = bool(rng.random() < 0.4)
    W, H = 720, 1560
    bg, fg, sub = ((0, 0, 0), (231, 233, 234), (113, 118, 123)) if dark else \
        ((255, 255, 255), (15, 20, 25), (83, 100, 113))
    c = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(c)
    local = ctx["time"] - timedelta(hours=5)
    d.text((40, 16), f"{local.hour}:{local.minute:02d}", font=_font(26), fill=fg)
    for i in range(4):  # signal, wifi, battery
        d.rectangle((552 + i * 9, 36 - 5 * i, 558 + i * 9, 40), fill=fg)
    d.pieslice((596, 16, 626, 46), 225, 315, fill=fg)
    d.rounded_rectangle((638, 20, 686, 40), 5, outline=fg, width=2)
    d.rectangle((642, 24, 642 + int(40 * rng.uniform(0.2, 0.95)), 36), fill=fg)
    head = {"x": ("Post", fg), "facebook": ("facebook", (24, 119, 242)),
            "telegram": (acc, fg), "instagram": ("Instagram", fg)}[app]
    d.line((30, 90, 50, 75), fill=fg, width=4)
    d.line((30, 90, 50, 105), fill=fg, width=4)
    d.text((80, 72), head[0], font=_font(32), fill=head[1])
    d.line((0, 135, W, 135), fill=sub, width=1)
    hue = int(hashlib.sha256(acc.encode()).hexdigest()[:6], 16)
    d.ellipse((24, 158, 92, 226), fill=(hue >> 16 & 255, hue >> 8 & 255, hue & 255))
    d.text((47, 172), acc[0].upper(), font=_font(32), fill="white")
    d.text((108, 160), acc, font=_font(28), fill=fg)
    d.text((108, 196), f"@{acc.replace(' ', '').lower()} \u00b7 {ctx['age']}", font=_font(22),
           fill=sub)
    y = 244
    for line in _wrap(d, _drawable(ctx["parent_caption"] or " "), _font(26), W - 48, 3):
        d.text((24, y), line, font=_font(26), fill=fg)
        y += 34
    y += 10
    iw = W - 48
    ih = min(900, round(img.height * iw / img.width))
    iw = round(img.width * ih / img.height)
    shot = img.resize((iw, ih), Image.BICUBIC)
    mask = Image.new("L", (iw, ih), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, iw - 1, ih - 1), 22, fill=255)
    x0 = (W - iw) // 2
    c.paste(shot, (x0, y), mask)
    box = [x0, y, x0 + iw, y + ih]
    y += ih + 18
    n = ctx["counts"]
    d.text((24, y), f"{local.strftime('%I:%M %p').lstrip('0')} \u00b7 Mar {local.day}, 2026 "
           f"\u00b7 {n[2]} Views", font=_font(22), fill=sub)
    y += 44
    d.line((0, y, W, y), fill=sub, width=1)
    y += 22
    d.rounded_rectangle((40, y, 74, y + 26), 9, outline=sub, width=3)  # reply
    d.polygon([(46, y + 24), (44, y + 34), (56, y + 25)], fill=sub)
    d.text((84, y), n[0], font=_font(22), fill=sub)
    for k, (a, b) in enumerate(((y + 6, y + 20), (y + 20, y + 6))):  # repost arrows
        d.line((210, a, 246, a) if k == 0 else (216, a, 252, a), fill=sub, width=3)
        d.polygon([(246, a - 6), (254, a), (246, a + 6)] if k == 0 else
                  [(216, a - 6), (208, a), (216, a + 6)], fill=sub)
    d.text((264, y), n[1], font=_font(22), fill=sub)
    _heart(d, 380, y - 2, 32, (249, 24, 128), bool(rng.random() < 0.5))
    d.text((420, y), n[2], font=_font(22), fill=sub)
    d.rectangle((590, y + 10, 616, y + 30), outline=sub, width=3)  # share
    d.line((603, y - 4, 603, y + 18), fill=sub, width=3)
    d.polygon([(595, y + 2), (603, y - 8), (611, y + 2)], fill=sub)
    y += 60
    d.line((0, y, W, y), fill=sub, width=1)
    d.ellipse((24, y + 22, 92, y + 90), fill=sub)  # the next post, cut off
    d.rectangle((108, y + 28, 400, y + 48), fill=sub)
    d.rectangle((108, y + 64, 620, y + 80), fill=sub)
    d.rounded_rectangle((W // 2 - 70, H - 22, W // 2 + 70, H - 14), 4, fill=fg)
    return c, {"op": "screenshot", "app": app, "theme": "dark" if dark else "light",
               "size": [W, H], "image_box": box}


OPS = {"crop": _op_crop, "resize": _op_resize, "mirror": _op_mirror, "grayscale": _op_grayscale,
       "colour": _op_colour, "caption_bar": _op_caption_bar, "meme_text": _op_meme_text,
       "watermark": _op_watermark, "logo": _op_logo, "letterbox": _op_letterbox,
       "screenshot": _op_screenshot}


def _stamp_fake(img: Image.Image) -> tuple[Image.Image, dict]:
    w, h = img.size
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    fs = w // 4
    tw = d.textlength("FAKE", font=_font(fs))
    x, y = (w - tw) / 2, (h - fs) / 2 - fs * 0.15
    pad = fs // 6
    d.rounded_rectangle((x - pad, y - pad // 2, x + tw + pad, y + fs * 1.05 + pad), pad // 2,
                        outline=(220, 20, 30, 235), width=max(6, fs // 14))
    d.text((x, y), "FAKE", font=_font(fs), fill=(220, 20, 30, 235))
    d.text((x, y + fs * 1.15 + pad), "FACT CHECK \u00b7 FactCheckDesk", font=_font(fs // 6),
           fill=(255, 255, 255, 255), stroke_width=2, stroke_fill=(220, 20, 30, 255))
    layer = layer.rotate(12, resample=Image.BICUBIC, center=(w / 2, h / 2))
    out = Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
    return out, {"op": "stamp", "text": "FAKE", "colour": "red", "angle": 12}


def _platform_encode(img: Image.Image, platform: str, rng) -> tuple[bytes, list]:
    """What the platform does to an upload: resize to its limits, strip, re-encode."""
    spec, steps = PLATFORMS[platform], []
    w, h = img.size
    if platform == "instagram":
        lo, hi = spec["aspect"]
        if w / h < lo or w / h > hi:
            cw, ch = (w, round(w / lo)) if w / h < lo else (round(h * hi), h)
            box = [(w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch]
            img = img.crop(tuple(box))
            steps.append({"op": "platform_crop", "box": box})
            w, h = img.size
        scale = min(1.0, spec["max_width"] / w)
    else:
        scale = min(1.0, spec["max_side"] / max(w, h))
    if scale < 1.0:
        size = [round(w * scale), round(h * scale)]
        img = img.resize(tuple(size), Image.BICUBIC)
        steps.append({"op": "platform_resize", "size": size, "filter": "bicubic"})
    q = int(rng.choice(spec["quality"]))
    steps.append({"op": "jpeg", "q": q, "subsampling": "4:2:0", "progressive": spec["progressive"],
                  "metadata": "stripped"})
    return _jpeg(img, q, progressive=spec["progressive"]), steps


def _make_video(img: Image.Image, caption: str, account: str, path: Path) -> tuple[bytes, dict]:
    """A 4 s vertical clip: blurred fill, slow zoom on the picture, burned-in caption."""
    import cv2

    W, H, fps, n = 360, 640, 15, 60
    img = img.resize((2 * W, round(img.height * 2 * W / img.width)), Image.BILINEAR)
    src = np.ascontiguousarray(np.asarray(img)[..., ::-1])
    h, w = src.shape[:2]
    s = max(W / w, H / h)
    bg = cv2.resize(src, (math.ceil(w * s), math.ceil(h * s)), interpolation=cv2.INTER_AREA)
    y0, x0 = (bg.shape[0] - H) // 2, (bg.shape[1] - W) // 2
    bg = (cv2.GaussianBlur(bg[y0:y0 + H, x0:x0 + W], (0, 0), 14) * 0.5).astype(np.uint8)
    sc = min(W / w, (H - 200) / h)  # the picture fits in the middle band
    fw, fh = round(w * sc), round(h * sc)
    over = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(over)
    for i, line in enumerate(_wrap(d, _drawable(caption), _font(24), W - 30, 3)):
        d.text((15, 30 + i * 30), line, font=_font(24), fill="white", stroke_width=2,
               stroke_fill="black")
    d.text((15, H - 50), f"@{account.replace(' ', '')}", font=_font(20), fill="white")
    ov = np.asarray(over, np.float32)
    a, ov = ov[..., 3:] / 255.0, ov[..., 2::-1]
    rows = np.nonzero(a[..., 0].max(1) > 0)[0]  # blend only the bands with text
    bands = [(int(r.min()), int(r.max()) + 1) for r in (rows[rows < H // 2], rows[rows >= H // 2])]
    bands = [(r0, r1, a[r0:r1], ov[r0:r1]) for r0, r1 in bands]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (W, H))
    for i in range(n):
        z = 1.0 + 0.12 * i / (n - 1)
        cw, ch = w / z, h / z
        cx, cy = (w - cw) / 2, (h - ch) / 2
        m = np.array([[fw / cw, 0, -cx * fw / cw], [0, fh / ch, -cy * fh / ch]], np.float64)
        fg = cv2.warpAffine(src, m, (fw, fh), flags=cv2.INTER_LINEAR)
        frame = bg.copy()
        top, left = (H - fh) // 2, (W - fw) // 2
        frame[top:top + fh, left:left + fw] = fg
        for r0, r1, ab, ob in bands:
            frame[r0:r1] = (frame[r0:r1] * (1 - ab) + ob * ab).astype(np.uint8)
        vw.write(frame)
    vw.release()
    data = path.read_bytes()
    path.unlink()
    return data, {"op": "video", "size": [W, H], "fps": fps, "seconds": n / fps,
                  "zoom": [1.0, 1.12], "codec": "mp4v", "caption": _drawable(caption)}


# ----------------------------------------------------------------------------- the cascade
class _Accounts:
    def __init__(self, rng):
        self.rng, self.followers, self.platform = rng, {}, {}
        self.regular = {p: [] for p in PLATFORMS}
        for name, (p, f) in HUBS.items():
            self.followers[name], self.platform[name] = f, p
        self.followers[FACTCHECK[0]], self.platform[FACTCHECK[0]] = FACTCHECK[2], FACTCHECK[1]

    def hubs(self, platform):
        return [a for a, (p, _) in HUBS.items() if p == platform]

    def _new_name(self, platform):
        r = self.rng
        while True:
            i, j = r.choice(len(SYLL), size=2, replace=False)
            a, b = SYLL[int(i)], SYLL[int(j)]
            n = int(r.integers(2, 99))
            name = {"x": f"{a.capitalize()}{b.capitalize()}{n}",
                    "facebook": f"{NAMES[int(r.integers(len(NAMES)))]} "
                                f"{SURNAMES[int(r.integers(len(SURNAMES)))]}",
                    "telegram": f"{a}_{b}_news", "instagram": f"{a}.{b}{n}"}[platform]
            if name not in self.followers:
                return name

    def pick(self, platform, hub_p, exclude=()):
        r = self.rng
        hubs = [h for h in self.hubs(platform) if h not in exclude]
        if hubs and r.random() < hub_p:
            return hubs[int(r.integers(len(hubs)))]
        pool = [a for a in self.regular[platform] if a not in exclude]
        if pool and r.random() < 0.3:
            return pool[int(r.integers(len(pool)))]
        name = self._new_name(platform)
        self.followers[name] = int(r.lognormal(6.0, 1.3)) + 5
        self.platform[name] = platform
        self.regular[platform].append(name)
        return name


def _times(rng, n: int) -> list:
    t = []
    for _ in range(n):
        u = rng.random()
        t.append(float(min(rng.exponential(3.5), 24.0) if u < 0.55 else
                       rng.uniform(4, 36) if u < 0.87 else rng.uniform(30, 71.5)))
    t = sorted(max(0.06, x) for x in t)
    t[-1] = 70.6 + float(rng.uniform(0, 0.9))
    for i in range(1, n):  # at least 20 s apart
        t[i] = max(t[i], t[i - 1] + 20 / 3600)
    return t


def _under_debunk(posts: list, p: _Post) -> bool:
    """True for the fact-check post and its shares (they are only shared further)."""
    while p.role == "share":
        p = posts[p.parent]
    return p.role == "debunk"


def _plan(rng, acc: _Accounts) -> list:
    posts = [_Post(0, 0.0, "telegram", "frontline_dispatch", "origin", as_file=True)]
    times = _times(rng, N_CASCADE - 1)
    forced = [(0.30, "hop", "x", "BreakingWireNow", ["crop", "watermark"], "frontline_dispatch"),
              (1.2, "hop", "facebook", "Daily Frontier News", ["screenshot"], "BreakingWireNow"),
              (2.5, "hop", "instagram", "memeorbit", ["crop", "meme_text"], "BreakingWireNow"),
              (4.0, "share", "x", "NewsFlashGlobal", None, "BreakingWireNow"),
              (5.0, "video", "instagram", None, [], "memeorbit"),
              (8.0, "file", "telegram", "insider_wire", None, "BreakingWireNow"),
              (11.0, "video", "x", None, [], "Daily Frontier News"),
              (14.0, "shot_file", "telegram", None, ["screenshot"], "Daily Frontier News"),
              (19.0, "debunk", "x", FACTCHECK[0], [], "BreakingWireNow"),
              (30.0, "video", "facebook", None, [], "BreakingWireNow")]
    for t in times:
        key = len(posts)
        f = forced[0] if forced and t >= forced[0][0] else None
        if f:
            forced.pop(0)
            _, action, platform, account, edits, by = f
            parent = next(p for p in posts if p.account == by and p.role != "share")
        else:
            cand = [p for p in posts if p.role != "distractor"]
            w = np.array([(acc.followers[p.account] + 50) ** 0.6 *
                          (math.exp(-(t - p.t) / 6.0) + 0.03) for p in cand])
            parent = cand[int(rng.choice(len(cand), p=w / w.sum()))]
            u = rng.random()
            if parent.kind == "video" or _under_debunk(posts, parent) or \
                    u < SHARE_P[parent.platform]:
                action, platform = "share", parent.platform
            elif u < SHARE_P[parent.platform] + 0.2:
                action, platform = "reupload", parent.platform
            else:
                others = [p for p in HOP_WEIGHTS if p != parent.platform]
                pw = np.array([HOP_WEIGHTS[p] for p in others])
                platform = others[int(rng.choice(len(others), p=pw / pw.sum()))]
                action = "file" if platform == "telegram" and rng.random() < 0.3 else "hop"
            account, edits = None, None
        if account is None:
            account = acc.pick(platform, 0.12 if action == "share" else 0.2,
                               exclude=(parent.account,))
        post = _Post(key, t, platform, account, action, parent=parent.key)
        if action == "share":
            post.same_bytes_as = parent.key
            post.kind = parent.kind
            root = parent
            while root.role == "share":
                root = posts[root.parent]
            post.explicit = root.key if (root is not parent and
                                         rng.random() < POINT_AT_ORIGINAL_P) else parent.key
        elif action == "file":
            post.role, post.as_file, post.same_bytes_as = "reupload_file", True, parent.key
        elif action == "video":
            post.kind = "video"
        elif action == "shot_file":  # a phone screenshot sent as a file: PNG kept as is
            post.role, post.as_file = "hop", True
        if edits is None and action in ("hop", "reupload"):
            k = 1 + int(rng.choice(3, p=[0.4, 0.4, 0.2]))
            pool = list(dict.fromkeys(EDITS[platform]))
            if "screenshot" in parent.edits:
                pool = [e for e in pool if e != "screenshot"]
            edits = [pool[i] for i in sorted(rng.choice(len(pool), size=k, replace=False))]
            if "screenshot" in edits:  # a screenshot is not mirrored, filtered or letterboxed
                edits = [e for e in edits if e not in ("mirror", "letterbox", "grayscale",
                                                       "colour")]
        post.edits = sorted(edits or [], key=CANON.index)
        posts.append(post)
    return posts


# ----------------------------------------------------------------------------- rendering
def _abbr(n: int) -> str:
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.1f}K" if n >= 1e4 else str(n)


def _lang(rng) -> str:
    langs = list(LANG_P)
    return langs[int(rng.choice(len(langs), p=np.array([LANG_P[x] for x in langs])))]


def _render(posts: list, acc: _Accounts, rng, tmp: Path) -> dict:
    composite = None
    for p in posts:
        par = posts[p.parent] if p.parent is not None else None
        if p.role == "origin":
            img, mask, composite = _make_composite(rng)
            p.data = _jpeg(img, 93, subsampling=0, exif=_origin_exif(img.size))
            p.caption, p.lang, composite["mask_array"] = ORIGIN_CAPTION, "en", mask
            continue
        if p.role in ("share", "reupload_file"):
            p.data, p.ext, p.kind = par.data, par.ext, par.kind
            if p.role == "share":
                ex = posts[p.explicit]
                p.lang = par.lang
                fb = ["", "\U0001f631", "Oh no", "Is this real?", "Praying \U0001f64f"]
                p.caption = {"x": f"RT @{ex.account}: {ex.caption}"[:280], "telegram": ex.caption,
                             "instagram": "", "facebook": str(rng.choice(fb))}[p.platform]
                continue
        p.lang = _lang(rng)
        p.caption = str(rng.choice(CAPTIONS[p.lang]))
        if p.role == "reupload_file":
            continue
        img = _decode(par.data)
        if p.role == "video":
            p.data, rec = _make_video(img, p.caption, p.account, tmp / f"_v{p.key}.mp4")
            p.ext, p.transforms = "mp4", [rec]
            continue
        if p.role == "debunk":
            img, rec = _stamp_fake(img)
            p.caption, p.lang, p.transforms = DEBUNK_CAPTION, "en", [rec]
        ctx = {"platform": p.platform, "account": p.account, "parent_platform": par.platform,
               "parent_account": par.account, "parent_caption": par.caption,
               "time": T0 + timedelta(hours=p.t),
               "age": f"{max(1, int(p.t - par.t))}h" if p.t - par.t >= 1 else
                      f"{max(1, int((p.t - par.t) * 60))}m",
               "counts": [_abbr(int(acc.followers[par.account] * rng.uniform(a, b)) + 3)
                          for a, b in ((0.0005, 0.002), (0.002, 0.01), (0.05, 0.4))]}
        for name in p.edits:
            img, rec = OPS[name](img, rng, ctx)
            p.transforms.append(rec)
        if p.as_file:
            buf = io.BytesIO()
            img.save(buf, "PNG", compress_level=6)
            p.data, p.ext = buf.getvalue(), "png"
            p.transforms.append({"op": "png", "metadata": "none", "sent_as_file": True})
            continue
        p.data, steps = _platform_encode(img, p.platform, rng)
        p.transforms += steps
    return composite


def _draw_other_launch(rng) -> Image.Image:
    """A different launch-like night scene: towers, a rocket, pad lights, exhaust cloud."""
    W, H = 1280, 960
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([8, 16, 48], np.float32) + y * np.array([70, 92, 150], np.float32)
    a = np.broadcast_to(sky, (H, W, 3)).copy()
    cloud = _blur(_gray("gravel.png", (W, 300)), 6) * 0.6 + 0.4
    m = _blur(np.clip((np.linspace(-0.6, 1.8, 300)[:, None] + 0.9 * _gray("gravel.png", (W, 300))
                       - 0.45), 0, 1).astype(np.float32), 10)
    a[H - 300:] = a[H - 300:] * (1 - m[..., None]) + (cloud * 210)[..., None] * m[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for x0 in (120, 1010, 360):  # lattice towers
        w = 70 if x0 != 360 else 40
        top = 60 if x0 != 360 else 260
        d.line((x0, H, x0 + w // 3, top), fill=(12, 14, 22), width=5)
        d.line((x0 + w, H, x0 + 2 * w // 3, top), fill=(12, 14, 22), width=5)
        for yy in range(top, H, 36):
            d.line((x0 + 4, yy, x0 + w - 4, yy + 36), fill=(12, 14, 22), width=2)
            d.line((x0 + w - 4, yy, x0 + 4, yy + 36), fill=(12, 14, 22), width=2)
    cx = 690 + int(rng.integers(-20, 20))
    d.rectangle((cx - 26, 260, cx + 26, 780), fill=(228, 230, 236))
    d.polygon([(cx - 26, 260), (cx, 170), (cx + 26, 260)], fill=(236, 238, 242))
    d.rectangle((cx - 26, 420, cx + 26, 432), fill=(40, 40, 48))
    d.rectangle((cx - 120, 780, cx + 120, 840), fill=(150, 150, 158))  # the pad
    for lx in (200, 470, 840, 1100):  # pad lights with flares
        d.ellipse((lx - 7, 800, lx + 7, 814), fill=(255, 236, 190))
        d.line((lx - 40, 807, lx + 40, 807), fill=(255, 220, 160), width=2)
        d.line((lx, 770, lx, 844), fill=(255, 220, 160), width=2)
    return img.filter(ImageFilter.GaussianBlur(0.8))


def _distractors(rng, acc: _Accounts, start: int) -> list:
    rocket = _skimage_file("rocket.jpg")
    base = Image.open(rocket).convert("RGB")
    out = []
    specs = [
        (float(rng.uniform(25, 29)), "telegram", "source_original",
         "The ORIGINAL photo: Falcon 9 / DSCOVR on SLC-40, Feb 2015 (SpaceX, public domain). "
         "Compare with what is circulating today."),
        (float(rng.uniform(10, 60)), "facebook", "same_scene_other_shot",
         "Throwback: the pad at dusk before a launch. Beautiful evening at the Cape."),
        (float(rng.uniform(8, 60)), "instagram", "other_launch",
         "Night launch vibes \U0001f680 #spacecoast #launchday"),
        (float(rng.uniform(3, 40)), "x", "similar_colours",
         "The sky over the Cape tonight. Eerie."),
    ]
    for i, (t, platform, kind, caption) in enumerate(specs):
        p = _Post(start + i, t, platform, acc.pick(platform, 0.0), "distractor",
                  distractor_kind=kind, caption=caption)
        if kind == "source_original":
            p.data, p.as_file = rocket.read_bytes(), True
            p.transforms = [{"op": "source", "image": "skimage/data/rocket.jpg"}]
        else:
            if kind == "same_scene_other_shot":
                img = base.crop((170, 60, 470, 427)).resize((780, 954), Image.LANCZOS)
                img = ImageEnhance.Brightness(ImageEnhance.Color(img).enhance(0.7)).enhance(1.2)
                rec = {"op": "source", "image": "skimage/data/rocket.jpg",
                       "crop": [170, 60, 470, 427], "note": "unmanipulated, different framing"}
            elif kind == "other_launch":
                img = _draw_other_launch(rng)
                rec = {"op": "drawn", "note": "synthetic launch scene, gravel texture"}
            else:
                img = Image.open(_skimage_file("hubble_deep_field.jpg")).convert("RGB")
                img = img.crop((0, 150, 1000, 712)).resize((1280, 719), Image.LANCZOS)
                rec = {"op": "source", "image": "skimage/data/hubble_deep_field.jpg",
                       "crop": [0, 150, 1000, 712]}
            p.data, steps = _platform_encode(img, platform, rng)
            p.transforms = [rec] + steps
        out.append(p)
    return out


# ----------------------------------------------------------------------------- writing
def _stamp(t: float, zone: str, rng) -> str:
    dt = T0 + timedelta(seconds=round(t * 3600))
    if zone == "Z":
        frac = ".000" if rng.random() < 0.3 else ""
        return dt.strftime(f"%Y-%m-%dT%H:%M:%S{frac}Z")
    sign = 1 if zone[0] == "+" else -1
    off = timedelta(hours=sign * int(zone[1:3]), minutes=sign * int(zone[4:6]))
    return dt.astimezone(timezone(off)).isoformat()


def _url(p: _Post, rng, msg_ids: dict) -> str:
    dt = T0 + timedelta(seconds=round(p.t * 3600))
    handle = p.account.replace(" ", "").lower()
    if p.platform == "x":
        sf = ((int(dt.timestamp() * 1000) - 1288834974657) << 22) | int(rng.integers(0, 1 << 22))
        return f"https://x.example/{p.account}/status/{sf}"
    if p.platform == "facebook":
        return f"https://facebook.example/{handle}/posts/{int(rng.integers(10**15, 10**16))}"
    if p.platform == "telegram":
        msg_ids[p.account] = msg_ids.get(p.account, int(rng.integers(900, 40000))) + \
            int(rng.integers(1, 30))
        return f"https://t.example/{p.account}/{msg_ids[p.account]}"
    abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    code = "".join(abc[int(i)] for i in rng.integers(0, len(abc), 11))
    return f"https://instagram.example/{'reel' if p.kind == 'video' else 'p'}/{code}/"


def _prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / "truth.json").is_file():
            raise FileExistsError(f"{out}: not empty and not a demo incident; refusing to write")
        shutil.rmtree(out / "media", ignore_errors=True)
        for name in ("manifest.csv", "truth.json", "truth_composite_mask.png"):
            (out / name).unlink(missing_ok=True)
    (out / "media").mkdir(parents=True, exist_ok=True)


def generate(out_dir: str | Path, seed: int = 7) -> DemoIncident:
    """Write the demo incident (manifest.csv, media/, truth.json) into ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder; created if needed. A previous demo incident there is replaced;
        any other non-empty folder is refused (FileExistsError).
    seed
        Seed of every random choice: the same seed gives byte-identical files.

    Returns
    -------
    DemoIncident
        Paths, counts and the generation time.

    Examples
    --------
    >>> r = generate("/tmp/demo_x", seed=7)  # doctest: +SKIP
    >>> r.n_posts, r.manifest.name  # doctest: +SKIP
    (149, 'manifest.csv')
    """
    start = time.perf_counter()
    out = Path(out_dir)
    _prepare_out(out)
    rng = np.random.default_rng(seed)
    acc = _Accounts(rng)
    posts = _plan(rng, acc)
    composite = _render(posts, acc, rng, out)
    mask = composite.pop("mask_array")
    posts += _distractors(rng, acc, len(posts))
    children: dict = {}
    for p in posts:
        if p.parent is not None:
            children.setdefault(p.parent, []).append(p.key)
    # post ids in collection order: platform by platform, in each in search-result order
    ordered = []
    for platform in ORDER:
        group = [p for p in posts if p.platform == platform]
        ordered += [group[i] for i in rng.permutation(len(group))]
    pid = {p.key: f"p{i + 1:03d}" for i, p in enumerate(ordered)}
    leaves = [p for p in posts if p.key not in children and p.role in ("share", "hop", "reupload")
              and p.kind == "image" and p.t > 1.0]
    missing = next((p for p in leaves if p.platform == "x"), leaves[0])
    badtime = next((p for p in leaves if p.platform == "facebook" and p is not missing),
                   next(p for p in leaves if p is not missing))
    bad_rows = [{"post_id": pid[missing.key], "field": "media_path", "reason": "missing_media",
                 "detail": "the scraper listed the post but its media download failed"},
                {"post_id": pid[badtime.key], "field": "posted_at",
                 "reason": "unparsable_timestamp",
                 "value": "Yesterday at 11:52 PM",
                 "detail": "relative date scraped from the page instead of the export"}]
    rows, truth_posts, msg_ids, media_bytes = [], {}, {}, 0
    for p in sorted(posts, key=lambda q: pid[q.key]):
        i = pid[p.key]
        path = f"media/{i}.{p.ext}"
        if p is not missing:
            (out / path).write_bytes(p.data)
            media_bytes += len(p.data)
        fol = acc.followers[p.account]
        n_explicit = sum(1 for q in posts if q.explicit == p.key)
        if p.role == "share" and p.platform == "x":
            likes, shares, views = 0, 0, ""
        else:
            v = int(fol * rng.lognormal(-0.7, 0.9)) + 40 * len(children.get(p.key, [])) + 3
            likes = int(v * rng.uniform(0.01, 0.05))
            shares = n_explicit + int(likes * rng.uniform(0.02, 0.15))
            views = "" if p.platform in ("facebook", "instagram") and p.kind == "image" else v
        zone = str(rng.choice(ZONES[p.platform]))
        rows.append({"post_id": i, "platform": p.platform, "account": p.account,
                     "posted_at": bad_rows[1]["value"] if p is badtime else _stamp(p.t, zone, rng),
                     "url": _url(p, rng, msg_ids), "media_path": path,
                     "parent_post_id": pid[p.explicit] if p.explicit is not None else "",
                     "caption": p.caption, "likes": likes, "shares": shares, "views": views,
                     "lang": p.lang, "scrape_id": f"{ORDER.index(p.platform) + 1}-"
                     f"{int(rng.integers(0, 16**6)):06x}"})
        truth_posts[i] = {
            "true_parent": pid[p.parent] if p.parent is not None else None,
            "explicit_parent": pid[p.explicit] if p.explicit is not None else None,
            "transforms": p.transforms, "platform": p.platform, "account": p.account,
            "kind": p.kind, "role": p.role, "distractor": p.role == "distractor",
            "distractor_kind": p.distractor_kind,
            "same_bytes_as": pid[p.same_bytes_as] if p.same_bytes_as is not None else None,
            "posted_at_utc": (T0 + timedelta(seconds=round(p.t * 3600))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "uploaded_as_file": p.as_file,
            "media_sha256": None if p is missing else hashlib.sha256(p.data).hexdigest(),
            "media_missing": p is missing}
    cols = list(rows[0])
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    Image.fromarray(mask).save(out / "truth_composite_mask.png")
    origin = pid[posts[0].key]
    truth = {
        "seed": seed, "generator_version": GENERATOR_VERSION, "t0_utc": T0.isoformat(),
        "origin_post_id": origin,
        "debunk_post_id": next(pid[p.key] for p in posts if p.role == "debunk"),
        "distractor_post_ids": sorted(pid[p.key] for p in posts if p.role == "distractor"),
        "composite": {**composite, "post_id": origin}, "bad_rows": bad_rows,
        "platforms": PLATFORMS,
        "accounts": {a: {"platform": acc.platform[a], "followers": acc.followers[a],
                         "hub": a in HUBS or a == FACTCHECK[0]}
                     for a in sorted({p.account for p in posts})},
        "posts": truth_posts,
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    return DemoIncident(out, out / "manifest.csv", out / "truth.json", len(rows),
                        len(truth["accounts"]), media_bytes, time.perf_counter() - start)


def main(argv: list | None = None) -> int:
    """Command line: ``generate.py --out DIR [--seed 7]``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = ap.parse_args(argv)
    r = generate(args.out, seed=args.seed)
    print(f"{r.n_posts} posts by {r.n_accounts} accounts, {r.n_media_bytes / 1e6:.1f} MB of "
          f"media in {r.seconds:.1f} s -> {r.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
