"""Magic-byte sniffing: content decides the type, not the name."""

from __future__ import annotations

import pytest

from kit.sniff import sniff_bytes, sniff_path


@pytest.mark.parametrize(
    "head, mime, kind",
    [
        pytest.param(b"\xff\xd8\xff\xdb", "image/jpeg", "image", id="jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n", "image/png", "image", id="png"),
        pytest.param(b"GIF89a", "image/gif", "image", id="gif"),
        pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", "image", id="webp"),
        pytest.param(b"II*\x00", "image/tiff", "image", id="tiff"),
        pytest.param(b"\x00\x00\x00\x1cftypheic", "image/heic", "image", id="heic"),
        pytest.param(b"\x00\x00\x00\x1cftypavif", "image/avif", "image", id="avif"),
        pytest.param(b"\x00\x00\x00\x20ftypisom", "video/mp4", "video", id="mp4"),
        pytest.param(b"\x00\x00\x00\x14ftypqt  ", "video/quicktime", "video", id="mov"),
        pytest.param(b"\x1a\x45\xdf\xa3\x9fB\x86\x81\x01webm", "video/webm", "video", id="webm"),
        pytest.param(b"%PDF-1.7", "application/pdf", "other", id="pdf"),
        pytest.param(b"<svg xmlns=", "image/svg+xml", "other", id="svg"),
        pytest.param(b"", "application/octet-stream", "other", id="empty"),
    ],
)
def test_sniff_bytes(head, mime, kind):
    t = sniff_bytes(head)
    assert (t.mime, t.kind) == (mime, kind)


def test_sniff_path_ignores_the_extension(tmp_path):
    p = tmp_path / "photo.png"
    p.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    assert sniff_path(p).ext == "jpg"
