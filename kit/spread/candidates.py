"""Analyst decisions for :func:`kit.spread.build`: match confirmations and parent choices.

Match decisions (:func:`apply_match_decisions`): rows of ``case.decisions()``
whose ``kind`` is ``match`` (or ``matching.match``), ``subject`` ``"<sha
a>|<sha b>"`` (also ``,`` or whitespace), or ``subject`` = one sha256 and
``value`` a dict with ``other``; the value (or its ``decision`` key)
``True``/``"confirm"``/``"match"`` confirms, ``False``/``"reject"``/``"no
match"`` rejects. The latest decision per pair wins.

Parent decisions (:func:`parent_decisions`): kinds ``parent`` /
``spread.parent``, ``subject`` = child post, ``value`` = parent post or None
("an origin"); the latest per child wins. A decision that names the post
itself, an unknown post, or closes a cycle with the other parent decisions
is skipped and reported, so a bad stored decision never blocks tracing.

Examples
--------
>>> import pandas as pd
>>> pairs = pd.DataFrame([{"a": "s1", "b": "s2", "decision": "match"}])
>>> dec = pd.DataFrame({"id": [1, 2], "kind": ["match", "match"], "subject": ["s1|s2", "s3|s1"],
...                     "value": ["reject", True]})
>>> kept, rejected = apply_match_decisions(pairs, dec)
>>> kept[["a", "b", "algorithm", "decision"]].values.tolist(), sorted(map(sorted, rejected))
([['s1', 's3', 'analyst', 'match']], [['s1', 's2']])
>>> dec = pd.DataFrame({"id": [1, 2, 3], "kind": ["spread.parent"] * 3, "subject": ["b", "a", "c"],
...                     "value": ["a", "b", "c"]})
>>> parent_decisions(dec, {"a", "b", "c"})
({'b': 'a'}, ['decision 2 (a -> parent b) would close the cycle a -> b -> a: skipped', 'decision 3 names c as its own parent: skipped'])
"""

from __future__ import annotations

import re

import pandas as pd

from kit.decisions import MATCH_KINDS, PARENT_KINDS
from kit.values import present as val  # None for a missing value (None, NaN, NaT), else the value

__all__ = ["MATCH_KINDS", "PARENT_KINDS", "apply_match_decisions", "parent_decisions", "val"]

_YES = {"confirm", "confirmed", "match", "yes", "true", "same"}
_NO = {"reject", "rejected", "no match", "no", "false", "different", "not a match"}


def _verdict(v: object) -> bool | None:
    if isinstance(v, dict):
        v = v.get("decision", v.get("value", v.get("match")))
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v.strip().lower()
        return True if s in _YES else False if s in _NO else None
    return None


def apply_match_decisions(pairs: pd.DataFrame, decisions: pd.DataFrame | None) -> tuple[pd.DataFrame, set]:
    """Drop rejected pairs, add confirmed ones (``algorithm="analyst"``); return (pairs, rejected set)."""
    rejected: set = set()
    if decisions is None or not len(decisions) or "kind" not in decisions:
        return pairs, rejected
    latest: dict = {}
    for d in decisions[decisions["kind"].isin(MATCH_KINDS)].to_dict("records"):
        subj, value = str(d.get("subject") or ""), d.get("value")
        parts = [p for p in re.split(r"[|,\s]+", subj) if p]
        if len(parts) == 1 and isinstance(value, dict) and value.get("other"):
            parts.append(str(value["other"]))
        verdict = _verdict(value)
        if len(parts) != 2 or verdict is None or parts[0] == parts[1]:
            continue
        latest[frozenset(parts)] = verdict
    if not latest:
        return pairs, rejected
    rejected = {k for k, ok in latest.items() if not ok}
    keep = [frozenset((a, b)) not in rejected for a, b in zip(pairs["a"], pairs["b"])] if len(pairs) else []
    out = pairs[keep] if len(pairs) else pairs
    have = {frozenset((a, b)) for a, b in zip(out["a"], out["b"])} if len(out) else set()
    extra = [{"a": min(k), "b": max(k), "algorithm": "analyst", "distance": 0.0, "verified": True, "inliers": 0,
              "transform": None, "decision": "match"} for k, ok in latest.items() if ok and k not in have]
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True) if len(out) else pd.DataFrame(extra)
    return out.reset_index(drop=True), rejected


def parent_decisions(decisions: pd.DataFrame | None, posts: set) -> tuple[dict, list]:
    """``({child: parent or None}, [problems])`` from the analyst's parent decisions (module doc)."""
    out: dict = {}
    problems: list = []
    if decisions is None or not len(decisions) or "kind" not in decisions:
        return out, problems
    rows = decisions[decisions["kind"].isin(PARENT_KINDS)]
    if "id" in rows:
        rows = rows.sort_values("id")
    for d in rows.to_dict("records"):
        child, parent = str(d.get("subject")), val(d.get("value"))
        parent = None if parent is None else str(parent)
        did = d.get("id", "?")
        if child not in posts:
            problems.append(f"decision {did} names an unknown post {child}: skipped")
            continue
        if parent is not None and parent not in posts:
            problems.append(f"decision {did} names an unknown parent {parent} for {child}: skipped")
            continue
        if parent == child:
            problems.append(f"decision {did} names {child} as its own parent: skipped")
            continue
        trial = {**out, child: parent}
        path, cur = [child], parent
        while cur is not None and cur in trial and cur not in path:
            path.append(cur)
            cur = trial[cur]
        if cur is not None and cur in path:
            cycle = " -> ".join(path[path.index(cur):] + [cur])
            problems.append(f"decision {did} ({child} -> parent {parent}) would close the cycle {cycle}: skipped")
            continue
        out[child] = parent
    return out, problems
