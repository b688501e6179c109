"""The custody log: an append-only chain of entries, each hashed with the one before.

Every action on a case (created, file ingested, step run, analyst decision,
export) is one entry. An entry's ``hash`` is the SHA-256 of its canonical
JSON form, which includes the previous entry's hash, so changing any byte of
any stored entry (or removing one from the middle) breaks the chain from
there on. The database also refuses UPDATE and DELETE on the table.

The chain also vouches for the database: an entry's ``details["vouched"]``
names each row of :data:`kit.store.VOUCHED` that its transaction wrote, with
:func:`row_digest` of the row's content (or None for a row it removed).
:func:`audit_database` checks a database against its chain: rows that no
entry vouches for, rows changed or removed since, and the guard triggers.

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

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kit._version import __version__
from kit.digest import hash_file
from kit.steps import to_jsonable
from kit.store import VOUCHED, CaseRows, custody_rows, iter_vouched, row_key, rows_by_key, take_written, trigger_problems

__all__ = ["GENESIS", "CustodyEntry", "canonical_json", "make_entry", "entry_hash", "verify_chain",
           "row_digest", "vouch", "audit_database", "read_entries", "utc_now", "append_entry", "entry_details",
           "VerifyReport", "verify_case", "attest_rows"]

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


# -- the database against the chain ---------------------------------------------------------------

def row_digest(rows: list[Mapping[str, Any]]) -> str | None:
    """SHA-256 of the stored rows with one key (one row, as a rule); None when there are none.

    A row's digest is the SHA-256 of its canonical JSON with NULL columns left
    out (so a nullable column added by a later schema keeps older digests);
    several rows with one key get the SHA-256 of their sorted digests.

    >>> row_digest([{"post_id": "p1", "account": "@a", "likes": None}]) == row_digest([{"account": "@a", "post_id": "p1"}])
    True
    >>> row_digest([]) is None
    True
    """
    return _combine([_one_row(r) for r in rows])


def _one_row(row: Mapping[str, Any]) -> str:
    text = canonical_json({k: (v.hex() if isinstance(v, bytes) else v) for k, v in row.items() if v is not None})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _combine(digests: list[str]) -> str | None:
    if len(digests) <= 1:
        return digests[0] if digests else None
    return hashlib.sha256("\n".join(sorted(digests)).encode()).hexdigest()


def vouch(conn: sqlite3.Connection) -> dict[str, dict[str, str | None]]:
    """``details["vouched"]`` for the next entry: what this connection wrote since the last one."""
    out: dict[str, dict[str, str | None]] = {}
    for table, keys in take_written(conn).items():
        out[table] = {row_key(k): row_digest(rows_by_key(conn, table, k)) for k in keys}
    return out


def read_entries(conn: sqlite3.Connection) -> Iterator[CustodyEntry]:
    """The stored custody log, in order, one entry at a time."""
    for r in custody_rows(conn):
        yield CustodyEntry(*r)


def _problem(kind: str, subject: str, detail: str) -> dict[str, str]:
    return {"kind": kind, "subject": subject, "detail": detail}


def audit_database(conn: sqlite3.Connection) -> tuple[int, list[dict[str, str]]]:
    """Check a case database against its own custody chain: (entries, problems).

    Problems (kind, subject, detail): a broken chain; a guard trigger missing,
    altered or added; a row that no entry vouches for; a row changed or removed
    since the entry that vouched for it. Reads the log and each table once,
    keeping only a digest per row.
    """
    problems = [_problem("trigger", name, what) for name, what in trigger_problems(conn)]
    claims: dict[str, dict[str, tuple[int, str | None]]] = {t: {} for t in VOUCHED}
    n = 0

    def entries() -> Iterator[CustodyEntry]:
        nonlocal n
        for e in read_entries(conn):
            n += 1
            rows = _details_rows(e.details)
            for table, digests in rows.items():
                if table in claims and isinstance(digests, dict):
                    claims[table].update({str(k): (e.seq, v) for k, v in digests.items()})
            yield e

    for p in verify_chain(entries()):
        problems.append(_problem("custody", f"entry {p['seq']}", f"{p['problem']}: {p['detail']}"))
    for table in VOUCHED:
        claimed = claims[table]
        found: dict[str, list[str]] = {}
        for key, row in iter_vouched(conn, table):
            found.setdefault(key, []).append(_one_row(row))
        for key, digests in found.items():
            claim = claimed.get(key)
            if claim is None:
                problems.append(_problem("row", f"{table} {key}", "no custody entry vouches for this row "
                                                                  "(written outside the kit)"))
            elif claim[1] != _combine(digests):
                problems.append(_problem("row", f"{table} {key}",
                                         f"changed since custody entry {claim[0]} vouched for it"))
        for key, (seq, digest) in claimed.items():
            if digest is not None and key not in found:
                problems.append(_problem("row", f"{table} {key}",
                                         f"removed since custody entry {seq} vouched for it"))
    return n, problems


def _details_rows(details: str) -> dict[str, Any]:
    try:
        value = json.loads(details)
    except ValueError:
        return {}
    rows = value.get("vouched") if isinstance(value, dict) else None
    return rows if isinstance(rows, dict) else {}


def utc_now() -> str:
    """Now, as the case stores times: ISO 8601 UTC with microseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def append_entry(rows: CaseRows, action: str, subject: str, details: dict[str, Any], actor: str) -> CustodyEntry:
    """Append one entry after the log's last (call inside a write transaction); the entry."""
    last = rows.last_custody()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = make_entry(seq, utc_now(), actor, action, subject, details, prev)
    rows.insert_custody((entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.details,
                         entry.prev_hash, entry.hash))
    return entry


