"""Findings from detector results that are provenance, not scores: a decoded generator watermark.

A detector score is a reading for the analyst to weigh; a decoded watermark is
a fact about the file (a generator marked it), so it is also a finding,
beside the C2PA and IPTC declarations the metadata step reads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from kit.casedb import CaseDB

__all__ = ["FINDING_COLUMNS", "watermark_findings"]

FINDING_COLUMNS = ["sha256", "post_id", "code", "severity", "message", "tag", "value"]


def watermark_findings(case: CaseDB) -> pd.DataFrame:
    """One ``AI_WATERMARK`` finding (severity high) per post of each file whose generator watermark
    the ``watermark`` detector decoded (:mod:`kit.detectors.watermark`)."""
    if "detector.watermark" not in case.rows.step_names("detector."):
        return pd.DataFrame(columns=FINDING_COLUMNS)
    res = case.results("detector.watermark")
    posts = case.posts()
    by_file = posts.groupby("media_sha256")["post_id"].apply(list).to_dict() if len(posts) else {}
    rows = []
    for r in res.itertuples(index=False):
        payload = r.payload if r.status == "ok" and isinstance(r.payload, dict) else {}
        raw = payload.get("raw") or {}
        if payload.get("score") != 1.0 or not raw.get("message"):
            continue
        for post in by_file.get(r.sha256) or [None]:
            rows.append({"sha256": r.sha256, "post_id": post, "code": "AI_WATERMARK", "severity": "high",
                         "message": payload.get("explanation") or "", "tag": "Watermark:dwtDct",
                         "value": json.dumps({"message": raw["message"], "generator": raw.get("generator")})})
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)
