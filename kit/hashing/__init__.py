"""Cryptographic and perceptual hashes of images and videos.

Public API (see each module):

- values: :class:`Hash` (``a - b`` = Hamming distance, hex round-trip),
  :func:`pack`, :func:`hamming_matrix`.
- image: :func:`phash`, :func:`ahash`, :func:`dhash`, :func:`whash`,
  :func:`pdq` (bit-exact with Meta's reference when ``fast=False``),
  :func:`dihedral_pdq`, :func:`dihedral_phash`, :data:`DIHEDRAL`.
- preprocess: :func:`content_box` (borders, letterbox, caption bars, phone
  screenshots).
- record: :func:`hash_image_file` (the ``hash.image`` step), :func:`file_digests`.
- video: :func:`video_pdq`, vPDQ lines, :func:`video_similarity`,
  :func:`hash_video_file` (the ``hash.video`` step).

``STEPS`` holds the case steps ``hash.image`` and ``hash.video``.

Examples
--------
>>> import kit.hashing as kh
>>> [s.name for s in kh.STEPS]
['hash.image', 'hash.video']
>>> kh.Hash.from_hex("ff" * 8) - kh.Hash.from_hex("fe" * 8)
8
"""

from __future__ import annotations

from kit.hashing.image import (
    DIHEDRAL,
    PDQResult,
    ahash,
    dhash,
    dihedral_pdq,
    dihedral_phash,
    pdq,
    phash,
    whash,
)
from kit.hashing.preprocess import ContentBox, content_box
from kit.hashing.record import file_digests, hash_array, hash_image_file
from kit.hashing.values import Hash, HashError, hamming_matrix, pack
from kit.hashing.video import (
    VideoFrameHash,
    from_vpdq_lines,
    hash_video_file,
    to_vpdq_lines,
    video_pdq,
    video_similarity,
    videos_match,
)
from kit.steps import Step

__all__ = [
    "DIHEDRAL",
    "STEPS",
    "IMAGE_STEP",
    "VIDEO_STEP",
    "ContentBox",
    "Hash",
    "HashError",
    "PDQResult",
    "VideoFrameHash",
    "ahash",
    "content_box",
    "dhash",
    "dihedral_pdq",
    "dihedral_phash",
    "file_digests",
    "from_vpdq_lines",
    "hamming_matrix",
    "hash_array",
    "hash_image_file",
    "hash_video_file",
    "pack",
    "pdq",
    "phash",
    "to_vpdq_lines",
    "video_pdq",
    "video_similarity",
    "videos_match",
    "whash",
]


def _tool() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("pdqhash", "imagehash", "pillow"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:  # pragma: no cover
            pass
    return ", ".join(parts)


IMAGE_STEP = Step(
    "hash.image", "2", hash_image_file, kinds=("image",), tool=_tool(), isolate=True, timeout=60.0,
    description="SHA-256/MD5, aHash/dHash/pHash/wHash, PDQ+quality, dihedral PDQ/pHash, "
                "content box and trimmed-picture hashes, from one reduced-scale decode",
)
VIDEO_STEP = Step(
    "hash.video", "1", hash_video_file, kinds=("video",), tool=_tool(), isolate=True, timeout=600.0,
    description="SHA-256/MD5, vPDQ (1 frame/s, quality >= 50, raw and bar-trimmed), keyframe image hashes",
)
STEPS = (IMAGE_STEP, VIDEO_STEP)
