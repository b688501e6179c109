"""EXIF via exifread, with typed values.

Every tag exifread finds is kept, in three groups: ``EXIF`` (IFD0, the Exif
IFD, GPS and interoperability tags), ``EXIF-Thumbnail`` (IFD1 plus the
embedded thumbnail's presence, size and perceptual distance to the main
image) and ``MakerNotes``. Values are typed: numbers as int/float (rationals
as float), text as str, long binary blobs as a ``"(binary N bytes)"`` note.
Derived values use exiftool's names: ``GPSLatitude`` / ``GPSLongitude`` as
signed decimal degrees, ``GPSAltitude`` in metres (negative below sea level),
``DateTimeOriginal`` / ``CreateDate`` / ``ModifyDate`` as datetimes (aware
when the matching ``OffsetTime*`` tag is present).

Examples
--------
>>> parse_exif_datetime("2008:10:22 16:28:39", "+02:00", "25").isoformat()
'2008-10-22T16:28:39.250000+02:00'
>>> parse_exif_datetime("0000:00:00 00:00:00") is None
True
>>> dms_to_decimal([43, 28, 2.814], "S")
-43.467448
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from fractions import Fraction
from typing import Any, BinaryIO

__all__ = [
    "read_exif",
    "exif_groups",
    "parse_exif_datetime",
    "dms_to_decimal",
    "thumbnail_distance",
    "is_image",
    "THUMBNAIL_DIFF_THRESHOLD",
]

#: phash Hamming distance (0-64) above which the EXIF thumbnail is judged to
#: show a different picture from the main image. Same-picture thumbnails in
#: the exif-py corpus score 0-16 (JPEG artefacts, tiny size, letterbox bars
#: trimmed first); unrelated pictures score around 32 (half the bits); the
#: corpus's one edited-after-capture file (tests/35-empty.jpg, re-framed
#: main image) scores 24. 20 sits between.
THUMBNAIL_DIFF_THRESHOLD = 20

_RENAME = {
    "DateTimeDigitized": "CreateDate",
    "DateTime": "ModifyDate",
    "ExifImageLength": "ExifImageHeight",
    "GPSDate": "GPSDateStamp",
}
_DATES = {
    "DateTimeOriginal": ("OffsetTimeOriginal", "SubSecTimeOriginal"),
    "CreateDate": ("OffsetTimeDigitized", "SubSecTimeDigitized"),
    "ModifyDate": ("OffsetTime", "SubSecTime"),
}
_SKIP = {"JPEGThumbnail", "TIFFThumbnail"}
_BINARY_LIMIT = 128
_DT_RE = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_TZ_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


def parse_exif_datetime(
    text: Any, offset: Any = None, subsec: Any = None
) -> dt.datetime | None:
    """Turn an EXIF date string (+ optional ``OffsetTime*``, ``SubSecTime*``) into a datetime.

    Returns ``None`` when ``text`` is not a valid date (blank, zeros). The
    result is timezone-aware when ``offset`` parses (``"+02:00"``, ``"Z"``).
    """
    if not isinstance(text, str):
        return None
    m = _DT_RE.match(text)
    if not m:
        return None
    try:
        value = dt.datetime(*(int(x) for x in m.groups()))
    except ValueError:
        return None
    if isinstance(subsec, (str, int)) and str(subsec).strip().isdigit():
        digits = str(subsec).strip()[:6].ljust(6, "0")
        value = value.replace(microsecond=int(digits))
    if isinstance(offset, str):
        if offset.strip() in ("Z", "+00:00", "-00:00"):
            return value.replace(tzinfo=dt.timezone.utc)
        tz = _TZ_RE.match(offset)
        if tz:
            sign = -1 if tz.group(1) == "-" else 1
            delta = dt.timedelta(hours=int(tz.group(2)), minutes=int(tz.group(3)))
            if delta < dt.timedelta(hours=24):
                return value.replace(tzinfo=dt.timezone(sign * delta))
    return value


def dms_to_decimal(dms: Any, ref: Any = None) -> float | None:
    """Degrees/minutes/seconds (list of numbers) to signed decimal degrees (6 places)."""
    if isinstance(dms, (int, float)):
        parts = [float(dms)]
    elif isinstance(dms, (list, tuple)) and dms:
        try:
            parts = [float(x) for x in dms[:3]]
        except (TypeError, ValueError):
            return None
    else:
        return None
    parts += [0.0] * (3 - len(parts))
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, str) and ref.strip().upper()[:1] in ("S", "W"):
        value = -value
    return round(value, 6)


def _ratio(v: Any) -> float | int:
    if isinstance(v, int):
        return v
    try:
        num, den = v.numerator, v.denominator
    except AttributeError:
        return float(v)
    if den == 0:
        return float("nan")
    f = Fraction(num, den)
    return int(f) if f.denominator == 1 else float(f)


def _typed(tag: Any) -> Any:
    """Convert one exifread IfdTag to a plain typed value."""
    ftype = getattr(tag, "field_type", None)
    values = getattr(tag, "values", None)
    if ftype == 2:  # ASCII
        text = values if isinstance(values, str) else str(tag)
        return text.rstrip("\x00")
    if ftype == 7:  # UNDEFINED
        if isinstance(values, (bytes, bytearray)):
            raw = bytes(values)
        elif isinstance(values, list) and all(isinstance(x, int) and 0 <= x < 256 for x in values):
            raw = bytes(values)
        else:
            return str(tag)
        if len(raw) > _BINARY_LIMIT:
            return f"(binary {len(raw)} bytes)"
        text = raw.rstrip(b"\x00").decode("latin-1")
        if text.isprintable():
            return text
        printable = str(tag)
        return printable if printable.isprintable() and len(printable) < 200 else raw.hex()
    if isinstance(values, (list, tuple)):
        if len(values) > _BINARY_LIMIT:
            return f"(binary {len(values)} values)"
        conv = [_ratio(v) for v in values]
        return conv[0] if len(conv) == 1 else conv
    return str(tag)


def read_exif(fh: BinaryIO) -> dict[str, Any]:
    """Run exifread (with maker notes) on an open file; raw IfdTag mapping.

    Falls back to a run without maker notes when maker-note parsing fails.
    """
    import exifread

    logging.getLogger("exifread").setLevel(logging.CRITICAL)
    try:
        fh.seek(0)
        return dict(exifread.process_file(fh, details=True, extract_thumbnail=True))
    except Exception:  # noqa: BLE001 - exifread raises anything on bad maker notes
        fh.seek(0)
        return dict(exifread.process_file(fh, details=False, extract_thumbnail=True))


def exif_groups(tags: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Turn exifread's mapping into the ``EXIF``, ``EXIF-Thumbnail`` and ``MakerNotes`` groups."""
    main: dict[str, Any] = {}
    thumb: dict[str, Any] = {}
    maker: dict[str, Any] = {}
    for key, tag in tags.items():
        if key in _SKIP:
            continue
        ifd, _, name = key.partition(" ")
        if not name:
            continue
        try:
            value = _typed(tag)
        except Exception:  # noqa: BLE001 - one odd tag must not lose the rest
            value = str(tag)
        if ifd == "Thumbnail":
            thumb.setdefault(name, value)
        elif ifd == "MakerNote":
            maker.setdefault(name, value)
        else:
            main.setdefault(_RENAME.get(name, name), value)
    for name, (off_tag, sub_tag) in _DATES.items():
        if name in main:
            parsed = parse_exif_datetime(main[name], main.get(off_tag), main.get(sub_tag))
            if parsed is not None:
                main[name] = parsed
    for axis in ("Latitude", "Longitude"):
        key = f"GPS{axis}"
        if key in main:
            dec = dms_to_decimal(main[key], main.get(f"{key}Ref"))
            if dec is not None:
                main[key] = dec
    if "GPSAltitude" in main and isinstance(main["GPSAltitude"], (int, float)):
        below = main.get("GPSAltitudeRef") in (1, "1")
        main["GPSAltitude"] = -float(main["GPSAltitude"]) if below else float(main["GPSAltitude"])
    blob = tags.get("JPEGThumbnail") or tags.get("TIFFThumbnail")
    if isinstance(blob, (bytes, bytearray)) and blob:
        thumb["ThumbnailPresent"] = True
        thumb["ThumbnailBytes"] = len(blob)
    elif main or thumb:
        thumb["ThumbnailPresent"] = False
    out = {"EXIF": main, "EXIF-Thumbnail": thumb, "MakerNotes": maker}
    return {k: v for k, v in out.items() if v}


