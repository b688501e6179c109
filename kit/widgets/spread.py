"""The spread explorer: interactive graph, replay slider, timeline, metrics, origin, "mark as parent".

It composes kit calls only: ``build(posts, decisions) -> DiGraph``,
``summary(g)`` (the metrics and the likely origin, from the functions the
report and ``dfkit trace`` use: :func:`kit.spread.explore.explorer_summary`)
and :mod:`kit.viz` figures. Marking a parent
stores a ``"spread.parent"`` decision in the case (who, when, note) and
rebuilds the graph, where it becomes an ``analyst`` edge.

Examples
--------
>>> import tempfile, pathlib
>>> from kit.case import Case
>>> case = Case.create(pathlib.Path(tempfile.mkdtemp()) / "c", analyst="ana")
>>> app = SpreadExplorer(case)
>>> app.value is None, "no posts" in app.detail.value
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from kit import viz
from kit.safetext import html_text
from kit.spread.explore import PARENT_DECISION, explorer_graph, explorer_summary
from kit.widgets.common import STYLE, html_table, when
from kit.widgets.common import note as note_html
from kit.widgets.safe import SafeSession, SafeThumbnail
from kit.widgets.static import StaticView

__all__ = ["SpreadExplorer"]


class SpreadExplorer(StaticView, widgets.VBox):
    """Explore how the incident spread; ``.value`` is the selected post id (or None).

    Parameters
    ----------
    case
        An open :class:`kit.case.Case`.
    build, summary
        The kit functions that make the graph and its panels (default:
        :mod:`kit.spread.explore`; a case's full builder is
        :func:`kit.casework.spread.spread_builder`).
    session
        A :class:`~kit.widgets.safe.SafeSession` (default: from the case setting).
    """

    def __init__(self, case: Any, *, build: Callable = explorer_graph, summary: Callable = explorer_summary,
                 session: SafeSession | None = None) -> None:
        self.case, self._build, self._summary = case, build, summary
        self.session = session or SafeSession.from_case(case)
        self.posts = case.posts()
        self.graph: Any = None
        self._selected: str | None = None
        media = case.media()
        # evidence paths are looked up once here: a click then needs no database call
        self._kinds = dict(zip(media["sha256"], media["kind"], strict=False))
        self._paths = dict(zip(media["sha256"], media["path"], strict=False))
        times = self.posts["posted_at"].dropna()
        self.t0 = times.min() if len(times) else None
        self._t_last = times.max() if len(times) else None  # the slider never goes past it (year 9999 is valid)
        hours = math.ceil((times.max() - self.t0).total_seconds() / 3600) if len(times) else 0
        self.size_by = widgets.ToggleButtons(options=[("descendants", "descendants"),
                                                      ("engagement", "engagement")],
                                             value="descendants", description="size by")
        self.slider = widgets.IntSlider(value=hours, min=0, max=max(hours, 1), step=1,
                                        description="replay (h)", continuous_update=False,
                                        layout=widgets.Layout(width="60%"))
        self.slider.add_class("dfk-time-slider")
        self.slider_label = widgets.HTML()
        self.graph_fig: Any = None  # made by refresh() from the first figures: Voila renders widgets
        self.timeline_fig: Any = None  # from their state after the run, so it must hold the data
        self.detail = widgets.HTML()
        self.detail.add_class("dfk-detail")
        self.thumb = SafeThumbnail(session=self.session)
        self.parent_choice = widgets.Dropdown(description="parent", options=[("(no parent: a root)", "")],
                                              layout=widgets.Layout(width="95%"))
        self.note_text = widgets.Text(placeholder="why (stored with the decision)", description="note")
        self.mark_button = widgets.Button(description="Mark as parent", icon="link", button_style="warning",
                                          disabled=True)
        self.mark_button.add_class("dfk-mark-parent")
        self.status = widgets.HTML()
        self.metrics_html = widgets.HTML()
        self.origin_html = widgets.HTML()
        self.node_picker = widgets.Dropdown(description="post", options=[("(click a node)", "")])
        self.node_picker.add_class("dfk-node-picker")
        self.refresh()

        side = widgets.VBox([widgets.HTML("<b>Selected post</b>"), self.node_picker, self.detail, self.thumb,
                             self.parent_choice, self.note_text, self.mark_button, self.status],
                            layout=widgets.Layout(width="34%", min_width="320px"))
        side.add_class("dfk-side")
        top = widgets.HBox([widgets.VBox([self.graph_fig], layout=widgets.Layout(width="66%")), side])
        super().__init__([widgets.HTML("<h3>Spread explorer</h3>"), self.session,
                          widgets.HBox([self.size_by]), widgets.HBox([self.slider, self.slider_label]), top,
                          self.timeline_fig, widgets.HBox([self.origin_html, self.metrics_html])])
        self.add_class("dfk-spread")
        self.size_by.observe(lambda _c: self.refresh(), "value")
        self.slider.observe(lambda _c: self.refresh(rebuild=False), "value")
        self.node_picker.observe(lambda c: c["new"] and self.select(c["new"]), "value")
        self.mark_button.on_click(self._on_mark)
        self.detail.value = note_html("click a node (or pick a post) to see its details" if len(self.posts)
                                      else "no posts in this case yet")

    # -- state -----------------------------------------------------------------------------------
    @property
    def value(self) -> str | None:
        return self._selected

    @property
    def until(self) -> pd.Timestamp | None:
        """The replay time of the slider (None when no post has a time)."""
        return None if self.t0 is None else min(self.t0 + pd.Timedelta(hours=self.slider.value), self._t_last)

    def refresh(self, *, rebuild: bool = True) -> None:
        """Rebuild the graph from the case (``rebuild``) and redraw every panel."""
        if rebuild:
            self.graph = self._build(self.case.posts(), self.case.decisions())
            self._positions = viz.spread_layout(self.graph)
            opts = [(f"{n} · {d.get('platform')} · {d.get('account')} · {when(d.get('posted_at'))}", n)
                    for n, d in sorted(self.graph.nodes(data=True), key=lambda x: (str(x[1].get("posted_at")),
                                                                                     x[0]))]
            self.node_picker.options = [("(click a node)", "")] + opts
            self._metrics_panel()
        until = self.until
        self.slider_label.value = note_html(f"showing posts up to {when(until)}")
        fig = viz.spread_figure(self.graph, size_by=self.size_by.value, until=until, selected=self._selected,
                                positions=self._positions)
        timeline = viz.timeline_figure(self.posts, until=until)
        if self.graph_fig is None:
            import plotly.graph_objects as go

            self.graph_fig, self.timeline_fig = go.FigureWidget(fig), go.FigureWidget(timeline)
            self.graph_fig.add_class("dfk-graph")
            self._clickable(self.graph_fig)
            return
        self._update(self.graph_fig, fig, clickable=True)
        self._update(self.timeline_fig, timeline)

    def _clickable(self, target: Any) -> None:
        for tr in target.data:
            if tr.mode == "markers":
                tr.on_click(self._on_click)

    def _update(self, target: Any, fig: Any, *, clickable: bool = False) -> None:
        same = [t.name for t in target.data] == [t.name for t in fig.data]
        with target.batch_update():
            if same:
                for old, new in zip(target.data, fig.data, strict=True):
                    old.update(new.to_plotly_json(), overwrite=True)
            else:
                target.data = ()
                target.add_traces(list(fig.data))
            target.layout = fig.layout
        if clickable and not same:
            self._clickable(target)

    def _on_click(self, trace: Any, points: Any, _state: Any) -> None:
        if points.point_inds:
            try:
                self.select(trace.customdata[points.point_inds[0]])
            except Exception as exc:  # noqa: BLE001 - show it: plotly swallows callback errors
                self.status.value = note_html(f"{type(exc).__name__}: {exc}", cls="warn")

    def _on_mark(self, _button: Any = None) -> None:
        try:
            self.mark_parent(self.parent_choice.value or None, note=self.note_text.value or None)
        except Exception as exc:  # noqa: BLE001 - show it in the app, not in a log nobody reads
            self.status.value = note_html(f"not stored: {type(exc).__name__}: {exc}", cls="warn")

    def _metrics_panel(self) -> None:
        g = self.graph
        if g is None or not len(g):
            self.metrics_html.value = note_html("no posts in this case yet")
            self.origin_html.value = ""
            return
        s = self._summary(g)
        rows = {**s.counts, **{f"largest cascade: {k}": v for k, v in s.largest.items()}}
        rows.update({f"posts on {p} (hop {h})": n for p, h, n in
                     zip(s.reach.get("platform", []), s.reach.get("hop", []), s.reach.get("posts", []))})
        self.metrics_html.value = "<b>Metrics</b>" + html_table(
            pd.DataFrame({"metric": list(rows), "value": [str(v) for v in rows.values()]}))
        items = "".join(f"<li>{html_text(e)}</li>" for e in s.evidence)
        self.origin_html.value = (f'{STYLE}<div class="dfk-w dfk-origin"><b>Likely origin: '
                                  f'{html_text(s.origin)}</b><ul>{items}</ul></div>')

    # -- actions ---------------------------------------------------------------------------------
    def select(self, post_id: str) -> None:
        """Show a post's details and thumbnail and offer its possible parents."""
        g = self.graph
        if post_id not in g:
            self.status.value = note_html(f"unknown post {post_id}", cls="warn")
            return
        self._selected = post_id
        d = g.nodes[post_id]
        parents = [f"{p} ({k})" for p, _, k in g.in_edges(post_id, data="kind")]  # escaped below, once
        facts = {"post": post_id, "platform": d.get("platform"), "account": d.get("account"),
                 "posted": when(d.get("posted_at")), "url": d.get("url"), "parent": ", ".join(parents) or "none",
                 "descendants": d.get("descendants"), "likes / shares / views":
                 " / ".join(str(d.get(k)) for k in ("likes", "shares", "views")),
                 "caption": d.get("caption"), "media": str(d.get("media_sha256") or "")[:16]}
        rows = "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in facts.items())
        self.detail.value = f'{STYLE}<div class="dfk-w" data-post="{html_text(post_id)}"><table>{rows}</table></div>'
        sha = d.get("media_sha256")
        self.thumb.show(self._paths.get(sha) if sha else None, kind=self._kinds.get(sha))
        others = sorted((n for n in g if n != post_id), key=lambda n: (str(g.nodes[n].get("posted_at")), n))
        self.parent_choice.options = [("(no parent: a root)", "")] + [
            (f"{n} · {g.nodes[n].get('platform')} · {g.nodes[n].get('account')} · "
             f"{when(g.nodes[n].get('posted_at'))}", n) for n in others]
        self.mark_button.disabled = False
        if self.node_picker.value != post_id:
            self.node_picker.value = post_id
        self.refresh(rebuild=False)

    def mark_parent(self, parent: str | None, *, note: str | None = None) -> int:
        """Store "``parent`` is the parent of the selected post" (None: it has none); return the decision id."""
        from kit.errors import KitError

        if self._selected is None:
            raise KitError("select a post before marking its parent")
        dec_id = self.case.record_decision(PARENT_DECISION, self._selected, parent, note)
        self.status.value = note_html(
            f"stored: {parent or 'no parent'} -> {self._selected} (decision {dec_id}, {self.case.analyst})")
        self.refresh()
        self.select(self._selected)
        return dec_id
