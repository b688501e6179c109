"""Case overview: the one-page summary of a case, links to the other notebooks, the safe-viewing setting,
and the analyst's conclusion and notes for the report.

The conclusion (the latest one counts) and the notes are stored as decisions
(:data:`kit.decisions.CONCLUSION_DECISION`, :data:`kit.decisions.NOTE_DECISION`: who,
when, logged) and shown on the report's first screen as the analyst's words.

Examples
--------
>>> import tempfile, pathlib
>>> from kit.case import Case
>>> app = CaseOverview(Case.create(pathlib.Path(tempfile.mkdtemp()) / "c", title="T"))
>>> app.value["posts"], app.value["blur_media"]
(0, True)
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from kit.decisions import CONCLUSION_DECISION, NOTE_DECISION
from kit.safetext import html_text
from kit.widgets.common import STYLE, html_table, note, when
from kit.widgets.static import StaticView

__all__ = ["CaseOverview", "NOTEBOOKS", "STEP_NAMES"]

NOTEBOOKS = (("01_intake.ipynb", "Intake: ingest, intake report, evidence table, findings"),
             ("02_reposts.ipynb", "Reposts: matches, compare, confirm / reject"),
             ("03_detectors.ipynb", "Detectors: scores, heat maps, score along the chain"),
             ("04_spread.ipynb", "Spread: graph, replay, metrics, likely origin"))
STEP_NAMES = ("metadata", "hash.image", "hash.video")


class CaseOverview(StaticView, widgets.VBox):
    """Summary of a case; ``.value`` is the summary dict. The checkbox changes the case setting ``blur_media``."""

    def __init__(self, case: Any) -> None:
        self.case = case
        self.summary = widgets.HTML()
        self.steps = widgets.HTML()
        self.blur = widgets.Checkbox(value=bool(case.settings().get("blur_media", True)), indent=False,
                                     description="blur media until revealed (case setting)")
        self.status = widgets.HTML()
        self.conclusion = widgets.Textarea(placeholder="Your conclusion, as the report's first screen will quote it",
                                           layout=widgets.Layout(width="100%", height="5em"))
        self.note_text = widgets.Textarea(placeholder="A note for the report (what you checked, a caveat)",
                                          layout=widgets.Layout(width="100%", height="3em"))
        save, add = widgets.Button(description="Save conclusion"), widgets.Button(description="Add note")
        save.on_click(lambda _: self.save_conclusion(self.conclusion.value))
        add.on_click(lambda _: self.add_note(self.note_text.value))
        words = widgets.VBox([widgets.HTML("<b>For the report</b>"), self.conclusion, save, self.note_text, add])
        links = "".join(f'<li><a href="{n}" target="_blank">{n}</a>: {html_text(d)}</li>' for n, d in NOTEBOOKS)
        super().__init__([widgets.HTML("<h3>Case overview</h3>"), self.summary, self.steps, self.blur, words,
                          self.status,
                          widgets.HTML(f'{STYLE}<div class="dfk-w"><b>Notebooks</b><ul>{links}</ul></div>')])
        self.add_class("dfk-overview")
        self.blur.observe(lambda c: self.set_blur(c["new"]), "value")
        self.refresh()

    @property
    def value(self) -> dict:
        return self._summary

    def set_blur(self, blur: bool) -> None:
        """Change the case setting ``blur_media`` (logged in the custody chain)."""
        if bool(self.case.settings().get("blur_media", True)) != bool(blur):
            self.case.set_setting("blur_media", bool(blur))
            self.status.value = note(f"case setting blur_media = {bool(blur)} (stored, {self.case.analyst})")
        self.refresh()

    def save_conclusion(self, text: str) -> None:
        """Store ``text`` as the analyst's conclusion (a logged decision; the latest one is the report's)."""
        if text.strip():
            self.case.record_decision(CONCLUSION_DECISION, "case", text.strip())
            self.status.value = note(f"conclusion stored ({self.case.analyst})")
        self.refresh()

    def add_note(self, text: str) -> None:
        """Store ``text`` as a note for the report (a logged decision) and clear the box."""
        if text.strip():
            self.case.record_decision(NOTE_DECISION, "case", text.strip())
            self.note_text.value = ""
            self.status.value = note(f"note stored ({self.case.analyst})")
        self.refresh()

    def refresh(self) -> None:
        """Reload the summary from the case."""
        meta, posts, media = self.case.meta(), self.case.posts(), self.case.media()
        times = posts["posted_at"].dropna()
        s = {"title": meta.get("title", ""), "analyst": meta.get("analyst", ""), "created": meta.get("created_at", ""),
             "posts": len(posts), "files": len(media),
             "images": int((media["kind"] == "image").sum()), "videos": int((media["kind"] == "video").sum()),
             "platforms": ", ".join(f"{k} {v}" for k, v in posts["platform"].value_counts().items()),
             "first post": when(times.min()) if len(times) else "unknown",
             "last post": when(times.max()) if len(times) else "unknown",
             "bad intake rows": len(self.case.intake_report()), "decisions": len(self.case.decisions()),
             "blur_media": bool(self.case.settings().get("blur_media", True))}
        self._summary = s
        done = self.case.decisions(CONCLUSION_DECISION)
        if len(done) and not self.conclusion.value:
            self.conclusion.value = str(done["value"].iloc[-1])
        self.summary.value = html_table(pd.DataFrame({"": list(s), "value": [str(v) for v in s.values()]}))
        rows = []
        log = self.case.custody()
        done = sorted(set(STEP_NAMES) | set(log.loc[log["action"] == "step.run", "subject"]))
        for step in done:
            res = self.case.results(step)
            rows.append({"step": step, "version": res["version"].iloc[0] if len(res) else "",
                         "ok": int((res["status"] == "ok").sum()), "errors": int((res["status"] == "error").sum()),
                         "state": "computed" if len(res) else "not computed yet"})
        self.steps.value = "<b>Analysis steps</b>" + html_table(pd.DataFrame(rows))
