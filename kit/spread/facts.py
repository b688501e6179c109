"""Media facts for the direction cues, assembled from stored step results.

:func:`media_facts` turns ``case.results("metadata")`` and
``case.results("hash.image")`` / ``("hash.video")`` payloads into one row per
media file (``sha256``), the ``media=`` table of :func:`kit.spread.build`:

``width``, ``height``
    Pixel size (hash payload, else the metadata ``File`` group; videos from
    the ``Video`` group).
``jpeg_quality``
    Estimated JPEG quality (metadata ``JPEG:EstimatedQuality``); None for
    other formats.
``jpeg_tables``
    A short digest of the quantisation tables (equal digests = same encoder
    settings), or None.
``jpeg_luma_table``
    The first quantisation table (the luma one), 64 steps in natural order,
    or None: whether another file carries its lattice
    (:func:`kit.spread.lattice.carries`).
``has_exif``
    True when an ``EXIF`` group is present.
``has_c2pa``
    True when ``C2PA:Present``.
``c2pa_ingredients``
    sha256 of the case files whose original file name is an ingredient title
    of the active C2PA manifest (a list, possibly empty).
``exif_time``
    ``DateTimeOriginal`` (else ``CreateDate``) as a UTC Timestamp when it
    carries a zone offset, else None.
``added_content``
    True when the hash step found a frame, border, caption bar or phone
    screenshot around the picture (``box_reason != "none"`` or
    ``screenshot``).
``added_reason``
    ``"screenshot"``, ``"frame"``, ``"border"`` or None.
``content_box``
    The picture's box ``[x0, y0, x1, y1]`` in pixels (hash payload).
``kind``
    ``"image"`` / ``"video"`` when ``media`` is given.
``path``
    The stored file (``media``'s ``path``), else None: the first-copy choice reads the JPEG
    lattice of look-alike copies from it (:mod:`kit.spread.lattice`).
``error``
    Why a file has no facts (no ok result in either step), else None.

Every media row of ``media`` is kept (batch rule); without ``media`` the
union of the sha256 of both tables is used.

Examples
--------
>>> import pandas as pd
>>> meta = pd.DataFrame({"sha256": ["s1"], "status": ["ok"], "payload": [{"groups": {
...     "File": {"ImageWidth": 800, "ImageHeight": 600}, "JPEG": {"EstimatedQuality": 85},
...     "EXIF": {"DateTimeOriginal": "2026-03-14T19:31:07-04:00"}, "C2PA": {"Present": False}}}]})
>>> f = media_facts(meta)
>>> r = f.to_dict("records")[0]
>>> [r[k] for k in ("width", "jpeg_quality", "has_exif", "has_c2pa")], str(r["exif_time"])
([800, 85, True, False], '2026-03-14 23:31:07+00:00')
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

__all__ = ["FACT_COLUMNS", "luma_table", "media_facts"]

FACT_COLUMNS = ["sha256", "kind", "width", "height", "jpeg_quality", "jpeg_tables", "jpeg_luma_table", "has_exif",
                "has_c2pa", "c2pa_ingredients", "exif_time", "added_content", "added_reason", "content_box", "path",
                "error"]


def luma_table(tables: Any) -> tuple | None:
    """The luma table of a JPEG's quantisation tables (``{id: 64 steps in natural order}``, ids as
    ints or as the metadata step's strings): the lowest id's, as a tuple; None when there is none."""
    if not isinstance(tables, dict) or not tables:
        return None
    t = tables[min(tables, key=lambda k: int(k) if str(k).isdigit() else 99)]
    return tuple(int(x) for x in t) if isinstance(t, (list, tuple)) and len(t) == 64 else None


def _ok_payloads(results: pd.DataFrame | None) -> dict:
    out: dict = {}
    if results is None or not len(results):
        return out
    for r in results.to_dict("records"):
        p = r.get("payload")
        if r.get("status", "ok") == "ok" and isinstance(p, dict) and r.get("sha256"):
            out[r["sha256"]] = p
    return out


def _exif_time(exif: dict) -> pd.Timestamp | None:
    for key in ("DateTimeOriginal", "CreateDate"):
        v = exif.get(key)
        if not isinstance(v, str) or not v:
            continue
        try:
            t = pd.Timestamp(v)
        except (ValueError, TypeError):
            continue
        if t.tzinfo is None:
            off = exif.get("OffsetTimeOriginal") or exif.get("OffsetTime")
            if not isinstance(off, str):
                continue
            try:
                t = pd.Timestamp(v + off)
            except (ValueError, TypeError):
                continue
        return t.tz_convert("UTC")
    return None


def media_facts(metadata: pd.DataFrame | None = None, hashes: pd.DataFrame | None = None,
                media: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row of direction-cue facts per media file (columns in the module doc).

    Parameters
    ----------
    metadata
        ``case.results("metadata")`` (``sha256``, ``status``, ``payload``).
    hashes
        ``case.results("hash.image")`` and/or ``hash.video`` rows.
    media
        ``case.media()``: fixes the rows (one per file) and gives ``kind``
        and ``original_name`` (to resolve C2PA ingredient titles).
    """
    meta, hsh = _ok_payloads(metadata), _ok_payloads(hashes)
    if media is not None and len(media):
        shas = list(media["sha256"])
        kinds = dict(zip(media["sha256"], media["kind"])) if "kind" in media else {}
        paths = dict(zip(media["sha256"], media["path"])) if "path" in media else {}
        names: dict = {}
        if "original_name" in media:
            for s, n in zip(media["sha256"], media["original_name"]):
                if isinstance(n, str) and n:
                    names.setdefault(n.rsplit("/", 1)[-1], []).append(s)
    else:
        shas, kinds, names, paths = sorted(set(meta) | set(hsh)), {}, {}, {}
    rows = []
    for sha in shas:
        m, h = meta.get(sha), hsh.get(sha)
        g = (m or {}).get("groups") or {}
        f, jp, ex, c2, vid = (g.get(k) or {} for k in ("File", "JPEG", "EXIF", "C2PA", "Video"))
        w = (h or {}).get("width") or f.get("ImageWidth") or vid.get("Width") or vid.get("ImageWidth")
        hh = (h or {}).get("height") or f.get("ImageHeight") or vid.get("Height") or vid.get("ImageHeight")
        tables = jp.get("QuantizationTables")
        digest = (hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()[:12]
                  if tables else None)
        ingredients = []
        for ing in c2.get("Ingredients") or []:
            title = str((ing or {}).get("title") or "").rsplit("/", 1)[-1]
            ingredients += [s for s in names.get(title, []) if s != sha]
        reason = None
        if h:
            if h.get("screenshot"):
                reason = "screenshot"
            elif h.get("box_reason") not in (None, "none"):
                reason = str(h["box_reason"])
        q = jp.get("EstimatedQuality")
        rows.append({
            "sha256": sha, "kind": kinds.get(sha, "video" if vid else "image" if (h or f) else None),
            "width": int(w) if w else None, "height": int(hh) if hh else None,
            "jpeg_quality": int(q) if isinstance(q, (int, float)) else None, "jpeg_tables": digest,
            "jpeg_luma_table": luma_table(tables),
            "has_exif": bool(ex) if m is not None else None,
            "has_c2pa": bool(c2.get("Present")) if m is not None else None,
            "c2pa_ingredients": ingredients, "exif_time": _exif_time(ex) if ex else None,
            "added_content": (reason is not None) if h is not None else None, "added_reason": reason,
            "content_box": (h or {}).get("box"), "path": str(paths[sha]) if paths.get(sha) else None,
            "error": None if (m is not None or h is not None) else "no metadata or hash result",
        })
    return pd.DataFrame(rows, columns=FACT_COLUMNS)
