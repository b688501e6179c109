"""Case bundles: one zip a colleague can verify and import.

A bundle holds (see :mod:`kit.report.bundle_members` for the exact allow-list)::

    bundle.json      format, case id, kit version, custody head, with_evidence
    case.sqlite      a consistent snapshot of the case database (no local paths)
    custody.jsonl    the custody log as JSON lines (readable without SQLite)
    evidence/...     the originals (only with ``with_evidence=True``)
    exports/...      reports, hash lists and graphs written from the case
    SHA256SUMS       "<sha256>  <path>" for every other member
    bundle.sig       optional: the analyst's Ed25519 signature of the case id,
                     the custody head and SHA256SUMS (see :mod:`kit.signing`)

:func:`verify_bundle` re-checks every member against ``SHA256SUMS``, every
evidence file against its own name (its SHA-256), the custody chain (both
copies, and that they agree), the database against the chain (every vouched
row, the guard triggers, see :func:`kit.custody.audit_database`) and the
signature. Without a signature it says plainly that anyone who edits a
bundle can rebuild its sums; with ``trusted`` keys it requires one of them.

Import unpacks into a staging folder next to the target, runs the same
checks on exactly the bytes it wrote, and only then renames the folder into
place: it writes nothing else, and a refused bundle leaves nothing behind.
Every member is streamed in 1 MiB chunks (export too), so memory stays
bounded whatever the member sizes. Nothing in a bundle is executed or
unpickled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit._version import __version__
from kit.custody import audit_database, read_entries, verify_chain
from kit.digest import hash_file
from kit.report.bundle_checks import authenticity, check_log, signed_payload, sums_problems
from kit.report.bundle_members import (
    CHUNK, SIGNATURE, SUMS, BundleError, allowed, copy_member, evidence_name, open_zip, read_small,
    safe_members,
)
from kit.signing import PublicKey
from kit.store import SCHEMA_VERSION, Rows, last_custody, open_file, stored_paths, user_version

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["BundleError", "BundleCheck", "export_bundle", "verify_bundle", "import_bundle",
           "DEFAULT_MAX_BYTES"]

FORMAT = "dfkit-bundle"
DEFAULT_MAX_BYTES = 50 * 1024**3
_COLUMNS = ["member", "problem"]


@dataclass(frozen=True)
class BundleCheck:
    """Outcome of :func:`verify_bundle`: ``problems`` has columns member, problem.

    ``authenticity`` says in a sentence what proves who made the bundle (a
    trusted signature) or that nothing does; ``signed_by`` is the signing
    key's id, or None.
    """

    path: Path
    n_members: int
    problems: pd.DataFrame
    authenticity: str = ""
    signed_by: str | None = None

    @property
    def ok(self) -> bool:
        """True when every member, the custody chain, the database and any signature agree."""
        return self.problems.empty


# -- export ---------------------------------------------------------------------------------------

def export_bundle(case: Case, out: str | Path, *, with_evidence: bool = False, sign: bool = False,
                  key_dir: str | Path | None = None) -> Path:
    """Write ``case`` to the zip ``out`` and log the export (with the zip's SHA-256).

    ``sign=True`` signs the custody head and SHA256SUMS with the analyst's
    key (:func:`kit.signing.ensure_key`, created on first use in ``key_dir``).
    Files in ``exports/`` a bundle may not hold are left out and named in the
    custody entry. A snapshot that would carry the case's absolute path or
    the home folder is refused.
    """
    out = Path(out)
    if out.is_dir():
        raise BundleError(f"{out}: is a folder; --out takes the name of the zip file to write", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    skipped: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "case.sqlite"
        head = _snapshot(case, snap)
        log = Path(tmp) / "custody.jsonl"
        _write_log(snap, log)
        members: dict[str, Path | bytes] = {"case.sqlite": snap, "custody.jsonl": log}
        if with_evidence:
            for rel in _stored_paths(snap):
                members[rel] = case.path / rel
        for p in sorted((case.path / "exports").rglob("*")):
            rel = p.relative_to(case.path).as_posix()
            if p.is_file() and not p.is_symlink() and allowed(rel):
                members[rel] = p
            elif p.is_file() and p.suffix != ".zip":
                skipped.append(rel)
        info = {"format": FORMAT, "format_version": 1, "case": case.meta(), "kit_version": __version__,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "with_evidence": with_evidence, "custody_head": head}
        members["bundle.json"] = json.dumps(info, indent=2, sort_keys=True).encode()
        tmp_zip = out.with_name(out.name + ".part")
        sums: list[str] = []
        key: PublicKey | None = None
        with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, src in members.items():
                sums.append(f"{_add(zf, name, src)}  {name}\n")
            sums_bytes = "".join(sums).encode()
            zf.writestr(SUMS, sums_bytes)
            if sign:
                key, signature = _sign(case, head, sums_bytes, key_dir)
                zf.writestr(SIGNATURE, json.dumps(signature, indent=2, sort_keys=True))
        tmp_zip.replace(out)
    case.log("bundle.exported", out.name, {
        "sha256": hash_file(out)[0], "with_evidence": with_evidence, "members": len(members) + 1 + bool(key),
        "kit_version": __version__, "signed_by": key.key_id if key else None, "skipped_exports": skipped})
    return out


def _snapshot(case: Case, snap: Path) -> dict[str, Any] | None:
    """A consistent copy of the database without local paths; returns its custody head."""
    head, leaks = case.snapshot_to(snap, [str(case.path), str(Path.home()) + "/"])
    if leaks:
        raise BundleError(f"not exported: the case database holds local paths ({'; '.join(leaks[:5])}): "
                          "a bundle must not reveal where the case lives")
    return {"seq": head[0], "hash": head[1]} if head else None


def _write_log(snap: Path, log: Path) -> None:
    with open_file(snap) as conn, open(log, "w", encoding="utf-8") as fh:
        for e in read_entries(conn):
            fh.write(json.dumps(vars(e), sort_keys=True) + "\n")


def _stored_paths(snap: Path) -> list[str]:
    with open_file(snap) as conn:
        return stored_paths(conn)


def _add(zf: zipfile.ZipFile, name: str, src: Path | bytes) -> str:
    """Stream one member into the zip; return its SHA-256."""
    sha = hashlib.sha256()
    if isinstance(src, bytes):
        zf.writestr(name, src)
        sha.update(src)
        return sha.hexdigest()
    big = src.stat().st_size > (1 << 31)
    with open(src, "rb") as fin, zf.open(name, "w", force_zip64=big) as fout:
        while chunk := fin.read(CHUNK):
            sha.update(chunk)
            fout.write(chunk)
    return sha.hexdigest()


def _sign(case: Case, head: dict[str, Any] | None, sums: bytes,
          key_dir: str | Path | None) -> tuple[PublicKey, dict[str, Any]]:
    from kit.signing import ensure_key, sign

    key, _ = ensure_key(case.analyst, key_dir=key_dir)
    payload = signed_payload(case.meta().get("case_id", ""), head, sums)
    return key, {"signed": json.loads(payload), "analyst": case.analyst, "public_key": key.raw.hex(),
                 "key_id": key.key_id, "signature": sign(payload, case.analyst, key_dir=key_dir)}


# -- verify and import ----------------------------------------------------------------------------

def verify_bundle(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  trusted: Iterable[PublicKey] = ()) -> BundleCheck:
    """Re-check a bundle; the database goes to a temporary file, evidence is only hashed."""
    path = Path(path)
    with open_zip(path) as zf, tempfile.TemporaryDirectory() as tmp:
        return _inspect(path, zf, safe_members(zf, max_bytes), Path(tmp), None, tuple(trusted))


def import_bundle(path: str | Path, to: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  verify: bool = True, trusted: Iterable[PublicKey] = ()) -> Case:
    """Unpack a bundle into a new case folder ``to`` if it verifies, and open it.

    With ``verify=False`` the allow-list and the archive checks still apply,
    but problems found in the content do not stop the import.
    """
    from kit.case import Case

    path, to = Path(path), Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BundleError(f"{to}: the target must be a new or empty folder", path=to)
    to.parent.mkdir(parents=True, exist_ok=True)
    staging = to.parent / f".{to.name}.importing-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with open_zip(path) as zf, tempfile.TemporaryDirectory() as tmp:
            check = _inspect(path, zf, safe_members(zf, max_bytes), Path(tmp), staging, tuple(trusted))
        if verify and not check.ok:
            raise BundleError(f"{path.name}: verification failed: "
                              + "; ".join(f"{r.member}: {r.problem}" for r in check.problems.itertuples()))
        for p in (staging / "evidence").rglob("*"):
            if p.is_file():
                p.chmod(0o444)
        for sub in ("evidence/.tmp", "exports"):
            (staging / sub).mkdir(parents=True, exist_ok=True)
        if to.exists():
            to.rmdir()
        staging.rename(to)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    case = Case.open(to)
    case.log("bundle.imported", path.name, {"sha256": hash_file(path)[0], "signed_by": check.signed_by,
                                            "authenticity": check.authenticity})
    return case


def _inspect(path: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], work: Path, dest: Path | None,
             trusted: tuple[PublicKey, ...]) -> BundleCheck:
    """Every check of a bundle; with ``dest`` the members are written there (import)."""
    by_name = {i.filename: i for i in infos}
    if not {SUMS, "bundle.json", "case.sqlite"} <= set(by_name):
        raise BundleError(f"{path.name}: not a dfkit bundle (no {SUMS}, bundle.json or case.sqlite)")
    sums = read_small(zf, by_name[SUMS])
    problems, listed = sums_problems(sums)
    for name, info in by_name.items():
        if name in (SUMS, SIGNATURE):
            continue
        target = None
        if name in ("case.sqlite", "custody.jsonl"):
            target = work / name
        elif dest is not None and name != "bundle.json":
            target = dest / name
        digest = copy_member(zf, info, target)
        if name not in listed:
            problems.append({"member": name, "problem": f"not listed in {SUMS}"})
        elif digest != listed[name]:
            problems.append({"member": name, "problem": f"content does not match {SUMS}"})
        if name.startswith("evidence/") and evidence_name(name) != digest:
            problems.append({"member": name, "problem": "evidence bytes do not match their SHA-256 name"})
    problems += [{"member": n, "problem": f"listed in {SUMS} but missing"} for n in sorted(set(listed) - set(by_name))]
    info = _bundle_json(read_small(zf, by_name["bundle.json"]), problems)
    db = work / "case.sqlite"
    head, case_id = _check_database(db, work / "custody.jsonl" if "custody.jsonl" in by_name else None,
                                    info, set(by_name), problems)
    sig = read_small(zf, by_name[SIGNATURE]) if SIGNATURE in by_name else None
    sentence, signer = authenticity(sig, case_id, head, sums, trusted, problems)
    if dest is not None:
        (dest / "case.sqlite").parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, dest / "case.sqlite")
    return BundleCheck(path, len(by_name), pd.DataFrame(problems, columns=_COLUMNS), sentence, signer)


def _bundle_json(data: bytes, problems: list[dict[str, str]]) -> dict[str, Any]:
    try:
        info = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append({"member": "bundle.json", "problem": f"not JSON ({exc})"})
        return {}
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        problems.append({"member": "bundle.json", "problem": f"not a {FORMAT} description"})
        return info if isinstance(info, dict) else {}
    return info


def _check_database(db: Path, log: Path | None, info: dict[str, Any], names: set[str],
                    problems: list[dict[str, str]]) -> tuple[dict[str, Any] | None, str]:
    """Check the unpacked database; return its custody head and case id."""
    head, case_id = None, ""
    try:
        with open_file(db, read_only=True) as conn:
            version = user_version(conn)
            if version > SCHEMA_VERSION:
                problems.append({"member": "case.sqlite", "problem": f"schema {version} is newer than this "
                                                                     f"kit's ({SCHEMA_VERSION})"})
                return None, ""
            case_id = str(Rows(conn).meta().get("case_id", ""))
            if version >= 3:
                _, found = audit_database(conn)
            else:  # before rows were vouched for: the chain alone (rows are attested on import)
                found = [{"kind": "custody", "subject": f"entry {p['seq']}", "detail": p["problem"]}
                         for p in verify_chain(read_entries(conn))]
            problems += [{"member": "case.sqlite", "problem": f"{p['kind']} {p['subject']}: {p['detail']}"}
                         for p in found]
            last = last_custody(conn)
            head = {"seq": last[0], "hash": last[1]} if last else None
            problems += check_log(log, read_entries(conn))
            for sha, rel in Rows(conn).media_paths():
                if evidence_name(str(rel)) != sha:
                    problems.append({"member": "case.sqlite", "problem": f"media {sha}: stored path {rel!r} is "
                                                                         "not evidence/<sha[:2]>/<sha>.<ext>"})
                elif info.get("with_evidence") and rel not in names:
                    problems.append({"member": rel, "problem": f"evidence for {str(sha)[:12]} missing"})
    except sqlite3.DatabaseError as exc:
        problems.append({"member": "case.sqlite", "problem": f"unreadable database ({exc})"})
        return None, ""
    if head is not None and info.get("custody_head") != head:
        problems.append({"member": "bundle.json", "problem": "custody head does not match the log"})
    return head, case_id

