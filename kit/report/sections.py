"""The sections of the case report, each one call from notebooks/case_report.ipynb.

Every section returns an ``IPython.display.HTML`` object that carries its own
styling and, for figures, its own JavaScript, so the exported HTML opens
offline. A section whose analysis has not been run says so plainly.
Nothing here prints a local path: the report is meant to be sent.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from IPython.display import HTML

from kit.case import Case

__all__ = ["open_case", "summary", "evidence_table", "intake", "decisions", "custody_digest",
           "not_computed", "table_html", "STYLE"]

STYLE = """<style>
.dfk {font-family: system-ui, sans-serif; font-size: 13px}
.dfk table {border-collapse: collapse; margin: 4px 0 12px}
.dfk th, .dfk td {border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top}
.dfk th {background: #f2f2f2}
.dfk .muted {color: #777}
.dfk .sev-high {color: #b00020; font-weight: 600}
.dfk .sev-medium {color: #b36b00}
.dfk code {font-size: 12px}
</style>"""


def open_case(case_path: str) -> Case:
    """Open the case the report is about."""
    return Case.open(case_path)


def _wrap(title: str, body: str) -> HTML:
    return HTML(f'{STYLE}<div class="dfk"><h2>{html.escape(title)}</h2>{body}</div>')


def not_computed(title: str, what: str) -> HTML:
    """A section whose analysis has not been run on this case."""
    return _wrap(title, f'<p class="muted">Not computed for this case: {html.escape(what)}.</p>')


def table_html(df: pd.DataFrame, *, max_rows: int = 500) -> str:
    """An escaped HTML table (at most ``max_rows`` rows, with a note when cut)."""
    note = ""
    if len(df) > max_rows:
        note = f'<p class="muted">First {max_rows} of {len(df)} rows.</p>'
        df = df.head(max_rows)
    return df.to_html(index=False, escape=True, na_rep="", border=0) + note


def _when(ts: Any) -> str:
    return "unknown" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M UTC")


def summary(case: Case) -> HTML:
    """What, when first seen, where, how far it spread (from the posts)."""
    meta, posts, media = case.meta(), case.posts(), case.media()
    timed = posts.dropna(subset=["posted_at"]).sort_values("posted_at")
    first = timed.iloc[0] if len(timed) else None
    per_platform = (timed.groupby("platform", dropna=False)["posted_at"].agg(["min", "count"])
                    .sort_values("min").reset_index()
                    .rename(columns={"min": "first seen (UTC)", "count": "posts"}))
    per_platform["first seen (UTC)"] = per_platform["first seen (UTC)"].map(_when)
    rows = [
        ("Case", html.escape(meta.get("title", ""))),
        ("Case id", f"<code>{meta.get('case_id', '')}</code>"),
        ("Analyst", html.escape(meta.get("analyst", ""))),
        ("Posts", f"{len(posts)} by {posts['account'].nunique()} accounts on "
                  f"{posts['platform'].nunique()} platforms"),
        ("Distinct files", f"{len(media)} ({', '.join(f'{k}: {v}' for k, v in media['kind'].value_counts().items())})"),
        ("First seen", "unknown" if first is None else
         f"{_when(first['posted_at'])} on {html.escape(str(first['platform']))} "
         f"(post {html.escape(str(first['post_id']))})"),
        ("Last seen", _when(timed["posted_at"].iloc[-1]) if len(timed) else "unknown"),
    ]
    body = "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
    body += "<h3>Where it appeared</h3>" + table_html(per_platform)
    return _wrap("Summary", body)


def evidence_table(case: Case) -> HTML:
    """Every post with its file's hashes (hashes are shown even in redacted reports)."""
    posts, media = case.posts(), case.media()
    df = posts.merge(media, left_on="media_sha256", right_on="sha256", how="left")
    out = pd.DataFrame({
        "post": df["post_id"], "platform": df["platform"], "account": df["account"],
        "posted (UTC)": df["posted_at"].map(_when), "type": df["mime"], "bytes": df["size"],
        "sha256": df["sha256"], "md5": df["md5"],
    })
    return _wrap("Evidence", table_html(out))


def intake(case: Case) -> HTML:
    """Manifest rows that were not loaded or loaded with a warning."""
    rep = case.intake_report()
    if rep.empty:
        return _wrap("Intake", "<p>Every manifest row loaded without a problem.</p>")
    cols = ["source", "line", "post_id", "severity", "field", "reason"]
    return _wrap("Intake", table_html(rep[cols]))


def decisions(case: Case) -> HTML:
    """The analyst's decisions and notes (who, when, what)."""
    d = case.decisions()
    if d.empty:
        return _wrap("Analyst decisions", '<p class="muted">No decisions recorded.</p>')
    d = d.assign(at=pd.to_datetime(d["at"], utc=True, format="ISO8601").map(_when))
    return _wrap("Analyst decisions", table_html(d[["at", "analyst", "kind", "subject", "value", "note"]]))


def custody_digest(case: Case) -> HTML:
    """The custody log's head hash, its length, what was done, and whether it verifies."""
    log = case.custody()
    check = case.verify()
    head = log.iloc[-1] if len(log) else None
    counts = log["action"].value_counts().rename_axis("action").reset_index(name="entries")
    status = ("intact: every evidence file and every log entry matches its hash" if check.ok
              else f'<span class="sev-high">{len(check.problems)} problems found</span>')
    body = (f"<p>{len(log)} entries; head entry {head['seq'] if head is not None else '-'} "
            f"with hash <code>{head['hash'] if head is not None else '-'}</code>; {status}.</p>"
            + table_html(counts))
    if not check.ok:
        body += table_html(check.problems)
    return _wrap("Custody log", body)
