"""Repost review: the matches of one item, a side-by-side compare, confirm / reject.

Composes the case's stored matching (``case.matches()`` with the analyst's
decisions applied, ``case.variants()``; see :mod:`kit.casework.matching`),
:func:`kit.casework.matching.decide_match` and :func:`kit.viz.compare_figure`.
Confirm / reject store a ``"match"`` decision in the case (who, when, note);
the pairs and variant clusters are then re-read, so they follow it.

Examples
--------
>>> import tempfile, pathlib
>>> from kit.case import Case
>>> app = RepostReview(Case.create(pathlib.Path(tempfile.mkdtemp()) / "c"))
>>> app.value is None, "not computed yet" in app.gallery_note.value
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from kit import viz
from kit.widgets.common import not_computed, note
from kit.widgets.safe import SafeSession, SafeThumbnail
from kit.widgets.static import StaticView

__all__ = ["RepostReview"]

ALGORITHMS = ("any", "pdq", "phash", "vpdq", "sift", "analyst")


class RepostReview(StaticView, widgets.VBox):
    """Review the matches of an item; ``.value`` is the pair being compared, ``(a, b)`` or None.

    Parameters
    ----------
    case
        An open case.
    matches, variants
        ``(case) -> DataFrame`` of the effective pairs and the variant clusters
        (default ``case.matches()`` / ``case.variants()``). No pairs: the app
        says matching is not computed yet.
    decide
        ``decide(case, a, b, confirmed, note) -> decision id`` (default
        :func:`kit.casework.matching.decide_match`).
    compare_transform
        ``compare_transform(path_a, path_b) -> dict | None``: the verified
        transform b -> a for a pair that has none stored (default: SIFT
        verification with :func:`kit.matching.features` / :func:`kit.matching.verify_pair`).
    load
        ``load(path) -> RGB uint8 array`` (default :func:`kit.media.load_image`; videos:
        first frame via :func:`kit.viz.thumbnail`).
    max_gallery
        Most matches shown.
    """

    def __init__(self, case: Any, *, matches: Callable | None = None, variants: Callable | None = None,
                 decide: Callable | None = None, compare_transform: Callable | None = None,
                 load: Callable | None = None, session: SafeSession | None = None, max_gallery: int = 24) -> None:
        self.case = case
        from kit.casework.matching import decide_match

        self.case, self.max_gallery = case, max_gallery
        self._matches = matches or (lambda c: c.matches())
        self._variants = variants or (lambda c: c.variants())
        self._decide_fn = decide or decide_match
        self._transform_fn = compare_transform or _sift_transform
        self._load = load or _load_rgb
        self.session = session or SafeSession.from_case(case)
        media = case.media()
        self._paths = dict(zip(media["sha256"], media["path"], strict=False))
        self._kinds = dict(zip(media["sha256"], media["kind"], strict=False))
        posts = case.posts()
        labels = posts.groupby("media_sha256")["post_id"].agg(lambda s: ", ".join(sorted(s)[:3]))
        self._labels = {sha: f"{labels.get(sha, '-')} · {self._kinds.get(sha)} · {sha[:10]}" for sha in media["sha256"]}
        self.pairs = pd.DataFrame()
        self.clusters = pd.DataFrame(columns=["id", "cluster", "size"])
        self._pair: tuple[str, str] | None = None
        self.item = widgets.Dropdown(description="item", options=[(v, k) for k, v in self._labels.items()],
                                     layout=widgets.Layout(width="60%"))
        self.algorithm = widgets.Dropdown(description="algorithm", options=ALGORITHMS, value="any")
        self.threshold = widgets.IntSlider(description="max distance", value=31, min=0, max=64,
                                           continuous_update=False)
        self.gallery_note = widgets.HTML()
        self.gallery = widgets.GridBox(layout=widgets.Layout(grid_template_columns="repeat(6, 170px)"))
        self.compare_box = widgets.VBox()
        self.compare_note = widgets.HTML()
        self.note_text = widgets.Text(placeholder="why (stored with the decision)", description="note")
        self.confirm = widgets.Button(description="Confirm match", icon="check", button_style="success",
                                      disabled=True)
        self.reject = widgets.Button(description="Reject match", icon="times", button_style="danger", disabled=True)
        self.status = widgets.HTML()
        super().__init__([widgets.HTML("<h3>Repost review</h3>"), self.session, self.item,
                          widgets.HBox([self.algorithm, self.threshold]), self.gallery_note, self.gallery,
                          self.compare_note, self.compare_box,
                          widgets.HBox([self.confirm, self.reject, self.note_text]), self.status])
        self.add_class("dfk-reposts")
        self.confirm.on_click(lambda _b: self._decide("confirmed"))
        self.reject.on_click(lambda _b: self._decide("rejected"))
        self._recluster()
        if len(self.clusters) and len(self.pairs):  # start on the biggest variant cluster
            self.item.value = self.clusters.loc[self.clusters["cluster"] == 0, "id"].iloc[0]
        for w in (self.item, self.algorithm, self.threshold):
            w.observe(lambda _c: self.show_matches(), "value")
        self.show_matches()

    @property
    def value(self) -> tuple[str, str] | None:
        return self._pair

    @property
    def computed(self) -> bool:
        """True when the case has match pairs."""
        return len(self.pairs) > 0

    def _recluster(self) -> None:
        case = self.case
        self.pairs = self._matches(case)
        self.clusters = self._variants(case)

    def matches_of(self, sha: str) -> pd.DataFrame:
        """The current item's pairs after the filters: ``other``, algorithm, distance, decision, ..., by distance."""
        if not self.computed:
            return pd.DataFrame(columns=["other", "algorithm", "distance", "decision"])
        p = self.pairs[(self.pairs["a"] == sha) | (self.pairs["b"] == sha)].copy()
        p["other"] = np.where(p["a"] == sha, p["b"], p["a"])
        if self.algorithm.value != "any":
            p = p[p["algorithm"] == self.algorithm.value]
        p = p[p["distance"].isna() | (p["distance"] <= self.threshold.value)]
        return p.sort_values(["distance", "other"], na_position="last").reset_index(drop=True)

    def show_matches(self) -> None:
        """Redraw the gallery for the current item and filters."""
        if not self.computed:
            self.gallery_note.value = not_computed("Match pairs (run case.match())")
            self.gallery.children = ()
            return
        sha = self.item.value
        found = self.matches_of(sha)
        row = self.clusters[self.clusters["id"] == sha]
        where = f"variant cluster {int(row['cluster'].iloc[0])} ({int(row['size'].iloc[0])} files)" if len(row) else ""
        self.gallery_note.value = note(f"{len(found)} matches shown (of {self.max_gallery} at most); {where}")
        cards = []
        for r in found.head(self.max_gallery).itertuples(index=False):
            thumb = SafeThumbnail(self._paths.get(r.other), kind=self._kinds.get(r.other), session=self.session,
                                  size=150)
            dist = "" if pd.isna(r.distance) else f" {r.distance:.0f}"
            btn = widgets.Button(description="Compare", layout=widgets.Layout(width="150px"))
            btn.on_click(lambda _b, o=r.other: self.compare(sha, o))
            label = self._labels.get(r.other, r.other[:10]).split(" · ")[0]
            cards.append(widgets.VBox([thumb, widgets.HTML(note(f"{label}: {r.algorithm}{dist} · {r.decision}")),
                                       btn]))
        self.gallery.children = cards

    def compare(self, a: str, b: str) -> None:
        """Show a, b (aligned on a) and their difference; enable confirm / reject."""
        import plotly.graph_objects as go

        self._pair = (a, b)
        row = self.pairs[(self.pairs.get("a") == min(a, b)) & (self.pairs.get("b") == max(a, b))] \
            if len(self.pairs) else pd.DataFrame()
        transform = row["transform"].iloc[0] if len(row) and isinstance(row["transform"].iloc[0], dict) else None
        try:
            ia, ib = self._load(self._paths[a]), self._load(self._paths[b])
            if transform is not None and a != min(a, b):  # stored transforms map b -> a for a < b
                ia, ib, a, b = ib, ia, b, a
            elif transform is None:
                transform = self._transform_fn(ia, ib)
            fig = viz.compare_figure(ia, ib, transform, blur=not self.session.reveal_all.value,
                                     grey=self.session.grey.value, titles=(self._short(a), self._short(b)))
            self.compare_box.children = [go.FigureWidget(fig)]
            self.compare_note.value = note(f"comparing {self._labels[a]} with {self._labels[b]}")
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not break the app
            self.compare_box.children = ()
            self.compare_note.value = note(f"cannot compare: {type(exc).__name__}: {exc}", cls="warn")
        self.confirm.disabled = self.reject.disabled = False

    def _short(self, sha: str) -> str:
        return f"{self._labels.get(sha, '').split(' · ')[0]} ({sha[:8]})"

    def _decide(self, value: str) -> int:
        if self._pair is None:
            from kit.errors import KitError

            raise KitError("compare a pair before deciding on it")
        dec = self._decide_fn(self.case, *self._pair, value == "confirmed", self.note_text.value or None)
        self._recluster()
        self.status.value = note(f"stored: {value} {self._short(self._pair[0])} / {self._short(self._pair[1])} "
                                 f"(decision {dec}, {self.case.analyst})")
        self.show_matches()
        return dec

    def confirm_pair(self) -> int:
        """Store "same picture" for the compared pair; return the decision id."""
        return self._decide("confirmed")

    def reject_pair(self) -> int:
        """Store "not the same picture" for the compared pair; return the decision id."""
        return self._decide("rejected")


def _load_rgb(path: str) -> np.ndarray:
    from kit.sniff import sniff_path

    if sniff_path(path).kind == "video":
        return np.asarray(viz.thumbnail(path, size=640, blur=False, kind="video"))
    from kit.media import load_image

    return load_image(path, mode="RGB", reduce=1)


def _sift_transform(a: np.ndarray, b: np.ndarray) -> dict | None:
    from kit.matching import features, verify_pair

    v = verify_pair(features(a), features(b))
    return v.transform if v.verified else None
