"""Hash lists for platforms: the incident's confirmed variants as block-list signals.

Which files go in: every file in a variant cluster of two or more files
(clusters join only through "match" pairs or the analyst's confirmations,
so everything here is confirmed or above threshold), minus files the
analyst rejected from every pair, plus any cluster named explicitly.

Formats:

- ``hma``: Meta's Hasher-Matcher-Actioner local file, one signal per line as
  ``<signal_type> <signal>`` (``pdq <hex>`` for images and for every video
  frame hash; ``video_md5 <md5>`` for videos), as read by
  python-threatexchange's ``LocalFileSignalExchangeAPI``.
- ``csv``: one row a signal: signal_type (pdq / md5 / sha256 / vpdq),
  signal (vPDQ rows carry the ``frame,quality,pdq_hex,seconds`` line),
  content_type, sha256, quality, cluster, label.
- ``stopncii-style``: ``hash_type,hash_value,label`` rows with PDQ and MD5
  only, the two hash kinds StopNCII-type programmes exchange.

Each export is logged in the custody chain with its SHA-256. Text cells of
the CSV formats (labels come from the analyst or the case) are defused for
spreadsheets (:func:`kit.safetext.csv_cell`): ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kit._version import __version__
from kit.errors import KitError
from kit.digest import hash_file
from kit.safetext import csv_text

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["FORMATS", "HashListError", "HashListResult", "signals", "export_hashlist",
           "parse_hma", "MIN_PDQ_QUALITY"]

FORMATS = ("hma", "csv", "stopncii-style")
MIN_PDQ_QUALITY = 50
CSV_COLUMNS = ["signal_type", "signal", "content_type", "sha256", "quality", "cluster", "label"]


class HashListError(KitError):
    """The hash list cannot be produced (nothing hashed, unknown format, no variants)."""


@dataclass(frozen=True)
class HashListResult:
    """What was written: path, format, number of files and signals, SHA-256 of the file."""

    path: Path
    format: str
    n_files: int
    n_signals: int
    sha256: str


def signals(case: Case, *, clusters: list[int] | None = None, label: str | None = None) -> pd.DataFrame:
    """The signals of the incident's variants (columns :data:`CSV_COLUMNS`)."""
    variants = case.variants()
    chosen = variants[variants["size"] >= 2] if clusters is None else \
        variants[variants["cluster"].isin(clusters)]
    if chosen.empty:
        raise HashListError("no variant cluster to export: run matching or confirm matches first")
    label = label or f"dfkit case {case.meta().get('case_id', '')[:12]}"
    results = {}
    for step in ("hash.image", "hash.video"):
        r = case.results(step)
        results.update({row.sha256: row.payload for row in r.itertuples() if row.status == "ok"})
    media = case.media().set_index("sha256")
    rows = []
    for item in chosen.itertuples(index=False):
        payload = results.get(item.id)
        kind = media.loc[item.id, "kind"]
        common = {"content_type": kind, "sha256": item.id, "cluster": int(item.cluster),
                  "label": f"{label} cluster {int(item.cluster)}"}
        rows.append({**common, "signal_type": "md5", "signal": media.loc[item.id, "md5"], "quality": None})
        rows.append({**common, "signal_type": "sha256", "signal": item.id, "quality": None})
        if payload is None:
            continue
        if kind == "image" and payload.get("pdq"):
            rows.append({**common, "signal_type": "pdq", "signal": payload["pdq"],
                         "quality": payload.get("pdq_quality")})
        for line in payload.get("vpdq", []) if kind == "video" else []:
            rows.append({**common, "signal_type": "vpdq", "signal": line,
                         "quality": int(line.split(",")[1])})
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def _render(df: pd.DataFrame, fmt: str) -> str:
    if fmt == "hma":
        lines = []
        for r in df.itertuples(index=False):
            if r.signal_type == "pdq" and (r.quality or 0) >= MIN_PDQ_QUALITY:
                lines.append(f"pdq {r.signal}")
            elif r.signal_type == "vpdq" and (r.quality or 0) >= MIN_PDQ_QUALITY:
                lines.append(f"pdq {r.signal.split(',')[2]}")
            elif r.signal_type == "md5" and r.content_type == "video":
                lines.append(f"video_md5 {r.signal}")
        return "".join(f"{line}\n" for line in dict.fromkeys(lines))
    if fmt == "csv":
        return csv_text(df)
    rows = [[r.signal_type, r.signal, r.label] for r in df.itertuples(index=False)
            if r.signal_type == "md5" or (r.signal_type == "pdq" and (r.quality or 0) >= MIN_PDQ_QUALITY)]
    return csv_text(rows, header=["hash_type", "hash_value", "label"])


def export_hashlist(case: Case, out: str | Path | None = None, *, fmt: str = "hma",
                    clusters: list[int] | None = None, label: str | None = None) -> HashListResult:
    """Write the hash list (default ``exports/hashes-<fmt>.txt|csv``) and log it."""
    if fmt not in FORMATS:
        raise HashListError(f"unknown hash-list format {fmt!r} (choose from {', '.join(FORMATS)})")
    df = signals(case, clusters=clusters, label=label)
    text = _render(df, fmt)
    suffix = "txt" if fmt == "hma" else "csv"
    path = Path(out) if out else case.path / "exports" / f"hashes-{fmt}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    n_signals = sum(1 for line in text.splitlines() if line) - (0 if fmt == "hma" else 1)
    digest = hash_file(path)[0]
    case.log("hashlist.exported", path.name, {
        "sha256": digest, "format": fmt, "files": int(df["sha256"].nunique()), "signals": n_signals,
        "clusters": sorted(int(c) for c in df["cluster"].unique()), "kit_version": __version__})
    return HashListResult(path, fmt, int(df["sha256"].nunique()), n_signals, digest)


def parse_hma(text: str) -> list[tuple[str, str]]:
    """Read an HMA local file the way python-threatexchange does: ``(signal_type, signal)`` pairs.

    >>> parse_hma("pdq ab12\\n\\nvideo_md5 ff\\n")
    [('pdq', 'ab12'), ('video_md5', 'ff')]
    """
    out = []
    for line in text.splitlines():
        signal_type, _, signal = line.strip().partition(" ")
        if signal_type and signal:
            out.append((signal_type, signal))
    return out
