"""Hostile text through the whole path, without a browser: report sections, apps, hover labels, exports.

Every text field of the case carries script, event-handler or ``javascript:`` payloads
(tests/_hostile.py). Each HTML string the kit produces is parsed as a browser would parse
it: no payload may become a tag, an event-handler attribute or a ``javascript:`` link, and
the payload must still be there as text. tests/test_browser_hostile.py does the same in
Chromium with a dialog handler.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from _hostile import FIELDS, hostile_case, payload

pytest.importorskip("IPython")
widgets = pytest.importorskip("ipywidgets")

# tags the kit itself writes into reports and apps
KIT_TAGS = {"style", "div", "h2", "h3", "h4", "p", "b", "i", "br", "code", "span", "table", "thead", "tbody",
            "tr", "th", "td", "ul", "li", "img", "a", "script", "details", "summary", "label", "input", "q",
            "figure", "figcaption"}


class _Parse(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


def check_markup(markup: str, *, scripts: int = 0) -> str:
    """Parse ``markup``; fail on any tag, handler or link a payload made. Returns the visible text."""
    p = _Parse()
    p.feed(markup)
    stray = [t for t, _ in p.tags if t not in KIT_TAGS]
    assert not stray, f"tags from the data: {stray}"
    handlers = [(t, a) for t, attrs in p.tags for a in attrs if a.lower().startswith("on")]
    assert not handlers, f"event handlers: {handlers}"
    links = [(t, v) for t, attrs in p.tags for k, v in attrs.items()
             if k in ("href", "src") and (v or "").strip().lower().startswith("javascript:")]
    assert not links, f"javascript: links: {links}"
    n_scripts = sum(t == "script" for t, _ in p.tags)
    assert n_scripts == scripts, f"{n_scripts} <script> tags, expected {scripts} (plotly figures)"
    assert all(a in ({}, {"type": "text/javascript"}) for t, a in p.tags if t == "script")
    return "".join(p.text)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    c = hostile_case(tmp_path_factory.mktemp("hostile"))
    yield c
    c.close()


SECTIONS = [  # (section, plotly figures it draws, fields whose payload it shows as text)
    pytest.param("summary", 0, ["title", "analyst", "post_id", "platform"], id="summary"),
    pytest.param("findings", 0, ["exif"], id="findings"),
    pytest.param("variants", 0, ["platform", "post_id"], id="variants"),
    pytest.param("spread", 2, ["post_id", "platform", "account"], id="spread"),
    pytest.param("evidence_table", 0, ["post_id", "platform", "account"], id="evidence"),
    pytest.param("intake", 0, ["media_path"], id="intake"),
    pytest.param("decisions", 0, ["analyst", "note", "post_id"], id="decisions"),
    pytest.param("custody_digest", 0, [], id="custody"),
    pytest.param("appendix", 0, ["post_id", "platform", "account", "media_path", "exif"], id="appendix"),
]


@pytest.mark.parametrize("name, figures, shown", SECTIONS)
def test_report_sections_show_hostile_text_as_text(case, name, figures, shown):
    from kit.report import sections as S

    text = check_markup(getattr(S, name)(case).data, scripts=figures)
    for field in shown:
        assert any(payload(field, k) in text for k in range(6)), f"{field} not shown as text"


def test_the_first_screen_shows_hostile_text_as_text(case):
    from kit.report.answers import first_screen

    text = check_markup(first_screen(case).data)
    for field in ("conclusion", "note"):
        assert any(payload(field, k) in text for k in range(6)), f"{field} not shown as text"


def test_an_apps_static_rendering_shows_hostile_text_as_text(case):
    """What a stored notebook keeps of an app (kit.widgets.static) is as safe as the live app."""
    from kit.widgets.overview import CaseOverview
    from kit.widgets.static import static_html

    markup = static_html(CaseOverview(case))
    p = _Parse()
    p.feed(markup)
    assert not [(t, a) for t, attrs in p.tags for a in attrs if a.lower().startswith("on")]
    assert "<script>alert" not in markup and any(payload("conclusion", k) in "".join(p.text) for k in range(6))


def _html_values(widget) -> list[str]:
    out = [widget.value] if isinstance(widget, widgets.HTML) else []
    for child in getattr(widget, "children", ()):
        out += _html_values(child)
    return out


def _apps(case):
    from kit.casework.spread import spread_builder
    from kit.widgets.detectors import DetectorLab
    from kit.widgets.intake import IntakeApp
    from kit.widgets.overview import CaseOverview
    from kit.widgets.reposts import RepostReview
    from kit.widgets.spread import SpreadExplorer

    spread = SpreadExplorer(case, build=spread_builder(case, content=False))
    spread.select(case.posts()["post_id"].iloc[1])
    return {"overview": (CaseOverview(case), ["title", "analyst"]),
            "intake": (IntakeApp(case), ["post_id", "platform", "account", "media_path", "exif"]),
            "reposts": (RepostReview(case), []),
            "detectors": (DetectorLab(case, case.variants(), detectors=["ela"]), []),
            "spread": (spread, ["post_id", "platform", "account", "caption", "url"])}


@pytest.mark.parametrize("app", ["overview", "intake", "reposts", "detectors", "spread"])
def test_apps_show_hostile_text_as_text(case, app):
    widget, shown = _apps(case)[app]
    text = "".join(check_markup(v) for v in _html_values(widget))
    for field in shown:
        assert any(payload(field, k) in text for k in range(6)), f"{field} not shown as text"


def test_spread_hover_labels_hold_no_markup_from_the_data(case):
    from kit.casework.spread import spread_builder
    from kit.viz import spread_figure

    g = spread_builder(case, content=False)(case.posts(), case.decisions())
    fig = spread_figure(g)
    labels = [t for tr in fig.data if tr.hovertext is not None for t in tr.hovertext]
    assert len(labels) == len(case.posts())
    for label in labels:
        p = _Parse()
        p.feed(label)
        assert {t for t, _ in p.tags} <= {"b", "br"} and all(not a for _, a in p.tags), label
    assert all(html.escape(tr.name) == tr.name or "&" in tr.name for tr in fig.data if tr.name)


def test_graph_exports_keep_hostile_text_as_data(case):
    exports = case.path / "exports"
    posts = case.posts().set_index("post_id")
    root = ET.parse(exports / "spread.graphml").getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {k.get("id"): k.get("attr.name") for k in root.findall("g:key", ns)}
    nodes = {n.get("id"): {keys[d.get("key")]: d.text for d in n.findall("g:data", ns)}
             for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")}
    assert set(nodes) == set(posts.index)
    for pid, attrs in nodes.items():
        for field in ("account", "platform", "caption", "url"):
            if field in attrs:
                assert attrs[field] == posts.loc[pid, field]
    data = json.loads((exports / "spread.json").read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} == set(posts.index)
    assert all(n.get("caption") == posts.loc[n["id"], "caption"] for n in data["nodes"] if "caption" in n)


def test_csv_exports_carry_no_live_formula(case, tmp_path):
    """Every CSV the kit writes from the hostile case (captions hold =HYPERLINK(...)); the label too."""
    import csv

    from kit.cli import main

    assert case.posts()["caption"].str.startswith("=HYPERLINK").any()
    label = payload("label", 5)
    outs = []
    for fmt in ("csv", "stopncii-style"):
        outs.append(tmp_path / f"{fmt}.csv")
        assert main(["hashes", "export", "--case", str(case.path), "--format", fmt, "--out", str(outs[-1]),
                     f"--label={label}"]) == 0
    outs.append(tmp_path / "pairs.csv")
    assert main(["match", "--case", str(case.path), "--no-progress", "--no-verify", "--out", str(outs[-1])]) == 0
    for out in outs:
        cells = [c for row in csv.reader(out.open(encoding="utf-8")) for c in row]
        assert cells and not [c for c in cells if c.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r")], out.name
    labels = [r["label"] for r in csv.DictReader(outs[0].open(encoding="utf-8"))]
    assert labels and all(x.startswith("'" + label) for x in labels)


def test_every_field_is_hostile(case):
    """The fixture itself: each field of FIELDS holds a payload somewhere in the case."""
    posts = case.posts()
    found = {f for f in ("post_id", "platform", "account", "caption", "url")
             if posts[f].astype(str).str.contains("alert|evil.example").all()}
    found |= {"extra"} if all("alert" in json.dumps(e) for e in posts["extra"]) else set()
    found |= {"title", "analyst"} if all("alert" in case.meta()[k] for k in ("title", "analyst")) else set()
    d = case.decisions()
    found |= {"note"} if d.loc[d["note"].notna(), "note"].str.contains("alert").all() and len(d) else set()
    found |= {"conclusion"} if d.loc[d["kind"] == "report.conclusion", "value"].str.contains("alert").all() \
        and (d["kind"] == "report.conclusion").any() else set()
    found |= {"media_path"} if case.intake_report()["reason"].str.contains("alert").any() else set()
    found |= {"exif"} if case.findings()["value"].astype(str).str.contains("alert").any() else set()
    assert found == set(FIELDS)
