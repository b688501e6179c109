"""What happens to a picture on its way: the users' edits, the fact-check stamp, and each platform's
re-encoding (resize, strip, JPEG) and the short videos.

Every op of :data:`OPS` takes the picture, the seeded random generator and a context, draws the
parameters of an edit of :data:`kit.demo.edits.EDITS` (the registry the benchmark collections and the
robustness benchmark use too), applies it, and returns the new picture and the record of what it
did (the transforms listed in truth.json).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from kit.demo import edits
from kit.demo.edits import font
from kit.demo.phone import screenshot_post
from kit.demo.scene import _drawable, _skimage_file, _textlength, _wrap


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
    return edits.crop(img, box), {"op": "crop", "box": box}


def _op_resize(img, rng, ctx):
    s = float(rng.uniform(0.5, 0.85))
    size = [max(64, round(img.width * s)), max(64, round(img.height * s))]
    return edits.resize(img, size), {"op": "resize", "size": size}


def _op_mirror(img, rng, ctx):
    return edits.mirror(img), {"op": "mirror"}


def _op_grayscale(img, rng, ctx):
    return edits.colour_filter(img, "grayscale"), {"op": "grayscale"}


COLOURS = {  # the demo's colour grades as the registry's filters, in order
    "warm": [("gain", {"gains": (1.10, 1.02, 0.86), "offset": 6})], "sepia": [("sepia", {})],
    "saturate": [("saturate", {"factor": 1.45}), ("contrast", {"factor": 1.12})],
    "cool": [("gain", {"gains": (0.88, 0.98, 1.12)})],
}


def _op_colour(img, rng, ctx):
    kind = str(rng.choice(["warm", "sepia", "saturate", "cool"]))
    out = edits.apply_edits(img, [("filter", {"kind": k, **params}) for k, params in COLOURS[kind]])
    return out, {"op": "colour", "filter": kind}


def _op_caption_bar(img, rng, ctx):
    text, where = str(rng.choice(BAR_TEXTS)), str(rng.choice(["top", "bottom"]))
    w = img.width
    fs = max(18, w // 24)
    lines = _wrap(text, fs, w - 2 * fs)
    bar = len(lines) * int(fs * 1.25) + fs
    out = edits.caption_bar(img, lines, where=where, height=bar, font_size=fs, x=fs, y=fs // 2,
                            line_height=int(fs * 1.25), colour=(10, 10, 10))
    return out, {"op": "caption_bar", "where": where, "text": text, "bar_height": bar}


def _op_meme_text(img, rng, ctx):
    top, bottom = MEME_TEXTS[int(rng.integers(len(MEME_TEXTS)))]
    out = edits.meme_text(img, top, bottom, size=max(20, img.width // 11))
    return out, {"op": "meme_text", "top": top, "bottom": bottom}


def _op_watermark(img, rng, ctx):
    text = f"@{ctx['account'].replace(' ', '')}"
    fs = max(16, img.width // 26)
    tw = int(_textlength(text, fs))
    corner = str(rng.choice(["br", "bl", "tr", "center"]))
    opacity = float(round(rng.uniform(0.35, 0.65), 2))
    x = {"br": img.width - tw - fs, "bl": fs, "tr": img.width - tw - fs,
         "center": (img.width - tw) // 2}[corner]
    y = {"br": img.height - 2 * fs, "bl": img.height - 2 * fs, "tr": fs,
         "center": img.height // 2}[corner]
    out = edits.watermark(img, text, xy=(x, y), size=fs, opacity=opacity)
    return out, {"op": "watermark", "text": text, "corner": corner, "opacity": opacity}


def _op_logo(img, rng, ctx):
    mark = Image.open(_skimage_file("logo.png")).convert("RGBA")
    side = max(32, img.width // 7)
    mark = mark.resize((side, side), Image.LANCZOS)
    opacity = float(round(rng.uniform(0.55, 0.85), 2))
    mark.putalpha(Image.fromarray((np.asarray(mark)[..., 3] * opacity).astype(np.uint8)))
    x, y = img.width - side - side // 5, side // 5
    return edits.logo(img, mark, (x, y)), {"op": "logo", "image": "skimage/data/logo.png",
                                           "box": [x, y, x + side, y + side], "opacity": opacity}


def _op_letterbox(img, rng, ctx):
    aspect = float(rng.choice([1.0, 16 / 9, 9 / 16]))
    fill = str(rng.choice(["black", "white", "blur"]))
    out = edits.letterbox(img, aspect, fill)
    off = [(out.width - img.width) // 2, (out.height - img.height) // 2]
    return out, {"op": "letterbox", "size": list(out.size), "offset": off, "fill": fill}


OPS = {"crop": _op_crop, "resize": _op_resize, "mirror": _op_mirror, "grayscale": _op_grayscale,
       "colour": _op_colour, "caption_bar": _op_caption_bar, "meme_text": _op_meme_text,
       "watermark": _op_watermark, "logo": _op_logo, "letterbox": _op_letterbox,
       "screenshot": screenshot_post}


def _stamp_fake(img: Image.Image) -> tuple[Image.Image, dict]:
    w, h = img.size
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    fs = w // 4
    tw = d.textlength("FAKE", font=font(fs))
    x, y = (w - tw) / 2, (h - fs) / 2 - fs * 0.15
    pad = fs // 6
    d.rounded_rectangle((x - pad, y - pad // 2, x + tw + pad, y + fs * 1.05 + pad), pad // 2,
                        outline=(220, 20, 30, 235), width=max(6, fs // 14))
    d.text((x, y), "FAKE", font=font(fs), fill=(220, 20, 30, 235))
    d.text((x, y + fs * 1.15 + pad), "FACT CHECK \u00b7 FactCheckDesk", font=font(fs // 6),
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
            img = edits.crop(img, box)
            steps.append({"op": "platform_crop", "box": box})
            w, h = img.size
        scale = min(1.0, spec["max_width"] / w)
    else:
        scale = min(1.0, spec["max_side"] / max(w, h))
    if scale < 1.0:
        size = [round(w * scale), round(h * scale)]
        img = edits.resize(img, size, "bicubic")
        steps.append({"op": "platform_resize", "size": size, "filter": "bicubic"})
    q = int(rng.choice(spec["quality"]))
    steps.append({"op": "jpeg", "q": q, "subsampling": "4:2:0", "progressive": spec["progressive"],
                  "metadata": "stripped"})
    return edits.jpeg(img, q, progressive=spec["progressive"]), steps


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
    for i, line in enumerate(_wrap(_drawable(caption), 24, W - 30, 3)):
        d.text((15, 30 + i * 30), line, font=font(24), fill="white", stroke_width=2,
               stroke_fill="black")
    d.text((15, H - 50), f"@{account.replace(' ', '')}", font=font(20), fill="white")
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
