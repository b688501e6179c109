"""The demo incident generator (kit/demo: incident.py and the modules it puts together).

One generation per module (seed 7) feeds most tests; the determinism tests run it again
as a script with the network blocked, and once with another seed.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "kit" / "demo"
GENERATOR_MODULES = ("incident", "scene", "transforms", "phone", "cascade", "exports", "truth", "edits")
ALLOWED_IMPORTS = {"numpy", "PIL", "cv2", "argparse", "base64", "csv", "hashlib", "importlib", "io",
                   "json", "math", "shutil", "sys", "time", "dataclasses", "datetime",
                   "functools", "pathlib", "typing", "__future__"}
COLUMNS = ["post_id", "platform", "account", "posted_at", "url", "media_path", "parent_post_id",
           "caption", "likes", "shares", "views", "lang", "scrape_id"]
BUDGET_S = 30.0  # documented in kit/demo/README.md


def _hashes(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def gen():
    import kit.demo.incident

    return kit.demo.incident


@pytest.fixture(scope="module")
def run(gen, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "incident"
    t0 = time.perf_counter()
    result = gen.generate(out, seed=7)
    seconds = time.perf_counter() - t0
    import csv

    with open(out / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    return {"out": out, "result": result, "seconds": seconds, "rows": rows, "truth": truth,
            "by_id": {r["post_id"]: r for r in rows}}


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc)


def _bad(run, reason):
    return next(b["post_id"] for b in run["truth"]["bad_rows"] if b["reason"] == reason)


# ----------------------------------------------------------------------------- hygiene
@pytest.mark.parametrize("module", GENERATOR_MODULES)
def test_imports_only_allowed_modules(module):
    """The generator needs numpy, Pillow, OpenCV and the standard library, and of the kit only its own modules."""
    tree = ast.parse((DEMO / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    kit = {n for n in names if n.split(".")[0] == "kit"}
    assert {n.split(".")[0] for n in names - kit} <= ALLOWED_IMPORTS, names - kit
    assert kit <= {"kit.errors"} | {f"kit.demo.{m}" for m in GENERATOR_MODULES} | {"kit.demo"}, kit


def test_modules_are_readable_in_one_sitting():
    """The generator is split by what it makes (issue 16): no module over ~400 lines."""
    sizes = {m: len((DEMO / f"{m}.py").read_text(encoding="utf-8").splitlines()) for m in GENERATOR_MODULES}
    assert max(sizes.values()) <= 400, sizes


def test_generation_time_within_budget(run):
    assert run["seconds"] < 2 * BUDGET_S, f"generation took {run['seconds']:.1f} s"


def test_media_size_modest(run):
    assert run["result"].n_media_bytes < 40e6


def test_refuses_foreign_non_empty_folder(gen, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a demo incident"):
        gen.generate(tmp_path, seed=7)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_previous_output_is_replaced(gen, tmp_path):
    (tmp_path / "truth.json").write_text("{}")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "p999.jpg").write_bytes(b"stale")
    gen._prepare_out(tmp_path)
    assert list((tmp_path / "media").iterdir()) == [] and not (tmp_path / "truth.json").exists()


# ----------------------------------------------------------------------------- determinism
@pytest.mark.slow
def test_same_seed_same_bytes_as_script_offline(run, tmp_path):
    """The command line (``python -m kit.demo``, network blocked) writes byte-identical files, mp4 included."""
    out = tmp_path / "again"
    code = ("import socket, runpy, sys\n"
            "def _no(*a, **k): raise OSError('network disabled in test')\n"
            "socket.socket = _no; socket.create_connection = _no\n"
            f"sys.argv = ['kit.demo', '--out', {str(out)!r}, '--seed', '7']\n"
            "runpy.run_module('kit.demo', run_name='__main__', alter_sys=True)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "posts by" in proc.stdout
    assert _hashes(out) == _hashes(run["out"])


@pytest.mark.slow
def test_other_seed_differs(gen, run, tmp_path):
    gen.generate(tmp_path, seed=8)
    a, b = _hashes(run["out"]), _hashes(tmp_path)
    assert a["manifest.csv"] != b["manifest.csv"] and a["truth.json"] != b["truth.json"]
    origin_a = run["truth"]["posts"][run["truth"]["origin_post_id"]]["media_sha256"]
    truth_b = json.loads((tmp_path / "truth.json").read_text())
    assert truth_b["posts"][truth_b["origin_post_id"]]["media_sha256"] != origin_a


# ----------------------------------------------------------------------------- manifest shape
def test_manifest_columns(run):
    assert list(run["rows"][0]) == COLUMNS


@pytest.mark.parametrize("what, lo, hi", [
    pytest.param("posts", 140, 170, id="posts"),
    pytest.param("accounts", 80, 120, id="accounts"),
    pytest.param("platforms", 4, 4, id="platforms"),
    pytest.param("videos", 2, 3, id="videos"),
    pytest.param("distractors", 3, 6, id="distractors"),
    pytest.param("debunks", 1, 1, id="debunk"),
    pytest.param("span_h", 68, 72.5, id="span-72h"),
])
def test_counts(run, what, lo, hi):
    rows, posts = run["rows"], run["truth"]["posts"]
    times = [_utc(p["posted_at_utc"]) for p in posts.values()]
    value = {"posts": len(rows), "accounts": len({r["account"] for r in rows}),
             "platforms": len({r["platform"] for r in rows}),
             "videos": sum(p["role"] == "video" for p in posts.values()),
             "distractors": sum(p["distractor"] for p in posts.values()),
             "debunks": sum(p["role"] == "debunk" for p in posts.values()),
             "span_h": (max(times) - min(times)).total_seconds() / 3600}[what]
    assert lo <= value <= hi


def test_hubs_collect_many_shares(run):
    kids = {}
    for p in run["truth"]["posts"].values():
        if p["true_parent"]:
            kids[p["true_parent"]] = kids.get(p["true_parent"], 0) + 1
    assert max(kids.values()) >= 10


def test_time_zones_are_mixed_and_agree_with_truth(run):
    bad = _bad(run, "unparsable_timestamp")
    zones = set()
    for r in run["rows"]:
        if r["post_id"] == bad:
            continue
        s = r["posted_at"]
        zones.add("Z" if s.endswith("Z") else s[-6:])
        assert _utc(s) == _utc(run["truth"]["posts"][r["post_id"]]["posted_at_utc"])
    assert {"Z", "+01:00", "-05:00", "+05:30"} <= zones


def test_extra_and_engagement_columns(run):
    assert all(r["lang"] and r["scrape_id"] for r in run["rows"])
    assert any(r["views"] == "" for r in run["rows"]) and any(r["views"] for r in run["rows"])
    assert all(r["likes"].isdigit() and r["shares"].isdigit() for r in run["rows"])
    hosts = {r["platform"]: r["url"].split("/")[2] for r in run["rows"]}
    assert all(h.endswith(".example") for h in hosts.values())


# ----------------------------------------------------------------------------- truth
def test_truth_covers_every_row(run):
    assert set(run["truth"]["posts"]) == set(run["by_id"])
    for pid, p in run["truth"]["posts"].items():
        assert p["platform"] == run["by_id"][pid]["platform"]
        assert (p["explicit_parent"] or "") == run["by_id"][pid]["parent_post_id"]


def test_true_parent_posted_earlier(run):
    posts = run["truth"]["posts"]
    for pid, p in posts.items():
        if p["true_parent"]:
            assert _utc(posts[p["true_parent"]]["posted_at_utc"]) < _utc(p["posted_at_utc"]), pid


def test_one_origin_and_every_cascade_post_reaches_it(run):
    posts, origin = run["truth"]["posts"], run["truth"]["origin_post_id"]
    roots = {pid for pid, p in posts.items() if p["true_parent"] is None}
    assert roots == {origin} | set(run["truth"]["distractor_post_ids"])
    for pid in posts:
        seen = pid
        while posts[seen]["true_parent"]:
            seen = posts[seen]["true_parent"]
        assert seen == origin or posts[pid]["distractor"]


def test_explicit_parents_are_ancestors_on_the_same_platform(run):
    posts = run["truth"]["posts"]
    n_explicit = n_skip = 0
    for pid, p in posts.items():
        if not p["explicit_parent"]:
            continue
        n_explicit += 1
        n_skip += p["explicit_parent"] != p["true_parent"]
        anc, cur = set(), pid
        while posts[cur]["true_parent"]:
            cur = posts[cur]["true_parent"]
            anc.add(cur)
        assert p["explicit_parent"] in anc
        assert posts[p["explicit_parent"]]["platform"] == p["platform"]
    assert 0.1 <= n_skip / n_explicit <= 0.45  # some exports name the original instead


def test_shares_reuse_bytes_and_reuploads_do_not(run):
    posts, out = run["truth"]["posts"], run["out"]

    def sha(pid):
        return hashlib.sha256((out / run["by_id"][pid]["media_path"]).read_bytes()).hexdigest()

    missing = _bad(run, "missing_media")
    for pid, p in posts.items():
        if pid == missing:
            continue
        assert sha(pid) == p["media_sha256"]
        parent = p["true_parent"]
        if p["explicit_parent"]:
            assert p["same_bytes_as"] == parent and p["transforms"] == []
        if parent and parent != missing:
            assert (sha(pid) == sha(parent)) == (p["same_bytes_as"] == parent), pid
        if parent and not p["same_bytes_as"]:
            assert p["transforms"], pid


def test_bad_rows_are_exactly_as_listed(run):
    bad = {b["post_id"]: b["reason"] for b in run["truth"]["bad_rows"]}
    assert sorted(bad.values()) == ["missing_media", "unparsable_timestamp"]
    for r in run["rows"]:
        exists = (run["out"] / r["media_path"]).is_file()
        try:
            _utc(r["posted_at"])
            parses = True
        except ValueError:
            parses = False
        assert exists == (bad.get(r["post_id"]) != "missing_media"), r["post_id"]
        assert parses == (bad.get(r["post_id"]) != "unparsable_timestamp"), r["post_id"]
    for pid in bad:  # a bad row is a leaf: nothing derives from it
        assert all(p["true_parent"] != pid for p in run["truth"]["posts"].values())


# ----------------------------------------------------------------------------- media
def _quality_tables(q: int, progressive: bool = False) -> list:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "gray").save(buf, "JPEG", quality=q, subsampling=2)
    return [list(t) for t in Image.open(buf).quantization.values()]


def test_platform_encodes_match_the_recorded_quality_and_limits(run):
    posts, out = run["truth"]["posts"], run["out"]
    checked = 0
    for pid, p in posts.items():
        enc = [t for t in p["transforms"] if t["op"] == "jpeg"]
        if not enc or p["kind"] != "image" or pid == _bad(run, "missing_media"):
            continue
        im = Image.open(out / run["by_id"][pid]["media_path"])
        assert [list(t) for t in im.quantization.values()] == _quality_tables(enc[0]["q"]), pid
        assert not im.getexif(), f"{pid}: metadata should be stripped"
        spec = run["truth"]["platforms"][p["platform"]]
        if p["platform"] == "instagram":
            assert im.width <= 1080 and 0.8 - 1e-3 <= im.width / im.height <= 1.91 + 1e-3
        else:
            assert max(im.size) <= spec["max_side"]
        checked += 1
    assert checked > 40


def test_origin_keeps_exif_and_telegram_files_keep_bytes(run):
    truth, out = run["truth"], run["out"]
    origin = truth["posts"][truth["origin_post_id"]]
    assert origin["platform"] == "telegram" and origin["uploaded_as_file"]
    im = Image.open(out / run["by_id"][truth["origin_post_id"]]["media_path"])
    exif = im.getexif()
    assert exif[0x010F] == "Canon" and exif[0x0131].startswith("Adobe Photoshop")
    assert exif.get_ifd(0x8769)[0x9011] == "-04:00"
    assert exif.get_ifd(0x8825)[1] == "N"


def test_telegram_files_keep_bytes_or_png(run):
    posts, out = run["truth"]["posts"], run["out"]
    files = {pid: p for pid, p in posts.items() if p["uploaded_as_file"]}
    assert all(p["platform"] == "telegram" for p in files.values())
    pngs = [pid for pid, p in files.items() if run["by_id"][pid]["media_path"].endswith(".png")]
    assert len(pngs) == 1 and posts[pngs[0]]["transforms"][0]["op"] == "screenshot"
    assert Image.open(out / run["by_id"][pngs[0]]["media_path"]).format == "PNG"
    copies = [pid for pid, p in files.items() if p["role"] == "reupload_file"]
    assert copies and all(posts[pid]["same_bytes_as"] == posts[pid]["true_parent"]
                          and posts[pid]["explicit_parent"] is None for pid in copies)


def test_composite_mask_matches_the_recorded_box(run):
    comp = run["truth"]["composite"]
    mask = np.asarray(Image.open(run["out"] / comp["mask"]))
    ys, xs = np.nonzero(mask >= 5)
    assert [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] == comp["pasted_box"]
    assert mask.shape == tuple(comp["base"]["upscaled_to"][::-1])
    assert comp["donor_grid_offset"] != [0, 0]
    assert comp["post_id"] == run["truth"]["origin_post_id"]


def test_distractors_are_unrelated_and_source_original_is_the_wheel_file(run):
    posts = run["truth"]["posts"]
    kinds = {}
    for pid in run["truth"]["distractor_post_ids"]:
        assert posts[pid]["true_parent"] is None and posts[pid]["explicit_parent"] is None
        kinds[posts[pid]["distractor_kind"]] = pid
    spec = importlib.util.find_spec("skimage")
    rocket = Path(list(spec.submodule_search_locations)[0]) / "data" / "rocket.jpg"
    pid = kinds["source_original"]
    assert (run["out"] / run["by_id"][pid]["media_path"]).read_bytes() == rocket.read_bytes()


def test_debunk_stamps_red_fake_on_its_parent(run):
    posts, out = run["truth"]["posts"], run["out"]
    pid = run["truth"]["debunk_post_id"]
    parent = posts[pid]["true_parent"]
    assert posts[parent]["kind"] == "image" and posts[pid]["transforms"][0]["text"] == "FAKE"

    def red(p):
        a = np.asarray(Image.open(out / run["by_id"][p]["media_path"]).convert("RGB"), int)
        return np.mean((a[..., 0] > 180) & (a[..., 1] < 70) & (a[..., 2] < 80))

    assert red(pid) > red(parent) + 0.02
    for q, p in posts.items():  # what derives from the fact-check is only shared
        cur = q
        while posts[cur]["true_parent"] and cur != pid:
            cur = posts[cur]["true_parent"]
        if cur == pid and q != pid:
            assert p["role"] == "share" and p["same_bytes_as"] == p["true_parent"], q


def test_videos_are_short_vertical_mp4s(run):
    import cv2

    vids = [pid for pid, p in run["truth"]["posts"].items()
            if p["kind"] == "video" and not p["same_bytes_as"]]
    for pid in vids:
        cap = cv2.VideoCapture(str(run["out"] / run["by_id"][pid]["media_path"]))
        n, w, h = (cap.get(cv2.CAP_PROP_FRAME_COUNT), cap.get(cv2.CAP_PROP_FRAME_WIDTH),
                   cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        cap.release()
        assert (n, w, h) == (60, 360, 640)
        assert run["truth"]["posts"][run["truth"]["posts"][pid]["true_parent"]]["kind"] == "image"


# ----------------------------------------------------------------------------- the collection exports
def _as_demo_ids(posts, truth):
    """The posts of a case ingested from the collection exports, with the manifest's post ids."""
    to_pid = {p["export_post_id"]: pid for pid, p in truth["posts"].items()}
    out = posts.assign(post_id=posts["post_id"].map(to_pid), parent_post_id=posts["parent_post_id"].map(to_pid))
    return out.set_index("post_id").sort_index()


