"""A widget app as static HTML, for notebooks read without a kernel (a shared case bundle, nbviewer).

A live ipywidgets view needs a kernel and the widget JavaScript; an executed
notebook opened later shows "Error displaying widget" or loads that
JavaScript from a CDN. :class:`StaticView` makes each of the kit's apps also
offer a ``text/html`` rendering of what it shows at the moment it is
displayed: :func:`static_html` walks the widget tree (boxes become rows and
columns, HTML widgets their HTML, images inline PNG/JPEG, plotly figure
widgets plain plotly figures without their library, controls disabled copies
with their values). JupyterLab with a kernel still draws the live widget
(the widget view outranks ``text/html``); :mod:`kit.report.notebooks` keeps
only the static rendering in the notebooks it stores.

Pictures stay as the app drew them: a thumbnail blurred in the app is
blurred in the static copy. Text comes from the widgets' own values: HTML
widgets hold the kit's already escaped markup, every other value is escaped
here.

Examples
--------
>>> import ipywidgets as widgets
>>> html = static_html(widgets.VBox([widgets.HTML("<b>ok</b>"), widgets.Text(value="<x>", description="note")]))
>>> "<b>ok</b>" in html and "&lt;x&gt;" in html and "disabled" in html
True
"""

from __future__ import annotations

import base64
from typing import Any

import ipywidgets as widgets

from kit.safetext import html_text

__all__ = ["StaticView", "static_html"]


def _figure(w: Any) -> str:
    import plotly.graph_objects as go

    from kit.viz import figure_id

    fig = go.Figure(w)
    return fig.to_html(include_plotlyjs=False, full_html=False, div_id=figure_id(fig))


def _choice(w: Any) -> str:
    value = w.value if not isinstance(w.value, tuple) else ", ".join(map(str, w.value))
    label = getattr(w, "label", None)
    shown = label if isinstance(label, str) and label else value
    return f'<span class="dfk-static-control">{html_text(w.description or "")} <b>{html_text(shown)}</b></span>'


def _control(w: Any) -> str | None:
    """A disabled copy of a control with its value, or None for a widget that is not a control."""
    desc = html_text(getattr(w, "description", "") or "")
    if isinstance(w, (widgets.Button, widgets.ToggleButton)):
        return f"<button disabled>{desc}</button>"
    if isinstance(w, widgets.Checkbox):
        return f'<label><input type="checkbox" disabled{" checked" if w.value else ""}> {desc}</label>'
    if isinstance(w, (widgets.Text, widgets.Textarea)):
        return f"<label>{desc} <textarea disabled rows=\"2\">{html_text(w.value)}</textarea></label>"
    if isinstance(w, (widgets.Dropdown, widgets.ToggleButtons, widgets.SelectMultiple, widgets.IntSlider,
                      widgets.FloatSlider)):
        return _choice(w)
    if isinstance(w, widgets.Label):
        return html_text(w.value)
    return None


def _image(w: widgets.Image) -> str:
    fmt = (w.format or "png").lower()
    return f'<img src="data:image/{html_text(fmt)};base64,{base64.b64encode(bytes(w.value)).decode()}" alt="">'


def _output(w: widgets.Output) -> str:
    parts = []
    for out in w.outputs:
        data = out.get("data", {})
        if "text/html" in data:
            parts.append(data["text/html"])
        elif out.get("text") or "text/plain" in data:
            parts.append(f"<pre>{html_text(out.get('text') or data['text/plain'])}</pre>")
    return "".join(parts)


def static_html(w: Any) -> str:
    """What widget ``w`` shows now, as HTML that needs no kernel and no widget JavaScript (the widget's own
    CSS classes kept on a wrapper, as the live view has them)."""
    html = _static(w)
    classes = " ".join(getattr(w, "_dom_classes", ()) or ())
    return f'<div class="{html_text(classes)}">{html}</div>' if classes and html else html


def _static(w: Any) -> str:
    if type(w).__name__ == "FigureWidget":
        return _figure(w)
    if isinstance(w, widgets.HTML):
        return w.value
    if isinstance(w, widgets.Image):
        return _image(w)
    if isinstance(w, widgets.Output):
        return _output(w)
    if isinstance(w, widgets.Box):
        if getattr(w.layout, "display", None) == "none":
            return ""
        row = isinstance(w, widgets.HBox)
        style = "display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start" if row else "display:block"
        return f'<div style="{style}">' + "".join(f"<div>{static_html(c)}</div>" for c in w.children) + "</div>"
    control = _control(w)
    return control if control is not None else ""


class StaticView:
    """Mixin for an app (first base, before the ipywidgets box): also offers its static HTML when displayed."""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        bundle["text/html"] = f'<div class="dfk-static">{static_html(self)}</div>'
        return bundle
