"""``extract(path) -> MediaMetadata``: file facts, JPEG structure, EXIF, XMP, IPTC, C2PA, video.

Each part is read independently: a part that fails adds a line to
``MediaMetadata.warnings`` and the others are still returned. Nothing is
fully decoded except, for JPEGs with an EXIF thumbnail, the main image at
reduced (1/8) scale for the thumbnail comparison.

Examples
--------
>>> import io, tempfile, pathlib
>>> from PIL import Image
>>> tmp = pathlib.Path(tempfile.mkdtemp()) / "photo.png"
>>> Image.new("RGB", (32, 16), "blue").save(tmp.with_suffix(".jpg"), quality=80)
>>> _ = tmp.write_bytes(tmp.with_suffix(".jpg").read_bytes())
>>> m = extract(tmp, c2pa=False)
>>> m.get("File", "MIMEType"), m.get("File", "ExtensionMismatch"), m.get("JPEG", "EstimatedQuality")
('image/jpeg', True, 80)
>>> (m.get("File", "ImageWidth"), m.get("File", "ImageHeight"))
(32, 16)
"""

from __future__ import annotations

import collections
import hashlib
import io
import re
import warnings as _warnings
from pathlib import Path
from typing import Any

from kit.errors import MediaError, MissingExtra
from kit.metadata import c2pa as _c2pa
from kit.metadata import containers as _ct
from kit.metadata import exif as _exif
from kit.metadata import iptc as _iptc
from kit.metadata import jpeg as _jpeg
from kit.metadata import video as _video
from kit.metadata import xmp as _xmp
from kit.metadata.record import MediaMetadata
from kit.sniff import sniff_bytes

__all__ = [
    "extract",
    "extract_for_step",
    "file_group",
    "extension_mismatch",
    "EXTENSION_ALIASES",
    "MAX_READ",
]

#: Bytes read into memory for parsing (hashes always cover the whole file;
#: for bigger files only the first and last ``MAX_READ // 2`` are scanned).
MAX_READ = 256 * 1024 * 1024
#: Extensions that mean the same type as the sniffed one.
EXTENSION_ALIASES = {
    "jpg": {"jpg", "jpeg", "jpe", "jfif", "jfi", "jif"},
    "tif": {"tif", "tiff", "dng", "nef", "arw", "cr2", "orf", "rw2", "pef", "srw", "erf", "3fr"},
    "heic": {"heic", "heif", "hif"},
    "heif": {"heic", "heif", "hif"},
    "mov": {"mov", "qt", "mp4", "m4v"},
    "mp4": {"mp4", "m4v", "mov", "m4a", "3gp", "3g2", "f4v"},
    "mkv": {"mkv", "mka", "webm"},
    "webm": {"webm", "mkv"},
    "mpg": {"mpg", "mpeg", "m2v", "vob"},
    "ts": {"ts", "mts", "m2ts"},
    "jp2": {"jp2", "j2k", "jpf", "jpx", "jpc"},
    "pnm": {"pnm", "pbm", "pgm", "ppm", "pam"},
    "psd": {"psd", "psb"},
}


def extension_mismatch(detected_ext: str | None, name: str | None) -> bool | None:
    """True when the file name's extension does not fit the sniffed type (None: unknown).

    Examples
    --------
    >>> extension_mismatch("jpg", "a.JPEG"), extension_mismatch("png", "a.jpg"), extension_mismatch("", "a")
    (False, True, None)
    """
    declared = Path(name or "").suffix.lower().lstrip(".")
    if not detected_ext or not declared:
        return None
    return declared not in EXTENSION_ALIASES.get(detected_ext, {detected_ext})


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    """Hash the whole file; return (bytes to parse, hash facts)."""
    sha, md5 = hashlib.sha256(), hashlib.md5()  # noqa: S324 - MD5 is a lookup key, not security
    size = 0
    half = MAX_READ // 2
    head = bytearray()
    tail: collections.deque[bytes] = collections.deque()
    tail_len = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            if len(head) < half:
                head += chunk
                continue
            tail.append(chunk)
            tail_len += len(chunk)
            while tail and tail_len - len(tail[0]) >= half:
                tail_len -= len(tail.popleft())
    data = bytes(head) + b"".join(tail)
    partial = bool(tail) and size > len(data)
    return data, {"Size": size, "SHA256": sha.hexdigest(), "MD5": md5.hexdigest(), "Partial": partial}


