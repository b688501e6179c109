"""Small generated pictures the detector tests share (no files: arrays and JPEG bytes)."""

from __future__ import annotations

import io

import numpy as np


def scene(seed: int = 0, h: int = 256, w: int = 320) -> np.ndarray:
    """A photo-like RGB uint8 picture: smooth structure at three scales plus sensor-like noise (sigma 3)."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for s, a in ((4, 40), (16, 40), (64, 50)):
        f = rng.normal(0, 1, (h // s + 2, w // s + 2, 3)).astype(np.float32)
        img += a * cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w]
    return np.clip(img + 128 + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)


def jpeg_bytes(a: np.ndarray, q: int, **options: object) -> bytes:
    """``a`` encoded by Pillow (libjpeg) at quality ``q`` (``options``: Pillow's, e.g. ``subsampling``)."""
    from PIL import Image

    b = io.BytesIO()
    Image.fromarray(a).save(b, "JPEG", quality=q, **options)
    return b.getvalue()


def decoded(b: bytes) -> np.ndarray:
    """JPEG (or any image) bytes decoded by Pillow, as an RGB array."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(b)).convert("RGB"))


def jpeg_roundtrip(a: np.ndarray, q: int = 88) -> np.ndarray:
    """``a`` through a JPEG at quality ``q`` (Pillow), back as an RGB array."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(jpeg_bytes(a, q))).convert("RGB"))
