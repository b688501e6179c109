"""The custody log: an append-only chain of entries, each hashed with the one before.

Every action on a case (created, file ingested, step run, analyst decision,
export) is one entry. An entry's ``hash`` is the SHA-256 of its canonical
JSON form, which includes the previous entry's hash, so changing any byte of
any stored entry (or removing one from the middle) breaks the chain from
there on. The database also refuses UPDATE and DELETE on the table.

Examples
--------
>>> e1 = make_entry(1, "2024-01-01T00:00:00+00:00", "ana", "case.created", "c1", {}, GENESIS)
>>> e2 = make_entry(2, "2024-01-01T00:01:00+00:00", "ana", "note", "c1", {"x": 1}, e1.hash)
>>> verify_chain([e1, e2])
[]
>>> forged = e2.__class__(**{**e2.__dict__, "details": '{"x":2}'})
>>> [p["problem"] for p in verify_chain([e1, forged])]
['hash mismatch']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kit.steps import to_jsonable

__all__ = ["GENESIS", "CustodyEntry", "canonical_json", "make_entry", "entry_hash", "verify_chain"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class CustodyEntry:
    """One stored log entry (``details`` is canonical JSON text)."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: str
    prev_hash: str
    hash: str


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the one text form that is hashed."""
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(seq: int, at: str, actor: str, action: str, subject: str, details: str,
               prev_hash: str) -> str:
    """SHA-256 over the canonical form of an entry's fields (details already canonical)."""
    body = canonical_json([seq, at, actor, action, subject, details, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def make_entry(seq: int, at: str, actor: str, action: str, subject: str,
               details: Mapping[str, Any], prev_hash: str) -> CustodyEntry:
    """Build the next entry of a chain."""
    text = canonical_json(details)
    return CustodyEntry(seq, at, actor, action, subject, text, prev_hash,
                        entry_hash(seq, at, actor, action, subject, text, prev_hash))


def verify_chain(entries: Iterable[CustodyEntry]) -> list[dict[str, Any]]:
    """Re-hash a chain in order; return one problem dict per broken entry (empty when intact)."""
    problems: list[dict[str, Any]] = []
    prev, expected_seq = GENESIS, 1
    for e in entries:
        if e.seq != expected_seq:
            problems.append({"seq": e.seq, "problem": "sequence gap",
                             "detail": f"expected entry {expected_seq}, found {e.seq}"})
        if e.prev_hash != prev:
            problems.append({"seq": e.seq, "problem": "broken link",
                             "detail": "prev_hash does not match the previous entry's hash"})
        recomputed = entry_hash(e.seq, e.at, e.actor, e.action, e.subject, e.details, e.prev_hash)
        if recomputed != e.hash:
            problems.append({"seq": e.seq, "problem": "hash mismatch",
                             "detail": f"stored {e.hash[:12]}..., recomputed {recomputed[:12]}..."})
        prev, expected_seq = e.hash, e.seq + 1
    return problems
