"""JPEG structure: markers, quantization tables, quality estimate, trailing bytes.

The parser walks the marker segments itself (no pixel decoding), so it is fast
and tolerant: a damaged file yields what could be read plus a ``warning``.

Quality is estimated by fitting the IJG (libjpeg) standard tables scaled with
libjpeg's formula (``scale = 5000 / q`` below 50, ``200 - 2 q`` from 50) to the
file's luminance (and chrominance) tables; ``StandardTables`` says whether one
quality reproduces the tables exactly. Cameras and phones use their own tables
(``StandardTables`` False); libjpeg-based re-savers (platforms, editors,
Pillow, OpenCV) produce standard tables.

Examples
--------
>>> import io
>>> from PIL import Image
>>> buf = io.BytesIO()
>>> Image.new("RGB", (16, 16), "red").save(buf, "JPEG", quality=75)
>>> info = parse_jpeg(buf.getvalue() + b"tail")
>>> info.quality, info.standard_tables, info.subsampling, info.trailing_bytes
(75, True, '4:2:0', 4)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "JpegStructure",
    "parse_jpeg",
    "estimate_quality",
    "ijg_table",
    "jpeg_group",
    "STD_LUMINANCE",
    "STD_CHROMINANCE",
    "ZIGZAG",
]

# Tables in natural (row-major) order, from libjpeg jcparam.c (ITU T.81 Annex K).
STD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
STD_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
)  # fmt: skip
# ZIGZAG[k] = natural index of the k-th coefficient in the stream.
ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)  # fmt: skip

_SOF_PROCESS = {
    0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive", 0xC3: "lossless",
    0xC5: "differential sequential", 0xC6: "differential progressive",
    0xC7: "differential lossless", 0xC9: "extended sequential, arithmetic",
    0xCA: "progressive, arithmetic", 0xCB: "lossless, arithmetic",
    0xCD: "differential sequential, arithmetic", 0xCE: "differential progressive, arithmetic",
    0xCF: "differential lossless, arithmetic",
}  # fmt: skip
_XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT_SIG = b"http://ns.adobe.com/xmp/extension/\x00"
_PS_SIG = b"Photoshop 3.0\x00"


@dataclass(frozen=True)
class JpegStructure:
    """What the marker segments of a JPEG say (see :func:`parse_jpeg`)."""

    tables: dict[int, tuple[int, ...]] = field(default_factory=dict)
    process: str | None = None
    progressive: bool = False
    width: int | None = None
    height: int | None = None
    components: tuple[tuple[int, int, int], ...] = ()
    subsampling: str | None = None
    quality: int | None = None
    standard_tables: bool | None = None
    quality_error: float | None = None
    app_segments: tuple[str, ...] = ()
    xmp: bytes | None = None
    photoshop: bytes | None = None
    has_exif: bool = False
    exif: bytes | None = None
    has_icc: bool = False
    has_jumbf: bool = False
    comment: str | None = None
    eoi_offset: int | None = None
    trailing_bytes: int = 0
    trailing_is_jpeg: bool = False
    warning: str | None = None


def ijg_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """The libjpeg table for ``quality`` (1-100), baseline-clamped to 1..255.

    Examples
    --------
    >>> ijg_table(STD_LUMINANCE, 50) == STD_LUMINANCE
    True
    >>> ijg_table(STD_LUMINANCE, 100)[:3]
    (1, 1, 1)
    """
    q = min(max(int(quality), 1), 100)
    scale = 5000 // q if q < 50 else 200 - 2 * q
    return tuple(min(max((v * scale + 50) // 100, 1), 255) for v in base)


@functools.lru_cache(maxsize=4)
def _all_tables(base: tuple[int, ...]) -> Any:
    """The 100 IJG tables (quality 1..100) for ``base`` as a (100, 64) int array."""
    import numpy as np

    return np.array([ijg_table(base, q) for q in range(1, 101)], dtype=np.int64)


def estimate_quality(tables: dict[int, tuple[int, ...]]) -> tuple[int | None, bool | None, float | None]:
    """Fit the IJG tables: ``(quality, exact_match, mean_abs_error)``.

    ``tables`` maps table id to 64 values in natural order; table 0 is
    fitted to the luminance base, table 1 (when present) to chrominance.

    Examples
    --------
    >>> estimate_quality({0: ijg_table(STD_LUMINANCE, 90), 1: ijg_table(STD_CHROMINANCE, 90)})
    (90, True, 0.0)
    >>> estimate_quality({})
    (None, None, None)
    """
    if 0 not in tables or len(tables[0]) != 64:
        return None, None, None
    import numpy as np

    actual = [np.asarray(tables[0], dtype=np.int64)]
    refs = [_all_tables(STD_LUMINANCE)]
    if 1 in tables and len(tables[1]) == 64:
        actual.append(np.asarray(tables[1], dtype=np.int64))
        refs.append(_all_tables(STD_CHROMINANCE))
    errs = sum(np.abs(ref - act).sum(axis=1) for ref, act in zip(refs, actual, strict=True))
    best = int(np.argmin(errs))  # first minimum: the lowest quality that fits best
    q, err = best + 1, int(errs[best])
    n = 64 * len(actual)
    return q, err == 0, round(err / n, 3)


def _subsampling(components: tuple[tuple[int, int, int], ...]) -> str | None:
    if len(components) == 1:
        return "grayscale"
    if len(components) < 3:
        return None
    (_, h0, v0), (_, h1, v1) = components[0], components[1]
    if h1 == 0 or v1 == 0:
        return None
    ratio = (h0 // max(h1, 1), v0 // max(v1, 1))
    return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1",
            (4, 2): "4:1:0"}.get(ratio, f"{h0}x{v0}/{h1}x{v1}")  # fmt: skip


def _parse_dqt(body: bytes, tables: dict[int, tuple[int, ...]]) -> None:
    i = 0
    while i < len(body):
        pq, tq = body[i] >> 4, body[i] & 0x0F
        i += 1
        size = 128 if pq else 64
        raw = body[i : i + size]
        if len(raw) < size:
            raise ValueError("DQT segment ends inside a table")
        vals = [int.from_bytes(raw[2 * k : 2 * k + 2], "big") for k in range(64)] if pq else list(raw)
        natural = [0] * 64
        for k, v in enumerate(vals):
            natural[ZIGZAG[k]] = v
        tables[tq] = tuple(natural)
        i += size


def _skip_entropy(data: bytes, pos: int) -> int:
    """Return the offset of the next real marker (0xFF not followed by 00/RSTn/FF)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            return -1
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1
            continue
        return pos


