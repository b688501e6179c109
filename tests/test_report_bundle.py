"""Case bundles: round trip, tamper detection (each kind), malicious archives refused."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from kit.case import Case
from kit.cli import main
from kit.report.bundle import BundleError, export_bundle, import_bundle, verify_bundle

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture()
def case(tmp_path):
    src = tmp_path / "inc"
    (src / "media").mkdir(parents=True)
    rows = ["post_id,platform,posted_at,media_path,parent_post_id"]
    for i in range(4):
        (src / "media" / f"f{i}.jpg").write_bytes(JPEG + f"img{i}".encode() * 50)
        rows.append(f"p{i},x,2024-03-0{i + 1}T10:00:00+01:00,media/f{i}.jpg,{'p0' if i else ''}")
    (src / "manifest.csv").write_text("\n".join(rows) + "\n")
    c = Case.create(tmp_path / "case", title="bundle test", analyst="ana")
    c.ingest(src / "manifest.csv")
    c.record_decision("match", "p0|p1", "confirmed")
    (c.path / "exports" / "note.txt").write_text("an export")
    return c


def _rewrite(src: Path, dst: Path, change) -> Path:
    """Copy a zip, letting change(name, data) return new bytes (or None to keep them)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, change(info.filename, data) or data)
    return dst


def test_round_trip_gives_identical_queries(case, tmp_path):
    out = export_bundle(case, tmp_path / "b.zip", with_evidence=True)
    check = verify_bundle(out)
    assert check.ok, check.problems
    assert case.custody()["action"].iloc[-1] == "bundle.exported"
    assert len(case.custody()["details"].iloc[-1]["sha256"]) == 64
    copy = import_bundle(out, tmp_path / "imported")
    assert copy.posts().equals(case.posts())
    assert copy.media().drop(columns="path").equals(case.media().drop(columns="path"))
    assert copy.decisions().equals(case.decisions())
    n = len(case.custody()) - 1  # the bundle holds the log as it was before the export entry
    assert copy.custody().iloc[:n].drop(columns="at").equals(case.custody().iloc[:n].drop(columns="at"))
    assert copy.custody()["action"].iloc[-1] == "bundle.imported"
    assert copy.verify().ok
    assert (tmp_path / "imported" / "exports" / "note.txt").read_text() == "an export"


def test_bundle_without_evidence_verifies(case, tmp_path):
    out = export_bundle(case, tmp_path / "b.zip")
    assert verify_bundle(out).ok
    with zipfile.ZipFile(out) as zf:
        assert not any(n.startswith("evidence/") for n in zf.namelist())


def _flip_evidence(name, data):
    if name.startswith("evidence/"):
        return data[:-1] + bytes([data[-1] ^ 1])


def _edit_sums(name, data):
    if name == "SHA256SUMS":
        lines = data.decode().splitlines()
        digest, _, member = lines[0].partition("  ")
        lines[0] = ("0" if digest[0] != "0" else "1") + digest[1:] + "  " + member
        return ("\n".join(lines) + "\n").encode()


def _edit_log(name, data):
    if name == "custody.jsonl":
        rows = [json.loads(x) for x in data.decode().splitlines()]
        rows[1]["actor"] = "mallory"
        return "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()


@pytest.mark.parametrize(
    "change, member, problem",
    [
        pytest.param(_flip_evidence, "evidence/", "do not match their SHA-256 name", id="evidence-byte"),
        pytest.param(_edit_sums, "", "does not match SHA256SUMS", id="manifest-line"),
        pytest.param(_edit_log, "custody.jsonl", "hash mismatch", id="log-row"),
    ],
)
def test_tampered_bundle_is_detected(case, tmp_path, change, member, problem):
    good = export_bundle(case, tmp_path / "b.zip", with_evidence=True)
    bad = _rewrite(good, tmp_path / "bad.zip", change)
    check = verify_bundle(bad)
    assert not check.ok
    hits = check.problems[check.problems.problem.str.contains(problem)]
    assert len(hits) and hits.member.str.startswith(member).all(), check.problems
    with pytest.raises(BundleError, match="verification failed"):
        import_bundle(bad, tmp_path / "nope")
    assert not (tmp_path / "nope").exists()
    assert main(["bundle", "verify", str(bad)]) == 1


