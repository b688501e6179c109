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
