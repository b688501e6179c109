"""A Case: one folder, one SQLite file, evidence stored by SHA-256, a custody log.

Layout of a case folder::

    case.sqlite     the database (see kit.store for the tables)
    evidence/       originals as evidence/<sha[:2]>/<sha256>.<ext>, read-only
    exports/        reports, bundles and hash lists written from the case

The case only orchestrates and persists; the analyses are plain functions
wrapped in :class:`kit.steps.Step` objects that :meth:`Case.run` applies to
the media that have no stored result for (sha256, step name, step version).

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> case = Case.create(root / "case", title="Demo", analyst="ana")
>>> (root / "img.jpg").write_bytes(b"\\xff\\xd8\\xff\\xe0 not really a jpeg") and None
>>> case.ingest(root).n_new_posts
1
>>> case.posts()[["post_id", "media_sha256"]].shape
(1, 2)
>>> case.verify().ok
True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kit import __version__
from kit.custody import GENESIS, CustodyEntry, audit_database, make_entry, row_digest, vouch
from kit.errors import CaseError, CaseExists, CaseNotFound, SchemaError
from kit.ingest import IngestLimits, IngestReport, hash_file, ingest, ingest_collection, ingest_runs
from kit.steps import Step, run_step
from kit.store import VOUCHED, connect, iter_vouched, migrate, track_writes

__all__ = ["Case", "VerifyReport", "POST_COLUMNS", "MEDIA_COLUMNS", "RESULT_COLUMNS"]

DB_NAME = "case.sqlite"
POST_COLUMNS = ["post_id", "platform", "account", "posted_at", "url", "media_sha256",
                "parent_post_id", "caption", "likes", "shares", "views", "extra",
                "posted_at_raw", "source", "line", "ingest_id", "link_type", "time_source",
                "parent_account"]
MEDIA_COLUMNS = ["sha256", "md5", "size", "mime", "kind", "ext", "path", "original_name",
                 "ingested_at"]
RESULT_COLUMNS = ["sha256", "step", "version", "status", "error", "seconds", "payload",
                  "computed_at"]
PARENT_KINDS = ("parent", "spread.parent")  # the analyst's "X is the parent of post Y" decisions
RESULT_BATCH = 32, 2.0  # step results committed (and vouched for) together: items, seconds


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of :meth:`Case.verify`: ``problems`` has columns kind, subject, detail.

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


class Case:
    """An open case folder. Use :meth:`create` or :meth:`open`, not the constructor."""

    def __init__(self, path: Path, conn: sqlite3.Connection, analyst: str) -> None:
        self.path = path
        self.conn = conn
        self.analyst = analyst
        self._lock = threading.RLock()
        track_writes(conn)

    # -- opening -----------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, *, title: str = "", analyst: str | None = None) -> Case:
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
                "created_at": _now(), "kit_version": __version__}
        with case.transaction():
            conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
            case.append_custody("case.created", meta["case_id"], meta)
        return case

    @classmethod
    def open(cls, path: str | Path, *, analyst: str | None = None) -> Case:
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
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            if found == 0:
                raise SchemaError(f"{db}: not a case database (no case schema in it); it is not "
                                  "re-created: restore it from a bundle or a backup", path=db)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise SchemaError(f"{db}: not a case database ({exc})", path=db) from exc
        except SchemaError:
            conn.close()
            raise
        who = analyst or meta.get("analyst") or _default_analyst()
        migrate(conn, upgraded=lambda c, v: _attest_rows(path.resolve(), c, v, who))
        return cls(path.resolve(), conn, who)

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Case({self.path.name!r}, title={self.meta().get('title', '')!r})"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error), one thread at a time.

        Rows of :data:`kit.store.VOUCHED` written in it and not yet vouched for
        by a custody entry get a ``rows.written`` entry before the commit.
        """
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                rows = vouch(self.conn)
                if rows:
                    self._append("rows.written", ",".join(sorted(rows)), {}, self.analyst, rows)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- custody -----------------------------------------------------------------
    def append_custody(self, action: str, subject: str, details: dict[str, Any],
                       *, actor: str | None = None) -> CustodyEntry:
        """Append one entry to the custody chain; call inside :meth:`transaction`.

        The entry vouches for the rows this transaction wrote since the last
        entry (``details["vouched"]``: table -> row key -> content digest).
        """
        return self._append(action, subject, details, actor or self.analyst, vouch(self.conn))

    def _append(self, action: str, subject: str, details: dict[str, Any], actor: str,
                rows: dict[str, dict[str, str | None]]) -> CustodyEntry:
        return _append_entry(self.conn, action, subject, {**details, "vouched": rows} if rows else details, actor)

    def log(self, action: str, subject: str, details: dict[str, Any] | None = None) -> CustodyEntry:
        """Record an action (an export, a report) in the custody log."""
        with self.transaction():
            return self.append_custody(action, subject, details or {})

    def custody(self) -> pd.DataFrame:
        """The custody log: seq, at, actor, action, subject, details (dict), prev_hash, hash."""
        df = pd.read_sql_query("SELECT * FROM custody ORDER BY seq", self.conn)
        df["details"] = [_details(d) for d in df["details"]]
        df["at"] = pd.to_datetime(df["at"], utc=True, format="ISO8601")
        return df

    def verify(self) -> VerifyReport:
        """Re-hash every evidence file, the custody chain and the rows it vouches for; report every mismatch.

        Also checks that the guard triggers are there as the kit made them.
        Reads the database only (an open never re-creates a missing one).
        """
        problems: list[dict[str, str]] = []
        media = self.conn.execute("SELECT sha256, stored_path FROM media").fetchall()
        for sha, rel in media:
            p = self.path / rel
            if not p.is_file():
                problems.append({"kind": "evidence", "subject": sha, "detail": f"missing file {rel}"})
                continue
            actual = hash_file(p)[0]
            if actual != sha:
                problems.append({"kind": "evidence", "subject": sha,
                                 "detail": f"{rel} now hashes to {actual}"})
        n_entries, found = audit_database(self.conn)
        problems += found
        logged = {_details(d).get("sha256") for (d,) in self.conn.execute(
            "SELECT details FROM custody WHERE action = 'file.ingested'")}
        for sha, _ in media:
            if sha not in logged:
                problems.append({"kind": "custody", "subject": sha,
                                 "detail": "evidence has no file.ingested entry in the log"})
        return VerifyReport(len(media), n_entries,
                            pd.DataFrame(problems, columns=["kind", "subject", "detail"]))

    # -- intake ------------------------------------------------------------------
    def ingest(self, source: str | Path, *, format: str = "auto", media_root: str | Path | None = None,
               limits: IngestLimits = IngestLimits(), progress: bool = False) -> IngestReport:
        """Ingest one manifest, export or folder of media (see :func:`kit.ingest.ingest`)."""
        return ingest(self, source, format=format, media_root=media_root, limits=limits, progress=progress)

    def ingest_collection(self, source: str | Path, *, format: str = "auto",
                          media_root: str | Path | None = None, limits: IngestLimits = IngestLimits(),
                          progress: bool = False) -> list[IngestReport]:
        """Ingest every export found in ``source``, one run each (see :func:`kit.ingest.ingest_collection`)."""
        return ingest_collection(self, source, format=format, media_root=media_root, limits=limits,
                                 progress=progress)

    def intake_report(self) -> pd.DataFrame:
        """Every bad or doubtful row of every ingest: ingest_id, source, line, post_id, severity, field, reason."""
        return pd.read_sql_query("SELECT * FROM intake_issues ORDER BY ingest_id, line", self.conn)

    def ingests(self) -> pd.DataFrame:
        """One row per ingest run with its counts and state (finished, running, interrupted)."""
        return ingest_runs(self)

    # -- queries -----------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """Case id, title, analyst, created_at, kit version."""
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def posts(self) -> pd.DataFrame:
        """Posts: :data:`POST_COLUMNS`; ``posted_at`` is UTC datetime (NaT when unknown), ``extra`` a dict.

        ``link_type``, ``time_source`` and ``parent_account`` come from collection exports
        (:mod:`kit.importers`, see :mod:`kit.store`); a post's further media are in :meth:`post_media`.
        """
        df = pd.read_sql_query(f"SELECT {', '.join(POST_COLUMNS)} FROM posts ORDER BY posted_at, post_id",
                               self.conn)
        df["posted_at"] = pd.to_datetime(df["posted_at"], utc=True, format="ISO8601")
        df["extra"] = df["extra"].map(lambda s: json.loads(s) if isinstance(s, str) and s else {})
        for col in ("likes", "shares", "views"):
            df[col] = df[col].astype("Int64")
        return df

    def post_media(self) -> pd.DataFrame:
        """Every media file of every post: post_id, position (0 = ``posts.media_sha256``), media_sha256."""
        return pd.read_sql_query(
            "SELECT post_id, 0 AS position, media_sha256 FROM posts UNION ALL "
            "SELECT post_id, position, media_sha256 FROM post_media ORDER BY post_id, position", self.conn)

    def media(self) -> pd.DataFrame:
        """Stored media: :data:`MEDIA_COLUMNS`; ``path`` is the absolute evidence path."""
        df = pd.read_sql_query("SELECT * FROM media ORDER BY ingested_at, sha256", self.conn)
        df["path"] = [str(self.path / p) for p in df.pop("stored_path")]
        return df[MEDIA_COLUMNS]

    def evidence_path(self, sha256: str) -> Path:
        """Where the evidence file with this SHA-256 is stored."""
        row = self.conn.execute("SELECT stored_path FROM media WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise CaseError(f"no evidence with sha256 {sha256} in this case")
        return self.path / row[0]

    # -- steps -------------------------------------------------------------------
    def pending(self, step: Step, *, retry_errors: bool = False) -> list[tuple[str, str]]:
        """(sha256, path) of media the step applies to and has no stored result for."""
        done = {r[0]: r[1] for r in self.conn.execute(
            "SELECT sha256, status FROM step_results WHERE step = ? AND version = ?",
            (step.name, step.version))}
        todo = []
        for sha, kind, rel in self.conn.execute(
                "SELECT sha256, kind, stored_path FROM media ORDER BY sha256"):
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
        n_err, seconds = 0, 0.0
        if todo:
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
                                  payload, _now()))
                    if len(batch) >= RESULT_BATCH[0] or time.monotonic() - flushed > RESULT_BATCH[1]:
                        self._store_results(step, batch)
                        flushed = time.monotonic()
                self._store_results(step, batch)
            self.log("step.run", step.name, {
                "step": step.name, "version": step.version, "tool": step.tool,
                "kit_version": __version__, "items": len(todo), "errors": n_err,
                "seconds": round(seconds, 3)})
        return self.results(step.name, step.version)

    def _store_results(self, step: Step, batch: list[tuple]) -> None:
        """Commit a batch of results with the custody entry that vouches for them; empty the batch."""
        if not batch:
            return
        with self.transaction():
            self.conn.executemany("INSERT OR REPLACE INTO step_results VALUES (?,?,?,?,?,?,?,?)", batch)
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
            row = self.conn.execute("SELECT version FROM step_results WHERE step = ? "
                                    "ORDER BY computed_at DESC LIMIT 1", (step,)).fetchone()
            version = row[0] if row else ""
        df = pd.read_sql_query("SELECT * FROM step_results WHERE step = ? AND version = ? "
                               "ORDER BY sha256", self.conn, params=(step, version))
        df["payload"] = df["payload"].map(lambda s: json.loads(s) if isinstance(s, str) and s else None)
        return df[RESULT_COLUMNS]

    # -- views over step results -------------------------------------------------------
    def metadata(self) -> pd.DataFrame:
        """Tidy metadata of every stored file: sha256, group, tag, value (see kit.metadata)."""
        from kit.metadata import metadata_table

        return metadata_table(self.results("metadata"))

    def findings(self) -> pd.DataFrame:
        """Red flags per file and post: sha256, post_id, code, severity, message, tag, value (a composite
        of a source photo in the case first, then the metadata findings)."""
        from kit.matching.casework import composite_findings
        from kit.metadata import findings_table

        meta = findings_table(self.results("metadata"), self.posts(), media=self.media())
        comp = composite_findings(self)
        return pd.concat([comp, meta], ignore_index=True) if len(comp) else meta

    def composites(self) -> pd.DataFrame:
        """Composites found with their source photos (see kit.matching.casework.case_composites)."""
        from kit.matching.casework import case_composites

        return case_composites(self)

    def scores(self) -> pd.DataFrame:
        """Detector scores: sha256, detector, version, score, error, explanation (see kit.detectors)."""
        from kit.detectors import scores_table

        names = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT step FROM step_results WHERE step LIKE 'detector.%' ORDER BY step")]
        return scores_table({n: self.results(n) for n in names})

    def match(self, *, progress: bool = False, **params: Any) -> Any:
        """Match every hashed file (see kit.matching.match_collection), store and log the run."""
        from kit.matching.casework import run_matching

        return run_matching(self, progress=progress, **params)

    def matches(self) -> pd.DataFrame:
        """Pairs of the latest matching run, analyst decisions applied (see kit.matching.casework)."""
        from kit.matching.casework import case_matches

        return case_matches(self)

    def variants(self) -> pd.DataFrame:
        """Variant clusters (id = sha256, cluster, size) from the effective matches."""
        from kit.matching.casework import case_variants

        return case_variants(self)

    def spread(self, **kwargs: Any) -> Any:
        """The spread graph, cascade metrics and likely origin (see kit.spread.case_spread)."""
        from kit.spread import case_spread

        return case_spread(self, **kwargs)

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
        with self.transaction():
            if kind in PARENT_KINDS and value is not None:
                self._check_parent(str(subject), str(value))
            cur = self.conn.execute(
                "INSERT INTO decisions(at, analyst, kind, subject, value, note) VALUES (?,?,?,?,?,?)",
                (_now(), who, kind, subject, json.dumps(value), note))
            self.append_custody("decision", subject, {"kind": kind, "value": value, "note": note},
                                actor=who)
        return int(cur.lastrowid)

    def _check_parent(self, child: str, parent: str) -> None:
        """Refuse ``parent -> child`` if it is a self-parent or closes a cycle of effective parents."""
        if parent == child:
            raise CaseError(f"refused: post {child} cannot be its own parent")
        parents = {r[0]: r[1] for r in self.conn.execute(
            "SELECT post_id, parent_post_id FROM posts WHERE parent_post_id IS NOT NULL")}
        marks = ",".join("?" * len(PARENT_KINDS))
        for subj, val in self.conn.execute(
                f"SELECT subject, value FROM decisions WHERE kind IN ({marks}) ORDER BY id", PARENT_KINDS):
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
        sql, params = "SELECT * FROM decisions", ()
        if kind:
            sql, params = sql + " WHERE kind = ?", (kind,)
        df = pd.read_sql_query(sql + " ORDER BY id", self.conn, params=params)
        df["value"] = df["value"].map(lambda s: json.loads(s) if isinstance(s, str) and s else None)
        return df

    def settings(self) -> dict[str, Any]:
        """Case settings (e.g. ``blur_media``: True by default)."""
        stored = {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM settings")}
        return {"blur_media": True, **stored}

    def set_setting(self, key: str, value: Any) -> None:
        """Change a case setting (logged)."""
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, json.dumps(value)))
            self.append_custody("setting.changed", key, {"value": value})


