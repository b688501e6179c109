"""What a case bundle may hold, and reading its members safely with bounded memory.

A bundle is data only. Its members are exactly:

    bundle.json, SHA256SUMS, case.sqlite, custody.jsonl, bundle.sig (optional)
    evidence/<sha[:2]>/<sha256>.<ext>      ext: 1-10 lower-case letters or digits
    exports/<name>.<suffix>                 one level, a report, hash list, graph or table
                                            (suffix in :data:`EXPORT_SUFFIXES`)

each a regular file, stored or deflated, unencrypted. :func:`safe_members`
refuses anything else (absolute paths, ``..``, backslashes, links, folders,
duplicates, aliases such as ``./case.sqlite`` or ``case.sqlite-wal``, too many
bytes) before a byte is read. Members are read in 1 MiB chunks; the small ones
that are parsed have a size cap.

Examples
--------
>>> [allowed(n) for n in ("case.sqlite", "case.sqlite-wal", "./case.sqlite", "kit/__init__.py")]
[True, False, False, False]
>>> allowed("evidence/ab/" + "ab" * 32 + ".jpg"), allowed("evidence/cd/" + "ab" * 32 + ".jpg")
(True, False)
>>> allowed("exports/report.html"), allowed("exports/run.py"), allowed("exports/a/b.html")
(True, False, False)
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from kit.errors import KitError

__all__ = ["BundleError", "SUMS", "SIGNATURE", "FIXED", "EXPORT_SUFFIXES", "SMALL_LIMITS", "allowed",
           "evidence_name", "safe_members", "open_zip", "copy_member", "read_small", "read_lines"]

SUMS = "SHA256SUMS"
SIGNATURE = "bundle.sig"
FIXED = ("bundle.json", SUMS, "case.sqlite", "custody.jsonl", SIGNATURE)
EXPORT_SUFFIXES = (".html", ".ipynb", ".txt", ".csv", ".json", ".jsonl", ".graphml", ".pdf", ".png", ".svg")
SMALL_LIMITS = {"bundle.json": 1 << 20, SIGNATURE: 1 << 16, SUMS: 64 << 20}
LINE_LIMIT = 16 << 20  # one custody.jsonl line
CHUNK = 1 << 20
_EVIDENCE = re.compile(r"evidence/([0-9a-f]{2})/(([0-9a-f]{2})[0-9a-f]{62})\.[a-z0-9]{1,10}")
_EXPORT = re.compile(r"exports/[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class BundleError(KitError):
    """A bundle is unsafe to open or cannot be read."""


def evidence_name(name: str) -> str | None:
    """The SHA-256 an evidence member is named after, or None when the name is not one."""
    m = _EVIDENCE.fullmatch(name)
    return m.group(2) if m and m.group(1) == m.group(3) else None


def allowed(name: str) -> bool:
    """Whether ``name`` is a member a bundle may hold (module doc)."""
    if name in FIXED or evidence_name(name):
        return True
    return bool(_EXPORT.fullmatch(name)) and name.lower().endswith(EXPORT_SUFFIXES)


def safe_members(zf: zipfile.ZipFile, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The members, or :class:`BundleError` naming the first one that may not be in a bundle."""
    seen: set[str] = set()
    total = 0
    for info in zf.infolist():
        name = info.filename
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"refused: {name!r} is a symbolic link")
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            raise BundleError(f"refused: {name!r} is an absolute path")
        if "\\" in name or any(part in ("..", "") for part in PurePosixPath(name).parts) \
                or ".." in name.split("/"):
            raise BundleError(f"refused: {name!r} has a '..' or empty path component")
        if name in seen:
            raise BundleError(f"refused: {name!r} appears twice in the archive")
        seen.add(name)
        if info.is_dir() or stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            raise BundleError(f"refused: {name!r} is not a regular file")
        if not allowed(name):
            raise BundleError(f"refused: {name!r} is not a member a bundle may hold (only {', '.join(FIXED)}, "
                              "evidence/<sha[:2]>/<sha256>.<ext> and exports/<report, hash list or graph>)")
        if info.flag_bits & 0x1 or info.compress_type not in _METHODS:
            raise BundleError(f"refused: {name!r} is encrypted or compressed in an unknown way")
        total += info.file_size
        if total > max_bytes:
            raise BundleError(f"refused: the archive unpacks to more than {max_bytes} bytes")
    return zf.infolist()


def open_zip(path: Path) -> zipfile.ZipFile:
    """The zip at ``path``, or :class:`BundleError`."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{path.name}: not a readable zip archive ({exc})", path=path) from exc


_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path | None) -> str:
    """Stream a member through SHA-256 (into ``target`` when given, a new file); return the digest.

    A damaged member (bad CRC, broken deflate data) raises :class:`BundleError`
    naming it; memory stays at one chunk whatever the member's size.
    """
    sha = hashlib.sha256()
    out: IO[bytes] | None = None
    try:
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = open(target, "xb")
        with zf.open(info) as src:
            while chunk := src.read(CHUNK):
                sha.update(chunk)
                if out is not None:
                    out.write(chunk)
    except _READ_ERRORS as exc:
        raise BundleError(f"{info.filename}: damaged member ({exc})") from exc
    finally:
        if out is not None:
            out.close()
    return sha.hexdigest()


def read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member that is parsed whole (bundle.json, SHA256SUMS, bundle.sig), within its size cap."""
    limit = SMALL_LIMITS[info.filename]
    if info.file_size > limit:
        raise BundleError(f"{info.filename}: {info.file_size} bytes, more than the {limit} such a member may have")
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except _READ_ERRORS as exc:
        raise BundleError(f"{info.filename}: damaged member ({exc})") from exc
    if len(data) > limit:
        raise BundleError(f"{info.filename}: more than the {limit} bytes such a member may have")
    return data


def read_lines(path: Path):
    """The lines of an unpacked text member, one at a time; a line over 16 MiB is an error."""
    with open(path, "rb") as fh:
        while line := fh.readline(LINE_LIMIT + 1):
            if len(line) > LINE_LIMIT:
                raise BundleError(f"{path.name}: a line longer than {LINE_LIMIT} bytes")
            yield line
