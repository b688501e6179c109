"""One rule for every media path a collection names: it stays inside the collection's folder.

Collections come from other people (a colleague's scrape, a platform export,
a folder a source sent). A hostile one can name ``/home/ana/.ssh/id_ed25519``,
``../../secrets.txt``, a symbolic link that leads out of its folder, a device
file or a FIFO. Manifests, folder ingests and every importer therefore resolve
media paths with :func:`resolve_media` and read them with :func:`open_media`:

- a path is relative to the media root (the manifest's or export's folder, or
  the folder the analyst names with ``--media-root``); absolute paths are refused;
- after every symbolic link is resolved it must still lie inside the root;
- it must be a regular file (not a folder, device, FIFO or socket);
- :func:`open_media` walks from the root one component at a time without
  following any link, so a path swapped for a link after the check is refused too.

Refusals raise :class:`PathRefused` with the reason in plain words; callers turn
it into one intake issue for that row and go on.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "a.jpg").write_bytes(b"\\xff\\xd8\\xff")
>>> resolve_media("a.jpg", root) == (root / "a.jpg").resolve()
True
>>> with open_media(resolve_media("a.jpg", root), root) as fh:
...     fh.read()
b'\\xff\\xd8\\xff'
>>> for raw in ("/etc/passwd", "../x.jpg", "missing.jpg", "."):
...     try:
...         resolve_media(raw, root)
...     except PathRefused as exc:
...         print(exc.reason)
absolute path: media paths are relative to the media folder
'..' leads out of the media folder
media file not found
a folder, not a regular file
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from kit.errors import ManifestError

__all__ = ["PathRefused", "media_root", "resolve_media", "open_media", "describe_mode"]

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


class PathRefused(ManifestError):
    """A media path that a collection may not use; ``reason`` says why in plain words."""

    def __init__(self, raw: object, reason: str) -> None:
        shown = repr(raw)[:200] if not isinstance(raw, str) else repr(raw[:200])
        super().__init__(f"{shown}: {reason}")
        self.reason = reason


def describe_mode(mode: int) -> str:
    """What kind of file a ``st_mode`` is, in words ("a FIFO (named pipe)", "a regular file")."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def media_root(folder: str | os.PathLike[str]) -> Path:
    """The real (link-free) path of a media folder; :class:`kit.errors.ManifestError` if it is none."""
    path = Path(folder)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ManifestError(f"{path}: media folder not found ({exc})", path=path) from exc
    if not real.is_dir():
        raise ManifestError(f"{path}: the media root is not a folder", path=path)
    return real


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_media(raw: object, root: str | os.PathLike[str]) -> Path:
    """Resolve a collection's media path against ``root``; the real path of a regular file inside it.

    Raises :class:`PathRefused` (absolute, ``..`` or a link leading out of the
    root, not found, not a regular file, unreadable).
    """
    if not isinstance(raw, (str, os.PathLike)):
        raise PathRefused(raw, f"not a path ({type(raw).__name__})")
    text = os.fspath(raw)
    if isinstance(text, bytes):
        raise PathRefused(raw, "not a text path")
    if not text.strip():
        raise PathRefused(raw, "empty path")
    if "\x00" in text:
        raise PathRefused(raw, "NUL character in the path")
    if os.path.isabs(text):
        raise PathRefused(raw, "absolute path: media paths are relative to the media folder")
    base = os.path.realpath(root)
    joined = os.path.join(base, text)
    if not _inside(os.path.normpath(joined), base):
        raise PathRefused(raw, "'..' leads out of the media folder")
    try:
        real = os.path.realpath(joined)
    except (OSError, ValueError) as exc:
        raise PathRefused(raw, f"cannot resolve the path ({exc})") from exc
    if not _inside(real, base):
        raise PathRefused(raw, "a symbolic link on this path leads out of the media folder")
    try:
        mode = os.lstat(real).st_mode
    except FileNotFoundError as exc:
        raise PathRefused(raw, "media file not found") from exc
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise PathRefused(raw, "path too long") from exc
        raise PathRefused(raw, f"cannot read the media file ({exc.strerror or exc})") from exc
    if stat.S_ISLNK(mode):  # realpath leaves a link it cannot resolve where it is
        raise PathRefused(raw, "a symbolic link that loops")
    if not stat.S_ISREG(mode):
        raise PathRefused(raw, f"{describe_mode(mode)}, not a regular file")
    return Path(real)


def open_media(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> BinaryIO:
    """Open a path from :func:`resolve_media` for reading, following no link on the way.

    The walk starts at ``root`` and opens one component at a time with
    ``O_NOFOLLOW``; a component that became a link since it was resolved, or a
    file that is no longer a regular one, raises :class:`PathRefused`. Other
    read errors are ``OSError``.
    """
    base = os.path.realpath(root)
    rel = os.path.relpath(os.fspath(path), base)
    parts = Path(rel).parts
    if not parts or os.path.isabs(rel) or parts[0] == os.pardir:
        raise PathRefused(os.fspath(path), "outside the media folder")
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    dir_fd = os.open(base, flags | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            try:
                nxt = os.open(part, flags | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise PathRefused(rel, "a folder on the path is now a symbolic link") from exc
                raise
            os.close(dir_fd)
            dir_fd = nxt
        try:
            fd = os.open(parts[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PathRefused(rel, "the file is now a symbolic link") from exc
            raise
    finally:
        os.close(dir_fd)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise PathRefused(rel, f"{describe_mode(mode)}, not a regular file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")
