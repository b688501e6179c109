"""Accounts and posts: who posts what, when, from which parent, and the rendering of each post's media.

:func:`_plan` draws the cascade (origin, shares, re-uploads, platform hops,
videos, the debunk) over 72 hours; :func:`_render` makes each post's media
from its parent's; :func:`_distractors` adds four posts not derived from
the fake. The random generator is shared and its draws are in a fixed
order: the same seed gives the same incident.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from kit.demo.edits import decode, jpeg, png
from kit.demo.scene import _draw_other_launch, _make_composite, _origin_exif, _skimage_file
from kit.demo.transforms import OPS, PLATFORMS, _make_video, _platform_encode, _stamp_fake

T0 = datetime(2026, 3, 14, 23, 42, 0, tzinfo=timezone.utc)  # the origin post


N_CASCADE = 145  # origin + reposts (videos, debunk and the two bad rows included)


HUBS = {  # account: (platform, followers)
    "BreakingWireNow": ("x", 1_900_000), "NewsFlashGlobal": ("x", 640_000),
    "OrbitWatchHQ": ("x", 210_000), "Daily Frontier News": ("facebook", 820_000),
    "Space Coast Community Group": ("facebook", 95_000), "frontline_dispatch": ("telegram", 48_000),
    "insider_wire": ("telegram", 310_000), "memeorbit": ("instagram", 1_200_000),
    "world.news.now": ("instagram", 450_000),
}


FACTCHECK = ("FactCheckDesk", "x", 380_000)


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
            p.data = jpeg(img, 93, subsampling=0, exif=_origin_exif(img.size), dpi=(300, 300))
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
        img = decode(par.data)
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
            p.data, p.ext = png(img), "png"
            p.transforms.append({"op": "png", "metadata": "none", "sent_as_file": True})
            continue
        p.data, steps = _platform_encode(img, p.platform, rng)
        p.transforms += steps
    return composite


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
