"""kit.metadata.xmp: finding and flattening XMP packets, refusing hostile ones."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from kit.metadata import extract
from kit.metadata.xmp import MAX_PACKET, find_xmp, parse_xmp, png_xmp

EXIFTOOL = shutil.which("exiftool")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _packet(body: str, ns: str = "") -> bytes:
    return (
        f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{RDF}"><rdf:Description rdf:about="" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        f'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" {ns}>{body}'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        pytest.param("<xmp:CreatorTool>GIMP 2.10</xmp:CreatorTool>", "xmp:CreatorTool", "GIMP 2.10", id="element"),
        pytest.param("<dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>",
                     "dc:subject", ["a", "b"], id="bag"),
        pytest.param('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">T</rdf:li></rdf:Alt></dc:title>',
                     "dc:title", "T", id="alt"),
        pytest.param("<xmp:CreateDate>2024-01-02T03:04:05+01:00</xmp:CreateDate>", "xmp:CreateDate",
                     dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))), id="date"),
        pytest.param("<xmpMM:History><rdf:Seq><rdf:li stEvt:action='saved' "
                     "stEvt:softwareAgent='Adobe Photoshop 24.1'/></rdf:Seq></xmpMM:History>",
                     "xmpMM:History", [{"stEvt:action": "saved", "stEvt:softwareAgent": "Adobe Photoshop 24.1"}],
                     id="history-attrs"),
        pytest.param("<xmpMM:History><rdf:Seq><rdf:li rdf:parseType='Resource'><stEvt:action>created"
                     "</stEvt:action></rdf:li></rdf:Seq></xmpMM:History>",
                     "xmpMM:History", [{"stEvt:action": "created"}], id="history-elements"),
        pytest.param("<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/"
                     "trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>", "Iptc4xmpExt:DigitalSourceType",
                     "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia", id="dst"),
    ],
)  # fmt: skip
def test_parse_values(body: str, key: str, expected: object) -> None:
    assert parse_xmp(_packet(body))[key] == expected


def test_attribute_form_and_unknown_prefix() -> None:
    out = parse_xmp(_packet("", ns='xmlns:foo="http://example.com/foo/" foo:Bar="1" xmp:Rating="3"'))
    assert out == {"foo:Bar": "1", "xmp:Rating": "3"}


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le", "utf-16"], ids=str)
def test_utf16_packets(encoding: str) -> None:
    pkt = _packet("<xmp:CreatorTool>Tool</xmp:CreatorTool>").decode().encode(encoding)
    assert parse_xmp(pkt)["xmp:CreatorTool"] == "Tool"


@pytest.mark.parametrize(
    ("packet", "match"),
    [
        pytest.param(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>',
                     "DTD", id="entities"),
        pytest.param(b"<x:xmpmeta " + b"a" * (MAX_PACKET + 1), "cap", id="oversize"),
        pytest.param(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><unclosed>", "well-formed", id="malformed"),
    ],
)  # fmt: skip
def test_hostile_packets_are_refused(packet: bytes, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_xmp(packet)


def test_find_xmp_in_arbitrary_bytes() -> None:
    pkt = _packet("<xmp:CreatorTool>X</xmp:CreatorTool>")
    found = find_xmp(b"\x00" * 100 + pkt + b"\x00" * 100)
    assert found is not None and parse_xmp(found)["xmp:CreatorTool"] == "X"
    assert find_xmp(b"<x:xmpmeta but never closed") == b"<x:xmpmeta but never closed"


def test_png_itxt(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", _packet("<xmp:CreatorTool>PNG tool</xmp:CreatorTool>").decode(), zip=True)
    p = tmp_path / "x.png"
    Image.new("RGB", (4, 4)).save(p, pnginfo=info)
    assert png_xmp(p.read_bytes()) is not None
    assert extract(p, c2pa=False).get("XMP", "xmp:CreatorTool") == "PNG tool"


def test_bad_packet_in_file_is_a_warning(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta xmlns:x='adobe:ns:meta/'><broken>")
    p = tmp_path / "bad.png"
    Image.new("RGB", (4, 4)).save(p, pnginfo=info)
    meta = extract(p, c2pa=False)
    assert "XMP" not in meta.groups
    assert any(w.startswith("XMP: ValueError") for w in meta.warnings)
    assert meta.get("File", "ImageWidth") == 4


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
def test_exiftool_written_xmp(tmp_path: Path) -> None:
    p = tmp_path / "x.jpg"
    Image.new("RGB", (8, 8)).save(p)
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", "-XMP-xmp:CreatorTool=Adobe Photoshop 25.0",
                    "-XMP-dc:Subject=one", "-XMP-dc:Subject=two", "-XMP-photoshop:Headline=Big news", str(p)],
                   check=True, timeout=60)  # fmt: skip
    xmp = extract(p, c2pa=False).groups["XMP"]
    assert xmp["xmp:CreatorTool"] == "Adobe Photoshop 25.0"
    assert xmp["dc:subject"] == ["one", "two"]
    assert xmp["photoshop:Headline"] == "Big news"
