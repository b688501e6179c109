"""Matching on a case: store each run's pairs, apply the analyst's decisions, derive clusters.

Matching is a collection step (pairs, not one result per file), so it is
stored in its own tables (``match_runs``, ``matches``). The analyst's
confirm / reject decisions (``case.record_decision("match", "a|b", ...)``)
are kept apart and applied on read: they override what was inferred and
survive a re-run.

Columns of :func:`case_matches`: the pair columns of
:data:`kit.matching.PAIR_COLUMNS` plus ``inferred`` (the matcher's decision)
and ``analyst`` (``"confirmed"``, ``"rejected"`` or None); ``decision`` is
the effective one (``"match"``, ``"review"`` or ``"rejected"``).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit.casework.references import case_references
from kit.decisions import MATCH_DECISION
from kit.matching.collection import PAIR_COLUMNS, MatchResult, clusters_from_pairs, items_from_results

if TYPE_CHECKING:
    from kit.casedb import CaseDB

__all__ = ["COMPOSITE_COLUMNS", "HASH_STEP_NAMES", "pair_key", "run_matching", "has_match_run", "case_matches",
           "case_variants",
           "case_composites", "composite_findings", "decide_match"]

COMPOSITE_COLUMNS = ["source", "suspect", "source_label", "suspect_label", "source_posts", "suspect_posts",
                     "changed_fraction", "changed_box", "size", "edits", "summary"]

HASH_STEP_NAMES = ("hash.image", "hash.video")


def pair_key(a: str, b: str) -> str:
    """The decision subject for a pair: the two ids sorted, joined by ``|``.

    >>> pair_key("b", "a")
    'a|b'
    """
    x, y = sorted((a, b))
    return f"{x}|{y}"


def run_matching(case: CaseDB, *, progress: bool = False, **params: Any) -> MatchResult:
    """Match every hashed file of ``case`` (params go to :func:`match_collection`), store and log it."""
    from kit.matching.collection import match_collection

    frames = [case.results(name) for name in HASH_STEP_NAMES]
    results = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else frames[0]
    items = items_from_results(results, case.media())
    t0 = time.perf_counter()
    res = match_collection(items, progress=progress, **params)
    seconds = time.perf_counter() - t0
    with case.transaction() as rows:
        run_id = rows.insert_match_run(pd.Timestamp.now(tz="UTC").isoformat(), json.dumps(params, default=str),
                                       len(items), len(res.pairs), seconds)
        rows.insert_matches(run_id, [
            (r.a, r.b, r.algorithm, None if pd.isna(r.distance) else float(r.distance),
             int(bool(r.verified)), int(r.inliers), None if r.transform is None else json.dumps(r.transform),
             r.decision)
            for r in res.pairs.itertuples(index=False)])
        n_match = int((res.pairs["decision"] == "match").sum()) if len(res.pairs) else 0
        case.append_custody("matching.run", f"run {run_id}", {
            "items": len(items), "pairs": len(res.pairs), "matches": n_match,
            "clusters": int(res.clusters["cluster"].nunique()), "params": params,
            "seconds": round(seconds, 2)})
    return res


def _analyst(case: CaseDB) -> dict[str, str]:
    d = case.decisions(MATCH_DECISION)
    return {} if d.empty else dict(zip(d["subject"], d["value"]))  # later rows win


def has_match_run(case: CaseDB) -> bool:
    """Whether the case holds a matching run (what the report's matching sections need)."""
    return case.rows.latest_match_run() is not None


def case_matches(case: CaseDB) -> pd.DataFrame:
    """Pairs of the latest matching run with the analyst's decisions applied."""
    df = case.rows.matches(case.rows.latest_match_run())
    df["verified"] = df["verified"].astype(bool)
    df["transform"] = df["transform"].map(lambda s: json.loads(s) if isinstance(s, str) else None)
    df = df.rename(columns={"decision": "inferred"})
    df["analyst"] = None
    decisions = _analyst(case)
    keys = [pair_key(a, b) for a, b in zip(df["a"], df["b"])]
    df["analyst"] = [decisions.get(k) for k in keys]
    extra = [k for k in decisions if k not in set(keys)]
    if extra:
        added = pd.DataFrame([{"a": k.split("|")[0], "b": k.split("|")[1], "algorithm": "analyst",
                               "distance": float("nan"), "verified": False, "inliers": 0,
                               "transform": None, "inferred": None, "analyst": decisions[k]}
                              for k in extra])
        df = pd.concat([df, added], ignore_index=True)
    df["decision"] = [
        "match" if an == "confirmed" else "rejected" if an == "rejected" else inf
        for an, inf in zip(df["analyst"], df["inferred"])]
    return df[PAIR_COLUMNS + ["inferred", "analyst"]]


def case_variants(case: CaseDB) -> pd.DataFrame:
    """Variant clusters of every stored file from the effective matches: id, cluster, size."""
    ids = list(case.media()["sha256"])
    return clusters_from_pairs(ids, case_matches(case))


def _labels(case: CaseDB) -> dict[str, tuple[str, list[str]]]:
    """sha256 -> (a label for the analyst: the earliest post with the file, else "reference" and its
    name when the analyst added it as one, else its file name or hash; the posts with the file,
    earliest first)."""
    posts = case.posts()
    out: dict[str, tuple[str, list[str]]] = {}
    if len(posts):
        order = posts.assign(_t=pd.to_datetime(posts["posted_at"], utc=True, errors="coerce"))
        for sha, grp in order.sort_values(["_t", "post_id"], na_position="last").groupby("media_sha256", sort=False):
            ids = [str(x) for x in grp["post_id"]]
            out[str(sha)] = (ids[0], ids)
    ref = case_references(case)
    refs = dict(zip(ref["sha256"], ref["name"]))
    for rec in case.media().to_dict("records"):
        sha = str(rec["sha256"])
        if sha in refs and sha not in out:
            out[sha] = (f"reference {refs[sha] or sha[:12]}", [])
        elif sha not in out:
            out[sha] = (f"file {rec.get('original_name') or sha[:12]}", [])
    return out


def case_composites(case: CaseDB) -> pd.DataFrame:
    """Composites and their sources from the latest matching run (:data:`COMPOSITE_COLUMNS`).

    One row per pair the matcher refused as "a composite of its source" and
    :func:`kit.matching.comparison.compare_either` confirmed: ``source`` and
    ``suspect`` (sha256), their labels (earliest post, else the file name),
    their posts, ``changed_fraction`` (share of the suspect's frame replaced),
    ``changed_box`` (x0, y0, x1, y1 in the suspect's pixels), ``size``
    (the suspect's width, height), ``edits`` and a ``summary`` sentence. A
    pair the analyst confirmed as the same picture is left out.
    """
    m = case_matches(case)
    rows = []
    if len(m):
        labels = _labels(case)
        ids = list(case.media()["sha256"])
        cl = dict(zip(ids, clusters_from_pairs(ids, m)["cluster"]))
        for r in m[(m["inferred"] == "composite") & (m["analyst"] != "confirmed")].itertuples(index=False):
            cmp = (r.transform or {}).get("comparison") or {}
            if cmp.get("relation") != "composite: region replaced" or not cmp.get("source"):
                continue
            if cl.get(r.a) == cl.get(r.b):  # joined as the same picture through other copies
                continue
            src, sus = str(cmp["source"]), str(cmp["suspect"])
            (sl, sp), (tl, tp) = labels.get(src, (src[:12], [])), labels.get(sus, (sus[:12], []))
            frac = float(cmp.get("changed_fraction") or 0.0)
            named = [e["edit"] for e in cmp.get("edits", []) if e["edit"] != "region replaced"]
            rows.append({"source": src, "suspect": sus, "source_label": sl, "suspect_label": tl,
                         "source_posts": sp, "suspect_posts": tp, "changed_fraction": frac,
                         "changed_box": cmp.get("changed_box"), "size": cmp.get("size"), "edits": named,
                         "summary": f"{tl} is {sl} with a region of {100 * frac:.0f}% of the frame replaced by "
                                    f"other picture content"})
    return pd.DataFrame(rows, columns=COMPOSITE_COLUMNS)


def composite_findings(case: CaseDB) -> pd.DataFrame:
    """:func:`case_composites` as findings (the columns of ``case.findings()``), one per post of the
    composite's file (or one without a post), code ``COMPOSITE_OF_SOURCE``, severity high."""
    rows = []
    for r in case_composites(case).itertuples(index=False):
        for post in r.suspect_posts or [None]:
            rows.append({"sha256": r.suspect, "post_id": post, "code": "COMPOSITE_OF_SOURCE", "severity": "high",
                         "message": f"{r.summary} (aligned with the source photo; the region is where the two "
                                    f"differ by other picture content, not by repost edits).",
                         "tag": "source comparison", "value": json.dumps(
                             {"source": r.source, "box": r.changed_box, "share": round(r.changed_fraction, 4)})})
    return pd.DataFrame(rows, columns=["sha256", "post_id", "code", "severity", "message", "tag", "value"])


def decide_match(case: CaseDB, a: str, b: str, confirmed: bool, note: str | None = None) -> int:
    """Store the analyst's confirm / reject of a pair (logged); returns the decision id."""
    return case.record_decision(MATCH_DECISION, pair_key(a, b), "confirmed" if confirmed else "rejected",
                                note=note)
