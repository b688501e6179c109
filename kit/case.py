"""A Case: one folder, one SQLite file, evidence stored by SHA-256, a custody log, and the analyses on it.

:class:`Case` is what an analyst opens: the stored case
(:class:`kit.casedb.CaseDB`: folder, database, custody, steps, decisions)
with the casework on top: ingest (:mod:`kit.casework.ingest`), matching
(:mod:`kit.casework.matching`), the spread (:mod:`kit.casework.spread`) and
the views over step results (metadata, findings, detector scores).

The case only orchestrates and persists; the analyses are plain functions
wrapped in :class:`kit.steps.Step` objects that :meth:`Case.run` applies to
the media that have no stored result for (sha256, step name, step version).

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> case = Case.create(root / "case", title="Demo", analyst="ana")
>>> (root / "img.jpg").write_bytes(b"\\xff\\xd8\\xff\\xe0 not really a jpeg") and None
>>> case.ingest(root).n_new_posts
1
>>> case.posts()[["post_id", "media_sha256"]].shape
(1, 2)
>>> case.verify().ok
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kit.casedb import MEDIA_COLUMNS, PARENT_KINDS, POST_COLUMNS, RESULT_COLUMNS, CaseDB, VerifyReport
from kit.casework.detections import watermark_findings
from kit.casework.fusion import case_labels, fit_case_fusion, fused_scores, label_files
from kit.casework.ingest import IngestLimits, IngestReport, ingest, ingest_collection, ingest_runs
from kit.casework.matching import case_composites, case_matches, case_variants, composite_findings, run_matching
from kit.casework.references import ReferenceReport, add_references, case_references
from kit.casework.spread import case_spread
from kit.matching.collection import MatchResult
from kit.spread.trace import SpreadResult

__all__ = ["Case", "VerifyReport", "POST_COLUMNS", "MEDIA_COLUMNS", "RESULT_COLUMNS", "PARENT_KINDS"]


class Case(CaseDB):
    """An open case folder. Use :meth:`create` or :meth:`open`, not the constructor."""

    # -- intake ------------------------------------------------------------------
    def ingest(self, source: str | Path, *, format: str = "auto", media_root: str | Path | None = None,
               limits: IngestLimits = IngestLimits(), progress: bool = False) -> IngestReport:
        """Ingest one manifest, export or folder of media (see :func:`kit.casework.ingest.ingest`)."""
        return ingest(self, source, format=format, media_root=media_root, limits=limits, progress=progress)

    def ingest_collection(self, source: str | Path, *, format: str = "auto",
                          media_root: str | Path | None = None, limits: IngestLimits = IngestLimits(),
                          progress: bool = False) -> list[IngestReport]:
        """Ingest every export found in ``source``, one run each (see :func:`kit.casework.ingest.ingest_collection`)."""
        return ingest_collection(self, source, format=format, media_root=media_root, limits=limits,
                                 progress=progress)

    def add_references(self, source: str | Path, *, note: str | None = None,
                       limits: IngestLimits = IngestLimits()) -> ReferenceReport:
        """Add candidate source pictures found outside the collection, without posts (see
        :func:`kit.casework.references.add_references`)."""
        return add_references(self, source, note=note, limits=limits)

    def references(self) -> pd.DataFrame:
        """The reference files the analyst added: sha256, name, source, note, analyst, at."""
        return case_references(self)

    def ingests(self) -> pd.DataFrame:
        """One row per ingest run with its counts and state (finished, running, interrupted)."""
        return ingest_runs(self)

    # -- views over step results -------------------------------------------------------
    def metadata(self) -> pd.DataFrame:
        """Tidy metadata of every stored file: sha256, group, tag, value (see kit.metadata)."""
        from kit.metadata import metadata_table

        return metadata_table(self.results("metadata"))

    def findings(self) -> pd.DataFrame:
        """Red flags per file and post: sha256, post_id, code, severity, message, tag, value (a composite
        of a source photo in the case first, then a decoded generator watermark, then the metadata
        findings)."""
        from kit.metadata import findings_table

        meta = findings_table(self.results("metadata"), self.posts(), media=self.media())
        first = [f for f in (composite_findings(self), watermark_findings(self)) if len(f)]
        return pd.concat([*first, meta], ignore_index=True) if first else meta

    def composites(self) -> pd.DataFrame:
        """Composites found with their source photos (see kit.casework.matching.case_composites)."""
        return case_composites(self)

    def scores(self) -> pd.DataFrame:
        """Detector scores: sha256, detector, version, score, error, explanation (see kit.detectors)."""
        from kit.detectors import scores_table

        return scores_table({n: self.results(n) for n in self.rows.step_names("detector.")})

    def label(self, shas: list[str], label: str | None, note: str | None = None) -> None:
        """Label files ``"fake"`` or ``"real"`` for the detector fusion (None withdraws the label)."""
        label_files(self, list(shas), label, note)

    def labels(self) -> pd.DataFrame:
        """The analyst's labels: sha256, label (1 fake, 0 real)."""
        return case_labels(self)

    def fit_fusion(self, **kwargs: Any) -> dict[str, Any]:
        """Fit and store the fusion of detector scores on the labels (see kit.casework.fusion)."""
        return fit_case_fusion(self, **kwargs)

    def fused_scores(self) -> pd.DataFrame:
        """Raw scores per detector and the stored fusion's calibrated ``probability`` (NaN without one)."""
        return fused_scores(self)

    # -- matching and spread ----------------------------------------------------------
    def match(self, *, progress: bool = False, **params: Any) -> MatchResult:
        """Match every hashed file (see kit.matching.match_collection), store and log the run."""
        return run_matching(self, progress=progress, **params)

    def matches(self) -> pd.DataFrame:
        """Pairs of the latest matching run, analyst decisions applied (see kit.casework.matching)."""
        return case_matches(self)

    def variants(self) -> pd.DataFrame:
        """Variant clusters (id = sha256, cluster, size) from the effective matches."""
        return case_variants(self)

    def spread(self, **kwargs: Any) -> SpreadResult:
        """The spread graph, cascade metrics and likely origin (see kit.casework.spread.case_spread)."""
        return case_spread(self, **kwargs)
