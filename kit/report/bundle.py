"""Case bundles: one zip a colleague can verify and import.

A bundle holds::

    bundle.json      format, case id, kit version, custody head, with_evidence
    case.sqlite      a consistent snapshot of the case database
    custody.jsonl    the custody log as JSON lines (readable without SQLite)
    evidence/...     the originals (only with ``with_evidence=True``)
    exports/...      reports and hash lists written from the case
    SHA256SUMS       "<sha256>  <path>" for every other member

:func:`verify_bundle` re-checks every member against ``SHA256SUMS``, every
evidence file against its own name (its SHA-256), the custody chain (both
copies, and that they agree) and the database's media table. Import refuses
archives with absolute paths, ``..`` components, links, duplicate names or
too many bytes, and only ever copies bytes: nothing in a bundle is executed
or unpickled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pandas as pd

from kit import __version__
from kit.custody import CustodyEntry, verify_chain
from kit.errors import KitError
from kit.ingest import hash_file

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["BundleError", "BundleCheck", "export_bundle", "verify_bundle", "import_bundle",
           "DEFAULT_MAX_BYTES"]

FORMAT = "dfkit-bundle"
SUMS = "SHA256SUMS"
DEFAULT_MAX_BYTES = 50 * 1024**3
_COLUMNS = ["member", "problem"]


class BundleError(KitError):
    """A bundle is unsafe to open or cannot be read."""


@dataclass(frozen=True)
class BundleCheck:
    """Outcome of :func:`verify_bundle`: ``problems`` has columns member, problem."""

    path: Path
    n_members: int
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when every member, the custody chain and the database agree."""
        return self.problems.empty


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_bundle(case: Case, out: str | Path, *, with_evidence: bool = False) -> Path:
    """Write ``case`` to the zip ``out`` and log the export (with the zip's SHA-256)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "case.sqlite"
        case.conn.execute("VACUUM INTO ?", (str(snap),))
        snap_conn = sqlite3.connect(snap)
        snap_conn.execute("PRAGMA journal_mode=DELETE")
        rows = snap_conn.execute("SELECT * FROM custody ORDER BY seq").fetchall()
        media = snap_conn.execute("SELECT stored_path FROM media ORDER BY sha256").fetchall()
        snap_conn.close()
        members: dict[str, bytes | Path] = {"case.sqlite": snap}
        members["custody.jsonl"] = "".join(
            json.dumps(dict(zip(CustodyEntry.__dataclass_fields__, r)), sort_keys=True) + "\n"
            for r in rows).encode()
        if with_evidence:
            for (rel,) in media:
                members[rel] = case.path / rel
        for p in sorted((case.path / "exports").rglob("*")):
            if p.is_file() and p.suffix != ".zip":
                members[p.relative_to(case.path).as_posix()] = p
        head = {"seq": rows[-1][0], "hash": rows[-1][7]} if rows else None
        info = {"format": FORMAT, "format_version": 1, "case": case.meta(), "kit_version": __version__,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "with_evidence": with_evidence, "custody_head": head}
        members["bundle.json"] = json.dumps(info, indent=2, sort_keys=True).encode()
        sums = []
        tmp_zip = out.with_suffix(out.suffix + ".part")
        with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, src in members.items():
                data = src if isinstance(src, bytes) else Path(src).read_bytes()
                zf.writestr(name, data)
                sums.append(f"{_sha(data)}  {name}\n")
            zf.writestr(SUMS, "".join(sums))
        tmp_zip.replace(out)
    digest = hash_file(out)[0]
    case.log("bundle.exported", out.name, {"sha256": digest, "with_evidence": with_evidence,
                                            "members": len(members) + 1, "kit_version": __version__})
    return out


def _safe_members(zf: zipfile.ZipFile, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The members, or :class:`BundleError` naming the first unsafe one."""
    seen: set[str] = set()
    total = 0
    for info in zf.infolist():
        name = info.filename
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"refused: {name!r} is a symbolic link")
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            raise BundleError(f"refused: {name!r} is an absolute path")
        if "\\" in name or any(part in ("..", "") for part in PurePosixPath(name).parts) \
                or ".." in name.split("/"):
            raise BundleError(f"refused: {name!r} has a '..' or empty path component")
        if name in seen:
            raise BundleError(f"refused: {name!r} appears twice in the archive")
        seen.add(name)
        total += info.file_size
        if total > max_bytes:
            raise BundleError(f"refused: the archive unpacks to more than {max_bytes} bytes")
    return zf.infolist()


