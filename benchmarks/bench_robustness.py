"""Robustness of the full matching pipeline to repost transforms.

Run: ``.venv/bin/python benchmarks/bench_robustness.py [--bases 16]``.
Base images: real faces from ../shared/data/detectors/faces-dev (look-alikes:
a hard precision test) plus photos shipped in scikit-image. Each base gets
every transform; everything is hashed (``hash_image_file``) and matched
together (``match_collection``). Recall per transform = share of (base,
transformed) pairs put in the same cluster; precision over all predicted
same-cluster pairs (ground truth: same base). Baseline in the same run: plain
pHash <= 10 and PDQ <= 31 on the raw images.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover
        return ImageFont.load_default()


def _crop(p):
    return lambda im: im.crop((int(im.width * p), int(im.height * p), int(im.width * (1 - p)), int(im.height * (1 - p))))


def _caption(im):
    bar = int(im.height * 0.18)
    c = Image.new("RGB", (im.width, im.height + bar), "white")
    c.paste(im, (0, bar))
    ImageDraw.Draw(c).text((10, bar // 3), "You won't believe what happened next", fill="black", font=_font(max(12, bar // 4)))
    return c


def _meme(im):
    im = im.copy()
    d = ImageDraw.Draw(im)
    f = _font(max(14, im.height // 9))
    for y, t in ((im.height // 30, "WHEN THE NEWS"), (im.height * 8 // 10, "IS TOO REAL")):
        d.text((im.width // 10, y), t, fill="white", font=f, stroke_width=3, stroke_fill="black")
    return im


def _logo(im):
    im = im.copy()
    d = ImageDraw.Draw(im)
    s = im.width // 5
    d.rounded_rectangle((im.width - s - 10, 10, im.width - 10, 10 + s // 2), radius=8, fill=(220, 30, 30))
    d.text((im.width - s, 20), "NEWS24", fill="white", font=_font(max(10, s // 5)))
    return im


def _screenshot(im):
    W = 720
    pic = im.resize((W, int(im.height * W / im.width)))
    H = int(pic.height * 2.1)
    c = Image.new("RGB", (W, H), "white")
    y = int(H * 0.2)
    c.paste(pic, (0, y))
    d = ImageDraw.Draw(c)
    f = _font(26)
    d.text((20, 15), "9:41        LTE  78%", fill="black", font=f)
    d.text((20, 70), "@newsdesk  Breaking: look at this", fill="black", font=f)
    d.text((20, y + pic.height + 30), "12.4K likes   3,201 reposts", fill="black", font=f)
    d.text((20, y + pic.height + 80), "View all 880 comments", fill=(90, 90, 90), font=f)
    return c


def _letterbox(im):
    W = max(im.width, int(im.height * 16 / 9))
    c = Image.new("RGB", (W, int(W * 9 / 16) if im.width > W * 9 / 16 else im.height), "black")
    c = Image.new("RGB", (W, max(im.height, int(W * 9 / 16))), "black")
    c.paste(im, ((W - im.width) // 2, (c.height - im.height) // 2))
    return c


TRANSFORMS = {
    "jpeg q50": lambda im: im,
    "jpeg q95": lambda im: im,
    "resize 0.3": lambda im: im.resize((int(im.width * 0.3), int(im.height * 0.3)), Image.Resampling.LANCZOS),
    "resize 0.9": lambda im: im.resize((int(im.width * 0.9), int(im.height * 0.9)), Image.Resampling.LANCZOS),
    "crop 5%": _crop(0.05),
    "crop 10%": _crop(0.10),
    "crop 20%": _crop(0.20),
    "caption bar": _caption,
    "meme text": _meme,
    "logo": _logo,
    "mirror": ImageOps.mirror,
    "rotate 3deg": lambda im: im.rotate(3, resample=Image.Resampling.BICUBIC, expand=False),
    "colour filter": lambda im: ImageEnhance.Color(ImageEnhance.Brightness(im).enhance(1.15)).enhance(1.6),
    "grayscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "phone screenshot": _screenshot,
    "letterbox": _letterbox,
}


def _bases(n: int) -> list[Image.Image]:
    import skimage

    out = []
    faces = sorted((SHARED / "detectors" / "faces-dev" / "real").glob("*"))
    for p in faces[: n // 2]:
        out.append(Image.open(p).convert("RGB"))
    data = Path(skimage.__file__).parent / "data"
    for name in ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "retina.jpg",
                 "hubble_deep_field.jpg", "immunohistochemistry.png", "ihc.png", "color.png", "horse.png",
                 "camera.png", "moon.png", "page.png", "coins.png", "brick.png"):
        if len(out) >= n:
            break
        if (data / name).exists():
            im = Image.open(data / name).convert("RGB")
            if min(im.size) >= 256:
                out.append(im)
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bases", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    import pandas as pd

    from kit.hashing import Hash, hash_image_file
    from kit.matching import match_collection

    bases = _bases(a.bases)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for b, im in enumerate(bases):
            for tname, fn in [("base", lambda x: x)] + list(TRANSFORMS.items()):
                q = 50 if tname == "jpeg q50" else 95 if tname == "jpeg q95" else 85
                p = Path(tmp) / f"b{b:02d}_{len(rows)}.jpg"
                fn(im).save(p, quality=q)
                rows.append({"id": p.stem, "kind": "image", "path": str(p), "base": b, "transform": tname,
                             "payload": hash_image_file(p)})
        t_hash = time.perf_counter() - t0
        items = pd.DataFrame(rows)
        res = match_collection(items[["id", "kind", "path", "payload"]], workers=a.workers)
    cl = dict(zip(res.clusters["id"], res.clusters["cluster"]))
    items["cluster"] = items["id"].map(cl)

    def baseline(x, y):
        px, py = x["payload"], y["payload"]
        return (Hash.from_hex(px["phash"]) - py["phash"] <= 10) or (Hash.from_hex(px["pdq"]) - py["pdq"] <= 31)

    recs = items.to_dict("records")
    tp = fp = btp = bfp = 0
    for x, y in itertools.combinations(recs, 2):
        same = x["base"] == y["base"]
        pred = x["cluster"] == y["cluster"]
        bpred = baseline(x, y)
        tp += same and pred
        fp += pred and not same
        btp += same and bpred
        bfp += bpred and not same
    base_rows = {r["base"]: r for r in recs if r["transform"] == "base"}
    print(f"{len(bases)} bases x {len(TRANSFORMS)} transforms = {len(recs)} images; hashing {t_hash:.1f} s, "
          f"matching {res.seconds['total']:.1f} s (keypoints {res.seconds['keypoints']:.1f} s, {a.workers} workers)")
    print(f"{'transform':<18} {'recall':>7} {'baseline':>9}")
    allr = []
    for tname in TRANSFORMS:
        sel = [r for r in recs if r["transform"] == tname]
        rec = np.mean([r["cluster"] == base_rows[r["base"]]["cluster"] for r in sel])
        brec = np.mean([baseline(r, base_rows[r["base"]]) for r in sel])
        allr.append(rec)
        print(f"{tname:<18} {rec:7.3f} {brec:9.3f}")
    n_true = sum(1 for x, y in itertools.combinations(recs, 2) if x["base"] == y["base"])
    print(f"{'all pairs':<18} recall {tp / n_true:.3f} precision {tp / max(1, tp + fp):.3f}   "
          f"baseline (pHash<=10 or PDQ<=31) recall {btp / n_true:.3f} precision {btp / max(1, btp + bfp):.3f}")
    print(f"lowest transform recall {min(allr):.3f}")


if __name__ == "__main__":
    main()
