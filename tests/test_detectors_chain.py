"""Scores along a repost chain: the best copy is the original, not the latest repost."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kit.detectors import get_detector, scores_table
from kit.detectors.chain import best_copies, chain_scores, copy_quality, score_drift


def _scene(seed=0, h=384, w=512):
    import cv2

    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for s, a in ((4, 40), (16, 40), (64, 50)):
        f = rng.normal(0, 1, (h // s + 2, w // s + 2, 3)).astype(np.float32)
        img += a * cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w]
    return np.clip(img + 128 + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)


@pytest.fixture
def chain(tmp_path):
    """original (q95) -> repost q80 -> resized 0.5 at q75 -> repost q60; plus an unrelated file."""
    paths, img = {}, _scene()
    steps = [("g0", 1.0, 95), ("g1", 1.0, 80), ("g2", 0.5, 75), ("g3", 1.0, 60)]
    for name, scale, q in steps:
        im = Image.fromarray(img)
        if scale != 1.0:
            im = im.resize((int(im.width * scale), int(im.height * scale)), Image.LANCZOS)
        b = io.BytesIO()
        im.save(b, "JPEG", quality=q)
        paths[name] = tmp_path / f"{name}.jpg"
        paths[name].write_bytes(b.getvalue())
        img = np.asarray(Image.open(io.BytesIO(b.getvalue())).convert("RGB"))
    paths["other"] = tmp_path / "other.png"
    Image.fromarray(_scene(1)).save(paths["other"])
    paths["broken"] = tmp_path / "broken.jpg"
    paths["broken"].write_bytes(b"\xff\xd8 nope")
    return paths


def test_best_copy_and_drift(chain):
    media = pd.DataFrame({"sha256": list(chain), "path": list(chain.values())})
    q = copy_quality(media)
    assert q.set_index("sha256").loc["g1", "jpeg_quality"] == 80
    assert q.set_index("sha256").loc["other", "jpeg_quality"] == 101
    assert q.set_index("sha256").loc["broken", "error"] is not None
    clusters = {"g3": "A", "g2": "A", "g1": "A", "g0": "A", "other": "B"}
    assert best_copies(q, clusters).to_dict() == {"A": "g0", "B": "other"}
    results = {n: {s: get_detector(n).score(p) for s, p in chain.items() if s != "broken"}
               for n in ("jpeg", "ela")}
    table = chain_scores(scores_table(results), q, clusters)
    a = table[(table["cluster"] == "A") & (table["detector"] == "jpeg")]
    assert a["sha256"].tolist() == ["g0", "g1", "g2", "g3"]  # size first, then JPEG quality
    assert a["copy_rank"].tolist() == [0, 1, 2, 3] and a["delta"].iloc[0] == 0
    drift = score_drift(table).set_index("detector")
    assert drift["copies"].to_dict() == {"ela": 5, "jpeg": 4}  # the PNG says nothing to the JPEG detector
