"""The detector contract: a small class, one method, a common result type.

A detector declares ``name``, ``version``, ``kind`` (what it looks at:
``"image"``, ``"face"``, ``"video"`` or ``"metadata"``), the media kinds it
runs on and what its score means, and implements one method:
``analyze(image) -> DetectorResult`` (array in) or, for detectors that need
the file itself, ``analyze_path(path)``. The base class loads the input
(path / bytes / PIL image / array through :func:`kit.media.load_image`),
turns unexpected failures into :class:`DetectorError`, and scores batches
with one row per input, an ``error`` column and timing.

Scores are in [0, 1], higher = more likely manipulated or synthetic, or
``None`` when the detector has nothing to say (no face, no marker, not a
JPEG). Scores of different detectors are not calibrated against each other:
:mod:`kit.detectors.fusion` does that.

Examples
--------
>>> import numpy as np
>>> from kit.detectors.base import Detector
>>> class Brightness(Detector):
...     name, version = "brightness", "1"
...     score_meaning = "mean brightness (a toy)"
...     def analyze(self, image):
...         return self.result(float(image.mean() / 255), "mean level")
>>> Brightness().score(np.full((8, 8, 3), 51, np.uint8)).score
0.2
>>> df = Brightness().score_many([np.zeros((16, 16, 3), np.uint8), "missing.png"])
>>> list(df["score"].isna()), df["error"].notna().tolist()
([False, True], [False, True])
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from kit.errors import KitError, MediaError, StepError

__all__ = [
    "DetectorError",
    "DetectorResult",
    "Detector",
    "load_input",
    "squash",
    "block_reduce",
    "compact_heatmap",
    "decode_heatmap",
    "result_payload",
]

HEATMAP_SIZE = 64


class DetectorError(StepError):
    """A detector could not score one item (bad input or an internal failure)."""


@dataclass(frozen=True)
class DetectorResult:
    """What a detector says about one item.

    Attributes
    ----------
    detector, version
        Which detector (and which version of its output) produced this.
    score
        In [0, 1], higher = more likely manipulated or synthetic; ``None``
        when the detector has no evidence either way.
    explanation
        One short sentence for the analyst.
    heatmap
        float32 map in [0, 1] the size of the image (higher = more
        suspicious), or ``None`` for global detectors.
    raw
        The detector's raw measurements (JSON-able scalars and short lists).
    """

    detector: str
    version: str
    score: float | None
    explanation: str
    heatmap: np.ndarray | None = field(default=None, compare=False, repr=False)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


def squash(x: float, *, center: float = 0.0, scale: float = 1.0) -> float:
    """Map a raw statistic to (0, 1) with a logistic: 0.5 at ``center``.

    >>> squash(0.0), round(squash(2.0, center=1.0, scale=0.5), 3)
    (0.5, 0.881)
    """
    z = (float(x) - center) / scale
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))


def block_reduce(a: np.ndarray, block: int, func: str = "mean") -> np.ndarray:
    """Reduce a 2-D array over ``block`` x ``block`` tiles (edges cropped).

    >>> block_reduce(np.arange(16.).reshape(4, 4), 2).tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    h, w = (a.shape[0] // block) * block, (a.shape[1] // block) * block
    if h == 0 or w == 0:
        raise DetectorError(f"image smaller than one {block}x{block} block")
    t = a[:h, :w].reshape(h // block, block, w // block, block)
    return getattr(t, func)(axis=(1, 3))


def load_input(src: Any, *, mode: str = "RGB", max_pixels: int | None = None) -> np.ndarray:
    """Decode ``src`` (path, bytes, PIL image, array) with :func:`kit.media.load_image`.

    Arrays are checked (uint8, 2-D gray or HxWx3) and passed through.
    """
    if isinstance(src, np.ndarray):
        if src.dtype != np.uint8 or src.ndim not in (2, 3) or (src.ndim == 3 and src.shape[2] != 3):
            raise DetectorError(f"expected a uint8 gray or HxWx3 array, got {src.dtype} {src.shape}")
        if min(src.shape[:2]) < 8:
            raise DetectorError(f"image too small to analyse: {src.shape}")
        if mode == "L" and src.ndim == 3:
            return (src @ np.array([0.299, 0.587, 0.114])).round().astype(np.uint8)
        if mode == "RGB" and src.ndim == 2:
            return np.repeat(src[..., None], 3, axis=2)
        return src
    from kit.media import load_image

    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    try:
        img = load_image(src, mode=mode, **kwargs)
    except KitError:
        raise
    except Exception as exc:  # noqa: BLE001 - decoder failures become MediaError
        raise MediaError(f"{src}: cannot decode: {type(exc).__name__}: {exc}", path=src) from exc
    return load_input(np.ascontiguousarray(img), mode=mode)


def compact_heatmap(heatmap: np.ndarray, size: int = HEATMAP_SIZE) -> dict[str, Any]:
    """A small storable version of a heat map: <= ``size`` px PNG (base64) + summary.

    >>> m = np.zeros((100, 200), np.float32); m[:50, :100] = 1
    >>> c = compact_heatmap(m); c["shape"], c["size"], c["bbox"]
    ([100, 200], [32, 64], [0, 0, 100, 50])
    """
    import cv2

    h, w = heatmap.shape
    f = min(1.0, size / max(h, w))
    small = cv2.resize(heatmap.astype(np.float32), (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA)
    u8 = np.clip(small * 255 + 0.5, 0, 255).astype(np.uint8)
    ok, png = cv2.imencode(".png", u8)
    hot = heatmap >= 0.5
    ys, xs = np.nonzero(hot)
    bbox = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1] if len(xs) else None
    return {"shape": [h, w], "size": list(u8.shape), "png_b64": base64.b64encode(png.tobytes()).decode(),
            "max": float(heatmap.max()), "mean": float(heatmap.mean()),
            "hot_share": float(hot.mean()), "bbox": bbox}


def decode_heatmap(compact: Mapping[str, Any], *, full_size: bool = False) -> np.ndarray:
    """Back from :func:`compact_heatmap` to a float32 map (small, or resized to the image).

    >>> m = np.zeros((64, 64), np.float32); m[8:16, 8:16] = 1
    >>> float(decode_heatmap(compact_heatmap(m))[10, 10])
    1.0
    """
    import cv2

    raw = np.frombuffer(base64.b64decode(compact["png_b64"]), np.uint8)
    small = cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
    if full_size:
        h, w = compact["shape"]
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return small


def result_payload(result: DetectorResult, *, heatmap_size: int = HEATMAP_SIZE) -> dict[str, Any]:
    """JSON-able payload of a result for the case store (small heat map only)."""
    from kit.steps import to_jsonable

    return {"detector": result.detector, "version": result.version, "score": result.score,
            "explanation": result.explanation, "raw": to_jsonable(dict(result.raw)),
            "heatmap": None if result.heatmap is None else compact_heatmap(result.heatmap, heatmap_size)}


class Detector:
    """Base class: subclasses set the class attributes and implement one method.

    Class attributes
    ----------------
    name, version
        Registry name and output version (bump when scores change).
    kind
        What it looks at: ``"image"``, ``"face"``, ``"video"`` or ``"metadata"``.
    media_kinds
        Media kinds of the case it applies to (``("image",)``, ``("video",)``).
    score_meaning
        What a high score means, in one line.
    mode
        ``"RGB"`` or ``"L"``: how :meth:`score` decodes a path for :meth:`analyze`.
    needs_path
        True when the detector reads the file itself (:meth:`analyze_path`).
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    kind: ClassVar[str] = "image"
    media_kinds: ClassVar[tuple[str, ...]] = ("image",)
    score_meaning: ClassVar[str] = ""
    mode: ClassVar[str] = "RGB"
    needs_path: ClassVar[bool] = False
    max_pixels: ClassVar[int | None] = None

    def analyze(self, image: np.ndarray) -> DetectorResult:
        """Score one decoded image (uint8 RGB HxWx3, or HxW when ``mode == "L"``)."""
        raise NotImplementedError

    def analyze_path(self, path: Path) -> DetectorResult:
        """Score one file; the default decodes it and calls :meth:`analyze`."""
        return self.analyze(load_input(path, mode=self.mode, max_pixels=self.max_pixels))

    def result(self, score: float | None, explanation: str, *, heatmap: np.ndarray | None = None,
               shape: tuple[int, ...] | None = None, **raw: Any) -> DetectorResult:
        """Build this detector's result; ``heatmap`` is resized to ``shape[:2]`` and clipped."""
        if score is not None:
            score = float(np.clip(score, 0.0, 1.0))
        if heatmap is not None:
            heatmap = np.clip(np.nan_to_num(heatmap.astype(np.float32)), 0, 1)
            if shape is not None and heatmap.shape != tuple(shape[:2]):
                import cv2

                heatmap = cv2.resize(heatmap, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
        return DetectorResult(self.name, self.version, score, explanation, heatmap, raw)

    def score(self, src: Any) -> DetectorResult:
        """Score one input (path, bytes, PIL image or array).

        Raises
        ------
        MediaError
            The file cannot be decoded safely.
        DetectorError
            Bad input or a failure inside the detector.
        """
        try:
            if self.needs_path or isinstance(src, (str, Path)):
                if self.needs_path and not isinstance(src, (str, Path)):
                    raise DetectorError(f"{self.name} reads the file itself: give a path")
                if not Path(src).is_file():
                    raise MediaError(f"{src}: no such file", path=src)
                return self.analyze_path(Path(src))
            return self.analyze(load_input(src, mode=self.mode, max_pixels=self.max_pixels))
        except KitError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything else becomes DetectorError
            raise DetectorError(f"{self.name}: {type(exc).__name__}: {exc}",
                                path=src if isinstance(src, (str, Path)) else None) from exc

    __call__ = score

    def score_many(self, items: Iterable[Any], *, ids: Iterable[Any] | None = None):
        """Score a batch: one row per input, never raises for a bad item.

        Returns
        -------
        pandas.DataFrame
            Columns ``item``, ``detector``, ``version``, ``score``,
            ``explanation``, ``error``, ``seconds``, ``result``
            (the :class:`DetectorResult`, ``None`` on error).
        """
        import pandas as pd

        items = list(items)
        ids = list(ids) if ids is not None else [i if isinstance(i, (str, Path)) else n
                                                 for n, i in enumerate(items)]
        rows = []
        for item, ident in zip(items, ids, strict=True):
            start = time.perf_counter()
            try:
                res, err = self.score(item), None
            except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
                res, err = None, f"{self.name}: {type(exc).__name__}: {exc}"
            rows.append({"item": str(ident), "detector": self.name, "version": self.version,
                         "score": None if res is None else res.score,
                         "explanation": None if res is None else res.explanation,
                         "error": err, "seconds": time.perf_counter() - start, "result": res})
        df = pd.DataFrame(rows, columns=["item", "detector", "version", "score", "explanation",
                                         "error", "seconds", "result"])
        df["score"] = df["score"].astype(float)
        return df

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} v{self.version}>"
