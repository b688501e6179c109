"""Intake: ingest a manifest or folder (with a progress bar), the intake report, the evidence table.

Composes ``case.ingest``, ``case.intake_report``, ``case.posts`` / ``case.media`` and
:mod:`kit.metadata` (``metadata_table``, ``findings_table``). Filters on EXIF, C2PA
and findings need the ``metadata`` step; until it has run they are disabled and
the app says "not computed yet".

Examples
--------
>>> import tempfile, pathlib
>>> from kit.case import Case
>>> app = IntakeApp(Case.create(pathlib.Path(tempfile.mkdtemp()) / "c"))
>>> len(app.value), app.has_exif.disabled
(0, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from kit.widgets.common import html_table, not_computed, note
from kit.widgets.static import StaticView

__all__ = ["IntakeApp", "EVIDENCE_COLUMNS"]

EVIDENCE_COLUMNS = ["post_id", "platform", "account", "posted_at", "kind", "mime", "size", "has_exif", "has_c2pa",
                    "n_findings", "media_sha256"]
_TRI = [("any", None), ("yes", True), ("no", False)]


class IntakeApp(StaticView, widgets.VBox):
    """Ingest and browse the evidence; ``.value`` is the filtered evidence table (:data:`EVIDENCE_COLUMNS`)."""

    def __init__(self, case: Any, *, source: str | Path | None = None) -> None:
        self.case = case
        self.source = widgets.Text(value=str(source or ""), description="manifest",
                                   placeholder="manifest.csv / .jsonl, or a folder of media",
                                   layout=widgets.Layout(width="70%"))
        self.ingest_button = widgets.Button(description="Ingest", icon="upload", button_style="primary")
        self.progress = widgets.Output()
        self.last = widgets.HTML()
        self.report = widgets.HTML()
        self.platform = widgets.Dropdown(description="platform", options=["any"])
        self.kind = widgets.Dropdown(description="type", options=["any", "image", "video", "other"])
        self.has_exif = widgets.Dropdown(description="has EXIF", options=_TRI)
        self.has_c2pa = widgets.Dropdown(description="has C2PA", options=_TRI)
        self.has_findings = widgets.Dropdown(description="findings", options=_TRI)
        self.table = widgets.HTML()
        self.findings = widgets.HTML()
        self._evidence = pd.DataFrame(columns=EVIDENCE_COLUMNS)
        super().__init__([widgets.HTML("<h3>Intake</h3>"), widgets.HBox([self.source, self.ingest_button]),
                          self.progress, self.last, widgets.HTML("<b>Intake report (bad or doubtful rows)</b>"),
                          self.report, widgets.HTML("<b>Evidence</b>"),
                          widgets.HBox([self.platform, self.kind]),
                          widgets.HBox([self.has_exif, self.has_c2pa, self.has_findings]), self.table,
                          widgets.HTML("<b>Findings</b>"), self.findings])
        self.add_class("dfk-intake")
        self.ingest_button.on_click(lambda _b: self.ingest())
        for w in (self.platform, self.kind, self.has_exif, self.has_c2pa, self.has_findings):
            w.observe(lambda _c: self.apply_filters(), "value")
        self.refresh()

    @property
    def value(self) -> pd.DataFrame:
        return self._evidence

    def ingest(self, source: str | Path | None = None) -> Any:
        """Ingest ``source`` (default: the text field) with a progress bar; return the IngestReport."""
        src = str(source or self.source.value).strip()
        if not src:
            self.last.value = note("give a manifest or a folder first", cls="warn")
            return None
        try:
            with self.progress:
                rep = self.case.ingest(src, progress=True)
        except Exception as exc:  # noqa: BLE001 - show the reason, keep the app usable
            self.last.value = note(f"not ingested: {type(exc).__name__}: {exc}", cls="warn")
            return None
        self.last.value = note(f"{rep.n_rows} rows: {rep.n_new_posts} new posts, {rep.n_new_media} new files, "
                               f"{rep.n_existing} already in the case, {rep.n_errors} bad rows")
        self.refresh()
        return rep

    def refresh(self) -> None:
        """Reload everything from the case."""
        issues = self.case.intake_report()
        self.report.value = html_table(issues.drop(columns=["ingest_id"], errors="ignore")) if len(issues) \
            else note("no bad rows")
        posts, media = self.case.posts(), self.case.media()
        ev = posts.merge(media[["sha256", "kind", "mime", "size"]], left_on="media_sha256", right_on="sha256",
                         how="left")
        meta = self.case.results("metadata")
        computed = len(meta) > 0
        for w in (self.has_exif, self.has_c2pa, self.has_findings):
            w.disabled = not computed
        if computed:
            from kit.metadata import findings_table, metadata_table

            tags = metadata_table(meta)
            exif = set(tags.loc[tags["group"].str.startswith("EXIF"), "sha256"])
            c2pa = set(tags.loc[(tags["group"] == "C2PA") & ~((tags["tag"] == "Present")
                                                               & (tags["value"].astype(str) == "False")), "sha256"])
            fnd = findings_table(meta, posts, media=media)
            counts = fnd[fnd["code"] != "METADATA_ERROR"].groupby("post_id").size()
            ev["has_exif"] = ev["media_sha256"].isin(exif)
            ev["has_c2pa"] = ev["media_sha256"].isin(c2pa)
            ev["n_findings"] = ev["post_id"].map(counts).fillna(0).astype(int)
            self.findings.value = html_table(fnd.assign(sha256=fnd["sha256"].str[:12])) if len(fnd) \
                else note("no findings")
        else:
            ev["has_exif"] = ev["has_c2pa"] = None
            ev["n_findings"] = None
            self.findings.value = not_computed("Metadata and findings (run the metadata step)")
        self._all = ev[EVIDENCE_COLUMNS]
        self.platform.options = ["any"] + sorted(ev["platform"].dropna().unique().tolist())
        self.apply_filters()

    def apply_filters(self) -> None:
        """Filter the evidence table by the current choices and redraw it."""
        ev = self._all
        if self.platform.value != "any":
            ev = ev[ev["platform"] == self.platform.value]
        if self.kind.value != "any":
            ev = ev[ev["kind"] == self.kind.value]
        for w, col in ((self.has_exif, "has_exif"), (self.has_c2pa, "has_c2pa")):
            if w.value is not None and not w.disabled:
                ev = ev[ev[col] == w.value]
        if self.has_findings.value is not None and not self.has_findings.disabled:
            ev = ev[(ev["n_findings"] > 0) == self.has_findings.value]
        self._evidence = ev.reset_index(drop=True)
        shown = self._evidence.assign(media_sha256=self._evidence["media_sha256"].str[:12])
        self.table.value = note(f"{len(ev)} of {len(self._all)} posts") + html_table(shown)
