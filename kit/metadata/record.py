"""The result type: :class:`MediaMetadata`, grouped values with a tidy long view.

Examples
--------
>>> m = MediaMetadata("a.jpg", "ab" * 32, {"EXIF": {"Make": "NIKON"}, "File": {"Size": 10}})
>>> m.get("EXIF", "Make"), m.get("XMP", "xmp:CreatorTool", "-")
('NIKON', '-')
>>> m.table()
  group   tag  value
0  File  Size     10
1  EXIF  Make  NIKON
>>> MediaMetadata.from_dict(m.to_dict()) == m
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MediaMetadata", "GROUPS", "as_datetime"]

#: Groups in the order they are listed (others follow alphabetically).
GROUPS = (
    "File", "JPEG", "EXIF", "EXIF-Thumbnail", "MakerNotes", "XMP", "IPTC", "C2PA", "Video",
)  # fmt: skip


@dataclass(frozen=True)
class MediaMetadata:
    """Everything read from one file.

    Attributes
    ----------
    path
        The file read.
    sha256
        SHA-256 of its bytes (hex).
    groups
        ``{group: {tag: value}}``; groups are ``File``, ``JPEG``, ``EXIF``,
        ``EXIF-Thumbnail``, ``MakerNotes``, ``XMP``, ``IPTC``, ``C2PA``,
        ``Video`` (only those with content).
    warnings
        Parts that could not be read (``"EXIF: ValueError: ..."``); the rest
        of the file's metadata is still there.
    """

    path: str
    sha256: str
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def get(self, group: str, tag: str, default: Any = None) -> Any:
        """One value, or ``default`` when the group or tag is absent."""
        return (self.groups.get(group) or {}).get(tag, default)

    def rows(self) -> list[tuple[str, str, Any]]:
        """``(group, tag, value)`` triples, groups in :data:`GROUPS` order."""
        order = {g: i for i, g in enumerate(GROUPS)}
        names = sorted(self.groups, key=lambda g: (order.get(g, len(order)), g))
        return [(g, t, v) for g in names for t, v in self.groups[g].items()]

    def table(self) -> Any:
        """Tidy long view: a DataFrame with columns ``group``, ``tag``, ``value``."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["group", "tag", "value"])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (datetimes become ISO strings)."""
        from kit.steps import to_jsonable

        return to_jsonable(self)

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> MediaMetadata:
        """Rebuild from :meth:`to_dict` output (a stored step payload)."""
        return cls(
            path=str(payload.get("path", "")),
            sha256=str(payload.get("sha256", "")),
            groups={str(g): dict(t) for g, t in (payload.get("groups") or {}).items()},
            warnings=tuple(payload.get("warnings") or ()),
        )


def as_datetime(value: Any) -> dt.datetime | None:
    """A datetime from a datetime or an ISO / EXIF-style string, else ``None``.

    Examples
    --------
    >>> as_datetime("2024-01-02T03:04:05+02:00").utcoffset()
    datetime.timedelta(seconds=7200)
    >>> as_datetime("2024:01:02 03:04:05")
    datetime.datetime(2024, 1, 2, 3, 4, 5)
    >>> as_datetime("n/a") is None
    True
    """
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    text = value.strip().replace("Z", "+00:00")
    if text[4:5] == ":" and text[7:8] == ":":
        text = f"{text[:4]}-{text[5:7]}-{text[8:]}"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None
