"""Detector lab: choose detectors, run them, score table, heat-map overlay, score along the chain.

Composes :mod:`kit.detectors` (``detector_step``, ``scores_table``,
``decode_heatmap``, :mod:`kit.detectors.chain`) and :mod:`kit.viz`. Running
stores results in the case through ``case.run`` (incremental: only new work).
The fused score is shown only when a fitted :class:`kit.detectors.fusion.Fusion`
is given: without labelled training data there is no calibrated probability,
and the app says so.

Examples
--------
>>> import tempfile, pathlib
>>> from kit.case import Case
>>> app = DetectorLab(Case.create(pathlib.Path(tempfile.mkdtemp()) / "c"), detectors=["ela"])
>>> app.value.empty, "not computed yet" in app.table.value
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from kit import viz
from kit.widgets.common import html_table, not_computed, note
from kit.widgets.safe import SafeSession
from kit.widgets.static import StaticView

__all__ = ["DetectorLab", "FUSION_CAVEATS"]

FUSION_CAVEATS = ("Calibrated on the fusion's training set only: a different source, camera or generator "
                  "shifts scores. Recompression weakens forensic traces, so score the best copy. "
                  "A score is evidence to weigh, not a verdict.")


class DetectorLab(StaticView, widgets.VBox):
    """Score a variant cluster with chosen detectors; ``.value`` is the score table shown.

    Parameters
    ----------
    case
        An open case.
    clusters
        Variant clusters (``id``, ``cluster``, ``size``, e.g. ``MatchResult.clusters``)
        or None: then every file is one group ("all files").
    detectors
        Names offered (default: every registered image detector).
    fusion
        A fitted ``kit.detectors.fusion.Fusion`` over detector scores; by default the one stored
        with the case (``dfkit detectors fuse``), if any.
    """

    def __init__(self, case: Any, clusters: pd.DataFrame | None = None, *, detectors: Sequence[str] | None = None,
                 fusion: Any = None, session: SafeSession | None = None) -> None:
        self.case = case
        from kit.detectors import detector_names

        if fusion is None:
            from kit.casework.fusion import case_fusion

            stored = case_fusion(case)
            fusion = stored[0] if stored is not None else None
        self.case, self.clusters, self.fusion = case, clusters, fusion
        self.session = session or SafeSession.from_case(case)
        media = case.media()
        self._paths = dict(zip(media["sha256"], media["path"], strict=False))
        self._kinds = dict(zip(media["sha256"], media["kind"], strict=False))
        posts = case.posts()
        self._labels = posts.groupby("media_sha256")["post_id"].agg(lambda s: ", ".join(sorted(s)[:3])).to_dict()
        names = list(detectors) if detectors is not None else detector_names()
        self.choose = widgets.SelectMultiple(options=names, value=tuple(n for n in ("splice", "ela", "noise") if n in names)
                                             or tuple(names[:1]), description="detectors", rows=min(8, len(names)))
        groups = [("all files", -1)]
        if clusters is not None and len(clusters):
            sizes = clusters.groupby("cluster")["size"].first()
            groups = [(f"cluster {c} ({s} files)", int(c)) for c, s in sizes.items() if s > 1] + groups
        self.cluster = widgets.Dropdown(options=groups, description="cluster")
        self.run_button = widgets.Button(description="Run detectors", icon="play", button_style="primary")
        self.run_out = widgets.Output()
        self.table = widgets.HTML()
        self.item = widgets.Dropdown(description="item", options=[])
        self.heat_detector = widgets.Dropdown(description="heat map", options=[])
        self.opacity = widgets.FloatSlider(description="opacity", value=0.5, min=0, max=1, step=0.05,
                                           continuous_update=False)
        self.reveal = widgets.ToggleButton(description="Reveal", icon="eye", value=self.session.reveal_all.value)
        self.overlay_box = widgets.VBox()
        self.chain_box = widgets.VBox()
        self.fused = widgets.HTML()
        self._scores = pd.DataFrame(columns=["sha256", "detector", "version", "score", "error", "explanation"])
        super().__init__([widgets.HTML("<h3>Detector lab</h3>"), self.session,
                          widgets.HBox([self.choose, widgets.VBox([self.cluster, self.run_button])]), self.run_out,
                          self.table, widgets.HBox([self.item, self.heat_detector]),
                          widgets.HBox([self.opacity, self.reveal]), self.overlay_box, self.chain_box, self.fused])
        self.add_class("dfk-detectors")
        self.run_button.on_click(lambda _b: self.run())
        self.cluster.observe(lambda _c: self.refresh(), "value")
        self.choose.observe(lambda _c: self.refresh(), "value")
        for w in (self.item, self.heat_detector, self.opacity, self.reveal):
            w.observe(lambda _c: self.show_overlay(), "value")
        self.session.reveal_all.observe(lambda c: setattr(self.reveal, "value", c["new"]), "value")
        self.refresh()

    @property
    def value(self) -> pd.DataFrame:
        return self._scores

    def members(self) -> list[str]:
        """sha256 of the files of the chosen group."""
        if self.cluster.value == -1 or self.clusters is None:
            return list(self._paths)
        return list(self.clusters.loc[self.clusters["cluster"] == self.cluster.value, "id"])

    def run(self) -> None:
        """Run the chosen detectors on the case (only files without a stored result) and refresh."""
        from kit.detectors import detector_step

        with self.run_out:
            for name in self.choose.value:
                self.case.run(detector_step(name), progress=True)
        self.refresh()

    def refresh(self) -> None:
        """Reload stored scores for the chosen detectors and group; redraw table and plots."""
        from kit.detectors import scores_table

        stored = {n: self.case.results(f"detector.{n}") for n in self.choose.value}
        stored = {n: r for n, r in stored.items() if len(r)}
        missing = [n for n in self.choose.value if n not in stored]
        members = set(self.members())
        scores = scores_table(stored) if stored else self._scores.iloc[0:0]
        self._scores = scores[scores["sha256"].isin(members)].reset_index(drop=True)
        self._results = {n: r.set_index("sha256") for n, r in stored.items()}
        msg = not_computed(f"Scores of {', '.join(missing)} (press Run detectors)") if missing else ""
        self.table.value = msg + (html_table(self._scores.assign(sha256=self._scores["sha256"].str[:12]))
                                  if len(self._scores) else "")
        items = sorted(set(self._scores["sha256"]), key=lambda h: (self._labels.get(h, h), h))
        self.item.options = [(f"{self._labels.get(h, '-')} · {h[:10]}", h) for h in items]
        self.item.value = self.item.value if self.item.value in items else (items[0] if items else None)
        self.heat_detector.options = list(stored)
        if self.heat_detector.value not in stored:
            self.heat_detector.value = next(iter(stored), None)
        self.show_overlay()
        self._chain(members)
        self._fused()

    def show_overlay(self) -> None:
        """The chosen detector's heat map over the chosen item (blurred unless revealed)."""
        import plotly.graph_objects as go

        sha, det = self.item.value, self.heat_detector.value
        if not sha or not det:
            self.overlay_box.children = ()
            return
        res = self._results.get(det)
        payload = res.loc[sha, "payload"] if res is not None and sha in res.index else None
        if not isinstance(payload, dict) or not payload.get("heatmap"):
            self.overlay_box.children = (widgets.HTML(note(f"{det} gives no heat map for this item")),)
            return
        from kit.detectors import decode_heatmap
        from kit.media import load_image

        try:
            img = load_image(self._paths[sha], reduce=2)
            fig = viz.heatmap_overlay_figure(img, decode_heatmap(payload["heatmap"]), opacity=self.opacity.value,
                                             blur=not self.reveal.value, grey=self.session.grey.value,
                                             title=f"{det}: score " + ("none" if payload.get("score") is None
                                                                            else f"{payload['score']:.3f}"))
            self.overlay_box.children = (go.FigureWidget(fig),)
        except Exception as exc:  # noqa: BLE001
            self.overlay_box.children = (widgets.HTML(note(f"cannot show: {exc}", cls="warn")),)

    def _chain(self, members: set) -> None:
        import plotly.graph_objects as go

        if self.clusters is None or self.cluster.value == -1 or not len(self._scores):
            self.chain_box.children = (widgets.HTML(not_computed("Score along the chain (needs variant clusters "
                                                                 "and scores)")),)
            return
        from kit.detectors.chain import chain_scores, copy_quality

        media = self.case.media()
        quality = copy_quality(media[media["sha256"].isin(members)])
        chain = chain_scores(self._scores, quality, {m: self.cluster.value for m in members})
        self.chain_box.children = (go.FigureWidget(viz.chain_score_figure(chain)),)

    def _fused(self) -> None:
        if self.fusion is None:
            self.fused.value = not_computed("Fused calibrated score (no fitted fusion: it needs labelled "
                                            "training data)") + note(FUSION_CAVEATS)
            return
        wide = self._scores.pivot_table(index="sha256", columns="detector", values="score")
        cols = [c for c in self.fusion.columns if c in wide]
        if not cols:
            self.fused.value = note("the fusion's detectors have no scores here", cls="warn")
            return
        p = self.fusion.predict(wide.reindex(columns=list(self.fusion.columns)))
        self.fused.value = html_table(pd.DataFrame({"sha256": wide.index.str[:12], "fused probability": p})) \
            + note(FUSION_CAVEATS)
