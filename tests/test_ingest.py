"""kit.casework.ingest with hostile collections, size limits, sniffed extensions and concurrent runs.

The hostile-manifest tests write a secret file next to (not inside) the
collection and check that its bytes reach neither the case folder nor an
exported bundle. The concurrency tests fork real processes that ingest into
one case at the same moment.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import sqlite3
import time
import traceback
import zipfile
from pathlib import Path

import pytest

import kit.casework.ingest
from kit.case import Case
from kit.cli import main as dfkit
from kit.casework.ingest import IngestLimits
from kit.staging import clean_tmp
from kit.report import export_bundle

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
SECRET = b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-the-analysts-own-secret-" + os.urandom(8).hex().encode()


def _case_bytes(case_dir: Path, bundle: Path | None = None) -> list[tuple[str, bytes]]:
    """Every file under the case folder (database, WAL, evidence) and every member of ``bundle``."""
    out = [(p.relative_to(case_dir).as_posix(), p.read_bytes()) for p in case_dir.rglob("*") if p.is_file()]
    if bundle is not None:
        with zipfile.ZipFile(bundle) as zf:
            out += [(f"bundle:{n}", zf.read(n)) for n in zf.namelist()]
    return out


@pytest.fixture()
def hostile(tmp_path: Path) -> dict:
    """A collection folder with one good file and every way out of it; the secret lies outside."""
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "id_ed25519").write_bytes(SECRET)
    col = tmp_path / "collection"
    (col / "media").mkdir(parents=True)
    (col / "media" / "good.jpg").write_bytes(JPEG + b"good")
    (col / "media" / "link.jpg").symlink_to(outside / "id_ed25519")
    (col / "media" / "dir").symlink_to(outside, target_is_directory=True)
    (col / "media" / "zero.jpg").symlink_to("/dev/zero")
    os.mkfifo(col / "media" / "pipe.jpg")
    rows = [  # (post_id, media_path, reason expected)
        ("p_good", "media/good.jpg", None),
        ("p_abs", str(outside / "id_ed25519"), "absolute path"),
        ("p_up", "../home/id_ed25519", "'..' leads out"),
        ("p_link", "media/link.jpg", "symbolic link on this path leads out"),
        ("p_dir", "media/dir/id_ed25519", "symbolic link on this path leads out"),
        ("p_zero", "media/zero.jpg", "symbolic link on this path leads out"),
        ("p_fifo", "media/pipe.jpg", "FIFO"),
        ("p_folder", "media", "a folder"),
    ]
    return {"dir": col, "rows": rows, "outside": outside}


def _write_manifest(col: Path, rows: list[tuple[str, str, str | None]], fmt: str) -> Path:
    if fmt == "csv":
        path = col / "manifest.csv"
        path.write_text("post_id,platform,posted_at,media_path\n" + "".join(
            f"{pid},x,2024-03-01T10:00:00Z,{media}\n" for pid, media, _ in rows))
    else:
        path = col / "manifest.jsonl"
        path.write_text("".join(json.dumps({"post_id": pid, "platform": "x", "media_path": media}) + "\n"
                                for pid, media, _ in rows))
    return path


@pytest.mark.parametrize("fmt", [pytest.param("csv", id="csv"), pytest.param("jsonl", id="jsonl")])
def test_hostile_manifest_stores_no_outside_file(hostile, tmp_path, fmt, capsys):
    manifest = _write_manifest(hostile["dir"], hostile["rows"], fmt)
    case_dir = tmp_path / "case"
    assert dfkit(["ingest", str(manifest), "--case", str(case_dir), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    case = Case.open(case_dir)
    assert case.posts()["post_id"].tolist() == ["p_good"]
    issues = case.intake_report().set_index("post_id")
    for line, (pid, _, reason) in enumerate(hostile["rows"], start=2):
        if reason is None:
            continue
        assert issues.loc[pid, "line"] == (line if fmt == "csv" else line - 1)
        assert issues.loc[pid, "field"] == "media_path" and issues.loc[pid, "severity"] == "error"
        assert reason in issues.loc[pid, "reason"], (pid, issues.loc[pid, "reason"])
        assert pid in printed
    bundle = export_bundle(case, tmp_path / "bundle.zip", with_evidence=True)
    leaks = [name for name, data in _case_bytes(case_dir, bundle) if SECRET in data]
    assert leaks == [], f"the secret reached {leaks}"
    assert case.verify().ok


def test_folder_ingest_follows_no_link_out(hostile, tmp_path):
    media = hostile["dir"] / "media"
    (media / "inside.jpg").symlink_to(media / "good.jpg")  # a link that stays inside is fine
    case = Case.create(tmp_path / "case")
    rep = case.ingest(media)
    assert sorted(case.posts()["post_id"]) == ["good.jpg", "inside.jpg"]
    assert len(case.media()) == 1  # the same bytes once
    by_post = rep.issues.set_index("post_id")
    assert by_post.loc["dir", "severity"] == "warning" and "not followed" in by_post.loc["dir", "reason"]
    for name, reason in [("link.jpg", "leads out"), ("zero.jpg", "leads out"), ("pipe.jpg", "FIFO")]:
        assert by_post.loc[name, "severity"] == "error" and reason in by_post.loc[name, "reason"]
    assert not [n for n, data in _case_bytes(case.path) if SECRET in data]


def test_media_root_names_the_folder_paths_are_relative_to(hostile, tmp_path):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    path = _write_manifest(manifests, [("p1", "media/good.jpg", None), ("p2", "../home/id_ed25519", None)], "csv")
    case = Case.create(tmp_path / "case")
    assert case.ingest(path).n_new_posts == 0  # relative to the manifest's own folder: not found
    rep = case.ingest(path, media_root=hostile["dir"])
    assert rep.n_new_posts == 1
    assert "leads out" in rep.issues.set_index("post_id").loc["p2", "reason"]


def test_same_bytes_under_other_names_are_stored_once_with_the_sniffed_extension(tmp_path):
    col = tmp_path / "col"
    col.mkdir()
    blob = b"\x00\x01 no known magic bytes"
    names = ["a.bin", "b.jpg", "c.exe", "d\nname.dat"]
    for n in names:
        (col / n).write_bytes(blob)
    (col / "e.png").write_bytes(JPEG + b"really a jpeg")
    lines = ["post_id,media_path"] + [f'p{i},"{n}"' for i, n in enumerate(names + ["e.png"])]
    (col / "m.csv").write_text("\n".join(lines) + "\n")
    case = Case.create(tmp_path / "case")
    assert case.ingest(col / "m.csv").n_new_posts == 5
    media = case.media().set_index("original_name")
    assert len(media) == 2 and sorted(media["ext"]) == ["bin", "jpg"]
    stored = sorted(p.name for p in (case.path / "evidence").rglob("*") if p.is_file())
    assert stored == sorted(Path(p).name for p in media["path"])
    bundle = export_bundle(case, tmp_path / "b.zip", with_evidence=True)
    with zipfile.ZipFile(bundle) as zf:
        sums = zf.read("SHA256SUMS").decode()
    assert all(re.fullmatch(r"[0-9a-f]{64}  [\w./-]+", line) for line in sums.splitlines()), sums


@pytest.mark.parametrize("sizes, limits, loaded, reason", [
    pytest.param([200], IngestLimits(max_file_bytes=100), 0, "over the limit of 100 bytes a file",
                 id="file-limit"),
    pytest.param([200, 200, 200], IngestLimits(max_total_bytes=450), 2, "reached its size limit of 450 bytes",
                 id="ingest-limit"),
    pytest.param([50 * 2**30], IngestLimits(), 0, "over the limit of 4.0 GiB a file", id="sparse-50GB"),
])
def test_size_limits_refuse_per_row(tmp_path, sizes, limits, loaded, reason):
    col = tmp_path / "col"
    col.mkdir()
    for i, size in enumerate(sizes):
        with open(col / f"f{i}.jpg", "wb") as fh:
            fh.write(JPEG + bytes([i]))
            fh.truncate(size)  # sparse beyond the header
    (col / "m.csv").write_text("post_id,media_path\n" + "".join(f"p{i},f{i}.jpg\n" for i in range(len(sizes))))
    case = Case.create(tmp_path / "case")
    t0 = time.perf_counter()
    rep = case.ingest(col / "m.csv", limits=limits)
    assert time.perf_counter() - t0 < 10, "a refused file must not be read"
    assert rep.n_new_posts == loaded
    refused = rep.issues[rep.issues["severity"] == "error"]
    assert len(refused) == len(sizes) - loaded and refused["reason"].str.contains(reason, regex=False).all()
    assert sum(p.stat().st_size for p in (case.path / "evidence").rglob("*") if p.is_file()) == 200 * loaded


def test_cli_size_options(tmp_path, capsys):
    col = tmp_path / "col"
    col.mkdir()
    (col / "a.jpg").write_bytes(JPEG + b"x" * 2000)
    (col / "m.csv").write_text("post_id,media_path\np1,a.jpg\n")
    assert dfkit(["ingest", str(col / "m.csv"), "--case", str(tmp_path / "c"), "--no-progress",
                  "--max-file-size", "1K"]) == 0
    assert "over the limit of 1.0 KiB a file" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        dfkit(["ingest", str(col / "m.csv"), "--case", str(tmp_path / "c"), "--max-file-size", "lots"])
    assert "not a size: 'lots'" in capsys.readouterr().err


def test_ingest_records_hold_no_local_path(tmp_path):
    col = tmp_path / "collection"
    col.mkdir()
    (col / "a.jpg").write_bytes(JPEG + b"a")
    (col / "m.csv").write_text("post_id,media_path\np1,a.jpg\np2,gone.jpg\n")
    case = Case.create(tmp_path / "case")
    case.ingest(col / "m.csv")
    case.ingest(col, format="folder")  # a folder holding a manifest is that manifest, unless told otherwise
    case.ingest(col)
    assert case.ingests()["source"].tolist() == ["m.csv", "collection", "collection/m.csv"]
    dump = "\n".join(case._conn.iterdump())
    assert str(tmp_path) not in dump


# -- runs that stop, runs at the same time ---------------------------------------------------

def _collection(folder: Path, n_procs: int, shared: int = 12, own: int = 8) -> list[Path]:
    """One manifest per process: ``shared`` posts all of them list, ``own`` posts each (same bytes)."""
    media = folder / "media"
    media.mkdir(parents=True)
    for i in range(shared):
        (media / f"s{i}.jpg").write_bytes(JPEG + f"shared {i}".encode())
    for i in range(own):
        (media / f"o{i}.jpg").write_bytes(JPEG + f"own {i}".encode())
    out = []
    for k in range(n_procs):
        rows = [f"s{i},x,2024-03-01T10:00:00Z,media/s{i}.jpg" for i in range(shared)]
        rows += [f"k{k}_{i},x,2024-03-01T11:00:00Z,media/o{i}.jpg" for i in range(own)]
        path = folder / f"m{k}.csv"
        path.write_text("post_id,platform,posted_at,media_path\n" + "\n".join(rows[k % 3:] + rows[:k % 3]) + "\n")
        out.append(path)
    return out


def _child(case_dir: Path, manifest: Path, barrier, queue) -> None:
    try:
        case = Case.open(case_dir)
        barrier.wait(timeout=30)
        rep = case.ingest(manifest)
        queue.put(("ok", rep.ingest_id, rep.n_new_posts, rep.n_existing, rep.n_errors, rep.n_rows))
    except BaseException:  # noqa: BLE001 - the parent reports it
        queue.put(("error", traceback.format_exc()))


@pytest.mark.parametrize("n_procs", [pytest.param(2, id="two"), pytest.param(4, id="four")])
def test_concurrent_ingests_all_finish_nothing_duplicated_nothing_lost(tmp_path, monkeypatch, n_procs):
    monkeypatch.setattr(kit.casework.ingest, "BATCH", 3)  # many small transactions: more interleaving
    ctx = multiprocessing.get_context("fork")
    shared, own = 12, 8
    for trial in range(10):
        root = tmp_path / f"t{trial}"
        manifests = _collection(root / "inc", n_procs, shared, own)
        Case.create(root / "case").close()
        barrier, queue = ctx.Barrier(n_procs), ctx.Queue()
        procs = [ctx.Process(target=_child, args=(root / "case", m, barrier, queue)) for m in manifests]
        for p in procs:
            p.start()
        results = [queue.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        errors = [r[1] for r in results if r[0] != "ok"]
        assert not errors, f"trial {trial}: {errors[0]}"
        assert all(r[2] + r[3] == r[5] == shared + own and r[4] == 0 for r in results), results
        case = Case.open(root / "case")
        posts, media = case.posts(), case.media()
        n_posts = shared + own * n_procs
        assert sum(r[2] for r in results) == len(posts) == n_posts, f"trial {trial}"
        assert len(media) == shared + own and media["sha256"].is_unique
        assert len([p for p in (root / "case" / "evidence").rglob("*") if p.is_file()]) == shared + own
        log = case.custody()
        ingested = log[log["action"] == "file.ingested"]
        assert len(ingested) == n_posts and ingested["details"].map(lambda d: d["post_id"]).is_unique
        runs = case.ingests()
        assert sorted(runs["ingest_id"]) == sorted(r[1] for r in results)
        assert (runs["state"] == "finished").all() and runs["n_new_posts"].sum() == n_posts
        assert case.verify().ok
        assert list((root / "case" / "evidence" / ".tmp").iterdir()) == []
        case.close()


def _stuck_child(case_dir: Path, manifest: Path, started) -> None:
    def stall(_staged):  # the first file is about to be placed: stop here until killed
        started.set()
        time.sleep(120)

    kit.casework.ingest._place = stall
    Case.open(case_dir).ingest(manifest)


def test_an_ingest_that_dies_leaves_a_record_and_the_next_one_says_so(tmp_path):
    [manifest] = _collection(tmp_path / "inc", 1)
    case = Case.create(tmp_path / "case")
    ctx = multiprocessing.get_context("fork")
    started = ctx.Event()
    proc = ctx.Process(target=_stuck_child, args=(case.path, manifest, started))
    proc.start()
    try:
        assert started.wait(30)
        runs = case.ingests()
        assert runs["state"].tolist() == ["running"]
        assert clean_tmp(case.path) == []  # a live ingest's staging folder is left alone
        assert len(list((case.path / "evidence" / ".tmp").iterdir())) == 2  # its lock and its folder
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
    runs = case.ingests()
    assert runs["state"].tolist() == ["interrupted"] and runs["finished_at"].isna().all()
    rep = case.ingest(manifest)
    assert rep.n_new_posts == 20
    assert case.ingests()["state"].tolist() == ["interrupted", "finished"]
    log = case.custody()
    assert log.loc[log["action"] == "ingest.interrupted", "subject"].tolist() == ["1"]
    assert list((case.path / "evidence" / ".tmp").iterdir()) == []
    assert case.verify().ok


def test_an_ingest_that_raises_says_why(tmp_path, monkeypatch):
    [manifest] = _collection(tmp_path / "inc", 1)
    case = Case.create(tmp_path / "case")

    def broken(_staged):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kit.casework.ingest, "_place", broken)
    with pytest.raises(OSError, match="No space left"):
        case.ingest(manifest)
    assert case.ingests()["state"].tolist() == ["interrupted"]
    assert "ingest stopped: OSError" in case.intake_report()["reason"].iloc[0]
    assert "ingest.failed" in case.custody()["action"].tolist()
    assert list((case.path / "evidence" / ".tmp").iterdir()) == []
    with sqlite3.connect(case.path / "case.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 0
