"""The report's HTML pieces: style, section frames, escaped tables, folds and figures.

Every piece is a pure function of its input, so the report is one too
(issue #15: the same case gives the same bytes): a figure's HTML id is
derived from the figure itself, counts that tie come out in a fixed order,
and nothing reads the clock. Outside text reaches HTML only through
:mod:`kit.safetext`.

Examples
--------
>>> anchor("Custody log")
'custody-log'
>>> print(fold("3 files", "<ul><li>a</li></ul>"))
<details><summary>3 files</summary><ul><li>a</li></ul></details>
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from IPython.display import HTML

from kit.safetext import html_table, html_text
from kit.viz.scores import figure_id

__all__ = ["STYLE", "anchor", "section", "wrap", "not_computed", "table_html", "fold", "table_block",
           "when", "counts", "tally", "plotly_library", "figure", "figure_id"]

STYLE = """<style>
.dfk {font-family: system-ui, sans-serif; font-size: 13px}
.dfk table {border-collapse: collapse; margin: 4px 0 12px}
.dfk th, .dfk td {border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top}
.dfk th {background: #f2f2f2}
.dfk .muted {color: #777}
.dfk .sev-high {color: #b00020; font-weight: 600}
.dfk .sev-medium {color: #b36b00}
.dfk code {font-size: 12px}
.dfk details {margin: 2px 0 8px}
.dfk details > summary {cursor: pointer; color: #1a4f8b}
.dfk details ul {margin: 4px 0; padding-left: 18px}
@media print {.dfk details::details-content {content-visibility: visible; display: block}}
.dfk label.reveal {cursor: pointer; display: inline-block; overflow: hidden}
.dfk label.reveal input {display: none}
.dfk label.reveal img {filter: blur(10px) grayscale(0.4)}
.dfk label.reveal input:checked + img {filter: none}
</style>"""

FOLD_OVER = 10
"""Tables with more rows than this are folded (a ``<details>`` block: no JavaScript, works offline)."""


def anchor(title: str) -> str:
    """The HTML id of a section: its title in lower case, hyphens for anything else."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def section(title: str, body: str, *, level: int = 2, anchor_id: str | None = None) -> str:
    """A titled block (``<h2>`` by default) with the report's style; ``body`` is kit markup."""
    ident = anchor_id or anchor(title)
    return (f'{STYLE}<div class="dfk" id="{html_text(ident)}"><h{level}>{html_text(title)}</h{level}>'
            f"{body}</div>")


def wrap(title: str, body: str) -> HTML:
    """A report section: :func:`section` as displayable HTML."""
    return HTML(section(title, body))


def not_computed(title: str, what: str) -> HTML:
    """A section whose analysis has not been run on this case."""
    return wrap(title, f'<p class="muted">Not computed for this case: {html_text(what)}.</p>')


def table_html(df: pd.DataFrame, *, max_rows: int | None = 500, raw: tuple[str, ...] = ()) -> str:
    """An escaped HTML table (at most ``max_rows`` rows, with a note when cut; see kit.safetext)."""
    return html_table(df, max_rows=max_rows, raw=raw)


def fold(summary: str, body: str, *, open_: bool = False) -> str:
    """``body`` under a ``<details>`` line that says ``summary`` (both kit markup; escape outside text first)."""
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body}</details>"


def table_block(df: pd.DataFrame, what: str, *, raw: tuple[str, ...] = (), fold_over: int = FOLD_OVER) -> str:
    """Every row of ``df`` as a table, folded under "N ``what``" when it has more than ``fold_over`` rows."""
    table = table_html(df, max_rows=None, raw=raw)
    if len(df) <= fold_over:
        return table
    return fold(f"{len(df)} {html_text(what)}", table)


def picture(uri: str, alt: str, *, blur: bool) -> str:
    """An embedded picture; under safe viewing (``blur``) drawn blurred until the reader clicks it.

    The reveal is a CSS toggle (a hidden checkbox in the picture's label), no script: it works in
    any browser offline, and print keeps the picture blurred. ``title`` says ``blurred`` or ``not blurred``.
    """
    img = f'<img src="{html_text(uri)}" alt="{html_text(alt)}" title="{"blurred" if blur else "not blurred"}">'
    if not blur:
        return img
    return f'<label class="reveal"><input type="checkbox" aria-label="reveal the picture">{img}</label>'


def when(ts: Any) -> str:
    """A time as the report writes it (UTC, to the minute), or 'unknown'."""
    return "unknown" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M UTC")


def counts(values: pd.Series, name: str, label: str = "n") -> pd.DataFrame:
    """How often each value occurs, most frequent first, ties by value: the same order on every run.

    >>> counts(pd.Series(["b", "a", "b", "c", "a"]), "letter").values.tolist()
    [['a', 2], ['b', 2], ['c', 1]]
    """
    out = values.value_counts(dropna=False).rename_axis(name).reset_index(name=label)
    return out.sort_values([label, name], ascending=[False, True], kind="stable").reset_index(drop=True)


def tally(values: pd.Series) -> str:
    """:func:`counts` as escaped text.

    >>> tally(pd.Series(["video", "image", "image"]))
    'image: 2, video: 1'
    """
    return ", ".join(f"{html_text(v)}: {n}" for v, n in counts(values, "value").itertuples(index=False))


def plotly_library() -> HTML:
    """plotly.js itself, once, inline: every figure after it works offline."""
    from plotly.offline import get_plotlyjs

    return HTML(f'<script type="text/javascript">{get_plotlyjs()}</script>')


def figure(fig: Any, *, div_id: str | None = None) -> HTML:
    """A plotly figure as HTML that uses the library loaded by :func:`plotly_library`.

    Its id is ``div_id`` or :func:`figure_id`: the same figure gives the same
    HTML. Two figures with identical content in one report need a ``div_id``
    each.
    """
    return HTML(fig.to_html(include_plotlyjs=False, full_html=False, div_id=div_id or figure_id(fig)))
