"""Scores along a repost chain: the best copy is the original, not the latest repost."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from _media import scene
from kit.detectors import get_detector, scores_table
from kit.detectors.chain import best_copies, chain_scores, copy_quality, score_drift




@pytest.fixture
def chain(tmp_path):
    """original (q95) -> repost q80 -> resized 0.5 at q75 -> repost q60; plus an unrelated file."""
    paths, img = {}, scene(0, 384, 512)
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
    Image.fromarray(scene(1, 384, 512)).save(paths["other"])
    paths["broken"] = tmp_path / "broken.jpg"
    paths["broken"].write_bytes(b"\xff\xd8 nope")
    return paths


def test_best_copy_and_drift(chain):
    media = pd.DataFrame({"sha256": list(chain), "path": list(chain.values())})
    q = copy_quality(media)
    assert q.set_index("sha256").loc["g1", "jpeg_quality"] == 80
    assert q.set_index("sha256").loc["other", "jpeg_quality"] == 101
    err = q.set_index("sha256")["error"]
    assert isinstance(err["broken"], str) and err["broken"]  # NaN would pass "is not None"
    assert err.drop("broken").isna().all()
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
