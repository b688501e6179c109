"""The demo incident and the benchmark collections: generators of data with known truth.

The top layer of the kit (it may import any of it; only ``dfkit demo`` and :mod:`kit.pipeline`'s
demo entry import it). It ships with the package: nothing of it is read from a source checkout.

- incident: :func:`generate` the demo incident (a fabricated launch-pad photo and ~150 reposts on
  four platforms, with manifest, collection exports and truth.json; see README.md here),
  :class:`DemoIncident`; ``python -m kit.demo --out DIR`` runs it.
- edits: :data:`EDITS`, the one registry of repost edits (crop, resize, mirror, rotate, filter,
  caption bar, meme text, logo, watermark, letterbox, screenshot frame, re-encode) that the demo,
  the benchmark collections and the robustness benchmark draw from; :func:`apply_edits`.
- collections: :func:`make_collection` (synthetic repost collections in :data:`FAMILIES`, for the
  spread-tracing benchmark), :class:`SynthCollection`; trees: :func:`tree_shapes`.
- score: :func:`demo_truth_clusters` (truth.json as a same-picture labelling).
"""

from kit.demo.collections import (
    FAMILIES,
    FRESH_SEEDS,
    HELD_OUT_FAMILIES,
    HELD_OUT_SEEDS,
    SynthCollection,
    base_images,
    make_collection,
)
from kit.demo.edits import EDITS, EditError, apply_edits
from kit.demo.incident import GENERATOR_VERSION, DemoIncident, generate
from kit.demo.score import demo_truth_clusters
from kit.demo.trees import tree_shapes

__all__ = [
    "EDITS",
    "FAMILIES",
    "FRESH_SEEDS",
    "GENERATOR_VERSION",
    "HELD_OUT_FAMILIES",
    "HELD_OUT_SEEDS",
    "DemoIncident",
    "EditError",
    "SynthCollection",
    "apply_edits",
    "base_images",
    "demo_truth_clusters",
    "generate",
    "make_collection",
    "tree_shapes",
]