def entry_details(text: str) -> dict[str, Any]:
    """An entry's details, or {} where tampering left them unreadable (reported by the chain)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of :meth:`kit.casedb.CaseDB.verify`: ``problems`` has columns kind, subject, detail.

    Kinds: ``evidence`` (a file missing or changed), ``custody`` (the chain
    broken), ``trigger`` (a guard trigger dropped or altered), ``row`` (a
    database row that no custody entry vouches for, or changed or removed
    since one did).
    """

    n_media: int
    n_custody: int
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no evidence file, log entry, guard trigger or vouched row was found altered."""
        return self.problems.empty


def verify_case(path: Path, rows: CaseRows, conn: sqlite3.Connection) -> VerifyReport:
    """A case's :class:`VerifyReport`: re-hash every evidence file, the custody chain and the rows it vouches for; report every mismatch.

    Also checks that the guard triggers are there as the kit made them.
    Reads the database only (an open never re-creates a missing one).
    """
    problems: list[dict[str, str]] = []
    media = rows.media_paths()
    for sha, rel in media:
        p = path / rel
        if not p.is_file():
            problems.append({"kind": "evidence", "subject": sha, "detail": f"missing file {rel}"})
            continue
        actual = hash_file(p)[0]
        if actual != sha:
            problems.append({"kind": "evidence", "subject": sha,
                             "detail": f"{rel} now hashes to {actual}"})
    n_entries, found = audit_database(conn)
    problems += found
    logged = {entry_details(d).get("sha256") for d in rows.custody_details("file.ingested")}
    for sha, _ in media:
        if sha not in logged:
            problems.append({"kind": "custody", "subject": sha,
                             "detail": "evidence has no file.ingested entry in the log"})
    return VerifyReport(len(media), n_entries,
                        pd.DataFrame(problems, columns=["kind", "subject", "detail"]))


def attest_rows(conn: sqlite3.Connection, rows: CaseRows, name: str, found: int, actor: str) -> None:
    """Upgrade of a case from before schema 3: vouch for its rows as they are now (one entry).

    Step payloads that echo an absolute evidence path get the path relative
    to the case first (a bundle must not carry local paths).
    """
    if found == 0 or found >= 3:  # from schema 3 on, every row was vouched for when written
        return
    fixed = 0
    for rowid, payload in rows.path_payloads():
        value = json.loads(payload)
        where = value.get("path") if isinstance(value, dict) else None
        if isinstance(where, str) and Path(where).is_absolute() and "/evidence/" in where:
            value["path"] = "evidence/" + where.rsplit("/evidence/", 1)[1]
            rows.set_payload(rowid, json.dumps(value, ensure_ascii=False))
            fixed += 1
    vouched: dict[str, dict[str, str | None]] = {}
    for table in VOUCHED:
        found_rows: dict[str, list[dict[str, Any]]] = {}
        for key, row in iter_vouched(conn, table):
            found_rows.setdefault(key, []).append(row)
        if found_rows:
            vouched[table] = {key: row_digest(group) for key, group in found_rows.items()}
    append_entry(rows, "rows.attested", name, {
        "from_schema": found, "kit_version": __version__, "paths_made_relative": fixed,
        "why": "rows written before the custody chain vouched for rows: attested as found", "vouched": vouched},
        actor)

