"""What happens to a picture on its way: the users' edits, the fact-check stamp, and each platform's
re-encoding (resize, strip, JPEG) and the short videos.

Every function takes the picture, the seeded random generator and a context
and returns the new picture and the record of what it did (the transforms
listed in truth.json).
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from demo_incident.scene import _drawable, _font, _jpeg, _skimage_file, _wrap


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


BAR_TEXTS = ["Cape Canaveral right now", "nobody is talking about this",
             "they said it was a 'routine test'", "the pad 20 minutes ago. stay safe",
             "share before they delete it"]


MEME_TEXTS = [("WHEN THE LAUNCH", "GOES SLIGHTLY WRONG"), ("HOUSTON", "WE HAVE A PROBLEM"),
              ("", "THEY WILL DELETE THIS"), ("ROCKET SCIENCE", "IS HARD")]


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
