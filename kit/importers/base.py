"""What every importer shares: the :class:`Export` it opens, the :class:`IntakeLog` it reports to,
bounded readers for the files of an export, and the small conversions of values.

An export is read as a stream: :attr:`Export.rows` yields one
:class:`kit.manifest.ManifestRow` at a time, so an export of any size is
read in bounded memory. Every record that cannot become a post, and every
doubtful value, is reported to the log with the export file, the record
number (the line of a JSON Lines or CSV file, the message's place in a
Telegram export, 1 for a one-record file) and the reason; the next record
is read all the same.

Examples
--------
>>> import io
>>> log = IntakeLog("tweets.jsonl")
>>> fh = io.BytesIO(b'{"id": 1}\\nnot json\\n\\n[1]\\n')
>>> [(n, v) for n, v in json_lines(fh, log)]
[(1, {'id': 1}), (4, [1])]
>>> log.take()[0]["line"], log.take()
(2, [])
>>> count("1,204", log, 1, "p1", "likes"), count(-3, log, 1, "p1", "likes"), log.take()[0]["reason"]
(1204, None, "ignored: '-3' is not a non-negative whole number")
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import lzma
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kit.containment import PathRefused, open_media, resolve_media
from kit.manifest import MEDIA_SUFFIXES, ManifestRow, parse_time
from kit.records import storable, to_count, walk_folder

__all__ = ["Export", "IntakeLog", "MediaIndex", "MAX_RECORD_BYTES", "MAX_ID_CHARS", "TIME_PLATFORM",
           "TIME_DATE", "TIME_LOCAL", "LINK_TYPES", "open_hashed", "json_lines", "json_files", "each_record", "sibling_names",
           "load_json", "read_json",
           "text", "ident", "count", "when", "media", "post_url_host"]

MAX_RECORD_BYTES = 64 << 20
"""Largest JSON record read (a twarc2 page line, an info.json, a decompressed instaloader file)."""
MAX_ID_CHARS = 512
"""Longest post id, account id or media key kept as an id."""
TIME_PLATFORM, TIME_DATE, TIME_LOCAL = "platform", "date", "local"
"""``posts.time_source``: the platform's own UTC time; a day only (midnight UTC); a local time
without zone, read as UTC (not to be trusted)."""
LINK_TYPES = ("retweet", "quote", "reply", "forward")
"""``posts.link_type``: how ``parent_post_id`` (or ``parent_account``) is linked."""


@dataclass
class IntakeLog:
    """What one export's reading found: issues, field counts, records, files read and skips.

    ``issues`` rows have the columns of :data:`kit.manifest.ISSUE_COLUMNS`;
    the ingest takes them a batch at a time (:meth:`take`). ``fields``
    counts, per field of the export, the records that had it (not empty);
    ``skipped`` counts records that are not posts for the kit (no media, a
    service message), by reason; ``files`` maps each export file read to
    its SHA-256.
    """

    source: str
    issues: list[dict[str, Any]] = field(default_factory=list)
    fields: Counter = field(default_factory=Counter)
    records: int = 0
    skipped: Counter = field(default_factory=Counter)
    files: dict[str, str] = field(default_factory=dict)
    current: str | None = None  # the file being read, for an export of many files
    named: set[Path] = field(default_factory=set)  # media files the export named (resolved inside its folder)

    def issue(self, line: int | None, post_id: str | None, severity: str, fld: str, reason: str, *,
              source: str | None = None) -> None:
        """Report one bad (``error``: not loaded) or doubtful (``warning``) record or value."""
        self.issues.append({"source": source or self.current or self.source, "line": line, "post_id": post_id,
                            "severity": severity, "field": fld, "reason": reason[:1000]})

    def record(self, rec: Any = None, prefix: str = "") -> None:
        """Count one record read and, for a mapping, each field it has (non-empty)."""
        self.records += 1
        if isinstance(rec, Mapping):
            self.fields.update(f"{prefix}{k}" for k, v in rec.items() if v not in (None, "", [], {}))

    def skip(self, reason: str) -> None:
        """Count a record that is not a post for the kit (reported once, as a total, by :meth:`summary`)."""
        self.skipped[reason] += 1

    def take(self) -> list[dict[str, Any]]:
        """The issues reported since the last call (and forget them)."""
        out, self.issues = self.issues, []
        return out

    def summary(self) -> list[dict[str, Any]]:
        """One warning per kind of skipped record, with the total."""
        return [{"source": self.source, "line": None, "post_id": None, "severity": "warning", "field": "",
                 "reason": f"{n} record{'s' * (n != 1)} skipped, not posts for the kit: {why} (counted, not loaded)"}
                for why, n in sorted(self.skipped.items())]


@dataclass(frozen=True)
class Export:
    """One export found in a collection, not read yet.

    ``format`` names the importer; ``source`` is the export file or folder;
    ``name`` is how the ingest and its issues call it (a path relative to
    what the analyst named, never an absolute one); ``media_root`` is the
    folder every media path must stay inside (:mod:`kit.containment`);
    ``rows(log)`` reads the export as a stream of posts.
    """

    format: str
    source: Path
    name: str
    media_root: Path
    rows: Callable[[IntakeLog], Iterator[ManifestRow]]


class _Hashing(io.RawIOBase):
    """A raw reader that hashes what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.raw.readinto(b)
        if n:
            self.sha.update(memoryview(b)[:n])
        return n or 0


