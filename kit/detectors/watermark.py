"""Generator watermarks: the invisible marks Stable Diffusion's reference pipelines embed.

Method: the reference scripts of Stable Diffusion 1.x and 2.x and the SDXL
pipelines (Stability AI's ``generative-models``, Hugging Face ``diffusers``)
embed a fixed message with the ``invisible-watermark`` package's ``dwtDct``
method: the U channel's Haar wavelet approximation is cut into 4x4 blocks and
each block's largest coefficient is quantised to carry one bit, the message
repeated over the picture. The package's own block inference
(``EmbedMaxDct.decode_frame``) reads every block once; folding the block
scores by each known message's length gives that message's bits, as the
package's ``WatermarkDecoder`` would. Both channel orders are read (early
``diffusers`` releases embedded into RGB arrays as if they were BGR).

A message decoded with at most 5 % of its bits wrong (at least one) gives
score 1.0 and names the generator; by chance alone that happens with odds
under 1e-7 for the shortest message. Anything else says nothing (``None``):
the mark does not survive a JPEG re-encode (measured: q95 leaves half the
bits wrong), resizing or cropping, and most generators never embed it, so
its absence is no evidence of a real photograph.

The package is installed without its dependencies (``pip install --no-deps
invisible-watermark==0.2.0``: it asks for ``opencv-python``, which would
shadow the kit's headless OpenCV, and for PyTorch, used only by its
``rivaGan`` method). Its ``maxDct`` module needs neither and is loaded on
its own, without the package ``__init__`` that imports PyTorch.

Examples
--------
>>> import numpy as np
>>> WatermarkDetector().analyze(np.zeros((64, 64, 3), np.uint8)).score is None
True
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from kit.detectors.base import Detector, DetectorResult

__all__ = ["WatermarkDetector", "MESSAGES", "decode_messages", "load_max_dct"]


def _bits(data: bytes) -> tuple[int, ...]:
    return tuple(int(b) for b in np.unpackbits(np.frombuffer(data, np.uint8)))


MESSAGES: dict[str, tuple[str, tuple[int, ...]]] = {
    "StableDiffusionV1": ("Stable Diffusion 1.x reference scripts (CompVis txt2img / img2img)",
                          _bits(b"StableDiffusionV1")),
    "StableDiffusionV1-Inpainting": ("Stable Diffusion 1.x inpainting (RunwayML)",
                                     _bits(b"StableDiffusionV1-Inpainting")),
    "SDV2": ("Stable Diffusion 2.x reference scripts (Stability AI)", _bits(b"SDV2")),
    "SDXL": ("Stable Diffusion XL (Stability AI generative-models, diffusers)",
             tuple(int(c) for c in bin(0b101100111110110010010000011110111011000110011110)[2:])),
}
"""Known messages: name -> (who embeds it, its bits as the encoder receives them)."""

MIN_SIDE_PIXELS = 256 * 256
"""The package refuses pictures under 256 x 256 pixels (area); so does this detector."""
MAX_WRONG = 0.05
SCALE, BLOCK = 36, 4


@functools.lru_cache(maxsize=1)
def load_max_dct() -> Any:
    """The package's ``EmbedMaxDct`` class, or None when ``invisible-watermark`` is not installed."""
    spec = importlib.util.find_spec("imwatermark")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "maxDct.py"
    mod_spec = importlib.util.spec_from_file_location("kit_imwatermark_maxdct", path)
    if mod_spec is None or mod_spec.loader is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    return module.EmbedMaxDct


def _block_scores(bgr: np.ndarray, embed_cls: Any) -> np.ndarray:
    """The package's per-block bit inference over the U channel's Haar approximation, in its order."""
    import cv2
    import pywt

    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV)
    approx, _ = pywt.dwt2(yuv[: rows // 4 * 4, : cols // 4 * 4, 1], "haar")
    return np.asarray(embed_cls([], wmLen=1).decode_frame(approx, SCALE, [[]])[0], float)


def _fold(scores: np.ndarray, length: int) -> np.ndarray:
    """Bit k is the mean of blocks k, k + length, ...; 1 when over 127/255, as the package decides."""
    bit = np.arange(len(scores)) % length
    sums = np.bincount(bit, weights=scores, minlength=length)
    counts = np.bincount(bit, minlength=length)
    return (sums / np.maximum(counts, 1) * 255 > 127).astype(int)


def decode_messages(rgb: np.ndarray) -> list[dict[str, Any]]:
    """For each known message and channel order: bits wrong out of its length (best order first)."""
    embed_cls = load_max_dct()
    if embed_cls is None:
        raise ImportError("invisible-watermark is not installed")
    out = []
    for order, bgr in (("BGR", rgb[..., ::-1]), ("RGB-as-BGR", rgb)):
        scores = _block_scores(bgr, embed_cls)
        for name, (who, bits) in MESSAGES.items():
            wrong = int(np.sum(_fold(scores, len(bits)) != np.asarray(bits)))
            out.append({"message": name, "by": who, "order": order, "bits": len(bits), "wrong": wrong})
    return sorted(out, key=lambda r: (r["wrong"] / r["bits"], r["message"]))


class WatermarkDetector(Detector):
    """Stable Diffusion's invisible ``dwtDct`` watermark (see module docstring)."""

    name, version, kind = "watermark", "1", "image"
    score_meaning = ("1.0 when a Stable Diffusion pipeline's invisible watermark is decoded (a generator "
                     "marked it); None otherwise: absence says nothing")

    def analyze(self, image: np.ndarray) -> DetectorResult:
        if image.ndim != 3 or image.shape[0] * image.shape[1] < MIN_SIDE_PIXELS:
            return self.result(None, "too small to carry the watermark (under 256 x 256 pixels): says nothing")
        if load_max_dct() is None:
            return self.result(None, "invisible-watermark is not installed (pip install --no-deps "
                                     "invisible-watermark==0.2.0): not read")
        found = decode_messages(image)
        best = found[0]
        allowed = max(1, int(MAX_WRONG * best["bits"]))
        if best["wrong"] <= allowed:
            return self.result(1.0, f"Stable Diffusion's invisible watermark decoded: message {best['message']!r} "
                                    f"({best['bits'] - best['wrong']} of {best['bits']} bits), embedded by "
                                    f"{best['by']}: the picture came out of that generator", found=found[:4],
                               message=best["message"], generator=best["by"])
        return self.result(None, "no generator watermark decoded (a JPEG re-encode, resize or crop erases it, and "
                                 "most generators never embed one): says nothing", found=found[:4])
