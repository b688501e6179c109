"""The stored case: one folder, one SQLite file, evidence stored by SHA-256, a custody log.

:class:`CaseDB` is the storage half of :class:`kit.case.Case`: it opens and
creates case folders, runs write transactions that the custody chain vouches
for, runs :class:`kit.steps.Step` objects over the stored media, and reads
back posts, media, step results, decisions and settings. It knows no
capability: the casework (:mod:`kit.casework`) takes a CaseDB, and
:class:`kit.case.Case` adds ingest, matching and spread on top. Every SQL
statement is in :mod:`kit.store`; the connection is private.

Layout of a case folder::

    case.sqlite     the database (see kit.store for the tables)
    evidence/       originals as evidence/<sha[:2]>/<sha256>.<ext>, read-only
    exports/        reports, bundles and hash lists written from the case
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import pandas as pd

from kit._version import __version__
from kit.custody import (CustodyEntry, VerifyReport, append_entry, attest_rows, entry_details, utc_now, verify_case,
                         vouch)
from kit.decisions import PARENT_KINDS
from kit.errors import CaseError, CaseExists, CaseNotFound, SchemaError
from kit.steps import Step, run_step
from kit.store import POST_COLUMNS, Rows, connect, migrate, snapshot, track_writes, user_version

__all__ = ["CaseDB", "VerifyReport", "POST_COLUMNS", "MEDIA_COLUMNS", "RESULT_COLUMNS", "PARENT_KINDS"]

DB_NAME = "case.sqlite"
MEDIA_COLUMNS = ["sha256", "md5", "size", "mime", "kind", "ext", "path", "original_name",
                 "ingested_at"]
RESULT_COLUMNS = ["sha256", "step", "version", "status", "error", "seconds", "payload",
                  "computed_at"]
RESULT_BATCH = 32, 2.0  # step results committed (and vouched for) together: items, seconds


class CaseDB:
    """An open case folder. Use :meth:`create` or :meth:`open`, not the constructor.

    ``rows`` (:class:`kit.store.Rows`) is how the casework reads and writes
    the tables; write inside :meth:`transaction`.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, analyst: str) -> None:
        self.path = path
        self._conn = conn
        self.rows = Rows(conn)
        self.analyst = analyst
        self._lock = threading.RLock()
        track_writes(conn)

    # -- opening -----------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, *, title: str = "", analyst: str | None = None) -> Self:
        """Create a new case folder at ``path`` (which must not hold a case yet)."""
        path = Path(path)
        if (path / DB_NAME).exists():
            raise CaseExists(f"{path}: a case already exists here", path=path)
        try:
            for sub in ("evidence/.tmp", "exports"):
                (path / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CaseError(f"{path}: cannot create the case folder ({exc})", path=path) from exc
        conn = connect(path / DB_NAME)
        migrate(conn)
        analyst = analyst or _default_analyst()
        case = cls(path.resolve(), conn, analyst)
        meta = {"case_id": uuid.uuid4().hex, "title": title, "analyst": analyst,
                "created_at": utc_now(), "kit_version": __version__}
        with case.transaction():
            case.rows.insert_meta(meta)
            case.append_custody("case.created", meta["case_id"], meta)
        return case

    @classmethod
    def open(cls, path: str | Path, *, analyst: str | None = None) -> Self:
        """Open an existing case; older schemas are migrated, newer ones refused.

        A missing, empty (0-byte) or schema-less ``case.sqlite`` is an error:
        a case database is never re-created in place. A case from before
        schema 3 has its rows attested as found, once, when first opened.
        """
        path = Path(path)
        db = path / DB_NAME
        if not db.is_file():
            raise CaseNotFound(f"{path}: no case here (no {DB_NAME})", path=path)
        if db.stat().st_size == 0:
            raise SchemaError(f"{db}: the case database is empty (0 bytes); it is not re-created: "
                              "restore it from a bundle or a backup", path=db)
        conn = connect(db, create=False)
        try:
            if user_version(conn) == 0:
                raise SchemaError(f"{db}: not a case database (no case schema in it); it is not "
                                  "re-created: restore it from a bundle or a backup", path=db)
            meta = Rows(conn).meta()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise SchemaError(f"{db}: not a case database ({exc})", path=db) from exc
        except SchemaError:
            conn.close()
            raise
        who = analyst or meta.get("analyst") or _default_analyst()
        migrate(conn, upgraded=lambda c, v: attest_rows(c, Rows(c), path.resolve().name, v, who))
        return cls(path.resolve(), conn, who)

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path.name!r}, title={self.meta().get('title', '')!r})"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Rows]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error), one thread at a time.

        Rows of :data:`kit.store.VOUCHED` written in it and not yet vouched for
        by a custody entry get a ``rows.written`` entry before the commit.
        """
        with self._lock:
            self.rows.begin()
            try:
                yield self.rows
                rows = vouch(self._conn)
                if rows:
                    self._append("rows.written", ",".join(sorted(rows)), {}, self.analyst, rows)
            except BaseException:
                self.rows.rollback()
                raise
            self.rows.commit()

    # -- custody -----------------------------------------------------------------
    def append_custody(self, action: str, subject: str, details: dict[str, Any],
                       *, actor: str | None = None) -> CustodyEntry:
        """Append one entry to the custody chain; call inside :meth:`transaction`.

        The entry vouches for the rows this transaction wrote since the last
        entry (``details["vouched"]``: table -> row key -> content digest).
        """
        return self._append(action, subject, details, actor or self.analyst, vouch(self._conn))

    def _append(self, action: str, subject: str, details: dict[str, Any], actor: str,
                rows: dict[str, dict[str, str | None]]) -> CustodyEntry:
        return append_entry(self.rows, action, subject, {**details, "vouched": rows} if rows else details, actor)

    def log(self, action: str, subject: str, details: dict[str, Any] | None = None) -> CustodyEntry:
        """Record an action (an export, a report) in the custody log."""
        with self.transaction():
            return self.append_custody(action, subject, details or {})

    def custody(self) -> pd.DataFrame:
        """The custody log: seq, at, actor, action, subject, details (dict), prev_hash, hash."""
        df = self.rows.custody()
        df["details"] = [entry_details(d) for d in df["details"]]
        df["at"] = pd.to_datetime(df["at"], utc=True, format="ISO8601")
        return df

    def verify(self) -> VerifyReport:
        """Re-hash every evidence file, the custody chain and the rows it vouches for; report every mismatch.

        Also checks that the guard triggers are there as the kit made them.
        Reads the database only (an open never re-creates a missing one).
        """
        return verify_case(self.path, self.rows, self._conn)

    def snapshot_to(self, dest: Path, needles: list[str]) -> tuple[tuple[int, str] | None, list[str]]:
        """Copy the database to ``dest`` for sharing (:func:`kit.store.snapshot`): its custody head, and
        where text containing one of ``needles`` remains."""
        return snapshot(self._conn, dest, needles)

    # -- queries -----------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """Case id, title, analyst, created_at, kit version."""
        return self.rows.meta()

    def intake_report(self) -> pd.DataFrame:
        """Every bad or doubtful row of every ingest: ingest_id, source, line, post_id, severity, field, reason."""
        return self.rows.issues()

    def posts(self) -> pd.DataFrame:
        """Posts: :data:`POST_COLUMNS`; ``posted_at`` is UTC datetime (NaT when unknown), ``extra`` a dict.

        ``link_type``, ``time_source`` and ``parent_account`` come from collection exports
        (:mod:`kit.importers`, see :mod:`kit.store`); a post's further media are in :meth:`post_media`.
        """
        df = self.rows.posts()
        df["posted_at"] = pd.to_datetime(df["posted_at"], utc=True, format="ISO8601")
        df["extra"] = df["extra"].map(lambda s: json.loads(s) if isinstance(s, str) and s else {})
        for col in ("likes", "shares", "views"):
            df[col] = df[col].astype("Int64")
        return df

    def post_media(self) -> pd.DataFrame:
        """Every media file of every post: post_id, position (0 = ``posts.media_sha256``), media_sha256."""
        return self.rows.post_media()

    def media(self) -> pd.DataFrame:
        """Stored media: :data:`MEDIA_COLUMNS`; ``path`` is the absolute evidence path."""
        df = self.rows.media()
        df["path"] = [str(self.path / p) for p in df.pop("stored_path")]
        return df[MEDIA_COLUMNS]

    def evidence_path(self, sha256: str) -> Path:
        """Where the evidence file with this SHA-256 is stored."""
        rel = self.rows.stored_path(sha256)
        if rel is None:
            raise CaseError(f"no evidence with sha256 {sha256} in this case")
        return self.path / rel

    # -- steps -------------------------------------------------------------------
    def pending(self, step: Step, *, retry_errors: bool = False) -> list[tuple[str, str]]:
        """(sha256, path) of media the step applies to and has no stored result for."""
        done = self.rows.result_status(step.name, step.version)
        todo = []
        for sha, kind, rel in self.rows.media_kinds():
            if not step.applies_to(kind):
                continue
            if sha in done and not (retry_errors and done[sha] == "error"):
                continue
            todo.append((sha, str(self.path / rel)))
        return todo

    def run(self, step: Step, *, progress: bool = False, retry_errors: bool = False) -> pd.DataFrame:
        """Run ``step`` on media without a stored result, store and log it, return all results.

        Each item is stored as soon as it is done (an interrupted run keeps
        its work); a failing item becomes an ``error`` row and the batch goes on.
        """
        todo = self.pending(step, retry_errors=retry_errors)
        if todo:
            n_err, seconds = self._run_items(step, todo, progress)
            self.log("step.run", step.name, {
                "step": step.name, "version": step.version, "tool": step.tool,
                "kit_version": __version__, "items": len(todo), "errors": n_err,
                "seconds": round(seconds, 3)})
        return self.results(step.name, step.version)

    def _run_items(self, step: Step, todo: list[tuple[str, str]], progress: bool) -> tuple[int, float]:
        """Run the step on each pending item (in a sandbox when it isolates), storing batches; (errors, seconds)."""
        n_err, seconds = 0, 0.0
        sandbox_cm: Any = contextlib.nullcontext(None)
        if step.isolate:
            from kit.sandbox import Sandbox

            sandbox_cm = Sandbox(timeout=step.timeout)
        items: Any = todo
        if progress:
            from tqdm.auto import tqdm

            items = tqdm(todo, desc=step.name, unit="file")
        with sandbox_cm as sandbox:
            batch: list[tuple] = []
            flushed = time.monotonic()
            for sha, path in items:
                out = run_step(step, path, sandbox=sandbox)
                n_err += out.status == "error"
                seconds += out.seconds
                payload = None if out.payload is None else json.dumps(
                    self._relative(out.payload, path), ensure_ascii=False)
                batch.append((sha, step.name, step.version, out.status, out.error, out.seconds,
                              payload, utc_now()))
                if len(batch) >= RESULT_BATCH[0] or time.monotonic() - flushed > RESULT_BATCH[1]:
                    self._store_results(step, batch)
                    flushed = time.monotonic()
            self._store_results(step, batch)
        return n_err, seconds

    def _store_results(self, step: Step, batch: list[tuple]) -> None:
        """Commit a batch of results with the custody entry that vouches for them; empty the batch."""
        if not batch:
            return
        with self.transaction() as rows:
            rows.insert_results(batch)
            self.append_custody("step.results", step.name, {
                "step": step.name, "version": step.version, "items": len(batch),
                "errors": sum(r[3] == "error" for r in batch)})
        batch.clear()

    def _relative(self, payload: Any, path: str) -> Any:
        """The payload with the evidence file's absolute path (echoed by some steps) made relative."""
        if isinstance(payload, dict):
            rel = Path(path).relative_to(self.path).as_posix() if Path(path).is_relative_to(self.path) else path
            return {k: rel if v == path else v for k, v in payload.items()}
        return payload

    def results(self, step: str, version: str | None = None) -> pd.DataFrame:
        """Stored results of a step: :data:`RESULT_COLUMNS`, ``payload`` a dict (None on error).

        Without ``version``, the most recently computed version of the step.
        """
        if version is None:
            version = self.rows.latest_version(step)
        df = self.rows.results(step, version)
        df["payload"] = df["payload"].map(lambda s: json.loads(s) if isinstance(s, str) and s else None)
        return df[RESULT_COLUMNS]

    # -- analyst decisions and settings ---------------------------------------------
    def record_decision(self, kind: str, subject: str, value: Any, note: str | None = None,
                        *, analyst: str | None = None) -> int:
        """Store an analyst decision (who, when) and log it; return its id.

        A parent decision (kind ``parent`` / ``spread.parent``: ``subject`` the
        child post, ``value`` its parent or None) that names the post itself,
        or would close a cycle with the manifest's repost links and the other
        parent decisions, is refused with a :class:`CaseError` naming the cycle.
        """
        who = analyst or self.analyst
        with self.transaction() as rows:
            if kind in PARENT_KINDS and value is not None:
                self._check_parent(str(subject), str(value))
            decision_id = rows.insert_decision(utc_now(), who, kind, subject, json.dumps(value), note)
            self.append_custody("decision", subject, {"kind": kind, "value": value, "note": note},
                                actor=who)
        return decision_id

    def _check_parent(self, child: str, parent: str) -> None:
        """Refuse ``parent -> child`` if it is a self-parent or closes a cycle of effective parents."""
        if parent == child:
            raise CaseError(f"refused: post {child} cannot be its own parent")
        parents = self.rows.post_parents()
        for subj, val in self.rows.decision_values(PARENT_KINDS):
            chosen = json.loads(val) if val else None
            if chosen is None:
                parents.pop(subj, None)
            else:
                parents[subj] = str(chosen)
        chain, cur = [child, parent], parent
        while cur in parents and parents[cur] not in chain[1:]:
            cur = parents[cur]
            chain.append(cur)
            if cur == child:
                cycle = " <- ".join(chain)
                raise CaseError(f"refused: {parent} as the parent of {child} would close the cycle {cycle} "
                                "(each post's parent after the arrow)")

    def decisions(self, kind: str | None = None) -> pd.DataFrame:
        """Analyst decisions: id, at, analyst, kind, subject, value, note (latest last)."""
        df = self.rows.decisions(kind)
        df["value"] = df["value"].map(lambda s: json.loads(s) if isinstance(s, str) and s else None)
        return df

    def settings(self) -> dict[str, Any]:
        """Case settings (e.g. ``blur_media``: True by default)."""
        stored = {k: json.loads(v) for k, v in self.rows.settings().items()}
        return {"blur_media": True, **stored}

    def set_setting(self, key: str, value: Any) -> None:
        """Change a case setting (logged)."""
        with self.transaction() as rows:
            rows.put_setting(key, json.dumps(value))
            self.append_custody("setting.changed", key, {"value": value})


def _default_analyst() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "analyst"