@contextlib.contextmanager
def open_hashed(rel: str, root: Path, log: IntakeLog, *, xz: bool = False) -> Iterator[IO[bytes]]:
    """Open an export file inside ``root`` (no link followed); its SHA-256 goes to ``log.files``.

    The digest covers the whole file even when the reader stops early.
    With ``xz`` the file is LZMA-decompressed on the way (instaloader's
    ``.json.xz``). Raises :class:`kit.containment.PathRefused` or ``OSError``.
    """
    raw = open_media(resolve_media(rel, root), root)
    hashing = _Hashing(raw)
    buffered = io.BufferedReader(hashing, 1 << 20)
    try:
        yield lzma.open(buffered) if xz else buffered  # type: ignore[misc]
        while hashing.read(1 << 20):
            pass
        log.files[rel] = hashing.sha.hexdigest()
    finally:
        raw.close()


def load_json(data: bytes | str) -> Any:
    """Parse one JSON text; ``ValueError`` with a plain reason for anything unreadable.

    >>> load_json(b'{"a": 1}')
    {'a': 1}
    >>> load_json(b"[" * 100000)
    Traceback (most recent call last):
    ...
    ValueError: invalid JSON (nested too deeply)
    """
    try:
        return storable(json.loads(data))
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ValueError("invalid JSON (nested too deeply)") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ValueError(f"invalid JSON ({exc})") from None


def read_json(fh: IO[bytes]) -> Any:
    """The one JSON value of a small file (at most :data:`MAX_RECORD_BYTES`); ``ValueError`` else."""
    data = fh.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise ValueError(f"over {MAX_RECORD_BYTES >> 20} MiB: not read (not an export record)")
    return load_json(data)


def json_lines(fh: IO[bytes], log: IntakeLog, *, source: str | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, value) of each non-empty line of a JSON Lines file; bad lines go to ``log``.

    Lines break at ``\\n`` only. A line over :data:`MAX_RECORD_BYTES` is
    skipped without being held in memory.
    """
    number = 0
    while raw := fh.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            log.issue(number, None, "error", "", f"line over {MAX_RECORD_BYTES >> 20} MiB: not read",
                      source=source)
            continue
        if not raw.strip():
            continue
        try:
            yield number, load_json(raw)
        except ValueError as exc:
            log.issue(number, None, "error", "", str(exc), source=source)


def json_files(root: Path, names: list[str], log: IntakeLog, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(name, value) of each one-record JSON file (``.xz`` ones decompressed); bad files go to ``log``.

    While a file's value is being used, ``log.current`` names it (after
    ``prefix``), so every issue reported meanwhile names the file.
    """
    for name in names:
        log.current = prefix + name
        try:
            with open_hashed(name, root, log, xz=name.lower().endswith(".xz")) as fh:
                value = read_json(fh)
        except (OSError, ValueError, EOFError) as exc:  # lzma.LZMAError is an OSError
            log.record()
            log.issue(1, None, "error", "", str(exc) or type(exc).__name__)
            continue
        yield name, value


def each_record(root: Path, names: list[str], log: IntakeLog, prefix: str,
                read: Callable[[Any, str, list[str], Path, IntakeLog], ManifestRow | None]) -> Iterator[ManifestRow]:
    """The posts of a tool's one-record files: ``read(value, name, files beside it, root, log)`` for each."""
    siblings = sibling_names(root, names)
    for name, value in json_files(root, names, log, prefix):
        row = read(value, name, siblings[str((root / name).parent)], root, log)
        if row is not None:
            yield row


def sibling_names(root: Path, names: list[str]) -> dict[str, list[str]]:
    """The file names (hidden ones left out) of each folder holding one of ``names``, listed once."""
    out: dict[str, list[str]] = {}
    for name in names:
        folder = (root / name).parent
        if str(folder) not in out:
            try:
                out[str(folder)] = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
            except OSError:
                out[str(folder)] = []
    return out


# -- values ------------------------------------------------------------------------------------------

def text(value: Any) -> str | None:
    """Text of a scalar (stripped; None when empty, or for a list or mapping).

    >>> text("  a "), text(3), text(None), text({"a": 1}), text(True)
    ('a', '3', None, None, None)
    """
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    out = str(value).strip()
    return out or None


