"""Red flags in the report: one line per kind in the body, every file's row in the appendix.

``case.findings()`` has a row per file, post and finding code (the demo: 283
rows on 67 files). The body shows one line per (severity, code) with how many
files and posts it concerns and, folded under the line, the files behind it;
the appendix lists every (file, code) row with its message, tag, value and
posts (issue #15 item 3).
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from kit.case import Case
from kit.report.markup import fold, not_computed, table_html, wrap
from kit.safetext import Html, html_text

__all__ = ["SEVERITY_ORDER", "per_file", "by_code", "findings", "findings_per_file_body"]

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
"""Most serious first; a severity not named here comes last."""

PER_FILE_COLUMNS = ["severity", "code", "sha256", "posts", "message", "tag", "value"]


def _severity_rank(s: pd.Series) -> pd.Series:
    return s.map(SEVERITY_ORDER).fillna(len(SEVERITY_ORDER))


def _join_posts(posts: pd.Series) -> str:
    return ", ".join(sorted({str(p) for p in posts.dropna()}))


def per_file(table: pd.DataFrame) -> pd.DataFrame:
    """One row per file and finding code (columns :data:`PER_FILE_COLUMNS`), most serious first.

    ``posts`` lists the posts that carry the file; message, tag and value are
    the file's first row for that code.
    """
    if table.empty:
        return pd.DataFrame(columns=PER_FILE_COLUMNS)
    posts = table.groupby(["sha256", "code"], sort=False)["post_id"].agg(_join_posts).rename("posts")
    first = table.drop_duplicates(["sha256", "code"]).join(posts, on=["sha256", "code"])
    first = first.assign(_rank=_severity_rank(first["severity"]))
    first = first.sort_values(["_rank", "code", "sha256"], kind="stable")
    return first[PER_FILE_COLUMNS].reset_index(drop=True)


def _files_list(rows: pd.DataFrame, *, messages: bool) -> str:
    items = []
    for r in rows.itertuples(index=False):
        said = f" &mdash; {html_text(r.message)}" if messages else ""
        items.append(f"<li><code>{html_text(str(r.sha256)[:16])}</code> in posts {html_text(r.posts)}{said}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _severity_markup(severity: str) -> Html:
    cls = f' class="sev-{severity}"' if severity in ("high", "medium") else ""
    return Html(f"<span{cls}>{html_text(severity)}</span>")


def by_code(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (severity, code): what it means, how many files and posts, and the files, folded.

    ``meaning`` is the message when every file has the same one; otherwise the
    folded list gives each file's message. ``which files`` is kit markup.
    """
    rows = per_file(table)
    out = []
    for (severity, code), group in rows.groupby(["severity", "code"], sort=False):
        said = group["message"].dropna().unique()
        same = len(said) <= 1
        n_posts = table.loc[(table["code"] == code) & (table["severity"] == severity), "post_id"].nunique()
        out.append({
            "severity": _severity_markup(str(severity)), "code": code,
            "meaning": said[0] if same and len(said) else f"{len(said)} different messages, one per file",
            "files": len(group), "posts": n_posts,
            "which files": fold(f"{len(group)} file{'s' if len(group) != 1 else ''}",
                                _files_list(group, messages=not same)),
        })
    return pd.DataFrame(out, columns=["severity", "code", "meaning", "files", "posts", "which files"])


def findings(case: Case) -> HTML:
    """Red flags (metadata and source comparison): one line per kind, the files behind it folded."""
    if case.results("metadata").empty:
        return not_computed("Key findings", "the metadata step")
    table = case.findings()
    if table.empty:
        return wrap("Key findings", "<p>No metadata red flags in any file.</p>")
    lines = by_code(table)
    head = (f"<p>{len(lines)} kinds of red flag on {table['sha256'].nunique()} files "
            f"({table['post_id'].nunique()} posts), most serious first. Open a line to see its files; "
            'every file\'s findings, with tags and values, are in the <a href="#findings-per-file">'
            "appendix</a>.</p>")
    return wrap("Key findings", head + table_html(lines, max_rows=None, raw=("severity", "which files")))


def findings_per_file_body(case: Case) -> str:
    """The appendix's table of every (file, code) row, folded, or a line saying why there is none."""
    if case.results("metadata").empty:
        return '<p class="muted">Not computed for this case: the metadata step.</p>'
    rows = per_file(case.findings())
    if rows.empty:
        return "<p>No red flags in any file.</p>"
    return fold(f"{len(rows)} rows: one per file and kind of red flag", table_html(rows, max_rows=None))