def _malicious(path: Path, kind: str) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("bundle.json", "{}")
        if kind == "absolute":
            zf.writestr("/etc/evil", "x")
        elif kind == "dotdot":
            zf.writestr("evidence/../../evil", "x")
        elif kind == "symlink":
            info = zipfile.ZipInfo("evidence/link")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
        elif kind == "duplicate":
            zf.writestr("case.sqlite", "a")
            zf.writestr("case.sqlite", "b")
        elif kind == "huge":
            zf.writestr("case.sqlite", b"\0" * 200_000)
        elif kind == "backslash":
            zf.writestr("..\\evil", "x")
    return path


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize(
    "kind, message",
    [
        pytest.param("absolute", "absolute path", id="absolute"),
        pytest.param("dotdot", "'..'", id="dotdot"),
        pytest.param("symlink", "symbolic link", id="symlink"),
        pytest.param("duplicate", "appears twice", id="duplicate"),
        pytest.param("huge", "more than 1000 bytes", id="too-big"),
        pytest.param("backslash", "'..'", id="backslash"),
    ],
)
def test_malicious_archives_are_refused(tmp_path, kind, message):
    bad = _malicious(tmp_path / f"{kind}.zip", kind)
    with pytest.raises(BundleError, match=message):
        import_bundle(bad, tmp_path / "to", max_bytes=1000, verify=False)
    with pytest.raises(BundleError, match=message):
        verify_bundle(bad, max_bytes=1000)
    assert not (tmp_path / "evil").exists() and not (tmp_path / "to" / "evidence" / "link").exists()


def test_not_a_zip(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(BundleError, match="not a readable zip"):
        verify_bundle(tmp_path / "x.zip")


def test_cli_round_trip(case, tmp_path, capsys):
    out = tmp_path / "cli.zip"
    assert main(["bundle", "export", "--case", str(case.path), "--out", str(out), "--with-evidence"]) == 0
    assert main(["bundle", "verify", str(out)]) == 0
    assert main(["bundle", "import", str(out), "--to", str(tmp_path / "new")]) == 0
    assert "imported case" in capsys.readouterr().out


# -- hostile bundles, rebuilt as an attacker would (issue 19) -------------------------------------

GUARDS = """
CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;"""


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rebuild(members: dict[str, bytes], dst: Path, *, extra_infos=()) -> Path:
    """Write members with SHA256SUMS recomputed and bundle.json's head and custody.jsonl taken from the database."""
    import hashlib
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.sqlite"
        db.write_bytes(members["case.sqlite"])
        with sqlite3.connect(db) as conn:
            cols = ["seq", "at", "actor", "action", "subject", "details", "prev_hash", "hash"]
            rows = [dict(zip(cols, r)) for r in conn.execute(f"SELECT {', '.join(cols)} FROM custody ORDER BY seq")]
        conn.close()
    members["custody.jsonl"] = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()
    info = json.loads(members["bundle.json"])
    info["custody_head"] = {"seq": rows[-1]["seq"], "hash": rows[-1]["hash"]}
    members["bundle.json"] = json.dumps(info).encode()
    members.pop("SHA256SUMS", None)
    sig = members.pop("bundle.sig", None)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for info_, data in extra_infos:
            zf.writestr(info_, data)
        zf.writestr("SHA256SUMS", "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in members.items()
                                          if n != "bundle.sig"))
        if sig is not None:
            zf.writestr("bundle.sig", sig)
    return dst


def _edit_db(members: dict[str, bytes], tmp: Path, *sql: str, rechain: bool = False) -> dict[str, bytes]:
    import sqlite3

    db = tmp / f"edit-{len(list(tmp.iterdir()))}.sqlite"
    db.write_bytes(members["case.sqlite"])
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript("DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete;")
    for s in sql:
        conn.execute(s)
    if rechain:
        _rechain(conn)
    conn.executescript(GUARDS)
    conn.close()
    return {**members, "case.sqlite": db.read_bytes()}


def _rechain(conn) -> None:
    """Re-vouch every row as it is now and re-hash the whole chain: all a forger needs is the kit's own code."""
    from kit.custody import GENESIS, make_entry, row_digest
    from kit.store import VOUCHED, rows_by_key

    entries = conn.execute("SELECT * FROM custody ORDER BY seq").fetchall()
    conn.execute("DELETE FROM custody")
    prev = GENESIS
    for seq, at, actor, action, subject, details, _, _ in entries:
        d = json.loads(details)
        for table, keys in d.get("vouched", {}).items():
            for key in keys:
                parts = tuple(json.loads(key)) if len(VOUCHED[table]) > 1 else (key,)
                keys[key] = row_digest(rows_by_key(conn, table, parts))
        if action == "decision":
            actor = "mallory"
        e = make_entry(seq, at, actor, action, subject, d, prev)
        conn.execute("INSERT INTO custody VALUES (?,?,?,?,?,?,?,?)", tuple(vars(e).values()))
        prev = e.hash


