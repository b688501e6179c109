"""Metadata: file facts, JPEG structure, EXIF, XMP, IPTC, C2PA, video container, red flags.

``extract(path)`` reads one file into a :class:`MediaMetadata` (grouped
values with a tidy ``.table()``); ``findings(meta, post=None)`` lists red
flags; ``extract_batch(paths)`` does many files, one row each with an
``error`` column; :data:`STEP` is the case step, and ``metadata_table`` /
``findings_table`` turn stored step results into tidy DataFrames.

Examples
--------
>>> import kit.metadata as md
>>> md.STEP.name, md.STEP.kinds
('metadata', ('image', 'video', 'other'))
"""

from kit.metadata.batch import BATCH_COLUMNS, STEP, extract_batch, metadata_table
from kit.metadata.c2pa import AI_SOURCE_TYPES, is_ai_source_type
from kit.metadata.exif import THUMBNAIL_DIFF_THRESHOLD
from kit.metadata.reader import extract, extract_for_step
from kit.metadata.findings import Finding, findings, findings_table, summarise_findings
from kit.metadata.jpeg import estimate_quality, parse_jpeg
from kit.metadata.record import MediaMetadata

__all__ = [
    "AI_SOURCE_TYPES",
    "BATCH_COLUMNS",
    "Finding",
    "MediaMetadata",
    "STEP",
    "THUMBNAIL_DIFF_THRESHOLD",
    "estimate_quality",
    "extract",
    "extract_batch",
    "extract_for_step",
    "findings",
    "findings_table",
    "is_ai_source_type",
    "metadata_table",
    "parse_jpeg",
    "summarise_findings",
]