def parse_jpeg(data: bytes) -> JpegStructure:
    """Walk the JPEG markers in ``data`` (the whole file).

    Never raises for damaged files: what was read before the damage is
    returned with ``warning`` set. Raises ``ValueError`` when ``data`` is not
    a JPEG at all.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG (no SOI marker)")
    out: dict[str, Any] = {"tables": {}, "app_segments": []}
    pos, n = 2, len(data)
    ps_parts: list[bytes] = []
    try:
        while pos < n:
            if data[pos] != 0xFF:
                raise ValueError(f"expected a marker at offset {pos}")
            while pos < n and data[pos] == 0xFF:  # fill bytes
                pos += 1
            if pos >= n:
                break
            marker = data[pos]
            pos += 1
            if marker == 0xD9:  # EOI
                out["eoi_offset"] = pos
                break
            if 0xD0 <= marker <= 0xD7 or marker == 0x01:
                continue
            if pos + 2 > n:
                raise ValueError("file ends inside a marker")
            length = int.from_bytes(data[pos : pos + 2], "big")
            if length < 2 or pos + length > n:
                raise ValueError(f"segment 0x{marker:02X} at {pos - 2} runs past the end of the file")
            body = data[pos + 2 : pos + length]
            seg_end = pos + length
            _segment(marker, body, out, ps_parts)
            pos = seg_end
            if marker == 0xDA:  # SOS: entropy-coded data follows
                nxt = _skip_entropy(data, pos)
                if nxt < 0:
                    raise ValueError("image data ends before the EOI marker (truncated)")
                pos = nxt
    except (ValueError, IndexError) as exc:
        out["warning"] = str(exc)
    return _finish(out, data, ps_parts)


def _segment(marker: int, body: bytes, out: dict[str, Any], ps_parts: list[bytes]) -> None:
    """Record what one marker segment says: quantization tables, frame header, APPn, comment."""
    if marker == 0xDB:
        _parse_dqt(body, out["tables"])
    elif marker in _SOF_PROCESS and "process" not in out:
        out["process"] = _SOF_PROCESS[marker]
        out["progressive"] = marker in (0xC2, 0xC6, 0xCA, 0xCE)
        out["height"] = int.from_bytes(body[1:3], "big")
        out["width"] = int.from_bytes(body[3:5], "big")
        ncomp = body[5] if len(body) > 5 else 0
        comps = []
        for c in range(ncomp):
            b = body[6 + 3 * c : 9 + 3 * c]
            if len(b) == 3:
                comps.append((b[0], b[1] >> 4, b[1] & 0x0F))
        out["components"] = tuple(comps)
    elif 0xE0 <= marker <= 0xEF:
        _app_segment(marker, body, out, ps_parts)
    elif marker == 0xFE and "comment" not in out:
        out["comment"] = body[:2000].decode("utf-8", "replace").rstrip("\x00")


def _app_segment(marker: int, body: bytes, out: dict[str, Any], ps_parts: list[bytes]) -> None:
    """An APPn segment: its name, and the EXIF, XMP, ICC, JUMBF (C2PA) and Photoshop blocks."""
    ident = body[:32].split(b"\x00", 1)[0][:24].decode("latin-1", "replace")
    out["app_segments"].append(f"APP{marker - 0xE0}:{ident}" if ident.isprintable() else f"APP{marker - 0xE0}")
    if marker == 0xE1 and body.startswith(b"Exif\x00"):
        out["has_exif"] = True
        out.setdefault("exif", body[6:])
    elif marker == 0xE1 and body.startswith(_XMP_SIG) and "xmp" not in out:
        out["xmp"] = body[len(_XMP_SIG) :]
    elif marker == 0xE2 and body.startswith(b"ICC_PROFILE\x00"):
        out["has_icc"] = True
    elif marker == 0xEB and body[:2] == b"JP":
        out["has_jumbf"] = True
    elif marker == 0xED and body.startswith(_PS_SIG):
        ps_parts.append(body[len(_PS_SIG) :])


def _finish(out: dict[str, Any], data: bytes, ps_parts: list[bytes]) -> JpegStructure:
    """What follows from the walk: Photoshop block, trailing bytes, subsampling, quality estimate."""
    n = len(data)
    if ps_parts:
        out["photoshop"] = b"".join(ps_parts)
    eoi = out.get("eoi_offset")
    if eoi is not None:
        out["trailing_bytes"] = n - eoi
        out["trailing_is_jpeg"] = data[eoi : eoi + 3] == b"\xff\xd8\xff" or b"\xff\xd8\xff" in data[eoi : eoi + 64]
    comps = out.get("components", ())
    out["subsampling"] = _subsampling(comps) if comps else None
    q, exact, err = estimate_quality(out["tables"])
    out.update(quality=q, standard_tables=exact, quality_error=err)
    out["app_segments"] = tuple(out["app_segments"])
    return JpegStructure(**out)


def jpeg_group(js: JpegStructure) -> dict[str, Any]:
    """The ``JPEG`` group of tidy metadata for one parsed file."""
    g: dict[str, Any] = {
        "Process": js.process,
        "Progressive": js.progressive,
        "ChromaSubsampling": js.subsampling,
        "QuantizationTables": {str(k): list(v) for k, v in sorted(js.tables.items())},
        "EstimatedQuality": js.quality,
        "StandardTables": js.standard_tables,
        "QualityFitError": js.quality_error,
        "AppSegments": list(js.app_segments),
        "HasICCProfile": js.has_icc,
        "HasJUMBF": js.has_jumbf,
        "TrailingBytes": js.trailing_bytes,
        "TrailingIsJPEG": js.trailing_is_jpeg,
    }
    if js.comment:
        g["Comment"] = js.comment
    if js.eoi_offset is None:
        g["MissingEOI"] = True
    if js.warning:
        g["Warning"] = js.warning
    return {k: v for k, v in g.items() if v is not None}
