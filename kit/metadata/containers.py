r"""Where metadata hides outside JPEG: Photoshop, HEIF/AVIF, JPEG XL, WebP, JPEG 2000, Canon CR3.

Small header readers, no pixel decoding. Each returns an empty result for
data it does not recognise.

Examples
--------
>>> jxl_size(bytes([0xFF, 0x0A, 0b00000001]))  # small header: height (0+1)*8, ratio 0, width (0+1)*8
{'ImageWidth': 8, 'ImageHeight': 8}
>>> bmff_size(b"....ispe\x00\x00\x00\x00" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big"))
{'ImageWidth': 640, 'ImageHeight': 480}
>>> embedded_tiff(b"RIFF\x00\x00\x00\x00WEBPEXIF\x08\x00\x00\x00MM\x00*\x00\x00\x00\x08", "image/webp")
b'MM\x00*\x00\x00\x00\x08'
"""

from __future__ import annotations

import io
from typing import Any

from kit.metadata.exif import read_exif
from kit.metadata.iptc import photoshop_resources

__all__ = ["psd_resources", "bmff_size", "jxl_size", "embedded_tiff", "canon_cmt_tags"]


def psd_resources(data: bytes) -> dict[int, bytes]:
    """Image resources of a Photoshop file (header, colour-mode data, then resources)."""
    pos = 26
    cm_len = int.from_bytes(data[pos : pos + 4], "big")
    pos += 4 + cm_len
    res_len = int.from_bytes(data[pos : pos + 4], "big")
    return photoshop_resources(data[pos + 4 : pos + 4 + res_len])


def bmff_size(data: bytes) -> dict[str, int]:
    """HEIF/AVIF size from the largest ``ispe`` property (the primary image or its grid)."""
    best = (0, 0)
    pos = data.find(b"ispe", 0, 4 << 20)
    while pos >= 4:
        w = int.from_bytes(data[pos + 8 : pos + 12], "big")
        h = int.from_bytes(data[pos + 12 : pos + 16], "big")
        if w * h > best[0] * best[1]:
            best = (w, h)
        pos = data.find(b"ispe", pos + 4, 4 << 20)
    return {"ImageWidth": best[0], "ImageHeight": best[1]} if best[0] else {}


_JXL_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def jxl_size(data: bytes) -> dict[str, int]:
    """JPEG XL size from the codestream SizeHeader (ISO/IEC 18181-1), naked or in a container."""
    start = 0 if data.startswith(b"\xff\x0a") else -1
    if start < 0:
        for box, skip in ((b"jxlc", 4), (b"jxlp", 8)):  # jxlp payloads start with a 4-byte index
            pos = data.find(box)
            if pos >= 4 and data[pos + skip : pos + skip + 2] == b"\xff\x0a":
                start = pos + skip
                break
    if start < 0:
        return {}
    bits = int.from_bytes(data[start + 2 : start + 18], "little")
    pos = 0

    def u(n: int) -> int:
        nonlocal pos
        v = (bits >> pos) & ((1 << n) - 1)
        pos += n
        return v

    def u32() -> int:
        return u((9, 13, 18, 30)[u(2)])

    small = u(1)
    height = (u(5) + 1) * 8 if small else u32() + 1
    ratio = u(3)
    if ratio:
        num, den = _JXL_RATIOS[ratio]
        width = height * num // den
    else:
        width = (u(5) + 1) * 8 if small else u32() + 1
    return {"ImageWidth": width, "ImageHeight": height}


def embedded_tiff(data: bytes, mime: str) -> bytes | None:
    """The TIFF-structured EXIF block of a WebP ``EXIF`` chunk or a JPEG 2000 Exif ``uuid`` box."""
    block = None
    if mime == "image/webp":
        pos = 12
        while pos + 8 <= len(data):
            size = int.from_bytes(data[pos + 4 : pos + 8], "little")
            if data[pos : pos + 4] == b"EXIF":
                block = data[pos + 8 : pos + 8 + size]
                break
            pos += 8 + size + (size & 1)
    else:
        pos = data.find(b"JpgTiffExif->JP2")
        if pos >= 0:
            size = int.from_bytes(data[pos - 8 : pos - 4], "big")
            block = data[pos + 16 : pos - 8 + size]
    if block and block.startswith(b"Exif\x00\x00"):
        block = block[6:]
    return block if block and block[:4] in (b"II*\x00", b"MM\x00*") else None


def canon_cmt_tags(data: bytes) -> dict[str, Any]:
    """EXIF of Canon CR3 raws: TIFF blocks in ``CMT1`` (IFD0) and ``CMT2`` (Exif IFD) boxes."""
    tags: dict[str, Any] = {}
    for box in (b"CMT1", b"CMT2"):
        pos = data.find(box, 0, 4 << 20)
        if pos < 4:
            continue
        size = int.from_bytes(data[pos - 4 : pos], "big")
        payload = data[pos + 4 : pos - 4 + size]
        if payload[:4] in (b"II*\x00", b"MM\x00*"):
            for key, val in read_exif(io.BytesIO(payload)).items():
                tags.setdefault(key, val)
    return tags
