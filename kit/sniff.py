"""Tell a file's type from its first bytes, not from its name.

Examples
--------
>>> sniff_bytes(b"\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF\\x00").mime
'image/jpeg'
>>> sniff_bytes(b"\\x00\\x00\\x00\\x18ftypmp42").kind
'video'
>>> sniff_bytes(b"hello").kind
'other'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileType", "sniff_bytes", "sniff_path", "HEADER_BYTES"]

HEADER_BYTES = 64


@dataclass(frozen=True)
class FileType:
    """What the magic bytes say: MIME type, kind (image/video/other), usual extension."""

    mime: str
    kind: str
    ext: str


_UNKNOWN = FileType("application/octet-stream", "other", "")

# ISO-BMFF brands (bytes 8..12 after 'ftyp')
_FTYP = {
    b"heic": FileType("image/heic", "image", "heic"),
    b"heix": FileType("image/heic", "image", "heic"),
    b"mif1": FileType("image/heif", "image", "heif"),
    b"msf1": FileType("image/heif", "image", "heif"),
    b"avif": FileType("image/avif", "image", "avif"),
    b"avis": FileType("image/avif", "image", "avif"),
    b"qt  ": FileType("video/quicktime", "video", "mov"),
    b"M4V ": FileType("video/x-m4v", "video", "m4v"),
    b"3gp4": FileType("video/3gpp", "video", "3gp"),
    b"3gp5": FileType("video/3gpp", "video", "3gp"),
    b"3g2a": FileType("video/3gpp2", "video", "3g2"),
}


def sniff_bytes(head: bytes) -> FileType:
    """Return the :class:`FileType` for a file starting with ``head``."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileType("image/jpeg", "image", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType("image/png", "image", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FileType("image/gif", "image", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType("image/webp", "image", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return FileType("video/x-msvideo", "video", "avi")
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return FileType("image/tiff", "image", "tif")
    if head[:2] == b"BM":
        return FileType("image/bmp", "image", "bmp")
    if head[:4] == b"\x00\x00\x01\x00":
        return FileType("image/x-icon", "image", "ico")
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return FileType("image/jxl", "image", "jxl")
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return FileType("image/jp2", "image", "jp2")
    if head[:4] in (b"8BPS",):
        return FileType("image/vnd.adobe.photoshop", "image", "psd")
    if head[:2] in (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6"):
        return FileType("image/x-portable-anymap", "image", "pnm")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _FTYP:
            return _FTYP[brand]
        return FileType("video/mp4", "video", "mp4")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return FileType("video/quicktime", "video", "mov")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        kind = "video/webm" if b"webm" in head else "video/x-matroska"
        return FileType(kind, "video", "webm" if kind.endswith("webm") else "mkv")
    if head[:3] == b"FLV":
        return FileType("video/x-flv", "video", "flv")
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return FileType("video/mp2t", "video", "ts")
    if head[:4] == b"\x00\x00\x01\xba" or head[:4] == b"\x00\x00\x01\xb3":
        return FileType("video/mpeg", "video", "mpg")
    if head.lstrip()[:5] in (b"<?xml", b"<svg ") or head.lstrip().startswith(b"<svg"):
        return FileType("image/svg+xml", "other", "svg")
    if head[:4] == b"%PDF":
        return FileType("application/pdf", "other", "pdf")
    return _UNKNOWN


def sniff_path(path: str | Path) -> FileType:
    """Read the first :data:`HEADER_BYTES` (more for MPEG-TS) of ``path`` and sniff them."""
    with open(path, "rb") as fh:
        head = fh.read(max(HEADER_BYTES, 189))
    return sniff_bytes(head)