def test_the_collection_exports_give_the_spread_the_same_posts(run, tmp_path):
    """twarc2 + Telegram Desktop + a manifest of the rest: the same posts, times, media and repost links as
    manifest.csv, so the spread graph built from them is the same (issue 16)."""
    from kit.case import Case

    cols = ["platform", "account", "posted_at", "media_sha256", "parent_post_id", "caption"]
    a = Case.create(tmp_path / "csv")
    a.ingest(run["out"] / "manifest.csv")
    b = Case.create(tmp_path / "exports")
    reports = b.ingest_collection(run["out"] / "collection")
    assert sorted({r.format for r in reports}) == ["manifest", "telegram", "twarc2"]
    truth = run["truth"]
    want = a.posts().set_index("post_id").sort_index()[cols]
    got = _as_demo_ids(b.posts(), truth)[cols]
    assert got.index.tolist() == want.index.tolist()
    diff = (got.fillna("-") != want.fillna("-")).any(axis=1)
    assert not diff.any(), pd.concat([got[diff], want[diff]], axis=1, keys=["exports", "manifest"]).to_string()
    issues = pd.concat([r.issues for r in reports])
    errors = issues[issues["severity"] == "error"]
    bad = {b["reason"]: b["post_id"] for b in truth["bad_rows"]}
    missing = truth["posts"][bad["missing_media"]]["export_post_id"]
    assert sorted(errors["post_id"]) == sorted([missing, bad["unparsable_timestamp"]])
    linked = issues[issues["reason"].str.contains("linked to telegram:", na=False)]
    forwards = [pid for pid, p in truth["posts"].items() if p["platform"] == "telegram" and p["explicit_parent"]]
    assert len(linked) == len(forwards) > 0  # every Telegram forward found its original by channel and file
    assert b.verify().ok


@pytest.mark.slow
def test_the_collection_exports_give_the_same_spread_graph(run, tmp_path):
    """The whole spread result, built from manifest.csv and from the exports (about 25 s each)."""
    from kit.case import Case
    from kit.casework.spread import case_spread

    to_pid = {p["export_post_id"]: pid for pid, p in run["truth"]["posts"].items()}
    found = {}
    for name, source in (("csv", run["out"] / "manifest.csv"), ("exports", run["out"] / "collection")):
        case = Case.create(tmp_path / name)
        case.ingest_collection(source)
        res = case_spread(case)
        f = (lambda n: to_pid.get(n, n)) if name == "exports" else (lambda n: n)
        found[name] = (sorted(f(n) for n in res.graph), sorted((f(u), f(v)) for u, v in res.graph.edges),
                       [f(n) for n in res.origin["node"].head(3)])
    assert found["exports"] == found["csv"] and len(found["csv"][1]) > 100