def _details(text: str) -> dict[str, Any]:
    """An entry's details, or {} where tampering left them unreadable (reported by the chain)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _append_entry(conn: sqlite3.Connection, action: str, subject: str, details: dict[str, Any],
                  actor: str) -> CustodyEntry:
    last = conn.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = make_entry(seq, _now(), actor, action, subject, details, prev)
    conn.execute("INSERT INTO custody VALUES (?,?,?,?,?,?,?,?)",
                 (entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.details,
                  entry.prev_hash, entry.hash))
    return entry


def _attest_rows(path: Path, conn: sqlite3.Connection, found: int, actor: str) -> None:
    """Upgrade of a case from before schema 3: vouch for its rows as they are now (one entry).

    Step payloads that echo an absolute evidence path get the path relative
    to the case first (a bundle must not carry local paths).
    """
    if found == 0 or found >= 3:  # from schema 3 on, every row was vouched for when written
        return
    fixed = 0
    for rowid, payload in conn.execute("SELECT rowid, payload FROM step_results WHERE payload LIKE '%\"path\"%'"
                                       ).fetchall():
        value = json.loads(payload)
        where = value.get("path") if isinstance(value, dict) else None
        if isinstance(where, str) and Path(where).is_absolute() and "/evidence/" in where:
            value["path"] = "evidence/" + where.rsplit("/evidence/", 1)[1]
            conn.execute("UPDATE step_results SET payload = ? WHERE rowid = ?",
                         (json.dumps(value, ensure_ascii=False), rowid))
            fixed += 1
    rows: dict[str, dict[str, str | None]] = {}
    for table in VOUCHED:
        found_rows: dict[str, list[dict[str, Any]]] = {}
        for key, row in iter_vouched(conn, table):
            found_rows.setdefault(key, []).append(row)
        if found_rows:
            rows[table] = {key: row_digest(group) for key, group in found_rows.items()}
    _append_entry(conn, "rows.attested", path.name, {
        "from_schema": found, "kit_version": __version__, "paths_made_relative": fixed,
        "why": "rows written before the custody chain vouched for rows: attested as found", "vouched": rows}, actor)


def _default_analyst() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "analyst"
