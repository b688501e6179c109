"""The demo's phone screenshots: a parent post as shown in its app (status bar, header, caption, the
picture with rounded corners, counts and buttons), made with :func:`kit.demo.edits.screenshot`.

The random generator is drawn in a fixed order (theme, battery level, whether the heart is filled),
so the same seed gives the same screenshot.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import numpy as np

from kit.demo import edits
from kit.demo.edits import font
from kit.demo.scene import _drawable, _wrap

W, H = 720, 1560  # the phone's screen
THEMES = {"dark": ((0, 0, 0), (231, 233, 234), (113, 118, 123)),  # background, text, secondary
          "light": ((255, 255, 255), (15, 20, 25), (83, 100, 113))}


def _heart(d, x, y, s, colour, filled):
    t = np.linspace(0, 2 * np.pi, 40)
    px = x + s * (16 * np.sin(t) ** 3) / 34 + s / 2
    c = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    py = y + s / 2 - s * c / 34
    pts = [(float(a), float(b)) for a, b in zip(px, py)]
    d.polygon(pts, fill=colour if filled else None, outline=colour, width=3)


def _status_bar(d, local, fg, battery: float) -> None:
    d.text((40, 16), f"{local.hour}:{local.minute:02d}", font=font(26), fill=fg)
    for i in range(4):  # signal, wifi, battery
        d.rectangle((552 + i * 9, 36 - 5 * i, 558 + i * 9, 40), fill=fg)
    d.pieslice((596, 16, 626, 46), 225, 315, fill=fg)
    d.rounded_rectangle((638, 20, 686, 40), 5, outline=fg, width=2)
    d.rectangle((642, 24, 642 + int(40 * battery), 36), fill=fg)


def _post_header(d, ctx: dict, caption: list, fg, sub) -> None:
    """The app's title bar, the parent account's avatar, name and handle, and the caption lines."""
    app, acc = ctx["parent_platform"], ctx["parent_account"]
    head = {"x": ("Post", fg), "facebook": ("facebook", (24, 119, 242)),
            "telegram": (acc, fg), "instagram": ("Instagram", fg)}[app]
    d.line((30, 90, 50, 75), fill=fg, width=4)
    d.line((30, 90, 50, 105), fill=fg, width=4)
    d.text((80, 72), head[0], font=font(32), fill=head[1])
    d.line((0, 135, W, 135), fill=sub, width=1)
    hue = int(hashlib.sha256(acc.encode()).hexdigest()[:6], 16)
    d.ellipse((24, 158, 92, 226), fill=(hue >> 16 & 255, hue >> 8 & 255, hue & 255))
    d.text((47, 172), acc[0].upper(), font=font(32), fill="white")
    d.text((108, 160), acc, font=font(28), fill=fg)
    d.text((108, 196), f"@{acc.replace(' ', '').lower()} \u00b7 {ctx['age']}", font=font(22), fill=sub)
    for i, line in enumerate(caption):
        d.text((24, 244 + 34 * i), line, font=font(26), fill=fg)


def _post_footer(d, y: int, local, n: list, fg, sub, filled: bool) -> None:
    """Below the picture from ``y``: time and views, reply / repost / like / share, the next post cut off."""
    d.text((24, y), f"{local.strftime('%I:%M %p').lstrip('0')} \u00b7 Mar {local.day}, 2026 "
           f"\u00b7 {n[2]} Views", font=font(22), fill=sub)
    y += 44
    d.line((0, y, W, y), fill=sub, width=1)
    y += 22
    d.rounded_rectangle((40, y, 74, y + 26), 9, outline=sub, width=3)  # reply
    d.polygon([(46, y + 24), (44, y + 34), (56, y + 25)], fill=sub)
    d.text((84, y), n[0], font=font(22), fill=sub)
    for k, (a, b) in enumerate(((y + 6, y + 20), (y + 20, y + 6))):  # repost arrows
        d.line((210, a, 246, a) if k == 0 else (216, a, 252, a), fill=sub, width=3)
        d.polygon([(246, a - 6), (254, a), (246, a + 6)] if k == 0 else
                  [(216, a - 6), (208, a), (216, a + 6)], fill=sub)
    d.text((264, y), n[1], font=font(22), fill=sub)
    _heart(d, 380, y - 2, 32, (249, 24, 128), filled)
    d.text((420, y), n[2], font=font(22), fill=sub)
    d.rectangle((590, y + 10, 616, y + 30), outline=sub, width=3)  # share
    d.line((603, y - 4, 603, y + 18), fill=sub, width=3)
    d.polygon([(595, y + 2), (603, y - 8), (611, y + 2)], fill=sub)
    y += 60
    d.line((0, y, W, y), fill=sub, width=1)
    d.ellipse((24, y + 22, 92, y + 90), fill=sub)  # the next post, cut off
    d.rectangle((108, y + 28, 400, y + 48), fill=sub)
    d.rectangle((108, y + 64, 620, y + 80), fill=sub)
    d.rounded_rectangle((W // 2 - 70, H - 22, W // 2 + 70, H - 14), 4, fill=fg)


def screenshot_post(img, rng, ctx):
    """The parent post as shown in its app on a phone (status bar, chrome, icons): the ``screenshot`` op."""
    dark = bool(rng.random() < 0.4)
    bg, fg, sub = THEMES["dark" if dark else "light"]
    battery = float(rng.uniform(0.2, 0.95))
    filled = bool(rng.random() < 0.5)
    local = ctx["time"] - timedelta(hours=5)
    caption = _wrap(_drawable(ctx["parent_caption"] or " "), 26, W - 48, 3)
    y = 244 + 34 * len(caption) + 10
    ih = min(900, round(img.height * (W - 48) / img.width))
    iw = round(img.width * ih / img.height)
    x0 = (W - iw) // 2
    box = [x0, y, x0 + iw, y + ih]

    def chrome(d) -> None:
        _status_bar(d, local, fg, battery)
        _post_header(d, ctx, caption, fg, sub)
        _post_footer(d, y + ih + 18, local, ctx["counts"], fg, sub, filled)

    out = edits.screenshot(img, size=(W, H), box=box, background=bg, chrome=chrome, radius=22)
    return out, {"op": "screenshot", "app": ctx["parent_platform"], "theme": "dark" if dark else "light",
                 "size": [W, H], "image_box": box}
