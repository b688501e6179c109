"""IPTC IIM records from Photoshop image resources (JPEG APP13, 8BIM 0x0404).

Examples
--------
>>> rec = b"\\x1c\\x02\\x78\\x00\\x05hello\\x1c\\x02\\x19\\x00\\x01a\\x1c\\x02\\x19\\x00\\x01b"
>>> parse_iim(rec)
{'Caption-Abstract': 'hello', 'Keywords': ['a', 'b']}
>>> irb = b"8BIM\\x04\\x04\\x00\\x00" + len(rec).to_bytes(4, "big") + rec
>>> parse_iim(photoshop_iptc(irb))["Caption-Abstract"]
'hello'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["photoshop_resources", "photoshop_iptc", "parse_iim", "RECORD2"]

#: IIM record 2 (application record) dataset names, as exiftool spells them.
RECORD2 = {
    0: "ApplicationRecordVersion", 3: "ObjectTypeReference", 4: "ObjectAttributeReference",
    5: "ObjectName", 7: "EditStatus", 10: "Urgency", 12: "SubjectReference",
    15: "Category", 20: "SupplementalCategories", 22: "FixtureIdentifier", 25: "Keywords",
    26: "ContentLocationCode", 27: "ContentLocationName", 30: "ReleaseDate", 35: "ReleaseTime",
    37: "ExpirationDate", 38: "ExpirationTime", 40: "SpecialInstructions", 42: "ActionAdvised",
    45: "ReferenceService", 47: "ReferenceDate", 50: "ReferenceNumber", 55: "DateCreated",
    60: "TimeCreated", 62: "DigitalCreationDate", 63: "DigitalCreationTime",
    65: "OriginatingProgram", 70: "ProgramVersion", 75: "ObjectCycle", 80: "By-line",
    85: "By-lineTitle", 90: "City", 92: "Sub-location", 95: "Province-State",
    100: "Country-PrimaryLocationCode", 101: "Country-PrimaryLocationName",
    103: "OriginalTransmissionReference", 105: "Headline", 110: "Credit", 115: "Source",
    116: "CopyrightNotice", 118: "Contact", 120: "Caption-Abstract", 121: "LocalCaption",
    122: "Writer-Editor", 130: "ImageType", 131: "ImageOrientation", 135: "LanguageIdentifier",
}  # fmt: skip
_REPEATABLE = {4, 12, 20, 25, 26, 27, 45, 47, 50, 80, 85, 118, 122}
_MAX_RESOURCES = 4096


def photoshop_resources(data: bytes) -> dict[int, bytes]:
    """Split Photoshop image resource blocks (``8BIM`` + id + name + size + data)."""
    out: dict[int, bytes] = {}
    pos, n = 0, len(data)
    while pos + 12 <= n and len(out) < _MAX_RESOURCES:
        if data[pos : pos + 4] not in (b"8BIM", b"PHUT", b"DCSR", b"AgHg", b"MeSa"):
            break
        rid = int.from_bytes(data[pos + 4 : pos + 6], "big")
        name_len = data[pos + 6]
        pos += 6 + 1 + name_len
        if (1 + name_len) % 2:
            pos += 1
        if pos + 4 > n:
            break
        size = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        out.setdefault(rid, data[pos : pos + size])
        pos += size + (size % 2)
    return out


def photoshop_iptc(data: bytes) -> bytes | None:
    """Return the IPTC IIM block (resource 0x0404) of Photoshop resources, if any."""
    return photoshop_resources(data).get(0x0404)


def _date(value: str) -> Any:
    v = value.strip()
    if len(v) == 8 and v.isdigit():
        try:
            return dt.date(int(v[:4]), int(v[4:6]), int(v[6:8]))
        except ValueError:
            return value
    return value


def parse_iim(data: bytes) -> dict[str, Any]:
    """Parse IIM datasets; record 2 by name (``By-line``, ``Keywords`` ...), others as ``r:d``.

    Repeatable datasets (keywords, bylines ...) become lists; ``DateCreated``
    becomes a date; text is UTF-8 when record 1:90 says so, else Latin-1.
    """
    raw: list[tuple[int, int, bytes]] = []
    pos, n = 0, len(data)
    while pos + 5 <= n:
        if data[pos] != 0x1C:
            pos += 1
            continue
        rec, ds = data[pos + 1], data[pos + 2]
        size = int.from_bytes(data[pos + 3 : pos + 5], "big")
        pos += 5
        if size & 0x8000:  # extended dataset: next (size & 0x7FFF) bytes hold the length
            nlen = size & 0x7FFF
            if nlen > 4:
                break
            size = int.from_bytes(data[pos : pos + nlen], "big")
            pos += nlen
        raw.append((rec, ds, data[pos : pos + size]))
        pos += size
    utf8 = any(rec == 1 and ds == 90 and b"\x1b%G" in val for rec, ds, val in raw)
    out: dict[str, Any] = {}
    for rec, ds, val in raw:
        if rec == 1:
            continue
        if rec == 2:
            name = RECORD2.get(ds, f"2:{ds}")
        else:
            name = f"{rec}:{ds}"
        if rec == 2 and ds == 0 and len(val) == 2:
            value: Any = int.from_bytes(val, "big")
        else:
            value = val.decode("utf-8" if utf8 else "latin-1", "replace").rstrip("\x00")
        if ds in (30, 37, 47, 55, 62) and rec == 2 and isinstance(value, str):
            value = _date(value)
        if rec == 2 and ds in _REPEATABLE:
            out.setdefault(name, []).append(value)
        else:
            out.setdefault(name, value)
    return out
