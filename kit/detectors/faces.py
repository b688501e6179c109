"""Faces: compare each detected face with its surroundings.

Method: find frontal faces with OpenCV's Viola-Jones Haar cascade (Viola &
Jones, "Rapid object detection using a boosted cascade of simple features",
CVPR 2001; the cascade ships in opencv-python-headless), then compare the
face with a ring around it, as face-swap and blending leave a face whose
noise level, sharpness or JPEG block grid differs from the rest (Zhou et
al., "Two-stream neural networks for tampered face detection", CVPRW 2017,
motivates the noise cue; Li & Lyu, "Exposing deepfake videos by detecting
face warping artifacts", CVPRW 2019, the resolution cue). No face: score
``None``.
"""

from __future__ import annotations

import functools

import numpy as np

from kit.detectors.base import Detector, DetectorResult, squash
from kit.detectors.noise import noise_level_map

__all__ = ["FaceDetector", "find_faces", "grid_offset"]


@functools.lru_cache(maxsize=1)
def _cascade():
    import cv2

    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def find_faces(gray: np.ndarray, max_side: int = 512) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) in ``gray`` coordinates, largest first."""
    import cv2

    f = min(1.0, max_side / max(gray.shape))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    boxes = _cascade().detectMultiScale(cv2.equalizeHist(small), 1.1, 5, minSize=(32, 32))
    return sorted(((int(x / f), int(y / f), int(w / f), int(h / f)) for x, y, w, h in boxes),
                  key=lambda b: -b[2] * b[3])


def grid_offset(gray: np.ndarray) -> tuple[int, float]:
    """Column offset (0-7) of the strongest 8-px blocking edges, and its strength over the mean."""
    d = np.abs(np.diff(gray.astype(np.float32), axis=1)).mean(axis=0)
    by = np.array([d[o::8].mean() for o in range(8)])
    return int(by.argmax()), float(by.max() / (by.mean() + 1e-6))


class FaceDetector(Detector):
    """Face vs surroundings: noise, sharpness, JPEG grid (see module docstring)."""

    name, version, kind, mode = "faces", "1", "face", "L"
    score_meaning = "face region inconsistent with its surroundings (swap/blend boundary)"

    def analyze(self, image: np.ndarray) -> DetectorResult:
        import cv2

        faces = find_faces(image)
        if not faces:
            return self.result(None, "no frontal face found", faces=[])
        heat = np.zeros(image.shape, np.float32)
        lap = np.abs(cv2.Laplacian(image.astype(np.float32), cv2.CV_32F))
        noise = noise_level_map(image, 8)
        per = []
        for x, y, w, h in faces[:8]:
            inner = np.zeros(image.shape, bool)
            inner[y + h // 8:y + h - h // 8, x + w // 8:x + w - w // 8] = True
            ring = np.zeros(image.shape, bool)
            ring[max(0, y - h // 3):y + h + h // 3, max(0, x - w // 3):x + w + w // 3] = True
            ring[y:y + h, x:x + w] = False
            if ring.sum() < 0.1 * inner.sum():
                ring = ~inner
            nb = cv2.resize(noise, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
            n_ratio = float(np.log((np.median(nb[inner]) + 0.2) / (np.median(nb[ring]) + 0.2)))
            s_ratio = float(np.log((lap[inner].mean() + 1) / (lap[ring].mean() + 1)))
            gf = grid_offset(image[y:y + h, x:x + w])
            gr = grid_offset(image)
            grid_mismatch = float(gf[0] != gr[0] and gf[1] > 1.2 and gr[1] > 1.2)
            s = squash(abs(n_ratio) + 0.5 * abs(s_ratio) + grid_mismatch, center=1.0, scale=0.3)
            per.append({"box": [x, y, w, h], "score": s, "noise_log_ratio": n_ratio,
                        "sharpness_log_ratio": s_ratio, "grid_mismatch": grid_mismatch})
            heat[y:y + h, x:x + w] = np.maximum(heat[y:y + h, x:x + w], s)
        best = max(per, key=lambda p: p["score"])
        return self.result(best["score"], f"{len(faces)} face(s); most inconsistent: noise log-ratio "
                           f"{best['noise_log_ratio']:+.2f}, sharpness log-ratio "
                           f"{best['sharpness_log_ratio']:+.2f}", heatmap=heat, faces=per)
