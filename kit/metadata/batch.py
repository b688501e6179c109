"""Many files at once: :func:`extract_batch`, the case :data:`STEP` and the tidy table.

Examples
--------
>>> import pandas as pd
>>> res = pd.DataFrame([{"sha256": "ab", "status": "ok", "error": None,
...     "payload": {"path": "p", "sha256": "ab", "groups": {"EXIF": {"Make": "X"}}, "warnings": []}},
...     {"sha256": "cd", "status": "error", "error": "boom", "payload": None}])
>>> metadata_table(res)
  sha256 group   tag value
0     ab  EXIF  Make     X
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kit.metadata.reader import extract, extract_for_step
from kit.metadata.record import MediaMetadata
from kit.steps import Step

__all__ = ["STEP", "extract_batch", "metadata_table", "BATCH_COLUMNS", "TOOL"]

TOOL = "kit.metadata (exifread 3.5.1, c2pa-python 0.38.1, Pillow 13.0.0, ffprobe or OpenCV 4.14)"

#: The case step: runs :func:`kit.metadata.extract` on images, videos and other files.
STEP = Step(
    name="metadata",
    version="1",
    func=extract_for_step,
    kinds=("image", "video", "other"),
    tool=TOOL,
    isolate=True,
    timeout=60.0,
    description="File facts, JPEG structure, EXIF, XMP, IPTC, C2PA and video container metadata.",
)

#: Columns of :func:`extract_batch`.
BATCH_COLUMNS = ["path", "sha256", "status", "error", "seconds", "n_tags", "n_warnings", "metadata"]


def _row(path: str, result: MediaMetadata | None, error: str | None, seconds: float) -> dict[str, Any]:
    return {
        "path": path,
        "sha256": result.sha256 if result else None,
        "status": "ok" if result is not None else "error",
        "error": error,
        "seconds": round(seconds, 4),
        "n_tags": len(result.rows()) if result else 0,
        "n_warnings": len(result.warnings) if result else 0,
        "metadata": result,
    }


def _extract_one(path: str, kwargs: dict[str, Any]) -> MediaMetadata:
    """Top-level (picklable) worker function for the sandbox."""
    return extract(path, **kwargs)


def extract_batch(
    paths: Iterable[str | Path],
    *,
    sandbox: Any = None,
    isolate: bool = True,
    timeout: float = 10.0,
    progress: bool = False,
    **kwargs: Any,
) -> Any:
    """Extract metadata for many files: one row per file, failures as error rows.

    Parameters
    ----------
    paths
        Files to read.
    sandbox
        A :class:`kit.sandbox.Sandbox` to run each file in (decoder crashes
        and hangs become error rows). One is created for the batch when
        ``isolate`` is true and none is given.
    isolate
        Run in a sandbox (default). ``False`` runs in this process (faster,
        but a crashing library would take the caller down).
    timeout
        Seconds per file in the sandbox.
    progress
        Show a tqdm progress bar.
    **kwargs
        Passed to :func:`kit.metadata.extract` (``c2pa=``, ``thumbnail=`` ...).

    Returns
    -------
    pandas.DataFrame
        :data:`BATCH_COLUMNS`: ``metadata`` holds the :class:`MediaMetadata`
        (``None`` on error), ``error`` the reason (``None`` when ok).
    """
    import pandas as pd

    items = [str(p) for p in paths]
    it: Iterable[str] = items
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(items, desc="metadata", unit="file")
    rows = []
    own = None
    if sandbox is None and isolate:
        from kit.sandbox import Sandbox

        sandbox = own = Sandbox(timeout=timeout)
    try:
        for path in it:
            start = time.perf_counter()
            try:
                if sandbox is not None:
                    meta = sandbox.call(_extract_one, path, kwargs, timeout=timeout)
                else:
                    meta = extract(path, **kwargs)
                rows.append(_row(path, meta, None, time.perf_counter() - start))
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
                rows.append(_row(path, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start))
    finally:
        if own is not None:
            own.close()
    return pd.DataFrame(rows, columns=BATCH_COLUMNS)


def metadata_table(results: Any) -> Any:
    """Tidy long view of stored results: columns ``sha256``, ``group``, ``tag``, ``value``.

    ``results`` is ``case.results("metadata")`` (``sha256``, ``status``,
    ``payload``) or an :func:`extract_batch` frame (``sha256``,
    ``metadata``). Failed items have no rows here (see the ``error`` column
    of the input, or :func:`kit.metadata.findings_table`'s ``METADATA_ERROR``).
    """
    import pandas as pd

    rows = []
    for rec in results.to_dict("records"):
        meta = rec.get("metadata")
        if meta is None and isinstance(rec.get("payload"), dict) and rec.get("status", "ok") == "ok":
            meta = MediaMetadata.from_dict(rec["payload"])
        if not isinstance(meta, MediaMetadata):
            continue
        sha = rec.get("sha256") or meta.sha256
        rows.extend((sha, g, t, v) for g, t, v in meta.rows())
    return pd.DataFrame(rows, columns=["sha256", "group", "tag", "value"])
