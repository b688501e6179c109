"""The scene: the bundled source images, the fabricated launch-pad photo and the distractors' drawing.

Everything starts from public-domain / CC0 files inside the scikit-image
wheel (see README.md); nothing is downloaded. :func:`_make_composite` pastes
a fireball and a smoke plume into the DSCOVR launch photo and returns the
picture, its alpha mask and the truth record of the splice.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from kit.demo.edits import decode, font, jpeg


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


def _textlength(text: str, size: int) -> float:
    """Width in px of ``text`` in the bundled font at ``size``."""
    return ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(text, font=font(size))


def _wrap(text: str, size: int, width: int, max_lines: int = 4) -> list:
    """``text`` in lines of at most ``width`` px in the bundled font at ``size`` (at most ``max_lines``)."""
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if _textlength(trial, size) <= width or not cur:
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


def _fire_palette(v: np.ndarray) -> np.ndarray:
    xs = [0.0, 0.3, 0.55, 0.75, 0.9, 1.0]
    cols = np.array([[25, 6, 3], [150, 28, 6], [235, 95, 15], [255, 165, 45], [255, 225, 130],
                     [255, 250, 232]], np.float32)
    return np.stack([np.interp(v, xs, cols[:, c]) for c in range(3)], -1).astype(np.float32)


def _blur(a: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(a, (0, 0), sigma)


def _lobes(xx: np.ndarray, yy: np.ndarray, centres: list, edge: np.ndarray, amp: float) -> tuple:
    """Union of noisy ellipses on the grid ``xx, yy``; returns mask and a sphere-like shade lit from top-left."""
    m, shade = np.zeros(xx.shape, np.float32), np.zeros(xx.shape, np.float32)
    for cx, cy, rx, ry in centres:
        nx, ny = (xx - cx) / rx, (yy - cy) / ry
        d = np.sqrt(nx ** 2 + ny ** 2)
        mi = np.clip((1.2 + amp * edge - d) * 3.0, 0, 1)
        nz = np.sqrt(np.clip(1 - np.minimum(d, 1) ** 2, 0, 1))
        si = np.clip(-0.45 * nx - 0.6 * ny + 0.65 * nz, 0, 1)
        shade = np.where(mi >= m, si, shade)
        m = np.maximum(m, mi)
    return m, shade


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
    jit = rng.uniform(-1, 1, size=(16, 2)).astype(np.float32)
    fire_c = [(fcx + 150 * jit[i, 0], fcy - 60 + 70 * jit[i, 1] - 40 * (i % 3), 95 + 12 * i,
               80 + 8 * i) for i in range(6)]
    m_fire, _ = _lobes(xx, yy, fire_c, noise, 0.6)
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
    m_smoke, shade = _lobes(xx, yy, smoke_c, noise2, 0.5)
    m_smoke = _blur(m_smoke, 8) * 0.96 * taper
    m_fire = m_fire * taper
    dist = np.sqrt((xx - fcx) ** 2 + (yy - fcy) ** 2)
    lit = np.exp(-dist / 170.0)[..., None] * np.array([150, 62, 14], np.float32)
    grey = 16 + 100 * _blur(shade, 4) * (0.5 + 0.5 * tex)
    smoke = grey[..., None] * np.array([1.0, 0.95, 0.9], np.float32) + lit
    alpha = 1.0 - (1.0 - m_smoke) * (1.0 - m_fire)
    layer = smoke * (1 - m_fire[..., None]) + fire * m_fire[..., None]
    donor_q = 62  # the pasted layer had its own JPEG history, on a grid offset from the final one
    layer = np.asarray(decode(jpeg(Image.fromarray(np.clip(layer, 0, 255).astype(np.uint8)), donor_q)),
                       np.float32)
    patch = img[by:by + bh, bx:bx + bw]
    img[by:by + bh, bx:bx + bw] = patch * (1 - alpha[..., None]) + layer * alpha[..., None]
    Y, X = np.mgrid[0:H, 0:W].astype(np.float32)
    glow = np.exp(-((X - 805) ** 2 + (Y - 820) ** 2) / (2 * 420.0 ** 2)) * 0.5
    light = glow[..., None] * np.array([1.0, 0.45, 0.12], np.float32)
    img = 255.0 - (255.0 - img) * (1.0 - light)  # screen blend: the scene lit by the blast
    full = np.zeros((H, W), np.float32)
    full[by:by + bh, bx:bx + bw] = alpha
    full = np.round(full * 255).astype(np.uint8)  # as saved in truth_composite_mask.png
    truth = _composite_record((W, H), rbox, (bx, by, bw, bh), donor_q, full)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), full, truth


def _composite_record(size: tuple[int, int], rbox: tuple, layer: tuple, donor_q: int, full: np.ndarray) -> dict:
    """The truth record of the splice: sources, where the layer went, the donor's JPEG history."""
    (W, H), (bx, by, bw, bh) = size, layer
    ys, xs = np.nonzero(full >= 5)  # the box where alpha >= 5/255 (about 2%)
    return {
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
