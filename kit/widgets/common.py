"""Small display helpers shared by the apps: escaped HTML tables and the "not computed yet" note.

Text reaches the widgets' HTML only through :mod:`kit.safetext`, the helper the report shares.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit.safetext import html_table as _escaped_table
from kit.safetext import html_text

__all__ = ["STYLE", "html_table", "not_computed", "note", "when"]

STYLE = """<style>
.dfk-w {font-family: system-ui, sans-serif; font-size: 13px}
.dfk-w table {border-collapse: collapse; margin: 2px 0 8px}
.dfk-w th, .dfk-w td {border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top}
.dfk-w td {overflow-wrap: anywhere}
.dfk-w th {white-space: nowrap}
.dfk-w th {background: #f4f4f4}
.dfk-w .muted {color: #777}
.dfk-w .warn {color: #b00020; font-weight: 600}
</style>"""


def html_table(df: pd.DataFrame, *, max_rows: int = 200) -> str:
    """An escaped HTML table of at most ``max_rows`` rows (with a note when cut).

    >>> html_table(pd.DataFrame({"a": ["<b>"]})).count("&lt;b&gt;")
    1
    """
    return f'{STYLE}<div class="dfk-w">{_escaped_table(df, max_rows=max_rows)}</div>'


def not_computed(what: str) -> str:
    """The plain message shown where an analysis has not been run (or does not exist yet).

    >>> "not computed yet" in not_computed("hashes")
    True
    """
    return f'{STYLE}<div class="dfk-w"><p class="muted">{html_text(what)}: not computed yet.</p></div>'


def note(text: str, *, cls: str = "muted") -> str:
    """One escaped paragraph."""
    return f'{STYLE}<div class="dfk-w"><p class="{html_text(cls)}">{html_text(text)}</p></div>'


def when(ts: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM UTC`` or ``unknown``.

    >>> when(pd.Timestamp("2026-03-14T23:42Z")), when(None)
    ('2026-03-14 23:42 UTC', 'unknown')
    """
    return "unknown" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M UTC")