def file_group(path: Path, data: bytes, facts: dict[str, Any]) -> dict[str, Any]:
    """The ``File`` group: size, hashes, sniffed type, extension check, image size/mode."""
    ft = sniff_bytes(data[:512])
    declared = path.suffix.lower().lstrip(".")
    g: dict[str, Any] = {
        "FileName": path.name,
        "Size": facts["Size"],
        "SHA256": facts["SHA256"],
        "MD5": facts["MD5"],
        "MIMEType": ft.mime,
        "Kind": ft.kind,
        "DetectedExtension": ft.ext or None,
        "Extension": declared or None,
    }
    mismatch = extension_mismatch(ft.ext, path.name)
    if mismatch is not None:
        g["ExtensionMismatch"] = mismatch
    return {k: v for k, v in g.items() if v is not None}


def _image_header(data: bytes) -> dict[str, Any]:
    """Width/height/mode from Pillow's lazy open (no pixel decoding)."""
    from PIL import Image

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        with Image.open(io.BytesIO(data)) as im:
            g = {"ImageWidth": im.width, "ImageHeight": im.height, "ColorMode": im.mode, "Format": im.format}
            frames = getattr(im, "n_frames", 1)
            if isinstance(frames, int) and frames > 1:
                g["Frames"] = frames
    return g


