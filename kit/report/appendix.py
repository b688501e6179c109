"""The report's appendix: every row the sections above summarise (issue #15 item 3).

Findings per file, the evidence table (every post with its file's hashes),
intake problems and the custody log, each long table folded in a
``<details>`` block (no JavaScript; a print opens them).

The custody part describes the case as of its last entry that is not a
copy of the case being written out (:data:`COPIES`: a report, HTML or PDF,
or a bundle). Writing a report logs ``report.exported`` with the report's
SHA-256; were that entry described, the next rendering of the same case would
differ from the last by it. Such an entry changes nothing a report shows, so
a trailing run of them is left out and the report stays a pure function of
the case; the log itself keeps every entry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import HTML

from kit.case import Case
from kit.report.findings import findings_per_file_body
from kit.report.markup import anchor, counts, figure, section, table_block, table_html, tally, when, wrap
from kit.safetext import html_text

__all__ = ["COPIES", "described_log", "appendix", "evidence_table", "intake", "custody_digest"]

COPIES = ("report.exported", "bundle.exported")
"""Custody actions that record a copy of the case written out, which changes nothing a report shows.
(``hashlist.exported`` is not one: the first screen names the hash list.)"""


def described_log(log: pd.DataFrame) -> pd.DataFrame:
    """The custody entries a report describes: the log up to its last entry whose action is not in :data:`COPIES`.

    >>> log = pd.DataFrame({"seq": [1, 2, 3, 4, 5], "action": ["case.created", "report.exported",
    ...                     "step.run", "report.exported", "bundle.exported"]})
    >>> described_log(log)["seq"].tolist()
    [1, 2, 3]
    """
    kept = np.flatnonzero(~log["action"].isin(COPIES).to_numpy())
    return log.iloc[: kept[-1] + 1 if len(kept) else 0]


def _evidence_body(case: Case) -> str:
    posts, media = case.posts(), case.media()
    df = posts.merge(media, left_on="media_sha256", right_on="sha256", how="left")
    out = pd.DataFrame({
        "post": df["post_id"], "platform": df["platform"], "account": df["account"],
        "posted (UTC)": df["posted_at"].map(when), "type": df["mime"], "bytes": df["size"],
        "sha256": df["sha256"], "md5": df["md5"],
    })
    body = ("<p>Every post with its file's hashes (shown in redacted reports too).</p>"
            + table_block(out, "posts with their files' SHA-256 and MD5"))
    refs = case.references()
    if len(refs):
        r = refs.merge(media, on="sha256", how="left")
        body += ("<p>Reference files the analyst added: candidate sources found outside the collection, "
                 "without a post, never counted in the spread.</p>"
                 + table_block(pd.DataFrame({"file": r["name"], "where found": r["note"], "added by": r["analyst"],
                                             "added (UTC)": r["at"].map(when), "type": r["mime"], "bytes": r["size"],
                                             "sha256": r["sha256"], "md5": r["md5"]}),
                               "reference files with their SHA-256 and MD5"))
    return body


def _intake_body(case: Case) -> str:
    rep = case.intake_report()
    if rep.empty:
        return "<p>Every manifest row loaded without a problem.</p>"
    cols = ["source", "line", "post_id", "severity", "field", "reason"]
    return table_block(rep[cols], "manifest rows not loaded or loaded with a warning")


def _at(ts: object) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M:%S UTC")


def _custody_body(case: Case) -> str:
    log, check = described_log(case.custody()), case.verify()
    if log.empty:
        return '<p class="muted">The custody log is empty.</p>'
    head = log.iloc[-1]
    status = ("intact: every evidence file and every log entry matches its hash" if check.ok
              else f'<span class="sev-high">{len(check.problems)} problems found</span>')
    body = (f"<p>This report describes the case as of custody entry {html_text(head['seq'])} "
            f"({html_text(_at(head['at']))}, {html_text(head['action'])}), entry hash "
            f"<code>{html_text(head['hash'])}</code>; the log is {status}. Entries that only record a "
            f"copy of the case being written out ({html_text(', '.join(COPIES))}, this report's own "
            "included) change nothing shown here and are not described when they come last, so the same "
            "case gives the same report; the log keeps each of them with the SHA-256 of what was "
            "written.</p><h4>What was done</h4>" + table_html(counts(log["action"], "action", "entries")))
    entries = pd.DataFrame({"seq": log["seq"], "at (UTC)": log["at"].map(_at), "actor": log["actor"],
                            "action": log["action"], "subject": log["subject"],
                            "hash": log["hash"].str[:16]})
    body += "<h4>Every entry</h4>" + table_block(entries, "entries")
    if not check.ok:
        body += "<h4>Problems</h4>" + table_html(check.problems, max_rows=None)
    return body


def summary_body(case: Case) -> str:
    """The case's facts: title, id, analyst, posts, files, first and last seen, where it appeared."""
    meta, posts, media = case.meta(), case.posts(), case.media()
    timed = posts.dropna(subset=["posted_at"]).sort_values("posted_at")
    first = timed.iloc[0] if len(timed) else None
    per_platform = (timed.groupby("platform", dropna=False)["posted_at"].agg(["min", "count"])
                    .sort_values("min").reset_index()
                    .rename(columns={"min": "first seen (UTC)", "count": "posts"}))
    per_platform["first seen (UTC)"] = per_platform["first seen (UTC)"].map(when)
    rows = [
        ("Case", html_text(meta.get("title", ""))),
        ("Case id", f"<code>{html_text(meta.get('case_id', ''))}</code>"),
        ("Analyst", html_text(meta.get("analyst", ""))),
        ("Posts", f"{len(posts)} by {posts['account'].nunique()} accounts on "
                  f"{posts['platform'].nunique()} platforms"),
        ("Distinct files", f"{len(media)} ({tally(media['kind'])})"),
        ("First seen", "unknown" if first is None else
         f"{when(first['posted_at'])} on {html_text(first['platform'])} "
         f"(post {html_text(first['post_id'])})"),
        ("Last seen", when(timed["posted_at"].iloc[-1]) if len(timed) else "unknown"),
    ]
    body = "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
    body += "<h3>Where it appeared</h3>" + table_block(per_platform, "platforms")
    return body


