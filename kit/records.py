"""Reading a collection's records: storable values, counts, CSV rows, folder listings.

Shared by the manifest reader (:mod:`kit.manifest`) and the export readers
(:mod:`kit.importers`): what every record of every collection goes through.

Examples
--------
>>> reader = csv.reader(["a,b", "1,2", "", "3"])
>>> header = next(reader)
>>> to_count("1,204"), list(csv_records(reader, header))
(1204, [(2, {'a': '1', 'b': '2'}), (4, {'a': '3', 'b': ''})])
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["MAX_COUNT", "storable", "to_count", "csv_records", "walk_folder"]

MAX_COUNT = 2**63 - 1  # SQLite's INTEGER


def storable(value: Any) -> Any:
    """A JSON value with every string made storable (lone surrogates become U+FFFD).

    Raises ``RecursionError`` for a value nested too deeply to store.

    >>> storable({"a": ["x\\ud800"]})["a"][0].startswith("x\\ufffd")
    True
    """
    return _plain(value)


def to_count(value: Any) -> int:
    """A count as a platform reports it: a whole number >= 0 (``"1,204"`` allowed); ``ValueError`` else.

    >>> to_count("1,204"), to_count(7.0)
    (1204, 7)
    """
    return _engagement(value)


def _text(value: str) -> str:
    """Text that can be stored: lone UTF-16 surrogates (legal in JSON escapes) become U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _plain(value: Any) -> Any:
    """A JSON value with every string made storable (see :func:`_text`)."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_text(str(k)): _plain(v) for k, v in value.items()}
    return value


def _engagement(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a count")
    try:
        number = float(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"{str(value)[:40]!r} is not a non-negative whole number") from None
    if number < 0 or not number.is_integer():
        raise ValueError(f"{str(value)[:40]!r} is not a non-negative whole number")
    if number > MAX_COUNT:
        raise ValueError(f"{str(value)[:40]!r} is larger than any count can be")
    return int(number)


def csv_records(reader: Any, names: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) of each non-empty row after the header, as a stream.

    ``reader`` is a :func:`csv.reader` past its header row, ``names`` the
    column names. A row that cannot be read, or has more cells than there
    are columns, is ``(line, {"__error__": reason})``; short rows are padded.
    """
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, {"__error__": f"unreadable CSV row ({exc})"}
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            yield line, {"__error__": f"{len(cells)} cells but {len(names)} columns"}
            continue
        yield line, dict(zip(names, cells + [""] * (len(names) - len(cells))))


def walk_folder(root: str | Path) -> list[tuple[str, str | None]]:
    """Every file under ``root`` as (relative POSIX path, None), sorted; hidden names skipped.

    Symbolic links to folders are not followed: each is listed with the reason
    instead of None. Files are only listed: open them with
    :func:`kit.containment.resolve_media` and :func:`kit.containment.open_media`.
    """
    root = Path(root)
    entries: list[tuple[str, str | None]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        keep = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                entries.append(((rel_dir / d).as_posix(), "a symbolic link to a folder: not followed"))
            else:
                keep.append(d)
        dirnames[:] = keep
        entries += [((rel_dir / f).as_posix(), None) for f in filenames if not f.startswith(".")]
    return sorted(entries, key=lambda e: Path(e[0]).parts)