_OBJ_RE = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def _attempt(warns: list[str], part: str, fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except MissingExtra as exc:
        warns.append(f"{part}: not checked ({exc})")
    except Exception as exc:  # noqa: BLE001 - a bad part must not lose the others
        msg = _OBJ_RE.sub("the data", str(exc))
        warns.append(f"{part}: {type(exc).__name__}: {msg}"[:500])
    return None


def extract(
    path: str | Path,
    *,
    c2pa: bool = True,
    video: bool = True,
    thumbnail: bool = True,
    use_ffprobe: bool = True,
) -> MediaMetadata:
    """Read all metadata of one file.

    Parameters
    ----------
    path
        The file.
    c2pa
        Read and validate C2PA content credentials (needs the ``c2pa`` extra).
    video
        Probe video containers (ffprobe, else OpenCV).
    thumbnail
        Compare the EXIF thumbnail with the main image (JPEG only; decodes
        the main image at 1/8 scale).
    use_ffprobe
        Prefer ffprobe over OpenCV when it is installed.

    Raises
    ------
    kit.errors.MediaError
        The file cannot be read at all (missing, a directory, permission).
    """
    p = Path(path)
    try:
        data, facts = _read(p)
    except OSError as exc:
        raise MediaError(f"{p}: cannot read the file: {exc}", path=p) from exc
    warns: list[str] = []
    if facts["Partial"]:
        warns.append(f"File: over {MAX_READ} bytes; only the head and tail were parsed")
    groups: dict[str, dict[str, Any]] = {"File": file_group(p, data, facts)}
    js = _structure(data, groups, warns)
    _exif_part(data, js, groups, warns, thumbnail=thumbnail)
    _xmp_iptc_part(data, js, groups, warns)
    _c2pa_video_part(p, groups, warns, c2pa=c2pa, video=video, use_ffprobe=use_ffprobe)
    return MediaMetadata(str(p), facts["SHA256"], {k: v for k, v in groups.items() if v}, tuple(warns))


def _structure(data: bytes, groups: dict[str, dict[str, Any]], warns: list[str]) -> Any:
    """JPEG structure (the ``JPEG`` group) and the image size into ``File``; the JpegStructure or None."""
    fg = groups["File"]
    mime, kind = fg["MIMEType"], fg["Kind"]
    js = None
    if mime == "image/jpeg":
        js = _attempt(warns, "JPEG", _jpeg.parse_jpeg, data)
        if js is not None:
            groups["JPEG"] = _jpeg.jpeg_group(js)
            if js.width and js.height:
                fg.update(ImageWidth=js.width, ImageHeight=js.height)
    if mime in ("image/heic", "image/heif", "image/jxl"):  # no Pillow reader: sizes from the headers
        size_of = _ct.jxl_size if mime == "image/jxl" else _ct.bmff_size
        fg.update(_attempt(warns, "File", size_of, data) or {})
    elif kind == "image":
        head = _attempt(warns, "File", _image_header, data)
        if head is None and mime == "image/avif":
            head = _attempt(warns, "File", _ct.bmff_size, data)
        if head:
            if js is not None and js.width:
                head.pop("ImageWidth", None)
                head.pop("ImageHeight", None)
            fg.update(head)
    return js


def _exif_part(data: bytes, js: Any, groups: dict[str, dict[str, Any]], warns: list[str], *,
               thumbnail: bool) -> None:
    """EXIF groups (from the TIFF block wherever the format keeps it), a Photoshop file's IPTC, and
    the EXIF thumbnail check."""
    mime, kind = groups["File"]["MIMEType"], groups["File"]["Kind"]
    exif_src = data
    if js is not None:  # exifread stops at the first APP1, which may be XMP: hand it the TIFF block
        exif_src = js.exif if js.exif and js.exif[:4] in (b"II*\x00", b"MM\x00*") else data
    elif mime == "image/vnd.adobe.photoshop":
        res = _attempt(warns, "Photoshop", _ct.psd_resources, data) or {}
        exif_src = res.get(0x0422) or b""
        if res.get(0x0404):
            groups["IPTC"] = _attempt(warns, "IPTC", _iptc.parse_iim, res[0x0404]) or {}
    elif mime in ("image/webp", "image/jp2"):
        exif_src = _ct.embedded_tiff(data, mime) or data
    tags = None
    if exif_src and (kind != "other" or _maybe_tiff(data)):
        tags = _attempt(warns, "EXIF", _exif.read_exif, io.BytesIO(exif_src))
    if not tags and kind == "video" and b"CMT1" in data[: 4 << 20]:
        tags = _attempt(warns, "EXIF", _ct.canon_cmt_tags, data)
    if tags:
        groups.update(_attempt(warns, "EXIF", _exif.exif_groups, tags) or {})
        blob = tags.get("JPEGThumbnail")
        if thumbnail and isinstance(blob, bytes) and blob and mime == "image/jpeg":
            tg = groups.setdefault("EXIF-Thumbnail", {})
            if not _exif.is_image(blob):
                tg["ThumbnailDecodable"] = False
            else:
                dist = _attempt(warns, "EXIF-Thumbnail", _exif.thumbnail_distance, blob, io.BytesIO(data))
                if dist:
                    tg.update(dist)


def _xmp_iptc_part(data: bytes, js: Any, groups: dict[str, dict[str, Any]], warns: list[str]) -> None:
    """The XMP packet (JPEG segment, PNG chunk or a scan of the bytes) and a JPEG's Photoshop IPTC."""
    mime = groups["File"]["MIMEType"]
    if js is not None:
        packet = js.xmp
    elif mime == "image/png":
        packet = _attempt(warns, "XMP", _xmp.png_xmp, data)
    else:
        packet = _xmp.find_xmp(data)
    if packet:
        parsed = _attempt(warns, "XMP", _xmp.parse_xmp, packet)
        if parsed:
            groups["XMP"] = parsed

    if js is not None and js.photoshop:
        iim = _attempt(warns, "IPTC", _iptc.photoshop_iptc, js.photoshop)
        if iim:
            rec = _attempt(warns, "IPTC", _iptc.parse_iim, iim)
            if rec:
                groups["IPTC"] = rec


def _c2pa_video_part(p: Path, groups: dict[str, dict[str, Any]], warns: list[str], *, c2pa: bool,
                     video: bool, use_ffprobe: bool) -> None:
    """C2PA content credentials, and a video's container and stream facts (its size into ``File``)."""
    fg = groups["File"]
    mime, kind = fg["MIMEType"], fg["Kind"]
    if c2pa and kind in ("image", "video"):
        cred = _attempt(warns, "C2PA", _c2pa.read_c2pa, p, mime)
        if cred:
            groups["C2PA"] = cred

    if video and kind == "video":
        vg = _attempt(warns, "Video", _video.video_group, p, use_ffprobe=use_ffprobe)
        if vg:
            groups["Video"] = vg
            if vg.get("Width") and vg.get("Height"):
                fg.setdefault("ImageWidth", vg["Width"])
                fg.setdefault("ImageHeight", vg["Height"])


def _maybe_tiff(data: bytes) -> bool:
    return data[:4] in (b"II*\x00", b"MM\x00*")


def extract_for_step(path: Path) -> dict[str, Any]:
    """The case step's function: :func:`extract` with defaults, as a JSON-able dict without local paths.

    A stored result travels in shared bundles, so it names the file, never
    the folder it was read from: ``path`` is the file name, and the folder
    is cut from every text (a decoder's message often quotes the full path).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "clip.mp4"
    >>> _ = f.write_bytes(bytes([0, 0, 0, 24]) + b"ftypmp42" + bytes(100))
    >>> payload = extract_for_step(f)
    >>> payload["path"], str(f.parent) in repr(payload)
    ('clip.mp4', False)
    """
    folder = str(Path(path).parent).rstrip("/") + "/"
    return {**_without(extract(path).to_dict(), folder), "path": Path(path).name}


def _without(value: Any, folder: str) -> Any:
    """``value`` with ``folder`` cut from every string in it."""
    if isinstance(value, str):
        return value.replace(folder, "")
    if isinstance(value, dict):
        return {k: _without(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, folder) for v in value]
    return value