def _member_sha(zf: zipfile.ZipFile, name: str) -> str:
    sha = hashlib.sha256()
    with zf.open(name) as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{path.name}: not a readable zip archive ({exc})", path=path) from exc


def verify_bundle(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> BundleCheck:
    """Re-check a bundle without unpacking it to disk (the database goes to a temp file)."""
    path = Path(path)
    problems: list[dict[str, str]] = []
    with _open(path) as zf:
        infos = _safe_members(zf, max_bytes)
        names = {i.filename for i in infos}
        if SUMS not in names or "bundle.json" not in names or "case.sqlite" not in names:
            raise BundleError(f"{path.name}: not a dfkit bundle (no {SUMS}, bundle.json or case.sqlite)")
        listed: dict[str, str] = {}
        for line in zf.read(SUMS).decode("utf-8", "replace").splitlines():
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                problems.append({"member": SUMS, "problem": f"malformed line {line[:80]!r}"})
                continue
            listed[name] = digest
        for name in sorted(names - {SUMS}):
            digest = _member_sha(zf, name)
            if name not in listed:
                problems.append({"member": name, "problem": f"not listed in {SUMS}"})
            elif digest != listed[name]:
                problems.append({"member": name, "problem": f"content does not match {SUMS}"})
            if name.startswith("evidence/") and PurePosixPath(name).stem != digest:
                problems.append({"member": name, "problem": "evidence bytes do not match their SHA-256 name"})
        for name in sorted(set(listed) - names):
            problems.append({"member": name, "problem": f"listed in {SUMS} but missing"})
        info = json.loads(zf.read("bundle.json"))
        log_rows = [json.loads(line) for line in zf.read("custody.jsonl").decode().splitlines() if line] \
            if "custody.jsonl" in names else []
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "case.sqlite"
            db.write_bytes(zf.read("case.sqlite"))
            problems += _check_database(db, log_rows, info, names)
    return BundleCheck(path, len(names), pd.DataFrame(problems, columns=_COLUMNS))


def _check_database(db: Path, log_rows: list[dict], info: dict, names: set[str]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        custody = conn.execute("SELECT * FROM custody ORDER BY seq").fetchall()
        media = conn.execute("SELECT sha256, stored_path FROM media").fetchall()
        conn.close()
    except sqlite3.DatabaseError as exc:
        return [{"member": "case.sqlite", "problem": f"unreadable database ({exc})"}]
    db_entries = [CustodyEntry(*r) for r in custody]
    for p in verify_chain(db_entries):
        problems.append({"member": "case.sqlite", "problem": f"custody entry {p['seq']}: {p['problem']}"})
    log_entries = [CustodyEntry(**r) for r in log_rows]
    for p in verify_chain(log_entries):
        problems.append({"member": "custody.jsonl", "problem": f"entry {p['seq']}: {p['problem']}"})
    if db_entries != log_entries:
        problems.append({"member": "custody.jsonl", "problem": "differs from the database's custody log"})
    head = info.get("custody_head")
    if db_entries and head != {"seq": db_entries[-1].seq, "hash": db_entries[-1].hash}:
        problems.append({"member": "bundle.json", "problem": "custody head does not match the log"})
    if info.get("with_evidence"):
        for sha, rel in media:
            if rel not in names:
                problems.append({"member": rel, "problem": f"evidence for {sha[:12]} missing"})
    return problems


def import_bundle(path: str | Path, to: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  verify: bool = True) -> Case:
    """Unpack a verified bundle into a new case folder ``to`` and open it."""
    from kit.case import Case

    path, to = Path(path), Path(to)
    if to.exists() and any(to.iterdir()):
        raise BundleError(f"{to}: target folder is not empty")
    if verify:
        check = verify_bundle(path, max_bytes=max_bytes)
        if not check.ok:
            raise BundleError(f"{path.name}: verification failed: "
                              + "; ".join(f"{r.member}: {r.problem}" for r in check.problems.itertuples()))
    with _open(path) as zf:
        infos = _safe_members(zf, max_bytes)
        for info in infos:
            if info.filename in (SUMS, "bundle.json", "custody.jsonl") or info.is_dir():
                continue
            target = to / PurePosixPath(info.filename)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "xb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            if info.filename.startswith("evidence/"):
                target.chmod(0o444)
    for sub in ("evidence/.tmp", "exports"):
        (to / sub).mkdir(parents=True, exist_ok=True)
    case = Case.open(to)
    case.log("bundle.imported", path.name, {"sha256": hash_file(path)[0]})
    return case
