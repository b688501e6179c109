"""XMP packets: find them in any file and flatten them to ``prefix:Name`` values.

Packets come from a JPEG's APP1 segment, a PNG ``iTXt`` chunk keyed
``XML:com.adobe.xmp``, or (for other files) a byte scan for
``<x:xmpmeta``. Parsing is defensive: packets over :data:`MAX_PACKET` bytes
and packets declaring a DTD or entities are refused (``ValueError``), so a
hostile file cannot blow up memory.

Examples
--------
>>> pkt = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
...        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
...        b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
...        b'xmp:CreatorTool="GIMP 2.10"/></rdf:RDF></x:xmpmeta>')
>>> parse_xmp(pkt)
{'xmp:CreatorTool': 'GIMP 2.10'}
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zlib
from typing import Any

__all__ = ["find_xmp", "parse_xmp", "png_xmp", "MAX_PACKET", "NAMESPACES"]

MAX_PACKET = 4 * 1024 * 1024
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Canonical prefixes for well-known namespaces (files may use others).
NAMESPACES = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/": "xmpDM",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
    "http://www.gimp.org/xmp/": "GIMP",
    "http://ns.microsoft.com/photo/1.0/": "MicrosoftPhoto",
    "http://ns.adobe.com/xap/1.0/g/img/": "xmpGImg",
    "adobe:ns:meta/": "x",
}
_DATE_TAGS = {
    "xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate", "photoshop:DateCreated",
    "exif:DateTimeOriginal", "exif:DateTimeDigitized", "tiff:DateTime",
}  # fmt: skip
_START = re.compile(rb"<x(?:ap)?:x[am]pmeta\b")
_END = re.compile(rb"</x(?:ap)?:x[am]pmeta\s*>")
_RDF_START = re.compile(rb"<rdf:RDF\b")


def find_xmp(data: bytes) -> bytes | None:
    """Return the first XMP packet found by scanning ``data`` (or ``None``).

    Examples
    --------
    >>> find_xmp(b"junk<x:xmpmeta a='1'>x</x:xmpmeta>junk")
    b"<x:xmpmeta a='1'>x</x:xmpmeta>"
    >>> find_xmp(b"nothing here") is None
    True
    """
    m = _START.search(data)
    if m:
        end = _END.search(data, m.end(), m.start() + MAX_PACKET)
        return data[m.start() : end.end()] if end else data[m.start() : m.start() + MAX_PACKET]
    m = _RDF_START.search(data)
    if m:
        end = data.find(b"</rdf:RDF>", m.end(), m.start() + MAX_PACKET)
        if end > 0:
            return data[m.start() : end + len(b"</rdf:RDF>")]
    return None


def png_xmp(data: bytes) -> bytes | None:
    """Return the XMP packet of a PNG's ``iTXt`` chunk ``XML:com.adobe.xmp``."""
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if ctype == b"iTXt" and body.startswith(b"XML:com.adobe.xmp\x00"):
            rest = body[len(b"XML:com.adobe.xmp\x00") :]
            compressed = rest[:1] == b"\x01"
            rest = rest[2:]
            _lang, _, rest = rest.partition(b"\x00")
            _tkey, _, text = rest.partition(b"\x00")
            if compressed:
                d = zlib.decompressobj()
                text = d.decompress(text, MAX_PACKET)
            return text
        if ctype == b"IEND" or length > len(data):
            break
        pos += 12 + length
    return None


def _name(tag: str, prefixes: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        prefix = NAMESPACES.get(uri) or prefixes.get(uri) or uri
        return f"{prefix}:{local}"
    return tag


def _value(elem: ET.Element, prefixes: dict[str, str], depth: int = 0) -> Any:
    if depth > 32:
        return None
    res = elem.get(f"{{{_RDF}}}resource")
    if res is not None:
        return res
    children = list(elem)
    fields = {
        _name(k, prefixes): v
        for k, v in elem.attrib.items()
        if not k.startswith(f"{{{_RDF}}}") and not k.startswith(f"{{{_XML_NS}}}")
    }
    if not children:
        text = (elem.text or "").strip()
        return fields if fields and not text else text
    first = children[0]
    if len(children) == 1 and first.tag in (f"{{{_RDF}}}Seq", f"{{{_RDF}}}Bag", f"{{{_RDF}}}Alt"):
        items = [_value(li, prefixes, depth + 1) for li in first]
        if first.tag.endswith("Alt"):
            return items[0] if items else ""
        return items
    if len(children) == 1 and first.tag == f"{{{_RDF}}}Description":
        return _value(first, prefixes, depth + 1)
    for child in children:
        fields[_name(child.tag, prefixes)] = _value(child, prefixes, depth + 1)
    return fields


def _typed_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def _decode(packet: bytes) -> str:
    """Decode a packet (UTF-8, or UTF-16/32 with or without BOM) to text."""
    head = packet[:4]
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        enc = "utf-32"
    elif head.startswith((b"\xfe\xff", b"\xff\xfe")):
        enc = "utf-16"
    elif head[:1] == b"\x00" and head[1:2] != b"\x00":
        enc = "utf-16-be"
    elif head[1:2] == b"\x00" and head[:1] != b"\x00":
        enc = "utf-16-le"
    else:
        enc = "utf-8"
    text = packet.decode(enc, "replace").strip("\x00 \r\n\t\ufeff")
    return re.sub(r"^<\?xml[^>]*\?>", "", text)


def parse_xmp(packet: bytes) -> dict[str, Any]:
    """Flatten an XMP packet to ``{"prefix:Name": value}``.

    Arrays (``rdf:Seq``/``Bag``) become lists, ``rdf:Alt`` its first
    (default-language) item, structures (``xmpMM:History`` events) dicts;
    well-known dates become datetimes. Raises ``ValueError`` for packets
    that are too big, declare a DTD or entities, or are not well-formed.
    """
    if len(packet) > MAX_PACKET:
        raise ValueError(f"XMP packet of {len(packet)} bytes is over the {MAX_PACKET}-byte cap")
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise ValueError("XMP packet declares a DTD or entities (refused)")
    text = _decode(packet)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ValueError("XMP packet declares a DTD or entities (refused)")
    prefixes: dict[str, str] = {}
    try:
        parser = ET.XMLPullParser(events=("start-ns",))
        parser.feed(text)
        parser.close()
        for event, item in parser.read_events():
            if event == "start-ns":
                prefix, uri = item
                prefixes.setdefault(uri, prefix)
        root = ET.fromstring(text)  # noqa: S314 - DTD/entities refused above
    except ET.ParseError as exc:
        raise ValueError(f"XMP packet is not well-formed XML: {exc}") from exc
    out: dict[str, Any] = {}
    rdfs = [root] if root.tag == f"{{{_RDF}}}RDF" else list(root.iter(f"{{{_RDF}}}RDF"))
    descs = [d for r in rdfs for d in r if d.tag == f"{{{_RDF}}}Description"]
    for desc in descs:
        for k, v in desc.attrib.items():
            if not k.startswith("{") or k.startswith((f"{{{_RDF}}}", f"{{{_XML_NS}}}")):
                continue
            out.setdefault(_name(k, prefixes), v)
        for child in desc:
            out.setdefault(_name(child.tag, prefixes), _value(child, prefixes))
    if not out and root.tag.endswith("xmpmeta"):
        tk = root.get("{adobe:ns:meta/}xmptk")
        if tk:
            out["x:xmptk"] = tk
    for key in _DATE_TAGS & out.keys():
        out[key] = _typed_date(out[key])
    return out