def _trim_bars(img: Any) -> Any:
    """Crop near-black letterbox bars (thumbnails of 3:2 sensors in a 4:3 box)."""
    import numpy as np

    a = np.asarray(img.convert("L"))
    rows = np.where(a.max(axis=1) > 24)[0]
    cols = np.where(a.max(axis=0) > 24)[0]
    if rows.size < 8 or cols.size < 8:
        return img
    return img.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))


def is_image(blob: bytes) -> bool:
    """True when Pillow recognises ``blob`` as an image (header only)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(blob)):
            return True
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def thumbnail_distance(thumb: bytes, main: Any) -> dict[str, Any]:
    """Compare an embedded thumbnail with the main image by pHash.

    ``main`` is a path or an open PIL image (JPEGs are decoded at 1/8
    scale with Pillow's draft mode). Returns ``ThumbnailWidth``,
    ``ThumbnailHeight`` and ``ThumbnailPhashDistance`` (0-64).
    """
    import imagehash
    from PIL import Image

    with Image.open(io.BytesIO(thumb)) as t:
        t.draft("RGB", (256, 256))
        tw, th = t.size
        tim = _trim_bars(t.convert("RGB"))
    own = not isinstance(main, Image.Image)
    im = Image.open(main) if own else main
    try:
        if im.format == "JPEG":
            im.draft("RGB", (max(tw, 64) * 2, max(th, 64) * 2))
        if im.width * im.height > 80_000_000:
            raise ValueError("main image too large for the thumbnail comparison")
        mim = im.convert("RGB")
        mim.thumbnail((512, 512))
    finally:
        if own:
            im.close()
    dist = int(imagehash.phash(tim) - imagehash.phash(mim))
    return {"ThumbnailWidth": tw, "ThumbnailHeight": th, "ThumbnailPhashDistance": dist}
