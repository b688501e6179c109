"""Robustness of the full matching pipeline to repost transforms.

Run: ``.venv/bin/python benchmarks/bench_robustness.py [--bases 16]``.
Base images: real faces from ../shared/data/detectors/faces-dev (look-alikes:
a hard precision test) plus photos shipped in scikit-image. Each base gets
every transform (edits of the registry kit.demo.edits.EDITS, the ones the demo
incident and the spread benchmark's collections are made with); everything is
hashed (``hash_image_file``) and matched together (``match_collection``). Recall per transform = share of (base,
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
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw

from kit.demo.edits import apply_edits, font, jpeg

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _crop(p: float) -> Callable:
    return lambda im: [("crop", {"box": (int(im.width * p), int(im.height * p), int(im.width * (1 - p)),
                                         int(im.height * (1 - p)))})]


def _scale(s: float) -> Callable:
    return lambda im: [("resize", {"size": (int(im.width * s), int(im.height * s)), "method": "lanczos"})]


def _caption(im: Image.Image) -> list:
    bar = int(im.height * 0.18)
    return [("caption_bar", {"lines": ["You won't believe what happened next"], "where": "top", "height": bar,
                             "font_size": max(12, bar // 4), "x": 10, "y": bar // 3})]


def _meme(im: Image.Image) -> list:
    return [("meme_text", {"top": "WHEN THE NEWS", "bottom": "IS TOO REAL", "size": max(14, im.height // 9),
                           "stroke": 3})]


def _logo(im: Image.Image) -> list:
    s = im.width // 5
    mark = Image.new("RGBA", (s + 1, s // 2 + 1), (0, 0, 0, 0))
    d = ImageDraw.Draw(mark)
    d.rounded_rectangle((0, 0, s, s // 2), radius=8, fill=(220, 30, 30, 255))
    d.text((10, 10), "NEWS24", fill="white", font=font(max(10, s // 5)))
    return [("logo", {"mark": mark, "xy": (im.width - s - 10, 10)})]


def _screenshot(im: Image.Image) -> list:
    W = 720
    ph = int(im.height * W / im.width)
    H = int(ph * 2.1)
    y = int(H * 0.2)

    def chrome(d: ImageDraw.ImageDraw) -> None:
        d.text((20, 15), "9:41        LTE  78%", fill="black", font=font(26))
        d.text((20, 70), "@newsdesk  Breaking: look at this", fill="black", font=font(26))
        d.text((20, y + ph + 30), "12.4K likes   3,201 reposts", fill="black", font=font(26))
        d.text((20, y + ph + 80), "View all 880 comments", fill=(90, 90, 90), font=font(26))

    return [("screenshot", {"size": (W, H), "box": (0, y, W, y + ph), "background": "white", "chrome": chrome})]


TRANSFORMS: dict[str, Callable[[Image.Image], list]] = {  # name -> the picture's steps of kit.demo.edits.EDITS
    "jpeg q50": lambda im: [],
    "jpeg q95": lambda im: [],
    "resize 0.3": _scale(0.3),
    "resize 0.9": _scale(0.9),
    "crop 5%": _crop(0.05),
    "crop 10%": _crop(0.10),
    "crop 20%": _crop(0.20),
    "caption bar": _caption,
    "meme text": _meme,
    "logo": _logo,
    "mirror": lambda im: [("mirror", {})],
    "rotate 3deg": lambda im: [("rotate", {"angle": 3})],
    "colour filter": lambda im: [("filter", {"kind": "brightness", "factor": 1.15}),
                                 ("filter", {"kind": "saturate", "factor": 1.6})],
    "grayscale": lambda im: [("filter", {"kind": "grayscale"})],
    "phone screenshot": _screenshot,
    "letterbox": lambda im: [("letterbox", {"aspect": 16 / 9, "fill": "black"})],
}
QUALITY = {"jpeg q50": 50, "jpeg q95": 95}  # every other picture is saved at 85


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
            for tname, steps in [("base", lambda x: [])] + list(TRANSFORMS.items()):
                p = Path(tmp) / f"b{b:02d}_{len(rows)}.jpg"
                p.write_bytes(jpeg(apply_edits(im, steps(im)), QUALITY.get(tname, 85)))
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
