"""Text from a collection stays text: escaped for HTML, defused for spreadsheets.

Post ids, platforms, account names, captions, urls, EXIF strings, case titles
and analyst notes come from other people and may hold ``<script>``,
``<img onerror=...>`` or ``=HYPERLINK(...)``. The report, the notebooks, the
widgets and the plotly hover labels put text into HTML only through
:func:`html_text` and :func:`html_table`; every CSV the kit writes goes
through :func:`csv_cell` / :func:`csv_text`. Markup the kit builds itself (a
thumbnail ``<img>``) is marked :class:`Html` and passes through unchanged.

Examples
--------
>>> html_text('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> html_text(Html("<b>ours</b>"))
'<b>ours</b>'
>>> csv_cell("=HYPERLINK(\\"http://x\\",\\"click\\")")
'\\'=HYPERLINK("http://x","click")'
>>> csv_cell("-12"), csv_cell(-12), csv_cell("plain")
("'-12", -12, 'plain')
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Collection
from typing import Any

import pandas as pd

from kit.values import is_missing

__all__ = ["Html", "html_text", "html_table", "csv_cell", "csv_frame", "csv_text", "FORMULA_START"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class Html(str):
    """Markup the kit wrote itself (any outside text in it already escaped): emitted as is."""

    __slots__ = ()


def html_text(value: Any) -> str:
    """``value`` as HTML text: markup characters and quotes escaped; None and NaN as ''."""
    if isinstance(value, Html):
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if value is pd.NA or value is pd.NaT:
            return ""
    except TypeError:
        pass
    return html.escape(str(value), quote=True)


def _is_plain(series: pd.Series) -> bool:
    """Numbers, booleans and timestamps render without any outside text."""
    return (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
            or pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series))


def html_table(df: pd.DataFrame, *, max_rows: int | None = None, na_rep: str = "",
               raw: Collection[str] = ()) -> str:
    """An HTML table with every header and text cell escaped.

    Columns named in ``raw`` hold markup the kit built itself (each outside
    text in it escaped already) and pass through, as do :class:`Html` cells of
    object columns (pandas' text columns keep plain ``str`` only). At most
    ``max_rows`` rows, with a note when cut.

    >>> df = pd.DataFrame({"<th>": ["<script>x</script>", "b"], "img": ["<i>ok</i>", ""], "n": [1, 2]})
    >>> t = html_table(df, raw=["img"])
    >>> "<script>" in t, "&lt;script&gt;x" in t, "&lt;th&gt;" in t, "<i>ok</i>" in t
    (False, True, True, True)
    """
    note = ""
    if max_rows is not None and len(df) > max_rows:
        note = f'<p class="muted">First {max_rows} of {len(df)} rows.</p>'
        df = df.head(max_rows)
    out = pd.DataFrame(index=range(len(df)))
    for i, col in enumerate(df.columns):
        series = df.iloc[:, i].reset_index(drop=True)
        if col in raw:
            out[i] = series.map(lambda v: na_rep if is_missing(v) else Html(v)).astype(object)
        else:
            out[i] = series if _is_plain(series) else series.map(
                lambda v: na_rep if is_missing(v) else html_text(v)).astype(object)
    out.columns = [html_text(c) for c in df.columns]
    return out.to_html(index=False, escape=False, na_rep=na_rep, border=0) + note


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run: a leading ``= + - @``, tab or line break gets a ``'``.

    Non-text values (numbers, None) are returned unchanged.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and header) passed through :func:`csv_cell`."""
    out = df.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if not _is_plain(series):
            out.isetitem(i, series.map(csv_cell).astype(object))
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def csv_text(rows: pd.DataFrame | list[list[Any]], header: list[str] | None = None) -> str:
    """CSV text (``\\n`` line ends) of a DataFrame or of rows, every text cell defused.

    >>> csv_text([["pdq", "=1+1"]], header=["type", "label"])
    "type,label\\npdq,'=1+1\\n"
    """
    if isinstance(rows, pd.DataFrame):
        return csv_frame(rows).to_csv(index=False, lineterminator="\n")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header is not None:
        writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue()