HOSTILE_NAMES = [
    pytest.param("kit/__init__.py", b"open('/tmp/pwned', 'w')", id="python-module"),
    pytest.param("sitecustomize.py", b"import os", id="sitecustomize"),
    pytest.param("case.sqlite-wal", b"WAL", id="wal"),
    pytest.param("case.sqlite-shm", b"SHM", id="shm"),
    pytest.param("./case.sqlite", b"alias", id="dot-alias"),
    pytest.param("exports/run.py", b"print(1)", id="export-script"),
    pytest.param("exports/sub/report.html", b"<p>", id="export-subfolder"),
    pytest.param("evidence/zz/" + "ab" * 32 + ".jpg", b"x", id="evidence-bad-folder"),
    pytest.param("evidence/ab/" + "ab" * 32 + ".j\npg", b"x", id="evidence-newline"),
]


@pytest.mark.parametrize("name, data", HOSTILE_NAMES)
def test_members_outside_the_allow_list_are_refused_and_never_written(case, tmp_path, capsys, name, data):
    good = export_bundle(case, tmp_path / "b.zip", with_evidence=True)
    members = _members(good)
    members[name] = data
    bad = _rebuild(members, tmp_path / "bad.zip")
    with pytest.raises(BundleError, match="not a member a bundle may hold"):
        verify_bundle(bad)
    with pytest.raises(BundleError, match="not a member a bundle may hold"):
        import_bundle(bad, tmp_path / "to", verify=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip", "bad.zip", "case", "inc"], "nothing left behind"
    assert main(["bundle", "verify", str(bad)]) == 2
    assert "not a member a bundle may hold" in capsys.readouterr().err


def test_folder_entries_are_refused(case, tmp_path):
    good = export_bundle(case, tmp_path / "b.zip")
    bad = _rebuild(_members(good), tmp_path / "bad.zip", extra_infos=[(zipfile.ZipInfo("exports/"), b"")])
    with pytest.raises(BundleError, match="not a regular file"):
        verify_bundle(bad)


@pytest.mark.parametrize(
    "sql, member, problem",
    [
        pytest.param(["UPDATE posts SET posted_at = '2020-01-01T00:00:00+00:00' WHERE post_id = 'p2'"],
                     "case.sqlite", "row posts p2: changed since", id="post-time"),
        pytest.param(["DELETE FROM custody WHERE seq = (SELECT MAX(seq) FROM custody)"],
                     "case.sqlite", "row decisions 1: no custody entry vouches", id="cut-custody-tail"),
        pytest.param(["UPDATE media SET stored_path = '../../etc/passwd'"], "case.sqlite",
                     "row media", id="stored-path"),
        pytest.param(["DROP TRIGGER custody_no_update"], "case.sqlite", "trigger custody_no_update: altered|missing",
                     id="guard-dropped"),
    ],
)
def test_rebuilt_sums_do_not_hide_database_edits(case, tmp_path, sql, member, problem):
    good = export_bundle(case, tmp_path / "b.zip", with_evidence=True)
    members = _edit_db(_members(good), tmp_path, *sql) if "DROP" not in sql[0] else _members(good)
    if "DROP" in sql[0]:
        import sqlite3

        db = tmp_path / "d.sqlite"
        db.write_bytes(members["case.sqlite"])
        with sqlite3.connect(db) as conn:
            conn.execute(sql[0])
        conn.close()
        members["case.sqlite"] = db.read_bytes()
    bad = _rebuild(members, tmp_path / "bad.zip")
    check = verify_bundle(bad)
    hits = check.problems[check.problems.problem.str.contains(problem)]
    assert len(hits) and (hits.member == member).all(), check.problems.to_string()
    with pytest.raises(BundleError, match="verification failed"):
        import_bundle(bad, tmp_path / "to")
    assert not (tmp_path / "to").exists()


@pytest.fixture()
def keys(tmp_path):
    from kit.signing import create_key

    folder = tmp_path / "keys"
    create_key("ana", key_dir=folder)
    create_key("mallory", key_dir=folder)
    return folder


def test_signed_bundle_verifies_against_the_trusted_key(case, tmp_path, keys):
    from kit.signing import read_public_key

    out = export_bundle(case, tmp_path / "b.zip", with_evidence=True, sign=True, key_dir=keys)
    ana = read_public_key(keys / "ana.pub")
    check = verify_bundle(out, trusted=[ana])
    assert check.ok, check.problems
    assert check.signed_by == ana.key_id and "a key you trust" in check.authenticity
    copy = import_bundle(out, tmp_path / "to", trusted=[ana])
    assert copy.custody()["details"].iloc[-1]["signed_by"] == ana.key_id
    assert copy.verify().ok


def test_unsigned_bundle_says_it_can_be_rebuilt(case, tmp_path, keys):
    from kit.signing import read_public_key

    out = export_bundle(case, tmp_path / "b.zip")
    check = verify_bundle(out)
    assert check.ok and check.signed_by is None
    assert "anyone who edits it can rebuild" in check.authenticity
    required = verify_bundle(out, trusted=[read_public_key(keys / "ana.pub")])
    assert required.problems.problem.str.contains("unsigned").any()


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(["UPDATE posts SET posted_at = '2020-01-01T00:00:00+00:00' WHERE post_id = 'p2'"], id="post-time"),
        pytest.param(["UPDATE decisions SET analyst = 'mallory'"], id="decision-credited-to-another"),
        pytest.param(["DELETE FROM custody WHERE seq = (SELECT MAX(seq) FROM custody)",
                      "DELETE FROM decisions"], id="cut-tail-and-its-rows"),
    ],
)
def test_a_fully_rebuilt_bundle_is_caught_only_by_the_signature(case, tmp_path, keys, sql):
    from kit.signing import read_public_key

    ana = read_public_key(keys / "ana.pub")
    good = export_bundle(case, tmp_path / "b.zip", with_evidence=True, sign=True, key_dir=keys)
    forged = _rebuild(_edit_db(_members(good), tmp_path, *sql, rechain=True), tmp_path / "forged.zip")
    unsigned_view = verify_bundle(forged)  # the forgery agrees with itself ...
    assert unsigned_view.problems.member.eq("bundle.sig").all(), unsigned_view.problems.to_string()
    check = verify_bundle(forged, trusted=[ana])  # ... but not with ana's signature
    assert check.problems.problem.str.contains("does not match").any()
    with pytest.raises(BundleError, match="does not match"):
        import_bundle(forged, tmp_path / "to", trusted=[ana])
    assert not (tmp_path / "to").exists()


