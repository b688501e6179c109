"""Cryptographic digests of files: the one place a file's SHA-256 and MD5 are computed.

Examples
--------
>>> import tempfile, os
>>> with tempfile.NamedTemporaryFile(delete=False) as fh:
...     _ = fh.write(b"abc")
>>> hash_file(fh.name)[1], hash_file(fh.name)[2]
('900150983cd24fb0d6963f7d28e17f72', 3)
>>> os.unlink(fh.name)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["CHUNK", "hash_file", "hash_bytes"]

CHUNK = 1 << 20


def hash_file(path: str | Path) -> tuple[str, str, int]:
    """Return ``(sha256, md5, size)`` of a file, read once in 1 MiB chunks."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0  # noqa: S324 - MD5 is a lookup key
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size


def hash_bytes(data: bytes) -> tuple[str, str, int]:
    """Return ``(sha256, md5, size)`` of bytes already in memory."""
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), len(data)  # noqa: S324
