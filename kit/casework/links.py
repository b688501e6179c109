"""What an ingest checks once an export's posts are in: repost links, field counts, unused media.

- :func:`check_parents`: a parent post id that is not in the case is kept
  as the export gave it, and reported.
- :func:`resolve_links`: an export that names only the account a post was
  reposted from (a Telegram forward: Telegram Desktop writes the original's
  name, never its message id) gets its parent when the case holds exactly
  one earlier post by that account, on that platform, with the same media
  file (a forward carries the original's bytes). The link is written, with
  a custody entry, and reported; an ambiguous one is reported and left open.
  Posts of earlier ingests are linked too, once their original arrives.
- :func:`field_counts`: per field of the export, and per post column, how
  many records had it (the intake report's field table).
- :func:`unused_media`: media files of a collection folder that no export
  named (thumbnails, posts that are in no export): reported, not ingested.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jpg").write_bytes(b"\\xff\\xd8\\xff")
>>> _ = (d / "b.jpg").write_bytes(b"\\xff\\xd8\\xff")
>>> unused_media(d, {(d / "a.jpg").resolve()})["reason"]
'1 media file that no export names was not ingested (b.jpg): ingest it with --format folder to keep it'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.containment import media_root as real_root
from kit.manifest import MEDIA_SUFFIXES
from kit.records import walk_folder

if TYPE_CHECKING:
    from kit.casedb import CaseDB
    from kit.importers import IntakeLog

__all__ = ["POST_FIELDS", "check_parents", "resolve_links", "field_counts", "unused_media", "intake_fields"]

POST_FIELDS = ("platform", "account", "posted_at", "url", "parent_post_id", "link_type", "parent_account",
               "caption", "likes", "shares", "views", "time_source")
"""Post columns counted by :func:`field_counts`."""


def _issue(row: Any, severity: str, fld: str, reason: str) -> dict[str, Any]:
    return {"source": row["source"], "line": row["line"], "post_id": row["post_id"], "severity": severity,
            "field": fld, "reason": reason}


def check_parents(case: CaseDB, ingest_id: int) -> list[dict[str, Any]]:
    """A warning for each post of this ingest whose parent post is not in the case (the link is kept)."""
    rows = case.rows.orphan_links(ingest_id)
    return [_issue(r, "warning", "parent_post_id", f"parent {r['parent_post_id']} is not in the case "
                   "(kept as given)") for r in rows]


def resolve_links(case: CaseDB, ingest_id: int) -> list[dict[str, Any]]:
    """Link posts that name only their parent's account (see the module doc); call inside a transaction.

    Returns the issues to report: one per link made, one per post left
    open because several earlier posts could be its parent.
    """
    open_links = case.rows.open_links()
    out, made = [], []
    for r in open_links:
        found = case.rows.link_candidates(r)
        if len(found) == 1:
            case.rows.set_parent(r["post_id"], found[0])
            made.append([r["post_id"], found[0]])
            out.append(_issue(r, "warning", "parent_post_id", f"{r['link_type']} from {r['parent_account']!r} "
                              f"linked to {found[0]}: the only earlier post by that account with the same file"))
        elif len(found) > 1 and r["ingest_id"] == ingest_id:
            out.append(_issue(r, "warning", "parent_post_id", f"{r['link_type']} from {r['parent_account']!r} not "
                              f"linked: {len(found)} earlier posts by that account have the same file "
                              f"({', '.join(found[:5])})"))
    if made:
        case.append_custody("links.resolved", str(ingest_id), {
            "ingest_id": ingest_id, "rule": "the only earlier post by the named account, on the same platform, "
                                            "with the same media file", "links": made})
    return out


def field_counts(case: CaseDB, ingest_id: int, log: IntakeLog) -> dict[str, Any]:
    """Records read, and per export field and per post column, how many records had it (not empty)."""
    n_posts, counts = case.rows.field_counts(ingest_id, POST_FIELDS)
    return {"records": log.records, "posts": n_posts,
            "post_columns": dict(zip(POST_FIELDS, counts, strict=True)),
            "export_fields": dict(log.fields.most_common())}


def intake_fields(case: CaseDB) -> Any:
    """The field table of every ingest: ingest_id, source, format, kind (``export``/``post``), field, records, of.

    ``records`` is how many records had the field; ``of`` how many records the
    ingest read (export fields) or posts it loaded (post columns).
    """
    import pandas as pd

    rows = []
    for ingest_id, source, fmt, text in case.rows.ingest_fields():
        f = json.loads(text)
        rows += [(ingest_id, source, fmt, "post", k, n, f["posts"]) for k, n in f["post_columns"].items()]
        rows += [(ingest_id, source, fmt, "export", k, n, f["records"]) for k, n in f["export_fields"].items()]
    return pd.DataFrame(rows, columns=["ingest_id", "source", "format", "kind", "field", "records", "of"])


def unused_media(folder: Path, used: set[Path]) -> dict[str, Any] | None:
    """One warning naming the media files under ``folder`` that no export named (``used``), or None."""
    root = real_root(folder)
    left = [rel for rel, refusal in walk_folder(root)
            if not refusal and Path(rel).suffix.lower() in MEDIA_SUFFIXES and (root / rel) not in used]
    if not left:
        return None
    n = len(left)
    return {"source": folder.name, "line": None, "post_id": None, "severity": "warning", "field": "media_path",
            "reason": f"{n} media file{'s' * (n != 1)} that no export names {'were' if n != 1 else 'was'} not "
                      f"ingested ({', '.join(left[:5])}{', ...' if n > 5 else ''}): ingest "
                      f"{'them' if n != 1 else 'it'} with --format folder to keep {'them' if n != 1 else 'it'}"}