def test_resigned_with_another_key_is_not_trusted(case, tmp_path, keys):
    from kit.signing import read_public_key

    case.analyst = "mallory"
    out = export_bundle(case, tmp_path / "b.zip", sign=True, key_dir=keys)
    check = verify_bundle(out, trusted=[read_public_key(keys / "ana.pub")])
    assert check.problems.problem.str.contains("not a key you trust").any()


def test_cli_signing_round_trip(case, tmp_path, capsys):
    keys = tmp_path / "k"
    assert main(["bundle", "key", "--analyst", "ana", "--key-dir", str(keys)]) == 0
    out = tmp_path / "s.zip"
    assert main(["bundle", "export", "--case", str(case.path), "--out", str(out), "--sign",
                 "--key-dir", str(keys)]) == 0
    assert main(["bundle", "verify", str(out), "--trust", str(keys / "ana.pub")]) == 0
    assert "a key you trust" in capsys.readouterr().out
    assert main(["bundle", "import", str(out), "--to", str(tmp_path / "n"), "--trust", str(keys / "ana.pub")]) == 0
    assert main(["bundle", "verify", str(out), "--trust", str(tmp_path / "nope.pub")]) == 2


def _corrupt_crc(path: Path, member: str) -> None:
    """Flip one byte of a stored member's data inside the zip file (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "member, data, problem",
    [
        pytest.param("bundle.json", b"\xff\xfe not json", "not JSON", id="bundle-json"),
        pytest.param("custody.jsonl", b"garbage\n", "unreadable", id="custody-jsonl"),
        pytest.param("case.sqlite", b"garbage" * 200, "unreadable database", id="database"),
        pytest.param("bundle.sig", b"{not json", "unreadable", id="signature"),
    ],
)
def test_corrupt_members_are_problems_not_tracebacks(case, tmp_path, capsys, member, data, problem):
    good = export_bundle(case, tmp_path / "b.zip")
    members = {**_members(good), member: data}
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, d in members.items():
            zf.writestr(name, d)
    check = verify_bundle(bad)
    hits = check.problems[(check.problems.member == member) & check.problems.problem.str.contains(problem)]
    assert len(hits), check.problems.to_string()
    assert main(["bundle", "verify", str(bad)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_damaged_zip_data_is_an_error_not_a_traceback(case, tmp_path, capsys):
    out = export_bundle(case, tmp_path / "b.zip")
    _corrupt_crc(out, "case.sqlite")
    with pytest.raises(BundleError, match="case.sqlite: damaged member"):
        verify_bundle(out)
    assert main(["bundle", "import", str(out), "--to", str(tmp_path / "to")]) == 2
    assert "damaged member" in capsys.readouterr().err
    assert not (tmp_path / "to").exists()


def test_out_pointing_at_a_folder_is_an_error(case, tmp_path, capsys):
    assert main(["bundle", "export", "--case", str(case.path), "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_bundle_holds_no_absolute_local_path(case, tmp_path):
    from kit.metadata import STEP

    case.run(STEP)
    out = export_bundle(case, tmp_path / "b.zip", with_evidence=True)
    for name, data in _members(out).items():
        for needle in (str(tmp_path), str(case.path)):
            assert needle.encode() not in data, f"{name} holds {needle}"


# -- bounded memory (issue 19, item 5) ----------------------------------------------------------------

# VmHWM: the peak of this process's own memory since exec (ru_maxrss would carry the parent's peak over)
PEAK = """
import sys
from kit.case import Case
from kit.report.bundle import export_bundle, import_bundle, verify_bundle
op, a, b = sys.argv[1:4]
if op == "export":
    export_bundle(Case.open(a), b, with_evidence=True)
