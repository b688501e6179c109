"""Video: image detectors on sampled frames, aggregated per video.

Method: sample one frame every ``every_s`` seconds (at most ``max_frames``),
run each image detector on it, and aggregate per detector (mean, max, share
of frames above ``threshold``) with the per-frame series, as frame-level
detectors are commonly pooled for video (Rossler et al., "FaceForensics++",
ICCV 2019, average frame predictions). The video's score is the largest
per-detector mean; per-frame scores stay in ``raw`` for the timeline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kit.detectors.base import Detector, DetectorError, DetectorResult

__all__ = ["VideoDetector", "sample_frames"]


def sample_frames(path: Path, every_s: float = 1.0, max_frames: int = 16) -> list[tuple[float, np.ndarray]]:
    """(seconds, RGB frame) pairs from :func:`kit.media.iter_frames`."""
    from kit.media import iter_frames

    return [(float(f.seconds), f.image) for f in iter_frames(path, every_s=every_s, max_frames=max_frames)]


class VideoDetector(Detector):
    """Frame sampling + per-detector aggregation (see module docstring)."""

    name, version, kind, needs_path = "video", "1", "video", True
    media_kinds = ("video",)
    score_meaning = "largest per-detector mean frame score over sampled frames"

    def __init__(self, detectors: tuple[str, ...] = ("ela", "noise", "spectral", "faces"),
                 every_s: float = 1.0, max_frames: int = 16, threshold: float = 0.5) -> None:
        self.detectors, self.every_s = tuple(detectors), every_s
        self.max_frames, self.threshold = max_frames, threshold

    def analyze_path(self, path: Path) -> DetectorResult:
        from kit.detectors.registry import get_detector

        frames = sample_frames(path, self.every_s, self.max_frames)
        if not frames:
            raise DetectorError(f"{path}: no frames could be decoded", path=path)
        dets = [get_detector(n) for n in self.detectors]
        per: dict[str, dict] = {}
        for det in dets:
            series = []
            for t, img in frames:
                try:
                    series.append([round(t, 3), det.score(img).score])
                except Exception as exc:  # noqa: BLE001 - a bad frame is a gap, not a crash
                    series.append([round(t, 3), None, str(exc)])
            s = np.array([v[1] for v in series if v[1] is not None], float)
            per[det.name] = {"mean": float(s.mean()) if len(s) else None,
                             "max": float(s.max()) if len(s) else None,
                             "share_above": float((s > self.threshold).mean()) if len(s) else None,
                             "series": series}
        means = {k: v["mean"] for k, v in per.items() if v["mean"] is not None}
        if not means:
            return self.result(None, f"{len(frames)} frames: no detector had anything to say",
                               frames=len(frames), per_detector=per)
        top = max(means, key=means.get)
        return self.result(means[top], f"{len(frames)} frames; highest mean: {top} {means[top]:.2f} "
                           f"(max {per[top]['max']:.2f}, {per[top]['share_above']:.0%} above "
                           f"{self.threshold})", frames=len(frames), per_detector=per)
