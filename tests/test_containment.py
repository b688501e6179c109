"""kit.containment: a collection's media paths stay inside its folder, whatever the path says."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kit.containment import PathRefused, media_root, open_media, resolve_media
from kit.errors import ManifestError

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- not really"


@pytest.fixture()
def layout(tmp_path: Path) -> Path:
    """tmp/outside/secret.txt, tmp/root/{a.jpg, sub/b.jpg, links...}; returns root."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "a.jpg").write_bytes(b"\xff\xd8\xff a")
    (root / "sub" / "b.jpg").write_bytes(b"\xff\xd8\xff b")
    (root / "out.jpg").symlink_to(outside / "secret.txt")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "in.jpg").symlink_to(root / "sub" / "b.jpg")
    (root / "indir").symlink_to(root / "sub", target_is_directory=True)
    (root / "rel_out.jpg").symlink_to(Path("..") / "outside" / "secret.txt")
    (root / "loop.jpg").symlink_to(root / "loop.jpg")
    (root / "dangling.jpg").symlink_to(root / "nothing.jpg")
    (root / "null.jpg").symlink_to("/dev/null")
    os.mkfifo(root / "fifo.jpg")
    return root


@pytest.mark.parametrize("raw, expected", [
    pytest.param("a.jpg", "a.jpg", id="plain"),
    pytest.param("sub/b.jpg", "sub/b.jpg", id="subfolder"),
    pytest.param("./sub/../a.jpg", "a.jpg", id="dotdot-inside"),
    pytest.param("in.jpg", "sub/b.jpg", id="link-inside"),
    pytest.param("indir/b.jpg", "sub/b.jpg", id="linked-folder-inside"),
])
def test_paths_inside_resolve_to_the_real_file(layout, raw, expected):
    assert resolve_media(raw, layout) == (layout / expected).resolve()


@pytest.mark.parametrize("raw, reason", [
    pytest.param("ABS", "absolute path", id="absolute"),
    pytest.param("../outside/secret.txt", "'..' leads out", id="dotdot"),
    pytest.param("sub/../../outside/secret.txt", "'..' leads out", id="dotdot-deep"),
    pytest.param("out.jpg", "symbolic link on this path leads out", id="link-out"),
    pytest.param("rel_out.jpg", "symbolic link on this path leads out", id="relative-link-out"),
    pytest.param("outdir/secret.txt", "symbolic link on this path leads out", id="linked-folder-out"),
    pytest.param("null.jpg", "symbolic link on this path leads out", id="link-to-device"),
    pytest.param("fifo.jpg", "FIFO", id="fifo"),
    pytest.param("sub", "a folder", id="folder"),
    pytest.param(".", "a folder", id="root-itself"),
    pytest.param("missing.jpg", "not found", id="missing"),
    pytest.param("dangling.jpg", "not found", id="dangling-link"),
    pytest.param("loop.jpg", "loops", id="link-loop"),
    pytest.param("a\x00.jpg", "NUL", id="nul"),
    pytest.param("  ", "empty", id="blank"),
    pytest.param("x" * 5000, "path too long", id="too-long"),
    pytest.param(["a.jpg"], "not a path", id="a-list"),
    pytest.param(7, "not a path", id="a-number"),
])
def test_hostile_paths_are_refused_with_a_reason(layout, raw, reason):
    if raw == "ABS":
        raw = str(layout.parent / "outside" / "secret.txt")
    with pytest.raises(PathRefused) as info:
        resolve_media(raw, layout)
    assert reason in info.value.reason
    assert isinstance(info.value, ManifestError)


def test_a_socket_is_refused(layout):
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(layout / "s.jpg"))
        with pytest.raises(PathRefused, match="socket"):
            resolve_media("s.jpg", layout)
    finally:
        sock.close()


def test_open_media_refuses_a_file_swapped_for_a_link_after_the_check(layout):
    real = resolve_media("a.jpg", layout)
    real.unlink()
    real.symlink_to(layout.parent / "outside" / "secret.txt")  # the swap
    with pytest.raises(PathRefused, match="now a symbolic link"):
        open_media(real, layout)


def test_open_media_refuses_a_folder_swapped_for_a_link_after_the_check(layout):
    real = resolve_media("sub/b.jpg", layout)
    (layout / "sub").rename(layout / "sub_old")
    (layout / "sub").symlink_to(layout.parent / "outside", target_is_directory=True)
    (layout.parent / "outside" / "b.jpg").write_bytes(SECRET)
    with pytest.raises(PathRefused, match="folder on the path is now a symbolic link"):
        open_media(real, layout)


def test_open_media_refuses_a_fifo_without_blocking(layout):
    with pytest.raises(PathRefused, match="FIFO"):
        open_media(layout / "fifo.jpg", layout)  # O_NONBLOCK: no writer needed to return


def test_open_media_refuses_paths_outside_the_root(layout):
    with pytest.raises(PathRefused, match="outside the media folder"):
        open_media(layout.parent / "outside" / "secret.txt", layout)


def test_media_root_must_be_a_folder(tmp_path):
    with pytest.raises(ManifestError, match="media folder not found"):
        media_root(tmp_path / "none")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ManifestError, match="not a folder"):
        media_root(tmp_path / "f")


def test_scale_parquet_paths_follow_the_same_rule(layout):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from kit.scale import collection_items

    table = layout / "items.parquet"
    pd.DataFrame({"post_id": ["p1", "p2", "p3"],
                  "media_path": ["a.jpg", "out.jpg", str(layout / "a.jpg")]}).to_parquet(table)
    items = collection_items(table).set_index("post_id")
    assert items.loc["p1", "media_path"] == str((layout / "a.jpg").resolve()) and pd.isna(items.loc["p1", "error"])
    assert pd.isna(items.loc["p2", "media_path"]) and "leads out" in items.loc["p2", "error"]
    assert "absolute path" in items.loc["p3", "error"]
