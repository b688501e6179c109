"""Blind splice localisation in one map: the strongest blind trace each picture carries.

The kit's blind detectors each read one trace, and each is silent or weak where its trace is
absent. This detector reads them in order of strength and says which one it used:

1. the aligned double JPEG (:mod:`kit.detectors.dq`). Where the file carries an earlier JPEG
   compression and a region lacks it (dq's score 0.5 or more), that region is the answer: its map
   and score are dq's;
2. where the file carries a history but no region lacks it, or where it carries none (a second
   compression as coarse as the first, a picture resized after its JPEG, a PNG: dq has nothing to
   say), the map shows wherever the local noise level (:mod:`kit.detectors.noise`) or the JPEG
   error level (:mod:`kit.detectors.ela`) stands out from the rest of the picture. The score is
   dq's where it found a history (a history without a lacking region says "no region"), else the
   larger of the noise and error-level scores.

Measured on ``benchmarks/bench_splices.py`` (camera family: the host a camera JPEG, the donor
rescaled and pasted off the grid; tuning / held-out seed groups): dq alone AUC 0.880 / 0.880,
pixel F1 at 0.5 0.451 / 0.427; this map 0.904 / 0.904 and 0.582 / 0.513 (fresh groups 50-57, 80
composites: 0.940 and 0.637). It gains where dq is silent: 17 of 40 composites there had a second
compression as coarse as the first. Noise and error level are weaker evidence: read their regions
with the picture (textured and flat areas differ in noise too).

Examples
--------
>>> import io, numpy as np
>>> from PIL import Image
>>> rng = np.random.default_rng(0)
>>> img = rng.normal(128, 30, (96, 128)).clip(0, 255).astype(np.uint8)
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.png"
>>> Image.fromarray(img).save(p)
>>> r = SpliceDetector().score(p)
>>> r.raw["used"], r.heatmap.shape
('noise and error level', (96, 128))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kit.detectors.base import Detector, DetectorResult, load_input

__all__ = ["SpliceDetector"]

DQ_FOUND = 0.5
"""dq's score from which its region is the answer (its own threshold: a region of 3 % of the
informative blocks)."""


class SpliceDetector(Detector):
    """dq's region where it finds one, else noise-level and error-level outliers (module doc)."""

    name, version, kind, needs_path = "splice", "2", "image", True
    score_meaning = ("a region that lacks the picture's double JPEG compression, else one whose noise or JPEG "
                     "error level stands out")

    def analyze_path(self, path: Path) -> DetectorResult:
        from PIL import Image

        from kit.detectors.dq import DoubleQuantDetector
        from kit.detectors.ela import ElaDetector
        from kit.detectors.noise import NoiseDetector

        dq = DoubleQuantDetector()
        dq.max_pixels = self.max_pixels
        d = dq.analyze_path(path)
        if d.score is not None and d.score >= DQ_FOUND:
            return self.result(d.score, "double JPEG: " + d.explanation, heatmap=d.heatmap, used="dq", dq=d.score,
                               **d.raw)
        rgb = load_input(path, mode="RGB", max_pixels=self.max_pixels)
        gray = np.asarray(Image.fromarray(rgb).convert("L"))  # as the noise detector decodes it
        n = NoiseDetector().analyze(gray)
        ela = ElaDetector()
        ela.energy_quality = ela.quality  # the map only: one encode, not a second for the energy feature
        e = ela.analyze(rgb)
        heat = np.maximum(n.heatmap, e.heatmap)
        if d.heatmap is not None and d.heatmap.shape == heat.shape:
            heat = np.maximum(heat, d.heatmap)
        scores = {"noise": n.score, "ela": e.score}
        if d.score is not None:
            return self.result(d.score, f"double JPEG over the picture and no region without it (dq {d.score:.2f}); "
                               f"the map adds noise-level and error-level outliers (noise {n.score:.2f}, ELA "
                               f"{e.score:.2f})", heatmap=heat, used="dq, then noise and error level",
                               dq=d.score, **scores)
        return self.result(max(scores.values()), f"dq: {d.explanation.split(':')[0]}; "
                           f"noise {n.score:.2f}: {n.explanation}; ELA {e.score:.2f}: {e.explanation}",
                           heatmap=heat, used="noise and error level", dq=None, **scores)