def _scores_body(case: Case) -> str:
    """Every detector score of every file, as a figure (the detector section shows the best copies)."""
    from kit.viz import score_figure

    scores = case.scores()
    if scores.empty:
        return '<p class="muted">No detector has run on this case.</p>'
    return figure(score_figure(scores)).data


PARTS = (("Summary", summary_body), ("Findings per file", findings_per_file_body), ("Evidence", _evidence_body),
         ("Intake", _intake_body),
         ("Every detector score", _scores_body), ("Custody log", _custody_body))
"""The appendix's parts in order: (title, body of a case); each part's HTML id is its title's anchor."""


def appendix(case: Case) -> HTML:
    """Every row behind the report: findings per file, every post, intake problems, the custody log."""
    parts = "".join(f'<div id="{anchor(title)}"><h3>{html_text(title)}</h3>{body(case)}</div>'
                    for title, body in PARTS)
    intro = ("<p>The rows behind the sections above, all of them. Long tables are folded: click a line to "
             "open it (printing opens every one).</p>")
    return HTML(section("Appendix", intro + parts))


def evidence_table(case: Case) -> HTML:
    """Every post with its file's hashes, as a section of its own (the appendix holds it too)."""
    return wrap("Evidence", _evidence_body(case))


def intake(case: Case) -> HTML:
    """Manifest rows that were not loaded or loaded with a warning, as a section of its own."""
    return wrap("Intake", _intake_body(case))


def custody_digest(case: Case) -> HTML:
    """The custody log as the report describes it, as a section of its own (the appendix holds it too)."""
    return wrap("Custody log", _custody_body(case))