def ident(value: Any) -> str | None:
    """An id (post, account, media key) as text: a whole number or a short string; None else.

    >>> ident(1440716856763977732), ident(" C3abc "), ident(1.5), ident("x" * 600)
    ('1440716856763977732', 'C3abc', None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else None
    out = text(value)
    return out if out is not None and len(out) <= MAX_ID_CHARS and "\x00" not in out else None


def count(value: Any, log: IntakeLog, line: int | None, post_id: str | None, fld: str) -> int | None:
    """A count as the platform reported it, or None; an unusable value is reported and ignored."""
    if value is None or value == "":
        return None
    try:
        return to_count(value)
    except (ValueError, TypeError, OverflowError) as exc:
        log.issue(line, post_id, "warning", fld, f"ignored: {exc}")
        return None


def when(value: Any, log: IntakeLog, line: int | None, post_id: str | None, fld: str, *,
         naive: str = "warn") -> Any:
    """An aware UTC datetime from ISO 8601 or Unix seconds, or None (unreadable values reported).

    A time without a zone is read as UTC and reported, unless ``naive`` is not
    ``"warn"`` (the caller says what such a time is).
    """
    try:
        stamp, warning = parse_time(value)
    except (ValueError, OverflowError, OSError, TypeError) as exc:
        log.issue(line, post_id, "warning", fld, f"unreadable time {str(value)[:80]!r} ({exc})")
        return None
    if warning and naive == "warn":
        log.issue(line, post_id, "warning", fld, warning)
    return stamp


def media(raw: Any, root: Path, log: IntakeLog, line: int | None, post_id: str | None, fld: str,
          *, severity: str = "error") -> Path | None:
    """Resolve a media path the export names, inside ``root`` (:func:`kit.containment.resolve_media`).

    A refused path (absolute, ``..``, a link out, missing, not a regular
    file) is reported with the reason and gives None.
    """
    try:
        found = resolve_media(raw, root)
    except PathRefused as exc:
        log.issue(line, post_id, severity, fld, f"{exc.reason}: {str(raw)[:200]!r}")
        return None
    log.named.add(found)
    return found


_HOSTS = (("twitter.com", "x"), ("x.com", "x"), ("t.me", "telegram"), ("telegram.me", "telegram"),
          ("instagram.com", "instagram"), ("tiktok.com", "tiktok"), ("facebook.com", "facebook"),
          ("fb.watch", "facebook"), ("bsky.app", "bluesky"), ("youtube.com", "youtube"),
          ("youtu.be", "youtube"), ("reddit.com", "reddit"), ("vk.com", "vk"))


def post_url_host(url: str | None) -> str | None:
    """The platform a post URL belongs to, by its host, or None.

    >>> post_url_host("https://mobile.twitter.com/a/status/1"), post_url_host("https://t.me/c/1/2")
    ('x', 'telegram')
    """
    m = re.match(r"[a-z][a-z0-9+.-]*://([^/?#:]+)", url or "", re.I)
    host = m.group(1).lower() if m else ""
    return next((p for h, p in _HOSTS if host == h or host.endswith("." + h)), None)


# -- finding downloaded files --------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_VIDEO = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp", ".ts"}


class MediaIndex:
    """The media files under a folder, found by name, stem or an id in the name.

    For exports that name their media by URL or id only (twarc2, 4CAT): a
    download tool saved them under its own names (the URL's file name,
    ``<tweet id>_<n>.jpg``, ``Title [<media id>].mp4`` ...). The folder is
    listed once, following no link; only media file names count.

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ("E_46ur4VkAEswOJ.jpg", "clip [1558552952549277696].mp4", "clip [1558552952549277696].webp"):
    ...     _ = (root / n).write_bytes(b"x")
    >>> ix = MediaIndex(root)
    >>> ix.find(["E_46ur4VkAEswOJ.jpg"]), ix.find(["7_1558552952549277696", "1558552952549277696"], video=True)
    ('E_46ur4VkAEswOJ.jpg', 'clip [1558552952549277696].mp4')
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: dict[str, list[str]] | None = None

    def _build(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for rel, refusal in walk_folder(self.root):
            suffix = Path(rel).suffix.lower()
            if refusal or suffix not in MEDIA_SUFFIXES:
                continue
            name = Path(rel).name.lower()
            keys = {name, name[: -len(suffix)]} | {t.lower() for t in _TOKEN.findall(name[: -len(suffix)])
                                                    if len(t) >= 6}
            for k in keys:
                names.setdefault(k, []).append(rel)
        return names

    def find(self, keys: list[str | None], *, video: bool = False) -> str | None:
        """The relative path of the first file matching a key (name, stem or id token), or None.

        Among several files for one key, a video when ``video``, else a still.
        """
        if self._names is None:
            self._names = self._build()
        for key in keys:
            found = self._names.get((key or "").lower())
            if found:
                want = [f for f in found if (Path(f).suffix.lower() in _VIDEO) == video]
                return sorted(want or found)[0]
        return None
