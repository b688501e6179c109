"""A copy's frame is not its picture: a screenshot of a cropped repost (kit.spread.changes, kit.spread.lineage).

A phone screenshot of a repost that cropped the photo shows the app's chrome right below the picture,
where the original photo's scene runs on. Registered against the original, that chrome lies inside the
reference frame. It must not be taken for a region of other picture (which splits the screenshot and
every copy made from it off the group), and the screenshot's picture box must end where the chrome
starts, so that it shares the crop's edges and hangs from the crop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _media import jpeg_roundtrip as _jpeg
from _media import scene
from kit.spread.build import build
from kit.spread.evidence import lineage_evidence
from kit.spread.lineage import register_group
from kit.spread.pairs import pair_lineage

cv2 = pytest.importorskip("cv2")
T0 = pd.Timestamp("2026-03-01T00:00:00Z")


def _screenshot(picture: np.ndarray, *, dark: bool = True) -> np.ndarray:
    """A phone screenshot of a post: app chrome (a name, the caption, a time line and the action icons)
    above and below the picture, on a black (or white) page, the picture inset by a small margin."""
    h, w = picture.shape[:2]
    bg, fg = ((0, 0, 0), (235, 235, 235)) if dark else ((255, 255, 255), (20, 20, 20))
    page = np.full((h + 190, w + 16, 3), bg, np.uint8)
    cv2.putText(page, "BreakingWire @bwn 52m", (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.55, fg, 1)
    cv2.putText(page, "Huge explosion at the pad right now", (10, 62), cv2.FONT_HERSHEY_SIMPLEX, 0.5, fg, 1)
    page[80:80 + h, 8:8 + w] = picture
    y = 80 + h
    cv2.putText(page, "7:55 PM - Mar 14, 2026 - 304.9K Views", (10, y + 28), cv2.FONT_HERSHEY_SIMPLEX, 0.45, fg, 1)
    cv2.line(page, (0, y + 44), (w + 16, y + 44), (90, 90, 90), 1)
    for k, x in enumerate(range(20, w, 80)):
        cv2.circle(page, (x, y + 70), 9, fg, 2)
        cv2.putText(page, f"{3 + k}.{k}K", (x + 14, y + 76), cv2.FONT_HERSHEY_SIMPLEX, 0.45, fg, 1)
    return page


BASE = scene(11, 240, 320)
ORIGIN = _jpeg(BASE, 92)
CROP = np.ascontiguousarray(ORIGIN[24:190, 18:302])  # the bottom fifth of the scene cut off


@pytest.mark.parametrize("dark", [True, False], ids=["dark-theme", "light-theme"])
def test_the_chrome_below_a_cropped_picture_is_no_replaced_region_and_the_crop_edges_are_shared(dark):
    pics = {"o": ORIGIN, "crop": _jpeg(CROP), "shot": _jpeg(_screenshot(CROP, dark=dark), 80)}
    g = register_group(pics, "o", rechoose=False)
    shot, crop = g.copies["shot"], g.copies["crop"]
    assert shot.replaced == 0.0  # the chrome is graphics, whatever the tone map makes of it
    assert all(abs(a - b) <= 3 for a, b in zip(shot.box, crop.box))  # its picture ends where the crop does
    rows = pair_lineage(g).set_index(["u", "v"])
    assert rows.loc[("crop", "shot"), "shared_edges"] >= 3 and rows.loc[("crop", "shot"), "uncovered"] == 0


def test_a_screenshot_of_a_cropped_repost_stays_in_the_group_and_hangs_from_the_crop():
    pics = {"o": ORIGIN, "crop": _jpeg(CROP), "shot": _jpeg(_screenshot(CROP), 80),
            "logo": _jpeg(cv2.circle(ORIGIN.copy(), (60, 60), 18, (230, 40, 40), -1))}
    first = {"o": 0, "crop": 30, "logo": 40, "shot": 60}
    ev = lineage_evidence(pics, pd.DataFrame({"id": list(pics), "cluster": 0}),
                          first_seen={k: T0.timestamp() + 60 * m for k, m in first.items()})
    assert ev.groups.set_index("id")["group"].nunique() == 1 and not len(ev.relations)
    posts = pd.DataFrame({"post_id": [f"p_{k}" for k in first], "media_sha256": list(first),
                          "posted_at": [T0 + pd.Timedelta(minutes=m) for m in first.values()],
                          "parent_post_id": None, "platform": "x", "account": [f"a{i}" for i in range(len(first))]})
    g = build(posts, lineage=ev)
    assert g.has_edge("p_crop", "p_shot") and g.has_edge("p_o", "p_crop") and g.has_edge("p_o", "p_logo")


def test_other_scene_along_an_edge_is_picture_not_a_border():
    # a composite with a strip of another photo pasted along its right edge, and its source photo: against
    # the composite the source's own change is a band of photograph along its edge, not a border it added
    donor = _jpeg(scene(5, 240, 320), 90)
    comp = ORIGIN.copy()
    comp[:, 230:] = donor[:, 230:]
    pics = {"comp": _jpeg(comp, 90), "src": ORIGIN, "crop": _jpeg(np.ascontiguousarray(comp[20:220, 10:300]))}
    g = register_group(pics, "comp", rechoose=False)
    fx0, fy0, fx1, fy1 = g.frame
    src = g.copies["src"]
    assert src.own_share > 0.15 and src.box[2] >= fx1 - 2  # its picture runs to the frame's right edge