elif op == "verify":
    check = verify_bundle(a)
    assert check.ok, check.problems
else:
    import_bundle(a, b)
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
"""
LIMIT_MB = 256


def _peak_mb(*args: str) -> int:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


def _pad_database(members_zip: Path, dst: Path, tmp: Path, mib: int) -> Path:
    """The bundle with a case.sqlite grown by ``mib`` MiB of zeros (a few MB zipped), sums recomputed."""
    import sqlite3

    from kit.digest import hash_file

    import shutil

    db = tmp / "padded.sqlite"
    with zipfile.ZipFile(members_zip) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        db.write_bytes(zin.read("case.sqlite"))
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE pad(b BLOB)")
            conn.executemany("INSERT INTO pad VALUES (zeroblob(1048576))", [()] * mib)
        conn.close()
        zout.write(db, "case.sqlite")
        sums = dict(line.split("  ", 1)[::-1] for line in zin.read("SHA256SUMS").decode().splitlines())
        sums["case.sqlite"] = hash_file(db)[0]
        for name in zin.namelist():
            if name not in ("case.sqlite", "SHA256SUMS"):
                with zin.open(name) as src, zout.open(name, "w") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
        zout.writestr("SHA256SUMS", "".join(f"{d}  {n}\n" for n, d in sums.items()))
    db.unlink()
    return dst


@pytest.mark.slow
def test_peak_memory_stays_bounded_whatever_the_member_sizes(tmp_path):
    """A 320 MiB evidence file through export, verify and import; a case.sqlite that unpacks to 600 MiB."""
    src = tmp_path / "inc"
    src.mkdir()
    with open(src / "big.jpg", "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
        for _ in range(320):
            fh.write(bytes(1 << 20))
    (src / "manifest.csv").write_text("post_id,media_path\np0,big.jpg\n")
    case = Case.create(tmp_path / "case", analyst="ana")
    case.ingest(src / "manifest.csv")
    case.close()
    out = tmp_path / "big.zip"
    peaks = {"export": _peak_mb("export", str(tmp_path / "case"), str(out)),
             "verify": _peak_mb("verify", str(out), "-"),
             "import": _peak_mb("import", str(out), str(tmp_path / "copy"))}
    (src / "big.jpg").unlink()
    bomb = _pad_database(out, tmp_path / "bomb.zip", tmp_path, 600)
    out.unlink()
    assert bomb.stat().st_size < 8 * 2**20, "600 MiB of padding and 320 MiB of evidence: a few MB zipped"
    peaks["verify 600 MiB case.sqlite"] = _peak_mb("verify", str(bomb), "-")
    print(peaks)
    assert max(peaks.values()) < LIMIT_MB, peaks
