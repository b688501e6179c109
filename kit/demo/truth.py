"""The ground truth of the incident: truth.json (true parents, transforms, the splice, the bad rows)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from kit.demo.cascade import FACTCHECK, HUBS, T0
from kit.demo.transforms import PLATFORMS


def truth_posts(posts: list, pid: dict, missing) -> dict:
    """One truth record a post, in post id order (see README.md, truth.json)."""
    out = {}
    for p in sorted(posts, key=lambda q: pid[q.key]):
        i = pid[p.key]
        out[i] = {
            "true_parent": pid[p.parent] if p.parent is not None else None,
            "explicit_parent": pid[p.explicit] if p.explicit is not None else None,
            "transforms": p.transforms, "platform": p.platform, "account": p.account,
            "kind": p.kind, "role": p.role, "distractor": p.role == "distractor",
            "distractor_kind": p.distractor_kind,
            "same_bytes_as": pid[p.same_bytes_as] if p.same_bytes_as is not None else None,
            "posted_at_utc": (T0 + timedelta(seconds=round(p.t * 3600))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "uploaded_as_file": p.as_file,
            "media_sha256": None if p is missing else hashlib.sha256(p.data).hexdigest(),
            "media_missing": p is missing}
    return out


def truth_record(seed: int, version: str, posts: list, pid: dict, acc, composite: dict, bad_rows: list,
                 by_post: dict) -> dict:
    """The whole truth.json."""
    origin = pid[posts[0].key]
    return {
        "seed": seed, "generator_version": version, "t0_utc": T0.isoformat(),
        "origin_post_id": origin,
        "debunk_post_id": next(pid[p.key] for p in posts if p.role == "debunk"),
        "distractor_post_ids": sorted(pid[p.key] for p in posts if p.role == "distractor"),
        "composite": {**composite, "post_id": origin}, "bad_rows": bad_rows,
        "platforms": PLATFORMS,
        "accounts": {a: {"platform": acc.platform[a], "followers": acc.followers[a],
                         "hub": a in HUBS or a == FACTCHECK[0]}
                     for a in sorted({p.account for p in posts})},
        "posts": by_post,
    }
